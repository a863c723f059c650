"""Files with personal data stay private: member import uploads live outside the public media
root, no URL serves them, they are deleted after a retention period, and member photos are
stored only as clean, renamed copies (issue #14, points 2 and 10)."""

import datetime
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.files.storage import storages
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from members import imports, tasks
from members.models import MemberOrganisation
from tests.factories import MunicipalityFactory, UserFactory
from tests.member_factories import MemberOrganisationFactory
from tests.photos import gps_exif

pytestmark = pytest.mark.django_db

IMPORT_URL = "/beheer/members/import/"
CONTACT_ROW = "Buurtvereniging Noord;bewonersgroep;GM0363;Jan Jansen;jan@jansen.example;06-12345678"


@pytest.fixture(autouse=True)
def roots(settings, tmp_path) -> dict[str, Path]:
    """Public media and private files in folders of this test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    return {"media": tmp_path / "media", "private": tmp_path / "private"}


@pytest.fixture
def no_worker(monkeypatch) -> None:
    """The import's dry run is not sent to a broker: these tests look at the stored file."""
    monkeypatch.setattr(tasks.member_import_check, "delay", lambda job_id: None)


def _import_file() -> bytes:
    header = "naam;type;gemeentecode;contactpersoon;e-mail;telefoon"
    return f"{header}\n{CONTACT_ROW}\n".encode()


def _upload_import(client, staff) -> dict:
    MunicipalityFactory(code="GM0363", name="Amsterdam")
    client.force_login(staff)
    upload = io.BytesIO(_import_file())
    upload.name = "leden.csv"
    response = client.post(IMPORT_URL, {"file": upload})
    assert response.status_code == 302, response.content.decode()[:1000]
    job_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    job = imports.job_get(job_id=job_id, user=staff)
    client.logout()
    return job


# --- Import files: private root, never served --------------------------------------------------


def test_an_uploaded_import_file_is_stored_in_the_private_root_only(
    client, staff, no_worker, roots
):
    # When LSA staff upload a member file
    job = _upload_import(client, staff)

    # Then it is kept under the private root, and nothing of it under the public media root
    assert (roots["private"] / job["path"]).read_bytes() == _import_file()
    assert not [p for p in roots["media"].rglob("*") if p.is_file()]


@pytest.mark.parametrize("who", ["anonymous", "resident", "staff_without_group", "lsa_staff"])
def test_no_one_can_fetch_an_uploaded_import_file_by_its_media_address(
    client, staff, no_worker, who
):
    # Given an uploaded import file with contact names, e-mail addresses and phone numbers
    job = _upload_import(client, staff)
    visitors = {
        "anonymous": None,
        "resident": UserFactory(),
        "staff_without_group": UserFactory(is_staff=True),
        # Nothing needs the file back: staff have their own copy, the job page the report.
        "lsa_staff": staff,
    }
    if visitors[who] is not None:
        client.force_login(visitors[who])

    # When its address under MEDIA_URL is requested
    response = client.get(f"{settings.MEDIA_URL}{job['path']}")

    # Then nothing is served
    assert response.status_code == 404
    assert b"jansen" not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_media_serving_refuses_files_outside_the_photo_folders(client, roots):
    # Given an import file an older release left in the public media root, and a photo
    (roots["media"] / "imports").mkdir(parents=True)
    (roots["media"] / "imports" / "oud.csv").write_text(CONTACT_ROW)
    (roots["media"] / "initiatives" / "7").mkdir(parents=True)
    (roots["media"] / "initiatives" / "7" / "abc-large.jpg").write_bytes(b"\xff\xd8\xff")

    # Then only the photo is served, however the path to the other file is written
    assert client.get(f"{settings.MEDIA_URL}imports/oud.csv").status_code == 404
    assert client.get(f"{settings.MEDIA_URL}initiatives/../imports/oud.csv").status_code == 404
    assert client.get(f"{settings.MEDIA_URL}initiatives/7/../../imports/oud.csv").status_code == 404
    assert client.get(f"{settings.MEDIA_URL}initiatives/7/abc-large.jpg").status_code == 200


def test_the_private_storage_gives_no_address_to_link_to():
    with pytest.raises(NotImplementedError):
        storages["private"].url("imports/x.csv")


def test_moving_old_import_files_to_the_private_root_is_safe_to_run_twice(roots):
    # Given two import files of an older release in the public media root, and a copy of one
    # that an interrupted earlier move left half-written in the private root
    old = roots["media"] / "imports"
    old.mkdir(parents=True)
    (old / "a.csv").write_bytes(b"naam;type\n" + CONTACT_ROW.encode())
    (old / "b.xlsx").write_bytes(b"PK\x03\x04" + b"x" * 3000)
    (roots["private"] / "imports").mkdir(parents=True)
    (roots["private"] / "imports" / "a.csv").write_bytes(b"naam;ty")
    out = io.StringIO()

    # When the set-up step runs, twice
    call_command("move_import_files", stdout=out)
    call_command("move_import_files", stdout=out)

    # Then both files are in the private root, complete, and gone from the public one
    assert (roots["private"] / "imports" / "a.csv").read_bytes() == (
        b"naam;type\n" + CONTACT_ROW.encode()
    )
    assert (roots["private"] / "imports" / "b.xlsx").read_bytes() == b"PK\x03\x04" + b"x" * 3000
    assert not old.exists()
    assert out.getvalue().splitlines() == [
        "Moved 2 import files to the private root.",
        "Moved 0 import files to the private root.",
    ]


