"""Automatic checks of an application against Art. 7 and Art. 8 (DOMAIN.md §4)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from handlers.checks import Art8Thresholds, Thresholds, failed_results, overall, run_checks

SUBMITTED = date(2024, 3, 15)
JUDGMENT_RULES = ["7.1a", "7.1d", "7.2e", "7.3a", "7.4a", "7.4b", "7.5c"]
# Art. 8's non-numeric requirements of every function, confirmed by the county
CHECKLISTS_CONFIRMED = {f"8.{n}.checklist": True for n in (1, 2, 3, 4, 6, 7)}


def application(**changes: Any) -> dict[str, Any]:
    """An enterprise application that meets every computed condition, with no warnings."""
    app: dict[str, Any] = {
        "unit_name": "聊城市中小企业服务中心有限公司",
        "unit_nature": "enterprise",
        "registration_date": "2019-06-01",
        "total_assets_wan": 500,
        "smes_served_last_year": 120,
        "smes_titled_served": 6,
        "satisfaction_rate": 95,
        "yearly": [
            {"year": 2021, "smes_served": 90},
            {"year": 2022, "smes_served": 100},
            {"year": 2023, "smes_served": 120},
        ],
        "partner_agencies": 3,
        "low_fee_share": 12,
        "staff_total": 20,
        "staff_qualified": 17,
        "functions": [{"function": "training", "trainees": 900}],
        "staff_list": [{"name": f"员工{i}"} for i in range(20)],
        "served_list": [
            {"enterprise": f"企业{i}", "titled": i < 6, "satisfied": i < 114} for i in range(120)
        ],
    }
    app.update(changes)
    return app


def check(app: dict[str, Any], thresholds: Thresholds | None = None,
          art8: Art8Thresholds | None = None, submitted: date = SUBMITTED) -> list[dict[str, Any]]:
    confirmations = app.get("confirmations") if isinstance(app.get("confirmations"), dict) else {}
    t = thresholds or Thresholds.for_nature(app.get("unit_nature"), confirmations.get("7.R"))
    return run_checks(app, t, art8 or Art8Thresholds(), submitted)


def rule(results: list[dict[str, Any]], rule_id: str) -> dict[str, Any]:
    matching = [r for r in results if r["rule"] == rule_id]
    assert len(matching) == 1, f"{rule_id}: {matching}"
    return matching[0]


# --- the whole application ---------------------------------------------------------------------


def test_a_complete_enterprise_application_meets_art7_and_art8_pending_the_checklist():
    results = check(application())
    summary = overall(results)
    assert summary == {
        "eligible": True,
        "failed_rules": [],
        "pending_judgment": JUDGMENT_RULES + ["8.4.checklist"],
        "rejected_judgment": [],
        "warnings": [],
    }
    json.dumps(results)  # merged into task data: JSON-shaped only


def test_every_result_cites_its_article_and_has_the_canonical_keys():
    for r in check(application()):
        assert set(r) == {"rule", "article", "passed", "value", "threshold", "message", "kind"}
        assert r["article"].startswith(("第七条", "第八条", "附件2"))
        assert r["message"]


def test_art7_results_come_in_article_order():
    rules = [r["rule"] for r in check(application()) if r["rule"].startswith("7.")]
    assert rules == ["7.1a", "7.1b", "7.1c", "7.1d", "7.2a", "7.2b", "7.2c", "7.2d", "7.2e", "7.3a",
                     "7.3b", "7.4a", "7.4b", "7.4c", "7.5a", "7.5b", "7.5c"]


def test_an_empty_application_fails_every_computed_rule_without_raising():
    results = check({})
    summary = overall(results)
    assert summary["eligible"] is False
    assert summary["failed_rules"] == ["7.1b", "7.1c", "7.2a", "7.2b", "7.2c", "7.2d", "7.3b",
                                       "7.4c", "7.5a", "7.5b", "8"]
    assert "registration_date" in rule(results, "7.1b")["message"]
    assert "total_assets_wan" in rule(results, "7.1c")["message"]


def test_garbage_shapes_give_failed_results_not_exceptions():
    app = application(yearly=[None, "x"], functions="training", served_list="many",
                      staff_list=None, confirmations=["7.1a"], satisfaction_rate=[95])
    results = check(app)
    assert rule(results, "7.2d")["passed"] is False
    assert rule(results, "8")["passed"] is False
    assert rule(results, "7.2c")["passed"] is False
    assert rule(results, "annex2.staff_list")["passed"] is False


# --- Art. 7(一) ---------------------------------------------------------------------------------


def test_art7_1_registered_exactly_two_years_before_submission_counts_as_two_years():
    assert rule(check(application(registration_date="2022-03-15")), "7.1b")["passed"] is True


def test_art7_1_registered_one_day_short_of_two_years_fails():
    result = rule(check(application(registration_date="2022-03-16")), "7.1b")
    assert result["passed"] is False
    assert result["threshold"] == "2022-03-15"


def test_art7_1_two_years_before_a_leap_day_submission_is_28_february():
    leap = date(2024, 2, 29)
    assert rule(check(application(registration_date="2022-02-28"), submitted=leap),
                "7.1b")["passed"] is True
    assert rule(check(application(registration_date="2022-03-01"), submitted=leap),
                "7.1b")["passed"] is False


def test_art7_1_unreadable_registration_date_fails_naming_the_field():
    result = rule(check(application(registration_date="2019年6月")), "7.1b")
    assert result["passed"] is False
    assert "registration_date" in result["message"]


@pytest.mark.parametrize(("nature", "assets", "passed"), [
    ("enterprise", 199.99, False),
    ("enterprise", 200, True),
    ("enterprise", 100, False),
    ("public_institution", 100, True),
    ("public_institution", 99.99, False),
    ("social_organization", 100, True),
    ("social_organization", 99.99, False),
])
def test_art7_1_total_assets_at_least_200_wan_or_100_for_a_relaxed_host(nature, assets, passed):
    # the relaxed column with its condition confirmed (7.R; an enterprise has no 7.R item)
    app = application(unit_nature=nature, total_assets_wan=assets, confirmations={"7.R": True})
    result = rule(check(app), "7.1c")
    assert result["passed"] is passed
    assert result["value"] == assets


def test_art7_1_total_assets_given_as_text_is_read_as_a_number():
    assert rule(check(application(total_assets_wan="200")), "7.1c")["passed"] is True


@pytest.mark.parametrize(("value", "fragment"), [
    (None, "缺少"), ("", "缺少"), ("两百万", "不是有效数字"), (True, "不是有效数字"),
    (-5, "不能为负数"), (float("nan"), "不是有效数字"),
])
def test_art7_1_missing_or_bad_assets_fail_naming_the_field(value, fragment):
    result = rule(check(application(total_assets_wan=value)), "7.1c")
    assert result["passed"] is False
    assert fragment in result["message"] and "total_assets_wan" in result["message"]


# --- Art. 7(二) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "rule_id", "below", "at"), [
    ("smes_served_last_year", "7.2a", 79, 80),
    ("smes_titled_served", "7.2b", 4, 5),
    ("satisfaction_rate", "7.2c", 89.9, 90),
    ("partner_agencies", "7.3b", 2, 3),
    ("low_fee_share", "7.4c", 9.99, 10),
])
def test_art7_thresholds_include_the_number_itself(field, rule_id, below, at):
    assert rule(check(application(**{field: below})), rule_id)["passed"] is False
    assert rule(check(application(**{field: at})), rule_id)["passed"] is True


def test_art7_2_enterprise_counts_must_be_whole_numbers():
    result = rule(check(application(smes_served_last_year=80.5)), "7.2a")
    assert result["passed"] is False and "整数" in result["message"]


@pytest.mark.parametrize(("field", "rule_id"), [("satisfaction_rate", "7.2c"),
                                                ("low_fee_share", "7.4c")])
def test_art7_percentages_above_100_are_refused(field, rule_id):
    result = rule(check(application(**{field: 100.5})), rule_id)
    assert result["passed"] is False and "100" in result["message"]


def yearly(*served: int, first: int = 2021) -> list[dict[str, int]]:
    return [{"year": first + i, "smes_served": n} for i, n in enumerate(served)]


@pytest.mark.parametrize(("rows", "passed"), [
    (yearly(90, 100, 120), True),
    (yearly(90, 100, 100), False),
    (yearly(100, 100, 120), True),  # 7.2d compares the last full year with the year before only
    (yearly(120, 100, 130), True),
    (yearly(200, 90, 100, 120, first=2020), True),
    (yearly(100, 120), True),  # two years of figures suffice (a unit operating just over two years)
    (yearly(120, 100), False),
    (yearly(120), False),
])
def test_art7_2d_last_full_year_served_more_than_the_year_before(rows, passed):
    assert rule(check(application(yearly=rows)), "7.2d")["passed"] is passed


def test_art7_2d_earlier_years_are_shown_as_the_trend_but_do_not_decide():
    result = rule(check(application(yearly=yearly(130, 100, 120))), "7.2d")
    assert result["passed"] is True
    assert [v["year"] for v in result["value"]] == [2021, 2022, 2023]
    assert "2022年 100 家、2023年 120 家" in result["message"] and "2021年 130 家" in result["message"]


def test_art7_2_growth_is_read_in_year_order_whatever_the_row_order():
    rows = list(reversed(yearly(90, 100, 120)))
    result = rule(check(application(yearly=rows)), "7.2d")
    assert result["passed"] is True
    assert [v["year"] for v in result["value"]] == [2021, 2022, 2023]


def test_art7_2_growth_needs_consecutive_distinct_years():
    gap = [{"year": 2019, "smes_served": 80}, {"year": 2021, "smes_served": 90},
           {"year": 2023, "smes_served": 100}]  # the last two are not consecutive
    assert "连续" in rule(check(application(yearly=gap)), "7.2d")["message"]
    dup = yearly(90, 100, 120) + [{"year": 2023, "smes_served": 130}]
    assert "重复" in rule(check(application(yearly=dup)), "7.2d")["message"]


def test_art7_2_growth_row_without_smes_served_fails_naming_the_row():
    rows = yearly(90, 100, 120)
    del rows[1]["smes_served"]
    result = rule(check(application(yearly=rows)), "7.2d")
    assert result["passed"] is False and "yearly[1].smes_served" in result["message"]


# --- Art. 7(五) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("nature", "staff", "qualified", "passed"), [
    ("enterprise", 9, 9, False),
    ("enterprise", 10, 10, True),
    ("public_institution", 5, 5, True),
    ("public_institution", 4, 4, False),
    ("social_organization", 5, 5, True),
])
def test_art7_5_staff_at_least_10_or_5_for_a_relaxed_host(nature, staff, qualified, passed):
    app = application(unit_nature=nature, staff_total=staff, staff_qualified=qualified,
                      confirmations={"7.R": True})
    assert rule(check(app), "7.5a")["passed"] is passed


@pytest.mark.parametrize(("qualified", "total", "passed"), [
    (8, 10, True), (4, 5, True), (7, 9, False), (799, 1000, False), (800, 1000, True),
])
def test_art7_5_qualified_staff_share_at_least_80_percent(qualified, total, passed):
    app = application(staff_total=total, staff_qualified=qualified)
    assert rule(check(app), "7.5b")["passed"] is passed


def test_art7_5_more_qualified_staff_than_staff_is_refused():
    result = rule(check(application(staff_total=10, staff_qualified=11)), "7.5b")
    assert result["passed"] is False and "staff_qualified" in result["message"]


def test_art7_5_share_of_zero_staff_fails_without_dividing_by_zero():
    assert rule(check(application(staff_total=0, staff_qualified=0)), "7.5b")["passed"] is False


def test_art7_5_share_without_qualified_count_fails_naming_the_field():
    app = application()
    del app["staff_qualified"]
    assert "staff_qualified" in rule(check(app), "7.5b")["message"]


# --- checklist items ----------------------------------------------------------------------------


def test_art7_checklist_items_wait_for_a_reviewer():
    results = check(application())
    for rule_id in JUDGMENT_RULES:
        result = rule(results, rule_id)
        assert result["kind"] == "judgment" and result["passed"] is None
        assert "待县级主管部门确认" in result["message"] and result["article"] in result["message"]


def test_art7_checklist_items_take_the_reviewers_confirmations():
    app = application(confirmations={"7.1a": True, "7.1d": False, "7.3a": "yes"})
    results = check(app)
    assert rule(results, "7.1a")["passed"] is True
    assert rule(results, "7.1d")["passed"] is False
    assert rule(results, "7.3a")["passed"] is None  # not a bool: still pending
    summary = overall(results)
    assert summary["rejected_judgment"] == ["7.1d"]
    assert summary["pending_judgment"] == ["7.2e", "7.3a", "7.4a", "7.4b", "7.5c", "8.4.checklist"]
    assert failed_results(results) == [{"rule": "7.1d", "article": "第七条(一)",
                                        "message": rule(results, "7.1d")["message"]}]


def test_art7_2e_reputation_and_7_5c_integrity_of_the_head_are_checklist_items():
    results = check(application(confirmations={"7.2e": False, "7.5c": True}))
    assert rule(results, "7.2e")["article"] == "第七条(二)" and "声誉和品牌影响力" in rule(results, "7.2e")["message"]
    assert rule(results, "7.5c")["passed"] is True and "诚信、守法" in rule(results, "7.5c")["message"]
    assert overall(results)["rejected_judgment"] == ["7.2e"]


def test_art7_relaxed_host_must_also_have_outstanding_results_judged_by_the_county():
    app = application(unit_nature="public_institution", total_assets_wan=150, staff_total=6, staff_qualified=6)
    results = check(app)
    result = rule(results, "7.R")
    assert result["kind"] == "judgment" and result["article"] == "第七条第二款" and result["passed"] is None
    assert "7.R" not in [r["rule"] for r in check(application())]
    # without 7.R the enterprise column applies, and the message says what 7.R would change
    assert rule(results, "7.1c")["passed"] is False and "7.R" in rule(results, "7.1c")["message"]
    assert rule(results, "7.5a")["passed"] is False
    confirmed = check(application(unit_nature="public_institution", total_assets_wan=150, staff_total=6,
                                  staff_qualified=6, confirmations={"7.R": True}))
    assert rule(confirmed, "7.1c")["passed"] is True and rule(confirmed, "7.5a")["passed"] is True


# --- thresholds from the DMN table --------------------------------------------------------------


def test_thresholds_from_a_dmn_result_replace_the_defaults():
    t = Thresholds.from_mapping({"assets_min_wan": 150, "staff_min": "8", "rule_set": "2021"})
    assert t.assets_min_wan == 150 and t.staff_min == 8 and t.smes_served_min == 80
    assert rule(check(application(total_assets_wan=150), t), "7.1c")["passed"] is True


def test_thresholds_for_nature_carry_the_relaxed_column_only_with_its_condition():
    assert Thresholds.for_nature("public_institution", True).assets_min_wan == 100
    assert Thresholds.for_nature("social_organization", True).staff_min == 5
    assert Thresholds.for_nature("public_institution") == Thresholds()  # 7.R not confirmed
    assert Thresholds.for_nature("enterprise", True) == Thresholds()
    assert Thresholds.for_nature("enterprise") == Thresholds()
    assert Thresholds.for_nature(None) == Thresholds()


@pytest.mark.parametrize("values", [{"assets_min_wan": "many"}, {"staff_min": -1},
                                    {"operating_years_min": 2.5}, {"titled_min": True}])
def test_bad_threshold_configuration_raises(values):
    with pytest.raises(ValueError):
        Thresholds.from_mapping(values)


def test_operating_years_from_the_dmn_is_used_for_the_date_rule():
    t = Thresholds.from_mapping({"operating_years_min": 3.0})
    assert t.operating_years_min == 3
    assert rule(check(application(registration_date="2022-03-15"), t), "7.1b")["passed"] is False


# --- Art. 8 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("row", "rule_id", "passed"), [
    ({"function": "information", "offline_smes_served": 80, "activities": 5}, "8.1", True),
    ({"function": "information", "offline_smes_served": 79, "activities": 5}, "8.1", False),
    ({"function": "information", "offline_smes_served": 80, "activities": 4}, "8.1", False),
    ({"function": "technology", "activities": 5}, "8.2", True),
    ({"function": "technology", "activities": 4}, "8.2", False),
    ({"function": "startup", "activities": 5}, "8.3", True),
    ({"function": "startup", "activities": 4}, "8.3", False),
    ({"function": "training", "trainees": 800}, "8.4", True),
    ({"function": "training", "trainees": 799}, "8.4", False),
    ({"function": "financing", "activities": 5, "financing_yi": 3}, "8.5", True),
    ({"function": "financing", "activities": 5, "financing_yi": 2.99}, "8.5", False),
    ({"function": "financing", "activities": 4, "financing_yi": 30}, "8.5", False),
    ({"function": "financing", "is_guarantee_institution": True, "new_guarantee_yi": 10,
      "activities": 0, "financing_yi": 0}, "8.5", True),
    ({"function": "financing", "is_guarantee_institution": True, "new_guarantee_yi": 10},
     "8.5", True),
    ({"function": "financing", "is_guarantee_institution": True, "new_guarantee_yi": 9.99},
     "8.5", False),
    ({"function": "financing", "is_guarantee_institution": False, "new_guarantee_yi": 20},
     "8.5", False),
    ({"function": "consulting", "activities": 4}, "8.6", True),
    ({"function": "consulting", "activities": 3}, "8.6", False),
    ({"function": "legal", "activities": 4}, "8.7", True),
    ({"function": "legal", "activities": 3}, "8.7", False),
])
def test_art8_each_function_at_and_below_its_yearly_threshold(row, rule_id, passed):
    results = check(application(functions=[row], confirmations=CHECKLISTS_CONFIRMED))
    assert rule(results, rule_id)["passed"] is passed
    assert rule(results, "8")["passed"] is passed


def test_art8_a_function_counts_with_its_numbers_and_its_checklist():
    row = {"function": "startup", "activities": 6}
    pending = check(application(functions=[row]))
    assert rule(pending, "8.3")["passed"] is None and "《创业指南》" in rule(pending, "8.3.checklist")["message"]
    assert rule(pending, "8")["passed"] is None and overall(pending)["failed_rules"] == []
    assert "8.3.checklist" in overall(pending)["pending_judgment"]
    refused = check(application(functions=[row], confirmations={"8.3.checklist": False}))
    assert rule(refused, "8.3")["passed"] is False and rule(refused, "8")["passed"] is False
    assert overall(refused)["failed_rules"] == ["8"]
    met = check(application(functions=[row], confirmations={"8.3.checklist": True}))
    assert rule(met, "8.3")["passed"] is True and rule(met, "8")["passed"] is True
    # financing (8.5) has no checklist; a function not claimed has no checklist item
    assert [r["rule"] for r in met if r["rule"].endswith(".checklist")] == ["8.3.checklist"]


def test_art8_one_function_met_is_enough():
    functions = [{"function": "legal", "activities": 1}, {"function": "training", "trainees": 800}]
    results = check(application(functions=functions, confirmations=CHECKLISTS_CONFIRMED))
    assert rule(results, "8.7")["passed"] is False
    overall8 = rule(results, "8")
    assert overall8["passed"] is True and overall8["value"] == ["8.4"]
    assert overall(results)["eligible"] is True


def test_art8_no_function_met_makes_the_application_ineligible():
    results = check(application(functions=[{"function": "legal", "activities": 3}]))
    summary = overall(results)
    assert summary["eligible"] is False and summary["failed_rules"] == ["8"]


def test_art8_no_declared_function_fails():
    assert rule(check(application(functions=[])), "8")["passed"] is False


def test_art8_unknown_function_is_reported_and_fails():
    result = rule(check(application(functions=[{"function": "catering"}])), "8.unknown")
    assert result["passed"] is False and "catering" in result["message"]


def test_art8_missing_activity_count_fails_naming_the_field():
    result = rule(check(application(functions=[{"function": "technology"}])), "8.2")
    assert result["passed"] is False and "functions[0].activities" in result["message"]


def test_art8_thresholds_from_a_dmn_result():
    t8 = Art8Thresholds.from_mapping({"training_trainees_min": 500})
    results = check(application(functions=[{"function": "training", "trainees": 500}],
                                confirmations=CHECKLISTS_CONFIRMED), art8=t8)
    assert rule(results, "8.4")["passed"] is True
    with pytest.raises(ValueError):
        Art8Thresholds.from_mapping({"legal_activities_min": "four"})


# --- warnings: 附件2 list sizes and cross-checks ---------------------------------------------------


def test_annex2_staff_list_under_20_and_served_list_under_120_are_warnings_only():
    app = application(staff_list=[{"name": "甲"}] * 19, served_list=application()["served_list"][:119])
    results = check(app)
    assert rule(results, "annex2.staff_list")["passed"] is False
    assert rule(results, "annex2.served_list")["passed"] is False
    summary = overall(results)
    assert "annex2.staff_list" in summary["warnings"] and "annex2.served_list" in summary["warnings"]
    assert summary["eligible"] is True


def test_cross_check_served_list_length_against_smes_served_last_year():
    results = check(application(smes_served_last_year=130))
    assert rule(results, "cross.served_count")["passed"] is False
    assert rule(results, "cross.served_count")["kind"] == "warning"


def test_cross_check_satisfaction_of_the_served_list_within_5_points():
    # The served list gives 95 %.
    assert rule(check(application(satisfaction_rate=90)), "cross.satisfaction")["passed"] is True
    assert rule(check(application(satisfaction_rate=100)), "cross.satisfaction")["passed"] is True
    assert rule(check(application(satisfaction_rate=89.9)), "cross.satisfaction")["passed"] is False


def test_cross_check_satisfaction_reads_textual_ratings_too():
    served = [{"enterprise": f"企业{i}", "titled": i < 6,
               "satisfaction": "satisfied" if i < 96 else "unsatisfied"} for i in range(120)]
    result = rule(check(application(served_list=served)), "cross.satisfaction")
    assert result["value"] == 80.0 and result["passed"] is False


def test_cross_check_staff_list_length_and_titled_count():
    results = check(application(staff_total=25, smes_titled_served=8))
    assert rule(results, "cross.staff_count")["passed"] is False
    assert rule(results, "cross.titled_count")["passed"] is False
    assert rule(results, "cross.titled_count")["value"] == 6


def test_cross_checks_are_left_out_when_the_list_is_missing():
    app = application()
    del app["served_list"]
    rules = [r["rule"] for r in check(app)]
    assert "cross.served_count" not in rules and "cross.satisfaction" not in rules
    assert rule(check(app), "annex2.served_list")["passed"] is False
