"""The demo consolidation: the Vinh expansion in progress, made through the real
services on Nghệ An's imported units, safe to run twice."""

import pytest
from django.contrib.auth import get_user_model

from appraisal.demo import VINH_EXPANSION_TITLE, seed_demo_consolidation
from appraisal.models import Consolidation
from appraisal.selectors.consolidation import consolidation_list_for_user
from appraisal.services import consolidation as cons
from orgchart.demo import demo_seed
from tests.appraisal.project_fixtures import english, fast_passwords, media  # noqa: F401


@pytest.fixture
def demo_users(db):
    demo_seed(password="demo-pass-1")
    return {user.username: user for user in get_user_model().objects.all()}


def test_the_vinh_expansion_is_under_appraisal_with_its_impact(demo_users):
    consolidation = seed_demo_consolidation(
        users=demo_users, until=Consolidation.Status.UNDER_APPRAISAL
    )
    assert consolidation.status == Consolidation.Status.UNDER_APPRAISAL
    assert consolidation.title == VINH_EXPANSION_TITLE
    [operation] = consolidation.operations.all()
    assert operation.kind == "absorb"
    assert sorted(s.unit.name for s in operation.sources.all()) == [
        "Ủy ban nhân dân phường Cửa Lò",
        "Ủy ban nhân dân xã Hải Lộc",
        "Ủy ban nhân dân xã Nghi Lộc",
        "Ủy ban nhân dân xã Phúc Lộc",
        "Ủy ban nhân dân xã Trung Lộc",
    ]
    assert operation.successors.get().unit.name.endswith("phường Trường Vinh")
    assert cons.mapping_unmapped(consolidation=consolidation) == []
    statement = cons.impact_compute(consolidation=consolidation)
    [row] = statement.rows
    # Four communes' two deputy chairs each are ended: eight posts of surplus.
    assert row.surplus == 8 and row.absorb_by is not None
    assert statement.blocking == []
    assert (
        consolidation_list_for_user(user=demo_users["appraiser"])
        .filter(pk=consolidation.pk)
        .exists()
    )
    again = seed_demo_consolidation(users=demo_users)
    assert again.pk == consolidation.pk
    assert Consolidation.objects.count() == 1
