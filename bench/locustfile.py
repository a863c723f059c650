"""The traffic of `make bench-load` (bench/load.py starts it; not meant to be run by hand).

`PublicUser` browses the public pages as anonymous visitors do: the home page, the
initiative list with realistic filter combinations (a gemeente or province, a theme, a kind,
a sort order, a page, search terms with and without typos), profiles spread over every
published initiative, area dashboards of every gemeente and wijk, the method and the member
directory. **No API and no writes**: the page cache of issue 19 is for public pages, and the
mix measures those alone. `TrivialUser` asks only for the trivial view, the framework's
ceiling. Neither waits between requests: the users keep the web processes busy, so the
throughput is what the server can do, and the runs are comparable.

Every answer is checked (`bench.found`): a page that is not a 200, a list without its count,
or a search without filters that finds nothing counts as a failure. The `X-Page-Cache` header
of each answer is counted per endpoint and written to BENCH_LOAD_CACHE_COUNTS at the end.

bench/load.py writes the JSON file BENCH_LOAD_CONFIG names: every published slug, the places,
themes, kinds and search terms of the bench database.
"""

import json
import os
import random
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

from locust import FastHttpUser, constant, events, task

from bench.found import NotFound, area_facts, list_facts

CONFIG = json.loads(Path(os.environ["BENCH_LOAD_CONFIG"]).read_text())
SLUGS: list[str] = CONFIG["slugs"]
PROVINCES: list[str] = CONFIG["provinces"]
# A gemeente per published initiative: choosing from it weighs gemeenten as the data does.
MUNICIPALITY_PER_INITIATIVE: list[str] = CONFIG["municipality_per_initiative"]
DISTRICTS: list[list[str]] = CONFIG["districts"]  # [gemeente, wijk] with initiatives
THEMES: list[str] = CONFIG["themes"]
KINDS: list[str] = CONFIG["kinds"]
SEARCHES: list[str] = CONFIG["searches"]
TYPOS: list[str] = CONFIG["typos"]
TRIVIAL_PATH: str = CONFIG["trivial_path"]
CACHE_HEADER = "X-Page-Cache"
CACHE_COUNTS: dict[str, Counter] = defaultdict(Counter)
rng = random.Random()  # noqa: S311 - picks what to ask for: no security meaning


def list_url(*, search: bool) -> str:
    """A list URL as visitors build them with the filter form: mostly a place, sometimes a
    theme or kind, a sort order now and then, mostly the first page."""
    params: dict[str, str | int] = {}
    if search:
        params["q"] = rng.choice(TYPOS if rng.random() < 0.3 else SEARCHES)
    place = rng.random()
    if place < (0.3 if search else 0.6):
        params["municipality"] = rng.choice(MUNICIPALITY_PER_INITIATIVE)
    elif place < (0.4 if search else 0.8):
        params["province"] = rng.choice(PROVINCES)
    if rng.random() < 0.3:
        params["theme"] = rng.choice(THEMES)
    if rng.random() < 0.25:
        params["kind"] = rng.choice(KINDS)
    if rng.random() < 0.25:
        params["ordering"] = rng.choice(["name", "hours", "newest"])
    if rng.random() < 0.2:
        params["page"] = rng.randint(2, 5 if params else 400)
    return "/initiatieven/" + (f"?{urlencode(params)}" if params else "")


class Checked:
    """Marks an answer a failure unless it is a 200 showing what a user would find."""

    def __init__(self, user: FastHttpUser, url: str, name: str) -> None:
        self.user, self.url, self.name = user, url, name

    def run(self, check=None) -> None:  # noqa: ANN001 - a callable on the HTML, or None
        with self.user.client.get(self.url, name=self.name, catch_response=True) as response:
            CACHE_COUNTS[self.name][response.headers.get(CACHE_HEADER) or "none"] += 1
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return
            if check is not None:
                try:
                    check(response.text)
                except (NotFound, ValueError) as exc:
                    response.failure(f"wrong answer: {exc}")
                    return
            response.success()


def _list_found_something(html: str) -> None:
    if list_facts(html).total == 0:
        raise NotFound("a search without other filters found nothing")


def _dashboard_has_initiatives(html: str) -> None:
    if area_facts(html).initiatives == 0:
        raise NotFound("a dashboard of an area with initiatives shows none")


class PublicUser(FastHttpUser):
    """An anonymous visitor of the public pages."""

    wait_time = constant(0)

    def _get(self, url: str, name: str, check=None) -> None:  # noqa: ANN001
        Checked(self, url, name).run(check)

    @task(3)
    def home(self) -> None:
        self._get("/", "home")

    @task(14)
    def list_filtered(self) -> None:
        self._get(list_url(search=False), "list", lambda html: list_facts(html))

    @task(8)
    def search(self) -> None:
        url = list_url(search=True)
        bare = "&" not in url  # only q: a known word or its typo always finds something
        self._get(url, "search", _list_found_something if bare else list_facts)

    @task(12)
    def profile(self) -> None:
        self._get(f"/initiatieven/{rng.choice(SLUGS)}/", "profile")

    @task(3)
    def dashboard_gemeente(self) -> None:
        municipality = rng.choice(MUNICIPALITY_PER_INITIATIVE)
        self._get(f"/gemeenten/{municipality}/", "area: gemeente", _dashboard_has_initiatives)

    @task(2)
    def dashboard_wijk(self) -> None:
        municipality, district = rng.choice(DISTRICTS)
        self._get(
            f"/gemeenten/{municipality}/wijken/{district}/",
            "area: wijk",
            _dashboard_has_initiatives,
        )

    @task(1)
    def dashboard_province(self) -> None:
        self._get(f"/provincies/{rng.choice(PROVINCES)}/", "area: province")

    @task(1)
    def method(self) -> None:
        self._get("/methode/", "method")

    @task(1)
    def members(self) -> None:
        self._get("/leden/", "member directory")


class TrivialUser(FastHttpUser):
    """The ceiling: the same users asking only for a view that does nothing."""

    wait_time = constant(0)

    @task
    def trivial(self) -> None:
        self.client.get(TRIVIAL_PATH, name="trivial view")


@events.quitting.add_listener
def _cache_counts_write(environment, **_kwargs) -> None:  # noqa: ANN001 - locust's signature
    path = os.environ.get("BENCH_LOAD_CACHE_COUNTS")
    if path:
        Path(path).write_text(json.dumps({name: dict(c) for name, c in CACHE_COUNTS.items()}))
