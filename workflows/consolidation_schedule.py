"""The consolidation flow's daily job: complete every "wait for the effective
date" step whose date has come, so the flow applies the consolidation.

The waiting steps are rows of viewflow's task table (``Handle`` nodes), so
nothing is lost when the application restarts: whatever ran the job last
(``manage.py apply_due_consolidations`` from cron, or the Celery beat schedule
calling :func:`consolidations_apply_due`), the next run finds every step still
waiting. Each step runs under its process's flow lock in its own transaction:
one consolidation that cannot be applied (its error is reported) does not hold
back the others.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task


@dataclass
class ApplyRun:
    """What one run did: the processes applied, those refused with why."""

    applied: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def consolidations_apply_due(*, on: datetime.date | None = None) -> ApplyRun:
    """Complete the waiting steps of every consolidation with an operation due on
    ``on`` (default today) or before."""
    from .flows import ConsolidationFlow

    on = on or timezone.localdate()
    run = ApplyRun()
    node = ConsolidationFlow.wait_effective_date
    tasks = Task.objects.filter(flow_task=node, status=STATUS.NEW).order_by("pk")
    for task in tasks.select_related("process"):
        consolidation = task.process.coerced.consolidation
        due = consolidation.next_effective_date
        if due is None or due > on:
            continue
        try:
            with transaction.atomic():
                node.run(task, on=on)
        except (ValidationError, FlowLockFailed) as exc:
            messages = getattr(exc, "messages", None) or [str(exc)]
            run.failed[task.process_id] = " ".join(str(m) for m in messages)
        else:
            run.applied.append(task.process_id)
    return run
