"""Complete job-position project, staffing proposal and unit consolidation
lifecycles per second, on PostgreSQL, against a minimal three-step viewflow approval
measured in the same run.

    python bench/lifecycle.py                 # every flow, the default counts
    python bench/lifecycle.py --projects 50 --minimal 500
    python bench/lifecycle.py --flows staffing,consolidation --staffing 100

A lifecycle is what the people do in the browser, replayed with Django's test client
through the real URLs (every POST the pages send, no page rendering in between),
taking a task through its assign URL when nobody holds it yet:

- a job-position project: the unit officer opens a draft, attaches the three
  required documents and saves one line; the unit head takes and submits it;
  reception accepts it; the division head assigns the appraiser; the appraiser asks
  for a revision; the officer revises it; the head resubmits; the appraiser saves
  the report and completes it; the division head reviews it; the director signs;
  the committee approves and the decision is applied to the establishment;
- a staffing proposal, one unit's part in a year's staffing plan: the officer saves
  the unit's civil-servant numbers and hands them over, the head submits them, Home
  Affairs' appraiser accepts them. One plan, opened through its start page before
  the measure, asks one department per lifecycle (each with last year's quota);
- a unit consolidation proposed by Home Affairs, from its start to the applied
  decision: the division head starts it for a department, adds one operation (a
  division, made with one position before the lifecycle, absorbed by the
  department's other division from yesterday), saves the position mapping as its
  page proposes it and hands the proposal over; the director of Home Affairs signs
  and submits it; reception accepts it; the division head assigns the appraiser,
  who completes the report; the division head reviews it, the director signs it,
  the committee approves and the operation is applied at once.

The yardstick is viewflow's own minimal flow (start, take, approve), driven the
same way. ``--flows`` chooses among ``project``, ``staffing`` and
``consolidation`` (all three by default); ``--projects``, ``--staffing`` and
``--consolidations`` set how many lifecycles of each are measured after one warm-up
(20, 20 and 10), ``--minimal`` how many of the yardstick (200).

Uses ``DATABASE_URL`` (PostgreSQL only; default
``postgres://postgres@127.0.0.1:5432/positionflow_bench_lifecycle``), drops and
recreates that database, migrates it, and reports for each flow lifecycles per
second, queries and POSTs per lifecycle, its ratios to the minimal approval, and a
table of its steps: POSTs, statements and milliseconds per POST, by the flow node
the URL names (``assign`` for taking a task; the project's attachments, report
saved and two appraisal outcomes, and the consolidation's operation added and
mapping saved, under their own names). Nothing is asserted: this reports. With
``REDIS_URL`` set, the flows run as in production: the cache and the sessions read
from Redis (one statement fewer per request). ``--statements`` prints each POST's
statements of one more lifecycle (``STATEMENT_WIDTH`` characters of each); with
``STATEMENT_ORIGIN=N``, under each the project's innermost ``N`` frames that sent
it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import statistics
import sys
import tempfile
import time
import traceback
import types
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
#: How much of each statement --statements prints (STATEMENT_WIDTH).
WIDTH = int(os.environ.get("STATEMENT_WIDTH", "160"))
#: How many of the project's frames --statements prints under each statement
#: (STATEMENT_ORIGIN; none by default).
ORIGIN_DEPTH = int(os.environ.get("STATEMENT_ORIGIN", "0"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/positionflow_bench_lifecycle"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
#: When the units and positions of the bench's province come into force.
EPOCH = datetime.date(2025, 7, 1)
FLOWS = ("project", "staffing", "consolidation")


def flows_arg(text: str) -> tuple[str, ...]:
    flows = tuple(flow.strip() for flow in text.split(",") if flow.strip())
    unknown = set(flows) - set(FLOWS)
    if unknown or not flows:
        raise argparse.ArgumentTypeError(
            f"choose among {','.join(FLOWS)}, not {','.join(sorted(unknown)) or text}"
        )
    return flows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=20, help="project lifecycles")
    parser.add_argument(
        "--minimal", type=int, default=200, help="minimal approvals (yardstick)"
    )
    parser.add_argument(
        "--staffing", type=int, default=20, help="staffing proposal lifecycles"
    )
    parser.add_argument(
        "--consolidations", type=int, default=10, help="consolidation lifecycles"
    )
    parser.add_argument(
        "--flows",
        type=flows_arg,
        default=FLOWS,
        metavar="FLOW[,FLOW…]",
        help=f"the flows to measure against the minimal approval, of {','.join(FLOWS)} "
        "(default: all)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also profile the POSTs of N more lifecycles of the first flow of "
        "--flows (cProfile) and print where their time goes (PROFILE_OUT=file "
        "keeps the statistics, PROFILE_SORT and PROFILE_LINES shape the table)",
    )
    parser.add_argument(
        "--statements",
        action="store_true",
        help="also print the statements of each POST of one more lifecycle of "
        "each flow measured",
    )
    return parser.parse_args(argv)


def prepare_database(
    default_url: str = DEFAULT_URL, script: str = "bench/lifecycle.py"
) -> str:
    """Point ``DATABASE_URL`` (else ``default_url``) at a fresh PostgreSQL
    database: dropped and created again."""
    url = os.environ.get("DATABASE_URL") or default_url
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql", "psql"}:
        sys.exit(f"{script} needs PostgreSQL: set DATABASE_URL=postgres://…")
    os.environ["DATABASE_URL"] = url
    name = parts.path.lstrip("/")

    import psycopg
    from psycopg import sql

    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def finished_login(client, user) -> None:
    """Log ``user`` in on the test ``client`` as a finished login: the backend a
    password login records (the first one, the lockout check's, authenticates
    nobody) and, for a person who must confirm with an authenticator app (the
    director, the committee, an administrator), the session marked confirmed by
    their device (``orgchart.two_factor.testing``)."""
    from orgchart.two_factor.testing import client_second_step_done

    client.force_login(user, backend="orgchart.auth_backends.CachedUserBackend")
    client_second_step_done(client, user)


def setup_django(media_root: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["MEDIA_ROOT"] = media_root
    # The steps' official documents are rendered and signed by a job after the
    # step commits (``bench/documents.py`` measures them); the lifecycle measures
    # the steps themselves, as the flow tests do.
    os.environ.setdefault("APPRAISAL_DOCUMENTS", "0")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)


def mount_minimal_flow() -> None:
    """Serve the project's URLs plus the yardstick flow
    (``workflows.bench_flows.MinimalApprovalFlow``), for this run only."""
    from django.conf import settings
    from django.urls import clear_url_caches, include, path
    from viewflow.workflow.flow.viewset import FlowViewset

    from config import urls as project_urls
    from workflows.bench_flows import MinimalApprovalFlow

    patterns, app_name, namespace = FlowViewset(MinimalApprovalFlow).urls
    urlconf = types.ModuleType("bench_minimal_urls")
    urlconf.urlpatterns = [
        path("bench/minimal/", include((patterns, app_name), namespace=namespace)),
        *project_urls.urlpatterns,
    ]
    settings.ROOT_URLCONF = urlconf
    clear_url_caches()


class QueryCounter:
    """Counts every statement sent to the database (cheaper than the query log)."""

    def __init__(self):
        self.count = 0
        #: When a list, each statement sent (``--statements``, not the
        #: transaction's BEGIN and COMMIT) with where it came from
        #: (:func:`statement_origin`).
        self.statements: list[tuple[str, str]] | None = None

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if self.statements is not None:
            shown = sql
            origin = statement_origin() if ORIGIN_DEPTH else ""
            result = execute(sql, params, many, context)
            with contextlib.suppress(Exception):
                shown = context["connection"].ops.last_executed_query(
                    context["cursor"], sql, params
                )
            self.statements.append((shown, origin))
            return result
        return execute(sql, params, many, context)


def statement_origin() -> str:
    """The innermost ``ORIGIN_DEPTH`` frames of the project's own code on the
    stack (not the libraries', not the bench's), innermost last."""
    frames = [
        f"{Path(frame.filename).relative_to(ROOT)}:{frame.lineno} {frame.name}"
        for frame in traceback.extract_stack()
        if frame.filename.startswith(str(ROOT))
        and not frame.filename.startswith(str(ROOT / "bench"))
        and "/.venv/" not in frame.filename
    ]
    return " < ".join(reversed(frames[-ORIGIN_DEPTH:]))


def step_of(path: str) -> str:
    """The step a POST to ``path`` counts under: the flow node its URL names
    (``start`` for a start page), ``assign`` for a task's assign URL, else the
    URL's name."""
    from django.urls import resolve

    match = resolve(urlsplit(path).path)
    if match.url_name == "execute" and match.namespaces:
        return match.namespaces[-1]
    return match.url_name or path


