"""Reads of initiatives, shaped for the pages that show them."""

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import User
from initiatives import hooks
from initiatives.models import (
    HelpOffer,
    Initiative,
    InitiativeGoal,
    InitiativePhoto,
    Need,
)


def owner_emails(initiative: Initiative) -> list[str]:
    """The addresses of the initiative's active owners and co-owners, oldest ownership first
    (the initiatives', funding's and the exchange's mails to "the initiative")."""
    ownerships = initiative.ownerships.filter(user__is_active=True).order_by("pk")
    return list(ownerships.values_list("user__email", flat=True))


def initiative_for_profile(slug: str) -> Initiative | None:
    """One initiative with everything its profile shows, in a fixed number of queries."""
    return (
        hooks.with_contributions(hooks.with_awards(Initiative.objects.all()))
        .select_related("municipality__province", "district", "neighbourhood")
        .prefetch_related(
            "themes",
            "areas_served",
            Prefetch("goal_links", queryset=InitiativeGoal.objects.select_related("goal")),
            Prefetch("photos", queryset=InitiativePhoto.objects.all()),
            Prefetch(
                "needs",
                queryset=Need.objects.filter(status=Need.Status.OPEN).order_by("-created_at"),
                to_attr="open_needs",
            ),
        )
        .filter(slug=slug)
        .first()
    )


def initiatives_of(user: User) -> QuerySet[Initiative]:
    """The user's own initiatives with counts for the /mijn/ overview."""
    return (
        Initiative.objects.filter(ownerships__user=user)
        .select_related("municipality")
        .annotate(
            open_need_count=Count("needs", filter=Q(needs__status=Need.Status.OPEN), distinct=True)
        )
        .order_by("name")
    )


def offers_received_by(user: User, *, limit: int = 50) -> QuerySet[HelpOffer]:
    return (
        HelpOffer.objects.filter(need__initiative__ownerships__user=user)
        .select_related("need__initiative")
        .order_by("-created_at")[:limit]
    )


def moderation_queue() -> QuerySet[Initiative]:
    return (
        Initiative.objects.filter(status=Initiative.Status.SUBMITTED)
        .select_related("municipality")
        .order_by("submitted_at", "pk")
    )
