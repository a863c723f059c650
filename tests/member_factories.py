"""Factories for the members app; shared by the admin, import and directory tests.

org = MemberOrganisationFactory()                     # no membership yet
org = MemberOrganisationFactory(member=True)          # with an active membership
MembershipFactory(organisation=org, ended=True)       # an ended one
DuesFactory(organisation=org, outstanding=True)       # invoiced, not paid
ContactPersonFactory(organisation=org, is_primary=True)
"""

import datetime
import importlib
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, Permission
from django.utils.text import slugify

from accounts.models import User
from members.models import ContactPerson, Dues, MemberOrganisation, Membership
from members.permissions import LSA_STAFF_GROUP
from tests.factories import MunicipalityFactory, UserFactory


def lsa_staff_group() -> Group:
    """The group "LSA-medewerkers" as migrations members/0002, initiatives/0006 and exchange/0002
    leave it; made again with the same permissions when a transactional test has flushed it."""
    group, created = Group.objects.get_or_create(name=LSA_STAFF_GROUP)
    if created:
        members = importlib.import_module("members.migrations.0002_lsa_staff_group")
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="members", codename__in=members._codenames()
            ),
            Permission.objects.get(
                content_type__app_label="initiatives", codename="moderate_initiative"
            ),
        )
        exchange = importlib.import_module("exchange.migrations.0002_lsa_staff_moderate_partners")
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="exchange", codename__in=exchange.CODENAMES
            )
        )
    return group


def lsa_staff(**fields: object) -> User:
    """A staff user in the group "LSA-medewerkers": administers members and moderates."""
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(lsa_staff_group())
    return user


class MemberOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberOrganisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Bewonersvereniging De Wijk {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    type = MemberOrganisation.Type.RESIDENTS_GROUP
    municipality = factory.SubFactory(MunicipalityFactory)
    city = factory.LazyAttribute(lambda o: o.municipality.name)
    kvk_number = factory.Sequence(lambda n: f"{10_000_000 + n:08d}")

    @factory.post_generation
    def member(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """MemberOrganisationFactory(member=True) gives it an active membership."""
        if create and extracted:
            MembershipFactory(organisation=self, active=True)


class ContactPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPerson

    organisation = factory.SubFactory(MemberOrganisationFactory)
    name = factory.Faker("name", locale="nl_NL")
    role = "secretaris"
    email = factory.Sequence(lambda n: f"contact{n}@example.org")
    phone = "06-12345678"
    is_primary = False


class MembershipFactory(factory.django.DjangoModelFactory):
    """A prospect by default; traits: active, suspended, ended."""

    class Meta:
        model = Membership

    organisation = factory.SubFactory(MemberOrganisationFactory)
    status = Membership.Status.PROSPECT
    applied_on = datetime.date(2023, 1, 10)

    class Params:
        active = factory.Trait(
            status=Membership.Status.ACTIVE, started_on=datetime.date(2023, 2, 1)
        )
        suspended = factory.Trait(
            status=Membership.Status.SUSPENDED,
            started_on=datetime.date(2023, 2, 1),
            suspended_on=datetime.date(2024, 3, 1),
            reason="Contributie niet betaald.",
        )
        ended = factory.Trait(
            status=Membership.Status.ENDED,
            started_on=datetime.date(2023, 2, 1),
            ended_on=datetime.date(2024, 12, 31),
            reason="Opgeheven.",
        )


class DuesFactory(factory.django.DjangoModelFactory):
    """Dues for a year, not yet invoiced; traits: outstanding (invoiced), paid."""

    class Meta:
        model = Dues

    organisation = factory.SubFactory(MemberOrganisationFactory)
    year = 2025
    amount = Decimal("75.00")

    class Params:
        outstanding = factory.Trait(invoiced_on=datetime.date(2025, 1, 15))
        paid = factory.Trait(
            invoiced_on=datetime.date(2025, 1, 15), paid_on=datetime.date(2025, 2, 1)
        )
