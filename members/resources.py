"""The spreadsheet import of member organisations (django-import-export), row by row.

One row is one organisation and, optionally, its primary contact and its current membership.
Columns have fixed Dutch names (`COLUMNS`); `naam`, `type` and `gemeentecode` must be there.

A row updates an organisation when its KvK number is known, or else when an organisation
with the same name exists in the same gemeente; otherwise it creates one. On an update an
empty cell leaves the stored value as it is. Every row is validated as a whole and refused
with reasons.

An import of 2,000 rows must not cost 2,000 × 38 queries. The organisations a file can name,
with their contacts and memberships, and the web addresses in use are read once, before the
first row. New organisations, their contacts and their memberships are written at the end, in
a few bulk inserts with their history rows (simple-history's `bulk_create_with_history`, the
membership through `services.memberships_register`); a known organisation that a row changes
is saved on its own, in a savepoint of its own. Every write records the importing user.
"""

import datetime
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.fields import Field
from import_export.results import Result, RowResult
from simple_history.utils import bulk_create_with_history

from accounts.models import User
from members import services
from members.models import ContactPerson, MemberOrganisation, Membership
from places.models import District, Municipality

# The columns of an import file, in the order of the template; the first three are required.
COLUMNS = (
    "naam",
    "type",
    "gemeentecode",
    "wijkcode",
    "adres",
    "postcode",
    "plaats",
    "kvk",
    "website",
    "verhaal",
    "contactpersoon",
    "functie",
    "e-mail",
    "telefoon",
    "lidmaatschap",
    "lid sinds",
)
REQUIRED_COLUMNS = ("naam", "type", "gemeentecode")
CONTACT_COLUMNS = ("contactpersoon", "functie", "e-mail", "telefoon")
MEMBERSHIP_COLUMNS = ("lidmaatschap", "lid sinds")

# Organisation fields by column; the other columns feed the contact and the membership.
FIELD_COLUMNS = {
    "name": "naam",
    "type": "type",
    "municipality": "gemeentecode",
    "district": "wijkcode",
    "street_address": "adres",
    "postcode": "postcode",
    "city": "plaats",
    "kvk_number": "kvk",
    "website": "website",
    "story": "verhaal",
}
# Error keys that are not organisation fields, by column.
EXTRA_COLUMNS = {
    "contact_name": "contactpersoon",
    "contact_role": "functie",
    "contact_email": "e-mail",
    "contact_phone": "telefoon",
    "membership_status": "lidmaatschap",
    "membership_since": "lid sinds",
}
ERROR_COLUMNS = {**FIELD_COLUMNS, **EXTRA_COLUMNS}

T = MemberOrganisation.Type
# What people write in the type column (compared without accents and case).
TYPE_WORDS = {
    "bewonersgroep": T.RESIDENTS_GROUP,
    "bewonersorganisatie": T.RESIDENTS_GROUP,
    "zelfstandig buurthuis": T.COMMUNITY_CENTRE,
    "buurthuis": T.COMMUNITY_CENTRE,
    "buurtcooperatie": T.NEIGHBOURHOOD_COOPERATIVE,
    "collectieve wijkonderneming": T.NEIGHBOURHOOD_ENTERPRISE,
    "wijkonderneming": T.NEIGHBOURHOOD_ENTERPRISE,
    "bewonersbedrijf": T.RESIDENTS_ENTERPRISE,
    "dorpscooperatie": T.VILLAGE_COOPERATIVE,
    "wijkraad": T.NEIGHBOURHOOD_COUNCIL,
    "anders": T.OTHER,
    "overig": T.OTHER,
    "overige": T.OTHER,
}
TYPE_NAMES = (
    "bewonersgroep",
    "zelfstandig buurthuis",
    "buurtcoöperatie",
    "collectieve wijkonderneming",
    "BewonersBedrijf",
    "dorpscoöperatie",
    "wijkraad",
    "anders",
)
S = Membership.Status
STATUS_WORDS = {
    "prospect": S.PROSPECT,
    "aspirant": S.PROSPECT,
    "aspirant-lid": S.PROSPECT,
    "aspirant lid": S.PROSPECT,
    "actief": S.ACTIVE,
    "lid": S.ACTIVE,
    "geschorst": S.SUSPENDED,
    "beeindigd": S.ENDED,
    "opgezegd": S.ENDED,
}
WORDS = {
    "type": (TYPE_WORDS, MemberOrganisation.Type.choices),
    "lidmaatschap": (STATUS_WORDS, Membership.Status.choices),
}
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,29}$")


