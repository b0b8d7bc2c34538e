"""What a consolidation refuses, with the message a person reads and nothing
written: a closed source unit, a unit already in another consolidation in
progress, a clashing code, a cycle, the wrong number of units for the kind, an
unmapped position, a bad mapping; administrative units wait for the external
resolutions; who may see a consolidation."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from appraisal import services as svc
from appraisal.models import (
    AuditEntry,
    ConsolidationOperation,
    ExternalDecision,
    PositionMapping,
)
from appraisal.selectors.consolidation import consolidation_list_for_user
from appraisal.selectors.dossiers import dossier_list_for_user
from appraisal.services import consolidation as cons
from orgchart.models import Unit
from orgchart.services import unit_close
from tests.appraisal.consolidation_fixtures import *  # noqa: F403
from tests.appraisal.consolidation_fixtures import (
    D,
    approve,
    new_unit,
    open_consolidation,
)

pytestmark = pytest.mark.django_db


def refused(exc) -> tuple[set[str], str]:
    errors = exc.value.error_list if hasattr(exc.value, "error_list") else []
    return {e.code for e in errors}, " ".join(exc.value.messages)


def merge(people, consolidation, sources, code="SAB", parent=None, **kwargs):
    return cons.operation_add(
        user=people["division_head"],
        consolidation=consolidation,
        kind="merge",
        effective_date=kwargs.pop("effective_date", D),
        source_units=sources,
        successors=[new_unit("Đơn vị mới", code, parent, **kwargs)],
    )


def test_a_closed_source_unit_is_refused(people, org):
    u = org["units"]
    unit_close(
        units=[u["b"]], last_day=D - datetime.timedelta(days=10), status="dissolved"
    )
    consolidation = open_consolidation(people, org)
    with pytest.raises(ValidationError) as exc:
        merge(
            people,
            consolidation,
            [u["a"], Unit.objects.get(pk=u["b"].pk)],
            parent=u["province"],
        )
    codes, message = refused(exc)
    assert codes == {"unit_closed"}
    assert "Sở B is closed" in message
    assert not ConsolidationOperation.objects.exists()


def _refused_as_source_elsewhere(people, org, unit):
    """A second consolidation ("Thứ hai") naming ``unit`` as a source is
    refused, naming the unit and the first consolidation ("Thứ nhất"), and
    keeps no operation; returns it."""
    second = open_consolidation(people, org, title="Thứ hai")
    with pytest.raises(ValidationError) as exc:
        cons.operation_add(
            user=people["division_head"],
            consolidation=second,
            kind="dissolve",
            effective_date=D,
            source_units=[unit],
        )
    codes, message = refused(exc)
    assert codes == {"unit_in_other_consolidation"}
    assert "“Thứ nhất”" in message and str(unit) in message
    assert second.operations.count() == 0
    return second


def test_a_unit_absorbing_another_in_a_consolidation_in_progress_is_refused(
    people, org
):
    """A unit that is the existing successor of another consolidation's
    operation is busy too: it cannot be a source elsewhere meanwhile."""
    u = org["units"]
    first = open_consolidation(people, org, title="Thứ nhất")
    cons.operation_add(
        user=people["division_head"],
        consolidation=first,
        kind="absorb",
        effective_date=D,
        source_units=[u["b"]],
        successors=[{"unit": u["a"]}],
    )
    _refused_as_source_elsewhere(people, org, u["a"])


def test_a_unit_in_another_consolidation_in_progress_is_refused(people, org):
    u = org["units"]
    first = open_consolidation(people, org, title="Thứ nhất")
    merge(people, first, [u["a"], u["b"]], parent=u["province"])
    second = _refused_as_source_elsewhere(people, org, u["b"])
    # Once the first is rejected, the unit is free again.
    cons.mapping_default(consolidation=first)
    svc.dossier_submit(dossier=first, actor=people["director"])
    svc.dossier_refuse(
        dossier=first, actor=people["reception"], reason="Sai thẩm quyền"
    )
    cons.operation_add(
        user=people["division_head"],
        consolidation=second,
        kind="dissolve",
        effective_date=D,
        source_units=[u["b"]],
    )


def test_a_clashing_code_is_refused_but_a_source_may_pass_its_code_on(people, org):
    u = org["units"]
    consolidation = open_consolidation(people, org)
    with pytest.raises(ValidationError) as exc:
        merge(people, consolidation, [u["a"], u["x1"]], code="SB", parent=u["province"])
    assert "code" in exc.value.error_dict
    assert "The code SB of Đơn vị mới is already used" in " ".join(exc.value.messages)
    merge(people, consolidation, [u["a"], u["b"]], code="SB", parent=u["province"])
    other = open_consolidation(people, org, title="Khác")
    with pytest.raises(ValidationError) as exc:
        cons.operation_add(
            user=people["division_head"],
            consolidation=other,
            kind="establish",
            effective_date=D,
            successors=[new_unit("Khác", "SB", u["province"])],
        )
    assert "code" in exc.value.error_dict


def test_a_cycle_in_the_tree_is_refused(people, org):
    u = org["units"]
    consolidation = open_consolidation(people, org)
    with pytest.raises(ValidationError) as exc:
        merge(people, consolidation, [u["a"], u["b"]], parent=u["a"])
    assert refused(exc)[0] == {"cycle"}
    with pytest.raises(ValidationError) as exc:
        cons.operation_add(
            user=people["division_head"],
            consolidation=consolidation,
            kind="absorb",
            effective_date=D,
            source_units=[u["a"]],
            successors=[{"unit": u["a1"]}],
        )
    codes, message = refused(exc)
    assert codes == {"cycle"}
    assert "Phòng A1 cannot succeed a unit it belongs to" in message
    assert not ConsolidationOperation.objects.exists()


@pytest.mark.parametrize(
    ("kind", "sources", "successors", "expected"),
    [
        ("merge", ["a"], 1, "A merge operation takes at least 2 source unit(s)."),
        ("split", ["a"], 1, "A split operation takes at least 2 successor unit(s)."),
        ("rename", ["a", "b"], 1, "A rename operation takes exactly 1 source unit(s)."),
        (
            "dissolve",
            ["a"],
            1,
            "A dissolve operation takes exactly 0 successor unit(s).",
        ),
        (
            "establish",
            ["a"],
            1,
            "A establish operation takes exactly 0 source unit(s).",
        ),
    ],
)
def test_the_wrong_number_of_units_for_the_kind_is_refused(
    people, org, kind, sources, successors, expected
):
    u = org["units"]
    consolidation = open_consolidation(people, org)
    with pytest.raises(ValidationError) as exc:
        cons.operation_add(
            user=people["division_head"],
            consolidation=consolidation,
            kind=kind,
            effective_date=D,
            source_units=[u[key] for key in sources],
            successors=[
                new_unit(f"Mới {i}", f"N{i}", u["province"]) for i in range(successors)
            ],
        )
    assert refused(exc) == ({"wrong_count"}, expected)


def test_a_unit_proposes_only_for_its_own_sub_units(people, org, make_user):
    u = org["units"]
    with pytest.raises(ValidationError):
        cons.consolidation_create(
            user=people["officer"], unit=u["b"], title="x", scope="agencies"
        )
    own = cons.consolidation_create(
        user=people["officer"], unit=u["a"], title="Sắp xếp phòng", scope="agencies"
    )
    assert not own.proposed_by_home_affairs
    with pytest.raises(ValidationError) as exc:
        cons.operation_add(
            user=people["officer"],
            consolidation=own,
            kind="dissolve",
            effective_date=D,
            source_units=[u["b1"]],
        )
    assert refused(exc)[0] == {"outside_proposer_unit"}
    cons.operation_add(
        user=people["officer"],
        consolidation=own,
        kind="dissolve",
        effective_date=D,
        source_units=[u["a1"]],
    )
    with pytest.raises(ValidationError) as exc:
        cons.operation_add(
            user=people["officer_b"],
            consolidation=own,
            kind="dissolve",
            effective_date=D,
            source_units=[u["a1"]],
        )
    assert refused(exc)[0] == {"not_proposer"}


def test_an_unmapped_position_blocks_the_submission(people, org):
    u = org["units"]
    consolidation = open_consolidation(people, org)
    merge(people, consolidation, [u["a"], u["b"]], parent=u["province"])
    with pytest.raises(ValidationError) as exc:
        svc.dossier_submit(dossier=consolidation, actor=people["director"])
    codes, message = refused(exc)
    assert codes == {"unmapped_positions"}
    assert "9 position(s) are not mapped" in message
    assert "Sở A: Giám đốc" in message
    assert len(cons.mapping_unmapped(consolidation=consolidation)) == 9
    assert cons.mapping_default(consolidation=consolidation) == 9
    assert cons.mapping_default(consolidation=consolidation) == 0
    assert cons.mapping_unmapped(consolidation=consolidation) == []
    # Only the director signs what Home Affairs proposed.
    with pytest.raises(ValidationError) as exc:
        svc.dossier_submit(dossier=consolidation, actor=people["division_head"])
    assert refused(exc)[0] == {"not_director"}
    svc.dossier_submit(dossier=consolidation, actor=people["director"])


def test_a_bad_mapping_is_refused_whole_with_every_line_named(people, org):
    u = org["units"]
    p = org["positions"]
    consolidation = open_consolidation(people, org)
    merge(people, consolidation, [u["a"], u["b"]], parent=u["province"])
    cons.mapping_default(consolidation=consolidation)
    before = list(PositionMapping.objects.values_list("pk", "action", "headcount"))
    audit = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        cons.mapping_save(
            user=people["division_head"],
            consolidation=consolidation,
            rows=[
                {"source_position_id": p["a_deputy"].pk, "action": "end"},
                {"source_position_id": p["x1_chair"].pk, "action": "end"},
                {
                    "source_position_id": p["a_officer"].pk,
                    "action": "keep",
                    "successor_id": consolidation.operations.get().successors.get().pk,
                    "headcount": 0,
                },
            ],
        )
    assert exc.value.messages == [
        f"Line 2: position {p['x1_chair'].pk} is not a position of a source unit "
        "in force on the effective date.",
        "Line 3: a kept or merged position needs a head-count of at least 1.",
    ]
    assert list(PositionMapping.objects.values_list("pk", "action", "headcount")) == (
        before
    )
    assert AuditEntry.objects.count() == audit


def test_administrative_units_wait_for_the_external_resolutions(people, org):
    u = org["units"]
    consolidation = open_consolidation(people, org, scope="administrative")
    assert consolidation.requires_external_decisions
    cons.operation_add(
        user=people["division_head"],
        consolidation=consolidation,
        kind="merge",
        effective_date=D,
        source_units=[u["x1"], u["x2"], u["x3"]],
        successors=[
            new_unit(
                "Xã Hợp Nhất",
                "XHN",
                u["province"],
                kind="commune_pc",
                level="commune",
                admin_code="99001",
            )
        ],
        voters_in_favour_pct="96.10",
    )
    approve(consolidation, people)
    assert consolidation.awaits_external_decisions
    assert consolidation.next_effective_date == D
    with pytest.raises(ValidationError) as exc:
        cons.consolidation_apply(consolidation=consolidation, on=D)
    assert refused(exc)[0] == {"awaiting_external_decisions"}
    for body, number in (
        (ExternalDecision.Body.PEOPLES_COUNCIL, "09/NQ-HĐND"),
        (ExternalDecision.Body.NA_STANDING_COMMITTEE, "1678/NQ-UBTVQH15"),
    ):
        cons.external_decision_record(
            user=people["division_head"],
            consolidation=consolidation,
            body=body,
            number=number,
            date=D - datetime.timedelta(days=20),
        )
    with pytest.raises(ValidationError) as exc:
        cons.external_decision_record(
            user=people["division_head"],
            consolidation=consolidation,
            body=ExternalDecision.Body.PEOPLES_COUNCIL,
            number="10/NQ-HĐND",
            date=D,
        )
    assert refused(exc)[0] == {"already_recorded"}
    consolidation.refresh_from_db()
    assert not consolidation.awaits_external_decisions
    cons.consolidation_apply(consolidation=consolidation, on=D)
    merged = Unit.objects.get(code="XHN")
    # Population and area follow the sources when the new unit gives none.
    assert (merged.admin_code, merged.valid_from) == ("99001", D)


def test_who_sees_a_consolidation(people, org, make_user):
    u = org["units"]
    draft = open_consolidation(people, org)
    merge(people, draft, [u["a"], u["b"]], parent=u["province"])
    visible = {
        name: consolidation_list_for_user(user=person).filter(pk=draft.pk).exists()
        for name, person in people.items()
    }
    assert visible == {
        "officer": False,
        "head": False,
        "officer_b": False,
        "reception": True,
        "division_head": True,
        "appraiser": True,
        "director": True,
        "committee": False,
        "observer": False,
    }
    assert not consolidation_list_for_user(user=AnonymousUser()).exists()
    cons.mapping_default(consolidation=draft)
    svc.dossier_submit(dossier=draft, actor=people["director"])
    # Once submitted, the committee, observers and the people of the units it
    # reorganises see it too, in the list of every kind of dossier as well.
    for name in ("committee", "observer", "officer", "head", "officer_b"):
        assert dossier_list_for_user(user=people[name]).filter(pk=draft.pk).exists()
    outsider = make_user("unit_officer", units=[u["x1"]], username="outsider")
    assert not dossier_list_for_user(user=outsider).filter(pk=draft.pk).exists()
