"""Imports as jobs: one runner for every kind of import, inline for a small file
and in a Celery worker for a large one, with its progress shown while it runs.

Each import of the project is a *kind* registered here (:func:`kind_register`):
its key, its name, who may submit it, and the function that reads the job's
stored file and writes all of it or nothing (the existing import services, and
the establishment's fast path, ``orgchart.establishment_import``). The runner
(:func:`import_job_run`) claims the job, runs the kind and records the outcome:
the rows written, or every bad row with its line, column and reason.

**Progress while the write transaction is open.** A kind writes in one
transaction (all or nothing), so counters written to the job's row inside it
would stay invisible until the end. They go through the cache instead
(Redis in production, shared by every web and worker process): the running
import counts rows read, validated and written in memory, and a heartbeat
thread puts them in the cache with the time every second. The job's row itself
changes only in short transactions of its own: queued, running (before the
import's transaction begins), then succeeded or failed with the final counters.
A second database connection was the other choice; on SQLite it would wait for
the import's own write lock, and the cache already carries the other
cross-process state (rate limits, uploads between preview and confirmation).

**A worker that dies** (killed, out of memory, the host restarted) takes its
open transaction with it: the database rolls it back, nothing is written. Its
job stays "running" in the table but its heartbeat stops; after
``IMPORT_JOB_STALE_SECONDS`` without one the job is shown as failed with that
explanation (:func:`import_job_stale`) and its submitter may run it again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .filereader import (
    ImportFileError,
    estimate_rows,
    iter_rows,
    limits,
    too_big_error,
)
from .models import ImportJob, Unit

logger = logging.getLogger(__name__)

Status = ImportJob.Status

#: How often the heartbeat thread publishes the counters (seconds).
BEAT_SECONDS = 1.0
#: Most errors kept on a job (the count says how many there were).
MAX_KEPT_ERRORS = 5000


class ImportRowErrors(Exception):
    """The file was read through and some rows are bad: nothing was written.
    ``errors``: ``{"line", "column", "reason"}`` dicts in the order of the file."""

    def __init__(self, errors: list[dict]):
        super().__init__(f"{len(errors)} bad rows")
        self.errors = errors


def row_error(line: int | None, reason, column: str = "") -> dict:
    """One problem of a file as a job keeps it."""
    return {"line": line, "column": str(column or ""), "reason": str(reason)}


# ------------------------------------------------------------------- the kinds


@dataclass(frozen=True)
class ImportKind:
    """A kind of import: ``run(job, progress)`` reads ``job``'s file, writes all
    of it or nothing and returns the number of rows written (raising
    :class:`ImportRowErrors`, ``ValidationError`` or ``ImportFileError`` for a
    bad file); ``may_submit(user, unit, target_id)`` says who may start it."""

    key: str
    label: object
    run: Callable[[ImportJob, Progress], int]
    may_submit: Callable[..., bool]
    #: A kind that streams its file (the establishment) may take up to
    #: ``IMPORT_JOB_MAX_ROWS`` and ``IMPORT_JOB_MAX_BYTES``; the others read it
    #: whole and keep ``IMPORT_MAX_ROWS`` and ``IMPORT_MAX_BYTES``, or a row
    #: limit of their own (``max_rows``, a dossier's lines). A file over its
    #: kind's limits is refused at once, with the guarded reader's words.
    streamed: bool = False
    max_rows: int | None = None


KINDS: dict[str, ImportKind] = {}


def kind_register(kind: ImportKind) -> ImportKind:
    """Make ``kind`` known to the runner (called at import time by the module
    that defines it; the same key twice replaces the first)."""
    KINDS[kind.key] = kind
    return kind


def kind_get(key: str) -> ImportKind:
    _load_kinds()
    try:
        return KINDS[key]
    except KeyError:
        raise ValidationError(
            _("Unknown kind of import: %(kind)s."),
            code="unknown_kind",
            params={"kind": key},
        ) from None


_discovered = threading.Event()


def _load_kinds() -> None:
    """The kinds registered by the installed apps' ``import_kinds`` modules."""
    from django.utils.module_loading import autodiscover_modules

    if not _discovered.is_set():
        autodiscover_modules("import_kinds")
        _discovered.set()


