"""What one resident can make the platform do: a bounded number of invitation mails and photo
uploads, and a bounded amount of memory per photo, whatever its size on disk.

tests/test_images.py checks the renditions themselves; this checks the limits around them.
"""

import datetime
import io
import os
import subprocess
import sys
import types
from datetime import UTC

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache.backends import base as cache_base
from django.core.cache.backends import db as cache_db
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import ExifTags, Image, ImageDraw

from common import ratelimit
from common.images import MAX_PIXELS_FULL_DECODE, MAX_PIXELS_MULTI_SCAN
from initiatives.models import InitiativePhoto, OwnerInvitation
from initiatives.services import owner_invite, photo_add
from tests.factories import UserFactory

# Peak memory of one upload's processing, above the same process just before it.
MAX_PEAK_MB = 150


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def small_jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (40, 160, 60)).save(buffer, format="JPEG")
    return SimpleUploadedFile("foto.jpg", buffer.getvalue(), content_type="image/jpeg")


# --- Invitations ------------------------------------------------------------------------------


def test_the_invitation_after_the_daily_limit_is_refused_and_nothing_is_sent(
    settings, owner, initiative
):
    # Given an owner who has sent the day's allowance of invitations
    settings.INVITATIONS_PER_USER_PER_DAY = 3
    for n in range(3):
        owner_invite(initiative=initiative, inviter=owner, email=f"buur{n}@example.org")
    mail.outbox.clear()

    # When the owner invites one more address
    with pytest.raises(ValidationError) as error, translation.override("nl"):
        owner_invite(initiative=initiative, inviter=owner, email="buur3@example.org")

    # Then it is refused with a Dutch message, no invitation is stored and no mail queued
    assert error.value.messages == [
        "Je hebt vandaag al 3 uitnodigingen verstuurd. Morgen kun je weer mensen uitnodigen."
    ]
    assert not OwnerInvitation.objects.filter(email="buur3@example.org").exists()
    assert mail.outbox == []


def test_sending_the_same_invitation_again_counts_towards_the_limit(settings, owner, initiative):
    # Re-sending mails the address again: a loop on one address must stop as well.
    settings.INVITATIONS_PER_USER_PER_DAY = 2
    owner_invite(initiative=initiative, inviter=owner, email="buur@example.org")
    owner_invite(initiative=initiative, inviter=owner, email="buur@example.org")
    mail.outbox.clear()

    with pytest.raises(ValidationError):
        owner_invite(initiative=initiative, inviter=owner, email="buur@example.org")

    assert mail.outbox == []


def test_the_invitation_limit_is_per_user(settings, owner, initiative):
    settings.INVITATIONS_PER_USER_PER_DAY = 1
    owner_invite(initiative=initiative, inviter=owner, email="buur0@example.org")
    co_owner = UserFactory()
    initiative.ownerships.create(user=co_owner, role="co_owner")

    owner_invite(initiative=initiative, inviter=co_owner, email="buur1@example.org")

    assert OwnerInvitation.objects.count() == 2


def test_the_invitation_form_shows_the_limit_as_a_message(client, settings, owner, initiative):
    settings.INVITATIONS_PER_USER_PER_DAY = 1
    client.force_login(owner)
    url = reverse("owner_invite", args=[initiative.slug])
    client.post(url, {"email": "buur0@example.org"})

    response = client.post(url, {"email": "buur1@example.org"}, follow=True)

    assert "Je hebt vandaag al 1 uitnodigingen verstuurd." in response.content.decode()
    assert OwnerInvitation.objects.count() == 1


# --- Photos -----------------------------------------------------------------------------------


