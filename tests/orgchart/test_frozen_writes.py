"""Rows written with their SQL compiled once are the rows ``save()`` writes:
the same columns and values, the key filled in, the signals sent, a vanished
row refused, and a model's own ``save()`` still run."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from appraisal.models import Consolidation, JobPositionProject
from orgchart.frozen_writes import row_insert, row_update
from orgchart.models import JobPosition
from tests.factories import (
    JobPositionFactory,
    JobPositionProjectFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _row(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


@pytest.fixture
def signals():
    """The (signal, created, update_fields) sent for JobPosition and
    Consolidation rows while the test runs."""
    seen = []

    def pre(sender, instance, update_fields, **kwargs):
        seen.append(("pre", None, update_fields))

    def post(sender, instance, created, update_fields, **kwargs):
        seen.append(("post", created, update_fields))

    for model in (JobPosition, Consolidation):
        pre_save.connect(pre, sender=model, weak=False)
        post_save.connect(post, sender=model, weak=False)
    yield seen
    for model in (JobPosition, Consolidation):
        pre_save.disconnect(pre, sender=model)
        post_save.disconnect(post, sender=model)


def test_an_insert_writes_what_save_writes(signals):
    model = JobPositionFactory()
    made = JobPosition(
        unit=model.unit,
        name="Chuyên viên tổng hợp",
        category=model.category,
        rank=model.rank,
        headcount=3,
        job_description="Tổng hợp, báo cáo",
        valid_from=model.valid_from,
        decision_number="12/QĐ-UBND",
    )
    signals.clear()
    with CaptureQueriesContext(connection) as queries:
        row_insert(made)
    assert len(queries) == 1
    assert made.pk is not None and not made._state.adding
    assert signals == [("pre", None, None), ("post", True, None)]
    saved = JobPosition(**{**_row(JobPosition, made.pk), "id": None})
    saved.save()
    written, by_save = _row(JobPosition, made.pk), _row(JobPosition, saved.pk)
    assert {**written, "id": None} == {**by_save, "id": None}
    assert written["headcount"] == 3 and written["name"] == "Chuyên viên tổng hợp"


def test_an_update_writes_only_the_columns_named_on_each_table(signals):
    unit = UnitFactory()
    dossier = Consolidation.objects.create(
        unit=unit,
        title="Sắp xếp",
        scope=Consolidation.Scope.AGENCIES,
        created_by=UserFactory(),
    )
    signals.clear()
    dossier.title = "Sắp xếp các sở"  # on the dossier's table
    dossier.proposed_by_home_affairs = True  # on the consolidation's
    dossier.justification = "not written: not named"
    with CaptureQueriesContext(connection) as queries:
        row_update(dossier, ["title", "proposed_by_home_affairs"])
    assert len(queries) == 2
    stored = Consolidation.objects.get(pk=dossier.pk)
    assert stored.title == "Sắp xếp các sở"
    assert stored.proposed_by_home_affairs is True
    assert stored.justification == ""
    names = frozenset({"title", "proposed_by_home_affairs"})
    assert signals == [("pre", None, names), ("post", False, names)]
    # One table's columns: one statement.
    dossier.title = "Sắp xếp lại"
    with CaptureQueriesContext(connection) as queries:
        row_update(dossier, ["title"])
    assert len(queries) == 1
    assert Consolidation.objects.get(pk=dossier.pk).title == "Sắp xếp lại"


def test_an_update_of_a_vanished_row_is_refused():
    dossier = Consolidation.objects.create(
        unit=UnitFactory(),
        title="Sắp xếp",
        scope=Consolidation.Scope.AGENCIES,
        created_by=UserFactory(),
    )
    Consolidation.objects.filter(pk=dossier.pk).delete()
    dossier.title = "Đã xoá"
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        row_update(dossier, ["title"])


def test_a_model_with_its_own_save_is_saved_by_it():
    """A project's ``save()`` keeps the dossier's kind in step with the
    project's: an update through here still runs it."""
    project = JobPositionProjectFactory(created_by=UserFactory())
    before = project.dossier_kind
    project.kind = JobPositionProject.Kind.ADJUSTMENT
    row_update(project, ["kind"])
    stored = JobPositionProject.objects.get(pk=project.pk)
    assert stored.kind == JobPositionProject.Kind.ADJUSTMENT
    assert stored.dossier_kind == project.kind_of_dossier != before
