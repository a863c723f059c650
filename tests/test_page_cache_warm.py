"""The page cache warmer (pagecache/warm.py, `manage.py page_cache_warm`, the beat task): after a
warm, a visitor's first request of every default page is a hit, with the body a fresh render
would have; pages already cached are skipped; a failing page is reported, not fatal."""

import datetime
import io
import pickle
import time
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from common.pagecache import client as pagecache_client
from config.celery import app as celery_app
from impact.methods import current_version
from initiatives.models import Theme
from pagecache import tasks as warm_tasks
from pagecache.middleware import ENTRY_FORMAT, HEADER, Entry, entry_seconds, page_key
from pagecache.warm import page_paths, warm
from tests.factories import DistrictFactory, InitiativeFactory

UNREACHABLE_PAGES = {"LOCATION": "redis://127.0.0.1:1/0"}


@pytest.fixture
def world(cache_on, owner, committed):
    """Two published initiatives in one wijk; the URLs of some of their pages."""
    district = DistrictFactory()
    with committed():
        a = InitiativeFactory(
            published=True,
            owner=owner,
            district=district,
            municipality=district.municipality,
        )
        b = InitiativeFactory(published=True, district=district, municipality=district.municipality)
    return {
        "a": a,
        "profile_a": f"/initiatieven/{a.slug}/",
        "profile_b": f"/initiatieven/{b.slug}/",
        "list": "/initiatieven/",
        "home": "/",
        "method": "/methode/",
        "members": "/leden/",
        "area": f"/gemeenten/{district.municipality.code}/",
    }


pytestmark = pytest.mark.django_db

HOST = "http://testserver"  # the test client's host: the warmer must store under its keys


def _warm(*options: str) -> str:
    out = io.StringIO()
    call_command("page_cache_warm", "--host", HOST, *options, stdout=out, stderr=out)
    return out.getvalue()


def _pages(world) -> list[str]:  # noqa: ANN001
    a = world["a"]
    return [
        world["home"],
        world["method"],
        f"/methode/{current_version().code}/",
        world["members"],
        world["list"],
        f"/initiatieven/?province={a.municipality.province_id}",
        f"/initiatieven/?municipality={a.municipality_id}",
        world["profile_a"],
        world["profile_b"],
        world["area"],
        f"/provincies/{a.municipality.province_id}/",
        f"/gemeenten/{a.municipality_id}/wijken/{a.district_id}/",
    ]


def test_after_a_warm_every_default_page_is_a_hit_equal_to_a_fresh_render(world, client, settings):
    output = _warm("--languages", "nl")
    assert "0 errors" in output, output
    cached = {url: client.get(url) for url in _pages(world)}
    assert {url: r[HEADER] for url, r in cached.items()} == dict.fromkeys(cached, "hit")
    settings.PAGE_CACHE_ENABLED = False
    for url, response in cached.items():
        fresh = client.get(url)
        assert fresh[HEADER] == "bypass"
        assert response.content == fresh.content, url


def test_lists_with_one_more_filter_are_warmed_in_any_parameter_order(world, client):
    """A place and one more choice (the dashboards' "open needs" links among them) is a hit,
    whatever order the visitor's address puts the parameters in; two more choices are not
    warmed."""
    a = world["a"]
    theme, _created = Theme.objects.get_or_create(
        slug="groen", defaults={"name_nl": "Groen", "name_en": "Green"}
    )
    paths = {path for kind, path in page_paths(["filters"])}
    place = f"municipality={a.municipality_id}"
    assert f"/initiatieven/?{place}&theme={theme.slug}" in paths
    assert f"/initiatieven/?{place}&need=money" in paths
    assert f"/initiatieven/?province={a.municipality.province_id}&ordering=name" in paths
    assert "/initiatieven/?kind=garden" in paths
    assert not [path for path in paths if path.count("&") > 1]
    assert "rendered" in _warm("--languages", "nl", "--only", "filters")
    assert client.get(f"/initiatieven/?theme={theme.slug}&{place}")[HEADER] == "hit"
    assert client.get(f"/initiatieven/?need=money&{place}")[HEADER] == "hit"
    assert client.get(f"/initiatieven/?need=money&theme={theme.slug}&{place}")[HEADER] == "miss"


def test_each_language_is_warmed_under_its_own_key(world):
    _warm("--only", "home,profiles")
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    dutch = Client(HTTP_ACCEPT_LANGUAGE="nl")
    for url in (world["home"], world["profile_a"]):
        assert english.get(url)[HEADER] == "hit"
        assert dutch.get(url)[HEADER] == "hit"
    assert english.get(world["home"])["Content-Language"] == "en"


