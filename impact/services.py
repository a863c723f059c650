"""Keeping handprints current: durable stale marks, coalesced recomputes, compare-and-set.

`initiatives` tells impact what changed through one function, `initiative_changed` (registered
as the `initiatives.hooks.initiative_changed` hook), which decides what goes stale. A write of
a handprint input comes to `handprint_inputs_changed` inside its transaction. That bumps the
initiative's inputs version (durable: it survives a broker outage) and, after commit, enqueues
one task unless one is already pending. The task waits for a quiet moment (bursts coalesce),
computes with the pure scoring function, and stores the result only if the inputs version is
still the one it read. A beat sweep re-enqueues anything left stale.
"""

import datetime
import logging
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.pagecache import LISTING, generation_bump, initiative_generation
from impact.methods import method_spec, versions_in_use
from impact.models import (
    Activity,
    AreaState,
    HandprintResult,
    HandprintSdg,
    HandprintState,
    Indicator,
    IndicatorQuantity,
    InitiativeActivity,
    MethodChangeMail,
    MethodVersion,
    RecomputeJob,
)
from impact.scoring import Handprint, MonthInput, compute, periods_for, rolling_window
from initiatives.hooks import Change
from initiatives.models import ActivityReport, Initiative, InitiativeGoal
from initiatives.notifications import owners_check_figures, owners_method_changed
from initiatives.permissions import can_edit, is_moderator

logger = logging.getLogger(__name__)
AREA_LOCK_KEY = 7_301_202  # pg advisory lock: one area rebuild at a time, on any machine


# --- Marking stale and enqueueing -------------------------------------------------------------


def initiative_changed(initiative_id: int, *, what: Change) -> None:
    """Marks stale, in the caller's transaction, whatever the change feeds; recomputes after commit.

    Handprint inputs mark the handprint (its recompute marks the area totals when it stores);
    visibility marks the area totals; a new placement marks them when the initiative is
    published, since only published initiatives count. One mark covers the old and the new
    areas: the area rebuild is set-wise.
    """
    if what == Change.HANDPRINT_INPUTS:
        handprint_inputs_changed(initiative_id=initiative_id)
    elif what == Change.VISIBILITY:
        areas_mark_stale()
    elif what == Change.PLACEMENT:
        if Initiative.objects.filter(pk=initiative_id, status=Initiative.Status.PUBLISHED).exists():
            areas_mark_stale()
    else:
        raise ValueError(f"unknown change {what!r}")


def handprint_inputs_changed(*, initiative_id: int) -> None:
    """Marks the handprint stale in the caller's transaction; enqueues a recompute after commit."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO impact_handprintstate
                (initiative_id, inputs_version, computed_version, stale_since, last_input_at,
                 computations)
            VALUES (%s, 1, 0, now(), now(), 0)
            ON CONFLICT (initiative_id) DO UPDATE SET
                inputs_version = impact_handprintstate.inputs_version + 1,
                stale_since = COALESCE(impact_handprintstate.stale_since, now()),
                last_input_at = now()
            """,
            [initiative_id],
        )
    # The profile says a newer handprint is on its way (raw SQL: no signal).
    generation_bump(initiative_generation(initiative_id))
    transaction.on_commit(lambda: handprint_enqueue(initiative_id=initiative_id), robust=True)


def handprint_enqueue(*, initiative_id: int, countdown: float | None = None) -> bool:
    """Sends one recompute task unless one is pending; a dead broker only logs a warning."""
    from impact.tasks import handprint_recompute_task

    return _claim_and_send(
        HandprintState.objects.filter(pk=initiative_id),
        lambda: handprint_recompute_task.apply_async(
            args=[initiative_id],
            countdown=settings.HANDPRINT_QUIET_SECONDS if countdown is None else countdown,
        ),
        f"handprint recompute {initiative_id}",
    )


