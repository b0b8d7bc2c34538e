"""Fixtures of the consolidation tests: a province with two departments (each
with a division) and three communes, their positions and quotas, one person per
role, and a helper that drives a consolidation through the real shared steps to
the committee's approval.

Hand count of the establishment (used by the impact statement's test):

=========  ===============================  ==========  ========  =========
unit       position                         category    rank      headcount
=========  ===============================  ==========  ========  =========
Sở A       Giám đốc                         leadership  01.002    1
Sở A       Phó Giám đốc                     leadership  01.002    3
Sở A       Chuyên viên tổ chức              specialised 01.003    4
Phòng A1   Trưởng phòng                     leadership  01.002    1
Phòng A1   Chuyên viên                      specialised 01.003    2
Sở B       Giám đốc                         leadership  01.002    1
Sở B       Phó Giám đốc                     leadership  01.002    2
Sở B       Chuyên viên tổ chức              specialised 01.003    3
Phòng B1   Chuyên viên                      specialised 01.003    2
=========  ===============================  ==========  ========  =========

Sở A 11 posts in its subtree, Sở B 8. Quotas of next year: Sở A 12, Sở B 9.
Communes X1, X2, X3: 6,000 / 5,000 / 4,000 people, 20 / 15 / 10 km²; each
with a "Chủ tịch" (leadership, 1) and a "Công chức văn phòng" (specialised, 2).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from appraisal import services as svc
from appraisal.models import Consolidation, UnitQuota
from appraisal.services import consolidation as cons
from orgchart.permissions import Role
from tests.appraisal.project_fixtures import english, fast_passwords
from tests.factories import JobPositionFactory, UnitFactory

Status = Consolidation.Status
TODAY = timezone.localdate()
#: The effective date of the operations (a month ahead: nothing applies by
#: itself; the tests apply "on" it).
D = TODAY + datetime.timedelta(days=30)
NEXT_YEAR = D.year + 1


@pytest.fixture
def org(two_units, ref):
    u = dict(two_units)
    lead, spec = ref["leadership"], ref["specialised"]
    principal, specialist = ref["principal"], ref["specialist"]

    def position(unit, name, category, rank, headcount):
        return JobPositionFactory(
            unit=unit, name=name, category=category, rank=rank, headcount=headcount
        )

    p = {}
    for key, unit, deputies, officers in (("a", u["a"], 3, 4), ("b", u["b"], 2, 3)):
        p[f"{key}_director"] = position(unit, "Giám đốc", lead, principal, 1)
        p[f"{key}_deputy"] = position(unit, "Phó Giám đốc", lead, principal, deputies)
        p[f"{key}_officer"] = position(
            unit, "Chuyên viên tổ chức", spec, specialist, officers
        )
    p["a1_head"] = position(u["a1"], "Trưởng phòng", lead, principal, 1)
    p["a1_officer"] = position(u["a1"], "Chuyên viên", spec, specialist, 2)
    p["b1_officer"] = position(u["b1"], "Chuyên viên", spec, specialist, 2)
    UnitQuota.objects.create(unit=u["a"], year=NEXT_YEAR, headcount=12)
    UnitQuota.objects.create(unit=u["b"], year=NEXT_YEAR, headcount=9)
    for index, (population, area) in enumerate(
        ((6000, "20"), (5000, "15"), (4000, "10")), start=1
    ):
        commune = UnitFactory(
            code=f"X{index}",
            name=f"Xã Số {index}",
            parent=u["province"],
            kind="commune_pc",
            level="commune",
        )
        commune.population, commune.area_km2 = population, Decimal(area)
        commune.save(update_fields=["population", "area_km2"])
        u[f"x{index}"] = commune
        p[f"x{index}_chair"] = position(commune, "Chủ tịch", lead, principal, 1)
        p[f"x{index}_clerk"] = position(
            commune, "Công chức văn phòng", spec, specialist, 2
        )
    return {"units": u, "positions": p}


@pytest.fixture
def people(make_user, two_units):
    return {
        "officer": make_user(
            Role.UNIT_OFFICER, units=[two_units["a"]], username="officer"
        ),
        "head": make_user(Role.UNIT_HEAD, units=[two_units["a"]], username="head"),
        "officer_b": make_user(
            Role.UNIT_OFFICER, units=[two_units["b"]], username="officer_b"
        ),
        "reception": make_user(Role.RECEPTION, username="reception"),
        "division_head": make_user(Role.DIVISION_HEAD, username="division_head"),
        "appraiser": make_user(Role.APPRAISER, username="appraiser"),
        "director": make_user(Role.DIRECTOR, username="director"),
        "committee": make_user(Role.COMMITTEE, username="committee"),
        "observer": make_user(Role.OBSERVER, username="observer"),
    }


def new_unit(name: str, code: str, parent, **extra) -> dict:
    return {
        "name": name,
        "code": code,
        "kind": extra.pop("kind", "department"),
        "level": extra.pop("level", "province"),
        "parent": parent,
        **extra,
    }


def open_consolidation(people, org, *, scope="agencies", title="Sắp xếp"):
    return cons.consolidation_create(
        user=people["division_head"],
        unit=org["units"]["province"],
        title=title,
        scope=scope,
        legal_basis="Nghị định 158/2018/NĐ-CP",
    )


def merge_a_and_b(people, org, consolidation):
    """Departments A and B (with their divisions) merged into "Sở A và B" (SAB)
    on ``D``."""
    u = org["units"]
    return cons.operation_add(
        user=people["division_head"],
        consolidation=consolidation,
        kind="merge",
        effective_date=D,
        source_units=[u["a"], u["b"]],
        successors=[new_unit("Sở A và B", "SAB", u["province"])],
    )


def approve(consolidation, people) -> Consolidation:
    """Drive ``consolidation`` through the shared steps to the committee's
    approval (the default mapping proposed first)."""
    cons.mapping_default(consolidation=consolidation)
    svc.dossier_submit(dossier=consolidation, actor=people["director"])
    svc.dossier_accept(dossier=consolidation, actor=people["reception"])
    svc.dossier_assign_appraiser(
        dossier=consolidation,
        actor=people["division_head"],
        appraiser=people["appraiser"],
    )
    svc.report_complete(
        dossier=consolidation, actor=people["appraiser"], recommendation="approve"
    )
    svc.report_review(dossier=consolidation, actor=people["division_head"])
    svc.report_sign(dossier=consolidation, actor=people["director"])
    svc.dossier_decide(
        dossier=consolidation, actor=people["committee"], outcome="approved"
    )
    consolidation.refresh_from_db()
    assert consolidation.status == Status.APPROVED
    return consolidation


__all__ = [
    "D",
    "NEXT_YEAR",
    "TODAY",
    "approve",
    "english",
    "fast_passwords",
    "merge_a_and_b",
    "new_unit",
    "open_consolidation",
    "org",
    "people",
]