class Counted:
    """A test client that counts its POSTs, the time spent in them and the queries
    they make (the harness's own look-ups and logins are left out), and insists each
    one succeeds."""

    def __init__(self, client):
        self.client = client
        self.posts = 0
        self.seconds = 0.0
        self.queries = QueryCounter()
        self.captured: list | None = None
        self.profiler = None
        #: ``{step: [(statements, seconds), …]}`` of every POST, by step label.
        self.steps: dict[str, list[tuple[int, float]]] = {}

    def login(self, user):
        finished_login(self.client, user)

    def post(self, path, data=None, step: str | None = None):
        """POST ``data`` to ``path``, counted under ``step`` (by default the flow
        node its URL names, ``assign`` for a task's assign URL)."""
        from django.db import connection

        step = step or step_of(path)
        self.posts += 1
        statements = self.queries.count
        self.queries.statements = [] if self.captured is not None else None
        started = time.perf_counter()
        with contextlib.ExitStack() as stack:
            stack.enter_context(connection.execute_wrapper(self.queries))
            if self.profiler is not None:
                self.profiler.enable()
            try:
                response = self.client.post(path, data or {})
            finally:
                if self.profiler is not None:
                    self.profiler.disable()
        elapsed = time.perf_counter() - started
        if self.captured is not None:
            self.captured.append((path, self.queries.statements))
        self.seconds += elapsed
        self.steps.setdefault(step, []).append(
            (self.queries.count - statements, elapsed)
        )
        # The person reads the page the POST sends them to, and its messages with
        # it: without this the messages pile up in their cookie until it
        # overflows into the session, written on every later POST.
        from django.contrib.messages.storage.cookie import CookieStorage

        self.client.cookies.pop(CookieStorage.cookie_name, None)
        if response.status_code != 302:
            raise RuntimeError(
                f"POST {path} answered {response.status_code}: "
                f"{response.content.decode()[:2000]}"
            )
        return response