def test_the_photo_after_the_per_initiative_limit_is_refused_and_nothing_is_stored(
    settings, owner, initiative, media_root
):
    # Given an initiative with the maximum number of photos
    settings.PHOTOS_PER_INITIATIVE = 2
    for _ in range(2):
        photo_add(initiative=initiative, user=owner, image=small_jpeg(), alt_text="Een foto")
    files_before = sorted(media_root.rglob("*.jpg"))

    # When an owner adds one more
    with pytest.raises(ValidationError) as error, translation.override("nl"):
        photo_add(initiative=initiative, user=owner, image=small_jpeg(), alt_text="Nog een")

    # Then it is refused with a Dutch message and nothing is stored
    assert error.value.messages == [
        "Dit initiatief heeft al 2 foto's, het maximum. "
        "Verwijder eerst een foto voordat je een nieuwe toevoegt."
    ]
    assert initiative.photos.count() == 2
    assert sorted(media_root.rglob("*.jpg")) == files_before


def test_the_photo_after_the_daily_upload_limit_is_refused_even_after_removing_some(
    settings, owner, initiative, media_root
):
    # Given an owner who uploaded and removed the day's allowance (the per-initiative cap
    # alone would let a delete-and-upload loop run for ever)
    settings.PHOTO_UPLOADS_PER_USER_PER_DAY = 2
    for _ in range(2):
        photo = photo_add(initiative=initiative, user=owner, image=small_jpeg(), alt_text="Foto")
        photo.delete()

    # When the owner uploads again
    with pytest.raises(ValidationError) as error, translation.override("nl"):
        photo_add(initiative=initiative, user=owner, image=small_jpeg(), alt_text="Nog een")

    # Then it is refused, and nothing is stored
    assert error.value.messages == [
        "Je hebt vandaag al 2 foto's toegevoegd. Morgen kun je er weer meer toevoegen."
    ]
    assert not InitiativePhoto.objects.exists()


def test_the_photo_form_shows_the_limit_as_a_form_error(
    client, settings, owner, initiative, media_root
):
    settings.PHOTOS_PER_INITIATIVE = 1
    photo_add(initiative=initiative, user=owner, image=small_jpeg(), alt_text="Een foto")
    client.force_login(owner)

    response = client.post(
        reverse("photo_upload", args=[initiative.slug]),
        {"image": small_jpeg(), "alt_text": "Nog een foto"},
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Dit initiatief heeft al 1 foto's, het maximum. "
        "Verwijder eerst een foto voordat je een nieuwe toevoegt."
    ]
    assert initiative.photos.count() == 1


def test_the_limits_have_sensible_defaults():
    assert django_settings.INVITATIONS_PER_USER_PER_DAY == 20
    assert django_settings.PHOTOS_PER_INITIATIVE == 20
    assert django_settings.PHOTO_UPLOADS_PER_USER_PER_DAY == 50


# --- Memory per upload ------------------------------------------------------------------------

# Runs in a fresh interpreter: ru_maxrss is a high-water mark, and Pillow allocates in C where
# tracemalloc sees nothing. A small photo first loads every module and codec into the baseline.
MEASURE = """
import os, resource, sys
import django
django.setup()
from django.core.files.uploadedfile import UploadedFile
from common.images import make_renditions

def process(path):
    with open(path, "rb") as file:
        upload = UploadedFile(file, name=os.path.basename(path), size=os.path.getsize(path))
        return make_renditions(upload)

for warm_up in sys.argv[2:]:
    process(warm_up)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
renditions = process(sys.argv[1])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
large = renditions["large"]
print((after - before) // 1024, large.width, large.height)
"""


def peak_megabytes(path, warm_up: list) -> tuple[int, int, int]:
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", MEASURE, str(path), *map(str, warm_up)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"},
        cwd=django_settings.BASE_DIR,
    )
    peak, width, height = map(int, result.stdout.split())
    return peak, width, height


