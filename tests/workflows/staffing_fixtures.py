"""A driver that moves a staffing cycle through the REAL pages of its two flows
with the Django test client, as each person in turn, and the fixtures built on
it (a cycle of departments A and B and their divisions)."""

from __future__ import annotations

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from appraisal.models import StaffingPlan, StaffingProposal, UnitQuota
from tests.workflows.conftest import FlowDriver
from workflows.flows import StaffingPlanFlow, StaffingProposalFlow
from workflows.models import StaffingPlanProcess, StaffingProposalProcess

YEAR = timezone.localdate().year + 1
WHY = "Thêm nhiệm vụ được giao"
#: Last year's civil-servant quotas of the units taking part.
QUOTAS = {"a": 20, "a1": 5, "b": 30}


class StaffingDriver(FlowDriver):
    """Moves a cycle through its pages as one person after another: take the
    task when nobody holds it (its assign URL), then post its form."""

    def __init__(self, client, people, units):
        super().__init__(client, people, {}, units)

    def plan_process(self, plan) -> StaffingPlanProcess:
        return StaffingPlanProcess.objects.get(
            flow_class=StaffingPlanFlow, artifact_object_id=plan.pk
        )

    def proposal(self, plan, unit) -> StaffingProposal:
        return StaffingProposal.objects.get(plan=plan, unit=self.units[unit])

    def proposal_process(self, plan, unit) -> StaffingProposalProcess:
        return StaffingProposalProcess.objects.get(
            flow_class=StaffingProposalFlow,
            artifact_object_id=self.proposal(plan, unit).pk,
        )

    def open_cycle(self, participants=("a", "a1", "b", "b1"), **overrides):
        for unit, headcount in QUOTAS.items():
            UnitQuota.objects.get_or_create(
                unit=self.units[unit],
                year=YEAR - 1,
                post_kind="civil_servant",
                defaults={"headcount": headcount},
            )
        self.login("division_head")
        data = {
            "year": YEAR,
            "base_year": 2021,
            "proposal_deadline": (
                timezone.localdate() + datetime.timedelta(days=10)
            ).isoformat(),
            "appraiser": self.people["appraiser"].pk,
            "legal_basis": "Nghị định 62/2020/NĐ-CP, Điều 10",
            "ceiling_civil_servant": 60,
            "reserve_civil_servant": 2,
            "base_year_count_civil_servant": 55,
            "reduction_civil_servant": "5",
            "units": [self.units[unit].pk for unit in participants],
            **overrides,
        }
        response = self.client.post(
            reverse("staffing:staffingplan:start:execute"), data
        )
        assert response.status_code == 302, response.content[:3000]
        match = re.search(r"/staffing/cycle/(\d+)/", response["Location"])
        process = StaffingPlanProcess.objects.get(pk=int(match.group(1)))
        return StaffingPlan.objects.get(pk=process.artifact_object_id)

    def lines_data(self, plan, unit, *, actual, proposed, why=WHY) -> dict:
        proposal = self.proposal(plan, unit)
        return {
            "version": proposal.version,
            "civil_servant-actual": actual,
            "civil_servant-proposed": proposed,
            "civil_servant-justification": why,
        }

    def draft(self, who, plan, unit, *, actual, proposed, why=WHY):
        process = self.proposal_process(plan, unit)
        data = self.lines_data(plan, unit, actual=actual, proposed=proposed, why=why)
        return self.execute(who, process, "draft", data)

    def submit(self, who, plan, unit, **data):
        process = self.proposal_process(plan, unit)
        return self.execute(who, process, "submit", {"action": "submit", **data})

    def review(self, who, plan, unit, action="accept", reason=""):
        process = self.proposal_process(plan, unit)
        return self.execute(
            who, process, "review", {"action": action, "reason": reason}
        )

    def propose(self, plan, unit, *, officer, head, actual, proposed):
        assert (
            self.draft(
                officer, plan, unit, actual=actual, proposed=proposed
            ).status_code
            == 302
        )
        assert self.submit(head, plan, unit).status_code == 302

    def deadline_passed(self, plan):
        StaffingPlan.objects.filter(pk=plan.pk).update(
            proposal_deadline=timezone.localdate() - datetime.timedelta(days=1)
        )

    def step(self, who, plan, node, data=None, **kwargs):
        return self.execute(who, self.plan_process(plan), node, data or {}, **kwargs)


def staffing_world_build(people, units) -> dict:
    """Staffing dossiers waiting at every step, through the real flows: next
    year's cycle collecting, its four proposals open (department A's), handed
    to the head (department B's), submitted (division A1's) and sent back
    (division B1's); and a cycle of a later year waiting at each of the cycle's
    other steps, the last one applied (every step of it done)."""
    from workflows.staffing_demo import (
        PLAN_STATES,
        CyclePeople,
        cycle_open,
        plan_walk,
        proposal_walk,
    )

    cycle_people = CyclePeople(
        division_head=people["division_head"],
        appraiser=people["appraiser"],
        director=people["director"],
        committee=people["committee"],
    )
    ceilings = {"civil_servant": {"ceiling": 60, "reserve": 2, "base_year_count": 55}}
    deadline = timezone.localdate() + datetime.timedelta(days=10)

    def open_cycle(year, participants):
        return cycle_open(
            people=cycle_people,
            province=units["province"],
            year=year,
            units=[units[unit] for unit in participants],
            ceilings=ceilings,
            deadline=deadline,
        )

    world = {}
    collecting = open_cycle(YEAR, ("a", "a1", "b", "b1"))
    world["cycle:close_collection"] = collecting
    plan = collecting.plan
    walks = {
        "a": ("open", "officer", "head"),
        "b": ("handed_over", "officer_b", "head_b"),
        "a1": ("submitted", "officer", "head"),
        "b1": ("sent_back", "officer_b", "head_b"),
    }
    for unit, (state, officer, head) in walks.items():
        world[f"proposal:{unit}:{state}"] = proposal_walk(
            StaffingProposal.objects.get(plan=plan, unit=units[unit]),
            state,
            officer=people[officer],
            head=people[head],
            appraiser=people["appraiser2"],
        )
    for offset, state in enumerate(PLAN_STATES[1:], start=1):
        process = open_cycle(YEAR + offset, ("b",))
        accepted = proposal_walk(
            StaffingProposal.objects.get(plan=process.plan),
            "accepted",
            officer=people["officer_b"],
            head=people["head_b"],
            appraiser=people["appraiser"],
        )
        world[f"cycle:{state}"] = plan_walk(process, state, cycle_people)
        if state == "applied":
            world["proposal:b:accepted"] = accepted
    for process in world.values():
        process.refresh_from_db()
    return world
