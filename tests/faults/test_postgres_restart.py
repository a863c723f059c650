"""PostgreSQL restarted under load: quick 503s while it is down, recovery without a restart.

gunicorn serves the site from a private PostgreSQL cluster while threads browse pages, read
the API and write through it; the test stops the cluster, waits, starts it again, and reads
every response: what the users saw, how fast, and whether any write was left half done.
"""

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import requests

from tests.faults.conftest import (
    PYTHON_BIN,
    ROOT,
    PrivatePostgres,
    PrivateRedis,
    child_env,
    free_port,
    stop_process,
    wait_until,
)

pytestmark = [pytest.mark.faults, pytest.mark.slow]

CLIENTS = 4
WARM_UP_SECONDS = 3
DOWN_SECONDS = 3
AFTER_SECONDS = 7
RECOVERY_BUDGET_SECONDS = 5
# The clients' own timeout: a request without an answer by then is a hang (status 0).
CLIENT_TIMEOUT_SECONDS = 15
MONTHS = ["2025-01", "2025-02", "2025-03"]


@dataclass(frozen=True)
class Site:
    url: str
    database_url: str
    token: str
    slugs: list[str]
    municipality: str
    log: Path


@dataclass(frozen=True)
class Outcome:
    kind: str
    started: float
    seconds: float
    status: int  # 0: no HTTP answer at all (refused, reset or timed out)
    body: str
    retry_after: str | None
    sent: dict | None = None


