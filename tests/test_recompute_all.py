"""The set-wise SQL recompute stores exactly what the pure function computes, resumably, once."""

import datetime
import random
from decimal import Decimal
from io import StringIO
from unittest.mock import patch

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from impact import recompute
from impact.methods import versions_in_use
from impact.models import (
    AreaState,
    HandprintResult,
    HandprintState,
    MethodVersion,
    RecomputeJob,
)
from impact.recompute import LOCK_KEY, recompute_all, recompute_if_due
from impact.services import compute_for, store_results
from impact.tasks import recompute_if_due_task
from initiatives.models import ActivityReport, Initiative, InitiativeGoal
from tests.factories import InitiativeFactory
from tests.recompute_checks import (
    MONTHS,
    OPTIONAL,
    RESULT_FIELDS,
    SDG_FIELDS,
    TODAY,
    add_inputs,
    assert_matches_pure_function,
    bulk_initiatives,
    copy_of_2026,
    new_rows,
    priced_version_create,
    random_inputs,
    save_rows,
)

Status = Initiative.Status


class Rollback(Exception):
    """Undoes one hypothesis example's rows."""


@pytest.fixture
def v2026(db) -> MethodVersion:
    return MethodVersion.objects.get(code="2026.1")


@pytest.fixture
def priced_version(db) -> MethodVersion:
    """Prices optional indicators, with factors and fixed splits that force remainders and ties."""
    return priced_version_create()


# --- Equal to the pure function -----------------------------------------------------------------


hours_tenths = st.one_of(
    st.integers(0, 7440),
    # x.5 hours × 14.71 ends in half a cent: the rounding case.
    st.integers(0, 743).map(lambda h: h * 10 + 5),
)
report = st.one_of(
    st.tuples(
        hours_tenths.map(lambda t: Decimal(t) / 10),
        st.integers(10, 13),  # ≥ 10 volunteers fit 744 hours; few values make .5 averages
        st.integers(0, 5),
    ),
    # The spread of the 10,000-initiative check in bench/equivalence.py: 1–30 volunteers,
    # up to 40 hours each, 0–250 people.
    st.integers(1, 30).flatmap(
        lambda volunteers: st.tuples(
            st.integers(0, volunteers * 400).map(lambda t: Decimal(t) / 10),
            st.just(volunteers),
            st.integers(0, 250),
        )
    ),
)
initiative_inputs = st.fixed_dictionaries(
    {
        "status": st.sampled_from(list(Status)),
        # No SDG at all is a case of its own: the value has nowhere to go.
        "sdgs": st.lists(st.integers(1, 17), max_size=5, unique=True),
        "reports": st.dictionaries(st.sampled_from(MONTHS), report, max_size=24),
        "quantities": st.dictionaries(
            st.tuples(st.sampled_from(OPTIONAL), st.sampled_from(MONTHS)),
            st.integers(0, 99_999).map(lambda c: Decimal(c) / 100),
            max_size=5,
        ),
    }
)


@pytest.mark.django_db
@pytest.mark.parametrize("version_code", ["2026.1", "test.priced"])
@hsettings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(initiatives=st.lists(initiative_inputs, min_size=1, max_size=5))
def test_sql_recompute_equals_the_pure_function_on_generated_inputs(
    priced_version: MethodVersion, version_code: str, initiatives: list[dict]
) -> None:
    # Every method version the 10,000-initiative check covered, each with the profile's
    # number of examples (tests/conftest.py; bench/equivalence.py runs it at scale).
    version = MethodVersion.objects.get(code=version_code)
    try:
        with transaction.atomic():
            # Given generated inputs, initiatives of any status
            initiative_ids = bulk_initiatives(len(initiatives))
            rows = new_rows()
            for initiative_id, inputs in zip(initiative_ids, initiatives, strict=True):
                Initiative.objects.filter(pk=initiative_id).update(status=inputs["status"])
                add_inputs(
                    initiative_id,
                    sdgs=inputs["sdgs"],
                    reports=inputs["reports"],
                    quantities=inputs["quantities"],
                    rows=rows,
                )
            save_rows(rows)
            # When they are recomputed set-wise, in chunks of two
            job = recompute_all(version=version, today=TODAY, chunk_size=2)
            # Then every initiative was done once, and every stored figure, line and SDG
            # share is the pure function's, to the cent
            assert job.status == RecomputeJob.Status.DONE
            assert (job.done, job.total) == (len(initiatives), len(initiatives))
            assert_matches_pure_function(initiative_ids, version)
            raise Rollback
    except Rollback:
        pass


