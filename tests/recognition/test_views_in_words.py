"""The recognition read side in words (processes/recognition/views.py): the applicant's steps and
outcomes, the checks without codes or data structures, objection receipts."""

from __future__ import annotations

from datetime import datetime

from processes.clock import CST
from processes.recognition.views import check_view, progress, receipt_of


def states(p: dict) -> dict[str, str]:
    return {s["key"]: s["state"] for s in p["steps"]}


def test_steps_while_the_application_runs():
    p = progress("at_county", {"submitted_at": "2026-09-28T09:00:00+08:00"})
    assert states(p) == {"apply": "done", "county": "current", "review": "todo", "onsite": "todo",
                         "experts": "todo", "publicity": "todo", "granted": "todo"}
    assert p["outcome"] is None and p["next_step"] == "由县级主管部门审核、测评并推荐"
    p = progress("supplement", {"county_decision": "recommend"})
    assert states(p)["review"] == "current" and p["steps"][2]["note"] == "补正中" and "申报单位" in p["next_step"]
    p = progress("publicity", {"review_action": "proceed", "onsite_check": False, "panel_summary": {"passed": True},
                               "publicity_start": "2026-09-28"}, datetime(2026, 10, 10, 23, 59, 59, tzinfo=CST))
    assert states(p)["onsite"] == "skipped" and p["steps"][5]["note"] == "截止 2026-10-10"
    decided = progress("under_review", {"county_decision": "recommend", "review_action": "proceed",
                                        "panel_summary": {"passed": True}})
    assert states(decided)["experts"] == "current" and decided["steps"][4]["note"] == "审核决定中"


def test_four_ends_four_words():
    assert progress("granted", {"certificate_no": "LCSME-2026-001"})["outcome_name"] == "已认定"
    failed = progress("rejected", {"county_decision": "recommend", "review_action": "reject"})
    assert failed["outcome_name"] == "未通过" and states(failed)["review"] == "failed"
    assert states(progress("declined", {"submitted_at": "x"}))["county"] == "failed"
    assert progress("withdrawn", {"submitted_at": "x"})["outcome_name"] == "已撤回"
    assert progress("terminated", {})["outcome_name"] == "已终止"


def test_checks_read_without_codes_or_structures():
    r = check_view({"rule": "7.2d", "article": "第七条(二)", "passed": True, "kind": "computed",
                    "value": [{"year": 2024, "smes_served": 130}, {"year": 2025, "smes_served": 150.0}],
                    "threshold": "last_year_greater_than_previous",
                    "message": "逐年经营情况表（yearly）近2年应为连续年度"})
    assert r["title"] == "近两年服务企业数稳步增长" and r["value"] == "2024年 130 家、2025年 150 家"
    assert r["threshold"] == "上一完整年度多于前一年度" and "yearly" not in r["message"]
    r = check_view({"rule": "8.4", "article": "第八条(四)", "passed": None, "value": {"trainees": 1200},
                    "threshold": {"trainees": 800}, "message": "", "kind": "computed"})
    assert r["value"] == "培训人次 1200" and r["threshold"] == "培训人次 800" and r["title"] == "培训服务"
    assert check_view({"rule": "cross.served_count", "kind": "warning", "value": 130.0})["value"] == "130"
    assert check_view({"rule": "cross.served_count"})["title"] == "服务企业名单与申报数核对"


def test_receipts_are_keyed_and_dated_in_beijing_time():
    filed = datetime(2026, 9, 28, 17, 0, tzinfo=CST)  # 09:00 UTC
    a = receipt_of("secret", 7, filed)
    assert a.startswith("YY20260928-00007-") and len(a.rsplit("-", 1)[1]) == 6
    assert receipt_of("other secret", 7, filed) != a and receipt_of("secret", 8, filed)[:-7] != a[:-7]
