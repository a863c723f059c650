"""`make bench-equivalence`: the set-wise SQL recompute equals the pure function at scale.

The suite checks the same property on generated small inputs
(tests/test_recompute_all.py::test_sql_recompute_equals_the_pure_function_on_generated_inputs,
tests/test_method_engine.py on random catalogues); this runs it on 10,000 initiatives for
every method version, and prints the timings. For 2027.1 the initiatives also declare
activities of its catalogue and report their indicators, some above the plausible maximum.
"""

# A pytest module like those in tests/ (whose ruff ignores pyproject.toml lists): asserts,
# seeded random data.
# ruff: noqa: S101, S311

import random
import time
from decimal import Decimal

import pytest

from impact.models import (
    HandprintResult,
    IndicatorQuantity,
    InitiativeActivity,
    MethodActivity,
    MethodIndicator,
    MethodVersion,
    RecomputeJob,
)
from impact.recompute import recompute_all
from initiatives.models import ActivityReport
from tests.recompute_checks import (
    MONTHS,
    TODAY,
    add_inputs,
    assert_matches_pure_function,
    bulk_initiatives,
    new_rows,
    random_inputs,
    random_reports,
    save_rows,
)

INITIATIVES = 10_000


def random_activity_inputs(rng: random.Random, initiative_ids: list[int], code: str) -> None:
    """0–5 SDGs, 0–24 months of reports, 0–3 activities of the version and their indicators.

    Each indicator an initiative's activities report gets a quantity in a random 60–100 % of
    the 24 months (some of them months without a report); 1 in 50 is above the version's
    plausible maximum, and any quantity may have been accepted or rejected.
    """
    version = MethodVersion.objects.get(code=code)
    activities = {
        activity.activity.code: activity.indicator_codes
        for activity in MethodActivity.objects.filter(version=version).select_related("activity")
    }
    limits = {
        entry.indicator.code: entry.plausibility_max
        for entry in MethodIndicator.objects.filter(version=version).select_related("indicator")
    }
    rows = new_rows()
    for initiative_id in initiative_ids:
        reports = random_reports(rng)
        declared = rng.sample(sorted(activities), rng.randint(0, 3))
        quantities = {}
        for indicator in {code for activity in declared for code in activities[activity]}:
            limit = limits[indicator] or Decimal(1000)
            for month in rng.sample(MONTHS[12:], rng.randint(14, 24)):
                high = rng.random() < 0.02
                quantity = limit * Decimal(rng.uniform(1.01, 2) if high else rng.random())
                review = rng.choice(["", "", "", "accepted", "rejected"])
                quantities[(indicator, month)] = (quantity.quantize(Decimal("0.01")), review)
        add_inputs(
            initiative_id,
            sdgs=rng.sample(range(1, 18), rng.randint(0, 5)),
            reports=reports,
            quantities=quantities,
            activities=declared,
            rows=rows,
        )
    save_rows(rows)


@pytest.mark.django_db
@pytest.mark.parametrize("version_code", ["2026.1", "test.priced", "2027.1"])
def test_sql_recompute_of_10000_initiatives_equals_the_pure_function(
    priced_version: MethodVersion, version_code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 10,000 initiatives with varied SDGs, months, hours and optional quantities (for
    # 2027.1: activities of its catalogue and their indicators' quantities)
    version = MethodVersion.objects.get(code=version_code)
    initiative_ids = bulk_initiatives(INITIATIVES)
    if version_code == "2027.1":
        random_activity_inputs(random.Random(20261206), initiative_ids, version_code)
    else:
        random_inputs(random.Random(20260715), initiative_ids)
    chunks: list[float] = []
    started = time.monotonic()

    # When everything is recomputed set-wise
    job = recompute_all(
        version=version, today=TODAY, progress=lambda *_: chunks.append(time.monotonic())
    )
    seconds = time.monotonic() - started
    per_chunk = [b - a for a, b in zip(chunks, chunks[1:], strict=False)]

    # Then every stored figure equals the pure function's, to the cent, lines included
    assert job.status == RecomputeJob.Status.DONE
    assert (job.done, job.total) == (INITIATIVES, INITIATIVES)
    checking = time.monotonic()
    assert_matches_pure_function(initiative_ids, version)
    print(  # noqa: T201 - the figures docs/performance.md records
        f"\n[equivalence] {version_code}: {INITIATIVES:,} initiatives, "
        f"{ActivityReport.objects.count():,} reports, "
        f"{InitiativeActivity.objects.count():,} activities, "
        f"{IndicatorQuantity.objects.count():,} quantities, "
        f"{HandprintResult.objects.filter(version=version).count():,} results equal to the pure "
        f"function; recompute {seconds:.2f} s (chunks of 5,000: "
        f"{', '.join(f'{s:.2f} s' for s in per_chunk)}), check {time.monotonic() - checking:.1f} s"
    )
