"""Schemathesis against /api/schema/: generated and malformed input never breaks the API.

Every operation gets at least EXAMPLES schema-conforming and EXAMPLES malformed examples (10
each under `make test`'s hypothesis profile, 100 under `make bench-thorough`'s), sent in-process
to the WSGI application as the owner of a published initiative (token auth). Each example
runs in a savepoint that is rolled back, so examples do not change one another's data.
Checks: no server error, and responses conform to the schema. Every write operation must
reach a 2xx at least once, so the run is not satisfied by 401/403/400 alone.
"""

import datetime
from collections import Counter, defaultdict

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.api_auth import api_token_create
from initiatives.models import Need
from places.models import Neighbourhood
from tests.factories import DistrictFactory, InitiativeFactory, MunicipalityFactory, UserFactory
from tests.member_factories import MemberOrganisationFactory
from tests.partner_helpers import make_offer, make_partner

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# A fifth of the loaded hypothesis profile's max_examples (tests/conftest.py), per strategy.
EXAMPLES = max(settings.default.max_examples // 5, 1)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def wsgi_in_test_transaction():
    # A WSGI request ends by closing "old" connections, which would end the test's
    # transaction; Django's own test client detaches the same receiver.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world():
    """An owner with a token, their published initiative and a need; places down to a buurt."""
    owner = UserFactory()
    # GM0363 is the gemeente of the schema's documented create example.
    district = DistrictFactory(municipality=MunicipalityFactory(code="GM0363", name="Amsterdam"))
    municipality = district.municipality
    neighbourhood = Neighbourhood.objects.create(
        code=f"BU{district.code[2:]}01", name="Buurt 1", district=district, edition="test"
    )
    initiative = InitiativeFactory(published=True, owner=owner, municipality=municipality)
    need = Need.objects.create(
        initiative=initiative, kind=Need.Kind.VOLUNTEERS, title="Vrijwilligers"
    )
    member = MemberOrganisationFactory(member=True, municipality=municipality)
    partner = make_partner("Buurtsuper", municipalities=(municipality,))
    make_offer(partner, municipalities=[municipality])
    _token, key = api_token_create(user=owner, name="schemathesis")
    last_month = datetime.date.today().replace(day=1) - datetime.timedelta(days=1)
    return {
        "key": key,
        "initiative": initiative.slug,
        "member": member.slug,
        "partner": partner.slug,
        "municipality": municipality.code,
        "district": district.code,
        "neighbourhood": neighbourhood.code,
        "need": need.pk,
        "month": last_month.strftime("%Y-%m"),
        "method": "2027.2",
    }


def fixed_path_parameters(path: str, names: set[str], world: dict) -> dict:
    """Points path parameters at the owner's data, so examples reach real objects."""
    values: dict = {}
    if "slug" in names:
        owner_of_slug = {"/api/v1/members/": "member", "/api/v1/exchange/partners/": "partner"}
        values["slug"] = world[
            next((v for k, v in owner_of_slug.items() if path.startswith(k)), "initiative")
        ]
    if "code" in names and path.startswith("/api/v1/impact/methods/"):
        values["code"] = world["method"]
    elif "code" in names:
        place = next(
            (kind for kind in ("district", "neighbourhood") if f"/{kind}s/" in path),
            "municipality",
        )
        values["code"] = world[place]
    for name in names & {"id", "pk", "need_id"}:
        values[name] = world["need"]
    if "month" in names:
        values["month"] = world["month"]
    return values


def examples_runner(strategy, label: str, auth: dict, statuses: dict, examples: Counter):
    """A Hypothesis test that sends each example in a rolled-back savepoint and checks it."""

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        with transaction.atomic():
            response = case.call(headers=auth)
            statuses[label][response.status_code] += 1
            examples[label] += 1
            case.validate_response(response, checks=CHECKS, headers=auth)
            transaction.set_rollback(True)

    return run


def test_every_operation_answers_generated_and_malformed_input(
    wsgi_in_test_transaction, world, monkeypatch
):
    # Given throttling raised for the run, and the schema the application serves
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1000000/minute", "user": "1000000/minute"}
    )
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_in_test_transaction)
    auth = {"Authorization": f"Token {world['key']}"}
    statuses: dict[str, Counter] = defaultdict(Counter)
    examples: Counter = Counter()
    failures: dict[str, str] = {}
    without_input: set[str] = set()
    writes: list[str] = []

    # When every operation is called with conforming and malformed examples
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        if not operation.body and not any(operation.iter_parameters()):
            without_input.add(operation.label)
        if operation.method.upper() in WRITE_METHODS:
            writes.append(operation.label)
        fixed = fixed_path_parameters(operation.path, names, world)
        runs = [(GenerationMode.POSITIVE, fixed), (GenerationMode.NEGATIVE, fixed)]
        if fixed:
            # Unknown and odd identifiers in the path too (404s, never 500s).
            runs.append((GenerationMode.POSITIVE, {}))
        # The documented examples first (they show a write succeeding), then generated ones.
        strategies = [
            (f"examples, {sorted(fixed)}", strategy)
            for strategy in operation.get_strategies_from_examples(path_parameters=fixed)
        ]
        strategies += [
            (
                f"{mode}, {sorted(path_parameters)}",
                operation.as_strategy(generation_mode=mode, path_parameters=path_parameters),
            )
            for mode, path_parameters in runs
        ]
        for how, strategy in strategies:
            run = examples_runner(strategy, operation.label, auth, statuses, examples)
            try:
                run()
            except Unsatisfiable:
                # Nothing of this operation can be malformed when its only inputs are fixed.
                if how.startswith(str(GenerationMode.POSITIVE)):
                    failures[operation.label] = "no example could be generated"
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 — reported per operation
                failures[f"{operation.label} ({how})"] = str(exc)[:3000]

    report = "\n".join(
        f"{label}: {examples[label]} examples, statuses {dict(sorted(counts.items()))}"
        for label, counts in sorted(statuses.items())
    )
    print(
        f"\nschemathesis: {len(statuses)} operations, {sum(examples.values())} examples\n{report}"
    )

    # Then nothing failed, and every write succeeded at least once
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    never_succeeded = [
        label for label in writes if not any(200 <= code < 300 for code in statuses[label])
    ]
    assert not never_succeeded, f"writes without a 2xx: {never_succeeded}\n{report}"
    # An operation without any input has exactly one distinct example.
    assert all(examples[label] >= EXAMPLES for label in statuses if label not in without_input), (
        report
    )
