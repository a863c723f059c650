"""`make bench-equivalence`: the set-wise SQL recompute equals the pure function at scale.

The suite checks the same property on generated small inputs
(tests/test_recompute_all.py::test_sql_recompute_equals_the_pure_function_on_generated_inputs);
this runs it on 10,000 initiatives for every method version, and prints the timings.
"""

# A pytest module like those in tests/ (whose ruff ignores pyproject.toml lists): asserts,
# seeded random data.
# ruff: noqa: S101, S311

import random
import time

import pytest

from impact.models import HandprintResult, MethodVersion, RecomputeJob
from impact.recompute import recompute_all
from initiatives.models import ActivityReport
from tests.recompute_checks import (
    TODAY,
    assert_matches_pure_function,
    bulk_initiatives,
    random_inputs,
)

INITIATIVES = 10_000


@pytest.mark.django_db
@pytest.mark.parametrize("version_code", ["2026.1", "test.priced"])
def test_sql_recompute_of_10000_initiatives_equals_the_pure_function(
    priced_version: MethodVersion, version_code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 10,000 initiatives with varied SDGs, months, hours and optional quantities
    version = MethodVersion.objects.get(code=version_code)
    initiative_ids = bulk_initiatives(INITIATIVES)
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
        f"{HandprintResult.objects.filter(version=version).count():,} results equal to the pure "
        f"function; recompute {seconds:.2f} s (chunks of 5,000: "
        f"{', '.join(f'{s:.2f} s' for s in per_chunk)}), check {time.monotonic() - checking:.1f} s"
    )
