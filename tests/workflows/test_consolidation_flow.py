"""A unit consolidation through the REAL pages of its flow, as each person in
turn, for each kind of operation, to the org chart changed on the effective
date: the proposal editor, the mapping editor, reception, appraisal with the
impact statement, review, signature, the committee's decision, the external
resolutions for administrative units, the waiting step and the daily job."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from appraisal.models import Consolidation
from orgchart.models import JobPosition, Unit
from tests.factories import JobPositionFactory, UnitFactory
from tests.workflows.conftest import messages_of, url
from tests.workflows.consolidation_fixtures import ConsolidationDriver, in_days
from tests.workflows.histories import task_history
from workflows.consolidation_schedule import consolidations_apply_due
from workflows.flows import ConsolidationFlow

pytestmark = pytest.mark.django_db


@pytest.fixture
def divisions(units, ref):
    """Three divisions of department A with one position each, and a service
    centre of department B."""
    a = units["a"]
    made = {
        "a2": UnitFactory(code="SA-P2", parent=a, kind="division", name="Phòng A2"),
        "a3": UnitFactory(code="SA-P3", parent=a, kind="division", name="Phòng A3"),
    }
    made["a1"] = units["a1"]
    for key in ("a1", "a2", "a3"):
        JobPositionFactory(
            unit=made[key],
            name=f"Chuyên viên {key}",
            category=ref["specialised"],
            rank=ref["specialist"],
            headcount=2,
        )
    return made


@pytest.fixture
def flow(client, people, units, ref):
    return ConsolidationDriver(client, people, units)


def _applied(flow, process) -> bool:
    process.refresh_from_db()
    return process.status == STATUS.DONE and flow.consolidation(process).is_applied


def _through_decision(flow, process):
    """From the proposal handed over to the committee's approval."""
    flow.submit(process)
    flow.receive_and_assign(process)
    flow.to_committee(process)
    flow.approve(process)


def test_home_affairs_absorb_applies_at_once_on_a_past_date(flow, divisions, units):
    """Home Affairs proposes; its dossier skips the unit head; the date has
    come, so the decision changes the org chart at once."""
    process = flow.start("division_head", unit=units["a"])
    response = flow.add_operation(
        "division_head",
        process,
        "absorb",
        sources=[divisions["a2"]],
        existing=[divisions["a1"]],
        date=in_days(-1),
    )
    assert response.status_code == 302, response.content[:3000]
    flow.map_all("division_head", process)
    response = flow.propose("division_head", process)
    assert response.status_code == 302
    # No unit head: the director of Home Affairs signs the Department's own.
    task = flow.open_task(process, "submit_proposal")
    assert task.owner_id == flow.people["director"].pk
    flow.submit(process)
    flow.receive_and_assign(process)
    flow.to_committee(process)
    flow.approve(process)
    assert _applied(flow, process)
    a2 = Unit.objects.get(pk=divisions["a2"].pk)
    assert a2.valid_to == in_days(-2)
    assert a2.status != Unit.Status.ACTIVE
    moved = JobPosition.objects.filter(unit=divisions["a1"], name="Chuyên viên a2")
    assert moved.exists()


