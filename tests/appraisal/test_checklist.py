"""The computed appraisal checks (issue 3 §4) as the appraiser sees them."""

from appraisal import services as svc
from appraisal.models import Attachment, LeadershipLimit, UnitQuota
from appraisal.services.checklist import checklist_compute
from orgchart.models import LadderLevel
from tests.appraisal.project_fixtures import *  # noqa: F403
from tests.factories import CatalogueEntryFactory, JobPositionFactory


def results(project) -> dict:
    return {r.code: r for r in checklist_compute(project=project)}


def save_lines(project, people, lines):
    svc.project_lines_save(project=project, actor=people["officer"], lines=lines)


def test_a_sound_dossier_passes_every_check(draft):
    checks = results(draft)
    assert list(checks) == [
        "rank_allowed",
        "positions_active",
        "unique_names",
        "leadership_limit",
        "attachments_present",
        "headcount_quota",
    ]
    assert all(check.passed for check in checks.values()), checks


def test_checklist_runs_in_a_fixed_number_of_queries(
    draft, people, ref, django_assert_max_num_queries
):
    save_lines(
        draft,
        people,
        [
            {
                "action": "add",
                "name": f"Vị trí {n}",
                "category": ref["specialised"],
                "rank": ref["specialist"],
                "headcount": 1,
            }
            for n in range(30)
        ],
    )
    with django_assert_max_num_queries(7):
        checks = checklist_compute(project=draft)
    assert len(checks) == 6


def test_a_rank_outside_the_catalogue_range_fails(draft, people, ref):
    save_lines(
        draft,
        people,
        [
            {
                "action": "add",
                "catalogue_entry": ref["entry"],  # principal specialist … officer
                "rank": ref["senior"],
                "headcount": 1,
            }
        ],
    )
    check = results(draft)["rank_allowed"]
    assert not check.passed
    assert "01.001" in check.detail and "TCBC-01" in check.detail


def test_a_catalogue_entry_for_another_kind_of_unit_fails(draft, people, ref):
    commune_only = CatalogueEntryFactory(
        code="XA-01",
        category=ref["specialised"],
        unit_kinds="commune_pc",
        highest_level=LadderLevel.PRINCIPAL_SPECIALIST,
        lowest_level=LadderLevel.OFFICER,
    )
    save_lines(
        draft,
        people,
        [
            {
                "action": "add",
                "catalogue_entry": commune_only,
                "rank": ref["specialist"],
                "headcount": 1,
            }
        ],
    )
    check = results(draft)["rank_allowed"]
    assert not check.passed and "XA-01" in check.detail


def test_lines_without_catalogue_entry_are_left_to_the_appraiser(draft, people, ref):
    save_lines(
        draft,
        people,
        [
            {
                "action": "add",
                "name": "Vị trí riêng",
                "category": ref["specialised"],
                "rank": ref["senior"],
                "headcount": 1,
            }
        ],
    )
    check = results(draft)["rank_allowed"]
    assert check.passed
    assert "1 line(s) have no catalogue entry" in check.detail


def test_a_position_ended_meanwhile_fails_the_active_check(draft, positions):
    import datetime

    from django.utils import timezone

    from orgchart.services import position_close

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    position_close(position=positions[1], last_day=yesterday)
    check = results(draft)["positions_active"]
    assert not check.passed
    assert positions[1].name in check.detail


def test_two_lines_on_one_position_fail(draft, people, positions):
    save_lines(
        draft,
        people,
        [
            {"action": "change", "position": positions[0], "headcount": 1},
            {"action": "end", "position": positions[0]},
        ],
    )
    check = results(draft)["positions_active"]
    assert not check.passed
    assert "another line already changes or ends" in check.detail


def test_a_new_name_clashing_with_a_kept_position_fails(draft, people, ref, positions):
    save_lines(
        draft,
        people,
        [
            {
                "action": "add",
                "name": "  chuyên viên kế hoạch ",
                "category": ref["specialised"],
                "rank": ref["specialist"],
                "headcount": 1,
            }
        ],
    )
    check = results(draft)["unique_names"]
    assert not check.passed
    assert "Chuyên viên kế hoạch" in check.detail


def test_a_name_freed_by_an_end_line_may_be_reused(draft, people, ref, positions):
    save_lines(
        draft,
        people,
        [
            {"action": "end", "position": positions[1]},
            {
                "action": "add",
                "name": positions[1].name,
                "category": ref["specialised"],
                "rank": ref["principal"],
                "headcount": 1,
            },
        ],
    )
    assert results(draft)["unique_names"].passed


