"""Unit tests of the recognition step handlers (pure, with fake lookups)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from handlers.recognition_steps import (
    DEFAULT_REQUIRED,
    assess_submission,
    beijing_date,
    check_materials,
    check_review_form,
    expert_panel_outcome,
    grant_data,
    grant_recognition,
    missing_materials,
    panel_result,
    resolve_round,
)
from handlers.registry import HandlerContext, handler_names

NOW = datetime(2026, 10, 9, 16, 0, 1, tzinfo=UTC)  # 2026-10-10 00:00:01 in Beijing


class FakeLookups:
    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def query(self, name: str, **params: Any) -> Any:
        self.calls.append((name, params))
        return self.answers[name]


def ctx(**answers: Any) -> HandlerContext:
    return HandlerContext(now=NOW, business_key="RECOGNITION-2026-00001", lookups=FakeLookups(**answers),
                          settings={"certificate_format": "LCSME-{year}-{seq:03d}"})


def test_handlers_are_registered():
    names = set(handler_names())
    assert {"resolve_round", "check_materials", "assess_submission", "check_review_form",
            "expert_panel_outcome", "grant_recognition"} <= names


def test_beijing_date_is_not_the_utc_date():
    assert NOW.date() == date(2026, 10, 9)
    assert beijing_date(NOW) == date(2026, 10, 10)


def test_resolve_round_open_and_missing():
    found = {"id": 3, "year": 2026, "name": "2026", "submission_deadline": "2026-12-31"}
    out = resolve_round({}, ctx(open_round=found))
    assert out["round_id"] == 3 and out["submission_deadline"] == "2026-12-31"
    out = resolve_round({}, ctx(open_round=None))
    assert out["round_id"] is None and out["ineligible_reasons"][0]["article"] == "第十五条"


def test_missing_materials_in_binding_order():
    assert DEFAULT_REQUIRED == tuple(f"m{i:02d}" for i in range(3, 14))
    assert [m["mkey"] for m in missing_materials(["m03", "m05", "m04"], ["m05"])] == ["m03", "m04"]
    out = check_materials({"required_materials": ["m03", "m13"]}, ctx(materials_of=["m03"]))
    assert [m["mkey"] for m in out["materials_missing"]] == ["m13"]
    assert "第十二条" in out["materials_message"]
    out = check_materials({}, ctx(materials_of=list(DEFAULT_REQUIRED)))
    assert out == {"materials_missing": [], "materials_message": ""}


def _summary(failed: list[str]) -> dict[str, Any]:
    return {"eligible": not failed, "failed_rules": failed}


def test_assess_submission_collects_reasons_with_articles():
    data = {"eligibility_reasons": [{"rule": "banned", "article": "第二十一条", "message": "禁止"}],
            "check_results": [{"rule": "7.1c", "article": "第七条(一)", "passed": False, "message": "资产不足",
                               "kind": "computed"},
                              {"rule": "8", "article": "第八条", "passed": False, "message": "无功能",
                               "kind": "computed"}],
            "check_summary": _summary(["7.1c", "8"]), "submission_deadline": "2026-12-31"}
    out = assess_submission(data, ctx())
    # the Art. 21 bar ends the application; the computed Art. 7/8 failures go to the county flagged
    assert out["qualified"] is False
    assert [(r["rule"], r["article"]) for r in out["ineligible_reasons"]] == [("banned", "第二十一条")]
    assert [(r["rule"], r["article"]) for r in out["flagged_rules"]] == [("7.1c", "第七条(一)"), ("8", "第八条")]
    assert out["decline_reasons"] == out["flagged_rules"]
    assert "第七条(一) 7.1c：资产不足" in out["county_opinion"]
    data = {"check_results": data["check_results"], "submission_deadline": "2026-12-31"}
    out = assess_submission(data, ctx())
    assert out["qualified"] is True and out["submitted_at"] == NOW.isoformat()
    assert [r["rule"] for r in out["flagged_rules"]] == ["7.1c", "8"]


@pytest.mark.parametrize(("deadline", "closed"), [("2026-10-10", False), ("2026-10-09", True)])
def test_assess_submission_deadline_is_a_beijing_date(deadline, closed):
    out = assess_submission({"check_results": [], "check_summary": _summary([]), "submission_deadline": deadline},
                            ctx())
    assert out["qualified"] is (not closed)


def test_review_form_rules():
    c = ctx(expert_usernames=["expert1", "expert2"])
    assert check_review_form({"review_action": "supplement", "review_reasons": " "}, c)["review_errors"]
    ok = {"review_errors": []}
    assert check_review_form({"review_action": "supplement", "review_reasons": "补充审计报告"}, c) == ok
    assert check_review_form({"review_action": "reject"}, c)["review_errors"][0]["field"] == "review_reasons"
    assert check_review_form({"review_action": "proceed", "experts": []}, c)["review_errors"]
    assert check_review_form({"review_action": "proceed", "experts": ["expert1", "expert1"]}, c)["review_errors"]
    assert "x" in check_review_form({"review_action": "proceed", "experts": ["x"]}, c)["review_errors"][0]["message"]
    assert check_review_form({"review_action": "proceed", "experts": ["expert1", "expert2"]}, c) == ok


def _reviews(*verdicts: str) -> list[dict[str, Any]]:
    return [{"expert": f"e{i}", "verdict": v, "score": 80 + i} for i, v in enumerate(verdicts)]


def test_panel_all_must_approve_by_default():
    assert panel_result(_reviews("approve", "approve"), 1.0)["passed"] is True
    assert panel_result(_reviews("approve", "reject"), 1.0)["passed"] is False
    assert panel_result([], 1.0)["passed"] is False


def test_panel_pass_ratio_is_inclusive():
    assert panel_result(_reviews("approve", "approve", "reject"), 2 / 3)["passed"] is True
    assert panel_result(_reviews("approve", "reject", "reject"), 2 / 3)["passed"] is False
    summary = panel_result(_reviews("approve", "approve", "reject"), 0.6)
    assert summary["approvals"] == 2 and summary["mean_score"] == 81.0 and "60%" in summary["message"]
    with pytest.raises(ValueError):
        panel_result(_reviews("approve"), 0)


def test_expert_panel_outcome_reads_the_diagram_ratio():
    data = {"expert_reviews": _reviews("approve", "reject", "approve"), "expert_pass_ratio": 0.5}
    assert expert_panel_outcome(data, ctx())["panel_passed"] is True
    data["expert_pass_ratio"] = 1.0
    assert expert_panel_outcome(data, ctx())["panel_passed"] is False
    with pytest.raises(ValueError):
        expert_panel_outcome({"expert_reviews": [], "expert_pass_ratio": "all"}, ctx())


def test_grant_certificate_and_validity():
    assert grant_data(date(2024, 2, 29), 7) == {
        "certificate_no": "LCSME-2024-007", "certificate_year": 2024, "certificate_seq": 7,
        "valid_from": "2024-02-29", "valid_to": "2027-02-28"}
    c = ctx(next_certificate_seq=12)
    out = grant_recognition({}, c)
    assert out["certificate_no"] == "LCSME-2026-012"
    assert out["valid_from"] == "2026-10-10" and out["valid_to"] == "2029-10-10"
    assert c.lookups.calls == [("next_certificate_seq", {"year": 2026})]  # type: ignore[attr-defined]
    custom = HandlerContext(now=NOW, lookups=FakeLookups(next_certificate_seq=1),
                            settings={"certificate_format": "聊示范〔{year}〕{seq}号"})
    assert grant_recognition({}, custom)["certificate_no"] == "聊示范〔2026〕1号"
