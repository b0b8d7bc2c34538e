"""The position-mapping editor's save: one transaction, as a task step's POST.
A table the service refuses is shown again as typed, with the reason by line,
and nothing of it is written; a good table is saved with one audit row."""

from __future__ import annotations

import pytest
from django.urls import reverse

from appraisal.models import AuditEntry, PositionMapping
from tests.factories import JobPositionFactory, UnitFactory
from tests.workflows.consolidation_fixtures import ConsolidationDriver

pytestmark = pytest.mark.django_db


@pytest.fixture
def mapping(client, people, units, ref):
    """A consolidation of department A absorbing its division A2 (one position)
    into division A1, and the mapping editor's path."""
    flow = ConsolidationDriver(client, people, units)
    a2 = UnitFactory(code="SA-P2", parent=units["a"], kind="division", name="Phòng A2")
    position = JobPositionFactory(
        unit=a2, name="Chuyên viên A2", category=ref["specialised"], headcount=3
    )
    process = flow.start("division_head", unit=units["a"])
    response = flow.add_operation(
        "division_head", process, "absorb", sources=[a2], existing=[units["a1"]]
    )
    assert response.status_code == 302
    path = reverse("consolidations:mapping", args=[process.pk])
    return {"flow": flow, "process": process, "position": position, "path": path}


def _table(client, path, **changes) -> dict:
    page = client.get(path)
    assert page.status_code == 200
    formset = page.context["formset"]
    data = {f"map-{k}": v for k, v in formset.management_form.initial.items()}
    for index, form in enumerate(formset.forms):
        for name, value in {**form.initial, **changes}.items():
            data[f"map-{index}-{name}"] = "" if value is None else value
    return data


def _mapping_audits(dossier_id) -> int:
    return AuditEntry.objects.filter(
        dossier_id=dossier_id, action=AuditEntry.Action.MAPPING_SAVED
    ).count()


def test_a_refused_table_is_shown_again_as_typed_and_nothing_is_written(
    client, mapping
):
    dossier_id = mapping["process"].artifact_object_id
    data = _table(client, mapping["path"], headcount=0, target_name="Chuyên viên X")
    response = client.post(mapping["path"], data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Line 1" in content and "head-count of at least 1" in content
    assert 'value="Chuyên viên X"' in content  # what was typed is kept
    assert not PositionMapping.objects.filter(
        source_position=mapping["position"]
    ).exists()
    assert _mapping_audits(dossier_id) == 0


#: The save's statements (the session, the person, their rights; the process
#: with its dossier locked, in one statement; the operations with their
#: sources, successors and mappings; the positions of the sources and of the
#: existing successors; the rows replaced; the dossier and its audit row): the
#: page and the service read them once between them.
MAPPING_SAVE_BUDGET = 15


def test_a_good_table_is_saved_with_one_audit_row(
    client, mapping, django_assert_max_num_queries
):
    dossier_id = mapping["process"].artifact_object_id
    data = _table(client, mapping["path"], target_name="Chuyên viên tổng hợp")
    with django_assert_max_num_queries(MAPPING_SAVE_BUDGET):
        response = client.post(mapping["path"], data)
    assert response.status_code == 302
    saved = PositionMapping.objects.get(source_position=mapping["position"])
    assert (saved.action, saved.target_name, saved.headcount) == (
        "keep",
        "Chuyên viên tổng hợp",
        3,
    )
    assert _mapping_audits(dossier_id) == 1
    # Saved again unchanged: still the proposer's table, one more row of history.
    assert (
        client.post(mapping["path"], _table(client, mapping["path"])).status_code == 302
    )
    assert (
        PositionMapping.objects.filter(source_position=mapping["position"]).count() == 1
    )