@pytest.fixture
def site(
    private_postgres: PrivatePostgres, private_redis: PrivateRedis, tmp_path: Path
) -> Iterator[Site]:
    """gunicorn with two workers on the private PostgreSQL, migrated and seeded."""
    private_postgres.create_database("buurtbeurs")
    database_url = private_postgres.url("buurtbeurs")
    env = child_env(
        DATABASE_URL=database_url,
        REDIS_URL=private_redis.url,
        # The load comes from one address, far faster than a person.
        API_THROTTLE_ANON="100000/minute",
        API_THROTTLE_USER="100000/minute",
    )
    seeded = subprocess.run(  # noqa: S603 - this interpreter, our module
        [sys.executable, "-m", "tests.faults.site_seed", str(CLIENTS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    seed = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(  # noqa: S603 - this virtualenv's gunicorn, as bin/web runs it
            [
                str(PYTHON_BIN / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "30",
                "--error-logfile",
                "-",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"

    def serving() -> bool:
        assert server.poll() is None, log.read_text()
        try:
            return requests.get(f"{url}/health/", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        assert wait_until(serving, 60, 0.2), log.read_text()
        yield Site(url, database_url, seed["token"], seed["slugs"], seed["municipality"], log)
    finally:
        stop_process(server)


def _load(site: Site, lane: int, stop: threading.Event, outcomes: list[Outcome]) -> None:
    """One resident's browser and one API client, request after request, until stopped."""
    slug = site.slugs[lane]
    html = requests.Session()
    html.headers["Accept-Language"] = "en"
    api = requests.Session()
    api.headers.update({"Authorization": f"Token {site.token}", "Accept-Language": "en"})
    n = 0
    while not stop.is_set():
        n += 1
        month = MONTHS[n % len(MONTHS)]
        figures = {"volunteer_hours": f"{n}.0", "active_volunteers": 5, "people_reached": n}
        created = {
            "name": f"Faults {lane}-{n}",
            "summary": "Samen doen.",
            "kind": "garden",
            "municipality": site.municipality,
            "sdgs": [11, 3],
        }
        requests_ = [
            ("page", html, "get", "/", None),
            ("page", html, "get", "/initiatieven/", None),
            ("api-read", api, "get", "/api/v1/initiatives/", None),
            ("api-read", api, "get", f"/api/v1/initiatives/{slug}/", None),
            ("api-write", api, "put", f"/api/v1/initiatives/{slug}/activity/{month}/", figures),
            ("api-create", api, "post", "/api/v1/initiatives/", created),
        ]
        for kind, session, method, path, body in requests_:
            started = time.monotonic()
            try:
                response = session.request(
                    method, site.url + path, json=body, timeout=CLIENT_TIMEOUT_SECONDS
                )
            except requests.RequestException as error:
                outcomes.append(
                    Outcome(kind, started, time.monotonic() - started, 0, repr(error), None)
                )
                continue
            outcomes.append(
                Outcome(
                    kind,
                    started,
                    time.monotonic() - started,
                    response.status_code,
                    response.text,
                    response.headers.get("Retry-After"),
                    {"path": path, **body} if body else None,
                )
            )


def _half_written(database_url: str) -> dict[str, list]:
    """Rows a write left without the rows the same transaction must have written with it."""
    queries = {
        # initiative_create: the initiative, its owner and its "created" event, together
        "initiative without owner": """
            SELECT i.slug FROM initiatives_initiative i WHERE NOT EXISTS (
                SELECT 1 FROM initiatives_ownership o
                WHERE o.initiative_id = i.id AND o.role = 'owner')
        """,
        # (the seeded initiatives come from factories, without events)
        "initiative without created event": """
            SELECT i.slug FROM initiatives_initiative i
            WHERE i.name LIKE 'Faults %' AND NOT EXISTS (
                SELECT 1 FROM initiatives_initiativeevent e
                WHERE e.initiative_id = i.id AND e.action = 'created')
        """,
        # activity_report_save: revision n keeps revisions 1 … n-1 in its history
        "report with history gaps": """
            SELECT r.id FROM initiatives_activityreport r
            LEFT JOIN initiatives_activityreportrevision h ON h.report_id = r.id
            GROUP BY r.id, r.revision
            HAVING count(h.id) <> r.revision - 1
                OR coalesce(max(h.revision), 0) <> r.revision - 1
        """,
        # … and bumps the handprint's inputs version once per save, in the same transaction
        "handprint state out of step": """
            SELECT r.initiative_id FROM initiatives_activityreport r
            LEFT JOIN impact_handprintstate s ON s.initiative_id = r.initiative_id
            GROUP BY r.initiative_id, s.inputs_version
            HAVING coalesce(s.inputs_version, 0) <> sum(r.revision)
        """,
    }
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        return {name: conn.execute(sql).fetchall() for name, sql in queries.items()}


def _acknowledged_but_missing(database_url: str, outcomes: list[Outcome]) -> list:
    """Writes the site confirmed (200/201) that the database does not hold."""
    with psycopg.connect(database_url, connect_timeout=5) as conn:
        slugs = {row[0] for row in conn.execute("SELECT slug FROM initiatives_initiative")}
        revisions = {
            (slug, month.strftime("%Y-%m")): revision
            for slug, month, revision in conn.execute(
                """
                SELECT i.slug, r.month, r.revision FROM initiatives_activityreport r
                JOIN initiatives_initiative i ON i.id = r.initiative_id
                """
            )
        }
    missing = []
    for outcome in outcomes:
        if outcome.kind == "api-create" and outcome.status == 201:
            if json.loads(outcome.body)["slug"] not in slugs:
                missing.append(outcome.body)
        if outcome.kind == "api-write" and outcome.status in {200, 201}:
            saved = json.loads(outcome.body)
            key = (outcome.sent["path"].split("/")[4], saved["month"][:7])
            if revisions.get(key, 0) < saved["revision"]:
                missing.append(outcome.body)
    return missing


def test_a_postgres_restart_under_load_answers_503_not_a_hang_and_recovers_by_itself(
    site: Site, private_postgres: PrivatePostgres, capsys
) -> None:
    # Given residents and API clients busy on the site
    outcomes: list[Outcome] = []
    stop = threading.Event()
    lanes = [
        threading.Thread(target=_load, args=(site, lane, stop, outcomes)) for lane in range(CLIENTS)
    ]
    for lane in lanes:
        lane.start()
    try:
        time.sleep(WARM_UP_SECONDS)

        # When PostgreSQL stops (fast: open sessions are cut off), stays down, and restarts
        stopping = time.monotonic()
        private_postgres.stop("fast")
        down = time.monotonic()
        time.sleep(DOWN_SECONDS)
        starting = time.monotonic()
        private_postgres.start()
        up = time.monotonic()
        time.sleep(AFTER_SECONDS)
    finally:
        stop.set()
        for lane in lanes:
            lane.join(timeout=30)
    assert not any(lane.is_alive() for lane in lanes)

    # Then every request got an answer: success, or 503 — never a 500, never a hang
    by_status: dict[int, int] = {}
    for outcome in outcomes:
        by_status[outcome.status] = by_status.get(outcome.status, 0) + 1
    odd = [o for o in outcomes if o.status not in {200, 201, 503}]
    assert odd == [], (odd[:3], site.log.read_text()[-5000:])
    before = [o for o in outcomes if o.started + o.seconds < stopping]
    assert before and all(o.status in {200, 201} for o in before)

    # and while PostgreSQL was down: 503 at once, with Retry-After, in the client's format
    outage = [o for o in outcomes if down <= o.started and o.started + o.seconds <= starting]
    assert {o.kind for o in outage} == {"page", "api-read", "api-write", "api-create"}
    assert all(o.status == 503 and o.retry_after for o in outage)
    unavailable = [o for o in outcomes if o.status == 503]
    slowest = max(o.seconds for o in unavailable)
    # a 503 rather than a hang (how quick: the figure printed below, `make bench-pace`)
    assert slowest < CLIENT_TIMEOUT_SECONDS, f"a 503 took {slowest:.2f} s"
    for outcome in unavailable:
        if outcome.kind == "page":
            assert '<h1 id="error-title">Temporarily unavailable</h1>' in outcome.body
        else:
            assert set(json.loads(outcome.body)) == {"detail"}

    # and after the restart the same gunicorn workers recover: nothing fails any more
    failed_after = [
        o.started + o.seconds for o in outcomes if o.started >= up and o.status not in {200, 201}
    ]
    recovered = max([up, *failed_after]) - up
    assert recovered < RECOVERY_BUDGET_SECONDS, f"still failing {recovered:.1f} s after start"
    after = [o for o in outcomes if o.started >= up + RECOVERY_BUDGET_SECONDS]
    assert {o.kind for o in after} == {"page", "api-read", "api-write", "api-create"}

    # and no write is half done, and none that was confirmed is missing
    assert _half_written(site.database_url) == {
        "initiative without owner": [],
        "initiative without created event": [],
        "report with history gaps": [],
        "handprint state out of step": [],
    }
    assert _acknowledged_but_missing(site.database_url, outcomes) == []
    writes = sum(1 for o in outcomes if o.kind.startswith("api-") and o.sent)
    with capsys.disabled():
        print(  # noqa: T201 - the figures issue #9 asks for, in the CI log
            f"\n[faults] PostgreSQL stopped in {down - stopping:.1f} s, down {starting - down:.1f}"
            f" s, started in {up - starting:.1f} s: {len(outcomes)} requests ({writes} writes)"
            f" by status {dict(sorted(by_status.items()))}; {len(outage)} during the outage;"
            f" slowest 503 {slowest * 1000:.0f} ms; all succeeding {recovered:.1f} s after start"
        )
