"""The set-wise SQL recompute stores exactly what the pure function computes, resumably, once."""

import datetime
import random
import time
import uuid
from decimal import Decimal
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from impact import services
from impact.models import (
    AreaState,
    HandprintResult,
    HandprintSdg,
    HandprintState,
    Indicator,
    IndicatorQuantity,
    MethodIndicator,
    MethodVersion,
    RecomputeJob,
)
from impact.recompute import LOCK_KEY, recompute_all, recompute_if_due
from impact.scoring import MonthInput, month_add
from impact.services import compute_for, line_json, load_inputs, store_results
from impact.tasks import recompute_if_due_task
from initiatives.models import ActivityReport, Initiative, InitiativeGoal
from tests.factories import InitiativeFactory, MunicipalityFactory

Status = Initiative.Status

TODAY = datetime.date(2026, 7, 15)
# 2023-07 … 2026-06: three calendar years and the rolling window 2025-07 … 2026-06.
MONTHS = [month_add(datetime.date(2023, 7, 1), i) for i in range(36)]
OPTIONAL = ["meals_served", "waste_collected_kg", "shared_energy_kwh", "language_lesson_hours"]

RESULT_FIELDS = [
    "period_end",
    "inputs_version",
    "months_reported",
    "volunteer_hours",
    "volunteers_avg",
    "volunteers_max",
    "people_avg",
    "people_max",
    "value_low",
    "value_central",
    "value_high",
    "lines",
]
SDG_FIELDS = ["value_low", "value_central", "value_high", "hours", "people"]


class Rollback(Exception):
    """Undoes one hypothesis example's rows."""


# --- Fixtures and builders ----------------------------------------------------------------------


@pytest.fixture
def v2026(db) -> MethodVersion:
    return MethodVersion.objects.get(code="2026.1")


def make_version(code: str, valid_from: datetime.date, entries: list[dict]) -> MethodVersion:
    version = MethodVersion.objects.create(code=code, name=code, valid_from=valid_from)
    indicators = {i.code: i for i in Indicator.objects.all()}
    for entry in entries:
        MethodIndicator.objects.create(
            version=version, indicator=indicators[entry.pop("indicator")], **entry
        )
    version.published_at = timezone.now()
    version.save(update_fields=["published_at"])
    return version


def priced(low: str, central: str, high: str, **more: object) -> dict:
    return {
        "unit_value_low": Decimal(low),
        "unit_value_central": Decimal(central),
        "unit_value_high": Decimal(high),
        "value_source": "test",
        **more,
    }


@pytest.fixture
def priced_version(db) -> MethodVersion:
    """Prices optional indicators, with factors and fixed splits that force remainders and ties."""
    return make_version(
        "test.priced",
        datetime.date(2099, 1, 1),
        [
            {
                "indicator": "volunteer_hours",
                "split": "own",
                **priced("9.30", "14.71", "20.00", deadweight=Decimal("0.5")),
            },
            {"indicator": "people_reached", "split": "own"},
            {
                "indicator": "meals_served",
                "split": "fixed",
                "fixed_split": {"2": "1"},
                **priced(
                    "2.15", "3.35", "4.05", deadweight=Decimal("0.125"), attribution=Decimal("0.8")
                ),
            },
            {
                "indicator": "waste_collected_kg",
                "split": "fixed",
                "fixed_split": {"12": "0.5", "11": "0.5"},
                **priced("0.05", "0.15", "0.25"),
            },
            {
                "indicator": "shared_energy_kwh",
                "split": "fixed",
                "fixed_split": {"13": "1/3", "7": "1/3", "1": "1/3"},
                **priced("0.11", "0.23", "0.31"),
            },
            {
                "indicator": "rides_elderly",
                "split": "own",
                **priced("5.00", "7.50", "10.00", attribution=Decimal("0.9")),
            },
        ],
    )


def copy_of_2026(code: str, valid_from: datetime.date) -> MethodVersion:
    entries = [
        {
            "indicator": e.indicator.code,
            "split": e.split,
            "fixed_split": e.fixed_split,
            "unit_value_low": e.unit_value_low,
            "unit_value_central": e.unit_value_central,
            "unit_value_high": e.unit_value_high,
            "value_source": e.value_source,
        }
        for e in MethodVersion.objects.get(code="2026.1").entries.select_related("indicator")
    ]
    return make_version(code, valid_from, entries)


