import factory
from django.utils.text import slugify

from accounts.models import User
from initiatives.models import Initiative
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

    code = factory.Sequence(lambda n: f"PV{40 + n % 60:02d}")
    name = factory.Sequence(lambda n: f"Provincie {n}")
    population = 1_000_000
    edition = "test"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"GM{9000 + n:04d}")
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

    name = factory.Sequence(lambda n: f"Buurttuin {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    summary = "Samen tuinieren in de wijk."
    municipality = factory.SubFactory(MunicipalityFactory)
    status = Initiative.Status.DRAFT

    class Params:
        published = factory.Trait(status=Initiative.Status.PUBLISHED)
        archived = factory.Trait(status=Initiative.Status.ARCHIVED)