def test_unit_merge_waits_for_its_date_then_the_job_applies_it(flow, divisions, units):
    """A unit's officer proposes merging two of its divisions into a new one;
    its head submits; the decision waits for the date; the daily job applies."""
    process = flow.start("officer", unit=units["a"], title="Hợp nhất hai phòng")
    response = flow.add_operation(
        "officer",
        process,
        "merge",
        sources=[divisions["a2"], divisions["a3"]],
        new=[
            {
                "name": "Phòng Tổng hợp",
                "code": "SA-TH",
                "kind": "division",
                "level": "province",
                "parent": units["a"],
            }
        ],
        date=in_days(30),
    )
    assert response.status_code == 302, response.content[:3000]
    flow.map_all("officer", process)
    response = flow.propose("officer", process)
    assert response.status_code == 302
    # Two people sign for department A: the step waits in their queue.
    assert flow.open_task(process, "submit_proposal").owner_id is None
    flow.submit(process)
    flow.receive_and_assign(process)
    flow.to_committee(process)
    flow.approve(process)
    waiting = Task.objects.get(
        process=process, flow_task=ConsolidationFlow.wait_effective_date
    )
    assert waiting.status == STATUS.NEW
    assert not Unit.objects.filter(code="SA-TH").exists()
    # The job today: not yet.
    call_command("apply_due_consolidations")
    assert not Unit.objects.filter(code="SA-TH").exists()
    run = consolidations_apply_due(on=in_days(30))
    assert run.applied == [process.pk]
    # The job's step wrote its tasks, and linked them, as a person's step does.
    assert task_history(process)[-5:] == [
        "route_date",
        "wait_effective_date",
        "apply",
        "route_date",
        "end",
    ]
    new = Unit.objects.get(code="SA-TH")
    assert new.valid_from == in_days(30)
    assert new.path.startswith(units["a"].path)
    assert _applied(flow, process)
    # Applying again does nothing (an applied operation is never applied twice).
    assert consolidations_apply_due(on=in_days(31)).applied == []


@pytest.mark.parametrize(
    ("kind", "extra"),
    [
        (
            "split",
            {
                "new": [
                    {
                        "name": "Phòng X",
                        "code": "SA-X",
                        "kind": "division",
                        "level": "province",
                    },
                    {
                        "name": "Phòng Y",
                        "code": "SA-Y",
                        "kind": "division",
                        "level": "province",
                    },
                ]
            },
        ),
        ("dissolve", {}),
        (
            "rename",
            {
                "new": [
                    {
                        "name": "Phòng A2 mới",
                        "code": "SA-P2N",
                        "kind": "division",
                        "level": "province",
                    }
                ]
            },
        ),
    ],
)
def test_each_operation_kind_reaches_the_org_chart(flow, divisions, units, kind, extra):
    for successor in extra.get("new", []):
        successor["parent"] = units["a"]
    process = flow.start("division_head", unit=units["a"])
    response = flow.add_operation(
        "division_head",
        process,
        kind,
        sources=[divisions["a2"]],
        date=in_days(0),
        **extra,
    )
    assert response.status_code == 302, response.content[:3000]
    flow.map_all("division_head", process)
    response = flow.propose("division_head", process)
    assert response.status_code == 302
    _through_decision(flow, process)
    assert _applied(flow, process)
    assert not Unit.objects.get(pk=divisions["a2"].pk).is_active_on(in_days(0))
    for successor in extra.get("new", []):
        assert Unit.objects.get(code=successor["code"]).is_active_on(in_days(0))


def test_establish_opens_a_new_unit(flow, units):
    process = flow.start("division_head", unit=units["a"])
    response = flow.add_operation(
        "division_head",
        process,
        "establish",
        new=[
            {
                "name": "Trung tâm mới",
                "code": "SA-TT",
                "kind": "public_service_unit",
                "level": "province",
                "parent": units["a"],
            }
        ],
        date=in_days(0),
    )
    assert response.status_code == 302, response.content[:3000]
    response = flow.propose("division_head", process)
    assert response.status_code == 302
    _through_decision(flow, process)
    assert _applied(flow, process)
    assert Unit.objects.get(code="SA-TT").parent_id == units["a"].pk