def bulk_initiatives(count: int) -> list[int]:
    """Initiatives of every status (the recompute covers them all), in ascending id order."""
    municipality, prefix, statuses = MunicipalityFactory(), uuid.uuid4().hex[:8], list(Status)
    created = Initiative.objects.bulk_create(
        Initiative(
            name=f"Buurtinitiatief {n}",
            slug=f"recompute-{prefix}-{n}",
            summary="Samen doen.",
            kind=Initiative.Kind.OTHER,
            municipality=municipality,
            status=statuses[n % len(statuses)],
            published_at=timezone.now(),
        )
        for n in range(count)
    )
    return [initiative.pk for initiative in created]


def add_inputs(
    initiative_id: int,
    *,
    sdgs: list[int],
    reports: dict[datetime.date, tuple[Decimal, int, int]],
    quantities: dict[tuple[str, datetime.date], Decimal],
    rows: dict[str, list],
) -> None:
    rows["goals"] += [(initiative_id, g, p) for p, g in enumerate(sdgs, start=1)]
    rows["reports"] += [(initiative_id, month, *figures) for month, figures in reports.items()]
    rows["quantities"] += [(initiative_id, code, m, q) for (code, m), q in quantities.items()]


def save_rows(rows: dict[str, list]) -> None:
    """Inserts the inputs in three statements: 120,000 reports through the ORM take 10 s."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO initiatives_initiativegoal (initiative_id, goal_id, position)
            SELECT * FROM unnest(%s::bigint[], %s::int[], %s::int[])
            """,
            columns(rows["goals"], 3),
        )
        cursor.execute(
            """
            INSERT INTO initiatives_activityreport
                (initiative_id, month, volunteer_hours, active_volunteers, people_reached,
                 revision, created_at, updated_at)
            SELECT *, 1, now(), now()
            FROM unnest(%s::bigint[], %s::date[], %s::numeric[], %s::int[], %s::int[])
            """,
            columns(rows["reports"], 5),
        )
        cursor.execute(
            """
            INSERT INTO impact_indicatorquantity (initiative_id, indicator_id, month, quantity,
                                                  updated_at)
            SELECT q.initiative_id, i.id, q.month, q.quantity, now()
            FROM unnest(%s::bigint[], %s::text[], %s::date[], %s::numeric[])
                AS q(initiative_id, code, month, quantity)
            JOIN impact_indicator i ON i.code = q.code
            """,
            columns(rows["quantities"], 4),
        )


def columns(rows: list[tuple], width: int) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width


def new_rows() -> dict[str, list]:
    return {"goals": [], "reports": [], "quantities": []}


def random_inputs(rng: random.Random, initiative_ids: list[int]) -> None:
    """0–5 SDGs, 0–24 months with fractional hours, sometimes optional quantities."""
    rows = new_rows()
    for initiative_id in initiative_ids:
        reports = {}
        for month in rng.sample(MONTHS[12:], rng.randint(0, 24)):
            volunteers = rng.randint(1, 30)
            hours = Decimal(rng.randint(0, volunteers * 400)) / 10
            reports[month] = (hours, volunteers, rng.randint(0, 250))
        quantities = {}
        if rng.random() < 0.2:
            for _ in range(rng.randint(1, 4)):
                key = (rng.choice(OPTIONAL), rng.choice(MONTHS))
                quantities[key] = Decimal(rng.randint(0, 50_000)) / 100
        add_inputs(
            initiative_id,
            sdgs=rng.sample(range(1, 18), rng.randint(0, 5)),
            reports=reports,
            quantities=quantities,
            rows=rows,
        )
    save_rows(rows)


def bulk_load_inputs(initiative_ids: list[int]) -> dict[int, tuple[list[int], list[MonthInput]]]:
    """services.load_inputs for many initiatives in three queries (checked equal on a sample)."""
    sdgs: dict[int, list[int]] = {i: [] for i in initiative_ids}
    for initiative_id, goal in (
        InitiativeGoal.objects.filter(initiative_id__in=initiative_ids)
        .order_by("initiative_id", "position")
        .values_list("initiative_id", "goal_id")
    ):
        sdgs[initiative_id].append(goal)
    quantities: dict[tuple[int, datetime.date], dict[str, Decimal]] = {}
    for initiative_id, month, code, quantity in IndicatorQuantity.objects.filter(
        initiative_id__in=initiative_ids
    ).values_list("initiative_id", "month", "indicator__code", "quantity"):
        quantities.setdefault((initiative_id, month), {})[code] = quantity
    months: dict[int, dict[datetime.date, MonthInput]] = {i: {} for i in initiative_ids}
    for initiative_id, month, hours, volunteers, people in ActivityReport.objects.filter(
        initiative_id__in=initiative_ids
    ).values_list(
        "initiative_id", "month", "volunteer_hours", "active_volunteers", "people_reached"
    ):
        values = quantities.get((initiative_id, month), {})
        months[initiative_id][month] = MonthInput(month, hours, volunteers, people, values)
    for (initiative_id, month), values in quantities.items():
        months[initiative_id].setdefault(month, MonthInput(month, Decimal(0), 0, 0, values))
    return {i: (sdgs[i], list(months[i].values())) for i in initiative_ids}


