"""Owners add photos to the profile: only clean, metadata-free JPEG copies are stored."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from initiatives.models import InitiativePhoto
from tests.factories import InitiativeFactory, UserFactory
from tests.photos import gps_exif

pytestmark = pytest.mark.django_db

ALT_TEXT = "Buren planten samen bollen in het plantsoen."


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def jpeg_with_gps() -> bytes:
    """A 900×600 JPEG whose EXIF says where it was taken."""
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), (40, 160, 60)).save(
        buffer, format="JPEG", exif=gps_exif().tobytes()
    )
    content = buffer.getvalue()
    assert Image.open(io.BytesIO(content)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return content


def upload_url(initiative) -> str:
    return reverse("photo_upload", args=[initiative.slug])


def photo_upload(client, initiative, content: bytes, name: str = "tuin.jpg", **data):
    image = SimpleUploadedFile(name, content, content_type="image/jpeg")
    return client.post(upload_url(initiative), {"image": image, "alt_text": ALT_TEXT, **data})


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


def test_the_photo_page_renders_for_an_owner(owner_client, initiative):
    # When
    response = owner_client.get(upload_url(initiative))

    # Then
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_an_owner_uploads_a_photo_and_returns_to_the_profile(owner_client, initiative):
    # When
    response = photo_upload(owner_client, initiative, jpeg_with_gps())

    # Then
    assert response.status_code == 302
    assert response.url == initiative.get_absolute_url()
    photo = InitiativePhoto.objects.get()
    assert photo.initiative == initiative
    assert photo.alt_text == ALT_TEXT
    assert (photo.width, photo.height) == (900, 600)


@pytest.mark.parametrize("rendition", ["large", "thumb"])
def test_the_stored_photo_files_are_jpegs_without_exif(owner_client, initiative, rendition):
    # Given
    photo_upload(owner_client, initiative, jpeg_with_gps())

    # When
    stored = getattr(InitiativePhoto.objects.get(), rendition)

    # Then
    assert stored.name.startswith(f"initiatives/{initiative.pk}/")
    assert stored.name.endswith(f"-{rendition}.jpg")
    assert "tuin" not in stored.name
    with Image.open(stored.path) as image:
        assert image.format == "JPEG"
        assert "exif" not in image.info
        assert dict(image.getexif()) == {}
    assert b"Exif" not in stored.read()


def test_the_thumbnail_is_at_most_480_pixels_wide(owner_client, initiative):
    # Given
    photo_upload(owner_client, initiative, jpeg_with_gps())

    # When
    with Image.open(InitiativePhoto.objects.get().thumb.path) as thumb:
        size = thumb.size

    # Then
    assert size == (480, 320)


def test_the_profile_shows_the_thumbnail_with_its_alt_text(owner_client, client, initiative):
    # Given
    photo_upload(owner_client, initiative, jpeg_with_gps())
    photo = InitiativePhoto.objects.get()
    client.logout()

    # When
    response = client.get(initiative.get_absolute_url())

    # Then
    assert response.status_code == 200
    assert f'<img src="{photo.thumb.url}" alt="{ALT_TEXT}"' in response.content.decode()


def test_a_text_file_named_jpg_is_refused_on_the_image_field(owner_client, initiative, media_root):
    # When
    response = photo_upload(owner_client, initiative, b"Dit is geen foto.\n", name="foto.jpg")

    # Then
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"image"}
    assert 'aria-invalid="true"' in str(response.context["form"]["image"])
    assert not InitiativePhoto.objects.exists()
    assert stored_files(media_root) == []


def test_a_photo_without_alt_text_is_refused_on_the_alt_text_field(owner_client, initiative):
    # When
    response = photo_upload(owner_client, initiative, jpeg_with_gps(), alt_text="")

    # Then
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"alt_text"}
    assert not InitiativePhoto.objects.exists()


def test_someone_who_is_not_an_owner_gets_403_on_a_published_initiative(
    client, initiative, media_root
):
    # Given
    client.force_login(UserFactory())

    # When
    response = photo_upload(client, initiative, jpeg_with_gps())

    # Then
    assert response.status_code == 403
    assert not InitiativePhoto.objects.exists()
    assert stored_files(media_root) == []


def test_someone_who_is_not_an_owner_gets_404_on_a_draft_initiative(client):
    # Given
    draft = InitiativeFactory(owner=UserFactory())
    client.force_login(UserFactory())

    # When
    response = photo_upload(client, draft, jpeg_with_gps())

    # Then
    assert response.status_code == 404
    assert not InitiativePhoto.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client, initiative):
    # When
    response = photo_upload(client, initiative, jpeg_with_gps())

    # Then
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not InitiativePhoto.objects.exists()


@pytest.fixture
def photo(owner_client, initiative):
    photo_upload(owner_client, initiative, jpeg_with_gps())
    return InitiativePhoto.objects.get()


def delete_url(photo) -> str:
    return reverse("photo_delete", args=[photo.initiative.slug, photo.pk])


def test_an_owner_deletes_a_photo(owner_client, photo, initiative):
    # When
    response = owner_client.post(delete_url(photo))

    # Then
    assert response.status_code == 302
    assert response.url == initiative.get_absolute_url()
    assert not InitiativePhoto.objects.exists()


def test_deleting_a_photo_removes_its_files_after_commit(
    owner_client, photo, media_root, django_capture_on_commit_callbacks
):
    # Given
    assert len(stored_files(media_root)) == 2

    # When
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(delete_url(photo))

    # Then
    assert stored_files(media_root) == []


def test_someone_who_is_not_an_owner_cannot_delete_a_photo(client, photo):
    # Given
    client.force_login(UserFactory())

    # When
    response = client.post(delete_url(photo))

    # Then
    assert response.status_code == 403
    assert InitiativePhoto.objects.filter(pk=photo.pk).exists()


def test_a_photo_cannot_be_deleted_through_another_initiative(owner, owner_client, photo):
    # Given
    other = InitiativeFactory(published=True, owner=owner)

    # When
    response = owner_client.post(reverse("photo_delete", args=[other.slug, photo.pk]))

    # Then
    assert response.status_code == 404
    assert InitiativePhoto.objects.filter(pk=photo.pk).exists()
