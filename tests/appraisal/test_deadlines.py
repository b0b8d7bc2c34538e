"""Working-day deadlines: weekends, Vietnamese public holidays (Tết, National Day and
their substituted days), days an administrator declares, the processing times of
Decree 106/2020/NĐ-CP Art. 7(3), the stopped clock, and how due dates are flagged."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

import appraisal.admin_numbering  # noqa: F401  (registers the admin pages)
from appraisal.models import CalendarDay, ProcessingTime
from appraisal.selectors.deadlines import (
    DeadlineState,
    deadline_annotate,
    deadline_state,
)
from appraisal.services.deadlines import (
    due_date_for,
    due_date_resume,
    is_overdue,
    processing_days,
    working_days_add,
    working_days_between,
)

pytestmark = pytest.mark.django_db

D = datetime.date
FIRST = "job_position_first"
ADJUSTMENT = "job_position_adjustment"


def declare(day: datetime.date, kind: str, note: str = "") -> CalendarDay:
    calendar_day = CalendarDay(date=day, kind=kind, note=note)
    calendar_day.full_clean()
    calendar_day.save()
    return calendar_day


# Working days


def test_the_weekend_is_skipped():
    friday = D(2026, 3, 6)
    assert working_days_add(start=friday, days=1) == D(2026, 3, 9)
    assert working_days_add(start=friday, days=5) == D(2026, 3, 13)
    assert working_days_between(start=friday, end=D(2026, 3, 9)) == 1


def test_counting_starts_the_day_after_the_start_day():
    monday = D(2026, 3, 2)
    assert working_days_add(start=monday, days=0) == monday
    assert working_days_add(start=monday, days=1) == D(2026, 3, 3)
    assert working_days_between(start=monday, end=monday) == 0


def test_a_start_on_a_saturday_counts_from_monday():
    assert working_days_add(start=D(2026, 3, 7), days=1) == D(2026, 3, 9)


def test_national_day_is_skipped():
    # 2025: 1 and 2 September (Monday and Tuesday) are off.
    friday = D(2025, 8, 29)
    assert working_days_add(start=friday, days=1) == D(2025, 9, 3)
    assert working_days_between(start=friday, end=D(2025, 9, 5)) == 3


def test_tet_2026_is_skipped():
    # Lunar New Year's Day is Tuesday 17 February 2026; 16-20 February are off.
    friday_before = D(2026, 2, 13)
    assert working_days_add(start=friday_before, days=1) == D(2026, 2, 23)
    assert working_days_between(start=friday_before, end=D(2026, 2, 23)) == 1


def test_the_substituted_day_off_and_its_make_up_saturday_follow_the_government():
    # 2026: Monday 31 August is off, worked on Saturday 22 August instead.
    assert working_days_add(start=D(2026, 8, 21), days=1) == D(2026, 8, 22)
    assert working_days_add(start=D(2026, 8, 28), days=1) == D(2026, 9, 3)


def test_a_declared_make_up_working_day_on_a_saturday_counts():
    declare(D(2026, 3, 14), CalendarDay.Kind.WORKING_DAY, "Làm bù")
    assert working_days_add(start=D(2026, 3, 13), days=1) == D(2026, 3, 14)
    assert working_days_between(start=D(2026, 3, 13), end=D(2026, 3, 16)) == 2


def test_a_declared_extra_day_off_is_skipped():
    declare(D(2026, 3, 16), CalendarDay.Kind.DAY_OFF, "Nghỉ bù")
    assert working_days_add(start=D(2026, 3, 13), days=1) == D(2026, 3, 17)
    assert working_days_between(start=D(2026, 3, 13), end=D(2026, 3, 17)) == 1


def test_a_make_up_working_day_on_a_weekday_is_refused():
    with pytest.raises(ValidationError) as error:
        declare(D(2026, 3, 17), CalendarDay.Kind.WORKING_DAY)
    assert error.value.error_dict["kind"][0].code == "already_working_day"


def test_an_extra_day_off_on_a_holiday_is_refused():
    with pytest.raises(ValidationError) as error:
        declare(D(2026, 9, 2), CalendarDay.Kind.DAY_OFF)
    assert error.value.error_dict["kind"][0].code == "already_day_off"


def test_between_is_the_inverse_of_add_over_a_year():
    start = D(2025, 12, 15)
    for days in (1, 7, 25, 40, 120, 250):
        end = working_days_add(start=start, days=days)
        assert working_days_between(start=start, end=end) == days
        assert working_days_between(start=end, end=start) == -days


def test_a_range_of_months_reads_the_declared_days_once(django_assert_num_queries):
    declare(D(2026, 3, 16), CalendarDay.Kind.DAY_OFF)
    with django_assert_num_queries(1):
        working_days_add(start=D(2026, 1, 2), days=80)
    with django_assert_num_queries(1):
        working_days_between(start=D(2026, 1, 2), end=D(2026, 6, 30))


# Processing times and due dates


def test_default_processing_times_follow_decree_106_2020():
    assert processing_days(dossier_kind=FIRST, step="total") == 40
    assert processing_days(dossier_kind=ADJUSTMENT, step="total") == 25
    total = ProcessingTime.objects.get(dossier_kind=FIRST, step="total")
    assert "106/2020/NĐ-CP" in total.legal_basis


@pytest.mark.parametrize("kind", [FIRST, ADJUSTMENT])
def test_the_default_steps_add_up_to_the_whole_appraisal_time(kind):
    steps = ["receive", "assign_appraiser", "appraise", "sign_report", "decide"]
    assert sum(processing_days(dossier_kind=kind, step=s) for s in steps) == (
        processing_days(dossier_kind=kind, step="total")
    )


def test_first_approval_is_due_forty_working_days_after_receipt():
    # Received Monday 2 March 2026; Monday 27 April (Hung Kings' Day observed) is
    # off, so the 40th working day is Tuesday 28 April.
    assert due_date_for(dossier_kind=FIRST, step="total", start=D(2026, 3, 2)) == D(
        2026, 4, 28
    )


def test_adjustment_is_due_twenty_five_working_days_after_receipt():
    assert due_date_for(
        dossier_kind=ADJUSTMENT, step="total", start=D(2026, 3, 2)
    ) == D(2026, 4, 6)


def test_a_changed_processing_time_applies_from_its_first_day():
    ProcessingTime.objects.create(
        dossier_kind=FIRST,
        step="appraise",
        working_days=10,
        legal_basis="Quyết định 3027/QĐ-UBND",
        valid_from=D(2026, 6, 1),
    )
    assert processing_days(dossier_kind=FIRST, step="appraise", on=D(2026, 5, 29)) == 28
    assert processing_days(dossier_kind=FIRST, step="appraise", on=D(2026, 6, 1)) == 10
    assert due_date_for(dossier_kind=FIRST, step="appraise", start=D(2026, 6, 1)) == D(
        2026, 6, 15
    )


def test_a_step_without_processing_time_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError) as error:
        processing_days(dossier_kind="staffing_plan", step="appraise", on=D(2026, 3, 2))
    assert error.value.code == "no_processing_time"
    assert "staffing_plan" in error.value.messages[0]


def test_the_data_migration_is_reversible():
    migration = importlib.import_module(
        "appraisal.migrations.0002_load_processing_times"
    )
    assert ProcessingTime.objects.count() == 18
    migration.unload(apps, None)
    assert not ProcessingTime.objects.exists()
    migration.load(apps, None)
    migration.load(apps, None)
    assert ProcessingTime.objects.count() == 18


# The stopped clock


def test_a_supplement_period_pushes_the_due_date_by_its_working_days():
    due = D(2026, 4, 28)
    # Stopped on Monday 16 March, back on Friday 20 March: four working days
    # (17-20 March) were the unit's. 30 April and 1 May are holidays.
    assert due_date_resume(
        due=due, paused_on=D(2026, 3, 16), resumed_on=D(2026, 3, 20)
    ) == D(2026, 5, 6)


def test_a_stop_over_a_weekend_and_tet_costs_only_its_working_days():
    due = D(2026, 3, 10)
    assert due_date_resume(
        due=due, paused_on=D(2026, 2, 12), resumed_on=D(2026, 2, 24)
    ) == working_days_add(start=due, days=3)


def test_a_stop_resumed_the_same_day_changes_nothing():
    due = D(2026, 4, 28)
    assert (
        due_date_resume(due=due, paused_on=D(2026, 3, 16), resumed_on=D(2026, 3, 16))
        == due
    )


def test_resuming_before_the_stop_is_refused():
    with pytest.raises(ValidationError) as error:
        due_date_resume(
            due=D(2026, 4, 28), paused_on=D(2026, 3, 16), resumed_on=D(2026, 3, 13)
        )
    assert error.value.code == "resumed_before_paused"


def test_overdue_starts_the_day_after_the_due_date():
    due = D(2026, 4, 28)
    assert not is_overdue(due=due, on=D(2026, 4, 27))
    assert not is_overdue(due=due, on=due)
    assert is_overdue(due=due, on=D(2026, 4, 29))
    assert not is_overdue(due=None, on=D(2026, 4, 29))


# How a due date is shown


@pytest.mark.parametrize(
    ("on", "state"),
    [
        (D(2026, 3, 4), DeadlineState.ON_TIME),  # Wed: Wed, Thu, Fri, Mon left
        (D(2026, 3, 5), DeadlineState.ON_TIME),  # Thu: Thu, Fri, Mon
        (D(2026, 3, 6), DeadlineState.DUE_SOON),  # Fri: Fri, Mon
        (D(2026, 3, 7), DeadlineState.DUE_SOON),  # Sat: Mon
        (D(2026, 3, 9), DeadlineState.DUE_SOON),  # the due day
        (D(2026, 3, 10), DeadlineState.OVERDUE),
    ],
)
def test_deadline_state_counts_the_working_days_left(on, state):
    assert deadline_state(due=D(2026, 3, 9), on=on) == state


def test_deadline_state_is_stopped_while_the_unit_has_the_dossier():
    assert deadline_state(
        due=D(2026, 3, 9), on=D(2026, 3, 20), paused_on=D(2026, 3, 2)
    ) == (DeadlineState.STOPPED)


def test_deadline_state_without_a_due_date_is_none():
    assert deadline_state(due=None, on=D(2026, 3, 9)) == DeadlineState.NONE


def test_a_declared_day_off_makes_a_deadline_due_sooner():
    assert deadline_state(due=D(2026, 3, 11), on=D(2026, 3, 9)) == DeadlineState.ON_TIME
    declare(D(2026, 3, 10), CalendarDay.Kind.DAY_OFF)
    assert (
        deadline_state(due=D(2026, 3, 11), on=D(2026, 3, 9)) == DeadlineState.DUE_SOON
    )


def test_deadline_state_has_a_label_for_templates():
    state = deadline_state(due=D(2026, 3, 9), on=D(2026, 3, 10))
    assert state == "overdue"
    assert str(state.label)


class Row:
    def __init__(self, due_on, clock_paused_on=None):
        self.due_on = due_on
        self.clock_paused_on = clock_paused_on


@pytest.mark.parametrize("count", [3, 60])
def test_a_list_of_deadlines_is_annotated_in_one_query(
    count, django_assert_max_num_queries
):
    on = D(2026, 3, 6)
    rows = [
        Row(D(2026, 3, 9)),
        Row(D(2026, 4, 30)),
        Row(D(2026, 3, 5)),
        Row(None),
        Row(D(2026, 3, 9), clock_paused_on=D(2026, 3, 2)),
    ]
    rows += [Row(on + datetime.timedelta(days=n % 90)) for n in range(count)]
    with django_assert_max_num_queries(1):
        annotated = deadline_annotate(rows=rows, on=on)
    assert [row.deadline_state for row in annotated[:5]] == [
        DeadlineState.DUE_SOON,
        DeadlineState.ON_TIME,
        DeadlineState.OVERDUE,
        DeadlineState.NONE,
        DeadlineState.STOPPED,
    ]
    assert len(annotated) == count + 5


# Admin


def test_an_administrator_declares_a_day_in_the_admin(admin_client):
    response = admin_client.post(
        reverse("admin:appraisal_calendarday_add"),
        {
            "date": "2026-03-14",
            "kind": "working_day",
            "note": "Làm bù",
            "legal_basis": "",
        },
    )
    assert response.status_code == 302
    assert working_days_add(start=D(2026, 3, 13), days=1) == D(2026, 3, 14)


def test_the_admin_refuses_a_make_up_day_that_is_already_worked(admin_client):
    response = admin_client.post(
        reverse("admin:appraisal_calendarday_add"),
        {"date": "2026-03-17", "kind": "working_day", "note": "", "legal_basis": ""},
    )
    assert response.status_code == 200
    assert not CalendarDay.objects.exists()


def test_processing_times_are_listed_in_the_admin(admin_client):
    response = admin_client.get(reverse("admin:appraisal_processingtime_changelist"))
    assert response.status_code == 200
    assert "106/2020" in response.content.decode()