def write_photo(path, size, image_format, mode="RGB", **params) -> None:
    """A photo-like image (gradient and shapes, so it compresses like one) written to path."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    for n in range(12):
        left = n * size[0] // 14
        draw.ellipse((left, size[1] // 4, left + size[0] // 10, size[1] // 2), fill=(200, 40, 40))
    if mode == "P":
        params["transparency"] = 0  # a transparent palette entry: flattened like RGBA
    image.convert(mode).save(path, format=image_format, **params)


@pytest.fixture
def warm_up(tmp_path) -> list:
    """One small image per format, so every codec is loaded before the baseline is taken."""
    paths = []
    for image_format, mode in (("JPEG", "RGB"), ("PNG", "RGBA"), ("WEBP", "RGBA")):
        path = tmp_path / f"warm.{image_format.lower()}"
        write_photo(path, (64, 48), image_format, mode=mode)
        paths.append(path)
    return paths


@pytest.mark.slow
def test_a_50_megapixel_phone_jpeg_is_processed_within_the_memory_budget(tmp_path, warm_up):
    # Given a 50 MP phone photo (8160×6120), stored sideways as phones do
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    path = tmp_path / "telefoon.jpg"
    write_photo(path, (8160, 6120), "JPEG", quality=85, exif=exif.tobytes())

    # When it is turned into renditions in a fresh process
    peak, width, height = peak_megabytes(path, warm_up)

    # Then memory stays within the budget and the large rendition is upright at 1600 px
    assert peak < MAX_PEAK_MB, f"peak {peak} MB"
    assert (width, height) == (1200, 1600)


@pytest.mark.slow
def test_the_largest_accepted_progressive_jpeg_is_processed_within_the_memory_budget(
    tmp_path, warm_up
):
    # Given a progressive JPEG at the multi-scan limit, without chroma subsampling (the most
    # coefficients libjpeg must buffer)
    size = (4000, MAX_PIXELS_MULTI_SCAN // 4000)
    path = tmp_path / "web.jpg"
    write_photo(path, size, "JPEG", progressive=True, subsampling=0)

    peak, width, _height = peak_megabytes(path, warm_up)

    assert peak < MAX_PEAK_MB, f"peak {peak} MB"
    assert width == 1600


@pytest.mark.slow
@pytest.mark.parametrize(
    ("image_format", "mode"), [("PNG", "RGBA"), ("PNG", "P"), ("WEBP", "RGBA")]
)
def test_the_largest_accepted_png_and_webp_are_processed_within_the_memory_budget(
    tmp_path, warm_up, image_format, mode
):
    # Given the largest image these formats may have (they cannot be decoded at a reduced size)
    width = 4000
    size = (width, MAX_PIXELS_FULL_DECODE[image_format] // width)
    path = tmp_path / f"grafiek.{image_format.lower()}"
    write_photo(path, size, image_format, mode=mode)

    # When it is turned into renditions in a fresh process
    peak, width, height = peak_megabytes(path, warm_up)

    # Then memory stays within the budget and the large rendition is 1600 px wide
    assert peak < MAX_PEAK_MB, f"peak {peak} MB"
    assert (width, height) == (1600, size[1] * 1600 // size[0])


# --- The daily window --------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """A settable clock for the rate-limit windows and the database cache's expiry."""
    now = [1_772_445_600.0]  # 2026-03-02 10:00 UTC
    fake_time = types.SimpleNamespace(time=lambda: now[0])
    monkeypatch.setattr(ratelimit, "time", fake_time, raising=False)
    monkeypatch.setattr(cache_base, "time", fake_time)
    monkeypatch.setattr(cache_db, "tz_now", lambda: datetime.datetime.fromtimestamp(now[0], UTC))
    return now


def test_the_daily_invitation_limit_holds_all_day_and_ends_the_next(
    settings, owner, initiative, clock
):
    # Given an owner who used the day's allowance in the morning
    settings.INVITATIONS_PER_USER_PER_DAY = 2
    for n in range(2):
        owner_invite(initiative=initiative, inviter=owner, email=f"buur{n}@example.org")

    # When the owner tries again ten minutes and six hours later, then the next day
    clock[0] += 10 * 60
    with pytest.raises(ValidationError):
        owner_invite(initiative=initiative, inviter=owner, email="buur2@example.org")
    clock[0] += 6 * 60 * 60
    with pytest.raises(ValidationError):
        owner_invite(initiative=initiative, inviter=owner, email="buur2@example.org")
    clock[0] += 24 * 60 * 60
    owner_invite(initiative=initiative, inviter=owner, email="buur2@example.org")

    # Then only the next day's invitation went out
    assert OwnerInvitation.objects.count() == 3
