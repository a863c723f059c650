"""No personal data on public pages: every private field of the demo data carries a marker,
and no page an anonymous visitor can reach shows any of them."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from initiatives.demo import LOGINS, PRIVATE_MARKERS, demo_seed
from initiatives.models import Initiative, Need
from members.demo import members_demo_seed
from members.selectors import directory_members
from places.models import Municipality, Province

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(cbs_places):
    demo_seed(count=40, months=3)
    members_demo_seed()


def _public_urls() -> list[str]:
    urls = ["/", "/initiatieven/", reverse("privacy"), reverse("terms"), reverse("accessibility")]
    urls += [f"/initiatieven/?page={n}" for n in (1, 2)]
    for initiative in Initiative.objects.publicly_visible():
        urls.append(initiative.get_absolute_url())
    for need in Need.objects.filter(
        status=Need.Status.OPEN, initiative__status=Initiative.Status.PUBLISHED
    ):
        urls.append(reverse("help_offer", args=[need.initiative.slug, need.pk]))
    urls += [f"/provincies/{code}/" for code in Province.objects.values_list("code", flat=True)]
    municipalities = Municipality.objects.filter(initiatives__isnull=False).distinct()
    urls += [f"/gemeenten/{m.code}/" for m in municipalities]
    urls += ["/leden/", "/leden/?page=2", "/leden/?province=PV27"]
    urls += [member.get_absolute_url() for member in directory_members()]
    return urls


def _markers_in(html: str) -> list[str]:
    return [marker for marker in PRIVATE_MARKERS if marker in html]


def test_no_public_page_shows_private_demo_data(client, demo):
    urls = _public_urls()
    assert len(urls) > 60
    leaks = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        found = _markers_in(response.content.decode())
        if found:
            leaks[url] = found
    assert leaks == {}


def test_the_markers_are_really_in_the_data_the_scan_looks_for(client, demo):
    # Given a staff member, who may see contact details
    client.force_login(User.objects.get(email=LOGINS["staff"]))
    initiative = Initiative.objects.published().first()
    html = client.get(initiative.get_absolute_url()).content.decode()
    # Then the same scan finds the markers: a leak would not go unnoticed.
    assert set(_markers_in(html)) >= {"prive-marker.invalid", "+31 6 9999"}


def test_logged_in_residents_do_not_see_other_initiatives_private_data(client, demo):
    client.force_login(User.objects.get(email=LOGINS["resident"]))
    not_theirs = Initiative.objects.published().exclude(ownerships__user__email=LOGINS["resident"])
    for initiative in not_theirs[:20]:
        html = client.get(initiative.get_absolute_url()).content.decode()
        assert _markers_in(html) == [], initiative.slug


def test_demo_seed_is_idempotent_and_prints_logins(cbs_places, capsys):
    call_command("seed_demo", count=10, months=2)
    first = Initiative.objects.count()
    call_command("seed_demo", count=10, months=2)
    out = capsys.readouterr().out
    assert Initiative.objects.count() == first == 11
    assert LOGINS["resident"] in out and LOGINS["officer"] in out and LOGINS["staff"] in out
    assert re.search(r"Demo initiatives created: 0", out)