def fold(text: str) -> str:
    """Lower case without accents or surrounding spaces: how words in cells are compared."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(kind: str) -> dict[str, str]:
    """The fixed Dutch words of a column ("type" or "lidmaatschap") plus each choice's code
    and label in the active language."""
    return _words_in(kind, translation.get_language())


@functools.lru_cache(maxsize=32)
def _words_in(kind: str, language: str | None) -> dict[str, str]:
    # Once per language, not per row: folding every label costs a millisecond.
    base, choices = WORDS[kind]
    words = dict(base)
    for value, label in choices:
        words.setdefault(fold(value), value)
        words.setdefault(fold(str(label)), value)
    return words


def normalise_kvk(value: str) -> str:
    """KvK numbers are often written with spaces or dots between the digits."""
    return re.sub(r"[\s.]", "", value)


def parse_date(value: str) -> datetime.date:
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    raise ValueError(
        _("“%(value)s” is not a date: write it as 2024-03-31 or 31-03-2024.") % {"value": value}
    )


# --- Widgets: a cell to a value, or a ValueError with a message for the row ----------------------


class TextWidget(widgets.Widget):
    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> str:
        return value or ""


class TypeWidget(widgets.Widget):
    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> str:
        if not value:
            return ""
        words = _words("type")
        try:
            return words[fold(value)]
        except KeyError:
            raise ValueError(
                _("Unknown type “%(value)s”; use one of: %(choices)s.")
                % {"value": value, "choices": ", ".join(TYPE_NAMES)}
            ) from None


class MunicipalityWidget(widgets.Widget):
    """A CBS gemeentecode (GM0363) of the current edition; looked up once per code."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, Municipality | None] = {}

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> Municipality:
        code = value.upper()
        if code not in self.found:
            self.found[code] = Municipality.objects.filter(code=code).first()
        municipality = self.found[code]
        if municipality is None:
            raise ValueError(_("Unknown municipality code “%(code)s”.") % {"code": value})
        if not municipality.is_active:
            raise ValueError(
                _("Municipality code %(code)s (%(name)s) no longer exists in the current CBS data.")
                % {"code": code, "name": municipality.name}
            )
        return municipality


class DistrictWidget(widgets.Widget):
    """An optional CBS wijkcode (WK036301); that it lies in the gemeente is checked per row."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, District | None] = {}

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> District | None:
        if not value:
            return None
        code = value.upper()
        if code not in self.found:
            self.found[code] = District.objects.filter(code=code).first()
        district = self.found[code]
        if district is None or not district.is_active:
            raise ValueError(_("Unknown district code “%(code)s”.") % {"code": value})
        return district


class PostcodeWidget(widgets.Widget):
    """1234ab and 1234 AB are the same postcode; the model's validator judges the rest."""

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> str:
        match = re.fullmatch(r"(\d{4})\s*([A-Za-z]{2})", value or "")
        return f"{match.group(1)} {match.group(2).upper()}" if match else (value or "")


class KvkWidget(widgets.Widget):
    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> str:
        return normalise_kvk(value or "")


class WebsiteWidget(widgets.Widget):
    """www.example.nl is taken as https://www.example.nl."""

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> str:
        if value and "://" not in value:
            return f"https://{value}"
        return value or ""


# --- What a row does besides the organisation -----------------------------------------------------


@dataclass
class RowPlan:
    """The contact and membership writes of one row, and what changes, for the report."""

    contact: ContactPerson | None = None
    demote: ContactPerson | None = None
    # Membership services to call, in order: ("apply" | "activate" | "resume", date or None).
    steps: list[tuple[str, datetime.date | None]] = field(default_factory=list)
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    organisation_changed: bool = False


