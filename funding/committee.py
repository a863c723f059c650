"""Committee-ranked rounds (issue #21): the fund manager edits a round, its criteria and its
committee; committee members review; the fund manager sees the reviews side by side and ranks.

A committee round reserves nothing at submission (funding.services.application_submit):
applications gather during the window and are decided together after it, each award taking
what the pot has left under the round's row lock (funding.services.application_decide).
Committee members see applications without personal fields and never an application they
declared a conflict of interest on. docs/funding.md.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from funding import notifications
from funding.models import Application, CommitteeMember, Criterion, Fund, Review, Round, Score
from funding.permissions import can_review, is_committee_member, is_fund_manager

Status = Application.Status
# What a fund manager may set on a round; reserved and awarded move only with applications.
ROUND_FIELDS = (
    "name",
    "slug",
    "mode",
    "opens_on",
    "closes_on",
    "pot",
    "min_award",
    "max_award",
    "max_awards_per_year",
    "persons_allowed",
    "person_max",
    "scope_codes",
    "scope_from",
    "kinds",
    "stages",
    "handprint_minimum",
    "handprint_sdgs",
    "requires_money_need",
    "no_award_months",
    "requires_complete_profile",
    "requires_awards_settled",
    "method_version",
    "decision_term",
    "decision_term_unit",
    "extension_term",
    "extension_term_unit",
    "payment_term",
    "payment_term_unit",
    "accountability_months",
)
CRITERION_FIELDS = ("name", "description", "max_score", "weight", "position")
# A committee member reviews an application until the fund manager has decided it.
REVIEWABLE = (Status.SUBMITTED, Status.MORE_INFO)
# What a committee member sees of a round: every submitted application, decided or not.
SHOWN_TO_COMMITTEE = (Status.SUBMITTED, Status.MORE_INFO, Status.APPROVED, Status.PARTLY,
                      Status.REJECTED)  # fmt: skip


# --- Rounds ---------------------------------------------------------------------------------


@transaction.atomic
def round_save(*, user: User, fund: Fund, fields: dict, round_: Round | None = None) -> Round:
    """Creates or changes a round of a fund the user manages. The pot never drops below what
    is reserved and awarded (checked under the round's row lock); the mode stays once
    applications are submitted."""
    if not is_fund_manager(user, fund):
        raise PermissionDenied
    if round_ is None:
        target = Round(fund=fund)
    else:
        if round_.fund_id != fund.pk:
            raise PermissionDenied
        # Fresh under the lock: reserved and awarded may have moved since the form was read.
        target = Round.objects.select_for_update().get(pk=round_.pk)
    errors: dict[str, str] = {}
    unknown = set(fields) - set(ROUND_FIELDS)
    if unknown:
        raise ValueError(f"not a round field: {sorted(unknown)}")
    if target.pk is not None:
        submitted = target.applications.exclude(status=Status.DRAFT).exists()
        if submitted and fields.get("mode", target.mode) != target.mode:
            errors["mode"] = _("Applications have been submitted: the mode cannot change now.")
        committed = target.reserved + target.awarded
        if "pot" in fields and fields["pot"] < committed:
            errors["pot"] = _(
                "The pot cannot be less than what is reserved and awarded: %(committed)s."
            ) % {"committed": f"€ {committed:.2f}"}
    slug = fields.get("slug", target.slug)
    if Round.objects.filter(fund=fund, slug=slug).exclude(pk=target.pk).exists():
        errors["slug"] = _("Another round of this fund has this web address.")
    if errors:
        raise ValidationError(errors)
    for name, value in fields.items():
        setattr(target, name, value)
    target.full_clean()
    if target.pk is None:
        target.save()
    else:
        # Only the form's fields: reserved and awarded are the locked row's own.
        target.save(update_fields=list(fields))
    return target


def _managed_round(user: User, round_: Round) -> Round:
    """The round locked, when the user manages its fund."""
    locked = Round.objects.select_for_update().select_related("fund").get(pk=round_.pk)
    if not is_fund_manager(user, locked.fund):
        raise PermissionDenied
    return locked


@transaction.atomic
def criteria_save(
    *,
    user: User,
    round_: Round,
    changes: list[tuple[Criterion | None, dict]],
    removed: list[Criterion],
) -> list[Criterion]:
    """Adds, changes and removes a committee round's criteria together, until the first review
    is given (scores are kept against the criteria as they were)."""
    round_ = _managed_round(user, round_)
    if not round_.is_committee:
        raise ValidationError(_("Only a committee round has criteria."))
    if Review.objects.filter(application__round=round_, conflict=False).exists():
        raise ValidationError(_("Reviews have been given: the criteria can no longer change."))
    ours = set(round_.criteria.values_list("pk", flat=True))
    if any(c.pk not in ours for c in removed) or any(
        c is not None and c.pk not in ours for c, _values in changes
    ):
        raise PermissionDenied
    Criterion.objects.filter(pk__in=[c.pk for c in removed]).delete()
    saved = []
    for criterion, values in changes:
        criterion = criterion or Criterion(round=round_)
        for name, value in values.items():
            if name not in CRITERION_FIELDS:
                raise ValueError(f"not a criterion field: {name}")
            setattr(criterion, name, value)
        criterion.full_clean()
        criterion.save()
        saved.append(criterion)
    return saved


# --- The committee --------------------------------------------------------------------------


@transaction.atomic
def committee_member_grant(*, user: User, round_: Round, email: str) -> CommitteeMember:
    """Makes the account with this address a committee member of the round (it stays what it
    was otherwise: never staff); tells them by mail."""
    round_ = _managed_round(user, round_)
    if not round_.is_committee:
        raise ValidationError(_("Only a committee round has a committee."))
    member_user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if member_user is None:
        raise ValidationError(
            {"email": _("No account has this address. Ask the person to sign up first.")}
        )
    if round_.committee.filter(user=member_user).exists():
        raise ValidationError({"email": _("This person is in the committee already.")})
    member = CommitteeMember.objects.create(round=round_, user=member_user, granted_by=user)
    notifications.committee_granted(member)
    return member


@transaction.atomic
def committee_member_revoke(*, user: User, member: CommitteeMember) -> None:
    """Takes a person out of a round's committee; the reviews they gave stay."""
    _managed_round(user, member.round)
    CommitteeMember.objects.filter(pk=member.pk).delete()


# --- Reviews --------------------------------------------------------------------------------


def _reviewable(user: User, application: Application) -> Application:
    """The application locked, when the user may review it now."""
    application = (
        Application.objects.select_for_update().select_related("round").get(pk=application.pk)
    )
    if not can_review(user, application):
        raise PermissionDenied
    if application.status not in REVIEWABLE:
        raise ValidationError(_("The fund has decided this application: reviews are closed."))
    return application


def _review_put(application: Application, user: User, **values: object) -> Review:
    """The member's one review of the application, created or replaced, validated before it
    is written; its scores removed (the caller writes new ones)."""
    review = Review.objects.filter(application=application, reviewer=user).first()
    review = review or Review(application=application, reviewer=user)
    for name, value in values.items():
        setattr(review, name, value)
    review.full_clean()
    review.save()
    review.scores.all().delete()
    return review


@transaction.atomic
def review_save(
    *,
    user: User,
    application: Application,
    scores: dict[int, int | None],
    recommendation: str,
    comment: str = "",
) -> Review:
    """The committee member's scores (one per criterion, 0 up to its highest), recommendation
    and comment; replaces their earlier review of the application."""
    application = _reviewable(user, application)
    criteria = list(application.round.criteria.all())
    errors: dict[str, str] = {}
    for criterion in criteria:
        score = scores.get(criterion.pk)
        if score is None:
            errors[f"score_{criterion.pk}"] = _("Give a score.")
        elif not 0 <= score <= criterion.max_score:
            errors[f"score_{criterion.pk}"] = _("A score from 0 to %(max)d.") % {
                "max": criterion.max_score
            }
    if recommendation not in Review.Recommendation.values:
        errors["recommendation"] = _("Recommend yes, maybe or no.")
    if errors:
        raise ValidationError(errors)
    review = _review_put(
        application,
        user,
        conflict=False,
        conflict_reason="",
        recommendation=recommendation,
        comment=comment.strip(),
    )
    Score.objects.bulk_create(
        Score(review=review, criterion=criterion, score=scores[criterion.pk])
        for criterion in criteria
    )
    return review


@transaction.atomic
def review_conflict_declare(*, user: User, application: Application, reason: str) -> Review:
    """Declares a conflict of interest: the member's opinion on the application is withdrawn
    and it is hidden from them from now on."""
    application = _reviewable(user, application)
    if not reason.strip():
        raise ValidationError({"reason": _("Say briefly why (the fund manager reads it).")})
    return _review_put(
        application,
        user,
        conflict=True,
        conflict_reason=reason.strip(),
        recommendation="",
        comment="",
    )


@transaction.atomic
def applications_rank(*, user: User, round_: Round, ranks: dict[int, int | None]) -> None:
    """The fund manager's ranking of a committee round's applications (1 = first; each rank
    once)."""
    round_ = _managed_round(user, round_)
    if not round_.is_committee:
        raise ValidationError(_("Only a committee round is ranked."))
    given = [rank for rank in ranks.values() if rank is not None]
    if len(given) != len(set(given)):
        raise ValidationError(_("Give each rank once."))
    applications = {a.pk: a for a in round_.applications.filter(pk__in=list(ranks))}
    if set(applications) != set(ranks):
        raise PermissionDenied
    for pk, rank in ranks.items():
        applications[pk].rank = rank
    # The rank is not public: no page-cache generation to bump.
    Application.objects.bulk_update(applications.values(), ["rank"])


# --- Reads ----------------------------------------------------------------------------------


def committee_rounds(user: User) -> QuerySet[Round]:
    """The rounds whose committee the user is in, newest first."""
    return (
        Round.objects.filter(committee__user=user)
        .select_related("fund")
        .order_by("-opens_on", "name", "pk")
    )


def applications_for_committee(user: User, round_: Round) -> QuerySet[Application]:
    """The round's submitted applications a committee member sees: not those they declared a
    conflict on. Loads no personal field's relation (payee and IBAN stay unread)."""
    if not is_committee_member(user, round_):
        raise PermissionDenied
    return (
        round_.applications.filter(status__in=SHOWN_TO_COMMITTEE)
        # One subquery: an exclude() over two conditions on `reviews` could match them on two
        # different reviews (someone else's conflict would hide it too).
        .exclude(pk__in=Review.objects.filter(reviewer=user, conflict=True).values("application"))
        .select_related("initiative")
        .prefetch_related(
            Prefetch("reviews", queryset=Review.objects.filter(reviewer=user), to_attr="mine")
        )
        .order_by("submitted_at", "pk")
    )


def weighted(review: Review, weights: dict[int, int]) -> int:
    """A review's weighted total: each score times its criterion's weight."""
    return sum(score.score * weights.get(score.criterion_id, 0) for score in review.scores.all())


@dataclass
class ReviewRow:
    """One application in the side-by-side view: each reviewer's review (or None)."""

    application: Application
    cells: list[tuple[Review | None, int | None]]  # each reviewer's review and weighted total
    totals: dict[int, int] = field(default_factory=dict)  # weighted, by review pk
    average: Decimal | None = None
    counts: Counter = field(default_factory=Counter)


@dataclass
class ReviewTable:
    criteria: list[Criterion]
    reviewers: list[User]
    rows: list[ReviewRow]
    highest: int  # the highest weighted total a review can reach


def review_table(round_: Round) -> ReviewTable:
    """Every review of a committee round side by side: application × reviewer, with weighted
    totals, the average of the reviews (conflicts left out) and the recommendations counted;
    ranked rows first in their rank, then by average score (highest first)."""
    criteria = list(round_.criteria.all())
    weights = {c.pk: c.weight for c in criteria}
    applications = list(
        round_.applications.exclude(status__in=(Status.DRAFT, Status.WITHDRAWN))
        .select_related("initiative")
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=Review.objects.select_related("reviewer").prefetch_related("scores"),
            )
        )
    )
    reviewers = {m.user_id: m.user for m in round_.committee.select_related("user")}
    for application in applications:
        for review in application.reviews.all():
            if review.reviewer_id is not None:
                reviewers.setdefault(review.reviewer_id, review.reviewer)
    ordered = sorted(reviewers.values(), key=lambda u: (str(u).lower(), u.pk))
    rows = []
    for application in applications:
        by_reviewer = {r.reviewer_id: r for r in application.reviews.all()}
        row = ReviewRow(application, [])
        opinions = [r for r in application.reviews.all() if not r.conflict]
        for review in opinions:
            row.totals[review.pk] = weighted(review, weights)
            row.counts[review.recommendation] += 1
        for reviewer in ordered:
            review = by_reviewer.get(reviewer.pk)
            row.cells.append((review, row.totals.get(review.pk) if review else None))
        if opinions:
            mean = Decimal(sum(row.totals.values())) / len(opinions)
            row.average = mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        rows.append(row)

    def order(row: ReviewRow) -> tuple:
        rank = row.application.rank
        average = row.average if row.average is not None else Decimal(-1)
        return (rank is None, rank or 0, -average, row.application.submitted_at)

    rows.sort(key=order)
    highest = sum(c.max_score * c.weight for c in criteria)
    return ReviewTable(criteria, ordered, rows, highest)
