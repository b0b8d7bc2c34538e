"""Who is told when a task reaches them, and the deadline sweep: the flows' side
of ``appraisal.services.notifications``.

Every flow's human tasks are viewflow ``Task`` rows, so one receiver of the
task's creation covers every flow, present and future, without touching any of
them: the person the task was given to, or everyone who may take it from the
queue (the rule of ``permissions.candidate_ids``), is told at the end of the step
that created it, in its transaction (the bell shows it as soon as the step is
committed; a step rolled back tells nobody; the mail still goes after commit).
A task created outside a step (a flow started by a job) is told by a background
job after commit.

The sweep reminds the people holding a dossier's open task two working days
before its due date and on the day it is overdue (once per due date: a due date
moved by a stopped clock is a new reminder), and the colleagues standing in for
them today; a dossier back with the unit (clock stopped) or closed is not
reminded.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from appraisal.models import Dossier, Notification
from appraisal.selectors.deadlines import deadline_due_soon_until
from appraisal.selectors.delegations import delegates_active_for, delegates_active_of
from appraisal.services.notifications import (
    Tidings,
    notification_record,
    notification_record_many,
)
from orgchart.transactions import on_step_end

from .permissions import (
    APPRAISER_TASKS,
    ROLE_TASKS,
    candidate_ids,
    candidates_read,
    node_roles,
    party_user_ids,
)

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def task_recipients(task: Task, dossier: Dossier) -> tuple[set[int], list]:
    """The person holding ``task``, or everyone who may take it; and the
    colleagues standing in for them today (a delegation), so an absent person's
    work reaches whoever acts for them. With the people already read (the
    holder given the task in this step, or everyone who may take it, read whole
    with whether someone stands in for them: no delegation is read when nobody
    does)."""
    node_name = task.flow_task.name
    if task.owner_id:
        people = {task.owner_id}
        known = [task.owner] if Task.owner.is_cached(task) and task.owner else []
    else:
        known = candidates_read(node_name, dossier)
        people = {person.pk for person in known}
    nobody_stands_in = len(known) == len(people) and all(
        getattr(person, "has_stand_in", None) is False for person in known
    )
    if nobody_stands_in:
        delegates = set()
    else:
        delegates = delegates_active_for(
            delegator_ids=people, roles=node_roles(node_name)
        )
    if delegates and node_name in APPRAISER_TASKS | ROLE_TASKS.keys():
        # Separation of duties holds for the people standing in too.
        delegates -= party_user_ids(dossier.unit)
    return people | delegates, known


def _task_dossier(task: Task) -> Dossier | None:
    process = task.process.coerced
    try:
        return process.dossier
    except (AttributeError, Dossier.DoesNotExist):
        return None


def task_notify(*, task_id: int, event: str = Notification.Event.TASK, key="") -> int:
    """Tell the people of one open human task (the background half of
    :func:`task_created`); returns how many were told."""
    task = Task.objects.select_related("process").filter(pk=task_id).first()
    if task is None:
        return 0
    return task_tell(task, event=event, key=key)


def task_tell(
    task: Task, *, event: str = Notification.Event.TASK, key="", new=False
) -> int:
    """Tell the people of ``task`` if it is open (``new``: created in this
    transaction, so nobody was told of it yet); returns how many were told."""
    if task.status not in OPEN:
        return 0
    dossier = _task_dossier(task)
    if dossier is None:
        return 0
    url = task.flow_task.flow_class.instance.reverse(
        "process_detail", args=[task.process_id]
    )
    recipient_ids, known = task_recipients(task, dossier)
    made = notification_record(
        recipient_ids=recipient_ids,
        event=event,
        dossier_id=dossier.pk,
        key=key or f"task:{task.pk}",
        step=str(task.title),
        url=url,
        new=new,
        # The people it went to were read to give it to them.
        known=known,
    )
    return len(made)


def task_created(sender, instance: Task, created: bool, **kwargs) -> None:
    """A human task was created: tell its people at the end of the step (see
    the module docstring), or after commit outside one."""
    if not created or instance.flow_task_type != "HUMAN":
        return
    if on_step_end(lambda: task_tell(instance, new=True)):
        return
    from .tasks import task_notification

    transaction.on_commit(lambda: task_notification.delay(instance.pk))


def connect() -> None:
    post_save.connect(task_created, sender=Task, dispatch_uid="workflows.task_created")


def deadline_sweep(*, on: datetime.date | None = None) -> int:
    """Remind the holders of the open tasks of every dossier due within two
    working days, or overdue, on ``on`` (default: today). Idempotent: each
    person hears once per dossier, event and due date. Set-based: the reminders
    are recorded together and mailed by one background job, in a number of
    queries that does not grow with them (plus one claim per mail sent).
    Returns the reminders made."""
    on = on or timezone.localdate()
    until = deadline_due_soon_until(on=on)
    running = (
        Dossier.objects.filter(
            clock_paused_on__isnull=True, due_on__isnull=False, due_on__lte=until
        )
        .exclude(status__in=Dossier.FINAL_STATUSES)
        .values_list("pk", "due_on")
    )
    due = dict(running)
    if not due:
        return 0
    tasks = (
        Task.objects.filter(
            status__in=OPEN,
            flow_task_type="HUMAN",
            process__artifact_object_id__in=list(due),
        )
        .select_related("process")
        .order_by("pk")
    )
    # The reminders already made (one query), so a second run costs no more.
    told = {
        key.rsplit(":", 1)[0]
        for key in Notification.objects.filter(
            event__in=[Notification.Event.DUE_SOON, Notification.Event.OVERDUE],
            dossier_id__in=list(due),
        ).values_list("key", flat=True)
    }
    pending = []
    for task in tasks:
        dossier_id = int(task.process.artifact_object_id)
        due_on = due[dossier_id]
        event = (
            Notification.Event.OVERDUE if due_on < on else Notification.Event.DUE_SOON
        )
        key = f"{event}:{dossier_id}:{due_on.isoformat()}:{task.pk}"
        if key not in told:
            pending.append((task, dossier_id, event, key))
    # Queue tasks (nobody holds them yet) need each dossier's candidates; held
    # ones (nearly all by the time a due date nears) only their holder.
    queued = {d for task, d, _e, _k in pending if not task.owner_id}
    dossiers = Dossier.objects.select_related("unit").in_bulk(queued)
    people = []
    for task, dossier_id, _event, _key in pending:
        if task.owner_id:
            people.append({task.owner_id})
        elif dossier_id in dossiers:
            people.append(candidate_ids(task.flow_task.name, dossiers[dossier_id]))
        else:
            people.append(set())
    stand_ins = _stand_ins(pending, people, dossiers)
    tidings = []
    for (task, dossier_id, event, key), recipients, extra in zip(
        pending, people, stand_ins, strict=True
    ):
        if not recipients:
            continue
        tidings.append(
            Tidings(
                recipient_ids=frozenset(recipients | extra),
                event=event,
                dossier_id=dossier_id,
                key=key,
                step=str(task.title),
                url=task.flow_task.flow_class.instance.reverse(
                    "process_detail", args=[task.process_id]
                ),
            )
        )
    return len(notification_record_many(tidings=tidings))


def _stand_ins(pending: list, people: list[set[int]], dossiers: dict) -> list[set[int]]:
    """For each reminder of the sweep, the colleagues standing in today for its
    people in the task's role (one query for all of them), less the people who
    act for the dossier's unit on the tasks separation of duties guards."""
    delegated = delegates_active_of(delegator_ids=set().union(*people, set()))
    found: list[set[int]] = []
    missing = {
        dossier_id
        for (_t, dossier_id, _e, _k), ids in zip(pending, people, strict=True)
        if any(i in delegated for i in ids) and dossier_id not in dossiers
    }
    dossiers = {**dossiers, **Dossier.objects.select_related("unit").in_bulk(missing)}
    parties: dict[int, set[int]] = {}
    for (task, dossier_id, _e, _k), ids in zip(pending, people, strict=True):
        roles = node_roles(task.flow_task.name)
        extra = {
            delegate
            for person in ids
            for role, delegate in delegated.get(person, ())
            if role in roles
        }
        if extra and task.flow_task.name in APPRAISER_TASKS | ROLE_TASKS.keys():
            unit = dossiers[dossier_id].unit
            if unit.pk not in parties:
                parties[unit.pk] = party_user_ids(unit)
            extra -= parties[unit.pk]
        found.append(extra)
    return found
