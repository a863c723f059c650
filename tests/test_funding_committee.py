"""Committee-ranked rounds (funding/committee.py, issue #21): submission without reservation,
reviews by committee members who never see personal fields nor an application they declared a
conflict on, the reviews side by side, the ranking, and decisions within the pot; the fund
manager's round, criteria and committee pages."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.permissions import sees_personal_data
from funding import committee
from funding.models import Application, CommitteeMember, Criterion, Review, Round
from funding.services import application_decide, application_submit
from funding.terms import term_end
from tests.factories import UserFactory
from tests.funding_helpers import (
    IBAN,
    close_round,
    committee_member_of,
    complete_draft,
    make_committee_round,
    make_round,
    manager_of,
)

pytestmark = pytest.mark.django_db
Status = Application.Status


def submitted(round_: Round, amount: str = "1000") -> Application:
    draft, owner = complete_draft(round_, amount)
    return application_submit(application=draft, user=owner)


def review(application, member, scores, recommendation="yes", comment=""):
    criteria = list(application.round.criteria.all())
    return committee.review_save(
        user=member,
        application=application,
        scores={c.pk: s for c, s in zip(criteria, scores, strict=True)},
        recommendation=recommendation,
        comment=comment,
    )


def decide(application, manager, outcome, amount=None):
    return application_decide(
        application=application,
        user=manager,
        outcome=outcome,
        decision="Besluit",
        grounds="Gronden",
        amount=amount,
    )


# --- Submission ------------------------------------------------------------------------------


def test_a_committee_submission_reserves_nothing_and_nobody_waits():
    # Given a committee round whose pot fits one application
    round_ = make_committee_round(pot="1500", max_award=Decimal(1500))
    # When two submit more than the pot holds together
    first, second = submitted(round_), submitted(round_)
    # Then both are submitted without a reservation; the pot holds nothing back
    for application in (first, second):
        assert (application.status, application.reserved) == (Status.SUBMITTED, 0)
        assert application.decision_due == term_end(
            round_.closes_on, round_.decision_term, round_.decision_term_unit
        )
    round_.refresh_from_db()
    assert (round_.reserved, round_.awarded) == (0, 0)
    assert not round_.applications.filter(status=Status.WAITING).exists()


def test_the_applicants_mail_says_a_committee_decides_after_the_window(mailoutbox):
    round_ = make_committee_round()
    submitted(round_)
    body = mailoutbox[0].body
    assert "Een commissie beoordeelt" in body and "nog geen geld gereserveerd" in body


# --- Committee members -----------------------------------------------------------------------


def test_a_committee_member_is_not_staff_and_needs_no_second_factor():
    member = committee_member_of(make_committee_round())
    assert not member.is_staff and not sees_personal_data(member)


def test_committee_pages_show_no_personal_fields(client):
    # Given an application with a payee, an IBAN and an owner with an address
    round_ = make_committee_round()
    application = submitted(round_)
    owner = application.initiative.ownerships.get().user
    member = committee_member_of(round_)
    client.force_login(member)
    # When the committee member reads the round and the application
    pages = [
        client.get("/mijn/commissie/"),
        client.get(f"/mijn/commissie/rondes/{round_.pk}/"),
        client.get(f"/mijn/commissie/aanvragen/{application.pk}/"),
    ]
    # Then they see the application, never its payee, IBAN or the applicant's address
    assert [page.status_code for page in pages] == [200, 200, 200]
    text = "".join(page.content.decode() for page in pages)
    assert application.initiative.name in text and "We bouwen een kas." in text
    for private in ("Stichting De Tuin", IBAN, owner.email):
        assert private not in text


def test_a_declared_conflict_hides_the_application_from_that_member_only(client):
    round_ = make_committee_round()
    application = submitted(round_)
    member, other = committee_member_of(round_), committee_member_of(round_)
    client.force_login(member)
    page = f"/mijn/commissie/aanvragen/{application.pk}/"
    # When the member declares a conflict of interest
    declared = client.post(f"{page}belangenverstrengeling/", {"reason": "Mijn buurvrouw."})
    # Then the application is gone from their list and its page, for them only
    assert declared["Location"] == f"/mijn/commissie/rondes/{round_.pk}/"
    assert client.get(page).status_code == 404
    assert client.post(f"{page}belangenverstrengeling/", {"reason": "x"}).status_code == 404
    listing = client.get(f"/mijn/commissie/rondes/{round_.pk}/").content.decode()
    assert application.initiative.name not in listing
    client.force_login(other)
    assert client.get(page).status_code == 200
    assert Review.objects.get(reviewer=member).conflict_reason == "Mijn buurvrouw."


def test_a_conflict_withdraws_an_earlier_review():
    round_ = make_committee_round()
    application = submitted(round_)
    member = committee_member_of(round_)
    review(application, member, [4, 5])
    committee.review_conflict_declare(user=member, application=application, reason="Familie")
    mine = Review.objects.get(reviewer=member)
    assert (mine.conflict, mine.recommendation, mine.scores.count()) == (True, "", 0)


def test_scores_are_validated_per_criterion_and_nothing_is_saved(client):
    round_ = make_committee_round()
    application = submitted(round_)
    first, second = round_.criteria.all()
    member = committee_member_of(round_)
    client.force_login(member)
    page = f"/mijn/commissie/aanvragen/{application.pk}/"
    refused = client.post(
        page, {f"score_{first.pk}": "6", f"score_{second.pk}": "", "recommendation": "yes"}
    )
    assert refused.status_code == 200
    assert "aria-invalid" in refused.content.decode()
    assert not Review.objects.exists()
    with pytest.raises(ValidationError) as error:
        review(application, member, [-1, 3])
    assert set(error.value.message_dict) == {f"score_{first.pk}"}
    assert not Review.objects.exists()
    saved = client.post(
        page,
        {f"score_{first.pk}": "5", f"score_{second.pk}": "0", "recommendation": "maybe"},
    )
    assert saved.status_code == 302
    assert [s.score for s in Review.objects.get().scores.order_by("criterion__position")] == [5, 0]


def test_a_review_changes_until_the_application_is_decided():
    round_ = make_committee_round()
    application = submitted(round_)
    member, manager = committee_member_of(round_), manager_of(round_)
    review(application, member, [1, 1], "no")
    review(application, member, [5, 5], "yes")  # changed: still one review
    assert Review.objects.get().recommendation == "yes"
    close_round(round_)
    decide(application, manager, Status.REJECTED)
    with pytest.raises(ValidationError):
        review(application, member, [2, 2], "no")


def test_no_one_outside_the_committee_reviews():
    round_ = make_committee_round()
    application = submitted(round_)
    other_round_member = committee_member_of(make_committee_round())
    with pytest.raises(PermissionDenied):
        review(application, other_round_member, [1, 1])
    with pytest.raises(PermissionDenied):
        review(application, manager_of(round_), [1, 1])


# --- The fund manager: side by side, ranking, decisions --------------------------------------


def test_the_reviews_side_by_side_are_weighted_averaged_and_counted(client):
    # Given criteria with weights 1 and 2 and three members, one with a conflict
    round_ = make_committee_round()
    strong, weak = submitted(round_), submitted(round_)
    ann, bob, cas = (committee_member_of(round_) for _ in range(3))
    review(strong, ann, [5, 4], "yes")  # 5 + 8 = 13
    review(strong, bob, [3, 3], "maybe")  # 3 + 6 = 9
    committee.review_conflict_declare(user=cas, application=strong, reason="Buren")
    review(weak, ann, [1, 0], "no")  # 1
    # When the figures are read
    table = committee.review_table(round_)
    # Then the better application comes first, with the average of the reviews (not the conflict)
    first, second = table.rows
    assert first.application == strong and second.application == weak
    assert sorted(first.totals.values()) == [9, 13]
    assert first.average == Decimal("11.0") and second.average == Decimal("1.0")
    assert (first.counts["yes"], first.counts["maybe"], first.counts["no"]) == (1, 1, 0)
    assert table.highest == 5 * 1 + 5 * 2
    conflicts = [review for review, _total in first.cells if review and review.conflict]
    assert [r.reviewer for r in conflicts] == [cas]
    # And the page shows them to the fund manager
    client.force_login(manager_of(round_))
    page = client.get(f"/mijn/regelingen/rondes/{round_.pk}/beoordelingen/").content.decode()
    assert "11,0" in page and "Belangenverstrengeling" in page and "Buren" in page


def test_the_fund_manager_ranks_and_the_ranking_orders_the_table(client):
    round_ = make_committee_round()
    first, second = submitted(round_), submitted(round_)
    member = committee_member_of(round_)
    review(first, member, [5, 5])
    review(second, member, [1, 1])
    client.force_login(manager_of(round_))
    url = f"/mijn/regelingen/rondes/{round_.pk}/beoordelingen/"
    page = client.get(url).content.decode()
    assert f'name="rank_{first.pk}" value="1"' in page  # default: by average score
    twice = client.post(url, {f"rank_{first.pk}": "1", f"rank_{second.pk}": "1"})
    assert twice.status_code == 200 and "Geef elke plaats" in twice.content.decode()
    assert client.post(url, {f"rank_{first.pk}": "2", f"rank_{second.pk}": "1"}).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.rank, second.rank) == (2, 1)
    assert [row.application for row in committee.review_table(round_).rows] == [second, first]


def test_decisions_wait_until_the_round_closes():
    round_ = make_committee_round()
    application = submitted(round_)
    with pytest.raises(ValidationError):
        decide(application, manager_of(round_), Status.APPROVED)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_awards_stay_within_the_pot_and_the_one_that_does_not_fit_is_refused(client):
    # Given a closed committee round of € 2,500 with three applications of € 1,000
    round_ = make_committee_round(pot="2500")
    one, two, three = (submitted(round_) for _ in range(3))
    manager = manager_of(round_)
    close_round(round_)
    decide(one, manager, Status.APPROVED)
    decide(two, manager, Status.APPROVED)
    # When the third is approved in full through its page
    client.force_login(manager)
    page = f"/mijn/regelingen/aanvragen/{three.pk}/"
    refused = client.post(page, {"outcome": "approved", "decision": "Ja", "grounds": "Goed"})
    # Then it is refused with the money left, and nothing is saved
    assert refused.status_code == 200 and "€ 500.00" in refused.content.decode()
    three.refresh_from_db()
    round_.refresh_from_db()
    assert (three.status, three.awarded, three.grant, three.decision) == (
        Status.SUBMITTED,
        None,
        "",
        "",
    )
    assert (round_.reserved, round_.awarded) == (0, Decimal(2000))
    # But a partial award of what is left fits, and is an award to pay
    client.post(page, {"outcome": "partly", "amount": "500", "decision": "Deels", "grounds": "Op"})
    three.refresh_from_db()
    round_.refresh_from_db()
    assert (three.status, three.awarded, three.grant) == (Status.PARTLY, 500, "awarded")
    assert three.payment_due is not None
    assert round_.awarded == round_.pot


def test_the_decision_form_is_shown_only_after_the_window(client):
    round_ = make_committee_round()
    application = submitted(round_)
    client.force_login(manager_of(round_))
    page = f"/mijn/regelingen/aanvragen/{application.pk}/"
    assert 'name="outcome"' not in client.get(page).content.decode()
    close_round(round_)
    assert 'name="outcome"' in client.get(page).content.decode()


# --- The fund manager: the round, its criteria and committee ----------------------------------


def round_form(round_: Round | None = None, **changes: str) -> dict[str, str]:
    from impact.methods import current_version

    data = {
        "name": "Buurtbudget 2027",
        "slug": "buurtbudget-2027",
        "mode": "committee",
        "opens_on": "2027-03-01",
        "closes_on": "2027-04-30",
        "pot": "20000",
        "min_award": "250",
        "max_award": "2500",
        "max_awards_per_year": "1",
        "scope_codes": "gm0344, WK034401",
        "scope_from": "primary",
        "kinds": ["garden"],
        "method_version": str(current_version().pk),
        "decision_term": "6",
        "decision_term_unit": "weeks",
        "extension_term": "0",
        "extension_term_unit": "weeks",
        "payment_term": "4",
        "payment_term_unit": "weeks",
        "accountability_months": "6",
        "requires_awards_settled": "on",
    }
    data.update(changes)
    return data


def test_a_fund_manager_creates_and_edits_a_committee_round(client):
    fund_round = make_round()
    manager = manager_of(fund_round)
    client.force_login(manager)
    created = client.post(
        f"/mijn/regelingen/rondes/nieuw/?fonds={fund_round.fund.slug}", round_form()
    )
    round_ = Round.objects.get(slug="buurtbudget-2027")
    assert created["Location"] == f"/mijn/regelingen/rondes/{round_.pk}/bewerken/"
    assert (round_.fund, round_.mode, round_.scope_codes) == (
        fund_round.fund,
        "committee",
        ["GM0344", "WK034401"],
    )
    assert (round_.kinds, round_.requires_awards_settled, round_.payment_term) == (
        ["garden"],
        True,
        4,
    )
    edited = client.post(f"/mijn/regelingen/rondes/{round_.pk}/bewerken/", round_form(pot="30000"))
    assert edited.status_code == 302
    round_.refresh_from_db()
    assert round_.pot == 30000


def test_the_round_form_refuses_what_the_database_would(client):
    round_ = make_round()
    client.force_login(manager_of(round_))
    url = f"/mijn/regelingen/rondes/nieuw/?fonds={round_.fund.slug}"
    refused = client.post(
        url, round_form(closes_on="", min_award="3000", max_award="2500", person_max="100")
    )
    text = refused.content.decode()
    assert refused.status_code == 200 and "sluitingsdatum" in text
    assert not Round.objects.filter(slug="buurtbudget-2027").exists()


def test_the_pot_cannot_drop_below_what_is_reserved_and_awarded(client):
    # Given a first-come round with € 1,000 reserved
    round_ = make_round(pot="5000")
    submitted(round_)
    client.force_login(manager_of(round_))
    url = f"/mijn/regelingen/rondes/{round_.pk}/bewerken/"
    data = round_form(
        name=round_.name, slug=round_.slug, mode="first_come", closes_on="", pot="900"
    )
    data.update(opens_on=round_.opens_on.isoformat(), min_award="500", max_award="900")
    # When its manager lowers the pot below it
    refused = client.post(url, data)
    # Then the form says so and nothing changes
    assert refused.status_code == 200 and "€ 1000.00" in refused.content.decode()
    round_.refresh_from_db()
    assert (round_.pot, round_.max_award, round_.reserved) == (5000, 2500, 1000)
    assert client.post(url, {**data, "pot": "1000"}).status_code == 302


def test_the_mode_stays_once_applications_are_submitted():
    round_ = make_committee_round()
    submitted(round_)
    manager = manager_of(round_)
    with pytest.raises(ValidationError) as error:
        committee.round_save(
            user=manager, fund=round_.fund, fields={"mode": "first_come"}, round_=round_
        )
    assert "mode" in error.value.message_dict


def test_another_funds_manager_cannot_save_a_round():
    round_ = make_round()
    with pytest.raises(PermissionDenied):
        committee.round_save(
            user=manager_of(make_round()), fund=round_.fund, fields={"pot": 1}, round_=round_
        )


def test_criteria_are_added_changed_and_removed_until_the_first_review(client):
    round_ = make_committee_round(criteria=1)
    keep = round_.criteria.get()
    client.force_login(manager_of(round_))
    url = f"/mijn/regelingen/rondes/{round_.pk}/criteria/"
    form = {
        "criteria-TOTAL_FORMS": "3",
        "criteria-INITIAL_FORMS": "1",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "20",
        "criteria-0-id": str(keep.pk),
        "criteria-0-name": "Draagvlak",
        "criteria-0-max_score": "10",
        "criteria-0-weight": "3",
        "criteria-0-position": "1",
        "criteria-1-name": "Haalbaarheid",
        "criteria-1-max_score": "5",
        "criteria-1-weight": "1",
        "criteria-1-position": "2",
        "criteria-2-max_score": "5",
        "criteria-2-weight": "1",
        "criteria-2-position": "0",
    }
    assert client.post(url, form).status_code == 302
    assert [(c.name, c.max_score, c.weight) for c in round_.criteria.all()] == [
        ("Draagvlak", 10, 3),
        ("Haalbaarheid", 5, 1),
    ]
    wrong = client.post(url, {**form, "criteria-1-max_score": "11"})
    assert wrong.status_code == 200
    review(submitted(round_), committee_member_of(round_), [7, 3])
    locked = client.post(url, {**form, "criteria-0-weight": "1"})
    assert "kunnen niet meer" in locked.content.decode()
    assert Criterion.objects.get(pk=keep.pk).weight == 3


def test_a_forged_row_count_never_builds_more_than_twenty_criteria(client):
    # Given a fund manager on the criteria page
    round_ = make_committee_round(criteria=0)
    client.force_login(manager_of(round_))
    url = f"/mijn/regelingen/rondes/{round_.pk}/criteria/"

    # When a post claims a billion rows
    response = client.post(
        url,
        {
            "criteria-TOTAL_FORMS": "9" * 9,
            "criteria-INITIAL_FORMS": "0",
            "criteria-0-name": "Draagvlak",
            "criteria-0-max_score": "5",
            "criteria-0-weight": "1",
            "criteria-0-position": "0",
        },
    )

    # Then it is refused with the page's error, at most 20 rows built, nothing saved
    assert response.status_code == 200
    assert len(response.context["formset"].forms) <= 20
    assert not round_.criteria.exists()


def test_the_fund_manager_grants_and_revokes_a_committee_member_by_address(client, mailoutbox):
    round_ = make_committee_round()
    resident = UserFactory(email="bewoner@example.org")
    client.force_login(manager_of(round_))
    url = f"/mijn/regelingen/rondes/{round_.pk}/commissie/"
    unknown = client.post(url, {"email": "niemand@example.org"})
    assert unknown.status_code == 200 and not CommitteeMember.objects.exists()
    assert client.post(url, {"email": "Bewoner@Example.org"}).status_code == 302
    member = CommitteeMember.objects.get()
    assert member.user == resident and not resident.is_staff
    assert [m.to for m in mailoutbox] == [["bewoner@example.org"]]
    assert "beoordelingscommissie" in mailoutbox[0].subject and "/mijn/commissie/" in (
        mailoutbox[0].body
    )
    assert client.post(url, {"email": "bewoner@example.org"}).status_code == 200  # already in
    client.post(f"{url}{member.pk}/intrekken/")
    assert not CommitteeMember.objects.exists()


def test_a_first_come_round_has_no_committee_pages(client):
    round_ = make_round()
    client.force_login(manager_of(round_))
    for part in ("criteria", "commissie", "beoordelingen"):
        assert client.get(f"/mijn/regelingen/rondes/{round_.pk}/{part}/").status_code == 404


def test_the_committee_list_reads_in_a_few_queries(client, django_assert_max_num_queries):
    round_ = make_committee_round()
    member = committee_member_of(round_)
    for _ in range(5):
        review(submitted(round_), member, [3, 3])
    client.force_login(member)
    with django_assert_max_num_queries(12):
        assert client.get(f"/mijn/commissie/rondes/{round_.pk}/").status_code == 200
    client.force_login(manager_of(round_))
    with django_assert_max_num_queries(16):
        client.get(f"/mijn/regelingen/rondes/{round_.pk}/beoordelingen/")


def test_the_decision_due_counts_from_the_day_after_closing():
    closes = datetime.date(2027, 5, 4)  # the term starts on 5 May, a holiday
    round_ = make_committee_round(
        opens_on=timezone.localdate() - datetime.timedelta(days=1),
        closes_on=max(closes, timezone.localdate()),
        decision_term=5,
        decision_term_unit="days",
    )
    application = submitted(round_)
    assert application.decision_due == term_end(round_.closes_on, 5, "days")


# --- AVG ----------------------------------------------------------------------------------


def test_a_members_grants_and_reviews_are_exported_and_erased_pseudonymised():
    from privacy.services import person_erase, person_export

    round_ = make_committee_round()
    application = submitted(round_)
    member = committee_member_of(round_)
    member.full_name = "Ans Jansen"
    member.save()
    review(application, member, [4, 2], "yes", comment="Ans Jansen vindt dit goed.")
    exported = person_export(user=member)
    assert [g["round"] for g in exported["committee_grants"]] == [round_.name]
    assert exported["funding_reviews"][0]["scores"] == {"Criterium 1": 4, "Criterium 2": 2}
    erasure = person_erase(user=member)
    kept = Review.objects.get()
    assert (kept.reviewer, kept.recommendation, kept.comment) == (
        None,
        "yes",
        "[verwijderd] vindt dit goed.",
    )
    assert not kept.history.filter(reviewer_id=member.pk).exists()
    assert not CommitteeMember.objects.exists()
    assert erasure.counts["committee_grants_deleted"] == 1
    assert erasure.counts["funding_reviews_pseudonymised"] == 1


def test_another_members_conflict_does_not_hide_the_application_from_a_reviewer():
    round_ = make_committee_round()
    application = submitted(round_)
    member, other = committee_member_of(round_), committee_member_of(round_)
    review(application, member, [3, 3])
    committee.review_conflict_declare(user=other, application=application, reason="Buren")
    assert list(committee.applications_for_committee(member, round_)) == [application]
    assert list(committee.applications_for_committee(other, round_)) == []


def test_an_overlong_comment_is_refused_before_anything_is_written():
    round_ = make_committee_round()
    application = submitted(round_)
    with pytest.raises(ValidationError):
        review(application, committee_member_of(round_), [3, 3], comment="x" * 5_001)
    assert not Review.objects.exists()