def build_world():
    """The province slice the lifecycles need: a department with one position,
    reference data and one person per role (force-logged-in, no password)."""
    from guardian.shortcuts import assign_perm

    from orgchart import services
    from orgchart.models import PositionCategory, Rank, SalaryGroup, Unit
    from orgchart.permissions import Role

    groups = {group.name: group for group in services.roles_ensure()}
    root = services.unit_create(
        code="UBND",
        name="UBND tỉnh",
        kind=Unit.Kind.PROVINCIAL_PC,
        level=Unit.Level.PROVINCE,
        valid_from=EPOCH,
    )
    unit = services.unit_create(
        code="SYT",
        name="Sở Y tế",
        kind=Unit.Kind.DEPARTMENT,
        level=Unit.Level.PROVINCE,
        valid_from=EPOCH,
        parent=root,
    )
    group = SalaryGroup.objects.create(
        code="A1",
        name="Loại A1",
        step1="2.34",
        increment="0.33",
        steps=9,
        months_per_step=36,
    )
    rank = Rank.objects.create(
        code="01.003",
        name="Chuyên viên",
        kind=Rank.Kind.CIVIL_SERVANT_RANK,
        salary_group=group,
        ladder_level="specialist",
    )
    category = PositionCategory.objects.create(
        code="specialised", name="Chuyên môn, nghiệp vụ chuyên ngành", order=2
    )
    services.position_create(
        unit=unit,
        rank=rank,
        headcount=3,
        valid_from=EPOCH,
        category=category,
        name="Chuyên viên quản lý hành nghề y",
        decision_number="100/QĐ-UBND",
    )
    from django.contrib.auth import get_user_model

    people = {}
    for key, role in (
        ("officer", Role.UNIT_OFFICER),
        ("head", Role.UNIT_HEAD),
        ("reception", Role.RECEPTION),
        ("division_head", Role.DIVISION_HEAD),
        ("appraiser", Role.APPRAISER),
        ("director", Role.DIRECTOR),
        ("committee", Role.COMMITTEE),
    ):
        user = get_user_model().objects.create(username=f"bench_{key}")
        user.groups.add(groups[role])
        people[key] = user
    for key in ("officer", "head"):
        assign_perm("orgchart.act_for_unit", people[key], unit)
    assign_perm("orgchart.sign_for_unit", people["head"], unit)
    return {
        "root": root,
        "unit": unit,
        "rank": rank,
        "category": category,
        "people": people,
    }