def is_import_admin(user) -> bool:
    from .selectors import user_is_import_admin

    return user_is_import_admin(user=user)


# ----------------------------------------------------------------- progress


class Progress:
    """The counters of a running job, published to the cache every second by a
    heartbeat thread (see the module docstring)."""

    def __init__(self, job: ImportJob):
        self.job_id = job.pk
        self.read = 0
        self.validated = 0
        self.written = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, *, read: int = 0, validated: int = 0, written: int = 0) -> None:
        self.read += read
        self.validated += validated
        self.written += written

    def publish(self) -> None:
        cache.set(
            progress_key(self.job_id),
            {
                "read": self.read,
                "validated": self.validated,
                "written": self.written,
                "beat": time.time(),
            },
            timeout=24 * 3600,
        )

    def _beat(self) -> None:
        while not self._stop.wait(BEAT_SECONDS):
            try:
                self.publish()
            except Exception:  # noqa: BLE001 - a cache hiccup must not stop an import
                logger.warning("import job %s: progress not published", self.job_id)

    def __enter__(self) -> Progress:
        self.publish()
        self._thread = threading.Thread(target=self._beat, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.publish()


def progress_key(job_id: int) -> str:
    return f"import-job:{job_id}:progress"


def progress_read(job: ImportJob) -> dict | None:
    """The last counters the job's worker published, if any."""
    return cache.get(progress_key(job.pk))


def import_job_stale(job: ImportJob, progress: dict | None = None) -> bool:
    """A running job whose worker gave no sign of life for
    ``IMPORT_JOB_STALE_SECONDS``: it died, and its transaction with it."""
    if job.status != Status.RUNNING:
        return False
    limit = settings.IMPORT_JOB_STALE_SECONDS
    progress = progress if progress is not None else progress_read(job)
    last = progress.get("beat") if progress else None
    if last is None:
        started = job.started_at or job.created_at
        return (timezone.now() - started).total_seconds() > limit
    return time.time() - last > limit


# ---------------------------------------------------------------- services


def import_job_submit(
    *,
    kind: str,
    user,
    file,
    unit: Unit | None = None,
    target_id: int | None = None,
    ip: str | None = None,
    return_url: str = "",
) -> ImportJob:
    """Record the import of ``file`` by ``user`` and start it: in a Celery worker
    once the request commits when the file has more than
    ``IMPORT_BACKGROUND_ROWS`` rows, else here and now. The job tells the
    outcome either way. Refused (``PermissionDenied``) to someone the kind does
    not allow; a file too large is refused before anything is stored. ``ip``
    goes into the audit rows the import writes; ``return_url`` is the page the
    person started from (a dossier's), linked from the job's page."""
    import_kind = kind_get(kind)
    if not import_kind.may_submit(user, unit, target_id):
        raise PermissionDenied
    size = getattr(file, "size", None)
    if size is not None and size > settings.IMPORT_JOB_MAX_BYTES:
        raise ValidationError(too_big_error(settings.IMPORT_JOB_MAX_BYTES).message)
    name = str(getattr(file, "name", "") or "import").rsplit("/", 1)[-1]
    file.seek(0)
    data = file.read(settings.IMPORT_JOB_MAX_BYTES + 1)
    if len(data) > settings.IMPORT_JOB_MAX_BYTES:
        raise ValidationError(too_big_error(settings.IMPORT_JOB_MAX_BYTES).message)
    rows = max(0, estimate_rows(data, name=name) - 1)
    _check_limits(data, name, rows, import_kind)
    job = ImportJob(
        kind=kind,
        user=user,
        unit=unit,
        target_id=target_id,
        ip=ip or None,
        return_url=return_url[:500],
        file_name=name[:255],
        language=translation.get_language() or settings.LANGUAGE_CODE,
        background=rows > settings.IMPORT_BACKGROUND_ROWS,
        rows_total=rows,
    )
    job.file.save(name, ContentFile(data), save=False)
    job.save()
    _start(job)
    return job


def _check_limits(data: bytes, name: str, rows: int, kind: ImportKind) -> None:
    """Refuse now a file over its kind's limits (see ``ImportKind.streamed``),
    with the words the guarded reader uses when it meets them: the size, then,
    when the rows counted cheaply are too many, the reader's own bounded pass
    (it stops at the declared dimensions of a sheet, or at the first row over)."""
    bounds = limits(kind.max_rows, background=kind.streamed)
    if len(data) > bounds["bytes"]:
        raise ValidationError(too_big_error(bounds["bytes"]).message)
    if rows <= bounds["rows"]:
        return
    try:
        for _row in iter_rows(data, name=name, bounds=bounds):
            pass
    except ImportFileError as exc:
        raise ValidationError(exc.message, code=exc.code) from exc


def _start(job: ImportJob) -> None:
    if job.background:
        from .tasks import import_job_task

        transaction.on_commit(lambda: import_job_task.delay(job.pk))
    else:
        import_job_run(job_id=job.pk)
        job.refresh_from_db()


def import_job_retry(*, job: ImportJob, user) -> ImportJob:
    """Run again a job that failed or whose worker died, from its stored file;
    only its submitter or an administrator may."""
    if user.pk != job.user_id and not is_import_admin(user):
        raise PermissionDenied
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not (locked.status == Status.FAILED or import_job_stale(locked)):
            raise ValidationError(
                _("Only a failed import can be run again."), code="not_failed"
            )
        locked.status = Status.QUEUED
        locked.rows_read = locked.rows_validated = locked.rows_written = 0
        locked.errors, locked.error_count, locked.message = [], 0, ""
        locked.started_at = locked.finished_at = None
        locked.save()
    cache.delete(progress_key(locked.pk))
    _start(locked)
    return locked


def _claim(job_id: int) -> ImportJob | None:
    """Mark the job running, unless it is finished or another worker runs it (a
    message delivered twice)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished or (
            job.status == Status.RUNNING and not import_job_stale(job)
        ):
            return None
        job.status = Status.RUNNING
        job.started_at = timezone.now()
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "attempts"])
    return job


def _finish(job: ImportJob, progress: Progress, **fields) -> None:
    job.rows_read = progress.read
    job.rows_validated = progress.validated
    job.rows_written = progress.written
    job.finished_at = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    job.save()


def _errors_of(error: ValidationError) -> list[dict]:
    """A service's refusal as the job keeps it: a message with ``line`` and
    ``reason`` parameters ("Line N: reason") gives the line apart and the reason
    alone, as the job's page shows them in columns."""
    found = []
    for single in error.error_list:
        params = single.params or {}
        message = single.message % params if params else single.message
        if params.get("line") is not None and params.get("reason"):
            message = params["reason"]
        found.append(row_error(params.get("line"), message))
    return found


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run the job ``job_id`` (the Celery task's body, or inline for a small
    file): claim it, run its kind in the submitter's language and record the
    outcome. All or nothing is the kind's: it writes in one transaction."""
    job = _claim(job_id)
    if job is None:
        return None
    kind = kind_get(job.kind)
    with Progress(job) as progress, translation.override(job.language):
        try:
            written = kind.run(job, progress)
        except ImportRowErrors as exc:
            _failed(job, progress, exc.errors)
        except ImportFileError as exc:
            _failed(job, progress, [row_error(None, exc.message)])
        except ValidationError as exc:
            _failed(job, progress, _errors_of(exc))
        except Exception:
            logger.exception("import job %s failed", job.pk)
            _finish(
                job,
                progress,
                status=Status.FAILED,
                message=str(
                    _(
                        "The import stopped on an unexpected error; nothing was "
                        "written. Run it again, or tell the administrator if it "
                        "happens again."
                    )
                ),
            )
        else:
            progress.written = written
            _finish(job, progress, status=Status.SUCCEEDED, message="")
    return job


def _failed(job: ImportJob, progress: Progress, errors: list[dict]) -> None:
    progress.written = 0
    _finish(
        job,
        progress,
        status=Status.FAILED,
        errors=errors[:MAX_KEPT_ERRORS],
        error_count=len(errors),
        message=str(_("Nothing was written: the file has errors.")),
    )
