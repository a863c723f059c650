"""The best hit rate any page cache could reach for the load bench's traffic.

bench/load.py runs it after the warm phase (not meant to be run by hand):

    BENCH_LOAD_CONFIG=config.json python -m bench.urlspace --warmed warmed.json \
        --warmup 4000 --measured 14000

It draws URLs as bench/locustfile.py's `PublicUser` does (its own tasks, with their weights,
called on a recorder instead of a server; a draw of its own, not the run's) and replays them
against an ideal cache: every page the warmer rendered is stored before, every URL is stored
after its first request, nothing is ever invalidated or evicted. The share of measured
requests whose URL was stored already is the ceiling of the warm phase's hit rate for that
many requests: a miss beyond it is a URL asked for the first time, not a cache defect. URLs
are compared as the page cache keys them (the query's parameters sorted). Prints one JSON
object.

Run in its own process because importing locust patches the standard library (gevent).
"""

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit


def normalised(url: str) -> str:
    """The URL as the page cache keys it: path and the query's parameters sorted."""
    parts = urlsplit(url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{parts.path}?{query}" if query else parts.path


class Recorder:
    """Stands in for a locust user: the task's `_get` records what it would have asked for."""

    def __init__(self) -> None:
        self.asked: tuple[str, str] | None = None

    def _get(self, url: str, name: str, check: object = None) -> None:
        self.asked = (url, name)


def simulate(*, warmed: set[str], warmup: int, measured: int, seed: int) -> dict:
    from bench import locustfile

    locustfile.rng.seed(seed)
    weights = Counter(locustfile.PublicUser.tasks)  # a task appears once per unit of weight
    tasks, counts = list(weights), list(weights.values())
    draw = random.Random(seed)  # noqa: S311 - picks tasks as locust does: no security meaning
    stored = {normalised(url) for url in warmed}
    asked: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    recorder = Recorder()
    for number in range(warmup + measured):
        task = draw.choices(tasks, counts)[0]
        task(recorder)
        url, name = recorder.asked
        key = normalised(url)
        if number >= warmup:
            asked[name] += 1
            hits[name] += key in stored
        stored.add(key)
    total = sum(asked.values())
    return {
        "requests": total,
        "ideal": sum(hits.values()) / total if total else 0.0,
        "by_endpoint": {name: hits[name] / asked[name] for name in asked},
        "warmed": len(warmed),
    }


def main(arguments: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.urlspace", description=__doc__)
    parser.add_argument("--warmed", type=Path, help="JSON list of the paths the warmer rendered")
    parser.add_argument("--warmup", type=int, default=0, help="unmeasured requests first")
    parser.add_argument("--measured", type=int, required=True)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args(arguments)
    warmed = set(json.loads(args.warmed.read_text())) if args.warmed else set()
    result = simulate(warmed=warmed, warmup=args.warmup, measured=args.measured, seed=args.seed)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
