"""Uploads (Art. 12), the platform register, rounds and the demo round."""

from __future__ import annotations

from tests.recognition.conftest import PDF, PNG


def test_upload_rules(rec, api, settings):
    inst = rec.start()
    bk = inst["business_key"]
    r = rec.upload(bk, "m03", PNG, name="执照.png")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["mime"] == "image/png" and body["size"] == len(PNG) and len(body["sha256"]) == 64
    # replaced by a new upload of the same key
    assert rec.upload(bk, "m03", PDF, name="执照.pdf").get_json()["mime"] == "application/pdf"
    listing = api.as_user("applicant1").get(f"/api/v1/applications/{bk}/materials").get_json()
    assert [m["mkey"] for m in listing["materials"]] == ["m03"]
    assert listing["materials"][0]["file_name"] == "执照.pdf"
    assert "m03" not in [m["mkey"] for m in listing["missing"]]
    # wrong type, too big, system-made key, unknown key, someone else's application
    r = rec.upload(bk, "m04", b"MZ\x90\x00 not a pdf")
    assert r.status_code == 422 and "PDF" in r.get_json()["error"]
    big = PDF + b"0" * (settings.upload_max_mb * 1024 * 1024)
    assert rec.upload(bk, "m04", big).status_code in (413, 422)  # the app caps the request too
    assert rec.upload(bk, "m01").status_code == 422
    assert rec.upload(bk, "m14").status_code == 422
    assert rec.upload(bk, "m04", user="applicant2").status_code == 403
    stored = [p for p in (settings.instance_path and __import__("pathlib").Path(settings.instance_path)
                          / "uploads" / bk).iterdir()]
    assert stored and all(p.name.startswith("m03-") for p in stored)


def test_register_is_public_and_admin_only_to_write(rec, api):
    from tests.recognition.conftest import CREDIT_CODE

    body = {"unit_name": "某平台", "credit_code": CREDIT_CODE, "county": "gaotang", "status": "recognised",
            "valid_from": "2024-01-10", "valid_to": "2027-01-10", "certificate_no": "LCSME-2024-001"}
    assert api.as_user("reviewer").post("/api/v1/register", json=body).status_code == 403
    bad = dict(body, credit_code="91371500000000000X")
    r = api.as_user("admin").post("/api/v1/register", json=bad)
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "credit_code"
    assert api.as_user("admin").post("/api/v1/register", json=body).status_code == 201
    listed = api.client.get("/api/v1/register").get_json()
    assert [(e["unit_name"], e["status"]) for e in listed] == [("某平台", "recognised")]
    rec.set_clock("2027-02-01T09:00:00+08:00")
    assert api.client.get("/api/v1/register?status=expired").get_json()[0]["certificate_no"] == "LCSME-2024-001"


def test_rounds_one_per_year_admin_only(rec, api):
    assert api.as_user("reviewer").post("/api/v1/rounds", json={"year": 2027, "submission_deadline": "2027-06-30"}
                                        ).status_code == 403
    r = api.as_user("admin").post("/api/v1/rounds", json={"year": 2026, "submission_deadline": "2026-12-31"})
    assert r.status_code == 409 and "第十五条" in r.get_json()["error"]
    r = api.as_user("admin").post("/api/v1/rounds", json={"year": 2027, "submission_deadline": "2026-06-30"})
    assert r.status_code == 422
    assert [x["year"] for x in api.as_user("applicant1").get("/api/v1/rounds").get_json()] == [2026]


def test_demo_keeps_a_round_open_for_the_current_year(runtime):
    from processes.recognition.demo import load_demo
    from processes.recognition.services import list_rounds

    first = list(load_demo(runtime))
    assert "opened" in first[0]
    again = list(load_demo(runtime))
    assert "unchanged" in again[0]
    rounds = list_rounds(runtime.uow())
    assert [(r["year"], r["status"], r["submission_deadline"]) for r in rounds] == [(2026, "open", "2026-12-31")]