def _claim_and_send(rows, send, what: str) -> bool:  # noqa: ANN001
    """Takes the row's enqueue claim (or one older than the sweep threshold), then sends.

    A dead broker releases the claim and only logs: the durable mark stays for the sweep.
    """
    expired = timezone.now() - _seconds(settings.HANDPRINT_SWEEP_AFTER_SECONDS)
    claimed = rows.filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=expired)).update(
        enqueued_at=timezone.now()
    )
    if not claimed:
        return False
    try:
        send()
    except Exception:  # noqa: BLE001 - the stale mark stays; the sweep will enqueue it again
        rows.update(enqueued_at=None)
        logger.warning("could not enqueue %s", what, exc_info=True)
        return False
    return True


def _seconds(value: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=value)


# --- Computing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What one initiative's handprint is computed from."""

    sdgs: list[int]
    months: list[MonthInput]
    activities: list[str]


def load_inputs(initiative_id: int) -> Inputs:
    """One initiative's inputs (see load_inputs_many)."""
    return load_inputs_many([initiative_id])[initiative_id]


def load_inputs_many(initiative_ids: list[int]) -> dict[int, Inputs]:
    """SDG selections (primary first), declared activities and monthly inputs: four queries.

    A rejected quantity (R11) never counts, but its month still counts as reported.
    """
    sdgs: dict[int, list[int]] = {i: [] for i in initiative_ids}
    for initiative_id, goal in (
        InitiativeGoal.objects.filter(initiative_id__in=initiative_ids)
        .order_by("initiative_id", "position")
        .values_list("initiative_id", "goal_id")
    ):
        sdgs[initiative_id].append(goal)
    activities: dict[int, list[str]] = {i: [] for i in initiative_ids}
    for initiative_id, code in (
        InitiativeActivity.objects.filter(initiative_id__in=initiative_ids)
        .order_by("initiative_id", "activity__code")
        .values_list("initiative_id", "activity__code")
    ):
        activities[initiative_id].append(code)
    quantities: dict[tuple[int, datetime.date], dict[str, Decimal]] = {}
    accepted: dict[tuple[int, datetime.date], set[str]] = {}
    for initiative_id, month, code, quantity, review in IndicatorQuantity.objects.filter(
        initiative_id__in=initiative_ids
    ).values_list("initiative_id", "month", "indicator__code", "quantity", "review"):
        values = quantities.setdefault((initiative_id, month), {})
        if review == IndicatorQuantity.Review.REJECTED:
            continue
        values[code] = quantity
        if review == IndicatorQuantity.Review.ACCEPTED:
            accepted.setdefault((initiative_id, month), set()).add(code)

    def month_input(key: tuple[int, datetime.date], *figures: object) -> MonthInput:
        return MonthInput(
            key[1], *figures, quantities.get(key, {}), frozenset(accepted.get(key, ()))
        )

    months: dict[int, dict[datetime.date, MonthInput]] = {i: {} for i in initiative_ids}
    for initiative_id, month, hours, volunteers, people in ActivityReport.objects.filter(
        initiative_id__in=initiative_ids
    ).values_list(
        "initiative_id", "month", "volunteer_hours", "active_volunteers", "people_reached"
    ):
        key = (initiative_id, month)
        months[initiative_id][month] = month_input(key, hours, volunteers, people)
    for key in quantities:
        months[key[0]].setdefault(key[1], month_input(key, Decimal(0), 0, 0))
    return {i: Inputs(sdgs[i], list(months[i].values()), activities[i]) for i in initiative_ids}


def compute_for(
    initiative_id: int, version: MethodVersion, today: datetime.date
) -> list[Handprint]:
    return compute_inputs(load_inputs(initiative_id), version, today)


def compute_inputs(inputs: Inputs, version: MethodVersion, today: datetime.date) -> list[Handprint]:
    """Every stored period's handprint of loaded inputs under the version."""
    spec = method_spec(version)
    years = {m.month.year for m in inputs.months}
    return [
        compute(
            sdgs=inputs.sdgs,
            months=inputs.months,
            method=spec,
            period=period,
            activities=inputs.activities,
        )
        for period in periods_for(today, years)
    ]