@pytest.mark.django_db
def test_sql_rows_equal_what_store_results_writes(priced_version: MethodVersion) -> None:
    # Given an initiative with reports, a quantity-only month and three SDGs
    [initiative_id] = bulk_initiatives(1)
    rows = new_rows()
    add_inputs(
        initiative_id,
        sdgs=[11, 2, 13],
        reports={
            datetime.date(2025, 11, 1): (Decimal("12.5"), 3, 7),
            datetime.date(2026, 2, 1): (Decimal("0.5"), 1, 2),
        },
        quantities={
            ("meals_served", datetime.date(2025, 12, 1)): Decimal("3.00"),
            ("shared_energy_kwh", datetime.date(2026, 2, 1)): Decimal("101.01"),
        },
        rows=rows,
    )
    save_rows(rows)

    # When the SQL path and the per-initiative path each store their rows
    recompute_all(version=priced_version, today=TODAY)
    by_sql = rows_as_stored(initiative_id, priced_version)
    store_results(
        initiative_id=initiative_id,
        version=priced_version,
        inputs_version=0,
        handprints=compute_for(initiative_id, priced_version, TODAY),
    )

    # Then the rows are the same
    assert by_sql == rows_as_stored(initiative_id, priced_version)
    assert len(by_sql) == 3  # the rolling window, 2025 and 2026


def rows_as_stored(initiative_id: int, version: MethodVersion) -> dict:
    return {
        (r.period_kind, r.period_start): (
            [getattr(r, field) for field in RESULT_FIELDS],
            list(r.sdgs.values_list("goal_id", *SDG_FIELDS)),
        )
        for r in HandprintResult.objects.filter(initiative_id=initiative_id, version=version)
    }


@pytest.mark.django_db
def test_an_initiative_without_reports_gets_a_zero_rolling_result(v2026: MethodVersion) -> None:
    initiative = InitiativeFactory()
    InitiativeGoal.objects.create(initiative=initiative, goal_id=3, position=1)

    recompute_all(version=v2026, today=TODAY)

    result = HandprintResult.objects.get(initiative=initiative)
    assert (result.period_kind, result.period_start) == ("rolling12", datetime.date(2025, 7, 1))
    assert (result.months_reported, result.value_central) == (0, Decimal("0.00"))
    assert list(result.sdgs.values_list("goal_id", "value_central", "hours", "people")) == [
        (3, Decimal("0.00"), Decimal("0.0"), 0)
    ]
    assert_matches_pure_function([initiative.pk], v2026)


@pytest.mark.django_db
def test_recompute_all_replaces_old_results_and_marks_states_fresh(v2026: MethodVersion) -> None:
    # Given one initiative with a stale state and an old result, one without any state
    stale, new = InitiativeFactory(), InitiativeFactory()
    HandprintState.objects.create(initiative=stale, inputs_version=3, stale_since=timezone.now())
    ActivityReport.objects.create(
        initiative=stale,
        month=datetime.date(2026, 1, 1),
        volunteer_hours=Decimal("12.5"),
        active_volunteers=2,
        people_reached=7,
    )
    recompute_all(version=v2026, today=datetime.date(2026, 2, 10))
    areas_before = AreaState.objects.get().inputs_version

    # When everything is recomputed for a later window
    recompute_all(version=v2026, today=TODAY)

    # Then the old window's results are gone, the states are fresh, the areas marked stale
    assert set(
        HandprintResult.objects.filter(initiative=stale).values_list("period_kind", "period_start")
    ) == {("rolling12", datetime.date(2025, 7, 1)), ("year", datetime.date(2026, 1, 1))}
    states = {s.pk: s for s in HandprintState.objects.filter(pk__in=[stale.pk, new.pk])}
    assert (states[stale.pk].computed_version, states[stale.pk].stale_since) == (3, None)
    assert (states[new.pk].inputs_version, states[new.pk].computed_version) == (0, 0)
    assert states[new.pk].computed_at is not None
    assert AreaState.objects.get().inputs_version == areas_before + 1
    assert HandprintResult.objects.get(
        initiative=stale, period_kind="year"
    ).volunteer_hours == Decimal("12.5")
    assert_matches_pure_function([stale.pk, new.pk], v2026)


# --- Resumable --------------------------------------------------------------------------------


def crash_after_first_chunk(done: int, total: int) -> None:
    """A progress callback that dies once the first chunk is committed (the first call is 0)."""
    if done:
        raise KeyboardInterrupt