def test_process_start_from_the_demo_round(api, runtime):
    """POST /api/v1/process-instances {"process_key": "recognition"} works out of the box."""
    from processes.recognition.demo import load_demo
    from tests.recognition.conftest import Recognition

    helper = Recognition(api)
    helper.deploy()
    list(load_demo(runtime))
    inst = helper.start()
    assert "fill_application" in inst["active_elements"]
    assert helper.application(inst["business_key"])["status"] == "draft"


def test_a_revised_dmn_table_changes_the_threshold_without_code(rec, api, tmp_path):
    from tests.recognition.conftest import DIAGRAMS

    text = (DIAGRAMS / "art7_thresholds.dmn").read_text(encoding="utf-8")
    revised = text.replace('<outputEntry id="art7_thresholds_rule1_assets_min_wan"><text>200</text>',
                           '<outputEntry id="art7_thresholds_rule1_assets_min_wan"><text>900</text>')
    assert revised != text
    path = tmp_path / "art7_thresholds.dmn"
    path.write_text(revised, encoding="utf-8")
    r = api.as_user("owner").deploy(path)
    assert r.status_code == 201, r.get_json()
    assert any(d["key"] == "recognition" and d["version"] == 2 for d in r.get_json()["deployed"])
    inst = rec.apply()  # total assets 800 万元 < 900
    app = rec.application(inst["business_key"])
    # Art. 10: the failed rule goes to the county flagged; the county decides
    assert app["status"] == "at_county"
    assert [x["rule"] for x in app["flagged_rules"]] == ["7.1c"]


def test_application_can_be_saved_as_draft(rec, api):
    inst = rec.start()
    bk = inst["business_key"]
    r = api.as_user("applicant1").post(f"/api/v1/applications/{bk}/draft",
                                       json={"data": {"unit_name": "草稿平台", "total_assets_wan": "300"}})
    assert r.status_code == 200, r.get_json()
    r = api.post(f"/api/v1/applications/{bk}/draft", json={"data": {"staff_total": "很多"}})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "staff_total"
    task = rec.task("applicant1", "fill_application")
    view = api.get(f"/api/v1/tasks/{task['id']}").get_json()
    assert view["draft"] == {"unit_name": "草稿平台", "total_assets_wan": 300.0}
    assert view["extensions"]["allow_draft"] == "true"
    assert api.as_user("applicant2").post(f"/api/v1/applications/{bk}/draft", json={"data": {}}).status_code == 403
    # the draft submits nothing: the task is still open
    assert rec.application(bk)["status"] == "draft"


def test_a_register_entry_names_each_bad_date_and_county_before_saving(api):
    """Art. 21: a typed 9999 revocation date overflowed the ban's computation (500); each date now names
    its field, within 2000–2099, and the county is a configured one."""
    from tests.recognition.conftest import CREDIT_CODE

    body = {"unit_name": "系统外平台", "credit_code": CREDIT_CODE, "county": "gaotang", "status": "revoked",
            "valid_from": "2023-01-10", "valid_to": "2026-01-10", "revoked_on": "2025-03-01"}
    api.as_user("admin")
    for change, field, code in (({"revoked_on": "9999-12-31"}, "revoked_on", "date_out_of_range"),
                                ({"valid_from": "1899-01-01"}, "valid_from", "date_out_of_range"),
                                ({"valid_to": "2026-13-01"}, "valid_to", "date_parsing"),
                                ({"valid_to": "2022-01-01"}, "valid_to", "date_order"),
                                ({"county": "atlantis"}, "county", "county_unknown")):
        r = api.post("/api/v1/register", json={**body, **change})
        assert r.status_code == 422, (change, r.get_json())
        assert [(e["field"], e["code"]) for e in r.get_json()["errors"]] == [(field, code)]
    assert api.client.get("/api/v1/register").get_json() == []
    r = api.post("/api/v1/register", json=body)
    assert r.status_code == 201 and r.get_json()["ban_until"] == "2028-03-01"