# --- Comparing the two paths --------------------------------------------------------------------


def expected_figures(
    initiative_ids: list[int], version: MethodVersion, today: datetime.date
) -> tuple[dict, dict]:
    states = dict(HandprintState.objects.values_list("pk", "inputs_version"))
    results, sdgs = {}, {}
    for initiative_id in initiative_ids:
        for h in compute_for(initiative_id, version, today):
            key = (initiative_id, h.period.kind, h.period.start)
            results[key] = {
                "period_end": h.period.end,
                "inputs_version": states.get(initiative_id, 0),
                "months_reported": h.months_reported,
                "volunteer_hours": h.volunteer_hours,
                "volunteers_avg": h.volunteers_avg,
                "volunteers_max": h.volunteers_max,
                "people_avg": h.people_avg,
                "people_max": h.people_max,
                "value_low": h.value["low"],
                "value_central": h.value["central"],
                "value_high": h.value["high"],
                "lines": [line_json(line) for line in h.lines],
            }
            for sdg, figures in h.sdgs.items():
                sdgs[(*key, sdg)] = {
                    "value_low": figures.value["low"],
                    "value_central": figures.value["central"],
                    "value_high": figures.value["high"],
                    "hours": figures.hours,
                    "people": figures.people,
                }
    return results, sdgs


def stored_figures(initiative_ids: list[int], version: MethodVersion) -> tuple[dict, dict]:
    results = {
        (row.pop("initiative_id"), row.pop("period_kind"), row.pop("period_start")): row
        for row in HandprintResult.objects.filter(
            version=version, initiative_id__in=initiative_ids
        ).values("initiative_id", "period_kind", "period_start", *RESULT_FIELDS)
    }
    sdgs = {
        (
            row.pop("result__initiative_id"),
            row.pop("result__period_kind"),
            row.pop("result__period_start"),
            row.pop("goal_id"),
        ): row
        for row in HandprintSdg.objects.filter(
            result__version=version, result__initiative_id__in=initiative_ids
        ).values(
            "result__initiative_id",
            "result__period_kind",
            "result__period_start",
            "goal_id",
            *SDG_FIELDS,
        )
    }
    return results, sdgs


def differences(expected: dict, stored: dict) -> list:
    found = [("missing", key) for key in expected.keys() - stored.keys()]
    found += [("extra", key) for key in stored.keys() - expected.keys()]
    found += [
        (key, field, expected[key][field], stored[key][field])
        for key in expected.keys() & stored.keys()
        for field in expected[key]
        if expected[key][field] != stored[key][field]
    ]
    return found


def assert_matches_pure_function(
    initiative_ids: list[int], version: MethodVersion, today: datetime.date = TODAY
) -> None:
    expected_results, expected_sdgs = expected_figures(initiative_ids, version, today)
    stored_results, stored_sdgs = stored_figures(initiative_ids, version)
    assert differences(expected_results, stored_results)[:5] == []
    assert differences(expected_sdgs, stored_sdgs)[:5] == []


