"""Service-task entry points of the recognition procedure, as the engine calls them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from handlers.credit_code import make_credit_code
from handlers.registry import HandlerContext, get_handler, handler_names

NOW = datetime(2024, 3, 15, 9, 30)
CODE = make_credit_code("9137150012345678")


class FakeLookups:
    def __init__(self, facts: dict[str, Any]):
        self.facts = facts
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def query(self, name: str, **params: Any) -> Any:
        self.calls.append((name, params))
        return self.facts.get(name, [])


def ctx(lookups: FakeLookups | None = None, business_key: str | None = None) -> HandlerContext:
    if lookups is None:
        return HandlerContext(now=NOW, business_key=business_key)
    return HandlerContext(now=NOW, business_key=business_key, lookups=lookups)


def application(**changes: Any) -> dict[str, Any]:
    app: dict[str, Any] = {
        "credit_code": CODE, "round_id": "2024", "unit_nature": "enterprise",
        "registration_date": "2020-01-01", "total_assets_wan": 150,
        "smes_served_last_year": 80, "smes_titled_served": 5, "satisfaction_rate": 90,
        "yearly": [{"year": 2021, "smes_served": 60}, {"year": 2022, "smes_served": 70},
                   {"year": 2023, "smes_served": 80}],
        "partner_agencies": 3, "low_fee_share": 10, "staff_total": 10, "staff_qualified": 8,
        "functions": [{"function": "consulting", "activities": 4}],
    }
    app.update(changes)
    return app


def test_the_recognition_handlers_are_registered():
    assert {"art7_art8_checks", "check_eligibility", "draw_survey_sample",
            "survey_result"} <= set(handler_names())


def test_checks_use_the_measures_defaults_when_no_dmn_thresholds_are_given():
    out = get_handler("art7_art8_checks")(application(), ctx())
    json.dumps(out)
    assert out["check_summary"]["failed_rules"] == ["7.1c"]  # 150 万元 < 200 for an enterprise


def test_checks_use_the_relaxed_defaults_for_a_public_institution_only_with_7R_confirmed():
    out = get_handler("art7_art8_checks")(application(unit_nature="public_institution"), ctx())
    assert out["check_summary"]["failed_rules"] == ["7.1c"]  # 7.R not confirmed: enterprise column
    assert "7.R" in out["check_summary"]["pending_judgment"]
    out = get_handler("art7_art8_checks")(application(unit_nature="public_institution", relaxed_confirmed=True),
                                          ctx())
    assert out["check_summary"]["eligible"] is True


def test_checks_use_the_thresholds_of_the_dmn_decision():
    data = application(thresholds={"assets_min_wan": 100, "staff_min": 5},
                       art8_thresholds={"consulting_activities_min": 5})
    summary = get_handler("art7_art8_checks")(data, ctx())["check_summary"]
    assert summary["failed_rules"] == ["8"]


def test_checks_count_two_years_of_operation_back_from_today():
    out = get_handler("art7_art8_checks")(application(registration_date="2022-03-16"), ctx())
    assert "7.1b" in out["check_summary"]["failed_rules"]


def test_checks_with_a_malformed_threshold_configuration_raise():
    with pytest.raises(ValueError):
        get_handler("art7_art8_checks")(application(thresholds=[200]), ctx())


def test_eligibility_looks_up_the_units_applications_and_register_entries():
    lookups = FakeLookups({
        "applications_of": [{"round_id": "2024", "business_key": "LC-2024-0001"}],
        "register_entries_of": [],
    })
    out = get_handler("check_eligibility")({"credit_code": CODE, "round_id": "2024"},
                                           ctx(lookups, business_key="LC-2024-0002"))
    assert out["eligible"] is False
    assert [r["rule"] for r in out["eligibility_reasons"]] == ["one_per_round"]
    assert lookups.calls == [("applications_of", {"credit_code": CODE}),
                             ("register_entries_of", {"credit_code": CODE})]


def test_eligibility_ignores_the_current_application():
    lookups = FakeLookups({"applications_of": [{"round_id": "2024", "business_key": "LC-2024-0002"}]})
    out = get_handler("check_eligibility")({"credit_code": CODE, "round_id": "2024"},
                                           ctx(lookups, business_key="LC-2024-0002"))
    assert out == {"eligible": True, "eligibility_reasons": []}


def test_eligibility_of_a_malformed_credit_code_is_no_art15_result():
    # a malformed code is refused at form entry; eligibility does not turn it into an Art. 15 reason
    lookups = FakeLookups({"applications_of": [], "register_entries_of": []})
    out = get_handler("check_eligibility")({"credit_code": "123", "round_id": "2024"}, ctx(lookups))
    assert out == {"eligible": True, "eligibility_reasons": []}
    out = get_handler("check_eligibility")({"round_id": "2024"}, ctx(lookups))
    assert out == {"eligible": True, "eligibility_reasons": []}


def test_eligibility_without_a_round_is_a_process_error():
    with pytest.raises(ValueError):
        get_handler("check_eligibility")({"credit_code": CODE}, ctx(FakeLookups({})))


def test_sample_draw_returns_the_seed_and_is_reproducible():
    served = [{"enterprise": f"企业{i}"} for i in range(30)]
    first = get_handler("draw_survey_sample")({"served_list": served}, ctx())
    assert len(first["survey_sample"]) == 10 and isinstance(first["sample_seed"], int)
    again = get_handler("draw_survey_sample")(
        {"served_list": served, "sample_seed": first["sample_seed"]}, ctx())
    assert again["survey_sample"] == first["survey_sample"]
    json.dumps(first)


def test_sample_draw_from_a_short_list_reports_an_error_without_raising():
    out = get_handler("draw_survey_sample")({"served_list": [{"enterprise": "甲"}] * 9}, ctx())
    assert out["survey_sample"] == [] and out["survey_sample_errors"][0]["field"] == "served_list"


def test_sample_size_below_ten_is_a_configuration_error():
    with pytest.raises(ValueError):
        get_handler("draw_survey_sample")({"served_list": [], "sample_size": 9}, ctx())


def test_survey_result_gives_satisfaction_and_errors():
    samples = [{"enterprise": f"企业{i}", "person": "李四", "post": "经理", "phone": "13800000000",
                "service": "法律体检", "rating": "very_satisfied" if i < 9 else "unsatisfied"}
               for i in range(10)]
    out = get_handler("survey_result")({"survey": {"method": "visit", "samples": samples}}, ctx())
    assert out == {"survey_satisfaction": 90.0, "survey_errors": []}


def test_survey_result_with_a_bad_rating_has_no_satisfaction():
    out = get_handler("survey_result")(
        {"survey": {"method": "visit", "samples": [{"rating": "meh"}]}}, ctx())
    assert out["survey_satisfaction"] is None and out["survey_errors"]
    out = get_handler("survey_result")({}, ctx())
    assert out["survey_satisfaction"] is None and out["survey_errors"][0]["field"] == "survey"