class KnownOrganisations:
    """The organisations that the rows of a file can name, read in one go with their contacts
    and memberships, and the organisations that earlier rows of the file already took."""

    def __init__(self, rows: list[dict]) -> None:
        kvks = {normalise_kvk(row.get("kvk") or "") for row in rows} - {""}
        names = {row.get("naam") or "" for row in rows} - {""}
        codes = {(row.get("gemeentecode") or "").upper() for row in rows}
        # Names match case-insensitively as the database compares them (`name__iexact`), so the
        # database upper-cases the file's names too.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, UPPER(name) FROM unnest(%s::text[]) AS name", [list(names)]
            )
            self.name_keys: dict[str, str] = dict(cursor.fetchall())
        found = (
            MemberOrganisation.objects.annotate(name_key=Upper("name"))
            .filter(
                Q(kvk_number__in=kvks)
                | Q(name_key__in=set(self.name_keys.values()), municipality_id__in=codes)
            )
            .order_by("name", "pk")
            .prefetch_related("contacts", "memberships")
        )
        self.by_kvk: dict[str, MemberOrganisation] = {}
        self.by_name: dict[tuple[str, str], MemberOrganisation] = {}
        for organisation in found:
            self.add(organisation)
        self.taken_on: dict[int, int] = {}  # id() of an organisation: the line of its row

    def name_key(self, name: str, municipality_code: str) -> tuple[str, str]:
        return (self.name_keys.get(name, name.upper()), municipality_code)

    def add(self, organisation: MemberOrganisation) -> None:
        """Makes the organisation findable under its (possibly new) KvK number and name."""
        if organisation.kvk_number:
            self.by_kvk.setdefault(organisation.kvk_number, organisation)
        key = self.name_key(organisation.name, organisation.municipality_id)
        self.by_name.setdefault(key, organisation)

    def take(self, organisation: MemberOrganisation, line: int) -> None:
        """The row on `line` created or matched the organisation: later rows may not name it."""
        self.taken_on.setdefault(id(organisation), line)
        self.add(organisation)


@dataclass
class NewOrganisations:
    """The new organisations of an import, with their contacts and membership registrations,
    saved together at the end of the file."""

    organisations: list[MemberOrganisation] = field(default_factory=list)
    contacts: list[ContactPerson] = field(default_factory=list)
    registrations: list[tuple[MemberOrganisation, datetime.date, datetime.date | None]] = field(
        default_factory=list
    )

    def add(self, organisation: MemberOrganisation, plan: RowPlan) -> None:
        self.organisations.append(organisation)
        if plan.contact is not None:
            plan.contact.organisation = organisation
            self.contacts.append(plan.contact)
        if plan.steps:
            # A new organisation has no membership: an application, activated when "actief".
            days = dict(plan.steps)
            self.registrations.append((organisation, days["apply"], days.get("activate")))

    def save(self, *, user: User) -> None:
        """Inserts the organisations, then their contacts, then the memberships (through the
        service), each with its history rows; a few queries per 500 rows."""
        bulk_create_with_history(
            self.organisations, MemberOrganisation, batch_size=services.BULK_BATCH_SIZE
        )
        bulk_create_with_history(self.contacts, ContactPerson, batch_size=services.BULK_BATCH_SIZE)
        services.memberships_register(registrations=self.registrations, by=user)
        self.organisations, self.contacts, self.registrations = [], [], []


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _value(instance: MemberOrganisation, name: str) -> str:
    """A field as the report shows it: codes for places, the label for the type."""
    if name == "type":
        return instance.get_type_display() if instance.type else ""
    return _shown(getattr(instance, instance._meta.get_field(name).attname))


