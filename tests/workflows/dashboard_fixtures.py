"""A hand-counted history for the dashboard's tests (every figure below was
counted on paper from the working calendar of 2025: Wednesday 30 April to Friday
2 May were days off, 7 April too).

Department A (``units["a"]``) and department B, job-position projects of both
kinds, the status changes written as the audit trail records them, at 09:00 on
the days given. Period 1 March – 30 June 2025:

- D1 (A, adjustment): submitted 3/3, received 4/3 (reception 1 day, limit 1: on
  time), appraiser assigned 6/3 (2 days, limit 1: late), revision asked 10/3
  (2 days), resubmitted 14/3, report 18/3 (2 more: appraisal 4, limit 17), reviewed
  19/3 (1; no limit), signed 20/3 (1, limit 2), approved 25/3 (3, limit 4), applied;
  due 10/4: completed on time in March.
- D2 (B, first): submitted 3/3, supplement asked 4/3 (1 day), resubmitted 10/3,
  received 12/3 (2 more: reception 3, limit 1: late), assigned 13/3 (1, limit 2),
  report 20/3 (5, limit 28), reviewed 21/3 (1), signed 24/3 (1, limit 3),
  rejected 4/4 (9, limit 6: late); due 3/4: completed late in April.
- D3 (A, adjustment): submitted 28/4, refused 5/5 (2 days, limit 1: late); due
  29/4: completed late in May.
- D4 (B, first): submitted 2/6, received 3/6 (1 day, limit 1); due 29/7/2025, so
  overdue now.
- D5 (A, adjustment): under appraisal by ``appraiser``, due in 30 days.
- D6 (A, adjustment): under appraisal by ``appraiser2``, due soon.
- D7 (A, first): a draft (only the unit sees it).
- D8 (A, first): approved and applied 10/2/2025, before the period.

Payroll in 2025: department A's quotas 10 civil servants and 5 public employees;
its two positions (2 + 3 posts, the ``positions`` fixture, in force from 1 July
2025).
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.utils import timezone

from appraisal.models import AuditEntry, JobPositionProject, UnitQuota
from appraisal.selectors.deadlines import deadline_due_soon_until

#: Every signed-in role of the ``people`` fixture (the pages' own tests).
SIGNED_IN_ROLES = [
    "officer",
    "head",
    "officer_b",
    "reception",
    "division_head",
    "appraiser",
    "director",
    "committee",
    "committee_a",
    "observer",
]
PROVINCE_TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
PERIOD = {"date_from": "2025-03-01", "date_to": "2025-06-30"}
S = JobPositionProject.Status

D1 = [
    ("2025-03-03", S.DRAFT, S.SUBMITTED),
    ("2025-03-04", S.SUBMITTED, S.RECEIVED),
    ("2025-03-06", S.RECEIVED, S.UNDER_APPRAISAL),
    ("2025-03-07", S.UNDER_APPRAISAL, S.UNDER_APPRAISAL),  # a remark
    ("2025-03-10", S.UNDER_APPRAISAL, S.REVISION_REQUESTED),
    ("2025-03-14", S.REVISION_REQUESTED, S.UNDER_APPRAISAL),
    ("2025-03-18", S.UNDER_APPRAISAL, S.REPORT_COMPLETED),
    ("2025-03-19", S.REPORT_COMPLETED, S.REPORT_REVIEWED),
    ("2025-03-20", S.REPORT_REVIEWED, S.AWAITING_DECISION),
    ("2025-03-25", S.AWAITING_DECISION, S.APPROVED),
    ("2025-03-26", S.APPROVED, S.APPLIED),
]
D2 = [
    ("2025-03-03", S.DRAFT, S.SUBMITTED),
    ("2025-03-04", S.SUBMITTED, S.SUPPLEMENT_REQUESTED),
    ("2025-03-10", S.SUPPLEMENT_REQUESTED, S.SUBMITTED),
    ("2025-03-12", S.SUBMITTED, S.RECEIVED),
    ("2025-03-13", S.RECEIVED, S.UNDER_APPRAISAL),
    ("2025-03-20", S.UNDER_APPRAISAL, S.REPORT_COMPLETED),
    ("2025-03-21", S.REPORT_COMPLETED, S.REPORT_REVIEWED),
    ("2025-03-24", S.REPORT_REVIEWED, S.AWAITING_DECISION),
    ("2025-04-04", S.AWAITING_DECISION, S.REJECTED),
]
D3 = [
    ("2025-04-28", S.DRAFT, S.SUBMITTED),
    ("2025-05-05", S.SUBMITTED, S.REFUSED),
]
D4 = [
    ("2025-06-02", S.DRAFT, S.SUBMITTED),
    ("2025-06-03", S.SUBMITTED, S.RECEIVED),
]
D8 = [
    ("2025-01-06", S.DRAFT, S.SUBMITTED),
    ("2025-02-10", S.AWAITING_DECISION, S.APPROVED),
    ("2025-02-10", S.APPROVED, S.APPLIED),
]


def _date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def make_dossier(unit, actor, *, kind, title, status, due_on=None, history=(), **kw):
    dossier = JobPositionProject.objects.create(
        unit=unit,
        kind=kind,
        title=title,
        created_by=actor,
        status=status,
        current_revision=0 if status == S.DRAFT else 1,
        due_on=due_on,
        **kw,
    )
    for day, from_status, to_status in history:
        AuditEntry.objects.create(
            dossier=dossier,
            actor=actor,
            action=AuditEntry.Action.UPDATED,
            from_status=from_status,
            to_status=to_status,
            created_at=datetime.datetime.combine(
                _date(day), datetime.time(9), tzinfo=PROVINCE_TZ
            ),
        )
    return dossier


def history_build(people, units) -> dict:
    """The dossiers above (department A's positions come from the ``positions``
    fixture)."""
    first = JobPositionProject.Kind.FIRST
    adjustment = JobPositionProject.Kind.ADJUSTMENT
    officer, officer_b = people["officer"], people["officer_b"]
    a, b = units["a"], units["b"]
    today = timezone.localdate()
    made = {
        "D1": make_dossier(
            a,
            officer,
            kind=adjustment,
            title="D1",
            status=S.APPLIED,
            due_on=_date("2025-04-10"),
            history=D1,
        ),
        "D2": make_dossier(
            b,
            officer_b,
            kind=first,
            title="D2",
            status=S.REJECTED,
            due_on=_date("2025-04-03"),
            history=D2,
        ),
        "D3": make_dossier(
            a,
            officer,
            kind=adjustment,
            title="D3",
            status=S.REFUSED,
            due_on=_date("2025-04-29"),
            history=D3,
        ),
        "D4": make_dossier(
            b,
            officer_b,
            kind=first,
            title="D4",
            status=S.RECEIVED,
            due_on=_date("2025-07-29"),
            history=D4,
        ),
        "D5": make_dossier(
            a,
            officer,
            kind=adjustment,
            title="D5",
            status=S.UNDER_APPRAISAL,
            due_on=today + datetime.timedelta(days=30),
            assigned_appraiser=people["appraiser"],
        ),
        "D6": make_dossier(
            a,
            officer,
            kind=adjustment,
            title="D6",
            status=S.UNDER_APPRAISAL,
            due_on=deadline_due_soon_until(),
            assigned_appraiser=people["appraiser2"],
        ),
        "D7": make_dossier(a, officer, kind=first, title="D7", status=S.DRAFT),
        "D8": make_dossier(
            a,
            officer,
            kind=first,
            title="D8",
            status=S.APPLIED,
            due_on=_date("2025-03-01"),
            history=D8,
        ),
    }
    UnitQuota.objects.create(unit=a, year=2025, post_kind="civil_servant", headcount=10)
    UnitQuota.objects.create(
        unit=a, year=2025, post_kind="public_employee", headcount=5
    )
    return made
