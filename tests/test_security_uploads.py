"""Hostile photo uploads through the owner's real form: refused with a form error on the image
field (never a 500, nothing stored), or re-encoded so that no byte of the payload survives.

tests/test_images.py checks common/images.py itself; this goes through the view and storage.
"""

import io
import json
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from PIL import Image

from accounts.api_auth import api_token_create
from common import images
from config.views import media_serve
from initiatives.models import Initiative, InitiativePhoto
from tests.factories import InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db

SCRIPT = b"<script>alert(document.cookie)</script>"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def owner_client(client):
    owner = UserFactory()
    client.force_login(owner)
    client.initiative = InitiativeFactory(published=True, owner=owner)
    return client


def encode(image: Image.Image, image_format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **params)
    return buffer.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    data = bytearray(encode(Image.new("RGB", (1, 1)), "PNG"))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def upload(client, content: bytes, name: str, content_type: str = "image/jpeg"):
    return client.post(
        reverse("photo_upload", args=[client.initiative.slug]),
        {"image": SimpleUploadedFile(name, content, content_type), "alt_text": "Een foto"},
    )


def stored(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


REFUSED = {
    "text named .jpg": (b"Beste buren,\ntot zaterdag!\n", "foto.jpg", "image/jpeg"),
    "html named .jpg": (b"<!DOCTYPE html><html>" + SCRIPT + b"</html>", "foto.jpg", "image/jpeg"),
    "html as html": (b"<html>" + SCRIPT + b"</html>", "foto.html", "text/html"),
    "svg with script": (
        b'<svg xmlns="http://www.w3.org/2000/svg">' + SCRIPT + b"</svg>",
        "foto.svg",
        "image/svg+xml",
    ),
    "svg named .png": (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "foto.png",
        "image/png",
    ),
    "pdf named .jpg": (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n",
        "foto.jpg",
        "image/jpeg",
    ),
    "gif (not allowed)": (encode(Image.new("P", (10, 10)), "GIF"), "foto.gif", "image/gif"),
    "empty file": (b"", "foto.jpg", "image/jpeg"),
    "truncated jpeg": (
        encode(Image.effect_noise((200, 200), 60).convert("RGB"), "JPEG")[:1500],
        "foto.jpg",
        "image/jpeg",
    ),
    "bomb 100000x100000 png": (png_claiming_size(100_000, 100_000), "bom.png", "image/png"),
    "bomb 8000x6000 png": (png_claiming_size(8_000, 6_000), "bom.png", "image/png"),
    "php with jpeg magic": (
        b"\xff\xd8\xff\xe0<?php system($_GET['c']); ?>",
        "foto.php.jpg",
        "image/jpeg",
    ),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_hostile_upload_is_refused_with_a_form_error_and_nothing_stored(
    owner_client, media_root, case
):
    content, name, content_type = REFUSED[case]

    response = upload(owner_client, content, name, content_type)

    assert response.status_code == 200  # the form again, not a 500
    form = response.context["form"]
    assert set(form.errors) == {"image"}
    assert 'aria-invalid="true"' in str(form["image"])
    assert not InitiativePhoto.objects.exists()
    assert stored(media_root) == []


@pytest.mark.parametrize("name", ["tuin.html", "tuin.svg", "tuin.php", "tuin.exe", "tuin"])
def test_a_real_image_under_a_non_image_name_is_refused(owner_client, media_root, name):
    response = upload(owner_client, polyglot_jpeg(), name, "image/jpeg")

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"image"}
    assert not InitiativePhoto.objects.exists()
    assert stored(media_root) == []


def test_oversized_upload_is_refused_with_a_form_error(owner_client, media_root, monkeypatch):
    monkeypatch.setattr(images, "MAX_UPLOAD_BYTES", 50_000)
    content = encode(Image.effect_noise((400, 400), 80).convert("RGB"), "JPEG", quality=100)
    assert len(content) > 50_000

    response = upload(owner_client, content, "groot.jpg")

    assert response.status_code == 200
    [error] = response.context["form"].errors.as_data()["image"]
    assert error.code == "too_large"  # the size check itself, not another refusal
    assert not InitiativePhoto.objects.exists()
    assert stored(media_root) == []


def test_api_bodies_above_the_server_limit_are_refused_for_a_signed_in_writer(client, settings):
    # Given a writer with a valid API token (anonymous writes stop at 401 before the body is
    # read, so the size limit would never be reached) and a small server limit
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    _token, key = api_token_create(user=UserFactory(), name="script")
    body = json.dumps({"name": "Moestuin", "summary": "x" * 5_000})

    # When a body larger than the limit is posted
    response = client.post(
        "/api/v1/initiatives/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )

    # Then it is refused before it is parsed: nothing is created
    assert response.status_code == 413
    assert not Initiative.objects.exists()


def test_form_bodies_above_the_server_limit_are_refused_for_a_signed_in_owner(
    owner_client, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000

    response = owner_client.post(
        reverse("photo_upload", args=[owner_client.initiative.slug]), {"alt_text": "x" * 5_000}
    )

    assert response.status_code == 400
    assert not InitiativePhoto.objects.exists()


def polyglot_jpeg() -> bytes:
    """A real JPEG carrying script in its EXIF, its comment, its XMP and after its end."""
    exif = Image.Exif()
    exif[0x010E] = SCRIPT.decode()  # ImageDescription
    exif[0x013B] = "<img src=x onerror=alert(1)>"  # Artist
    content = encode(
        Image.new("RGB", (300, 200), (30, 140, 60)),
        "JPEG",
        exif=exif.tobytes(),
        comment=SCRIPT,
        xmp=b"<x:xmpmeta>" + SCRIPT + b"</x:xmpmeta>",
    )
    return content + SCRIPT  # trailing bytes after the end-of-image marker


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("tuin.jpg", "image/jpeg"), ("tuin.png", "image/png"), ("tuin.webp", "text/html")],
)
def test_polyglot_image_is_stored_only_as_a_clean_reencoded_jpeg(
    owner_client, media_root, name, content_type
):
    # Given a real image full of script, under an honest or a misleading name
    content = polyglot_jpeg()
    assert content.count(SCRIPT) >= 3

    # When the owner uploads it
    response = upload(owner_client, content, name, content_type)

    # Then only re-encoded JPEGs with fresh .jpg names are stored, without any payload byte
    assert response.status_code == 302
    photo = InitiativePhoto.objects.get()
    files = stored(media_root)
    assert {path.name for path in files} == {
        photo.large.name.rsplit("/", 1)[-1],
        photo.thumb.name.rsplit("/", 1)[-1],
    }
    for path in files:
        assert path.suffix == ".jpg"
        data = path.read_bytes()
        assert b"<script" not in data and b"onerror" not in data and b"<x:xmpmeta" not in data
        assert data.startswith(b"\xff\xd8") and data.rstrip(b"\x00").endswith(b"\xff\xd9")
        with Image.open(path) as image:
            assert image.format == "JPEG"
            assert len(image.getexif()) == 0
            assert not {"comment", "xmp", "exif"} & image.info.keys()


def test_stored_photos_are_served_as_images_never_as_pages(owner_client, media_root):
    # Given an uploaded polyglot
    upload(owner_client, polyglot_jpeg(), "tuin.jpg", "text/html")
    photo = InitiativePhoto.objects.get()

    # When its stored file is fetched
    response = media_serve(RequestFactory().get(photo.large.url), photo.large.name)

    # Then it is a JPEG, not sniffable, sandboxed
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