def test_administrative_units_wait_for_the_external_resolutions(flow, units, ref):
    province = units["province"]
    c1 = UnitFactory(
        code="X1", parent=province, kind="commune_pc", level="commune", name="Xã 1"
    )
    c2 = UnitFactory(
        code="X2", parent=province, kind="commune_pc", level="commune", name="Xã 2"
    )
    process = flow.start(
        "division_head", unit=province, title="Sắp xếp xã", scope="administrative"
    )
    response = flow.add_operation(
        "division_head",
        process,
        "merge",
        sources=[c1, c2],
        new=[
            {
                "name": "Xã Mới",
                "code": "XM",
                "kind": "commune_pc",
                "level": "commune",
                "parent": province,
                "admin_code": "99999",
            }
        ],
        date=in_days(0),
        voters="96.10",
    )
    assert response.status_code == 302, response.content[:3000]
    flow.map_all("division_head", process)
    flow.propose("division_head", process)
    _through_decision(flow, process)
    assert flow.open_node(process) == "record_external_decisions"
    assert not Unit.objects.filter(code="XM").exists()
    for body, number in (
        ("peoples_council", "09/NQ-HĐND"),
        ("na_standing_committee", "1243/NQ-UBTVQH15"),
    ):
        response = flow.execute(
            "division_head",
            process,
            "record_external_decisions",
            {"body": body, "number": number, "date": in_days(-1).isoformat()},
        )
        assert response.status_code == 302, response.content[:3000]
    assert _applied(flow, process)
    assert Unit.objects.get(code="XM").admin_code == "99999"
    # The closed commune's page says what it became.
    flow.login("observer")
    page = flow.client.get(reverse("orgchart:unit_detail", args=[c1.pk]))
    history = page.content.decode().split('id="unit-history"')[1]
    assert "Xã Mới" in history
    assert in_days(-1).strftime("%d/%m/%Y") in history
    assert flow.consolidation(process).decisions.get().number in history


def test_a_refused_operation_keeps_what_was_typed(flow, divisions, units):
    """A clashing code: the page says why and keeps the new unit's name."""
    process = flow.start("division_head", unit=units["a"])
    response = flow.add_operation(
        "division_head",
        process,
        "merge",
        sources=[divisions["a2"], divisions["a3"]],
        new=[
            {
                "name": "Phòng trùng mã",
                "code": divisions["a1"].code,
                "kind": "division",
                "level": "province",
                "parent": units["a"],
            }
        ],
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Phòng trùng mã"' in page
    assert Consolidation.objects.get().operations.count() == 0


def test_the_appraiser_sends_it_back_to_the_proposer(flow, divisions, units):
    process = flow.start("division_head", unit=units["a"])
    flow.add_operation(
        "division_head",
        process,
        "dissolve",
        sources=[divisions["a3"]],
        date=in_days(10),
    )
    flow.map_all("division_head", process)
    flow.to_appraisal(process)
    response = flow.execute(
        "appraiser",
        process,
        "appraise",
        {"action": "request_revision", "comment": "Bổ sung phương án nhân sự"},
    )
    assert response.status_code == 302, response.content[:3000]
    assert flow.open_node(process) == "propose"
    task = flow.open_task(process, "propose")
    assert task.owner_id == flow.people["division_head"].pk
    response = flow.propose("division_head", process)
    assert response.status_code == 302
    # Signed again, the answer goes back to the appraiser, not to reception.
    flow.submit(process)
    assert flow.open_node(process) == "appraise"


def test_impact_statement_on_the_appraisal_and_the_decision(flow, divisions, units):
    process = flow.start("division_head", unit=units["a"])
    flow.add_operation(
        "division_head",
        process,
        "absorb",
        sources=[divisions["a2"]],
        existing=[divisions["a1"]],
        date=in_days(5),
    )
    flow.map_all("division_head", process)
    flow.to_appraisal(process)
    flow.login("appraiser")
    task = flow.open_task(process, "appraise")
    if task.status == STATUS.NEW:
        flow.take("appraiser", task)
    page = flow.client.get(url(task, "execute"))
    assert page.status_code == 200
    assert 'id="impact"' in page.content.decode()
    flow.login("observer")
    impact = flow.client.get(reverse("consolidations:impact", args=[process.pk]))
    assert impact.status_code == 200
    assert "Phòng A1" in impact.content.decode()
    assert messages_of(impact) == []
