"""Applications and the pot (funding/services.py, issue #20): complete and eligible before
submission, first come first served exactly, money given back promotes the line in its order,
the pot never overspent, decisions only by the fund's own managers."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from funding.models import Application, Round
from funding.services import (
    application_decide,
    application_start,
    application_submit,
    application_update,
    application_withdraw,
    completeness,
    pot_totals,
)
from funding.terms import term_end
from tests.factories import UserFactory
from tests.funding_helpers import applicant, complete_draft, make_round, manager_of

Status = Application.Status


def decide(application, manager, outcome, amount=None):
    return application_decide(
        application=application,
        user=manager,
        outcome=outcome,
        decision="Besluit",
        grounds="Gronden",
        amount=amount,
    )


def statuses(round_: Round) -> list[tuple[str, Decimal]]:
    return [
        (a.status, a.reserved)
        for a in round_.applications.order_by("submitted_at", "pk").filter(
            submitted_at__isnull=False
        )
    ]


def assert_pot_consistent(round_: Round) -> None:
    round_.refresh_from_db()
    totals = pot_totals(round_)
    assert (round_.reserved, round_.awarded) == (totals["reserved"], totals["awarded"])
    assert round_.reserved + round_.awarded <= round_.pot


@pytest.mark.django_db
class TestOneAtATime:
    def test_what_is_missing_is_named_per_field(self):
        round_ = make_round()
        initiative, owner = applicant()
        draft = application_start(user=owner, initiative=initiative, round_=round_)
        assert set(completeness(draft)) == {
            "purpose",
            "plan",
            "amount",
            "budget",
            "payee_name",
            "iban",
        }
        with pytest.raises(ValidationError) as refused:
            application_submit(application=draft, user=owner)
        assert "iban" in refused.value.message_dict
        draft.refresh_from_db()
        assert draft.status == Status.DRAFT and draft.submitted_at is None

    def test_an_invalid_iban_or_an_amount_outside_the_limits_is_refused(self):
        round_ = make_round()
        draft, owner = complete_draft(round_)
        with pytest.raises(ValidationError) as refused:
            application_update(
                application=draft,
                user=owner,
                fields={"iban": "NL91ABNA0417164301"},
                budget=[("Kas", Decimal(1000))],
            )
        assert "iban" in refused.value.message_dict
        draft = application_update(
            application=draft, user=owner, fields={"amount": Decimal("3000")}, budget=[]
        )
        assert set(completeness(draft)) == {"amount", "budget"}

    def test_a_person_may_be_paid_only_where_the_round_allows_and_up_to_its_limit(self):
        draft, owner = complete_draft(make_round())
        round_ = draft.round  # the instance completeness() reads
        draft.payee = Application.Payee.PERSON
        assert "payee" in completeness(draft)
        round_.persons_allowed, round_.person_max = True, Decimal("750")
        assert "payee" in completeness(draft)  # € 1,000 asked
        draft.amount = Decimal("750")
        draft.budget_lines.update(amount=Decimal("750"))
        assert completeness(draft) == {}

    def test_submission_reserves_and_sets_the_decision_term(self):
        round_ = make_round()
        draft, owner = complete_draft(round_)
        submitted = application_submit(application=draft, user=owner)
        assert (submitted.status, submitted.reserved) == (Status.SUBMITTED, Decimal(1000))
        assert submitted.decision_due == term_end(timezone.localdate(), 4, "weeks")
        # This round sets no rule but its one award per 12 months.
        assert [c["rule"] for c in submitted.eligibility] == ["per_year"]
        assert_pot_consistent(round_)
        assert round_.reserved == Decimal(1000)

    def test_an_ineligible_initiative_is_told_why_and_nothing_is_saved(self):
        round_ = make_round(requires_money_need=True)
        draft, owner = complete_draft(round_)
        with pytest.raises(ValidationError) as refused:
            application_submit(application=draft, user=owner)
        assert "geldvraag" in str(refused.value)  # the rule that failed, in Dutch
        draft.refresh_from_db()
        assert draft.status == Status.DRAFT
        assert_pot_consistent(round_)
        assert round_.reserved == 0

    def test_only_owners_write_and_only_this_funds_managers_decide(self):
        round_ = make_round()
        draft, owner = complete_draft(round_)
        stranger = UserFactory()
        with pytest.raises(PermissionDenied):
            application_update(application=draft, user=stranger, fields={}, budget=[])
        with pytest.raises(PermissionDenied):
            application_submit(application=draft, user=stranger)
        application_submit(application=draft, user=owner)
        other_round = make_round()
        with pytest.raises(PermissionDenied):
            decide(draft, manager_of(other_round), Status.APPROVED)
        with pytest.raises(PermissionDenied):
            decide(draft, owner, Status.APPROVED)
        decided = decide(draft, manager_of(round_), Status.APPROVED)
        assert decided.awarded == Decimal(1000) and "bezwaar" in decided.objection

    def test_money_given_back_promotes_the_line_in_order_and_never_jumps_it(self):
        round_ = make_round(pot="2600")
        manager = manager_of(round_)
        first, one = complete_draft(round_, "1000")
        second, two = complete_draft(round_, "1000")
        big, three = complete_draft(round_, "1500")
        small, four = complete_draft(round_, "500")
        for draft, owner in ((first, one), (second, two), (big, three), (small, four)):
            application_submit(application=draft, user=owner)
        # 600 left: the 1,500 waits, and the 500 behind it waits too (no jumping the line).
        assert statuses(round_) == [
            (Status.SUBMITTED, 1000),
            (Status.SUBMITTED, 1000),
            (Status.WAITING, 0),
            (Status.WAITING, 0),
        ]
        decide(first, manager, Status.PARTLY, amount=Decimal("600"))  # 400 back: 1,000 left
        assert [s for s, _ in statuses(round_)][2:] == [Status.WAITING, Status.WAITING]
        application_withdraw(application=second, user=two)  # 2,000 left: both fit now
        assert statuses(round_) == [
            (Status.PARTLY, 0),
            (Status.WITHDRAWN, 0),
            (Status.SUBMITTED, 1500),
            (Status.SUBMITTED, 500),
        ]
        assert_pot_consistent(round_)
        assert round_.available == 2600 - 600 - 1500 - 500

    def test_more_information_keeps_the_place_and_the_amount(self):
        round_ = make_round()
        manager = manager_of(round_)
        draft, owner = complete_draft(round_)
        application_submit(application=draft, user=owner)
        back = decide(draft, manager, Status.MORE_INFO)
        assert (back.status, back.reserved) == (Status.MORE_INFO, Decimal(1000))
        with pytest.raises(ValidationError):
            application_update(
                application=back, user=owner, fields={"amount": Decimal(900)}, budget=[]
            )
        application_update(
            application=back,
            user=owner,
            fields={"plan": "We bouwen een grotere kas."},
            budget=[("Kas", Decimal(1000))],
        )
        assert_pot_consistent(round_)


WRITERS = 50
FITS = 10


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submissions_against_a_pot_that_fits_ten(reference_data):
    """Exactly the first ten by submission order hold money, the rest wait in order;
    rejecting one promotes the eleventh; the pot is never overspent, nothing half-saved."""
    round_ = make_round(pot=str(FITS * 1000))
    drafts = [complete_draft(round_, "1000") for _ in range(WRITERS)]
    barrier = threading.Barrier(WRITERS)
    errors: list[str] = []

    def submit(draft: Application, owner) -> None:  # noqa: ANN001
        try:
            barrier.wait(timeout=60)
            application_submit(application=draft, user=owner)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=pair) for pair in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    line = list(round_.applications.order_by("submitted_at", "pk"))
    assert len(line) == WRITERS and len({a.submitted_at for a in line}) == WRITERS
    assert [a.status for a in line] == [Status.SUBMITTED] * FITS + [Status.WAITING] * (
        WRITERS - FITS
    )
    assert all(a.reserved == 1000 for a in line[:FITS])
    assert_pot_consistent(round_)
    assert round_.available == 0

    decide(line[3], manager_of(round_), Status.REJECTED)
    line = list(round_.applications.order_by("submitted_at", "pk"))
    assert line[3].status == Status.REJECTED
    assert line[FITS].status == Status.SUBMITTED  # the eleventh
    assert [a.status for a in line[FITS + 1 :]] == [Status.WAITING] * (WRITERS - FITS - 1)
    assert_pot_consistent(round_)


@pytest.mark.django_db
def test_mail_at_each_step_to_the_applicants_and_the_funds_managers(mailoutbox):
    round_ = make_round(pot="1000", max_award=Decimal("1000"))
    manager = manager_of(round_)
    first, one = complete_draft(round_, "1000")
    second, two = complete_draft(round_, "800")
    application_submit(application=first, user=one)
    assert [(m.to, m.subject) for m in mailoutbox] == [
        ([one.email], "[Buurtbeurs] Aanvraag ontvangen: Impuls 2027"),
        ([manager.email], f"[Buurtbeurs] Nieuwe aanvraag van {first.initiative.name}"),
    ]
    application_submit(application=second, user=two)
    assert "wacht op haar beurt" in mailoutbox[2].body
    mailoutbox.clear()
    decide(first, manager, Status.REJECTED)
    assert [m.to for m in mailoutbox] == [[one.email], [two.email]]  # decided, then promoted
    assert "afgewezen" in mailoutbox[0].body and "bezwaar" in mailoutbox[0].body
    assert "gereserveerd" in mailoutbox[1].body
