"""Member import jobs are rows (`MemberImportJob`): they survive a cache clear, expire after a
day by the hourly purge, and are shown only to whoever started them."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.utils import timezone

from members import imports, tasks
from members.models import MemberImportJob
from tests.factories import MunicipalityFactory
from tests.member_factories import lsa_staff as make_lsa_staff

pytestmark = pytest.mark.django_db

IMPORT_URL = "/beheer/members/import/"
FILE = b"naam;type;gemeentecode\nBuurthuis De Meeuw;zelfstandig buurthuis;GM0363\n"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture
def importer(db):
    MunicipalityFactory(code="GM0363", name="Amsterdam")
    return make_lsa_staff(email="import@lsa.example.org")


@pytest.fixture
def staff_client(client, importer):
    client.force_login(importer)
    client.cookies["taal"] = "en"
    return client


@pytest.fixture
def queued(monkeypatch) -> list[tuple[str, str]]:
    """Tasks are recorded instead of sent; `_run_queued` runs them as the worker would."""
    sent: list[tuple[str, str]] = []
    for task in (tasks.member_import_check, tasks.member_import_apply):
        monkeypatch.setattr(task, "delay", lambda job_id, _task=task: sent.append((_task, job_id)))
    return sent


def _run_queued(queued: list) -> None:
    while queued:
        task, job_id = queued.pop(0)
        task(job_id)


def _upload(client) -> str:
    upload = io.BytesIO(FILE)
    upload.name = "leden.csv"
    response = client.post(IMPORT_URL, {"file": upload})
    assert response.status_code == 302
    return response["Location"].rstrip("/").rsplit("/", 1)[-1]


def test_a_job_survives_a_cache_clear(staff_client, importer, queued):
    # Given an uploaded file whose dry run is queued
    job_id = _upload(staff_client)

    # When the cache is cleared before the worker runs it
    cache.clear()
    _run_queued(queued)

    # Then the dry run ran and its report is on the job's page
    job = imports.job_get(job_id=job_id, user=importer)
    assert job is not None
    assert (job["status"], job["report"]["totals"]["new"]) == (imports.Status.CHECKED, 1)
    html = staff_client.get(f"{IMPORT_URL}{job_id}/").content.decode()
    assert "Dry run done, nothing has been saved yet" in html


def test_the_purge_expires_jobs_a_day_old_and_empties_their_report(staff_client, importer, queued):
    # Given a checked job, its file kept for the apply
    job_id = _upload(staff_client)
    _run_queued(queued)
    path = imports.job_get(job_id=job_id, user=importer)["path"]
    assert imports.file_storage().exists(path)

    # When the hourly purge runs an hour later, nothing changes; a day later, the job expires
    assert imports.import_jobs_expire(now=timezone.now() + datetime.timedelta(hours=1)) == 0
    MemberImportJob.objects.filter(pk=job_id).update(
        updated_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    tasks.import_files_purge()

    job = MemberImportJob.objects.get(pk=job_id)
    assert (job.status, job.report, job.apply_report) == (imports.Status.EXPIRED, None, None)
    assert not imports.file_storage().exists(path)
    assert imports.job_get(job_id=job_id, user=importer) is None
    response = staff_client.get(f"{IMPORT_URL}{job_id}/")
    assert response.status_code == 404
    assert staff_client.post(f"{IMPORT_URL}{job_id}/toepassen/").status_code == 404


def test_a_job_older_than_a_day_is_not_shown_before_the_purge_ran(staff_client, importer, queued):
    job_id = _upload(staff_client)
    MemberImportJob.objects.filter(pk=job_id).update(
        updated_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )

    assert imports.job_get(job_id=job_id, user=importer) is None


def test_an_expired_job_is_not_run_by_a_late_task(staff_client, importer, queued):
    job_id = _upload(staff_client)
    MemberImportJob.objects.filter(pk=job_id).update(
        updated_at=timezone.now() - datetime.timedelta(days=2)
    )
    imports.import_jobs_expire()

    assert imports.import_run(job_id=job_id, apply=False) == imports.Status.EXPIRED


def test_a_job_id_that_is_no_uuid_is_no_job(importer):
    assert imports.job_get(job_id="job", user=importer) is None
    assert imports.job_progress(job_id="job") == (0, 0)
    assert imports.import_run(job_id="job", apply=False) == "gone"


def test_the_apply_is_queued_once_however_often_it_is_requested(staff_client, importer, queued):
    job_id = _upload(staff_client)
    _run_queued(queued)

    first = imports.import_apply(job_id=job_id, user=importer)
    second = imports.import_apply(job_id=job_id, user=importer)

    assert [task for task, _ in queued] == [tasks.member_import_apply]
    assert (first["status"], second["status"]) == (imports.Status.APPLY_QUEUED,) * 2


def test_staff_see_import_jobs_in_the_admin_but_cannot_change_them(staff_client, importer, queued):
    job_id = _upload(staff_client)

    listing = staff_client.get("/beheer/members/memberimportjob/")
    change = staff_client.get(f"/beheer/members/memberimportjob/{job_id}/change/")

    assert listing.status_code == 200
    assert "leden.csv" in listing.content.decode()
    assert change.status_code == 200
    assert 'name="status"' not in change.content.decode()
    assert staff_client.get("/beheer/members/memberimportjob/add/").status_code == 403
