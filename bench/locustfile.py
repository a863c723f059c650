"""The traffic of `make bench-load` (bench/load.py starts it; not meant to be run by hand).

`MixedUser` browses like the public and the API's clients do, with a few owners correcting a
month through the API; `TrivialUser` asks only for the trivial view, the framework's ceiling.
Neither waits between requests: the users keep the web processes busy, so the throughput is
what the server can do, and the two runs are comparable.

bench/load.py writes the JSON file BENCH_LOAD_CONFIG names: the places and a sample of
published slugs from the bench database, and one API token and draft initiative per writer.
"""

import itertools
import json
import os
import random
from pathlib import Path
from urllib.parse import quote

from locust import FastHttpUser, constant, task

CONFIG = json.loads(Path(os.environ["BENCH_LOAD_CONFIG"]).read_text())
SLUGS: list[str] = CONFIG["slugs"]
PLACES: dict[str, str] = CONFIG["places"]
WRITERS: list[dict] = CONFIG["writers"]
TRIVIAL_PATH: str = CONFIG["trivial_path"]
_writer_numbers = itertools.count()
rng = random.Random()  # noqa: S311 - picks what to ask for: no security meaning

FILTERED_LISTS = [
    "/initiatieven/?municipality=GM0363&kind=garden",
    "/initiatieven/?province=PV27&need=volunteers&ordering=name",
    "/initiatieven/?municipality=GM0599&district={rotterdam_wijk}&ordering=hours",
    "/initiatieven/?province=PV27&theme=groen&per_page=100",
]
SEARCHES = ["moestuin", "repair cafe", "energiecooperatie", "buurthuis", "kookclub"]
TYPOS = ["moestuiin", "buurthuls", "energiecoperatie", "repiar cafe"]
DASHBOARDS = [
    "/gemeenten/GM0363/",
    "/gemeenten/GM0599/",
    "/gemeenten/GM0344/",
    "/gemeenten/GM0363/wijken/{amsterdam_wijk}/",
]
API_LISTS = [
    "/api/v1/initiatives/?municipality=GM0363",
    "/api/v1/initiatives/?province=PV28&kind=garden",
    "/api/v1/initiatives/?q=moestuin",
    "/api/v1/initiatives/",
]


class MixedUser(FastHttpUser):
    """A visitor, an API client or (one request in thirty) an owner correcting a month."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.writer = WRITERS[next(_writer_numbers) % len(WRITERS)]

    def _get(self, url: str, name: str, headers: dict | None = None) -> None:
        self.client.get(url.format(**PLACES), name=name, headers=headers)

    @task(12)
    def list_filtered(self) -> None:
        self._get(rng.choice(FILTERED_LISTS), "list: filtered")

    @task(4)
    def list_deep_page(self) -> None:
        self._get(f"/initiatieven/?page={rng.randint(2, 400)}", "list: page 2–400")

    @task(8)
    def search(self) -> None:
        self._get(f"/initiatieven/?q={quote(rng.choice(SEARCHES))}", "search")

    @task(4)
    def search_typo(self) -> None:
        self._get(f"/initiatieven/?q={quote(rng.choice(TYPOS))}", "search: typo")

    @task(10)
    def profile(self) -> None:
        self._get(f"/initiatieven/{rng.choice(SLUGS)}/", "profile")

    @task(5)
    def dashboard(self) -> None:
        self._get(rng.choice(DASHBOARDS), "area dashboard")

    @task(8)
    def api_list(self) -> None:
        self._get(rng.choice(API_LISTS), "api: list", {"Accept": "application/json"})

    @task(8)
    def api_detail(self) -> None:
        self._get(
            f"/api/v1/initiatives/{rng.choice(SLUGS)}/",
            "api: detail",
            {"Accept": "application/json"},
        )

    @task(2)
    def activity_put(self) -> None:
        volunteers = rng.randint(1, 40)
        self.client.put(
            f"/api/v1/initiatives/{self.writer['slug']}/activity/"
            f"{rng.choice(self.writer['months'])}/",
            json={
                "volunteer_hours": f"{volunteers * rng.randint(1, 40)}.5",
                "active_volunteers": volunteers,
                "people_reached": rng.randint(0, 500),
            },
            headers={"Authorization": f"Token {self.writer['token']}"},
            name="api: activity PUT",
        )


class TrivialUser(FastHttpUser):
    """The ceiling: the same users asking only for a view that does nothing."""

    wait_time = constant(0)

    @task
    def trivial(self) -> None:
        self.client.get(TRIVIAL_PATH, name="trivial view")
