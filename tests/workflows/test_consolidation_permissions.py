"""Every URL of the unit consolidation's flow and pages, as every role: who gets
200, who is sent on (302), who gets 403 and who 404.

The rules, written out here independently of the code under test:

- a consolidation Home Affairs proposed is *visible* to Home Affairs (reception,
  appraisers, the division head, the director) from its first draft, to the
  committee and observers once submitted, and to the people of the unit it
  belongs to; a unit's own proposal to that unit's people, and to Home Affairs,
  the committee and observers once submitted; to nobody else (404);
- the proposal is *for* its proposer's side (the unit's officers, or the Home
  Affairs proposers: the division head and the appraisers), the signature for
  the unit head (the director of Home Affairs for its own proposal), the rest
  for the roles of every dossier, the external resolutions for the division
  head — minus anyone who drafts or signs for the unit on a Home Affairs or
  committee task (separation of duties);
- the lists and the chart are open to every signed-in person; anonymous
  visitors are sent to log in.
"""

from __future__ import annotations

import pytest
from viewflow.workflow.models import Task

from tests.factories import JobPositionFactory, UnitFactory
from tests.workflows.consolidation_fixtures import ConsolidationDriver, in_days
from tests.workflows.test_permission_matrix import (
    ROLES,
    _expected_on_task,
    _flow_url_names,
    _post_as_everyone_else,
    _task_actions,
    _walk,
)

pytestmark = pytest.mark.django_db

HOME_AFFAIRS = {
    "reception",
    "reception2",
    "division_head",
    "appraiser",
    "appraiser2",
    "director",
}
UNIT_A = {"officer", "officer2", "head", "committee_a"}
LATER = {"committee", "committee_a", "observer"}
STARTERS = {
    "officer",
    "officer2",
    "head",
    "officer_b",
    "head_b",
    "division_head",
    "appraiser",
    "appraiser2",
}
TASK_FOR_HOME_AFFAIRS = {
    "propose": {"division_head", "appraiser", "appraiser2"},
    "submit_proposal": {"director"},
    "receive": {"reception", "reception2"},
    "assign_appraiser": {"division_head"},
    "appraise": {"appraiser"},
    "review_report": {"division_head"},
    "sign_report": {"director"},
    "decide": {"committee"},
    "record_external_decisions": {"division_head"},
}
TASK_FOR_UNIT = {
    **TASK_FOR_HOME_AFFAIRS,
    "propose": {"officer", "officer2", "head"},
    "submit_proposal": {"head", "committee_a"},
}


@pytest.fixture
def world(client, people, units, ref, make_user):
    """Three consolidations of department A's divisions: one Home Affairs
    applied at once, one of administrative units waiting for its date after the
    external resolutions, and the unit's own still in its draft."""
    people.setdefault(
        "administrator", make_user("administrator", username="admin_user")
    )
    flow = ConsolidationDriver(client, people, units)
    a = units["a"]
    a2 = UnitFactory(code="SA-P2", parent=a, kind="division", name="Phòng A2")
    a3 = UnitFactory(code="SA-P3", parent=a, kind="division", name="Phòng A3")
    JobPositionFactory(unit=a2, name="Chuyên viên A2", headcount=2)
    done = flow.start("division_head", unit=a, title="Sáp nhập Phòng A2")
    flow.add_operation(
        "division_head", done, "absorb", sources=[a2], existing=[units["a1"]]
    )
    flow.map_all("division_head", done)
    flow.to_appraisal(done)
    flow.to_committee(done)
    flow.approve(done)

    x1 = UnitFactory(code="X1", parent=a, kind="commune_pc", level="commune")
    x2 = UnitFactory(code="X2", parent=a, kind="commune_pc", level="commune")
    waiting = flow.start(
        "division_head", unit=a, title="Sắp xếp xã", scope="administrative"
    )
    flow.add_operation(
        "division_head",
        waiting,
        "merge",
        sources=[x1, x2],
        new=[
            {
                "name": "Xã Mới",
                "code": "XM",
                "kind": "commune_pc",
                "level": "commune",
                "parent": a,
            }
        ],
        date=in_days(20),
        voters="95.50",
    )
    flow.map_all("division_head", waiting)
    flow.to_appraisal(waiting)
    flow.to_committee(waiting)
    flow.approve(waiting)
    for body in ("peoples_council", "na_standing_committee"):
        flow.execute(
            "division_head",
            waiting,
            "record_external_decisions",
            {"body": body, "number": f"1/{body}", "date": in_days(-1).isoformat()},
        )

    draft = flow.start("officer", unit=a, title="Giải thể Phòng A3")
    flow.add_operation("officer", draft, "dissolve", sources=[a3], date=in_days(9))
    return {"done": done, "waiting": waiting, "draft": draft}