@pytest.mark.django_db
def test_a_crashed_recompute_resumes_after_its_last_chunk(v2026: MethodVersion) -> None:
    # Given a recompute that crashes right after committing its first chunk of 100
    initiative_ids = bulk_initiatives(250)
    random_inputs(random.Random(7), initiative_ids)

    with pytest.raises(KeyboardInterrupt):
        recompute_all(version=v2026, today=TODAY, chunk_size=100, progress=crash_after_first_chunk)
    job = RecomputeJob.objects.get()
    assert (job.status, job.done, job.total) == (RecomputeJob.Status.RUNNING, 100, 250)
    assert job.error == "KeyboardInterrupt()"
    assert job.last_initiative_id == initiative_ids[99]
    first_chunk = set(
        HandprintResult.objects.filter(initiative_id__in=initiative_ids[:100]).values_list(
            "pk", "computed_at"
        )
    )
    assert not HandprintResult.objects.filter(initiative_id__in=initiative_ids[100:]).exists()

    # When it runs again
    calls: list[tuple[int, int]] = []
    resumed = recompute_all(
        version=v2026, today=TODAY, chunk_size=100, progress=lambda *a: calls.append(a)
    )

    # Then it continued the same job without recomputing the first chunk
    assert resumed.pk == job.pk
    assert calls == [(100, 250), (200, 250), (250, 250)]
    assert (resumed.status, resumed.done, resumed.total) == (RecomputeJob.Status.DONE, 250, 250)
    assert (
        set(
            HandprintResult.objects.filter(initiative_id__in=initiative_ids[:100]).values_list(
                "pk", "computed_at"
            )
        )
        == first_chunk
    )
    assert_matches_pure_function(initiative_ids, v2026)


@pytest.mark.django_db
def test_restart_supersedes_a_crashed_job(v2026: MethodVersion) -> None:
    InitiativeFactory.create_batch(3)

    with pytest.raises(KeyboardInterrupt):
        recompute_all(version=v2026, today=TODAY, chunk_size=1, progress=crash_after_first_chunk)

    job = recompute_all(version=v2026, today=TODAY, resume=False)

    crashed = RecomputeJob.objects.exclude(pk=job.pk).get()
    assert (crashed.status, crashed.error) == (RecomputeJob.Status.FAILED, "superseded")
    assert (job.status, job.done) == (RecomputeJob.Status.DONE, 3)


# --- When it runs -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_recompute_if_due_runs_once_per_window(v2026: MethodVersion) -> None:
    InitiativeFactory.create_batch(2)

    [first] = recompute_if_due(today=TODAY)

    assert (first.version, first.period_end, first.status) == (
        v2026,
        datetime.date(2026, 7, 1),
        RecomputeJob.Status.DONE,
    )
    assert recompute_if_due(today=TODAY + datetime.timedelta(days=10)) == []
    [next_month] = recompute_if_due(today=datetime.date(2026, 8, 1))
    assert next_month.period_end == datetime.date(2026, 8, 1)


@pytest.mark.django_db
def test_recompute_if_due_runs_when_a_new_method_version_becomes_valid(
    v2026: MethodVersion,
) -> None:
    InitiativeFactory()
    recompute_if_due(today=TODAY)
    new = copy_of_2026("2026.2", datetime.date(2026, 7, 10))

    [job] = recompute_if_due(today=TODAY)

    assert (job.version, job.status) == (new, RecomputeJob.Status.DONE)
    assert HandprintResult.objects.filter(version=new).count() == 1
    assert recompute_if_due(today=TODAY) == []
    # A month later both the current version and the one before it are recomputed
    jobs = recompute_if_due(today=datetime.date(2026, 8, 3))
    assert [j.version for j in jobs] == [new, v2026]
    assert {j.period_end for j in jobs} == {datetime.date(2026, 8, 1)}


@pytest.mark.django_db
def test_the_beat_task_runs_the_due_recompute(v2026: MethodVersion) -> None:
    InitiativeFactory()

    job_ids = recompute_if_due_task()

    # Today: 2027.2 is current and 2027.1 the version before it
    jobs = [RecomputeJob.objects.get(pk=pk) for pk in job_ids]
    assert [(j.version.code, j.status) for j in jobs] == [
        ("2027.2", RecomputeJob.Status.DONE),
        ("2027.1", RecomputeJob.Status.DONE),
    ]
    assert recompute_if_due_task() == []


@pytest.mark.django_db
def test_recompute_if_due_skips_while_another_session_holds_the_lock(
    v2026: MethodVersion,
) -> None:
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        host=settings["HOST"],
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])

        assert recompute_if_due(today=TODAY) == []

    assert not RecomputeJob.objects.exists()


