import factory
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from initiatives.models import Initiative, Ownership
from places.models import District, Municipality, Province


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"bewoner{n}@example.org")
    full_name = factory.Faker("name", locale="nl_NL")
    password = factory.django.Password("correct horse battery staple")


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    # PV40–PV98: PV99 is the tests' unknown province, so no factory may ever make it.
    code = factory.Sequence(lambda n: f"PV{40 + n % 59:02d}")
    name = factory.Sequence(lambda n: f"Provincie {n}")
    population = 1_000_000
    edition = "test"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("code",)

    # Codes have four digits; the sequence wraps (get_or_create reuses a code seen before).
    # GM9000–GM9998: GM9999 is the tests' unknown gemeente.
    code = factory.Sequence(lambda n: f"GM{9000 + n % 999:04d}")
    name = factory.Sequence(lambda n: f"Gemeente {n}")
    province = factory.SubFactory(ProvinceFactory)
    population = 50_000
    edition = "test"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"WK{o.municipality.code[2:]}{n % 100:02d}")
    name = factory.Sequence(lambda n: f"Wijk {n}")
    population = 5_000
    edition = "test"


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Buurttuin {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    summary = "Samen tuinieren in de wijk."
    kind = Initiative.Kind.COMMUNITY_GARDEN
    municipality = factory.SubFactory(MunicipalityFactory)
    status = Initiative.Status.DRAFT

    class Params:
        submitted = factory.Trait(
            status=Initiative.Status.SUBMITTED, submitted_at=factory.LazyFunction(timezone.now)
        )
        published = factory.Trait(
            status=Initiative.Status.PUBLISHED, published_at=factory.LazyFunction(timezone.now)
        )
        archived = factory.Trait(
            status=Initiative.Status.ARCHIVED,
            published_at=factory.LazyFunction(timezone.now),
            archived_at=factory.LazyFunction(timezone.now),
        )

    @factory.post_generation
    def owner(self, create: bool, extracted: User | None, **kwargs: object) -> None:
        """InitiativeFactory(owner=user) makes the user its initiator."""
        if create and extracted is not None:
            Ownership.objects.create(initiative=self, user=extracted)


class NeedFactory(factory.django.DjangoModelFactory):
    """An open need; NeedFactory(closed=True) is one marked fulfilled."""

    class Meta:
        model = "initiatives.Need"

    initiative = factory.SubFactory(InitiativeFactory, published=True)
    kind = "volunteers"
    title = factory.Sequence(lambda n: f"Handen voor klus {n}")
    status = "open"

    class Params:
        closed = factory.Trait(status="fulfilled", closed_at=factory.LazyFunction(timezone.now))