def _visible(role, process) -> bool:
    consolidation = process.consolidation
    if role in UNIT_A:
        return True
    if consolidation.proposed_by_home_affairs:
        return role in HOME_AFFAIRS or (
            role in LATER and consolidation.current_revision >= 1
        )
    return consolidation.current_revision >= 1 and role in HOME_AFFAIRS | LATER


def _task_for(process, task) -> set[str]:
    table = (
        TASK_FOR_HOME_AFFAIRS
        if process.consolidation.proposed_by_home_affairs
        else TASK_FOR_UNIT
    )
    return table.get(task.flow_task.name, set())


def _requests(people, world):
    namespace = "consolidations:consolidation"
    for role in ROLES:
        signed_in = 302 if role is None else 200
        yield role, "consolidations:index", [], 302
        for name in ("index", "process_list", "task_list", "chart"):
            yield role, f"{namespace}:{name}", [], signed_in
        yield (
            role,
            f"{namespace}:start:execute",
            [],
            302 if role is None else 200 if role in STARTERS else 403,
        )
        for process in world.values():
            visible = role is not None and _visible(role, process)
            expected = 302 if role is None else 200 if visible else 404
            for name in ("mapping", "mapping_template", "impact"):
                yield role, f"consolidations:{name}", [process.pk], expected
            for name in ("process_detail", "process_chart"):
                yield role, f"{namespace}:{name}", [process.pk], expected
            for task in Task.objects.filter(process=process).order_by("pk"):
                for action in _task_actions(task):
                    yield (
                        role,
                        f"{namespace}:{task.flow_task.name}:{action}",
                        [process.pk, task.pk],
                        _expected_on_task(
                            role,
                            people,
                            action,
                            task,
                            visible=visible,
                            task_for=_task_for(process, task),
                        ),
                    )


def test_every_url_of_the_consolidation_as_every_role(client, people, world):
    for process in world.values():
        process.refresh_from_db()
    requested, mismatches = _walk(client, people, _requests(people, world))
    assert mismatches == []
    # Nothing of the flow or its pages was left out.
    assert _flow_url_names(prefix="consolidations:") - requested == set()


def test_nobody_else_can_take_or_complete_a_consolidation_task(client, people, world):
    from viewflow.workflow import STATUS

    draft = world["draft"]
    task = Task.objects.get(
        process=draft, status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
    )
    _post_as_everyone_else(
        client,
        people,
        [
            (
                task,
                "consolidations:consolidation",
                TASK_FOR_UNIT["propose"],
                lambda role: _visible(role, draft),
            )
        ],
    )


def test_only_the_proposer_saves_the_mapping(client, people, world):
    """Someone who may read the mapping but not change it gets 404 on a POST,
    and nothing is written."""
    from django.urls import reverse

    from appraisal.models import PositionMapping

    before = PositionMapping.objects.count()
    path = reverse("consolidations:mapping", args=[world["draft"].pk])
    client.force_login(people["head_b"])
    assert client.post(path, {"map-TOTAL_FORMS": "0"}).status_code == 404
    client.force_login(people["observer"])
    assert client.post(path, {"map-TOTAL_FORMS": "0"}).status_code == 404
    assert PositionMapping.objects.count() == before
