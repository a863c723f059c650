"""Member imports as jobs: upload, dry run, apply; the rows are processed by a Celery worker.

A job is a `MemberImportJob` row (any web process or worker sees it; a cache clear does not
touch it), with the uploaded file in the private storage (PRIVATE_MEDIA_ROOT, outside the
public media root; no URL serves it) under `imports/<id>.<ext>`. Callers get a job as a plain
dict, a snapshot of the row (`job_get`, `import_start`, `import_apply`); only this module writes
jobs. The dry run and the apply each run `import_data` on the whole file in one transaction:
the dry run rolls it back, the apply commits all rows or, when any row is refused, none.
Progress is written to the job row from a thread of its own, every half second, because that
thread's database connection is outside the import's still uncommitted transaction.
"""

import contextlib
import csv
import datetime
import io
import logging
import os
import threading
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import tablib
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage, storages
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from import_export.results import Result, RowResult
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from accounts.models import User
from members.models import MemberImportJob
from members.resources import COLUMNS, REQUIRED_COLUMNS, MemberOrganisationResource, row_messages

logger = logging.getLogger(__name__)

EXTENSIONS = ("csv", "xlsx")
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 10_000
# A job is shown this long after its last change of status; then the purge expires it.
JOB_LIFETIME = datetime.timedelta(days=1)
PROGRESS_SECONDS = 0.5
# Longer than the tasks' time limit (members.tasks): a job this quiet will not finish.
STALLED_AFTER = datetime.timedelta(minutes=60)
# The report lists every refused row, and this many of the new, updated and unchanged ones.
REPORT_ROWS_SHOWN = 500
STORAGE_DIR = "imports"


class ImportFileError(Exception):
    """A file that cannot be read as an import; the message says why, for the uploader."""


# The states of a job (members.models.MemberImportJob.Status), for the views and templates.
Status = MemberImportJob.Status
RUNNING = MemberImportJob.RUNNING


# --- Reading a file ------------------------------------------------------------------------------


@dataclass
class Sheet:
    headers: list[str]
    rows: list[list[str]]
    lines: list[int]  # each row's line in the file, the header being line 1

    def dataset(self) -> tablib.Dataset:
        return tablib.Dataset(*self.rows, headers=self.headers)


def _cell(value: Any, header: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and header == "kvk" and 0 <= value < 10**8:
        # A spreadsheet drops the leading zero of a KvK number typed as a number.
        return f"{value:08d}"
    return str(value).strip()


def _read_csv(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    if b"\x00" in data:
        raise ImportFileError(
            _("This is not a text (CSV) file. Upload a CSV file in UTF-8 or an Excel file (.xlsx).")
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                "The file is not in UTF-8. In Excel, save it as “CSV UTF-8 (comma delimited)” "
                "or upload it as an Excel file (.xlsx)."
            )
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as error:
        raise ImportFileError(
            _("The CSV file cannot be read: %(error)s.") % {"error": error}
        ) from None


def _read_xlsx(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportFileError(
            _("This is not an Excel file (.xlsx), or it is damaged. Save it again in Excel.")
        ) from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        for number, row in enumerate(rows, 1):
            yield number, list(row)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a damaged sheet
        raise ImportFileError(
            _("The first sheet of the Excel file cannot be read. Save the file again in Excel.")
        ) from None
    finally:
        workbook.close()


def read_sheet(data: bytes, extension: str) -> Sheet:
    """The file's header and non-empty rows as text; ImportFileError says what is wrong."""
    if extension not in EXTENSIONS:
        raise ImportFileError(_("Upload a CSV file or an Excel file (.xlsx)."))
    if not data:
        raise ImportFileError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)s MB; split it into smaller files.")
            % {"size": MAX_BYTES // (1024 * 1024)}
        )
    lines = _read_csv(data) if extension == "csv" else _read_xlsx(data)
    filled = ((n, row) for n, row in lines if any(_cell(value, "") for value in row))
    first = next(filled, None)
    if first is None:
        raise ImportFileError(_("The file is empty."))
    headers = [_cell(value, "").casefold() for value in first[1]]
    while headers and not headers[-1]:
        headers.pop()
    _check_headers(headers)
    rows, numbers = [], []
    for number, values in filled:
        if len(rows) == MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)s rows; split it into smaller files.")
                % {"max": MAX_ROWS}
            )
        if any(_cell(value, "") for value in values[len(headers) :]):
            raise ImportFileError(
                _("Line %(line)s has more cells than the header has columns.") % {"line": number}
            )
        cells = [_cell(value, header) for value, header in zip(values, headers, strict=False)]
        rows.append(cells + [""] * (len(headers) - len(cells)))
        numbers.append(number)
    if not rows:
        raise ImportFileError(_("The file has a header but no rows to import."))
    return Sheet(headers=headers, rows=rows, lines=numbers)