# --- Equal to the pure function -----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("version_code", ["2026.1", "test.priced"])
def test_sql_recompute_of_10000_initiatives_equals_the_pure_function(
    priced_version: MethodVersion, version_code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 10,000 initiatives with varied SDGs, months, hours and optional quantities
    version = MethodVersion.objects.get(code=version_code)
    initiative_ids = bulk_initiatives(10_000)
    random_inputs(random.Random(20260715), initiative_ids)
    chunks: list[float] = []
    started = time.monotonic()

    # When everything is recomputed set-wise
    job = recompute_all(
        version=version, today=TODAY, progress=lambda *_: chunks.append(time.monotonic())
    )
    seconds = time.monotonic() - started
    per_chunk = [b - a for a, b in zip(chunks, chunks[1:], strict=False)]
    print(  # noqa: T201 - the measurement the issue asks for; visible with -s
        f"\n{version_code}: 10,000 initiatives, {ActivityReport.objects.count():,} reports, "
        f"{HandprintResult.objects.filter(version=version).count():,} results in {seconds:.2f} s;"
        f" chunks of 5,000: {', '.join(f'{s:.2f} s' for s in per_chunk)}"
    )

    # Then every stored figure equals compute_for's, to the cent, lines included. Its inputs
    # are loaded in bulk (30,000 single queries would take 40 s), equal to load_inputs':
    inputs = bulk_load_inputs(initiative_ids)
    for initiative_id in random.Random(1).sample(initiative_ids, 300):
        sdgs, months = load_inputs(initiative_id)
        assert (sdgs, sorted(months, key=by_month)) == (
            inputs[initiative_id][0],
            sorted(inputs[initiative_id][1], key=by_month),
        )
    monkeypatch.setattr(services, "load_inputs", inputs.__getitem__)
    assert job.status == RecomputeJob.Status.DONE
    assert (job.done, job.total) == (10_000, 10_000)
    assert_matches_pure_function(initiative_ids, version)


def by_month(month: MonthInput) -> datetime.date:
    return month.month


hours_tenths = st.one_of(
    st.integers(0, 7440),
    # x.5 hours × 14.71 ends in half a cent: the rounding case.
    st.integers(0, 743).map(lambda h: h * 10 + 5),
)
report = st.tuples(
    hours_tenths.map(lambda t: Decimal(t) / 10),
    st.integers(10, 13),  # ≥ 10 volunteers fit 744 hours; few values make .5 averages
    st.integers(0, 5),
)
initiative_inputs = st.fixed_dictionaries(
    {
        "sdgs": st.lists(st.integers(1, 17), min_size=1, max_size=5, unique=True),
        "reports": st.dictionaries(st.sampled_from(MONTHS), report, max_size=14),
        "quantities": st.dictionaries(
            st.tuples(st.sampled_from(OPTIONAL), st.sampled_from(MONTHS)),
            st.integers(0, 99_999).map(lambda c: Decimal(c) / 100),
            max_size=5,
        ),
    }
)


@pytest.mark.django_db
@hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(initiatives=st.lists(initiative_inputs, min_size=1, max_size=3), priced=st.booleans())
def test_sql_recompute_equals_the_pure_function_on_generated_inputs(
    priced_version: MethodVersion, initiatives: list[dict], priced: bool
) -> None:
    version = priced_version if priced else MethodVersion.objects.get(code="2026.1")
    try:
        with transaction.atomic():
            # Given generated inputs
            initiative_ids = bulk_initiatives(len(initiatives))
            rows = new_rows()
            for initiative_id, inputs in zip(initiative_ids, initiatives, strict=True):
                add_inputs(initiative_id, **inputs, rows=rows)
            save_rows(rows)
            # When they are recomputed set-wise, in chunks of two
            recompute_all(version=version, today=TODAY, chunk_size=2)
            # Then the stored figures are the pure function's
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

    first = recompute_if_due(today=TODAY)

    assert first is not None
    assert (first.version, first.period_end, first.status) == (
        v2026,
        datetime.date(2026, 7, 1),
        RecomputeJob.Status.DONE,
    )
    assert recompute_if_due(today=TODAY + datetime.timedelta(days=10)) is None
    next_month = recompute_if_due(today=datetime.date(2026, 8, 1))
    assert next_month is not None
    assert next_month.period_end == datetime.date(2026, 8, 1)


@pytest.mark.django_db
def test_recompute_if_due_runs_when_a_new_method_version_becomes_valid(
    v2026: MethodVersion,
) -> None:
    InitiativeFactory()
    recompute_if_due(today=TODAY)
    new = copy_of_2026("2026.2", datetime.date(2026, 7, 10))

    job = recompute_if_due(today=TODAY)

    assert job is not None
    assert (job.version, job.status) == (new, RecomputeJob.Status.DONE)
    assert HandprintResult.objects.filter(version=new).count() == 1
    assert recompute_if_due(today=TODAY) is None


@pytest.mark.django_db
def test_the_beat_task_runs_the_due_recompute(v2026: MethodVersion) -> None:
    InitiativeFactory()

    job_id = recompute_if_due_task()

    assert RecomputeJob.objects.get(pk=job_id).status == RecomputeJob.Status.DONE
    assert recompute_if_due_task() is None


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

        assert recompute_if_due(today=TODAY) is None

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

    call_command("recompute_handprints", "--chunk-size", "2", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[1] == "[" + "#" * 15 + "-" * 15 + "] 2/4 initiatives, 0/s"
    assert lines[3].startswith("Done: 2 initiatives (resumed after 2), 2 results in ")


@pytest.mark.django_db
def test_command_refuses_an_unknown_method_version(v2026: MethodVersion) -> None:
    with pytest.raises(CommandError, match="No method version 'nope'"):
        call_command("recompute_handprints", "--method", "nope", stdout=StringIO())