def project_lifecycle(client: Counted, world, effective: datetime.date) -> None:
    """One job-position project from the draft to the applied decision, with one
    revision round, through the flow's real URLs."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from viewflow.workflow import STATUS
    from viewflow.workflow.models import Task

    from appraisal.models import JobPositionProject
    from workflows.models import JobPositionProjectProcess

    people = world["people"]

    def task_url(task, action):
        return reverse(
            f"jobpositionproject:{task.flow_task.name}:{action}",
            args=[task.process_id, task.pk],
        )

    def open_task(process):
        return Task.objects.get(
            process=process,
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
            flow_task_type="HUMAN",
        )

    def act(who, process, data, step=None):
        client.login(people[who])
        task = open_task(process)
        if task.status == STATUS.NEW:
            client.post(task_url(task, "assign"))
        client.post(task_url(task, "execute"), {"_complete": "1", **data}, step=step)

    def lines(project, **line):
        data = {
            "version": project.version,
            "title": project.title,
            "legal_basis": project.legal_basis,
            "justification": project.justification,
            "comment": "",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000",
            "lines-0-action": "add",
            "lines-0-name": "Chuyên viên quản lý dược",
            "lines-0-category": world["category"].pk,
            "lines-0-rank": world["rank"].pk,
            "lines-0-headcount": "2",
        }
        data.update({f"lines-0-{key}": value for key, value in line.items()})
        return data

    client.login(people["officer"])
    response = client.post(
        reverse("jobpositionproject:start:execute"),
        {
            "unit": world["unit"].pk,
            "kind": "adjustment",
            "title": "Đề án điều chỉnh vị trí việc làm",
            "legal_basis": "Nghị định 62/2020/NĐ-CP",
            "justification": "",
        },
    )
    process = JobPositionProjectProcess.objects.get(
        pk=int(response["Location"].split("/")[2])
    )
    project = JobPositionProject.objects.get(pk=process.artifact_object_id)
    draft = open_task(process)
    for kind in ("submission_letter", "project_document", "establishment_decision"):
        upload = SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf")
        client.post(
            task_url(draft, "execute"),
            {"_attach": "1", "kind": kind, "file": upload},
            step="attach",
        )
    project.refresh_from_db()
    client.post(task_url(draft, "execute"), {"_complete": "1", **lines(project)})
    act("head", process, {"comment": "Kính trình"})
    act("reception", process, {"decision": "accept"})
    act("division_head", process, {"appraiser": people["appraiser"].pk})
    act(
        "appraiser",
        process,
        {"action": "request_revision", "comment": "Giảm còn 1"},
        step="request_revision",
    )
    project.refresh_from_db()
    key = str(project.lines.get().key)
    act("officer", process, lines(project, headcount="1", key=key))
    act("head", process, {"comment": "Đã chỉnh sửa"})
    project.refresh_from_db()
    report = {
        "_save_report": "1",
        "version": project.version,
        "recommendation": "approve",
        "text": "Đạt",
        "proposed-TOTAL_FORMS": "0",
        "proposed-INITIAL_FORMS": "0",
        "proposed-MIN_NUM_FORMS": "0",
        "proposed-MAX_NUM_FORMS": "1000",
    }
    for code in world["criteria"]:
        report[f"answer_{code}"] = "pass"
        report[f"note_{code}"] = ""
    client.login(people["appraiser"])
    client.post(task_url(open_task(process), "execute"), report, step="save_report")
    act("appraiser", process, {"action": "complete"}, step="complete_report")
    act("division_head", process, {"action": "sign"})
    act("director", process, {"action": "sign"})
    act("committee", process, {"outcome": "approved", "effective_date": effective})
    project.refresh_from_db()
    if project.status != JobPositionProject.Status.APPLIED:
        raise RuntimeError(f"lifecycle ended in {project.status}")


def minimal_lifecycle(client: Counted, world) -> None:
    """viewflow's minimal approval: start, take, approve."""
    from django.urls import reverse
    from viewflow.workflow.models import Task

    client.login(world["people"]["officer"])
    response = client.post(reverse("minimalapproval:start:execute"))
    process_pk = int(response["Location"].rstrip("/").split("/")[-1])
    task = Task.objects.get(process_id=process_pk, status="NEW")
    assign = reverse("minimalapproval:approve:assign", args=[process_pk, task.pk])
    client.post(assign)
    execute = reverse("minimalapproval:approve:execute", args=[process_pk, task.pk])
    client.post(execute)