# --- Retention ---------------------------------------------------------------------------------


def _stored(name: str) -> str:
    return storages["private"].save(f"{imports.STORAGE_DIR}/{name}", io.BytesIO(b"naam;type\n"))


def test_import_files_are_deleted_once_older_than_the_retention(settings):
    # Given a retention of 30 days and a file uploaded now
    settings.IMPORT_FILE_RETENTION_DAYS = 30
    path = _stored("job.csv")
    now = timezone.now()

    # When the purge runs within 30 days, the file stays; after that, it is deleted
    assert imports.import_files_purge(now=now + datetime.timedelta(days=29, hours=23)) == 0
    assert storages["private"].exists(path)
    assert imports.import_files_purge(now=now + datetime.timedelta(days=30, minutes=1)) == 1
    assert not storages["private"].exists(path)


def test_the_beat_purges_old_import_files(settings, roots):
    # Given a file older than the retention, and a new one
    old, new = _stored("old.csv"), _stored("new.csv")
    long_ago = (timezone.now() - datetime.timedelta(days=400)).timestamp()
    os.utime(roots["private"] / old, (long_ago, long_ago))

    # When the scheduled task runs
    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == tasks.PURGE]
    assert tasks.import_files_purge.name == entry["task"]
    deleted = tasks.import_files_purge()

    # Then only the old file is gone
    assert deleted == 1
    assert not storages["private"].exists(old)
    assert storages["private"].exists(new)


# --- Member photos --------------------------------------------------------------------------------


def _jpeg_with_gps() -> bytes:
    exif = gps_exif()
    exif[ExifTags.Base.ImageDescription] = "Jan Jansen thuis"
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), (40, 160, 60)).save(
        buffer, format="JPEG", exif=exif.tobytes(), comment=b"Dorpsstraat 12"
    )
    return buffer.getvalue()


def _management(prefix: str) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _post_photo(client, organisation: MemberOrganisation, content: bytes, name: str):
    photo = io.BytesIO(content)
    photo.name = name
    data = {
        "name": organisation.name,
        "slug": organisation.slug,
        "type": organisation.type,
        "kvk_number": organisation.kvk_number,
        "municipality": str(organisation.municipality_id),
        "city": organisation.city,
        "photo": photo,
        "photo_alt": "Leden bij het buurthuis",
        **_management("contacts"),
        **_management("memberships"),
        **_management("dues"),
    }
    url = reverse("admin:members_memberorganisation_change", args=[organisation.pk])
    return client.post(url, data)


def test_a_member_photo_uploaded_in_the_admin_is_stored_without_metadata_under_a_random_name(
    client, staff, roots
):
    # Given a member organisation and a camera photo with GPS, a comment and a telling name
    organisation = MemberOrganisationFactory()
    client.force_login(staff)

    # When LSA staff upload it in the admin
    response = _post_photo(client, organisation, _jpeg_with_gps(), "jan-jansen-thuis.jpg")

    # Then the stored file is a re-encoded JPEG without any of it, under a random name
    assert response.status_code == 302, response.content.decode()[:2000]
    organisation.refresh_from_db()
    assert re.fullmatch(r"members/[0-9a-f]{32}-large\.jpg", organisation.photo.name)
    stored = (roots["media"] / organisation.photo.name).read_bytes()
    assert b"Jansen" not in stored and b"Dorpsstraat" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert image.size == (900, 600)
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info and "comment" not in image.info
    assert [p.name for p in (roots["media"] / "members").iterdir()] == [
        Path(organisation.photo.name).name
    ]


def test_a_member_photo_that_is_no_image_is_refused_in_the_admin(client, staff, roots):
    organisation = MemberOrganisationFactory()
    client.force_login(staff)

    response = _post_photo(client, organisation, b"%PDF-1.4 not a photo", "foto.jpg")

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["photo"]
    organisation.refresh_from_db()
    assert not organisation.photo
    assert not (roots["media"] / "members").exists()


# --- Deployment -------------------------------------------------------------------------------


def test_compose_keeps_private_files_on_a_volume_of_their_own_for_every_process_that_uses_them():
    root = Path(settings.BASE_DIR)
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    services = compose["services"]
    # PRIVATE_MEDIA_ROOT defaults to BASE_DIR / "private", /app/private in the image.
    # The web process stores uploads, the workers read and purge them, set-up moves old ones.
    workers = [name for name in services if name.startswith("worker")]
    assert workers
    for name in ("web", *workers, "setup"):
        assert "private:/app/private" in services[name]["volumes"], name
        assert "media:/app/media" in services[name]["volumes"], name
    assert "private" in compose["volumes"]
    assert "move_import_files" in (root / "bin" / "setup").read_text()


@pytest.mark.slow
def test_the_site_refuses_to_start_with_the_private_root_inside_the_public_one(tmp_path):
    env = {
        **os.environ,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "media" / "private"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "PRIVATE_MEDIA_ROOT must lie outside MEDIA_ROOT" in result.stderr
