"""A dossier page's import of a spreadsheet (a project's lines, a consolidation's
mapping) as an import job (``orgchart.import_jobs``): a small file is imported
while the page waits and its bad rows are shown on the form, as typed; a file of
more than ``IMPORT_BACKGROUND_ROWS`` rows goes to a Celery worker and the person
follows it on the job's page, which links back to the dossier."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from orgchart.import_jobs import import_job_submit
from orgchart.models import ImportJob

from .client_address import client_address


def import_from_page(request, *, kind: str, dossier, form) -> ImportJob | None:
    """Import the valid ``form``'s file into ``dossier`` as a job of ``kind``.

    Returns the job when it succeeded or runs in the background; ``None`` when
    the file is refused, every reason then being an error of the form's
    ``file`` field ("Line N: reason"). ``PermissionDenied`` for a person the
    kind does not allow."""
    try:
        job = import_job_submit(
            kind=kind,
            user=request.user,
            file=form.cleaned_data["file"],
            unit=dossier.unit,
            target_id=dossier.pk,
            ip=client_address(request),
            return_url=request.get_full_path(),
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error("file", message)
        return None
    if job.status != ImportJob.Status.FAILED:
        return job
    for error in job.errors:
        if error.get("line"):
            form.add_error(
                "file",
                _("Line %(line)s: %(reason)s")
                % {"line": error["line"], "reason": error["reason"]},
            )
        else:
            form.add_error("file", error["reason"])
    if not job.errors:
        form.add_error("file", job.message)
    return None


def import_done_redirect(request, job: ImportJob, done_text: str):
    """Where the person goes after a file was taken: back to the page when it
    was imported at once, to the job's page when a worker imports it."""
    if job.background:
        messages.info(
            request,
            _(
                "The file has %(rows)s rows: it is being imported in the background. "
                "This page shows its progress; nothing is written unless every row "
                "is valid."
            )
            % {"rows": job.rows_total},
        )
        return HttpResponseRedirect(job.get_absolute_url())
    messages.success(request, done_text)
    return HttpResponseRedirect(request.get_full_path())
