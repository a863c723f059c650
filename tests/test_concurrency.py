"""Concurrent writers over real HTTP never lose or tear an update (DESIGN.md §6 "Nothing lost").

Fifty owners and co-owners of one initiative start at the same instant (a barrier), each in
its own thread with its own HTTP session, against gunicorn as bin/web runs it but with
threads (2 workers × 16 threads: 32 requests in flight at once, each on its own database
connection; the rest wait in the listen queue). Most use the API with their own token;
some use the web form with their own session. A month's figures have no preconditions (no
If-Match): the last writer wins, so every answer must be a success, never a 409/412 or 500.

What a serial order guarantees, and what is checked: the report ends with exactly one
writer's figures; every writer's figures appear exactly once in the chain of revisions (the
history, then the current report), each under the revision the writer was told; the durable
handprint mark counted every write; every need posted exists exactly once.
"""

import datetime
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.test import Client

from accounts.api_auth import api_token_create
from config.stack import ROOT
from impact.models import HandprintState
from initiatives.models import ActivityReport, Initiative, Need, Ownership
from initiatives.services import activity_report_save
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WRITERS = 50
WEB_WRITERS = 10  # of the fifty, these use the web form (session + CSRF) instead of the API
TIMEOUT = 30
GUNICORN_WORKERS = 2
GUNICORN_THREADS = 16
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def last_month() -> datetime.date:
    return (datetime.date.today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


@dataclass
class Writer:
    """One person at one keyboard: an owner or co-owner with figures only they send."""

    number: int
    user_id: int
    session: requests.Session
    web: bool
    csrf: str = ""
    answers: list[tuple[str, int, dict]] = field(default_factory=list)

    @property
    def figures(self) -> dict:
        # Every field differs between writers, so a mix of two writers' figures shows.
        return {
            "volunteer_hours": f"{100 + self.number}.5",
            "active_volunteers": 10 + self.number,
            "people_reached": 1000 + self.number,
        }

    @property
    def need_title(self) -> str:
        return f"Handen voor de plantdag, gevraagd door schrijver {self.number}"


def writer_session(server, user, *, web: bool, slug: str) -> tuple[requests.Session, str]:
    """An HTTP session of the user's own: a token for the API, or a logged-in session + CSRF."""
    session = requests.Session()
    session.headers["Accept-Language"] = "en"
    _token, key = api_token_create(user=user, name="concurrency")
    session.headers["Authorization"] = f"Token {key}"
    if not web:
        return session, ""
    client = Client()
    client.force_login(user)
    # The cookies are marked Secure (production settings); the test server speaks plain HTTP.
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    page = session.get(f"{server}/initiatieven/{slug}/activiteit/", timeout=TIMEOUT)
    assert page.status_code == 200, page.status_code
    session.cookies.set(settings.CSRF_COOKIE_NAME, page.cookies[settings.CSRF_COOKIE_NAME])
    return session, CSRF_INPUT.search(page.text).group(1)


@pytest.fixture(scope="module")
def server(django_db_setup) -> Iterator[str]:
    """gunicorn on the test database (loopback, a free port); stopped after this module."""
    from django.db import connection

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address, sep, query = os.environ["DATABASE_URL"].partition("?")
    test_database = connection.settings_dict["NAME"]
    env = {
        **os.environ,
        "DATABASE_URL": f"{address.rsplit('/', 1)[0]}/{test_database}{sep}{query}",
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={GUNICORN_WORKERS}",
            "--worker-class=gthread",
            f"--threads={GUNICORN_THREADS}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "gunicorn stopped"
            try:
                requests.get(f"{url}/health/", timeout=5)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


@pytest.fixture
def writers(server, initiative) -> Iterator[list[Writer]]:
    owner = initiative.ownerships.get().user
    users = [owner] + [UserFactory() for _ in range(WRITERS - 1)]
    for user in users[1:]:
        Ownership.objects.create(initiative=initiative, user=user, role=Ownership.Role.CO_OWNER)
    result = []
    for number, user in enumerate(users, start=1):
        web = number > WRITERS - WEB_WRITERS
        session, csrf = writer_session(server, user, web=web, slug=initiative.slug)
        result.append(Writer(number, user.pk, session, web, csrf))
    yield result
    for writer in result:
        writer.session.close()


def run_all_at_once(writers: list[Writer], work) -> None:  # noqa: ANN001
    """Runs work(writer) in one thread per writer, all released by one barrier."""
    barrier = threading.Barrier(len(writers))
    errors: list[str] = []

    def run(writer: Writer) -> None:
        try:
            barrier.wait(timeout=TIMEOUT)
            work(writer)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(f"writer {writer.number}: {exc!r}")

    threads = [threading.Thread(target=run, args=(writer,)) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    assert not errors, errors


def put_figures(server, slug: str, month: datetime.date, writer: Writer) -> None:
    """The month's figures through the API (PUT) or the web form (POST, then a redirect)."""
    if writer.web:
        response = writer.session.post(
            f"{server}/initiatieven/{slug}/activiteit/",
            data={
                "month": f"{month:%Y-%m}",
                **writer.figures,
                "csrfmiddlewaretoken": writer.csrf,
            },
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        writer.answers.append(("activity", response.status_code, {}))
        return
    response = writer.session.put(
        f"{server}/api/v1/initiatives/{slug}/activity/{month:%Y-%m}/",
        json=writer.figures,
        timeout=TIMEOUT,
    )
    body = (
        response.json()
        if response.headers.get("Content-Type", "").startswith("application/json")
        else {}
    )
    writer.answers.append(("activity", response.status_code, body))


def post_need(server, slug: str, writer: Writer) -> None:
    response = writer.session.post(
        f"{server}/api/v1/initiatives/{slug}/needs/",
        json={"kind": "volunteers", "title": writer.need_title},
        timeout=TIMEOUT,
    )
    writer.answers.append(("need", response.status_code, {}))


def statuses(writers: list[Writer], what: str) -> Counter:
    return Counter(
        status for writer in writers for kind, status, _body in writer.answers if kind == what
    )


def chain_of_revisions(report: ActivityReport) -> dict[int, tuple[int | None, dict]]:
    """revision → (who reported it, its figures): the history, then the current report."""

    def figures(row: object) -> dict:
        return {
            "volunteer_hours": f"{row.volunteer_hours:.1f}",
            "active_volunteers": row.active_volunteers,
            "people_reached": row.people_reached,
        }

    chain = {row.revision: (row.reported_by_id, figures(row)) for row in report.history.all()}
    assert report.revision not in chain
    chain[report.revision] = (report.reported_by_id, figures(report))
    return chain


def inputs_version(initiative: Initiative) -> int:
    state = HandprintState.objects.filter(pk=initiative.pk).first()
    return state.inputs_version if state else 0


# --- Tests -------------------------------------------------------------------------------------


def test_fifty_writers_correcting_one_month_and_posting_needs_lose_nothing(
    server, initiative, writers
):
    # Given a month already reported once, and the handprint's durable mark before the burst
    month = last_month()
    owner = initiative.ownerships.get(role=Ownership.Role.OWNER).user
    activity_report_save(
        initiative=initiative,
        user=owner,
        month=month,
        volunteer_hours=Decimal("1.0"),
        active_volunteers=1,
        people_reached=1,
    )
    version_before = inputs_version(initiative)

    # When all fifty correct that month and then post a need, at the same instant
    def work(writer: Writer) -> None:
        put_figures(server, initiative.slug, month, writer)
        post_need(server, initiative.slug, writer)

    run_all_at_once(writers, work)

    # Then every answer is a success: corrections 200 (API) or a redirect (web form), needs 201
    api_writers = [writer for writer in writers if not writer.web]
    web_writers = [writer for writer in writers if writer.web]
    assert statuses(api_writers, "activity") == {200: len(api_writers)}
    assert statuses(web_writers, "activity") == {302: len(web_writers)}
    assert statuses(writers, "need") == {201: WRITERS}

    # and the fifty corrections form one serial order: revisions 2…51 after the original,
    report = ActivityReport.objects.get(initiative=initiative, month=month)
    chain = chain_of_revisions(report)
    assert report.revision == WRITERS + 1
    assert sorted(chain) == list(range(1, WRITERS + 2))
    assert report.history.count() == WRITERS
    assert chain[1] == (
        owner.pk,
        {"volunteer_hours": "1.0", "active_volunteers": 1, "people_reached": 1},
    )
    # each writer's figures appear exactly once, whole, under the writer's own name,
    by_user = {writer.user_id: writer for writer in writers}
    seen = Counter(user_id for user_id, _figures in (chain[r] for r in range(2, WRITERS + 2)))
    assert seen == dict.fromkeys(by_user, 1)
    for revision in range(2, WRITERS + 2):
        user_id, figures = chain[revision]
        assert figures == by_user[user_id].figures
    # each API writer was told the revision its figures sit under,
    for writer in api_writers:
        (body,) = [body for kind, _status, body in writer.answers if kind == "activity"]
        assert chain[body["revision"]] == (writer.user_id, writer.figures)
    # and the current report is exactly one writer's figures: the last in that order
    last_user, last_figures = chain[WRITERS + 1]
    assert last_figures == by_user[last_user].figures

    # and the durable handprint mark counted every write
    assert inputs_version(initiative) == version_before + WRITERS

    # and every need exists exactly once
    titles = Counter(Need.objects.filter(initiative=initiative).values_list("title", flat=True))
    assert titles == {writer.need_title: 1 for writer in writers}


def test_fifty_writers_reporting_a_new_month_at_once_create_it_once(server, initiative, writers):
    # Given a month nobody has reported yet
    month = last_month()
    version_before = inputs_version(initiative)

    # When all fifty report it at the same instant
    run_all_at_once(writers, lambda writer: put_figures(server, initiative.slug, month, writer))

    # Then one API writer created it (201) and every other write was a correction of it
    api_writers = [writer for writer in writers if not writer.web]
    web_writers = [writer for writer in writers if writer.web]
    api = statuses(api_writers, "activity")
    assert set(api) <= {200, 201}
    assert statuses(web_writers, "activity") == {302: len(web_writers)}
    report = ActivityReport.objects.get(initiative=initiative, month=month)
    chain = chain_of_revisions(report)
    assert sorted(chain) == list(range(1, WRITERS + 1))
    assert report.history.count() == WRITERS - 1
    by_user = {writer.user_id: writer for writer in writers}
    assert Counter(user_id for user_id, _figures in chain.values()) == dict.fromkeys(by_user, 1)
    for user_id, figures in chain.values():
        assert figures == by_user[user_id].figures
    creator = by_user[chain[1][0]]
    assert api[201] == (0 if creator.web else 1)
    assert inputs_version(initiative) == version_before + WRITERS
