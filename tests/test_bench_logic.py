"""The benches' own logic: reading what a page found, the cache hit rate and issue 19's targets.

The benches themselves run outside the suite (`make bench-browse`, `make bench-load`); these
check the parts that decide whether a figure counts: a wrong reading would let a bench time
an empty answer, or call a missed target met.
"""

import json
import os
import subprocess
import sys
from collections import Counter

import pytest

from bench.browse import Scenario, check
from bench.found import NotFound, area_facts, expect_list_page, list_facts, number
from bench.load import Cpu, Phase, Row, budget, cores, hit_rate, hit_words, parse, targets
from bench.urlspace import normalised
from initiatives.models import SearchWord
from initiatives.search import search_words_rebuild
from tests.factories import InitiativeFactory

LIST_HTML = """
<section id="results" class="results" aria-labelledby="result-count">
  <p class="notice">Niets gevonden voor “moestuiin”. Resultaten voor “moestuin”.</p>
  <p id="result-count" class="result-count" role="status">1.234 initiatieven gevonden</p>
  <ul class="card-list">
    <li class="card">
      <a href="/initiatieven/moestuin-de-groene-hoek-1/"><strong>Moestuin</strong></a>
    </li>
    <li class="card">
      <a href="/initiatieven/moestuin-zonnig-2/"><strong>Moestuin Zonnig</strong></a>
    </li>
  </ul>
</section>
"""

AREA_HTML = """
<dl class="stats">
  <div><dt>Gepubliceerde initiatieven</dt>
    <dd>2.345</dd>
    <dd class="stats-note">12,3 per 10.000 inwoners</dd></div>
  <div><dt>Actieve vrijwilligers</dt>
    <dd>{volunteers}</dd></div>
  <div><dt>Vrijwilligersuren</dt>
    <dd>{hours}</dd></div>
</dl>
<li class="card">
  <a href="/initiatieven/buurthuis-oost-3/">Buurthuis Oost</a>
"""


def test_numbers_read_with_dutch_and_english_separators():
    assert number("1.234") == 1234
    assert number("1,234,567") == 1234567
    assert number("0") == 0
    with pytest.raises(ValueError):
        number("–")


def test_a_list_page_is_read_as_a_visitor_sees_it():
    facts = list_facts(LIST_HTML)
    assert facts.total == 1234
    assert facts.slugs == ["moestuin-de-groene-hoek-1", "moestuin-zonnig-2"]
    assert facts.corrected


def test_a_page_without_a_result_count_is_not_a_list():
    with pytest.raises(NotFound):
        list_facts("<p>Er ging iets mis</p>")


def test_the_cards_on_a_page_must_match_the_count():
    facts = list_facts(LIST_HTML)
    with pytest.raises(NotFound, match="shows 2 initiatives, not 25"):
        expect_list_page(facts, per_page=25, page=1)
    # 1,234 at 25 per page: page 50 holds the last 9; a page beyond the end shows the last.
    with pytest.raises(NotFound, match="not 9"):
        expect_list_page(facts, per_page=25, page=50)
    two = list_facts(LIST_HTML.replace("1.234", "27"))
    expect_list_page(two, per_page=25, page=2)
    expect_list_page(two, per_page=25, page=99)


def test_a_dashboard_is_read_with_its_count_and_whether_it_has_figures():
    facts = area_facts(AREA_HTML.format(volunteers="1.020", hours="45.600"))
    assert facts.initiatives == 2345
    assert facts.newest == ["buurthuis-oost-3"]
    assert facts.has_handprint
    assert not area_facts(AREA_HTML.format(volunteers="–", hours="–")).has_handprint


def test_hit_rate_is_na_without_the_header_and_counts_only_hits():
    assert hit_rate(Counter({"none": 50})) is None
    assert hit_words(Counter({"none": 50})) == "n/a"
    assert hit_words(None) == "n/a"
    assert hit_rate(Counter({"hit": 30, "miss": 10})) == 0.75
    assert hit_rate(Counter({"bypass": 40})) == 0.0


def phase(name: str, *, mix: float, trivial: float, p95: float, failures: int = 0) -> Phase:
    cpu = Cpu(wall=1, web=0, database=0, locust=0, busy=0)
    return Phase(
        name=name,
        mix=[Row("all", 1000, failures, mix, 10, p95, p95)],
        mix_cpu=cpu,
        trivial=[Row("all", 1000, 0, trivial, 1, 2, 3)],
        trivial_cpu=cpu,
        cache={},
        failures=[],
    )


def test_targets_pass_only_when_every_one_is_met():
    warm = phase("warm", mix=400, trivial=1000, p95=120)
    bypassed = phase("bypassed", mix=100, trivial=1000, p95=290)
    assert all(met for _text, met in targets(warm, bypassed, users=32))

    slow = phase("warm", mix=399, trivial=1000, p95=300, failures=1)
    verdicts = dict(targets(slow, bypassed, users=32))
    failed = [text for text, met in verdicts.items() if not met]
    assert len(failed) == 3  # the share, the p95 and the error
    assert any("39.9%" in text for text in failed)


def test_the_p95_target_is_for_32_users():
    warm = phase("warm", mix=900, trivial=1000, p95=10)
    bypassed = phase("bypassed", mix=900, trivial=1000, p95=10)
    verdicts = targets(warm, bypassed, users=8)
    assert [met for text, met in verdicts if text.startswith("p95")] == [False, False]


def test_urls_are_compared_as_the_page_cache_keys_them():
    assert normalised("/initiatieven/?theme=groen&municipality=GM0363") == normalised(
        "/initiatieven/?municipality=GM0363&theme=groen"
    )
    assert normalised("/initiatieven/?page=2") != normalised("/initiatieven/?page=3")
    assert normalised("/methode/") == "/methode/"