class MemberOrganisationResource(resources.ModelResource):
    """Imports member organisations; `user` becomes the history user of every write."""

    name = Field(attribute="name", column_name="naam", widget=TextWidget())
    type = Field(attribute="type", column_name="type", widget=TypeWidget())
    municipality = Field(
        attribute="municipality", column_name="gemeentecode", widget=MunicipalityWidget()
    )
    district = Field(attribute="district", column_name="wijkcode", widget=DistrictWidget())
    street_address = Field(attribute="street_address", column_name="adres", widget=TextWidget())
    postcode = Field(attribute="postcode", column_name="postcode", widget=PostcodeWidget())
    city = Field(attribute="city", column_name="plaats", widget=TextWidget())
    kvk_number = Field(attribute="kvk_number", column_name="kvk", widget=KvkWidget())
    website = Field(attribute="website", column_name="website", widget=WebsiteWidget())
    story = Field(attribute="story", column_name="verhaal", widget=TextWidget())

    class Meta:
        model = MemberOrganisation
        fields = tuple(FIELD_COLUMNS)
        import_order = tuple(FIELD_COLUMNS)
        import_id_fields = ()
        # New organisations are saved together at the end (`bulk_create` below), with their
        # history rows; this also spares a savepoint per row.
        use_bulk = True
        use_transactions = True
        clean_model_instances = True
        skip_diff = True
        report_skipped = True

    def __init__(
        self,
        *,
        user: User,
        reason: str = "",
        lines: list[int] | None = None,
        on_row: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self.user = user
        self.reason = reason
        self.lines = lines
        self.on_row = on_row
        self.today = timezone.localdate()
        self.plans: dict[int, RowPlan] = {}
        self.first_row_of: dict[tuple, int] = {}
        self.known: KnownOrganisations | None = None
        self.new = NewOrganisations()
        self.slugs: set[str] = set()
        self._instance: MemberOrganisation | None = None

    # --- Rows and matching ------------------------------------------------------------------

    def line(self, row_number: int) -> int:
        """The row's line in the file (the header is line 1), for messages."""
        return self.lines[row_number - 1] if self.lines else row_number + 1

    @staticmethod
    def key(row: dict) -> tuple:
        """Rows with the same key are the same organisation."""
        kvk = normalise_kvk(row.get("kvk") or "")
        if kvk:
            return ("kvk", kvk)
        return ("name", fold(row.get("naam") or ""), (row.get("gemeentecode") or "").upper())

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        """Reads what the rows will be compared with, once: no lookups per row."""
        self.known = KnownOrganisations(dataset.dict)
        self.slugs = set(MemberOrganisation.objects.values_list("slug", flat=True))

    def before_import_row(self, row: dict, **kwargs: Any) -> None:
        row_number = kwargs["row_number"]
        for column in COLUMNS:
            if row.get(column) is None:
                row[column] = ""
        errors = {}
        if not row["naam"]:
            errors["name"] = _("The name is missing.")
        if not row["gemeentecode"]:
            errors["municipality"] = _("The municipality code (gemeentecode) is missing.")
        if errors:
            raise ValidationError(errors)
        first = self.first_row_of.setdefault(self.key(row), row_number)
        if first != row_number:
            raise same_organisation(self.line(first), by_kvk=bool(row["kvk"]))

    def get_instance(self, instance_loader: Any, row: dict) -> MemberOrganisation | None:
        known = self.known
        kvk = normalise_kvk(row["kvk"])
        found = known.by_kvk.get(kvk) if kvk else None
        if found is not None:
            self.refuse_if_taken(found, by_kvk=True)
            return found
        found = known.by_name.get(known.name_key(row["naam"], row["gemeentecode"].upper()))
        if found is not None and kvk and found.kvk_number:
            raise ValidationError(
                {
                    "kvk_number": _(
                        "“%(name)s” in this municipality is already registered with KvK "
                        "number %(kvk)s; check the KvK number."
                    )
                    % {"name": found.name, "kvk": found.kvk_number}
                }
            )
        if found is not None:
            self.refuse_if_taken(found, by_kvk=False)
        return found

    def refuse_if_taken(self, organisation: MemberOrganisation, *, by_kvk: bool) -> None:
        """An organisation that an earlier row created or matched (under its other key)."""
        line = self.known.taken_on.get(id(organisation))
        if line is not None:
            raise same_organisation(line, by_kvk=by_kvk)

    def after_init_instance(
        self, instance: MemberOrganisation, new: bool, row: dict, **kwargs: Any
    ) -> None:
        instance._import_before = {name: _value(instance, name) for name in FIELD_COLUMNS}
        self._instance = instance

    # --- Values and validation --------------------------------------------------------------

    def import_field(self, field: Field, instance: Any, row: dict, is_m2m=False, **kwargs):
        # On an update an empty cell means "leave as it is", so a partial file clears nothing.
        if instance.pk is not None and not row.get(field.column_name):
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def import_instance(self, instance: MemberOrganisation, row: dict, **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance.pk is None and not row["type"]:
            errors.setdefault("type", _("The type is missing."))
        if (
            "municipality" not in errors
            and "district" not in errors
            and instance.district_id
            and instance.district.municipality_id != instance.municipality_id
        ):
            errors["district"] = _(
                "District %(district)s does not lie in municipality %(municipality)s."
            ) % {"district": instance.district_id, "municipality": instance.municipality_id}
        if instance.pk is None:
            instance.slug = self.unique_slug(instance, with_place="municipality" not in errors)
        plan = RowPlan()
        self.plan_contact(instance, row, plan, errors)
        self.plan_membership(instance, row, plan, errors)
        if instance.pk is not None:
            before = instance._import_before
            changed = [
                (column, before[name], _value(instance, name))
                for name, column in FIELD_COLUMNS.items()
                if before[name] != _value(instance, name)
            ]
            plan.organisation_changed = bool(changed)
            plan.changes[:0] = changed
        self.plans[kwargs["row_number"]] = plan
        if errors:
            raise ValidationError(errors)

    def validate_instance(
        self,
        instance: MemberOrganisation,
        import_validation_errors: dict | None = None,
        validate_unique: bool = True,
    ) -> None:
        errors = dict(import_validation_errors or {})
        try:
            # Without the checks that cost a query per row and repeat what is already sure:
            # the widgets found the gemeente and wijk, the matching and `unique_slug` keep KvK
            # number and web address unique, and the database checks its constraints anyway.
            instance.full_clean(
                exclude=[*errors, "municipality", "district"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def unique_slug(self, instance: MemberOrganisation, *, with_place: bool) -> str:
        """The name's slug; with the gemeente, then a number, when another member has it."""
        base = slugify(instance.name)[:140] or "lid"
        candidates = [base]
        if with_place:
            candidates.append(f"{base}-{slugify(instance.municipality.name)}"[:160])
        for candidate in candidates:
            if candidate not in self.slugs:
                return candidate
        numbered = re.compile(rf"^{re.escape(base)}-[0-9]+$")
        numbers = [int(slug.rsplit("-", 1)[1]) for slug in self.slugs if numbered.match(slug)]
        return f"{base}-{max(numbers, default=1) + 1}"

    def plan_contact(
        self, instance: MemberOrganisation, row: dict, plan: RowPlan, errors: dict
    ) -> None:
        """The primary contact the row names: an existing contact of that name, or a new one."""
        values = {column: row[column] for column in CONTACT_COLUMNS}
        if not any(values.values()):
            return
        if not values["contactpersoon"]:
            errors["contact_name"] = _("Fill in the contact person's name too.")
            return
        if values["telefoon"] and not PHONE_RE.match(values["telefoon"]):
            errors["contact_phone"] = _("“%(value)s” is not a phone number.") % {
                "value": values["telefoon"]
            }
        existing = list(instance.contacts.all()) if instance.pk is not None else []
        named = fold(values["contactpersoon"])
        contact = next((c for c in existing if fold(c.name) == named), None)
        primary = next((c for c in existing if c.is_primary), None)
        if contact is None:
            contact = ContactPerson()
        unchanged = (contact.name, contact.role, contact.email, contact.phone, contact.is_primary)
        contact.name = values["contactpersoon"]
        contact.role = values["functie"] or contact.role
        contact.email = values["e-mail"] or contact.email
        contact.phone = values["telefoon"] or contact.phone
        contact.is_primary = True
        try:
            contact.full_clean(exclude=["organisation"], validate_constraints=False)
        except ValidationError as error:
            names = {"role": "contact_role", "email": "contact_email", "phone": "contact_phone"}
            for name, messages in error.message_dict.items():
                errors.setdefault(names.get(name, "contact_name"), messages)
        if unchanged == (contact.name, contact.role, contact.email, contact.phone, True):
            return
        plan.contact = contact
        if primary is not None and primary is not contact:
            plan.demote = primary
        if instance.pk is not None:
            # The columns describe the primary contact: compare with the one there was.
            old = primary or ContactPerson()
            for column, attribute in (
                ("contactpersoon", "name"),
                ("functie", "role"),
                ("e-mail", "email"),
                ("telefoon", "phone"),
            ):
                if getattr(old, attribute) != getattr(contact, attribute):
                    plan.changes.append(
                        (column, getattr(old, attribute), getattr(contact, attribute))
                    )

    def plan_membership(
        self, instance: MemberOrganisation, row: dict, plan: RowPlan, errors: dict
    ) -> None:
        """The membership steps (services) that bring the organisation to the row's status.

        An import registers applications, activates and resumes; suspending and ending need a
        reason, and correcting a start date needs care, so those stay in the administration.
        """
        word, since_text = row["lidmaatschap"], row["lid sinds"]
        if not word and not since_text:
            return
        if not word:
            errors["membership_status"] = _("Fill in the membership status too (lidmaatschap).")
            return
        status = _words("lidmaatschap").get(fold(word))
        if status is None:
            errors["membership_status"] = _(
                "Unknown membership status “%(value)s”; use prospect or actief."
            ) % {"value": word}
            return
        since = None
        if since_text:
            try:
                since = parse_date(since_text)
            except ValueError as error:
                errors["membership_since"] = str(error)
                return
            if since > self.today:
                errors["membership_since"] = _("The membership cannot start in the future.")
                return
        memberships = list(instance.memberships.all()) if instance.pk is not None else []
        current = next((m for m in memberships if m.status in Membership.CURRENT), None)
        now = current.status if current else (S.ENDED if memberships else "")
        if status == now:
            if since and current and current.started_on and since != current.started_on:
                errors["membership_since"] = _(
                    "The membership started on %(registered)s, the file says %(file)s; "
                    "correct the start date in the administration."
                ) % {"registered": current.started_on.isoformat(), "file": since.isoformat()}
            return
        refused = {
            S.ENDED: _(
                "An import cannot end a membership: end it in the administration, "
                "with a date and a reason."
            ),
            S.SUSPENDED: _(
                "An import cannot suspend a membership: suspend it in the administration, "
                "with a reason."
            ),
        }
        if status in refused:
            errors["membership_status"] = refused[status]
            return
        if current is None:
            plan.steps.append(("apply", since or self.today))
            if status == S.ACTIVE:
                plan.steps.append(("activate", since or self.today))
        elif status == S.PROSPECT:
            errors["membership_status"] = _(
                "A member cannot become a prospect again; end the membership first."
            )
            return
        elif current.status == S.PROSPECT:
            plan.steps.append(("activate", since or self.today))
        else:
            plan.steps.append(("resume", None))
        if instance.pk is not None:
            labels = dict(Membership.Status.choices)
            plan.changes.append(("lidmaatschap", str(labels.get(now, "")), str(labels[status])))
            old_since = current.started_on if current else None
            new_since = old_since if status == S.PROSPECT else (old_since or since or self.today)
            if old_since != new_since:
                plan.changes.append(("lid sinds", _shown(old_since), _shown(new_since)))

    def skip_row(self, instance, original, row, import_validation_errors=None) -> bool:
        """An existing organisation that the row would not change is reported as unchanged."""
        if import_validation_errors or instance.pk is None:
            return False
        plan = self.plans.get(self._row_number)
        return plan is not None and not plan.changes

    # --- Saving -----------------------------------------------------------------------------

    def _attribute(self, instance: Any) -> Any:
        instance._history_user = self.user
        if self.reason:
            instance._change_reason = self.reason
        return instance

    def save_instance(
        self, instance: MemberOrganisation, is_create: bool, row: dict, **kwargs: Any
    ) -> None:
        plan = self.plans[self._row_number]
        if is_create:
            self.new.add(self._attribute(instance), plan)
            if plan.contact is not None:
                self._attribute(plan.contact)
            self.slugs.add(instance.slug)
            return
        # A savepoint per changed organisation: a refused membership step undoes its row.
        with transaction.atomic():
            if plan.organisation_changed:
                self._attribute(instance).save()
            if plan.demote is not None:
                plan.demote.is_primary = False
                self._attribute(plan.demote).save(update_fields=["is_primary"])
            if plan.contact is not None:
                plan.contact.organisation = instance
                self._attribute(plan.contact).save()
            try:
                self.run_membership_steps(instance, plan.steps)
            except ValidationError as error:
                raise ValidationError({"membership_status": error.messages}) from None

    def bulk_create(
        self,
        using_transactions: bool,
        dry_run: bool,
        raise_errors: bool,
        batch_size: int | None = None,
        result: Result | None = None,
    ) -> None:
        """Saves the new organisations of the file (the dry run too: the database checks them
        before the dry run's transaction is rolled back)."""
        try:
            self.new.save(user=self.user)
        except Exception as error:  # noqa: BLE001 - any failure refuses the whole file
            self.handle_import_error(result, error, raise_errors)

    def after_import(self, dataset: tablib.Dataset, result: Result, **kwargs: Any) -> None:
        """Nothing: ModelResource resets the id sequence here, which rows without ids do not
        need and which could hand out an id that a concurrent transaction has just used."""

    def run_membership_steps(
        self, organisation: MemberOrganisation, steps: list[tuple[str, datetime.date | None]]
    ) -> None:
        """Through the membership services: the same rules and history as in the admin."""
        current = organisation.memberships.filter(status__in=Membership.CURRENT).first()
        for step, day in steps:
            if step == "apply":
                current = services.membership_apply(
                    organisation=organisation, by=self.user, applied_on=day
                )
            elif step == "activate":
                current = services.membership_activate(
                    membership=current, by=self.user, started_on=day
                )
            else:
                current = services.membership_resume(membership=current, by=self.user)

    def import_row(self, row: dict, instance_loader: Any, **kwargs: Any) -> RowResult:
        self._row_number = kwargs["row_number"]
        self._instance = None
        try:
            result = super().import_row(row, instance_loader, **kwargs)
        finally:
            plan = self.plans.pop(self._row_number, None)
        result.number = self._row_number
        result.line = self.line(self._row_number)
        if self._instance is not None and result.import_type in KINDS_TAKEN:
            self.known.take(self._instance, result.line)
        result.name = row.get("naam") or ""
        updated = plan is not None and result.import_type == RowResult.IMPORT_TYPE_UPDATE
        result.changes = plan.changes if updated else []
        if self.on_row is not None:
            self.on_row(self._row_number)
        return result


def same_organisation(line: int, *, by_kvk: bool) -> ValidationError:
    """The refusal of a row that names an organisation an earlier row of the file named."""
    return ValidationError(
        _("The same organisation as on line %(line)s (same %(what)s); one row each.")
        % {"line": line, "what": _("KvK number") if by_kvk else _("name and municipality")}
    )


# Rows that create or match an organisation, so that no later row of the file can name it.
KINDS_TAKEN = (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE, RowResult.IMPORT_TYPE_SKIP)


def row_messages(row_result: RowResult) -> list[tuple[str, str]]:
    """A refused row's reasons as (column, message), the column empty for the whole row."""
    messages: list[tuple[str, str]] = []
    if row_result.validation_error is not None:
        error = row_result.validation_error
        if hasattr(error, "error_dict"):
            for key, items in error.message_dict.items():
                column = "" if key == NON_FIELD_ERRORS else ERROR_COLUMNS.get(key, key)
                messages += [(column, message) for message in items]
        else:
            messages += [("", message) for message in error.messages]
    for problem in row_result.errors:
        first_line = str(problem.error).strip().splitlines()[:1]
        messages.append(
            ("", _("This row could not be saved: %(error)s") % {"error": "".join(first_line)})
        )
    return messages
