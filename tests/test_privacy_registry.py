"""The privacy layer asks every registered part of a person's data for its export and its
erasure; every app that holds personal data has its parts in the registry."""

import dataclasses
import importlib
import importlib.util

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps

from common.personal_data import PersonalDataPart
from privacy import registry
from privacy.services import person_erase, person_export
from tests.factories import UserFactory
from tests.member_factories import ContactPersonFactory

pytestmark = pytest.mark.django_db

# The apps that hold data about a person. A new app that does (funding, exchange…) adds its
# label here together with its `<app>/privacy.py`; "privacy" holds the parts no single app
# does (every history table, the admin log, sessions).
APPS_WITH_PERSONAL_DATA = {
    "accounts",
    "exchange",
    "funding",
    "initiatives",
    "impact",
    "members",
    "outbox",
    "privacy",
}

EXPORT_KEYS = [
    "exported_at",
    "account",
    "email_addresses",
    "officer_grants",
    "fund_manager_grants",
    "committee_grants",
    "partner_staff_grants",
    "api_tokens",
    "two_factor_authenticators",
    "initiatives",
    "needs",
    "activity_reports",
    "activity_report_revisions",
    "indicator_quantities",
    "exchange_messages",
    "exchange_matches",
    "help_offers_sent",
    "co_owner_invitations_received",
    "initiative_history",
    "change_history",
    "mails",
    "member_contacts",
    "funding_applications",
    "funding_accountabilities",
    "funding_reviews",
    "funding_payments",
]


@pytest.fixture
def ann():
    user = UserFactory(email="ann@x.nl", full_name="Ann de Vries")
    EmailAddress.objects.create(user=user, email="Ann@X.nl ", verified=True, primary=True)
    EmailAddress.objects.create(user=user, email="buurman@x.nl", verified=False)
    return user


class _Recorder:
    """A part of a person's data that only records how the privacy layer calls it."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def export(self, user, addresses):
        self.calls.append(("export", user.pk, list(addresses)))
        return [{"fake": True}]

    def erase(self, user, addresses, needles, counts):
        self.calls.append(("erase", user.pk, list(addresses), len(needles)))
        counts["fake_rows_erased"] += 1


def test_a_registered_part_is_exported_and_erased_with_the_verified_addresses(ann, monkeypatch):
    # Given one more part in the registry
    recorder = _Recorder()
    fake = PersonalDataPart(
        key="fake_data",
        app="fake",
        export=recorder.export,
        erase=recorder.erase,
        counts=("fake_rows_erased",),
    )
    monkeypatch.setattr(registry, "PARTS", (*registry.PARTS, fake))

    # When the person downloads their data and then deletes their account
    data = person_export(user=ann)
    erasure = person_erase(user=ann)

    # Then the part was asked for both, with only the verified address, normalised
    assert data["fake_data"] == [{"fake": True}]
    assert recorder.calls == [
        ("export", ann.pk, ["ann@x.nl"]),
        # one address and the two-word name: two needles
        ("erase", ann.pk, ["ann@x.nl"], 2),
    ]
    assert erasure.counts["fake_rows_erased"] == 1


def test_every_registered_part_is_exported_and_erased_in_the_registry_order(ann, monkeypatch):
    # Given every registered part wrapped so that its erasure is recorded
    erased: list[str] = []

    def recording(part: PersonalDataPart) -> PersonalDataPart:
        def erase(user, addresses, needles, counts):
            erased.append(part.key)
            part.erase(user, addresses, needles, counts)

        return dataclasses.replace(part, erase=erase) if part.erase else part

    monkeypatch.setattr(registry, "PARTS", tuple(recording(part) for part in registry.PARTS))

    # When the person exports their data and deletes the account
    data = person_export(user=ann)
    erasure = person_erase(user=ann)

    # Then each part with an export has its key, in order; each erasure ran, in order
    assert list(data) == ["exported_at"] + [p.key for p in registry.PARTS if p.export]
    assert erased == [part.key for part in registry.PARTS if part.erase]
    assert set(erasure.counts) == {name for part in registry.PARTS for name in part.counts}


def test_the_export_keeps_its_keys_in_their_order(ann):
    assert list(person_export(user=ann)) == EXPORT_KEYS


def test_the_registry_lists_every_app_that_holds_personal_data():
    assert {part.app for part in registry.PARTS} == APPS_WITH_PERSONAL_DATA
    keys = [part.key for part in registry.PARTS]
    assert len(keys) == len(set(keys))


def test_every_part_an_app_declares_is_in_the_registry():
    # A part written in <app>/privacy.py but not listed in the registry would never run.
    declared = {}
    for config in apps.get_app_configs():
        name = f"{config.name}.privacy"
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        declared |= {
            f"{name}.{attribute}": value
            for attribute, value in vars(module).items()
            if isinstance(value, PersonalDataPart)
        }
    assert declared, "no app declares a part"
    assert {name: part.key for name, part in declared.items() if part not in registry.PARTS} == {}


def test_the_export_holds_contact_persons_at_verified_addresses_only(ann):
    # Given Ann as a member organisation's contact, and a contact at her unverified address
    ContactPersonFactory(name="Ann de Vries", email="ANN@x.nl", role="voorzitter")
    ContactPersonFactory(name="De Buurman", email="buurman@x.nl")

    contacts = person_export(user=ann)["member_contacts"]

    assert [(c["name"], c["email"], c["role"]) for c in contacts] == [
        ("Ann de Vries", "ANN@x.nl", "voorzitter")
    ]