def open_task(process, node: str | None = None):
    """The one open human task of ``process`` (of ``node`` if given)."""
    from viewflow.workflow import STATUS
    from viewflow.workflow.models import Task

    tasks = Task.objects.filter(
        process_id=process.pk,
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
        flow_task_type="HUMAN",
    )
    if node is not None:
        tasks = tasks.filter(flow_task=getattr(process.flow_class, node))
    tasks = list(tasks)
    if len(tasks) != 1:
        raise RuntimeError(f"{process} has {len(tasks)} open tasks {node or ''}")
    return tasks[0]


def task_url(namespace: str, task, action: str) -> str:
    from django.urls import reverse

    return reverse(
        f"{namespace}:{task.flow_task.name}:{action}",
        args=[task.process_id, task.pk],
    )


def act(client: Counted, namespace: str, process, user, node: str, data: dict):
    """``user`` takes the open task of ``node`` if nobody holds it (its assign
    URL), then completes it with ``data``."""
    from viewflow.workflow import STATUS

    client.login(user)
    task = open_task(process, node)
    if task.status == STATUS.NEW:
        client.post(task_url(namespace, task, "assign"))
    return client.post(task_url(namespace, task, "execute"), {"_complete": "1", **data})


STAFFING = "staffing:staffingproposal"


