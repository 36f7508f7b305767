"""Deploying diagrams: versioning by content hash, validation errors with element id and line."""

from __future__ import annotations

import io

from tests.support.diagrams import HERE as FIXTURES

SAMPLE = (FIXTURES / "sample.bpmn").read_text(encoding="utf-8")


def _upload(api, text: str, name: str = "sample.bpmn"):  # type: ignore[no-untyped-def]
    return api.client.post("/api/v1/process-definitions", data={"file": (io.BytesIO(text.encode()), name)},
                           headers=api._h(), content_type="multipart/form-data")


def test_unchanged_file_keeps_its_version_changed_file_gets_the_next(api):
    api.as_user("owner")
    r1 = _upload(api, SAMPLE)
    assert r1.status_code == 201 and r1.get_json()["version"] == 1
    r2 = _upload(api, SAMPLE)
    assert r2.status_code == 200
    assert (r2.get_json()["key"], r2.get_json()["version"], r2.get_json()["created"]) == ("sample", 1, False)
    r3 = _upload(api, SAMPLE.replace('name="县级审核"', 'name="县级审核（修订）"'))
    assert r3.status_code == 201 and r3.get_json()["version"] == 2
    defs = api.get("/api/v1/process-definitions").get_json()
    assert [(d["key"], d["version"]) for d in defs] == [("sample", 1), ("sample", 2)]


def test_running_instance_stays_on_its_version(api):
    api.as_user("owner")
    _upload(api, SAMPLE)
    old = api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "sample"}).get_json()
    _upload(api.as_user("owner"), SAMPLE.replace('name="填写申请"', 'name="填写申请 v2"'))
    new = api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "sample"}).get_json()
    assert (old["version"], new["version"]) == (1, 2)
    names = {t["instance_id"]: t["name"] for t in api.tasks()}
    assert names == {old["id"]: "填写申请", new["id"]: "填写申请 v2"}


def test_bad_xml_is_refused_with_its_line(api):
    r = _upload(api.as_user("owner"), SAMPLE.replace("</bpmn:process>", "</bpmn:proc>"))
    assert r.status_code == 422
    err = r.get_json()["errors"][0]
    assert err["line"] and "XML 格式不正确" in err["message"]


def test_condition_that_does_not_compile_names_the_flow(api):
    r = _upload(api.as_user("owner"), SAMPLE.replace("decision == 'approve' and", "decision === 'approve' and"))
    assert r.status_code == 422
    errs = r.get_json()["errors"]
    assert errs[0]["element_id"] == "f_approved" and errs[0]["line"] > 1
    assert "无法编译" in errs[0]["message"]


def test_unknown_handler_is_a_deploy_error(api):
    r = _upload(api.as_user("owner"), SAMPLE.replace('camunda:topic="sample_score"', 'camunda:topic="no_such"'))
    assert r.status_code == 422
    assert r.get_json()["errors"][0] == {"element_id": "score", "line": r.get_json()["errors"][0]["line"],
                                         "message": "未知的处理程序 'no_such'", "file": "sample.bpmn",
                                         "code": "diagram_error"}
    assert r.get_json()["code"] == "diagram_invalid"


def test_sandbox_escape_in_condition_is_refused_at_deploy(api):
    r = _upload(api.as_user("owner"), SAMPLE.replace("decision == 'approve' and score &gt;= 100",
                                                     "().__class__.__base__.__subclasses__()"))
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["element_id"] == "f_approved"


def test_juel_condition_and_bare_timer_literal_are_normalised_with_warnings(api):
    text = SAMPLE.replace("decision == 'approve' and score &gt;= 100", "${decision == 'approve'}").replace(
        "<bpmn:timeDate>end_of_working_day(today(), 5)</bpmn:timeDate>",
        "<bpmn:timeDuration>P5D</bpmn:timeDuration>")
    r = _upload(api.as_user("owner"), text)
    assert r.status_code == 201, r.get_json()
    warnings = r.get_json()["warnings"]
    assert {w["element_id"] for w in warnings} == {"f_approved", "pub_wait"}
    assert {w["fix"] for w in warnings} == {"decision == 'approve'", "'P5D'"}


def test_reserved_element_id_is_refused(api):
    r = _upload(api.as_user("owner"), SAMPLE.replace('id="start"', 'id="Start"').replace('sourceRef="start"',
                                                                                           'sourceRef="Start"'))
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["element_id"] == "Start"


def test_only_process_owners_and_admins_deploy(api):
    r = _upload(api.as_user("applicant1"), SAMPLE)
    assert r.status_code == 403
    assert r.get_json()["error"]


def test_wrong_file_type_and_missing_file(api):
    api.as_user("owner")
    assert _upload(api, "hello", name="notes.txt").status_code == 422
    r = api.client.post("/api/v1/process-definitions", headers=api._h(), data={}, content_type="multipart/form-data")
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "file"
