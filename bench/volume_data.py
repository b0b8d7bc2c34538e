"""National volumes of work, bulk-inserted: dossiers of every kind in every state,
each job-position project with the viewflow process and tasks of the path it took
so far, its frozen revisions, the appraiser's remarks and its audit trail (hash-
chained by ``appraisal.audit_chain.entry_hash``, as ``audit_record`` does, so
``verify_audit`` finds nothing to flag).

Used by ``bench/volumes.py`` (the pages at 5,000 and 50,000 dossiers),
``bench/load.py`` (the load test's data) and ``bench/dashboard.py``. Not through the
services: the benchmarks measure the reads, and the services would take hours for
50,000 dossiers. Deterministic for a given seed.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

#: The job-position flow's human steps in order, with who takes each.
STEPS = [
    ("start", "officer"),
    ("draft", "officer"),
    ("submit", "head"),
    ("receive", "reception"),
    ("assign_appraiser", "division_head"),
    ("appraise", "appraiser"),
    ("review_report", "division_head"),
    ("sign_report", "director"),
    ("decide", "committee"),
]
_STEP_INDEX = {name: n for n, (name, _who) in enumerate(STEPS)}

#: For each status: the steps done, then the open step (``None``: the process has
#: ended) and whether the open task is already someone's (else it waits in the queue).
STATES = {
    "draft": ("start", "draft", True),
    "submitted": ("submit", "receive", False),
    "supplement_requested": ("receive", "revise", False),
    "refused": ("receive", None, False),
    "received": ("receive", "assign_appraiser", False),
    "under_appraisal": ("assign_appraiser", "appraise", True),
    "revision_requested": ("appraise", "revise", True),
    "report_completed": ("appraise", "review_report", True),
    "report_reviewed": ("review_report", "sign_report", True),
    "awaiting_decision": ("sign_report", "decide", True),
    "applied": ("decide", None, False),
    "rejected": ("decide", None, False),
}
#: How often each status occurs (most dossiers are closed).
WEIGHTS = {
    "draft": 6,
    "submitted": 5,
    "supplement_requested": 2,
    "refused": 3,
    "received": 3,
    "under_appraisal": 8,
    "revision_requested": 3,
    "report_completed": 2,
    "report_reviewed": 2,
    "awaiting_decision": 2,
    "applied": 52,
    "rejected": 12,
}
#: The audit action of each step done.
ACTIONS = {
    "start": "created",
    "draft": "handed_over",
    "submit": "submitted",
    "receive": "accepted",
    "assign_appraiser": "appraiser_assigned",
    "appraise": "report_completed",
    "review_report": "report_reviewed",
    "sign_report": "report_signed",
    "decide": "approved",
}
#: The action of the last step done when it sent the dossier elsewhere.
LAST_ACTIONS = {
    "supplement_requested": "supplement_requested",
    "refused": "refused",
    "revision_requested": "revision_requested",
    "rejected": "rejected",
}
#: The status a dossier has after each step.
AFTER = {
    "start": "draft",
    "draft": "draft",
    "submit": "submitted",
    "receive": "received",
    "assign_appraiser": "under_appraisal",
    "appraise": "report_completed",
    "review_report": "report_reviewed",
    "sign_report": "awaiting_decision",
    "decide": "approved",
}
#: The share of each kind among the dossiers (job-position projects carry the flow).
KIND_SHARES = [
    ("job_position_first", 0.35),
    ("job_position_adjustment", 0.35),
    ("staffing_proposal", 0.2),
    ("staffing_plan", 0.02),
    ("consolidation", 0.08),
]
PROJECT_KINDS = {"job_position_first": "first", "job_position_adjustment": "adjustment"}


@dataclass
class People:
    """Who acts: the unit people of each unit come from ``officers`` / ``heads``
    (one pair per unit, else the fallback ``officer`` / ``head``)."""

    officer: object
    head: object
    reception: object
    division_head: object
    appraisers: list
    director: object
    committee: object
    busy_appraiser: object
    officers: dict = field(default_factory=dict)
    heads: dict = field(default_factory=dict)


@dataclass
class VolumeStats:
    dossiers: int = 0
    projects: int = 0
    processes: int = 0
    tasks: int = 0
    audit_entries: int = 0
    revisions: int = 0
    remarks: int = 0
    statuses: dict = field(default_factory=dict)


def _pick_status(rng: random.Random) -> str:
    return rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]


def _pick_kind(rng: random.Random) -> str:
    return rng.choices(
        [k for k, _s in KIND_SHARES], weights=[s for _k, s in KIND_SHARES]
    )[0]


def dossiers_create(
    *,
    count: int,
    units: list,
    people: People,
    seed: int = 40,
    today: datetime.date | None = None,
    unit_weights: list[float] | None = None,
    title_prefix: str = "Hồ sơ",
    force_status: str | None = None,
    force_kind: str | None = None,
) -> VolumeStats:
    """Bulk-insert ``count`` dossiers spread over ``units`` (optionally weighted),
    with their processes, tasks, revisions, remarks and chained audit rows."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone
    from viewflow.workflow import STATUS
    from viewflow.workflow.models import Process, Task

    from appraisal.audit_chain import CHAINED_FIELDS, entry_hash
    from appraisal.models import (
        AuditEntry,
        Dossier,
        JobPositionProject,
        Remark,
        Revision,
    )
    from workflows.flows import JobPositionProjectFlow

    rng = random.Random(seed)
    tz = timezone.get_current_timezone()
    today = today or timezone.localdate()
    flow = JobPositionProjectFlow
    stats = VolumeStats()
    plans = []
    offset = Dossier.objects.count()  # numbers and titles go on from there
    for n in range(offset, offset + count):
        kind = force_kind or _pick_kind(rng)
        status = force_status or _pick_status(rng)
        unit = (
            rng.choices(units, weights=unit_weights)[0]
            if unit_weights
            else rng.choice(units)
        )
        created = datetime.datetime.combine(
            today - datetime.timedelta(days=rng.randint(0, 730)),
            datetime.time(8, rng.randint(0, 59)),
            tz,
        )
        done_until, open_step, owned = STATES[status]
        steps = [name for name, _who in STEPS[: _STEP_INDEX[done_until] + 1]]
        appraiser = (
            people.busy_appraiser
            if rng.random() < 0.3
            else rng.choice(people.appraisers)
        )
        moments = [created]
        for _step in steps[1:]:
            moments.append(moments[-1] + datetime.timedelta(hours=rng.randint(2, 90)))
        past_submit = "submit" in steps
        plans.append((kind, status, unit, created, steps, moments, open_step, owned))
        stats.statuses[status] = stats.statuses.get(status, 0) + 1
        due = (created + datetime.timedelta(days=rng.randint(20, 80))).date()
        Dossier_row = Dossier(  # noqa: N806
            dossier_kind=kind,
            unit=unit,
            title=f"{title_prefix} {n + 1} — {unit.name}"[:255],
            status=status,
            current_revision=1 if past_submit else 0,
            submitted_on=moments[2].date() if past_submit else None,
            receipt_number=(
                f"{n + 1:06d}/{created.year}/SNV" if "receive" in steps else ""
            ),
            received_on=moments[3].date() if "receive" in steps else None,
            due_on=due if past_submit else None,
            outcome={"applied": "approved", "rejected": "rejected"}.get(
                status, "refused" if status == "refused" else ""
            ),
            assigned_appraiser=appraiser if "assign_appraiser" in steps else None,
            created_by=people.officers.get(unit.pk, people.officer),
            created_at=created,
            updated_at=moments[-1],
        )
        plans[-1] = (*plans[-1], Dossier_row)

    with transaction.atomic():
        dossiers = Dossier.objects.bulk_create(
            [plan[-1] for plan in plans], batch_size=5000
        )
        stats.dossiers = len(dossiers)
        project_rows = [
            (d.pk, PROJECT_KINDS[d.dossier_kind])
            for d in dossiers
            if d.dossier_kind in PROJECT_KINDS
        ]
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(JobPositionProject._meta.db_table)
            cursor.executemany(
                f"INSERT INTO {table} (id, kind) VALUES (%s, %s)",  # noqa: S608
                project_rows,
            )
        stats.projects = len(project_rows)

        content_type = ContentType.objects.get_for_model(JobPositionProject)
        processes, task_plans, audit, revisions, remarks = [], [], [], [], []
        for plan, dossier in zip(plans, dossiers, strict=True):
            kind, status, unit, created, steps, moments, open_step, owned, _row = plan
            officer = people.officers.get(unit.pk, people.officer)
            head = people.heads.get(unit.pk, people.head)
            who = {
                "officer": officer,
                "head": head,
                "reception": people.reception,
                "division_head": people.division_head,
                "appraiser": dossier.assigned_appraiser or people.busy_appraiser,
                "director": people.director,
                "committee": people.committee,
            }
            previous, before = "", "draft"
            for step, moment in zip(steps, moments, strict=True):
                role = dict(STEPS)[step]
                after = AFTER[step]
                if step == steps[-1]:
                    after = status
                action = ACTIONS[step]
                if step == steps[-1] and status in LAST_ACTIONS:
                    action = LAST_ACTIONS[status]
                values = {
                    "dossier_id": dossier.pk,
                    "actor_id": who[role].pk,
                    "action": action,
                    "from_status": "" if step == "start" else before,
                    "to_status": after,
                    "revision_number": dossier.current_revision,
                    "comment": "",
                    "ip": None,
                    "created_at": moment,
                }
                previous = entry_hash(previous, values)
                audit.append(
                    AuditEntry(
                        **{name: values[name] for name in CHAINED_FIELDS},
                        chain_hash=previous,
                    )
                )
                before = after
            if "submit" in steps:
                revisions.append(
                    Revision(
                        dossier=dossier,
                        number=1,
                        snapshot={"title": dossier.title, "lines": []},
                        submitted_at=moments[2],
                        submitted_by=head,
                    )
                )
            if "appraise" in steps or status == "under_appraisal":
                remarks.append(
                    Remark(
                        dossier=dossier,
                        revision_number=1,
                        text="Đề nghị bổ sung bản mô tả công việc.",
                        author=who["appraiser"],
                        created_at=moments[-1],
                        resolved=status != "under_appraisal",
                    )
                )
            if kind not in PROJECT_KINDS:
                continue
            processes.append(
                Process(
                    flow_class=flow,
                    status=STATUS.NEW if open_step else STATUS.DONE,
                    created=created,
                    finished=None if open_step else moments[-1],
                    artifact_content_type=content_type,
                    artifact_object_id=dossier.pk,
                )
            )
            task_plans.append((steps, moments, open_step, owned, who))
        Process.objects.bulk_create(processes, batch_size=5000)
        tasks = []
        for process, (steps, moments, open_step, owned, who) in zip(
            processes, task_plans, strict=True
        ):
            for step, moment in zip(steps, moments, strict=True):
                tasks.append(
                    Task(
                        process=process,
                        flow_task=getattr(flow, step),
                        flow_task_type="HUMAN_START" if step == "start" else "HUMAN",
                        status=STATUS.DONE,
                        owner=who[dict(STEPS)[step]],
                        created=moment,
                        assigned=moment,
                        started=moment,
                        finished=moment,
                    )
                )
            if open_step:
                role = dict(STEPS).get(open_step, "officer")
                since = moments[-1] + datetime.timedelta(hours=1)
                tasks.append(
                    Task(
                        process=process,
                        flow_task=getattr(flow, open_step),
                        flow_task_type="HUMAN",
                        status=STATUS.ASSIGNED if owned else STATUS.NEW,
                        owner=who[role] if owned else None,
                        created=since,
                        assigned=since if owned else None,
                    )
                )
        Task.objects.bulk_create(tasks, batch_size=10000)
        AuditEntry.objects.bulk_create(audit, batch_size=10000)
        Revision.objects.bulk_create(revisions, batch_size=10000)
        Remark.objects.bulk_create(remarks, batch_size=10000)
        _receipt_registers_advance(dossiers)
    stats.processes = len(processes)
    stats.tasks = len(tasks)
    stats.audit_entries = len(audit)
    stats.revisions = len(revisions)
    stats.remarks = len(remarks)
    return stats


def _receipt_registers_advance(dossiers) -> None:
    """The receipt numbers given here belong to the desk's yearly registers: move
    each year's register past the highest, so the next dossier the desk accepts
    (through the service, as in the load test) gets a number not already taken."""
    from appraisal.models import NumberRegister
    from appraisal.services.dossiers import HOME_AFFAIRS_ISSUER
    from appraisal.services.numbering import DEFAULT_FORMATS, RECEIPT

    last: dict[int, int] = {}
    for dossier in dossiers:
        if dossier.receipt_number:
            number, year = (int(part) for part in dossier.receipt_number.split("/")[:2])
            last[year] = max(last.get(year, 0), number)
    for year, number in last.items():
        register, _created = NumberRegister.objects.get_or_create(
            issuer=HOME_AFFAIRS_ISSUER,
            doc_type=RECEIPT,
            year=year,
            defaults={"format": DEFAULT_FORMATS[RECEIPT]},
        )
        NumberRegister.objects.filter(pk=register.pk, last_number__lt=number).update(
            last_number=number
        )