def _check_headers(headers: list[str]) -> None:
    expected = _("Expected columns: %(columns)s.") % {"columns": ", ".join(COLUMNS)}
    if "" in headers:
        raise ImportFileError(_("A column in the first line has no name.") + " " + expected)
    doubled = sorted({h for h in headers if headers.count(h) > 1})
    if doubled:
        raise ImportFileError(
            _("These columns appear twice: %(columns)s.") % {"columns": ", ".join(doubled)}
        )
    unknown = [h for h in headers if h not in COLUMNS]
    if unknown:
        raise ImportFileError(
            _("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown[:10])}
            + " "
            + expected
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if missing:
        raise ImportFileError(
            _("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)}
            + " "
            + expected
        )


# --- Jobs ----------------------------------------------------------------------------------------


def _snapshot(job: MemberImportJob) -> dict:
    """The job as callers see it: plain data, never saved back."""
    return {
        "id": str(job.pk),
        "user_id": job.user_id,
        "filename": job.filename,
        "path": job.path,
        "extension": job.extension,
        "rows": job.total,
        "language": job.language,
        "created_at": job.created_at,
        "status": job.status,
        "report": job.report,
        "apply_report": job.apply_report,
        "message": job.message,
        "saved_at": job.updated_at,
    }


def _jobs(job_id: str) -> QuerySet[MemberImportJob]:
    """The job of that id (none for a string that is no job id at all)."""
    try:
        return MemberImportJob.objects.filter(pk=uuid.UUID(str(job_id)))
    except ValueError:
        return MemberImportJob.objects.none()


def _save(job: MemberImportJob, *fields: str) -> None:
    # Only the named fields: the progress thread writes `done` and `total` meanwhile.
    job.save(update_fields=[*fields, "updated_at"])


def is_stalled(job: dict) -> bool:
    """Queued or running, but not touched for longer than a run may take: the worker is gone."""
    return job["status"] in RUNNING and timezone.now() - job["saved_at"] > STALLED_AFTER


def job_get(*, job_id: str, user: User) -> dict | None:
    """The job if it exists, was started by `user` and has not expired; None otherwise."""
    job = (
        _jobs(job_id)
        .filter(user=user, updated_at__gte=timezone.now() - JOB_LIFETIME)
        .exclude(status=Status.EXPIRED)
        .first()
    )
    return None if job is None else _snapshot(job)


def job_progress(*, job_id: str) -> tuple[int, int]:
    """(rows done, rows in the file) of the run in progress."""
    return _jobs(job_id).values_list("done", "total").first() or (0, 0)


def file_storage() -> Storage:
    """Where uploads are kept: they hold contact names, addresses and phone numbers."""
    return storages["private"]


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def import_start(*, user: User, filename: str, data: bytes, sheet: Sheet | None = None) -> dict:
    """Checks that the file is readable, stores it and queues its dry run; returns the job.

    Raises ImportFileError when the file cannot be imported at all. `sheet` is the file as
    `read_sheet` returned it, when the caller has read it already.
    """
    extension = extension_of(filename)
    if sheet is None:
        sheet = read_sheet(data, extension)
    import_files_purge()
    job_id = uuid.uuid4()
    path = file_storage().save(f"{STORAGE_DIR}/{job_id}.{extension}", ContentFile(data))
    job = MemberImportJob.objects.create(
        id=job_id,
        user=user,
        filename=filename[:200],
        path=path,
        extension=extension,
        total=len(sheet.rows),
        language=translation.get_language(),
    )
    _enqueue(job, apply=False)
    return _snapshot(job)


def import_apply(*, job_id: str, user: User) -> dict | None:
    """Queues the apply of a checked job, once; returns the job (None if there is none)."""
    job = job_get(job_id=job_id, user=user)
    if job is None:
        return None
    if job["status"] != Status.CHECKED or not can_apply(job):
        return job
    # One apply per job, even when the button is pressed twice in two web processes: only one
    # of them changes the row from checked.
    claimed = (
        _jobs(job_id)
        .filter(status=Status.CHECKED)
        .update(
            status=Status.APPLY_QUEUED,
            language=translation.get_language(),
            message="",
            done=0,
            updated_at=timezone.now(),
        )
    )
    stored = _jobs(job_id).get()
    if claimed:
        _enqueue(stored, apply=True)
    return _snapshot(stored)


def can_apply(job: dict | MemberImportJob) -> bool:
    """The dry run went through without refused rows and there is something to save."""
    report = job.report if isinstance(job, MemberImportJob) else job.get("report")
    return bool(
        report
        and not report["totals"]["refused"]
        and report["totals"]["new"] + report["totals"]["update"]
    )


def _enqueue(job: MemberImportJob, *, apply: bool) -> None:
    """Sends the job's task; if the broker is down, the job says so and can be retried."""
    from members.tasks import member_import_apply, member_import_check

    task = member_import_apply if apply else member_import_check
    try:
        task.delay(str(job.pk))
    except Exception:  # noqa: BLE001 - any broker failure: tell the user
        logger.exception("members import: could not queue %s for job %s", task.name, job.pk)
        job.message = _(
            "The import could not be started: the background worker cannot be reached. "
            "Try again in a few minutes."
        )
        if apply:  # the button stays, for another try
            job.status = Status.CHECKED
        else:
            job.status = Status.FAILED
            file_storage().delete(job.path)
        _save(job, "status", "message")


def import_jobs_expire(*, now: datetime.datetime | None = None) -> int:
    """Expires every job whose status has not changed for JOB_LIFETIME before `now` (default:
    the current time): its report (which names contact persons) is emptied and its file, if
    still kept, deleted; the row stays, saying who imported which file when. Returns how many."""
    limit = (now or timezone.now()) - JOB_LIFETIME
    expired = 0
    for job in MemberImportJob.objects.filter(updated_at__lt=limit).exclude(status=Status.EXPIRED):
        file_storage().delete(job.path)
        job.status, job.report, job.apply_report, job.message = Status.EXPIRED, None, None, ""
        _save(job, "status", "report", "apply_report", "message")
        expired += 1
    return expired


def import_files_purge(*, now: datetime.datetime | None = None) -> int:
    """Deletes every import file uploaded more than IMPORT_FILE_RETENTION_DAYS before `now`
    (default: the current time); returns how many. Applied files are deleted at once; this
    catches uploads whose job was abandoned, failed in a dead worker or came from an older
    release."""
    storage = file_storage()
    try:
        _, names = storage.listdir(STORAGE_DIR)
    except FileNotFoundError:
        return 0
    limit = (now or timezone.now()) - datetime.timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    deleted = 0
    for name in names:
        path = f"{STORAGE_DIR}/{name}"
        try:
            if storage.get_modified_time(path) < limit:
                storage.delete(path)
                deleted += 1
        except FileNotFoundError:
            continue  # deleted meanwhile by the job itself or another purge
    return deleted


def import_files_move_from_media() -> int:
    """Moves import files that older releases kept in the public media root (MEDIA_ROOT/imports/)
    to the private storage under the same name, so running jobs keep their file; returns how
    many. Safe to run again, also after an interruption: a source is deleted only once its
    complete copy is stored, and a copy left over by an interrupted run is replaced."""
    target = file_storage()
    try:
        _, names = default_storage.listdir(STORAGE_DIR)
    except FileNotFoundError:
        return 0
    for name in names:
        path = f"{STORAGE_DIR}/{name}"
        if target.exists(path):
            target.delete(path)
        with default_storage.open(path, "rb") as source:
            target.save(path, source)
        default_storage.delete(path)
    with contextlib.suppress(OSError, NotImplementedError):
        os.rmdir(default_storage.path(STORAGE_DIR))
    return len(names)


# --- Running (in the worker) ---------------------------------------------------------------------


class Progress:
    """Counts rows in the import and writes the count to the job every half second: one query
    per half second, however many rows."""

    def __init__(self, job_id: str, total: int) -> None:
        self.job_id = job_id
        self.total = total
        self.done = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"progress-{job_id}", daemon=True)

    def advance(self, row_number: int) -> None:
        self.done = row_number

    def _write(self) -> None:
        _jobs(self.job_id).update(done=self.done, total=self.total)

    def _run(self) -> None:
        # Only this thread writes the count: a write from the importing thread would lock the
        # job row inside the import's transaction until it ends, and be invisible until then.
        try:
            self._write()
            while not self._stop.wait(PROGRESS_SECONDS):
                self._write()
            self._write()
        finally:
            connection.close()  # this thread's own connection

    def __enter__(self) -> "Progress":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def import_run(*, job_id: str, apply: bool) -> str:
    """Runs the dry run (or the apply) of a job and stores its report; returns the new status.

    The apply saves every row in one transaction, or nothing when any row is refused.
    """
    job = _jobs(job_id).select_related("user").first()
    if job is None:
        logger.warning("members import: job %s is gone", job_id)
        return "gone"
    expected = (
        (Status.APPLY_QUEUED, Status.APPLYING) if apply else (Status.UPLOADED, Status.CHECKING)
    )
    if job.status not in expected:
        return job.status  # already done (a redelivered task), never queued, or expired
    job.status = Status.APPLYING if apply else Status.CHECKING
    _save(job, "status")
    changed = ["status", "message"]
    try:
        with translation.override(job.language):
            report = _run(job, apply=apply)
    except ImportFileError as error:
        job.status, job.message = Status.FAILED, str(error)
    except Exception:
        logger.exception("members import: job %s failed", job_id)
        with translation.override(job.language):
            job.status = Status.FAILED
            job.message = _("The import stopped because of an unexpected error; nothing was saved.")
    else:
        if not apply:
            job.status, job.report = Status.CHECKED, report
            changed.append("report")
        else:
            job.status = Status.REFUSED if report["totals"]["refused"] else Status.APPLIED
            job.apply_report = report
            changed.append("apply_report")
    if not (job.status == Status.CHECKED and can_apply(job)):
        file_storage().delete(job.path)  # personal data: kept only while it can be applied
    _save(job, *changed)
    return job.status


def _run(job: MemberImportJob, *, apply: bool) -> dict:
    try:
        with file_storage().open(job.path, "rb") as stored:
            data = stored.read()
    except FileNotFoundError:
        raise ImportFileError(_("The uploaded file is gone; upload it again.")) from None
    sheet = read_sheet(data, job.extension)
    # The history is read in the platform's language, whoever imported.
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Import of %(file)s") % {"file": job.filename}
    with Progress(str(job.pk), len(sheet.rows)) as progress:
        resource = MemberOrganisationResource(
            user=job.user,
            reason=reason,
            lines=sheet.lines,
            on_row=progress.advance,
        )
        result = resource.import_data(
            sheet.dataset(),
            dry_run=not apply,
            use_transactions=True,
            rollback_on_validation_errors=True,
        )
    return report_of(result)


KINDS = {
    RowResult.IMPORT_TYPE_NEW: "new",
    RowResult.IMPORT_TYPE_UPDATE: "update",
    RowResult.IMPORT_TYPE_SKIP: "unchanged",
    RowResult.IMPORT_TYPE_INVALID: "refused",
    RowResult.IMPORT_TYPE_ERROR: "refused",
}


def report_of(result: Result) -> dict:
    """What each row does (or why it is refused) and the totals, as plain data for the job."""
    totals = {"new": 0, "update": 0, "unchanged": 0, "refused": 0}
    rows: dict[str, list[dict]] = {kind: [] for kind in totals}
    for row_result in result.rows:
        kind = KINDS.get(row_result.import_type, "refused")
        totals[kind] += 1
        if kind != "refused" and len(rows[kind]) >= REPORT_ROWS_SHOWN:
            continue
        rows[kind].append(
            {
                "line": row_result.line,
                "name": row_result.name,
                "changes": [list(change) for change in row_result.changes],
                "reasons": [list(message) for message in row_messages(row_result)]
                if kind == "refused"
                else [],
            }
        )
    file_errors = [str(error.error) for error in result.base_errors]
    if file_errors:
        totals["refused"] = max(totals["refused"], 1)
    return {"totals": totals, "rows": rows, "errors": file_errors, "total": result.total_rows}


def summary(report: dict) -> str:
    """One sentence with the totals, e.g. for the page title's status line."""
    totals = report["totals"]
    return ", ".join(
        [
            ngettext("%(count)s new", "%(count)s new", totals["new"]) % {"count": totals["new"]},
            ngettext("%(count)s update", "%(count)s updates", totals["update"])
            % {"count": totals["update"]},
            ngettext("%(count)s unchanged", "%(count)s unchanged", totals["unchanged"])
            % {"count": totals["unchanged"]},
            ngettext("%(count)s refused", "%(count)s refused", totals["refused"])
            % {"count": totals["refused"]},
        ]
    )
