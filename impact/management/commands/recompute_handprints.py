import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from impact.methods import versions_in_use
from impact.models import HandprintResult, MethodVersion
from impact.recompute import RecomputeBusy, recompute_all

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Recomputes the handprint of every initiative (any status) set-wise in SQL, in "
        "chunks, and resumes an interrupted run for the same version and window. It always "
        "recomputes everything: --all is accepted to say so explicitly. Stale single "
        "initiatives are the per-initiative tasks' job, not this command's."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="Recompute every initiative, fresh or not (what the command always does).",
        )
        parser.add_argument(
            "--method",
            metavar="CODE",
            help=(
                "The method version's code (default: the versions in use, the one valid today "
                "and the one before it, whose results the profiles compare)."
            ),
        )
        parser.add_argument("--chunk-size", type=int, default=5000, help="Initiatives per chunk.")
        parser.add_argument(
            "--restart",
            action="store_true",
            help="Start from the first initiative instead of resuming an interrupted run.",
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        for version in self._versions(options["method"]):
            self._recompute(version, options)

    def _recompute(self, version: MethodVersion, options: dict) -> None:
        self._interactive = self.stdout.isatty()
        self._started = time.monotonic()
        self._resumed_at: int | None = None
        started_at = timezone.now()
        self.stdout.write(f"Recomputing handprints with method {version.code} …")
        try:
            job = recompute_all(
                version=version,
                chunk_size=options["chunk_size"],
                progress=self._progress,
                resume=not options["restart"],
            )
        except RecomputeBusy as exc:
            raise CommandError(
                "Another recompute is running; try again when it has finished."
            ) from exc
        if self._interactive:
            self.stdout.write("")
        seconds = max(time.monotonic() - self._started, 1e-6)
        computed = job.done - (self._resumed_at or 0)
        rows = HandprintResult.objects.filter(version=version, computed_at__gte=started_at).count()
        resumed = f" (resumed after {self._resumed_at:,})" if self._resumed_at else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {computed:,} initiatives{resumed}, {rows:,} results in {seconds:.1f} s "
                f"({computed / seconds:,.0f} initiatives/s, {rows / seconds:,.0f} rows/s)."
            )
        )

    def _versions(self, code: object) -> list[MethodVersion]:
        if code:
            version = MethodVersion.objects.filter(code=code).first()
            if version is None:
                raise CommandError(f"No method version {code!r}.")
            return [version]
        versions = versions_in_use()
        if not versions:
            raise CommandError("No published method version is valid today.")
        return versions

    def _progress(self, done: int, total: int) -> None:
        if self._resumed_at is None:
            self._resumed_at = done  # the first call reports where the job starts
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        rate = (done - self._resumed_at) / max(time.monotonic() - self._started, 1e-6)
        bar = f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}]"
        line = f"{bar} {done:,}/{total:,} initiatives, {rate:,.0f}/s"
        if self._interactive:
            self.stdout.write(f"\r{line}", ending="")
            self.stdout.flush()
        else:
            self.stdout.write(line)
