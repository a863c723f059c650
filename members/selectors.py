"""Reads of member organisations for the public directory: public fields only.

The directory shows organisations with an active membership; prospects, suspended and
ended members are not listed and their pages answer 404. Nothing here selects contact
persons, dues, visiting addresses, KvK numbers or membership reasons: the querysets defer
them, so a template cannot show what was never loaded.
"""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery

from initiatives.models import Initiative
from members.models import MemberOrganisation, Membership

# Private columns of MemberOrganisation; the directory never loads them.
PRIVATE_FIELDS = ("street_address", "postcode", "kvk_number")


def _active_memberships() -> QuerySet[Membership]:
    return Membership.objects.filter(organisation=OuterRef("pk"), status=Membership.Status.ACTIVE)


def directory_members() -> QuerySet[MemberOrganisation]:
    """Organisations with an active membership, with their places, ordered by name."""
    return (
        MemberOrganisation.objects.filter(Exists(_active_memberships()))
        .select_related("municipality__province", "district")
        .defer(*PRIVATE_FIELDS)
        .order_by("name", "pk")
    )


def public_initiatives() -> QuerySet[Initiative]:
    """Initiatives a visitor may see (published or archived), as linked from a member page."""
    return (
        Initiative.objects.publicly_visible()
        .select_related("municipality")
        .only("name", "slug", "summary", "kind", "status", "municipality__name")
        .order_by("name", "pk")
    )


def directory_member(slug: str) -> MemberOrganisation | None:
    """One listed member with its start year (`member_since`) and its public initiatives.

    None when there is no such organisation or it has no active membership.
    """
    started = _active_memberships().order_by("-started_on").values("started_on")[:1]
    return (
        directory_members()
        .annotate(member_since=Subquery(started))
        .prefetch_related(
            Prefetch("initiatives", queryset=public_initiatives(), to_attr="public_initiatives")
        )
        .filter(slug=slug)
        .first()
    )
