"""Inside one step, a consolidation read under its lock reads its operations and
the positions they map once, and again after a service changes them: what a
person's next check sees is what the database holds."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from appraisal.models import Consolidation
from appraisal.services import consolidation as cons
from appraisal.services.dossiers import dossier_locks_in_action, dossier_visible_get
from tests.appraisal.consolidation_fixtures import *  # noqa: F403
from tests.appraisal.consolidation_fixtures import (
    D,
    merge_a_and_b,
    open_consolidation,
)

pytestmark = pytest.mark.django_db


def test_a_step_reads_the_operations_once_and_again_after_a_change(people, org):
    u, p = org["units"], org["positions"]
    consolidation = open_consolidation(people, org)
    with transaction.atomic(), dossier_locks_in_action():
        locked = dossier_visible_get(
            Consolidation, consolidation.pk, related=("unit",), visible=bool
        )
        assert cons.mapping_unmapped(consolidation=locked) == []
        assert locked.next_effective_date is None
        merge_a_and_b(people, org, locked)
        # The operation just added is seen (the reading before it was dropped).
        assert locked.next_effective_date == D
        unmapped = cons.mapping_unmapped(consolidation=locked)
        sources = {u["a"].pk, u["a1"].pk, u["b"].pk, u["b1"].pk}
        assert {position.pk for position in unmapped} == {
            position.pk for position in p.values() if position.unit_id in sources
        }
        with CaptureQueriesContext(connection) as again:
            assert cons.mapping_unmapped(consolidation=locked) == unmapped
            assert not locked.is_applied
        assert len(again) == 0
        assert cons.mapping_default(consolidation=locked) == len(unmapped)
        # The mapping just saved is seen: nothing is left to map.
        assert cons.mapping_unmapped(consolidation=locked) == []
    # Outside a step nothing is kept: each reading asks the database.
    consolidation.refresh_from_db()
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as outside:
            assert cons.mapping_unmapped(consolidation=consolidation) == []
        counts.append(len(outside))
    assert counts[0] == counts[1] > 0
