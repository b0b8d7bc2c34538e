"""A driver that moves a unit consolidation through the REAL pages of its flow
with the Django test client, as each person in turn: the start page, the
proposal editor (fields, operations), the mapping editor, the shared steps, the
appraisal, the decision, the external resolutions."""

from __future__ import annotations

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from appraisal.models import Consolidation
from tests.workflows.conftest import FlowDriver, url
from workflows.models import ConsolidationProcess

TODAY = timezone.localdate


class ConsolidationDriver(FlowDriver):
    def __init__(self, client, people, units):
        super().__init__(client, people, {}, units)

    def process(self, pk) -> ConsolidationProcess:
        return ConsolidationProcess.objects.get(pk=pk)

    def consolidation(self, process) -> Consolidation:
        return Consolidation.objects.get(pk=process.artifact_object_id)

    def start(
        self,
        who="division_head",
        *,
        unit=None,
        title="Sắp xếp các sở",
        scope="agencies",
    ):
        self.login(who)
        response = self.client.post(
            reverse("consolidations:consolidation:start:execute"),
            {
                "unit": (unit or self.units["province"]).pk,
                "title": title,
                "scope": scope,
                "legal_basis": "Nghị định 158/2018/NĐ-CP",
            },
        )
        assert response.status_code == 302, response.content[:3000]
        match = re.search(r"/flow/(\d+)/", response["Location"])
        return self.process(int(match.group(1)))

    def operation_data(
        self, kind, *, sources=(), existing=(), new=(), date=None, voters=None
    ) -> dict:
        data = {
            "_add_operation": "1",
            "op-kind": kind,
            "op-effective_date": (date or TODAY()).isoformat(),
            "op-sources": [unit.pk for unit in sources],
            "op-existing_successors": [unit.pk for unit in existing],
        }
        for index, unit in enumerate(new, start=1):
            for key, value in unit.items():
                data[f"op-new{index}_{key}"] = getattr(value, "pk", value)
        if voters is not None:
            data["op-voters_in_favour_pct"] = voters
        return data

    def add_operation(self, who, process, kind, **kwargs):
        self.login(who)
        task = self.open_task(process, "propose")
        return self.client.post(
            url(task, "execute"), self.operation_data(kind, **kwargs)
        )

    def map_all(self, who, process):
        """Open the mapping editor (the default mapping fills it) and save it
        as it stands."""
        self.login(who)
        path = reverse("consolidations:mapping", args=[process.pk])
        response = self.client.get(path)
        assert response.status_code == 200
        formset = response.context["formset"]
        data = {key: value for key, value in formset.management_form.initial.items()}
        data = {f"map-{key}": value for key, value in data.items()}
        for index, form in enumerate(formset.forms):
            for name, value in form.initial.items():
                data[f"map-{index}-{name}"] = "" if value is None else value
        response = self.client.post(path, data)
        assert response.status_code == 302, response.content[:3000]
        return response

    def propose(self, who, process, comment=""):
        return self.execute(who, process, "propose", {"comment": comment})

    def submit(self, process):
        """The unit head signs and submits (the director of Home Affairs for
        Home Affairs' own proposal)."""
        signer = (
            "director"
            if self.consolidation(process).proposed_by_home_affairs
            else "head"
        )
        response = self.execute(signer, process, "submit_proposal", {"comment": ""})
        assert response.status_code == 302, response.content[:3000]

    def receive_and_assign(self, process):
        response = self.execute(
            "reception", process, "receive", {"decision": "accept", "comment": ""}
        )
        assert response.status_code == 302, response.content[:3000]
        response = self.execute(
            "division_head",
            process,
            "assign_appraiser",
            {"appraiser": self.people["appraiser"].pk},
        )
        assert response.status_code == 302, response.content[:3000]

    def to_appraisal(self, process, proposer="division_head"):
        response = self.propose(proposer, process)
        assert response.status_code == 302, response.content[:3000]
        self.submit(process)
        self.receive_and_assign(process)

    def to_committee(self, process):
        consolidation = self.consolidation(process)
        response = self.execute(
            "appraiser",
            process,
            "appraise",
            {
                "action": "complete",
                "version": consolidation.version,
                "recommendation": "approve",
                "text": "Đủ điều kiện sắp xếp",
            },
        )
        assert response.status_code == 302, response.content[:3000]
        for who, node in (
            ("division_head", "review_report"),
            ("director", "sign_report"),
        ):
            response = self.execute(who, process, node, {"action": "sign"})
            assert response.status_code == 302, response.content[:3000]

    def approve(self, process):
        response = self.execute(
            "committee", process, "decide", {"outcome": "approved", "comment": ""}
        )
        assert response.status_code == 302, response.context["form"].errors
        return response


def in_days(days: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=days)
