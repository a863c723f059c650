"""Who may apply to a round, computed from the profile and the Social Handprint, and explained.

Each rule a round sets (funding.models.Round, "Who may apply") gives one `Check`: whether the
initiative meets it and why, in words the applicant can act on ("not yet, because no photo
on the profile"). The applicant sees them before applying; the evaluation is stored with an
application when it is submitted ("Funding rounds I"). The handprint is read in the round's
pinned method version, the stored result of the last 12 complete months.
"""

import datetime
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.numbers import fast_intcomma
from funding.models import AWARDED, CLOSED_GRANTS, Application, Round
from funding.terms import months_before
from impact.models import HandprintResult, HandprintSdg, InitiativeActivity
from impact.scoring import month_add, rolling_window
from initiatives.models import ActivityReport, Initiative, Need
from places.models import District

# "A report in the last three months": this month or one of the three before it.
REPORT_MONTHS = 3


@dataclass(frozen=True)
class Check:
    """One rule of a round for one initiative."""

    # A stable code: kind, area, stage, handprint, money_need, recent_award, per_year, settled,
    # profile.
    rule: str
    asks: str  # what the rule asks, in the applicant's language
    met: bool
    because: str

    def as_dict(self) -> dict:
        return asdict(self)


def euros(amount: Decimal) -> str:
    return f"€ {fast_intcomma(int(amount.quantize(Decimal(1))))}"


def _kind_asks(round_: Round) -> str | None:
    if not round_.kinds:
        return None
    labels = dict(Initiative.Kind.choices)
    return _("Kind of initiative: %(kinds)s") % {
        "kinds": ", ".join(str(labels.get(kind, kind)) for kind in round_.kinds)
    }


def _kind(round_: Round, initiative: Initiative) -> Check | None:
    asks = _kind_asks(round_)
    if asks is None:
        return None
    met = initiative.kind in round_.kinds
    kind = initiative.get_kind_display()
    because = (
        _("your initiative is a %(kind)s") % {"kind": kind}
        if met
        else _("your initiative is a %(kind)s, which this round does not fund") % {"kind": kind}
    )
    return Check("kind", asks, met, because)


def _codes(round_: Round, initiative: Initiative) -> dict[str, str]:
    """The CBS codes the initiative counts in, each with the name to explain it by."""
    own = {
        initiative.municipality.province_id: initiative.municipality.province.name,
        initiative.municipality_id: initiative.municipality.name,
    }
    if initiative.district_id:
        own[initiative.district_id] = initiative.district.name
    if initiative.neighbourhood_id:
        own[initiative.neighbourhood_id] = initiative.neighbourhood.name
    if round_.scope_from == Round.Scope.SERVED:
        served = District.objects.filter(pk__in=initiative.areas_served.values("pk"))
        for district in served.select_related("municipality__province"):
            own[district.pk] = district.name
            own[district.municipality_id] = district.municipality.name
            own[district.municipality.province_id] = district.municipality.province.name
    return own


def _area_asks(round_: Round) -> str | None:
    if not round_.scope_codes:
        return None
    return (
        _("Active in the round's area")
        if round_.scope_from == Round.Scope.PRIMARY
        else _("Serving the round's area")
    )


def _area(round_: Round, initiative: Initiative) -> Check | None:
    asks = _area_asks(round_)
    if asks is None:
        return None
    codes = _codes(round_, initiative)
    inside = [name for code, name in codes.items() if code in round_.scope_codes]
    if inside:
        return Check("area", asks, True, _("your initiative is in %(area)s") % {"area": inside[0]})
    where = initiative.district.name if initiative.district_id else initiative.municipality.name
    because = (
        _("your initiative is in %(area)s, outside the round's area") % {"area": where}
        if round_.scope_from == Round.Scope.PRIMARY
        else _("neither %(area)s nor the districts your initiative serves are in the round's area")
        % {"area": where}
    )
    return Check("area", asks, False, because)


def _stage_asks(round_: Round) -> str | None:
    if not round_.stages:
        return None
    labels = dict(Initiative.Stage.choices)
    return _("Stage: %(stages)s") % {
        "stages": ", ".join(str(labels.get(stage, stage)) for stage in round_.stages)
    }


def _stage(round_: Round, initiative: Initiative) -> Check | None:
    asks = _stage_asks(round_)
    if asks is None:
        return None
    if not initiative.stage:
        return Check("stage", asks, False, _("your profile does not say its stage yet"))
    met = initiative.stage in round_.stages
    stage = initiative.get_stage_display()
    because = (
        _("your profile says %(stage)s") % {"stage": stage}
        if met
        else _("your profile says %(stage)s, not one of the stages this round funds")
        % {"stage": stage}
    )
    return Check("stage", asks, met, because)