def leadership_line(ref, headcount):
    return {
        "action": "add",
        "name": "Phó Giám đốc Sở",
        "category": ref["leadership"],
        "rank": ref["principal"],
        "headcount": headcount,
    }


def test_leadership_above_the_configured_limit_fails(draft, people, ref, units):
    JobPositionFactory(
        unit=units["a"], name="Giám đốc Sở", category=ref["leadership"], headcount=1
    )
    save_lines(draft, people, [leadership_line(ref, 4)])
    check = results(draft)["leadership_limit"]
    # The default for a department: a director and on average three deputies.
    assert not check.passed
    assert "5 leadership post(s)" in check.detail and "limit is 4" in check.detail
    save_lines(draft, people, [leadership_line(ref, 3)])
    assert results(draft)["leadership_limit"].passed


def test_the_leadership_limit_is_configurable_and_optional(draft, people, ref):
    save_lines(draft, people, [leadership_line(ref, 4)])
    LeadershipLimit.objects.filter(unit_kind="department").update(max_headcount=3)
    assert not results(draft)["leadership_limit"].passed
    LeadershipLimit.objects.filter(unit_kind="department").delete()
    check = results(draft)["leadership_limit"]
    assert check.passed and check.informational
    assert "no limit is configured" in check.detail


def test_missing_documents_fail(draft, people):
    svc.attachment_remove(
        attachment=draft.attachments.get(kind=Attachment.Kind.ESTABLISHMENT_DECISION),
        actor=people["officer"],
    )
    check = results(draft)["attachments_present"]
    assert not check.passed
    assert "functions and organisation" in check.detail


def test_headcount_is_informational_without_a_quota(draft):
    check = results(draft)["headcount_quota"]
    # 2 + 3 before; after: +2 added, the first changed to 3, the second ended.
    assert check.passed and check.informational
    assert "Headcount 5 before, 5 after" in check.detail
    assert "no payroll quota" in check.detail


def test_headcount_above_the_years_quota_fails(draft, units):
    from django.utils import timezone

    year = timezone.localdate().year
    UnitQuota.objects.create(unit=units["a"], year=year, headcount=4)
    check = results(draft)["headcount_quota"]
    assert not check.passed and not check.informational
    assert f"the quota for {year} is 4" in check.detail
    UnitQuota.objects.filter(unit=units["a"]).update(headcount=5)
    assert results(draft)["headcount_quota"].passed


def test_a_duplicate_the_establishment_already_had_is_only_reported(
    draft, people, ref, units
):
    """A position kept at two ranks under one name was approved like that; a
    dossier that does not add a third is not failed for it."""
    JobPositionFactory(
        unit=units["a"],
        name="Chuyên viên kế hoạch",
        category=ref["specialised"],
        rank=ref["principal"],
        headcount=1,
    )
    save_lines(
        draft,
        people,
        [
            {
                "action": "add",
                "name": "Chuyên viên pháp chế",
                "category": ref["specialised"],
                "rank": ref["specialist"],
                "headcount": 1,
            }
        ],
    )
    check = results(draft)
    assert check["unique_names"].passed
    assert "Already more than once before the change" in check["unique_names"].detail
    assert "Chuyên viên kế hoạch" in check["unique_names"].detail


def test_the_answers_form_feeds_the_report(draft, people):
    from appraisal.forms import ChecklistAnswersForm
    from appraisal.models import AppraisalReport, ChecklistCriterion
    from tests.appraisal.project_fixtures import advance

    advance(draft, people, "under_appraisal")
    codes = list(
        ChecklistCriterion.objects.filter(active=True).values_list("code", flat=True)
    )
    data = {f"result_{code}": "pass" for code in codes}
    data[f"result_{codes[0]}"] = "remark"
    data[f"note_{codes[0]}"] = "Cần bổ sung"
    form = ChecklistAnswersForm(data=data)
    assert form.is_valid(), form.errors
    svc.report_save(dossier=draft, actor=people["appraiser"], answers=form.answers())
    report = AppraisalReport.objects.get(dossier=draft)
    assert report.answers.count() == len(codes)
    again = ChecklistAnswersForm(report=report)
    assert again.initial[f"note_{codes[0]}"] == "Cần bổ sung"
