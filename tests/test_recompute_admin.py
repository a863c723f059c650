"""Staff start the recompute of every handprint in /beheer/ and watch its progress there."""

import time

import psycopg
import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.auth.models import Permission
from django.db import connection

from config.celery import app
from impact.methods import current_version
from impact.models import HandprintResult, RecomputeJob
from impact.recompute import LOCK_KEY
from tests.factories import InitiativeFactory, UserFactory

CHANGELIST = "/beheer/impact/recomputejob/"
START = "/beheer/impact/recomputejob/start/"


def _staff(*, may_start: bool):
    user = UserFactory(is_staff=True)
    permissions = ["view_recomputejob"] + (["start_recomputejob"] if may_start else [])
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    return user


@pytest.mark.django_db
def test_staff_without_the_permission_see_the_jobs_but_cannot_start_one(client):
    # Given a staff member who may only look at recompute jobs
    client.force_login(_staff(may_start=False))

    # When they open the page and try to start a recompute anyway
    page = client.get(CHANGELIST).content.decode()
    response = client.post(START)

    # Then there is no button, the POST is refused, and no job exists
    assert "Nu alles herberekenen" not in page
    assert response.status_code == 403
    assert not RecomputeJob.objects.exists()


@pytest.mark.django_db
def test_a_running_job_shows_its_progress_and_the_page_refreshes_itself(client):
    # Given a recompute that has done 1,200 of 4,000 initiatives
    RecomputeJob.objects.create(
        version=current_version(), period_end="2026-10-31", total=4000, done=1200
    )
    client.force_login(_staff(may_start=True))

    # When staff open the page
    page = client.get(CHANGELIST).content.decode()

    # Then it shows a labelled progress bar at 30 %, refreshes itself and offers no second start
    assert '<progress id="recompute-progress" max="4000" value="1200">30 %</progress>' in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert 'action="/beheer/impact/recomputejob/start/"' not in page


@pytest.mark.django_db
def test_starting_while_another_session_holds_the_lock_queues_nothing(client):
    # Given a recompute running in another database session (it holds the advisory lock)
    params = connection.get_connection_params()
    with psycopg.connect(
        host=params.get("host"),
        port=params.get("port"),
        user=params.get("user"),
        dbname=connection.settings_dict["NAME"],
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        client.force_login(_staff(may_start=True))

        # When staff press the button
        response = client.post(START, follow=True)

    # Then they are told a recompute is already running, and no job was opened
    assert "Er loopt al een herberekening" in response.content.decode()
    assert not RecomputeJob.objects.exists()


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_started_recompute_runs_in_a_real_worker_to_the_end(client, reference_data):
    # Given the method, twelve initiatives and a staff member allowed to start a recompute
    initiatives = InitiativeFactory.create_batch(12)
    client.force_login(_staff(may_start=True))
    assert f'action="{START}"' in client.get(CHANGELIST).content.decode()

    # When they press the button, the job exists at once, waiting for the worker
    response = client.post(START, follow=True)
    job = RecomputeJob.objects.get()
    assert (job.status, job.done, job.total) == (RecomputeJob.Status.RUNNING, 0, 12)
    assert "Wachten op de achtergrondverwerking" in response.content.decode()

    # And a real worker takes the task from Redis
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status != RecomputeJob.Status.RUNNING:
                break
            time.sleep(0.2)

    # Then the job is done, every initiative has a result, and the page says so without refresh
    assert (job.status, job.done) == (RecomputeJob.Status.DONE, 12)
    computed = set(
        HandprintResult.objects.filter(version=job.version).values_list("initiative", flat=True)
    )
    assert computed == {i.pk for i in initiatives}
    page = client.get(CHANGELIST).content.decode()
    assert "<progress" not in page and 'http-equiv="refresh"' not in page
