"""No Docker engine runs here, so the compose file is checked by reading it."""

import os
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from config.stack import PROCESSES, SETUP

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
# A worker per kind of work (CELERY_TASK_ROUTES): worker-handprint, worker-bulk, …
WORKERS = sorted(name for name in COMPOSE["services"] if name.startswith("worker-"))
APP_SERVICES = ["setup", "web", *WORKERS, "beat"]


def test_compose_has_database_broker_and_the_app_processes():
    assert set(COMPOSE["services"]) == {"db", "redis", *APP_SERVICES}
    assert COMPOSE["services"]["db"]["image"] == "postgres:18"
    assert COMPOSE["services"]["redis"]["image"].startswith("redis:7")


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_app_service_runs_an_entry_script_that_exists(service):
    command = COMPOSE["services"][service]["command"]
    script = ROOT / command[0]
    assert script.is_file(), f"{service}: {command[0]} is missing"
    assert os.access(script, os.X_OK), f"{service}: {command[0]} is not executable"
    assert COMPOSE["services"][service]["build"] == "."


def test_make_run_starts_the_same_scripts_as_compose():
    compose_commands = {name: COMPOSE["services"][name]["command"][0] for name in APP_SERVICES}
    workers = {name: PROCESSES["worker"] for name in WORKERS}
    others = {name: script for name, script in PROCESSES.items() if name != "worker"}
    assert compose_commands == {"setup": SETUP, **others, **workers}


def test_compose_runs_a_worker_per_queue():
    consumed = {name: COMPOSE["services"][name]["environment"]["WORKER_QUEUES"] for name in WORKERS}
    assert consumed == {f"worker-{queue}": queue for queue in settings.CELERY_QUEUE_NAMES}


def test_app_services_get_database_and_redis_from_the_compose_network():
    for service in APP_SERVICES:
        env = COMPOSE["services"][service]["environment"]
        assert env["DATABASE_URL"].endswith("@db:5432/buurtbeurs")
        assert env["REDIS_URL"] == "redis://redis:6379/0"


def test_processes_wait_for_setup_and_setup_waits_for_healthy_services():
    assert COMPOSE["services"]["setup"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    for service in ["web", *WORKERS, "beat"]:
        assert COMPOSE["services"][service]["depends_on"] == {
            "setup": {"condition": "service_completed_successfully"}
        }


def test_dockerfile_installs_the_tested_constraints_and_runs_an_entry_script():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install -c constraints.txt ." in dockerfile
    assert 'CMD ["bin/web"]' in dockerfile
    assert "USER buurtbeurs" in dockerfile