def test_the_budget_is_the_trivial_views_cost_divided_by_the_target_share():
    warm = phase("warm", mix=200, trivial=2000, p95=100)
    bypassed = phase("bypassed", mix=50, trivial=2000, p95=100)
    bypassed.mix_cpu = Cpu(wall=60, web=30, database=24, locust=3, busy=59)
    trivial_ms = 1000 * cores() / 2000
    lines = budget(warm, bypassed)
    assert f"allows {trivial_ms / 0.10:.2f} ms per mixed request" in lines[0]
    assert f"it took {1000 * cores() / 50:.2f} ms" in lines[0]
    assert "PostgreSQL 24.00 ms" in lines[0]  # 24 s over the row's 1,000 requests
    assert f"allows {trivial_ms / 0.40:.2f} ms per mixed request" in lines[1]
    assert len(lines) == 2  # no ideal hit rate: no line about it

    warm.ideal = {"requests": 1000, "ideal": 0.75, "by_endpoint": {"list": 0.5}, "warmed": 9}
    lines = budget(warm, bypassed)
    miss_allowed = (trivial_ms / 0.40 - 0.75 * trivial_ms) / 0.25
    assert "75.0%" in lines[2] and "list 50%" in lines[2]
    assert f"allows a miss {miss_allowed:.1f} ms" in lines[3]


def test_the_ideal_hit_rate_counts_first_requests_as_misses(tmp_path):
    """bench/urlspace.py with the locustfile's own tasks: a URL asked for the first time is a
    miss, a URL asked before or warmed is a hit, so a longer run gets nearer to all hits."""
    config = {
        "slugs": ["a", "b"],
        "provinces": ["PV27"],
        "municipality_per_initiative": ["GM0363", "GM0363"],
        "districts": [["GM0363", "WK036300"]],
        "themes": ["groen"],
        "kinds": ["garden"],
        "searches": ["moestuin"],
        "typos": ["moestuiin"],
        "trivial_path": "/bench/trivial/",
    }
    (tmp_path / "config.json").write_text(json.dumps(config))

    def ideal(warmup: int, measured: int, warmed: list[str]) -> dict:
        (tmp_path / "warmed.json").write_text(json.dumps(warmed))
        result = subprocess.run(  # noqa: S603 - our own command
            [sys.executable, "-m", "bench.urlspace", f"--warmed={tmp_path / 'warmed.json'}"]
            + [f"--warmup={warmup}", f"--measured={measured}"],
            env={**os.environ, "BENCH_LOAD_CONFIG": str(tmp_path / "config.json")},
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(result.stdout.strip().splitlines()[-1])

    cold = ideal(0, 300, [])
    assert cold["requests"] == 300
    assert 0 < cold["ideal"] < 1
    assert cold["by_endpoint"]["method"] < 1  # its first request missed
    warmed = ideal(0, 300, ["/methode/", "/leden/", "/"])
    assert warmed["by_endpoint"]["method"] == 1
    assert warmed["by_endpoint"]["home"] == 1
    assert ideal(3000, 300, [])["ideal"] > cold["ideal"]


def test_the_full_run_warms_the_page_cache_first_and_the_quick_run_does_not():
    assert parse([]).warm is True
    assert parse(["--quick"]).warm is False
    assert parse(["--quick", "--warm"]).warm is True
    assert parse(["--no-warm"]).warm is False


@pytest.mark.django_db
def test_search_words_rebuild_collects_what_the_trigger_collects():
    InitiativeFactory(name="Moestuin De Groene Hoek", summary="Groenten kweken.", published=True)
    InitiativeFactory(name="Geheimzinnigetuinclub", summary="Nog niet openbaar.")
    by_trigger = set(SearchWord.objects.values_list("word", flat=True))
    assert {"moestuin", "groenten"} <= by_trigger
    SearchWord.objects.all().delete()

    assert search_words_rebuild() == len(by_trigger)
    assert set(SearchWord.objects.values_list("word", flat=True)) == by_trigger
    assert "geheimzinnigetuinclub" not in by_trigger
    assert search_words_rebuild() == 0  # idempotent


@pytest.mark.django_db
def test_the_browse_bench_fails_loudly_when_a_typo_finds_nothing(client):
    """Dataset 3's bug: without search words a typo finds nothing, and the bench timed that."""
    InitiativeFactory(name="Moestuin De Groene Hoek", summary="Groenten kweken.", published=True)
    InitiativeFactory(name="Moestuin Zonnig", summary="Samen oogsten.", published=True)
    InitiativeFactory(name="Buurthuis Oost", summary="Koffie en taal.", published=True)
    typo = Scenario(
        "typo",
        "search",
        "/initiatieven/?q=moestuiin",
        same_as="/initiatieven/?q=moestuin",
        names="Moestuin ",
    )

    def page() -> str:
        response = client.get(typo.url)
        assert response.status_code == 200
        return response.content.decode()

    assert check(typo, typo.url, page()).startswith("2 found")

    SearchWord.objects.all().delete()
    with pytest.raises(NotFound, match="found no initiatives"):
        check(typo, typo.url, page())


@pytest.mark.django_db
def test_the_browse_bench_fails_a_list_whose_count_is_not_its_filters(client):
    InitiativeFactory(name="Moestuin De Groene Hoek", kind="garden", published=True)
    url = "/initiatieven/?kind=garden"
    html = client.get(url).content.decode()
    assert check(Scenario("gardens", "list", url), url, html).startswith("1 found")
    # Another garden published after the page was rendered: the page no longer tells the truth.
    InitiativeFactory(name="Pluktuin Oost", kind="garden", published=True)
    with pytest.raises(NotFound, match="the filters find 2"):
        check(Scenario("gardens", "list", url), url, html)