def _handprint_values(round_: Round) -> dict[str, str]:
    values = {"amount": euros(round_.handprint_minimum), "version": round_.method_version.code}
    if round_.handprint_sdgs:
        values["sdgs"] = ", ".join(str(number) for number in sorted(round_.handprint_sdgs))
    return values


def _handprint_asks(round_: Round) -> str | None:
    if round_.handprint_minimum is None:
        return None
    values = _handprint_values(round_)
    if "sdgs" in values:
        return (
            _("A Social Handprint of at least %(amount)s on SDG %(sdgs)s (method %(version)s)")
            % values
        )
    return _("A Social Handprint of at least %(amount)s (method %(version)s)") % values


def _handprint(round_: Round, initiative: Initiative, today: datetime.date) -> Check | None:
    asks = _handprint_asks(round_)
    if asks is None:
        return None
    minimum = round_.handprint_minimum
    version = round_.method_version
    sdgs = sorted(round_.handprint_sdgs)
    values = _handprint_values(round_)
    window = rolling_window(today)
    result = HandprintResult.objects.filter(
        initiative=initiative,
        version=version,
        period_kind=HandprintResult.PeriodKind.ROLLING,
        period_start=window.start,
    ).first()
    if result is None:
        because = _(
            "no Social Handprint of the last 12 months is computed in method %(version)s yet: "
            "report your volunteer hours and activities each month"
        ) % {"version": version.code}
        return Check("handprint", asks, False, because)
    if not sdgs:
        value = result.value_central
        met = value >= minimum
        because = _("your handprint of the last 12 months is %(value)s") % {"value": euros(value)}
        return Check("handprint", asks, met, because)
    best = (
        HandprintSdg.objects.filter(result=result, goal_id__in=sdgs)
        .order_by("-value_central", "goal_id")
        .values_list("goal_id", "value_central")
        .first()
    )
    if best is None:
        because = _("your handprint of the last 12 months has no value on SDG %(sdgs)s") % values
        return Check("handprint", asks, False, because)
    goal, value = best
    because = _("your handprint on SDG %(goal)s is %(value)s over the last 12 months") % {
        "goal": goal,
        "value": euros(value),
    }
    return Check("handprint", asks, value >= minimum, because)


def _awards_from_fund(round_: Round, initiative: Initiative, since: datetime.date) -> list:
    """(decided_at, amount) of the initiative's awards from the round's fund since `since`."""
    return list(
        Application.objects.filter(
            initiative=initiative,
            round__fund_id=round_.fund_id,
            status__in=AWARDED,
            decided_at__date__gte=since,
        )
        .order_by("-decided_at")
        .values_list("decided_at", "awarded")
    )


def _recent_award_asks(round_: Round) -> str | None:
    if not round_.no_award_months:
        return None
    return ngettext(
        "No award from %(fund)s in the last %(count)d month",
        "No award from %(fund)s in the last %(count)d months",
        round_.no_award_months,
    ) % {"fund": round_.fund.name, "count": round_.no_award_months}


def _recent_award(round_: Round, initiative: Initiative, today: datetime.date) -> Check | None:
    asks = _recent_award_asks(round_)
    if asks is None:
        return None
    since = months_before(today, round_.no_award_months)
    awards = _awards_from_fund(round_, initiative, since)
    if not awards:
        return Check("recent_award", asks, True, _("no award since %(day)s") % {"day": _day(since)})
    decided_at, amount = awards[0]
    because = _("an award of %(amount)s on %(day)s") % {
        "amount": euros(amount),
        "day": _day(timezone.localdate(decided_at)),
    }
    return Check("recent_award", asks, False, because)


def _settled_asks(round_: Round) -> str | None:
    if not round_.requires_awards_settled:
        return None
    return _("Every earlier award from %(fund)s accounted for and settled") % {
        "fund": round_.fund.name
    }


def _settled(round_: Round, initiative: Initiative) -> Check | None:
    """Funding rounds II: an award of this fund whose file is still open (to be paid, to be
    accounted for, or accounted for and waiting for the settlement) holds the next one back."""
    asks = _settled_asks(round_)
    if asks is None:
        return None
    open_award = (
        Application.objects.filter(
            initiative=initiative, round__fund_id=round_.fund_id, status__in=AWARDED
        )
        .exclude(grant__in=CLOSED_GRANTS)
        .order_by("decided_at")
        .values_list("purpose", "grant")
        .first()
    )
    if open_award is None:
        return Check("settled", asks, True, _("no award of this fund is still open"))
    purpose, grant = open_award
    because = _("the award for “%(purpose)s” is %(state)s") % {
        "purpose": purpose,
        "state": Application.Grant(grant).label,
    }
    return Check("settled", asks, False, because)