def _plain(value: object) -> object:
    """JSON-ready: Decimals as strings (exact), nested dicts and lists converted."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def line_json(line) -> dict:  # noqa: ANN001
    """One explainable line as stored: Decimals as strings, SDG shares as fractions "1/2"."""
    data = asdict(line)
    data["split"] = [[sdg, str(share)] for sdg, share in line.split]
    return _plain(data)


def store_results(
    *, initiative_id: int, version: MethodVersion, inputs_version: int, handprints: list[Handprint]
) -> None:
    """Replaces the stored results of this initiative and version (caller holds the lock)."""
    HandprintResult.objects.filter(initiative_id=initiative_id, version=version).delete()
    now = timezone.now()
    results = HandprintResult.objects.bulk_create(
        HandprintResult(
            initiative_id=initiative_id,
            version=version,
            period_kind=h.period.kind,
            period_start=h.period.start,
            period_end=h.period.end,
            inputs_version=inputs_version,
            computed_at=now,
            months_reported=h.months_reported,
            months_with_activities=h.months_with_activities,
            volunteer_hours=h.volunteer_hours,
            volunteers_avg=h.volunteers_avg,
            volunteers_max=h.volunteers_max,
            people_avg=h.people_avg,
            people_max=h.people_max,
            value_low=h.value["low"],
            value_central=h.value["central"],
            value_high=h.value["high"],
            lines=[line_json(line) for line in h.lines],
            by_kind=_plain(h.by_kind),
            held_for_review=h.held_for_review,
        )
        for h in handprints
    )
    HandprintSdg.objects.bulk_create(
        HandprintSdg(
            result=result,
            goal_id=sdg,
            value_low=figures.value["low"],
            value_central=figures.value["central"],
            value_high=figures.value["high"],
            hours=figures.hours,
            people=figures.people,
        )
        for result, h in zip(results, handprints, strict=True)
        for sdg, figures in h.sdgs.items()
    )
    # bulk_create sends no signal; the list and home page show (and order by) handprints.
    generation_bump(initiative_generation(initiative_id), LISTING)


def handprint_recompute(*, initiative_id: int, today: datetime.date | None = None) -> str:
    """Recomputes once the inputs are quiet; stores only if they did not change meanwhile.

    Returns what happened: "fresh", "deferred", "conflict" or "computed". Idempotent.
    """
    state = HandprintState.objects.filter(pk=initiative_id).first()
    if state is None:
        return "fresh"
    if state.computed_version >= state.inputs_version:
        # Release the claim only while still fresh: a write that committed in between found
        # the claim taken and enqueued nothing, so this task must compute it.
        if HandprintState.objects.filter(
            pk=initiative_id, computed_version__gte=F("inputs_version")
        ).update(enqueued_at=None):
            return "fresh"
        state = HandprintState.objects.get(pk=initiative_id)
    now = timezone.now()
    quiet = _seconds(settings.HANDPRINT_QUIET_SECONDS)
    if (
        state.last_input_at
        and state.last_input_at > now - quiet
        and state.stale_since
        and state.stale_since > now - _seconds(settings.HANDPRINT_MAX_DELAY_SECONDS)
    ):
        # Still being written to: look again when it has been quiet for a moment.
        from impact.tasks import handprint_recompute_task

        wait = (state.last_input_at + quiet - now).total_seconds()
        handprint_recompute_task.apply_async(args=[initiative_id], countdown=max(wait, 0.05))
        return "deferred"
    # From here on a new write enqueues a new task, so no write can be left behind.
    HandprintState.objects.filter(pk=initiative_id).update(enqueued_at=None)
    versions = versions_in_use(today)
    if not versions:
        return "fresh"
    inputs_version = HandprintState.objects.values_list("inputs_version", flat=True).get(
        pk=initiative_id
    )
    # The current version and the one before it: the profile shows what the change made.
    inputs = load_inputs(initiative_id)
    computed = [
        (version, compute_inputs(inputs, version, today or timezone.localdate()))
        for version in versions
    ]
    with transaction.atomic():
        locked = HandprintState.objects.select_for_update().get(pk=initiative_id)
        if locked.inputs_version != inputs_version:
            return "conflict"
        for version, handprints in computed:
            store_results(
                initiative_id=initiative_id,
                version=version,
                inputs_version=inputs_version,
                handprints=handprints,
            )
        HandprintState.objects.filter(pk=initiative_id).update(
            computed_version=inputs_version,
            stale_since=None,
            computations=F("computations") + 1,
            computed_at=timezone.now(),
        )
        areas_mark_stale()
    return "computed"


def handprint_sweep(*, limit: int = 1000) -> int:
    """Re-enqueues handprints stale for longer than the threshold; returns how many."""
    threshold = timezone.now() - _seconds(settings.HANDPRINT_SWEEP_AFTER_SECONDS)
    stale = HandprintState.objects.filter(
        computed_version__lt=F("inputs_version"), stale_since__lt=threshold
    ).filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=threshold))
    sent = 0
    for initiative_id in stale.values_list("pk", flat=True)[:limit]:
        sent += handprint_enqueue(initiative_id=initiative_id, countdown=0)
    return sent


# --- Area aggregates ---------------------------------------------------------------------------


def areas_mark_stale() -> None:
    """Marks the area aggregates stale; one coalesced refresh is enqueued after commit."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO impact_areastate (id, inputs_version, computed_version)
            VALUES (1, 1, 0)
            ON CONFLICT (id) DO UPDATE SET inputs_version = impact_areastate.inputs_version + 1
            """
        )
    transaction.on_commit(areas_enqueue, robust=True)


def areas_enqueue() -> bool:
    from impact.tasks import areas_refresh_task

    return _claim_and_send(
        AreaState.objects.filter(pk=1),
        lambda: areas_refresh_task.apply_async(countdown=settings.AREA_REFRESH_DELAY_SECONDS),
        "the area refresh",
    )


def areas_refresh(*, today: datetime.date | None = None) -> str:
    """Recomputes every area aggregate set-wise; one at a time, compare-and-set like handprints.

    The claim (enqueued_at) stays taken while it runs, so marks made meanwhile add no second
    refresh; they are picked up by the follow-up this function enqueues when it finishes.
    """
    from impact.areas import area_aggregates_rebuild

    state = AreaState.objects.filter(pk=1).first()
    if state is None or state.computed_version >= state.inputs_version:
        AreaState.objects.filter(pk=1).update(enqueued_at=None)
        return "fresh"
    # The previous version's aggregates too: the area pages show what the new version changed.
    versions = versions_in_use(today)
    if not versions:
        return "fresh"
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [AREA_LOCK_KEY])
            if not cursor.fetchone()[0]:
                return "busy"
        seen = AreaState.objects.values_list("inputs_version", flat=True).get(pk=1)
        for version in versions:
            area_aggregates_rebuild(version=version, today=today)
        AreaState.objects.filter(pk=1).update(computed_version=seen, computed_at=timezone.now())
    AreaState.objects.filter(pk=1).update(enqueued_at=None)
    if AreaState.objects.filter(pk=1, computed_version__lt=F("inputs_version")).exists():
        areas_enqueue()
    return "computed"


def areas_sweep() -> bool:
    state = AreaState.objects.filter(pk=1).first()
    if state and state.computed_version < state.inputs_version:
        return areas_enqueue()
    return False


# --- Partner hours from the exchange ------------------------------------------------------------

PARTNER_HOURS = "partner_hours"


@transaction.atomic
def partner_hours_set(*, initiative_id: int, month: datetime.date, hours: Decimal) -> None:
    """Stores the month's partner hours (delivered through the exchange) as the partner_hours
    quantity, system-reported; 0 removes it. Marks the handprint stale in the same transaction
    when the figure changed. The one write path of this indicator: owners never report it.
    """
    if hours < 0:
        raise ValueError("partner hours cannot be negative")
    month = month.replace(day=1)
    hours = Decimal(hours).quantize(Decimal("0.01"))
    # The stale mark locks the initiative's state row first, as the owners' save does, so two
    # syncs of the same initiative run one after the other.
    row = (
        IndicatorQuantity.objects.select_for_update()
        .filter(initiative_id=initiative_id, indicator__code=PARTNER_HOURS, month=month)
        .first()
    )
    if row is None and not hours:
        return
    if row is not None and row.quantity == hours and row.reported_by_id is None:
        return
    handprint_inputs_changed(initiative_id=initiative_id)
    if not hours:
        row.delete()
    elif row is None:
        IndicatorQuantity.objects.create(
            initiative_id=initiative_id,
            indicator=Indicator.objects.get(code=PARTNER_HOURS),
            month=month,
            quantity=hours,
            reported_by=None,
        )
    else:
        row.quantity = hours
        row.reported_by = None
        row.review = IndicatorQuantity.Review.NONE
        row.reviewed_by = None
        row.reviewed_at = None
        row.save()


# --- Declared activities -------------------------------------------------------------------------


@transaction.atomic
def initiative_activities_set(*, initiative, user, activity_codes) -> list[str]:  # noqa: ANN001
    """Replaces the activities the initiative declares (its handprint's activity mix).

    Owners and co-owners only; every code must be in the activity catalogue. A change marks
    the handprint stale in the same transaction; the same set again changes nothing.
    Returns the codes now declared, sorted.
    """
    if not can_edit(user, initiative):
        raise PermissionDenied
    codes = sorted({str(code) for code in activity_codes})
    known = dict(Activity.objects.filter(code__in=codes).values_list("code", "pk"))
    if unknown := [code for code in codes if code not in known]:
        raise ValidationError(
            {"activities": _("Unknown activity: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    declared = InitiativeActivity.objects.filter(initiative_id=initiative.pk)
    if sorted(declared.values_list("activity__code", flat=True)) == codes:
        return codes
    # The stale mark locks the initiative's state row first: concurrent replacements of the
    # same initiative's set run one after the other.
    handprint_inputs_changed(initiative_id=initiative.pk)
    declared.exclude(activity__code__in=codes).delete()
    present = set(declared.values_list("activity__code", flat=True))
    InitiativeActivity.objects.bulk_create(
        InitiativeActivity(initiative_id=initiative.pk, activity_id=known[code])
        for code in codes
        if code not in present
    )
    generation_bump(initiative_generation(initiative.pk), LISTING)
    return codes


# --- Reviewing plausibility flags (R11) ----------------------------------------------------------


@transaction.atomic
def indicator_quantity_review(*, quantity_ids, decision: str, user) -> int:  # noqa: ANN001
    """Accepts or rejects quantities held above the plausible maximum, recording who and when;
    marks each affected initiative's handprint stale in the same transaction. Returns the count.
    """
    if not is_moderator(user):
        raise PermissionDenied
    if decision not in (IndicatorQuantity.Review.ACCEPTED, IndicatorQuantity.Review.REJECTED):
        raise ValidationError({"decision": f"Unknown decision: {decision!r}."})
    rows = IndicatorQuantity.objects.filter(pk__in=list(quantity_ids))
    # The stale marks lock the initiatives' state rows first, in one order, as the owners' save.
    for initiative_id in sorted(set(rows.values_list("initiative_id", flat=True))):
        handprint_inputs_changed(initiative_id=initiative_id)
    return rows.update(review=decision, reviewed_by=user, reviewed_at=timezone.now())


@transaction.atomic
def indicator_quantity_ask_owners(*, quantity_ids, user) -> int:  # noqa: ANN001
    """Mails each affected initiative's owners once, asking them to check or correct the held
    figures; the figures stay held. Returns how many initiatives were asked."""
    if not is_moderator(user):
        raise PermissionDenied
    figures: dict[int, list[str]] = {}
    initiatives: dict[int, Initiative] = {}
    rows = (
        IndicatorQuantity.objects.filter(pk__in=list(quantity_ids))
        .select_related("initiative", "indicator")
        .order_by("initiative_id", "month", "indicator__code")
    )
    for row in rows:
        initiatives[row.initiative_id] = row.initiative
        figures.setdefault(row.initiative_id, []).append(
            f"{row.indicator.name_nl}, {row.month:%Y-%m}: {row.quantity.normalize():f} "
            f"{row.indicator.unit_nl}".strip()
        )
    for initiative_id, lines in figures.items():
        initiative = initiatives[initiative_id]
        owners_check_figures(
            initiative,
            lines,
            correct_path=reverse("initiative_activity", args=[initiative.slug]),
            staff=user,
        )
    return len(figures)


# --- The mail when a method version becomes current ----------------------------------------------

# A version's mail goes out from its valid-from date on, once its recompute has finished; the
# days after it are a margin for a recompute that ran late or a beat that was down.
METHOD_CHANGE_MAIL_DAYS = 14
METHOD_CHANGE_BIGGEST_LINES = 3


def method_change_mails_due(today: datetime.date) -> MethodVersion | None:
    """The current version if its owners' mails are due today: it became current in the last
    METHOD_CHANGE_MAIL_DAYS days, a version came before it, and the set-wise recompute of
    the current window finished for both (else the mails would quote figures not yet stored).
    """
    versions = versions_in_use(today)
    if len(versions) < 2:
        return None
    current = versions[0]
    if (
        not current.valid_from
        <= today
        < current.valid_from + datetime.timedelta(days=METHOD_CHANGE_MAIL_DAYS)
    ):
        return None
    window_end = rolling_window(today).end
    done = set(
        RecomputeJob.objects.filter(
            version__in=versions, period_end=window_end, status=RecomputeJob.Status.DONE
        ).values_list("version_id", flat=True)
    )
    if done != {version.pk for version in versions}:
        return None
    return current


def method_change_mails_send(*, today: datetime.date) -> int:
    """Mails the owners of each published initiative with figures, once per initiative and
    version, what the version that became current changed in their handprint (old and new
    total, the biggest line changes). Returns the number of initiatives mailed."""
    version = method_change_mails_due(today)
    if version is None:
        return 0
    window = rolling_window(today)
    candidates = (
        Initiative.objects.published()
        .filter(
            ownerships__user__is_active=True,
            handprint_results__version=version,
            handprint_results__period_kind=HandprintResult.PeriodKind.ROLLING,
            handprint_results__period_start=window.start,
            handprint_results__months_reported__gt=0,
        )
        .exclude(method_change_mails__version=version)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(
        _method_change_mail_send(initiative_pk=pk, version=version, today=today)
        for pk in candidates
    )


@transaction.atomic
def _method_change_mail_send(*, initiative_pk: int, version: MethodVersion, today) -> bool:  # noqa: ANN001
    from impact.changes import initiative_changes

    initiative = (
        Initiative.objects.select_for_update(no_key=True)
        .published()
        .filter(pk=initiative_pk)
        .first()
    )
    if initiative is None:
        return False
    changes = initiative_changes(initiative, today=today)
    if changes is None or changes["current"].pk != version.pk:
        return False
    # The unique constraint makes a second sender (another beat, a retry) a no-op.
    _mail, created = MethodChangeMail.objects.get_or_create(initiative=initiative, version=version)
    if not created:
        return False
    biggest = [line for group in changes["groups"] for line in group["lines"]]
    biggest.sort(key=lambda line: (-abs(line["difference"]), line["name"]))
    owners_method_changed(
        initiative,
        current=changes["current"],
        previous=changes["previous"],
        old=changes["old"]["central"],
        new=changes["new"]["central"],
        lines=biggest[:METHOD_CHANGE_BIGGEST_LINES],
        method_path=reverse("method_version", args=[version.code]) + "#versies",
    )
    return True