# --- The command --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_prints_progress_and_a_summary(v2026: MethodVersion) -> None:
    InitiativeFactory.create_batch(4)
    out = StringIO()

    call_command(
        "recompute_handprints", "--all", "--method", "2026.1", "--chunk-size", "2", stdout=out
    )

    lines = out.getvalue().splitlines()
    assert lines[0] == "Recomputing handprints with method 2026.1 …"
    assert lines[1] == "[" + "-" * 30 + "] 0/4 initiatives, 0/s"
    assert lines[2].startswith("[" + "#" * 15 + "-" * 15 + "] 2/4 initiatives, ")
    assert lines[3].startswith("[" + "#" * 30 + "] 4/4 initiatives, ")
    assert lines[4].startswith("Done: 4 initiatives, 4 results in ")
    assert lines[4].endswith(" rows/s).")


@pytest.mark.django_db
def test_command_resumes_an_interrupted_run_and_says_so(v2026: MethodVersion) -> None:
    InitiativeFactory.create_batch(4)
    with pytest.raises(KeyboardInterrupt):
        recompute_all(version=v2026, chunk_size=2, progress=crash_after_first_chunk)
    out = StringIO()

    call_command("recompute_handprints", "--method", "2026.1", "--chunk-size", "2", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[1] == "[" + "#" * 15 + "-" * 15 + "] 2/4 initiatives, 0/s"
    assert lines[3].startswith("Done: 2 initiatives (resumed after 2), 2 results in ")


@pytest.mark.django_db
def test_command_refuses_an_unknown_method_version(v2026: MethodVersion) -> None:
    with pytest.raises(CommandError, match="No method version 'nope'"):
        call_command("recompute_handprints", "--method", "nope", stdout=StringIO())


@pytest.mark.django_db
def test_command_without_a_version_recomputes_both_versions_in_use() -> None:
    # The profiles and area pages compare the current version with the one before it.
    InitiativeFactory.create_batch(2)
    out = StringIO()

    call_command("recompute_handprints", "--all", stdout=out)

    in_use = [version.code for version in versions_in_use()]
    assert len(in_use) == 2
    started = [line for line in out.getvalue().splitlines() if line.startswith("Recomputing")]
    assert started == [f"Recomputing handprints with method {code} …" for code in in_use]
    for code in in_use:
        assert HandprintResult.objects.filter(version__code=code).count() == 2


# --- Chunks side by side ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_chunks_run_side_by_side_in_their_own_sessions(reference_data, settings) -> None:
    # Given committed inputs (outside a transaction chunks can run in their own sessions)
    settings.RECOMPUTE_WORKERS = 3
    version = MethodVersion.objects.get(code="2027.1")
    initiative_ids = bulk_initiatives(23)
    random_inputs(random.Random(20261206), initiative_ids)
    sessions: set[int] = set()
    real_chunk = recompute._recompute_chunk

    def spy(**chunk):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            sessions.add(cursor.fetchone()[0])
        real_chunk(**chunk)

    # When everything is recomputed in chunks of 4, three at a time
    with patch.object(recompute, "_recompute_chunk", spy):
        seen: list[tuple[int, int]] = []
        job = recompute_all(
            version=version, today=TODAY, chunk_size=4, progress=lambda *p: seen.append(p)
        )

    # Then the waves ran in several sessions, the job advanced per wave of 12, and every
    # stored figure is the pure function's
    assert len(sessions) > 1
    assert (job.status, job.done, job.total) == (RecomputeJob.Status.DONE, 23, 23)
    assert [done for done, _ in seen] == [0, 12, 23]
    assert_matches_pure_function(initiative_ids, version)


@pytest.mark.django_db(transaction=True)
def test_a_wave_that_fails_is_redone_on_resume_never_skipped(reference_data, settings) -> None:
    settings.RECOMPUTE_WORKERS = 2
    version = MethodVersion.objects.get(code="2027.1")
    initiative_ids = bulk_initiatives(12)
    random_inputs(random.Random(7), initiative_ids)
    real_chunk = recompute._recompute_chunk
    third = initiative_ids[7]  # the last id of the second chunk of the first wave

    def failing(**chunk):
        if chunk["hi"] == third:
            raise RuntimeError("the database went away")
        real_chunk(**chunk)

    # Given a run whose first wave fails in its second chunk (the first one committed)
    with patch.object(recompute, "_recompute_chunk", failing), pytest.raises(RuntimeError):
        recompute_all(version=version, today=TODAY, chunk_size=4)
    job = RecomputeJob.objects.get()
    assert (job.status, job.done, job.last_initiative_id) == (RecomputeJob.Status.RUNNING, 0, 0)

    # When it is run again
    job = recompute_all(version=version, today=TODAY, chunk_size=4)

    # Then it resumed the same job from the start of that wave, and everything is right
    assert (job.pk, job.status, job.done) == (RecomputeJob.objects.get().pk, "done", 12)
    assert_matches_pure_function(initiative_ids, version)