def _per_year_asks(round_: Round) -> str:
    return ngettext(
        "At most %(count)d award from %(fund)s per 12 months",
        "At most %(count)d awards from %(fund)s per 12 months",
        round_.max_awards_per_year,
    ) % {"fund": round_.fund.name, "count": round_.max_awards_per_year}


def _per_year(round_: Round, initiative: Initiative, today: datetime.date) -> Check:
    count = len(_awards_from_fund(round_, initiative, months_before(today, 12)))
    met = count < round_.max_awards_per_year
    because = ngettext(
        "%(count)d award in the last 12 months", "%(count)d awards in the last 12 months", count
    ) % {"count": count}
    return Check("per_year", _per_year_asks(round_), met, because)


def _day(day: datetime.date) -> str:
    return date_format(day, "j F Y")


def _money_need_asks(round_: Round) -> str | None:
    return _("An open money need on the profile") if round_.requires_money_need else None


def _money_need(round_: Round, initiative: Initiative, today: datetime.date) -> Check | None:
    asks = _money_need_asks(round_)
    if asks is None:
        return None
    need = (
        initiative.needs.filter(kind=Need.Kind.MONEY, status=Need.Status.OPEN)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .order_by("-created_at")
        .first()
    )
    if need is None:
        return Check("money_need", asks, False, _("your profile asks for no money at the moment"))
    return Check(
        "money_need", asks, True, _("your profile asks: “%(title)s”") % {"title": need.title}
    )


def profile_missing(initiative: Initiative, today: datetime.date) -> list[str]:
    """What a complete profile still lacks, as the applicant would fix it; [] when complete."""
    missing = []
    if not initiative.summary.strip():
        missing.append(_("a summary"))
    if not initiative.description.strip():
        missing.append(_("a description"))
    if not initiative.photos.exists():
        missing.append(_("a photo"))
    since = month_add(today.replace(day=1), -REPORT_MONTHS)
    if not ActivityReport.objects.filter(initiative=initiative, month__gte=since).exists():
        missing.append(
            ngettext(
                "a monthly report in the last %(count)d month",
                "a monthly report in the last %(count)d months",
                REPORT_MONTHS,
            )
            % {"count": REPORT_MONTHS}
        )
    if not InitiativeActivity.objects.filter(initiative=initiative).exists():
        missing.append(_("the activities it does"))
    return missing


def _profile_asks(round_: Round) -> str | None:
    return _("A complete profile") if round_.requires_complete_profile else None


def _profile(round_: Round, initiative: Initiative, today: datetime.date) -> Check | None:
    asks = _profile_asks(round_)
    if asks is None:
        return None
    missing = profile_missing(initiative, today)
    if missing:
        because = _("it still needs %(missing)s") % {"missing": ", ".join(missing)}
        return Check("profile", asks, False, because)
    return Check(
        "profile",
        asks,
        True,
        _("it has a summary, a description, a photo, a recent report and its activities"),
    )


def evaluate(
    round_: Round, initiative: Initiative, *, today: datetime.date | None = None
) -> list[Check]:
    """Every rule the round sets, in a fixed order, each met or not with its reason."""
    today = today or timezone.localdate()
    checks = [
        _kind(round_, initiative),
        _area(round_, initiative),
        _stage(round_, initiative),
        _handprint(round_, initiative, today),
        _money_need(round_, initiative, today),
        _recent_award(round_, initiative, today),
        _per_year(round_, initiative, today),
        _settled(round_, initiative),
        _profile(round_, initiative, today),
    ]
    return [check for check in checks if check is not None]


def rules_of(round_: Round) -> list[str]:
    """What the round asks, in the order `evaluate` checks it: for the public list of rounds."""
    asks = (
        _kind_asks(round_),
        _area_asks(round_),
        _stage_asks(round_),
        _handprint_asks(round_),
        _money_need_asks(round_),
        _recent_award_asks(round_),
        _per_year_asks(round_),
        _settled_asks(round_),
        _profile_asks(round_),
    )
    return [text for text in asks if text is not None]


def eligible(checks: list[Check]) -> bool:
    return all(check.met for check in checks)