def test_pages_already_cached_are_skipped(world):
    first, _seconds = warm(
        kinds=["home", "profiles"], languages=["nl"], scheme="http", host="testserver"
    )
    assert (first.rendered, first.skipped, first.errors) == (3, 0, [])
    assert first.bytes_stored > 0
    again, _seconds = warm(
        kinds=["home", "profiles"], languages=["nl"], scheme="http", host="testserver"
    )
    assert (again.rendered, again.skipped, again.bytes_stored) == (0, 3, 0)
    assert "0 rendered, 3 skipped" in _warm("--languages", "nl", "--only", "home,profiles")


def test_only_published_initiatives_and_their_areas_are_warmed(world, committed):
    district = DistrictFactory()
    with committed():
        draft = InitiativeFactory(
            published=False,
            name="Nog geheim",
            district=district,
            municipality=district.municipality,
        )
    paths = [path for _kind, path in page_paths()]
    assert world["profile_a"] in paths and world["profile_b"] in paths
    assert f"/initiatieven/{draft.slug}/" not in paths
    assert not [path for path in paths if district.municipality_id in path]


def test_a_failing_page_is_reported_and_the_others_are_warmed(world, client, monkeypatch):
    def broken(*args, **kwargs):  # noqa: ANN002,ANN003,ANN202
        raise RuntimeError("dashboard broke")

    monkeypatch.setattr("areas.views.area_dashboard", broken)
    output = _warm("--languages", "nl", "--only", "areas,profiles")
    assert f"error [nl] {world['area']}: HTTP 500" in output
    assert "2 rendered" in output
    assert client.get(world["profile_a"])[HEADER] == "hit"


def test_limit_and_unknown_options(world):
    assert "1 rendered" in _warm("--languages", "nl", "--limit", "1")
    with pytest.raises(CommandError, match="unknown kind"):
        _warm("--only", "everything")
    with pytest.raises(CommandError, match="unknown language"):
        _warm("--languages", "fr")
    with pytest.raises(CommandError, match="not in ALLOWED_HOSTS"):
        call_command("page_cache_warm", "--host", "elders.example", stdout=io.StringIO())


def test_redis_down_stops_with_a_clear_message(world, settings):
    settings.CACHES = {
        **settings.CACHES,
        "pages": {**settings.CACHES["pages"], **UNREACHABLE_PAGES},
    }
    with pytest.raises(CommandError, match="Redis of the page cache is unreachable"):
        _warm()


def test_the_beat_task_warms_on_the_bulk_queue_when_enabled(world, settings):
    assert (
        celery_app.amqp.router.route({}, "pagecache.tasks.page_cache_warm")["queue"].name == "bulk"
    )
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "pagecache.tasks.page_cache_warm"
    )
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {5})
    assert warm_tasks.page_cache_warm_task() == 0  # off in the tests
    settings.PAGE_CACHE_WARM = True
    assert warm_tasks.page_cache_warm_task() > 0


def test_entries_are_stored_compressed_and_an_uncompressed_older_entry_is_a_miss(world, client):
    warm(kinds=["profiles"], languages=["nl"], scheme="http", host="testserver")
    response = client.get(world["profile_a"])
    assert response[HEADER] == "hit"
    key = page_key(response.wsgi_request)
    redis = pagecache_client()
    stored = redis.get(key)
    assert stored.startswith(ENTRY_FORMAT)
    assert len(stored) < len(response.content) / 2
    # The previous release stored the pickled Entry as it was.
    older = pickle.dumps(
        Entry(200, "text/html", b"older", {"everything": 1}, time.time(), etag='"x"')
    )
    redis.set(key, older)
    again = client.get(world["profile_a"])
    assert again[HEADER] == "miss"
    assert again.content == response.content


@pytest.mark.parametrize(
    ("local", "seconds"),
    [
        ("2026-06-10 23:00", 60 * 60 + 60),
        ("2026-06-10 00:05", 23 * 60 * 60 + 55 * 60 + 60),
        # The night the clocks go back (25 hours) and forward (23 hours).
        ("2026-10-24 23:30", 30 * 60 + 60),
        ("2026-10-25 00:00", 25 * 60 * 60),  # capped: 25 h + 1 min would outlive the day
        ("2026-03-29 00:00", 23 * 60 * 60 + 60),
    ],
)
def test_entries_expire_a_minute_after_the_local_midnight(local, seconds, time_machine):
    zone = ZoneInfo("Europe/Amsterdam")
    moment = datetime.datetime.fromisoformat(local).replace(tzinfo=zone)
    time_machine.move_to(moment, tick=False)
    assert entry_seconds() == seconds
