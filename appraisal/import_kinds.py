"""The appraisal app's kinds of import, registered with the job runner
(``orgchart.import_jobs``): a job-position project's lines, a
consolidation's position mapping, and the payroll quotas in force. A file of more than
``IMPORT_BACKGROUND_ROWS`` rows is imported by a Celery worker with its
progress on the job's page; a smaller one at once. Either way the import is the
service's, all or nothing, with the same checks under the dossier's lock."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.files import File
from django.utils.translation import gettext_lazy as _

from orgchart.import_jobs import ImportKind, Progress, kind_register
from orgchart.import_kinds import resource_kind_register
from orgchart.models import ImportJob

from .models import Consolidation, JobPositionProject
from .resources import UnitQuotaResource
from .services import consolidation as consolidation_services
from .services import projects as project_services
from .services.consolidation_import import MAX_MAPPING_ROWS
from .services.imports import MAX_IMPORT_ROWS


@contextmanager
def stored_file(job: ImportJob):
    """The job's stored file, named as the person's file was (the audit line
    names it, and its extension tells the format)."""
    with job.file.open("rb") as stored:
        yield File(stored, name=job.file_name)


def _counted(progress: Progress, count: int) -> int:
    progress.add(read=count, validated=count)
    return count


# ----------------------------------------------------------- a project's lines


def _project(target_id) -> JobPositionProject | None:
    projects = JobPositionProject.objects.select_related("unit")
    return projects.filter(pk=target_id).first()


def _lines_run(job: ImportJob, progress: Progress) -> int:
    project = JobPositionProject.objects.get(pk=job.target_id)
    with stored_file(job) as file:
        lines = project_services.project_lines_import(
            project=project, actor=job.user, file=file, ip=job.ip
        )
    return _counted(progress, len(lines))


def _lines_may_submit(user, unit, target_id) -> bool:
    project = _project(target_id)
    return project is not None and project_services.project_lines_may_import(
        user=user, project=project
    )


kind_register(
    ImportKind(
        key="project_lines",
        label=_("Lines of a job-position project"),
        run=_lines_run,
        may_submit=_lines_may_submit,
        max_rows=MAX_IMPORT_ROWS,
    )
)


# ------------------------------------------------- a consolidation's mapping


def _mapping_run(job: ImportJob, progress: Progress) -> int:
    consolidation = Consolidation.objects.get(pk=job.target_id)
    with stored_file(job) as file:
        count = consolidation_services.mapping_import(
            user=job.user, consolidation=consolidation, file=file, ip=job.ip
        )
    return _counted(progress, count)


def _mapping_may_submit(user, unit, target_id) -> bool:
    consolidation = Consolidation.objects.filter(pk=target_id).first()
    return consolidation is not None and consolidation_services.mapping_may_edit(
        user=user, consolidation=consolidation
    )


kind_register(
    ImportKind(
        key="consolidation_mapping",
        label=_("Position mapping of a consolidation"),
        run=_mapping_run,
        may_submit=_mapping_may_submit,
        max_rows=MAX_MAPPING_ROWS,
    )
)


# ------------------------------------------------------ the payroll quotas

resource_kind_register("quotas", UnitQuotaResource)
