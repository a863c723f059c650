"""Every model of ours is either public (a write bumps generations) or private (never shown on
a cached page). tests/test_page_cache.py fails for a model in neither list, so a new model is
classified when it is added.

Receivers, not calls in the services: the Django admin, the shell and the import-export
resources save models without our services, and a missed bump would serve a stale page until
midnight. Writes that send no signal (queryset .update(), bulk_create, raw SQL) bump explicitly
where they happen; docs/operations.md lists them.
"""

from collections.abc import Callable

from django.apps import apps
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

from common.pagecache import (
    AREAS,
    EXCHANGE,
    FUNDING,
    LISTING,
    MEMBERS,
    METHOD,
    REFERENCE,
    generation_bump,
    initiative_generation,
)


def _initiative(instance: Model) -> tuple[str, ...]:
    return (initiative_generation(instance.pk), LISTING)


def _of_initiative(instance: Model) -> tuple[str, ...]:
    return (initiative_generation(instance.initiative_id), LISTING)


def _fixed(*names: str) -> Callable[[Model], tuple[str, ...]]:
    return lambda instance: names


# Model label → the generations a write of one row bumps.
PUBLIC: dict[str, Callable[[Model], tuple[str, ...]]] = {
    "places.Province": _fixed(REFERENCE),
    "places.Municipality": _fixed(REFERENCE),
    "places.District": _fixed(REFERENCE),
    "places.Neighbourhood": _fixed(REFERENCE),
    "sdgs.Goal": _fixed(REFERENCE),
    "sdgs.Target": _fixed(REFERENCE),
    "initiatives.Theme": _fixed(REFERENCE),
    "initiatives.Initiative": _initiative,
    "initiatives.Ownership": _of_initiative,
    "initiatives.InitiativePhoto": _of_initiative,
    "initiatives.Need": _of_initiative,
    # Volunteer hours order the list and feed the profile's history.
    "initiatives.ActivityReport": _of_initiative,
    "impact.Indicator": _fixed(METHOD),
    "impact.Activity": _fixed(METHOD),
    "impact.MethodVersion": _fixed(METHOD),
    "impact.MethodIndicator": _fixed(METHOD),
    "impact.MethodPrice": _fixed(METHOD),
    "impact.MethodConversion": _fixed(METHOD),
    "impact.MethodActivity": _fixed(METHOD),
    "impact.MethodRule": _fixed(METHOD),
    "impact.IndicatorQuantity": _of_initiative,
    "members.MemberOrganisation": _fixed(MEMBERS, LISTING),
    "members.Membership": _fixed(MEMBERS, LISTING),
    "funding.Fund": _fixed(FUNDING),
    "funding.Round": _fixed(FUNDING),
    # An award shows on the profile and in the register; only funding.services writes one.
    "funding.Application": lambda application: (
        FUNDING,
        initiative_generation(application.initiative_id),
    ),
    # Its story shows on the profile beside the award (Funding rounds II).
    "funding.Accountability": lambda accountability: (
        FUNDING,
        initiative_generation(accountability.application.initiative_id),
    ),
    # Counted in the area dashboards' and /beurs/cijfers/'s match figures (exchange.figures;
    # writes without a signal call exchange.figures.figures_changed, which bumps the same). A
    # delivered match's materials and money also show on its initiative's profile and its
    # partner's as contributions received.
    "exchange.Match": lambda match: (
        AREAS,
        *(
            (initiative_generation(match.need.initiative_id), EXCHANGE)
            if match.counts_as_delivered
            else ()
        ),
    ),
    # A partner's profile and offers show on the exchange's pages while it is approved; a write
    # of any partner may change them (a status change takes it on or off every list).
    "exchange.Partner": _fixed(EXCHANGE),
    "exchange.Offer": _fixed(EXCHANGE),
}

# Public, but written in bulk (bulk_create, queryset delete, raw SQL), so no signal: a
# receiver would also make Django load every row before a queryset delete. Each is bumped
# where it is written (the value says where).
EXPLICIT: dict[str, str] = {
    "initiatives.InitiativeGoal": "initiatives.services._set_goals",
    "impact.InitiativeActivity": "impact.services.initiative_activities_set",
    "impact.HandprintResult": "impact.services.store_results, impact.recompute._recompute_chunk",
    "impact.HandprintSdg": "impact.services.store_results, impact.recompute._recompute_chunk",
    "impact.AreaHandprint": "impact.areas.area_aggregates_rebuild",
}

