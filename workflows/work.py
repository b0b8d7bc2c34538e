"""What a person may start, flow by flow: the "create" buttons of the home page,
the lists and a unit's page.

Each flow registers one :class:`Startable` in :data:`STARTABLE`; the pages ask
:func:`start_actions` and show a button per answer, so the staffing-plan and
consolidation flows add their buttons here without touching a template.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgchart.models import Unit

from . import permissions


@dataclass(frozen=True)
class StartAction:
    """One button: its label and where it leads (the flow's start form)."""

    label: str
    url: str


@dataclass(frozen=True)
class Startable:
    """A flow a person may start: the button's label, who may start it at all and
    for which unit, and the name of its start form's URL."""

    label: str
    unit_label: str
    url_name: str
    may_start: Callable[..., bool]
    may_start_for_unit: Callable[..., bool]


def _may_start_project_for(user, unit: Unit) -> bool:
    return unit.is_active_on(
        timezone.localdate()
    ) and permissions.holds_unit_permission(user, permissions.ACT_FOR_UNIT, unit)


def _may_propose_consolidation_for(user, unit: Unit) -> bool:
    return unit.is_active_on(timezone.localdate()) and (
        bool(permissions.HOME_AFFAIRS_PROPOSERS & permissions.group_names(user))
        or permissions.holds_unit_permission(user, permissions.ACT_FOR_UNIT, unit)
    )


STARTABLE: list[Startable] = [
    Startable(
        label=_("Draft a job-position project"),
        unit_label=_("Draft a project for this unit"),
        url_name="jobpositionproject:start:execute",
        may_start=permissions.may_start,
        may_start_for_unit=_may_start_project_for,
    ),
    Startable(
        label=_("Open a staffing cycle"),
        unit_label=_("Open a staffing cycle"),
        url_name="staffing:staffingplan:start:execute",
        may_start=permissions.may_open_staffing_plan,
        # A cycle asks many units at once: it is opened from the lists, not
        # from one unit's page.
        may_start_for_unit=lambda user, unit: False,
    ),
    Startable(
        label=_("Propose a unit consolidation"),
        unit_label=_("Propose a consolidation of this unit's sub-units"),
        url_name="consolidations:consolidation:start:execute",
        may_start=permissions.may_propose_consolidation,
        may_start_for_unit=_may_propose_consolidation_for,
    ),
]


def start_actions(*, user, unit: Unit | None = None) -> list[StartAction]:
    """The flows ``user`` may start (for ``unit`` when given: the start form then
    has the unit filled in). Nothing for an anonymous or inactive person."""
    from django.urls import reverse

    if not user.is_authenticated or not user.is_active:
        return []
    actions = []
    for startable in STARTABLE:
        if unit is None:
            if startable.may_start(user):
                actions.append(
                    StartAction(startable.label, reverse(startable.url_name))
                )
        elif startable.may_start_for_unit(user, unit):
            url = reverse(startable.url_name) + "?" + urlencode({"unit": unit.pk})
            actions.append(StartAction(startable.unit_label, url))
    return actions