def staffing_world_build(client: Counted, world, units: int) -> list:
    """``units`` departments, each with last year's civil-servant quota, its own
    officer and its own head (granted that unit only, as in real life: a person
    granted every unit would make each scope check grow with ``units``), asked for
    their proposal by one staffing plan of next year, opened through its start page
    (not counted). Returns ``(process, officer, head)`` of each unit's proposal,
    one per lifecycle."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.urls import reverse
    from django.utils import timezone
    from guardian.shortcuts import assign_perm

    from appraisal.models import StaffingProposal, UnitQuota
    from orgchart import services
    from orgchart.models import Unit
    from orgchart.permissions import Role
    from workflows.flows import StaffingProposalFlow
    from workflows.models import StaffingProposalProcess

    people = world["people"]
    groups = {
        key: Group.objects.get(name=role)
        for key, role in (("officer", Role.UNIT_OFFICER), ("head", Role.UNIT_HEAD))
    }
    year = timezone.localdate().year + 1
    made, unit_people = [], {}
    for number in range(units):
        unit = services.unit_create(
            code=f"KHBC{number:03d}",
            name=f"Sở thứ {number + 1}",
            kind=Unit.Kind.DEPARTMENT,
            level=Unit.Level.PROVINCE,
            valid_from=EPOCH,
            parent=world["root"],
        )
        UnitQuota.objects.create(
            unit=unit, year=year - 1, post_kind="civil_servant", headcount=20
        )
        unit_people[unit.pk] = {}
        for key, group in groups.items():
            user = get_user_model().objects.create(
                username=f"bench_staffing_{key}_{number}"
            )
            user.groups.add(group)
            assign_perm("orgchart.act_for_unit", user, unit)
            unit_people[unit.pk][key] = user
        assign_perm("orgchart.sign_for_unit", unit_people[unit.pk]["head"], unit)
        made.append(unit)
    client.login(people["division_head"])
    response = client.client.post(
        reverse("staffing:staffingplan:start:execute"),
        {
            "year": year,
            "base_year": 2021,
            "proposal_deadline": (
                timezone.localdate() + datetime.timedelta(days=10)
            ).isoformat(),
            "appraiser": people["appraiser"].pk,
            "legal_basis": "Nghị định 62/2020/NĐ-CP, Điều 10",
            "ceiling_civil_servant": 25 * units,
            "reserve_civil_servant": 2,
            "base_year_count_civil_servant": 20 * units,
            "reduction_civil_servant": "5",
            "units": [unit.pk for unit in made],
        },
    )
    if response.status_code != 302:
        raise RuntimeError(
            f"opening the staffing plan answered {response.status_code}: "
            f"{response.content.decode()[:2000]}"
        )
    # Its message read, as after a counted POST.
    client.client.cookies.pop(CookieStorage.cookie_name, None)
    unit_of = dict(
        StaffingProposal.objects.filter(unit__in=made).values_list("pk", "unit_id")
    )
    processes = list(
        StaffingProposalProcess.objects.filter(
            flow_class=StaffingProposalFlow, artifact_object_id__in=list(unit_of)
        ).order_by("pk")
    )
    if len(processes) != units:
        raise RuntimeError(f"{len(processes)} proposal processes for {units} units")
    return [
        (
            process,
            unit_people[unit_of[process.artifact_object_id]]["officer"],
            unit_people[unit_of[process.artifact_object_id]]["head"],
        )
        for process in processes
    ]


def staffing_lifecycle(client: Counted, world, proposals: list) -> None:
    """One unit's staffing proposal (the next of ``proposals``): its officer
    saves its numbers and hands it over, its head submits it, Home Affairs'
    appraiser accepts it."""
    from appraisal.models import StaffingProposal

    people = world["people"]
    process, officer, head = proposals.pop(0)
    proposal = StaffingProposal.objects.get(pk=process.artifact_object_id)
    numbers = {
        "version": proposal.version,
        "civil_servant-actual": "19",
        "civil_servant-proposed": "21",
        "civil_servant-justification": "Thêm nhiệm vụ được giao",
    }
    act(client, STAFFING, process, officer, "draft", numbers)
    act(client, STAFFING, process, head, "submit", {"action": "submit"})
    act(
        client,
        STAFFING,
        process,
        people["appraiser"],
        "review",
        {"action": "accept", "reason": ""},
    )
    proposal.refresh_from_db()
    if proposal.status != StaffingProposal.Status.RECEIVED:
        raise RuntimeError(f"staffing proposal ended in {proposal.status}")


CONSOLIDATION = "consolidations:consolidation"


def consolidation_world_build(world) -> dict:
    """A department with one division, the successor of every division the
    consolidations absorb."""
    import itertools

    from orgchart import services
    from orgchart.models import Unit

    department = services.unit_create(
        code="SXD",
        name="Sở Xây dựng",
        kind=Unit.Kind.DEPARTMENT,
        level=Unit.Level.PROVINCE,
        valid_from=EPOCH,
        parent=world["root"],
    )
    successor = services.unit_create(
        code="SXD-P1",
        name="Phòng Quản lý xây dựng",
        kind=Unit.Kind.DIVISION,
        level=Unit.Level.PROVINCE,
        valid_from=EPOCH,
        parent=department,
    )
    return {
        "department": department,
        "successor": successor,
        "numbers": itertools.count(2),
    }


def consolidation_lifecycle(client: Counted, world, setting: dict) -> None:
    """One consolidation proposed by Home Affairs, from its start to the applied
    decision: a fresh division of the department (one position, made outside the
    POSTs) absorbed by the department's other division from yesterday."""
    import re

    from django.urls import reverse
    from django.utils import timezone
    from viewflow.workflow import STATUS

    from appraisal.models import Consolidation
    from orgchart import services
    from orgchart.models import Unit
    from workflows.consolidation_pages import mapping_rows
    from workflows.models import ConsolidationProcess

    people = world["people"]
    number = next(setting["numbers"])
    source = services.unit_create(
        code=f"SXD-P{number}",
        name=f"Phòng số {number}",
        kind=Unit.Kind.DIVISION,
        level=Unit.Level.PROVINCE,
        valid_from=EPOCH,
        parent=setting["department"],
    )
    services.position_create(
        unit=source,
        rank=world["rank"],
        headcount=2,
        valid_from=EPOCH,
        category=world["category"],
        name=f"Chuyên viên phòng số {number}",
        decision_number="100/QĐ-UBND",
    )
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    client.login(people["division_head"])
    response = client.post(
        reverse(f"{CONSOLIDATION}:start:execute"),
        {
            "unit": setting["department"].pk,
            "title": f"Sắp xếp phòng số {number}",
            "scope": "agencies",
            "legal_basis": "Nghị định 158/2018/NĐ-CP",
        },
    )
    process = ConsolidationProcess.objects.get(
        pk=int(re.search(r"/flow/(\d+)/", response["Location"]).group(1))
    )
    task = open_task(process, "propose")
    if task.status == STATUS.NEW:
        client.post(task_url(CONSOLIDATION, task, "assign"))
    client.post(
        task_url(CONSOLIDATION, task, "execute"),
        {
            "_add_operation": "1",
            "op-kind": "absorb",
            "op-effective_date": yesterday.isoformat(),
            "op-sources": [source.pk],
            "op-existing_successors": [setting["successor"].pk],
        },
        step="add_operation",
    )
    # The mapping editor as its page shows it (the default mapping), saved as it
    # stands: the position must be mapped before the proposal is handed over.
    consolidation = Consolidation.objects.get(pk=process.artifact_object_id)
    rows = mapping_rows(consolidation)
    mapping = {
        "map-TOTAL_FORMS": str(len(rows)),
        "map-INITIAL_FORMS": str(len(rows)),
        "map-MIN_NUM_FORMS": "0",
        "map-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row["initial"].items():
            mapping[f"map-{index}-{key}"] = "" if value is None else value
    client.post(
        reverse("consolidations:mapping", args=[process.pk]), mapping, step="mapping"
    )
    act(client, CONSOLIDATION, process, people["division_head"], "propose", {})
    consolidation.refresh_from_db()
    if not consolidation.proposed_by_home_affairs:
        raise RuntimeError("the consolidation is not Home Affairs' own")
    # Home Affairs' own proposal is signed by its director, not a unit head.
    act(client, CONSOLIDATION, process, people["director"], "submit_proposal", {})
    act(
        client,
        CONSOLIDATION,
        process,
        people["reception"],
        "receive",
        {"decision": "accept", "comment": ""},
    )
    act(
        client,
        CONSOLIDATION,
        process,
        people["division_head"],
        "assign_appraiser",
        {"appraiser": people["appraiser"].pk},
    )
    consolidation.refresh_from_db()
    act(
        client,
        CONSOLIDATION,
        process,
        people["appraiser"],
        "appraise",
        {
            "action": "complete",
            "version": consolidation.version,
            "recommendation": "approve",
            "text": "Đủ điều kiện sắp xếp",
        },
    )
    for who, node in (("division_head", "review_report"), ("director", "sign_report")):
        act(client, CONSOLIDATION, process, people[who], node, {"action": "sign"})
    act(
        client,
        CONSOLIDATION,
        process,
        people["committee"],
        "decide",
        {"outcome": "approved", "comment": ""},
    )
    consolidation.refresh_from_db()
    if not consolidation.is_applied:
        raise RuntimeError(f"consolidation ended in {consolidation.status}")


def run(label: str, count: int, one) -> dict:
    """Run ``one`` lifecycle once to warm up, then ``count`` times; figures count
    only what the application does in the POSTs (time and queries), and
    ``steps`` each measured POST by step (``Counted.steps``)."""
    client = one.client
    one()  # warm-up
    posts, seconds, queries = client.posts, client.seconds, client.queries.count
    client.steps = {}
    samples = []
    started = time.perf_counter()
    for _ in range(count):
        before = client.seconds
        one()
        samples.append(client.seconds - before)
    wall = time.perf_counter() - started
    in_posts = client.seconds - seconds
    result = {
        "label": label,
        "count": count,
        "per_second": count / in_posts,
        "median_ms": statistics.median(samples) * 1000,
        "queries": (client.queries.count - queries) / count,
        "posts": (client.posts - posts) / count,
        "steps": client.steps,
    }
    client.steps = {}
    print(
        f"  {label:<34} {count:>4} lifecycles: {result['per_second']:7.2f}/s "
        f"(median {result['median_ms']:6.1f} ms in the POSTs; {wall:6.2f} s wall "
        f"with the harness), {result['queries']:6.1f} queries and "
        f"{result['posts']:4.1f} POSTs per lifecycle"
    )
    return result


def print_ratios(name: str, result: dict, minimal: dict) -> None:
    """What one lifecycle of ``result`` costs against the minimal approval: per
    lifecycle, and per POST."""
    slower = minimal["per_second"] / result["per_second"]
    queries = result["queries"] / minimal["queries"]
    posts = result["posts"] / minimal["posts"]
    per_post = result["queries"] / result["posts"]
    per_post_minimal = minimal["queries"] / minimal["posts"]
    print(
        f"  {name} / minimal: {slower:5.1f}x the time per lifecycle, "
        f"{queries:5.1f}x the queries, {posts:5.1f}x the POSTs; "
        f"queries per POST {per_post:.1f} vs {per_post_minimal:.1f}"
    )
    time_per_post = (1 / result["per_second"]) / result["posts"]
    time_per_post_minimal = (1 / minimal["per_second"]) / minimal["posts"]
    print(
        f"  time per POST {time_per_post * 1000:.1f} ms vs "
        f"{time_per_post_minimal * 1000:.1f} ms: "
        f"{time_per_post / time_per_post_minimal:4.1f}x minimal"
    )


def print_steps(result: dict) -> None:
    """The measured POSTs of ``result`` by step, in the order they first came:
    how many, their statements (mean, maximum) and their time (median, mean)."""
    print(f"\n  {result['label']}, by step over {result['count']} lifecycles:")
    print(
        f"    {'step':<18} {'POSTs':>6} {'statements':>11} {'max':>5} "
        f"{'ms median':>10} {'ms mean':>8}"
    )
    for step, samples in result["steps"].items():
        counts = [statements for statements, _seconds in samples]
        times = [seconds * 1000 for _statements, seconds in samples]
        print(
            f"    {step:<18} {len(samples):>6} {statistics.mean(counts):>11.1f} "
            f"{max(counts):>5} {statistics.median(times):>10.1f} "
            f"{statistics.mean(times):>8.1f}"
        )


def print_statements(captured: list) -> None:
    """Each POST of ``captured`` with its statements (their first 160 characters)."""
    for path, statements in captured:
        print(f"\n  POST {path}: {len(statements)} statements")
        for statement, origin in statements:
            print(f"    {statement[:WIDTH]}")
            if origin:
                print(f"        from {origin}")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    flows = args.flows
    name = prepare_database()
    with tempfile.TemporaryDirectory() as media_root:
        setup_django(media_root)
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from appraisal.models import ChecklistCriterion

        mount_minimal_flow()

        world = build_world()
        world["criteria"] = list(
            ChecklistCriterion.objects.filter(active=True).values_list(
                "code", flat=True
            )
        )
        effective = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
        client = Counted(Client())

        def project_one():
            project_lifecycle(client, world, effective)

        def minimal_one():
            minimal_lifecycle(client, world)

        def staffing_one():
            staffing_lifecycle(client, world, world["staffing"])

        def consolidation_one():
            consolidation_lifecycle(client, world, world["consolidation"])

        for one in (project_one, minimal_one, staffing_one, consolidation_one):
            one.client = client

        server = connection.cursor().connection.info.parameter_status("server_version")
        print(
            f"PostgreSQL {server}, database {name}; Python {sys.version.split()[0]}; "
            "single process, the flows' select_for_update lock"
        )
        minimal_result = run(
            "minimal 3-step viewflow approval", args.minimal, minimal_one
        )
        results = {}
        if "project" in flows:
            results["project"] = run(
                "job-position project (1 revision)", args.projects, project_one
            )
        if "staffing" in flows:
            # One unit's proposal per lifecycle: the warm-up's, the measured
            # ones and one for --statements.
            world["staffing"] = staffing_world_build(client, world, args.staffing + 2)
            results["staffing"] = run(
                "staffing proposal (one unit)", args.staffing, staffing_one
            )
        if "consolidation" in flows:
            world["consolidation"] = consolidation_world_build(world)
            results["consolidation"] = run(
                "consolidation (1 absorb, applied)",
                args.consolidations,
                consolidation_one,
            )
        for flow, result in results.items():
            print()
            print_ratios(flow, result, minimal_result)
        for result in (minimal_result, *results.values()):
            print_steps(result)
        ones = {
            "project": project_one,
            "staffing": staffing_one,
            "consolidation": consolidation_one,
        }
        if args.profile:
            import cProfile
            import pstats

            # The first flow asked for (--flows) is profiled.
            profiled = flows[0]
            profiler = client.profiler = cProfile.Profile()
            for _ in range(args.profile):
                ones[profiled]()
            client.profiler = None
            print(f"\n  where the POSTs of {args.profile} {profiled} lifecycles go:")
            stats = pstats.Stats(profiler)
            if os.environ.get("PROFILE_OUT"):
                stats.dump_stats(os.environ["PROFILE_OUT"])
            stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
            stats.print_stats(int(os.environ.get("PROFILE_LINES", "45")))
        if args.statements:
            client.captured = []
            minimal_one()
            for flow in FLOWS:
                if flow in flows:
                    ones[flow]()
            print_statements(client.captured)


if __name__ == "__main__":
    main()