# Shown on no cached page (bookkeeping, personal data, mail, history).
PRIVATE: frozenset[str] = frozenset(
    {
        "accounts.User",
        "accounts.OfficerGrant",
        "accounts.ApiToken",
        "accounts.AccountErasure",
        # Filled by a PostgreSQL trigger from the initiative, whose save bumps `listing`.
        "initiatives.SearchWord",
        "initiatives.OwnerInvitation",
        "initiatives.InitiativeEvent",
        "initiatives.HelpOffer",
        "initiatives.ActivityReportRevision",
        "initiatives.ReportReminder",
        # Its stale mark shows on the profile: handprint_inputs_changed bumps (raw SQL).
        "impact.HandprintState",
        "impact.RecomputeJob",
        "impact.AreaState",
        "impact.MethodChangeMail",
        "members.HistoricalMemberOrganisation",
        "members.HistoricalMemberOrganisation_initiatives",
        "members.HistoricalContactPerson",
        "members.ContactPerson",
        "members.HistoricalMembership",
        "members.HistoricalDues",
        "members.Dues",
        "members.ContactErasure",
        "members.MemberImportJob",
        "funding.FundManager",
        "funding.HistoricalFund",
        "funding.HistoricalFundManager",
        "funding.HistoricalRound",
        "funding.HistoricalApplication",
        "funding.BudgetLine",
        "funding.HistoricalBudgetLine",
        "funding.Criterion",
        "funding.HistoricalCriterion",
        "funding.CommitteeMember",
        "funding.HistoricalCommitteeMember",
        "funding.Review",
        "funding.HistoricalReview",
        "funding.Score",
        "funding.PaymentBatch",
        "funding.HistoricalPaymentBatch",
        "funding.Payment",
        "funding.HistoricalPayment",
        "funding.HistoricalAccountability",
        "funding.Receipt",
        # A match's messages and its history: only its two sides see them.
        "exchange.MatchMessage",
        "exchange.HistoricalMatch",
        # Partner staff are never named on a public page.
        "exchange.PartnerStaff",
        "exchange.HistoricalPartner",
        "exchange.HistoricalPartnerStaff",
        "outbox.OutgoingMail",
        "ops.WorkerHeartbeat",
    }
)


def _receiver(names_of: Callable[[Model], tuple[str, ...]]) -> Callable[..., None]:
    def bump(sender: type[Model], instance: Model, raw: bool = False, **kwargs: object) -> None:
        if raw:  # loaddata: fixtures, not a live write
            return
        generation_bump(*names_of(instance))

    return bump


M2M_ACTIONS = ("post_add", "post_remove", "post_clear")


def _member_initiatives_changed(action: str, **kwargs: object) -> None:
    if action in M2M_ACTIONS:
        generation_bump(MEMBERS, LISTING)


def _exchange_places_changed(action: str, **kwargs: object) -> None:
    """A partner's or an offer's gemeenten: where it shows in the exchange's lists."""
    if action in M2M_ACTIONS:
        generation_bump(EXCHANGE)


def _initiative_relation_changed(
    action: str, instance: Model, reverse: bool, pk_set: set | None, **kwargs: object
) -> None:
    """An initiative's themes or areas served: its profile and the lists (filters) change."""
    if action not in M2M_ACTIONS:
        return
    if reverse:
        # A theme or wijk changed its initiatives (or was cleared: pk_set is None).
        generation_bump(LISTING, *(initiative_generation(pk) for pk in pk_set or ()))
        if pk_set is None:
            generation_bump(REFERENCE)
    else:
        generation_bump(initiative_generation(instance.pk), LISTING)


_receivers: list[Callable[..., None]] = []


def connect() -> None:
    for label, names_of in PUBLIC.items():
        model = apps.get_model(label)
        bump = _receiver(names_of)
        _receivers.append(bump)  # signals hold receivers weakly
        post_save.connect(bump, sender=model, dispatch_uid=f"pagecache.save.{label}")
        post_delete.connect(bump, sender=model, dispatch_uid=f"pagecache.delete.{label}")
    m2m_changed.connect(
        _member_initiatives_changed,
        sender=apps.get_model("members.MemberOrganisation").initiatives.through,
        dispatch_uid="pagecache.members.initiatives",
    )
    for label in ("exchange.Partner", "exchange.Offer"):
        m2m_changed.connect(
            _exchange_places_changed,
            sender=apps.get_model(label).municipalities.through,
            dispatch_uid=f"pagecache.{label}.municipalities",
        )
    initiative = apps.get_model("initiatives.Initiative")
    for field in ("themes", "areas_served"):
        m2m_changed.connect(
            _initiative_relation_changed,
            sender=getattr(initiative, field).through,
            dispatch_uid=f"pagecache.initiatives.{field}",
        )
