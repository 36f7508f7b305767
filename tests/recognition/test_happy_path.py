"""The happy path: application → county recommendation → review → experts → publicity → grant."""

from __future__ import annotations

from tests.recognition.conftest import CREDIT_CODE


def test_happy_path_grants_the_title_and_registers_the_platform(rec, api, clock):
    inst = rec.apply()
    bk = inst["business_key"]
    app = rec.application(bk)
    assert app["status"] == "at_county"
    assert app["credit_code"] == CREDIT_CODE
    assert app["materials_missing"] == []
    variables = rec.variables(inst["id"])
    assert variables["check_summary"]["eligible"] is True
    assert variables["qualified"] is True
    assert variables["thresholds"]["assets_min_wan"] == 200  # from the DMN table

    # 申请报告 (m02) is generated from the form on demand (processes.documents)
    assert api.as_user("applicant1").get(f"/api/v1/applications/{bk}/documents/m02.pdf").mimetype == "application/pdf"
    # the county's evaluation form comes pre-filled with the 10 drawn enterprises (附件1)
    county_task = rec.task("county-dongchangfu", "county_review")
    prefilled = api.get(f"/api/v1/tasks/{county_task['id']}").get_json()["data"]["survey_samples"]
    assert len(prefilled) == 10 and all(r["enterprise"] and r["rating"] == "" for r in prefilled)
    rec.recommend()
    app = rec.application(bk)
    assert app["status"] == "under_review"
    assert not [m for m in app["materials"] if m["mkey"] in ("m01", "m02")]  # generated, not stored
    rec.review()
    assert rec.application(bk)["status"] == "expert_panel"
    # each expert sees only their own task
    assert [t["element_id"] for t in api.as_user("expert1").tasks()] == ["expert_review"]
    rec.expert_votes({"expert1": "approve", "expert2": "approve", "expert3": "approve"})
    variables = rec.variables(inst["id"])
    assert variables["panel_passed"] is True
    assert [r["expert"] for r in variables["expert_reviews"]] == ["expert1", "expert2", "expert3"]
    assert variables["experts"] == ["expert1", "expert2", "expert3"]
    rec.decide()
    app = rec.application(bk)
    assert app["status"] == "publicity"
    # Mon 2026-09-28: 5 working days skip the National Day holiday
    detail = api.as_user("admin").instance(inst["id"])
    assert [t["element_id"] for t in detail["timers"]] == ["publicity_wait"]
    assert app["publicity_start"] == "2026-09-28"

    rec.set_clock("2026-10-12T09:00:00+08:00")
    detail = api.as_user("admin").instance(inst["id"])
    assert detail["state"] == "completed"
    app = rec.application(bk)
    assert app["status"] == "granted"
    assert app["certificate_no"] == "LCSME-2026-001"
    register = api.get("/api/v1/register").get_json()
    assert len(register) == 1
    entry = register[0]
    assert entry["credit_code"] == CREDIT_CODE
    assert entry["status"] == "recognised"
    assert entry["county"] == "dongchangfu"
    assert entry["certificate_no"] == "LCSME-2026-001"
    assert entry["valid_to"][:4] == "2029"


def test_certificate_number_skips_numbers_recorded_by_hand(rec, api):
    from tests.recognition.conftest import credit_code

    r = api.as_user("admin").post("/api/v1/register", json={
        "unit_name": "早先认定的平台", "credit_code": credit_code(9), "county": "guanxian", "status": "recognised",
        "valid_from": "2026-01-05", "valid_to": "2029-01-05", "certificate_no": "LCSME-2026-001"})
    assert r.status_code == 201, r.get_json()
    inst = rec.to_publicity()
    rec.set_clock("2026-10-12T09:00:00+08:00")
    assert rec.application(inst["business_key"])["certificate_no"] == "LCSME-2026-002"
