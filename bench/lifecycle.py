"""Complete job-position project lifecycles per second, on PostgreSQL, against a
minimal three-step viewflow approval measured in the same run.

    python bench/lifecycle.py                 # 20 projects, 200 minimal approvals
    python bench/lifecycle.py --projects 50 --minimal 500

A lifecycle is what the people do in the browser, replayed with Django's test client
through the real URLs (every POST the pages send, no page rendering in between): the
unit officer opens a draft, attaches the three required documents and saves one
line; the unit head takes and submits it; reception accepts it; the division head
assigns the appraiser; the appraiser asks for a revision; the officer revises it;
the head resubmits; the appraiser saves the report and completes it; the division
head reviews it; the director signs; the committee approves and the decision is
applied to the establishment. The yardstick is viewflow's own minimal flow (start,
take, approve), driven the same way.

Uses ``DATABASE_URL`` (PostgreSQL only; default
``postgres://postgres@127.0.0.1:5432/positionflow_bench_lifecycle``), drops and
recreates that database, migrates it, and reports lifecycles per second, queries
and POSTs per lifecycle, and the ratios between the two flows. Nothing is asserted:
this reports. With ``REDIS_URL`` set, both flows run as in production: the cache
and the sessions read from Redis (one statement fewer per request).
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
import types
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
#: How much of each statement --statements prints (STATEMENT_WIDTH).
WIDTH = int(os.environ.get("STATEMENT_WIDTH", "160"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/positionflow_bench_lifecycle"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=20, help="project lifecycles")
    parser.add_argument(
        "--minimal", type=int, default=200, help="minimal approvals (yardstick)"
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also profile the POSTs of N more project lifecycles (cProfile) and "
        "print where their time goes",
    )
    parser.add_argument(
        "--statements",
        action="store_true",
        help="also print the statements of each POST of one more lifecycle",
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

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


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

    def login(self, user):
        """A finished login: for a person who must confirm with an authenticator
        app (the director, the committee), the session is marked confirmed by
        their device, as the code page does (set up for them if missing)."""
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from orgchart.two_factor.services import totp_device_get, two_factor_required

        # The backend a password login records (the first one, the lockout
        # check's, authenticates nobody).
        self.client.force_login(
            user, backend="orgchart.auth_backends.CachedUserBackend"
        )
        device = totp_device_get(user)
        if device is None and two_factor_required(user):
            device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        if device is not None:
            session = self.client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    def post(self, path, data=None):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.posts += 1
        started = time.perf_counter()
        with contextlib.ExitStack() as stack:
            stack.enter_context(connection.execute_wrapper(self.queries))
            if self.captured is not None:
                capture = stack.enter_context(CaptureQueriesContext(connection))
            if self.profiler is not None:
                self.profiler.enable()
            try:
                response = self.client.post(path, data or {})
            finally:
                if self.profiler is not None:
                    self.profiler.disable()
        if self.captured is not None:
            self.captured.append((path, [query["sql"] for query in capture]))
        self.seconds += time.perf_counter() - started
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
    epoch = datetime.date(2025, 7, 1)
    root = services.unit_create(
        code="UBND",
        name="UBND tỉnh",
        kind=Unit.Kind.PROVINCIAL_PC,
        level=Unit.Level.PROVINCE,
        valid_from=epoch,
    )
    unit = services.unit_create(
        code="SYT",
        name="Sở Y tế",
        kind=Unit.Kind.DEPARTMENT,
        level=Unit.Level.PROVINCE,
        valid_from=epoch,
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
        valid_from=epoch,
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
    return {"unit": unit, "rank": rank, "category": category, "people": people}


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

    def act(who, process, data):
        client.login(people[who])
        task = open_task(process)
        if task.status == STATUS.NEW:
            client.post(task_url(task, "assign"))
        client.post(task_url(task, "execute"), {"_complete": "1", **data})

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
            task_url(draft, "execute"), {"_attach": "1", "kind": kind, "file": upload}
        )
    project.refresh_from_db()
    client.post(task_url(draft, "execute"), {"_complete": "1", **lines(project)})
    act("head", process, {"comment": "Kính trình"})
    act("reception", process, {"decision": "accept"})
    act("division_head", process, {"appraiser": people["appraiser"].pk})
    act("appraiser", process, {"action": "request_revision", "comment": "Giảm còn 1"})
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
    client.post(task_url(open_task(process), "execute"), report)
    act("appraiser", process, {"action": "complete"})
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


def run(label: str, count: int, one) -> dict:
    """Run ``one`` lifecycle once to warm up, then ``count`` times; figures count
    only what the application does in the POSTs (time and queries)."""
    client = one.client
    one()  # warm-up
    posts, seconds, queries = client.posts, client.seconds, client.queries.count
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
    }
    print(
        f"  {label:<34} {count:>4} lifecycles: {result['per_second']:7.2f}/s "
        f"(median {result['median_ms']:6.1f} ms in the POSTs; {wall:6.2f} s wall "
        f"with the harness), {result['queries']:6.1f} queries and "
        f"{result['posts']:4.1f} POSTs per lifecycle"
    )
    return result


def print_statements(captured: list) -> None:
    """Each POST of ``captured`` with its statements (their first 160 characters)."""
    for path, statements in captured:
        print(f"\n  POST {path}: {len(statements)} statements")
        for statement in statements:
            print(f"    {statement[:WIDTH]}")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
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

        project_one.client = client
        minimal_one.client = client

        server = connection.cursor().connection.info.parameter_status("server_version")
        print(
            f"PostgreSQL {server}, database {name}; Python {sys.version.split()[0]}; "
            "single process, the flows' select_for_update lock"
        )
        minimal_result = run(
            "minimal 3-step viewflow approval", args.minimal, minimal_one
        )
        project_result = run(
            "job-position project (1 revision)", args.projects, project_one
        )
        slower = minimal_result["per_second"] / project_result["per_second"]
        queries = project_result["queries"] / minimal_result["queries"]
        posts = project_result["posts"] / minimal_result["posts"]
        per_post = project_result["queries"] / project_result["posts"]
        per_post_minimal = minimal_result["queries"] / minimal_result["posts"]
        print()
        print(
            f"  project / minimal: {slower:5.1f}x the time per lifecycle, "
            f"{queries:5.1f}x the queries, {posts:5.1f}x the POSTs; "
            f"queries per POST {per_post:.1f} vs {per_post_minimal:.1f}"
        )
        time_per_post = (1 / project_result["per_second"]) / project_result["posts"]
        time_per_post_minimal = (1 / minimal_result["per_second"]) / minimal_result[
            "posts"
        ]
        print(
            f"  time per POST {time_per_post * 1000:.1f} ms vs "
            f"{time_per_post_minimal * 1000:.1f} ms: "
            f"{time_per_post / time_per_post_minimal:4.1f}x minimal"
        )
        if args.profile:
            import cProfile
            import pstats

            profiler = client.profiler = cProfile.Profile()
            for _ in range(args.profile):
                project_one()
            client.profiler = None
            print(f"\n  where the POSTs of {args.profile} project lifecycles go:")
            stats = pstats.Stats(profiler)
            stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
            stats.print_stats(int(os.environ.get("PROFILE_LINES", "45")))
        if args.statements:
            client.captured = []
            minimal_one()
            project_one()
            print_statements(client.captured)


if __name__ == "__main__":
    main()
