"""A backup restores into an empty database with every record, and media and private files
with every file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from initiatives.demo import demo_seed
from members.demo import members_demo_seed
from ops.backup import Database

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TABLES = """
    SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename
"""
# Table names come from pg_tables, never from input.
ROWS = "SELECT count(*), md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), '')) FROM {} t"


def _fingerprint(database: Database) -> dict[str, tuple[int, str]]:
    """Per table: its row count and an md5 over all its rows in a fixed order."""
    with database.connect() as conn:
        tables = [row[0] for row in conn.execute(TABLES)]
        return {table: conn.execute(ROWS.format(f'"{table}"')).fetchone() for table in tables}


def _sequences(database: Database) -> dict[str, int]:
    with database.connect() as conn:
        return dict(
            conn.execute(
                "SELECT sequencename, coalesce(last_value, 0) FROM pg_sequences "
                "WHERE schemaname = 'public'"
            ).fetchall()
        )


@pytest.fixture
def empty_database() -> Iterator[Database]:
    source = Database.from_settings()
    name = f"{source.name}_restore"
    with psycopg.connect(
        host=source.host, port=source.port, user=source.user, dbname="postgres", autocommit=True
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    target = Database(source.host, source.port, source.user, source.password, name)
    yield target
    with psycopg.connect(
        host=source.host, port=source.port, user=source.user, dbname="postgres", autocommit=True
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def media(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    (root / "initiatives" / "2026").mkdir(parents=True)
    (root / "initiatives" / "2026" / "tuin.jpg").write_bytes(b"\xff\xd8\xff" + b"x" * 5000)
    (root / "members" / "logo.png").parent.mkdir(parents=True)
    (root / "members" / "logo.png").write_bytes(b"\x89PNG" + b"y" * 300)
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture
def private(settings, tmp_path) -> Path:
    root = tmp_path / "private"
    (root / "imports").mkdir(parents=True)
    (root / "imports" / "job.csv").write_bytes(b"naam;e-mail\nBuurtvereniging;jan@example.org\n")
    settings.PRIVATE_MEDIA_ROOT = str(root)
    return root


def _files(root: Path) -> dict[Path, bytes]:
    return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_backup_restores_every_record_and_every_file_into_an_empty_database(
    cbs_places, reference_data, media, private, empty_database, tmp_path, settings
):
    # Given a platform with demo initiatives, reports, handprints, members and uploaded files
    demo_seed(count=30, months=4)
    members_demo_seed()
    connection.close()  # pg_dump must see everything committed
    source = Database.from_settings()
    before = _fingerprint(source)
    assert sum(count for count, _ in before.values()) > 5000

    # When the operator backs up, then restores into a new empty database and media folder
    call_command("backup", output=str(tmp_path / "backups"))
    [dump] = (tmp_path / "backups").glob("buurtbeurs-database-*.dump")
    [archive] = (tmp_path / "backups").glob("buurtbeurs-media-*.tar.gz")
    [private_archive] = (tmp_path / "backups").glob("buurtbeurs-private-*.tar.gz")
    settings.MEDIA_ROOT = str(tmp_path / "restored-media")
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "restored-private")
    call_command(
        "restore",
        str(dump),
        database_url=(
            f"postgres://{empty_database.user}@{empty_database.host}:{empty_database.port}/"
            f"{empty_database.name}"
        ),
        media=str(archive),
        private=str(private_archive),
    )

    # Then every table holds exactly the same rows, sequences continue where they were,
    after = _fingerprint(empty_database)
    assert after.keys() == before.keys()
    assert {t: v for t, v in after.items() if v != before[t]} == {}
    assert _sequences(empty_database) == _sequences(source)
    # and every uploaded file is back, byte for byte, the private ones in the private root
    assert len(_files(media)) == 2 and len(_files(private)) == 1
    assert _files(tmp_path / "restored-media") == _files(media)
    assert _files(tmp_path / "restored-private") == _files(private)


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, media):
    # Given a backup of the test database
    call_command("backup", output=str(tmp_path), no_media=True)
    [dump] = tmp_path.glob("*.dump")

    # When the operator restores it over the live database, then it is refused with the reason
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(dump))


def test_a_damaged_dump_restores_nothing(tmp_path, empty_database, media):
    # Given a dump cut off halfway (a full disk, an interrupted copy)
    call_command("backup", output=str(tmp_path), no_media=True)
    [dump] = tmp_path.glob("*.dump")
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    url = f"postgres://{empty_database.user}@{empty_database.host}:{empty_database.port}/"

    # When it is restored, the restore fails and leaves the target database empty
    with pytest.raises(CommandError, match="nothing restored"):
        call_command("restore", str(dump), database_url=url + empty_database.name)
    assert _fingerprint(empty_database) == {}
