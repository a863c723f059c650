"""A NUL byte in a decoded path, query or form value is a 400, never a 500 (issue 14, point 4).

PostgreSQL text cannot hold NUL; a value that reaches a query with one made psycopg raise and
the page answer 500. common.middleware.NulByteMiddleware refuses such requests before any view
runs; file parts of uploads (photos, spreadsheets) legitimately hold NUL bytes and still work.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from initiatives.models import Initiative, InitiativePhoto
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

BAD_REQUEST_TITLE = "<title>Ongeldig verzoek · Buurtbeurs</title>"


@pytest.fixture(autouse=True)
def _production_errors(settings, tmp_path):
    settings.DEBUG = False
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def _profile(municipality: str) -> dict:
    return {"name": "Moestuin", "summary": "Samen tuinieren.", "kind": "garden",
            "municipality": municipality, "legal_form": "none"}  # fmt: skip


def _is_the_400_page(response) -> bool:
    return response.status_code == 400 and BAD_REQUEST_TITLE in response.content.decode()


def test_a_nul_byte_in_a_gemeente_on_the_new_initiative_form_is_a_400(owner_client):
    MunicipalityFactory()

    response = owner_client.post("/initiatieven/nieuw/", _profile("\x00"))

    assert _is_the_400_page(response)
    assert Initiative.objects.count() == 0


def test_a_nul_byte_in_a_gemeente_on_the_edit_form_is_a_400(owner_client, initiative):
    response = owner_client.post(f"/initiatieven/{initiative.slug}/bewerken/", _profile("\x00"))

    assert _is_the_400_page(response)
    initiative.refresh_from_db()
    assert initiative.name != "Moestuin"


def test_a_nul_byte_in_a_method_version_path_is_a_400(client):
    response = client.get("/methode/%00/")

    assert _is_the_400_page(response)


def test_a_nul_byte_in_an_invitation_token_path_is_a_400(owner_client):
    response = owner_client.post("/mijn/uitnodiging/ab%00c/")

    assert _is_the_400_page(response)


def test_a_nul_byte_in_a_query_value_is_a_400(client):
    response = client.get("/initiatieven/", {"gemeente": "GM\x000363"})

    assert _is_the_400_page(response)


def test_a_nul_byte_in_a_field_name_is_a_400(owner_client):
    response = owner_client.post("/initiatieven/nieuw/", {"name\x00": "x"})

    assert _is_the_400_page(response)


def test_the_api_answers_a_nul_byte_with_its_json_error_naming_the_parameter(client):
    response = client.get("/api/v1/initiatives/", {"q": "tuin\x00"})

    assert response.status_code == 400
    assert response.json()["errors"] == {"q": "Null-tekens zijn niet toegestaan."}


def test_the_api_answers_a_nul_byte_in_its_path_with_its_json_error(client):
    response = client.get("/api/v1/places/municipalities/GM%000363/")

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid input.", "errors": {}}


def test_a_photo_upload_whose_file_holds_nul_bytes_still_works(owner_client, initiative):
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (0, 0, 0)).save(buffer, format="JPEG")
    content = buffer.getvalue()
    assert b"\x00" in content

    response = owner_client.post(
        f"/initiatieven/{initiative.slug}/fotos/",
        {
            "image": SimpleUploadedFile("foto.jpg", content, content_type="image/jpeg"),
            "alt_text": "Een zwart vlak.",
        },
    )

    assert response.status_code == 302, response.content[:300]
    assert InitiativePhoto.objects.filter(initiative=initiative).count() == 1
