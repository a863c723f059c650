"""The columns of the initiative list export, and who gets the contact columns."""

from collections.abc import Iterator

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from accounts.models import OfficerGrant
from common.exports import Column
from initiatives.hooks import handprint_export_columns, with_handprint_for_export
from initiatives.models import Initiative, InitiativeGoal, Need
from initiatives.permissions import AnyUser, is_moderator

CHUNK = 1000


class ContactAccess:
    """Whose contact details a viewer may export: the rule of `can_see_contact`, set-wise."""

    def __init__(self, user: AnyUser) -> None:
        self.staff = is_moderator(user)
        self.officer_of: set[str] = set()
        self.owned: set[int] = set()
        if user.is_authenticated and user.is_active and not self.staff:
            self.officer_of = set(
                OfficerGrant.objects.filter(user=user).values_list("municipality_id", flat=True)
            )
            self.owned = set(user.ownerships.values_list("initiative_id", flat=True))

    @property
    def any(self) -> bool:
        return self.staff or bool(self.officer_of) or bool(self.owned)

    def allows(self, initiative: Initiative) -> bool:
        if self.staff or initiative.pk in self.owned:
            return True
        return initiative.consent_share_contact and initiative.municipality_id in self.officer_of

    def sees_consent(self, initiative: Initiative) -> bool:
        """The consent is the owner's choice towards their gemeente: it is the business of staff,
        the owner and that gemeente's officers (for whom it explains a blank contact) only."""
        if self.staff or initiative.pk in self.owned:
            return True
        return initiative.municipality_id in self.officer_of


def _names(items: list) -> str:
    return ", ".join(str(item) for item in items)


def export_columns(user: AnyUser) -> list[Column]:
    base = settings.SITE_URL.rstrip("/")
    columns = [
        Column(_("Name"), lambda i: i.name),
        Column(_("Kind"), lambda i: i.get_kind_display()),
        Column(_("Summary"), lambda i: i.summary),
        Column(_("Municipality code"), lambda i: i.municipality_id),
        Column(_("Municipality"), lambda i: i.municipality.name),
        Column(_("District code"), lambda i: i.district_id),
        Column(_("District"), lambda i: i.district.name if i.district else ""),
        Column(_("Neighbourhood code"), lambda i: i.neighbourhood_id),
        Column(_("Neighbourhood"), lambda i: i.neighbourhood.name if i.neighbourhood else ""),
        Column(_("Themes"), lambda i: _names(i.themes.all())),
        Column(_("SDGs"), lambda i: ", ".join(str(g.goal_id) for g in i.goal_links.all())),
        Column(_("Open needs"), lambda i: _names(n.get_kind_display() for n in i.open_needs)),
        Column(_("Volunteer hours (last 12 months)"), lambda i: i.hours_12m),
        *handprint_export_columns(),
        Column(_("Website"), lambda i: i.website),
        Column(_("E-mail address of the initiative"), lambda i: i.public_email),
        Column(_("Founded in"), lambda i: i.founded_year),
        Column(_("Published on"), lambda i: i.published_at.date() if i.published_at else None),
        Column(_("Profile"), lambda i: base + i.get_absolute_url()),
    ]
    access = ContactAccess(user)
    if access.any:

        def private(attribute: str):  # noqa: ANN202
            return lambda i: getattr(i, attribute) if access.allows(i) else ""

        def consent(initiative: Initiative) -> str:
            # Blank, not absent, for other rows: every file of the export has one shape.
            if not access.sees_consent(initiative):
                return ""
            return _("yes") if initiative.consent_share_contact else _("no")

        columns += [
            Column(_("Contact person"), private("contact_name")),
            Column(_("Contact e-mail"), private("contact_email")),
            Column(_("Contact phone"), private("contact_phone")),
            Column(_("Contact details shared with the municipality"), consent),
        ]
    return columns


def export_rows(queryset: QuerySet[Initiative]) -> Iterator[Initiative]:
    """The rows in chunks, each chunk with its themes, SDGs and open needs in three queries;
    the handprint columns come with the rows themselves."""
    return (
        with_handprint_for_export(queryset)
        .select_related("municipality", "district", "neighbourhood")
        .prefetch_related(
            "themes",
            Prefetch("goal_links", queryset=InitiativeGoal.objects.order_by("position")),
            Prefetch(
                "needs",
                queryset=Need.objects.filter(status=Need.Status.OPEN).order_by("kind"),
                to_attr="open_needs",
            ),
        )
        .iterator(chunk_size=CHUNK)
    )
