"""Inputs the outside probe found accepted: the demo clock moved to year 9999, business keys with
markup or path parts and duplicates, drafts with NaN/Infinity, NUL bytes, diagrams with a DTD."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from processes.models import AuditEntry, ProcessDefinition
from processes.services.core import SYSTEM
from tests.conftest import START
from tests.support.diagrams import SAMPLE, TIMER
from tests.support.flows import deploy_file, start_timer, states
from tests.support.pages import PageClient


def _audit_count(runtime, action: str) -> int:
    with runtime.uow() as u:
        return u.s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


# -- the demo clock ----------------------------------------------------------------------------------------

def test_the_clock_refuses_year_9999_before_anything_moves_or_fires(api, runtime, clock):
    deploy_file(runtime, TIMER)
    iid = start_timer(runtime, START + timedelta(days=3))
    api.as_user("admin")
    for body, field in (({"now": "9999-12-31T23:59:59"}, "now"), ({"now": "1900-01-01T00:00:00"}, "now"),
                        ({"advance": "P30Y"}, "advance"), ({"advance": "P9999Y"}, "advance"),
                        ({"advance": "-P30Y"}, "advance")):
        r = api.post("/api/v1/clock", json=body)
        assert r.status_code == 422, (body, r.get_json())
        assert r.get_json()["errors"][0]["field"] == field
    assert clock.now() == START
    assert states(runtime, [iid])[iid] != "completed"  # no timer fired
    assert _audit_count(runtime, "clock.set") == 0
    # within 20 years it moves (and fires what falls due)
    assert api.post("/api/v1/clock", json={"advance": "P5D"}).status_code == 200
    assert states(runtime, [iid])[iid] == "completed"


def test_the_clock_page_refuses_a_far_date(app, runtime, clock):
    b = PageClient(app, "admin")
    r = b.post("/admin/clock", {"action": "set", "target": "9999-12-31T23:59"})
    assert r.status_code == 422 and "20 年" in r.get_data(as_text=True)
    assert clock.now() == START


# -- business keys ------------------------------------------------------------------------------------------

def test_business_keys_are_checked_and_duplicates_are_a_conflict(api):
    assert api.as_user("owner").deploy(SAMPLE).status_code == 201
    api.as_user("applicant1")
    for bad in ("<script>alert(1)</script>", "../../etc/passwd", "a/b", ".hidden", "-x", "x" * 65, "", "键"):
        r = api.post("/api/v1/process-instances", json={"process_key": "sample", "business_key": bad})
        assert r.status_code == 422, (bad, r.get_json())
        assert r.get_json()["errors"][0]["field"] == "business_key"
    r = api.post("/api/v1/process-instances", json={"process_key": "sample", "business_key": "CASE-2026.001_a"})
    assert r.status_code == 201, r.get_json()
    r = api.post("/api/v1/process-instances", json={"process_key": "sample", "business_key": "CASE-2026.001_a"})
    assert r.status_code == 409 and r.get_json()["code"] == "business_key_taken"


def test_the_use_case_checks_the_business_key_too(runtime, api):
    import pytest

    from processes.errors import Invalid
    from processes.services.instances import start_instance

    api.as_user("owner").deploy(SAMPLE)
    with pytest.raises(Invalid) as exc:
        start_instance(runtime.uow(), SYSTEM, "sample", business_key="<b>x</b>")
    assert exc.value.errors[0]["field"] == "business_key"


# -- drafts -------------------------------------------------------------------------------------------------

def test_drafts_refuse_nan_and_infinity(api):
    api.as_user("owner").deploy(SAMPLE)
    api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "sample"})
    task = api.only_task("fill")
    for raw, path in (('{"data": {"amount": NaN}}', "amount"), ('{"data": {"t": [{"v": Infinity}]}}', "t[0].v"),
                      ('{"data": {"x": -Infinity}}', "x")):
        r = api.client.post(f"/api/v1/tasks/{task['id']}/draft", data=raw, headers={
            **api._h(), "Content-Type": "application/json"})
        assert r.status_code == 422, (raw, r.get_json())
        assert r.get_json()["errors"][0]["field"] == path
    r = api.post(f"/api/v1/tasks/{task['id']}/draft", json={"data": {"amount": 1.5}})
    assert r.status_code == 200 and r.get_json()["draft"]["amount"] == 1.5


# -- NUL bytes ----------------------------------------------------------------------------------------------

def test_nul_bytes_are_refused_in_forms_and_json(app, api):
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    r = client.post("/login", data={"username": "admin\x00", "password": "demo"})
    assert r.status_code == 422 and "NUL" in r.get_data(as_text=True)
    r = client.post("/public/objection/X-1", data={"name": "a", "contact": "b", "reasons": "c\x00d"})
    assert r.status_code == 422
    r = client.get("/public/register?status=a%00b")
    assert r.status_code == 422
    r = api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "x\x00y"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "process_key"
    r = api.post("/api/v1/messages", json={"name": "m", "business_key": "k", "payload": {"a": ["ok", "\x00"]}})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "payload.a[1]"


def test_file_names_with_nul_are_refused(app):
    import io

    app.config["WTF_CSRF_ENABLED"] = False
    r = app.test_client().post("/public/objection/X-1", data={
        "name": "a", "contact": "b", "reasons": "c", "attachment": (io.BytesIO(b"%PDF-1.4"), "a\x00.pdf")},
        content_type="multipart/form-data")
    assert r.status_code == 422


# -- diagrams with a DTD ------------------------------------------------------------------------------------

DTD = '<!DOCTYPE bpmn:definitions [<!ENTITY owner "applicant">]>\n'


def _with_dtd(text: str, entity: bool = True) -> str:
    head, rest = text.split("?>", 1) if text.startswith("<?xml") else ("", text)
    body = rest.replace('candidateStarterGroups="applicant"', 'candidateStarterGroups="&owner;"') if entity else rest
    return (head + "?>\n" if head else "") + DTD + body


def test_a_diagram_with_a_dtd_or_entities_is_refused_at_deploy(api, runtime):
    import io

    api.as_user("owner")
    for entity in (True, False):
        text = _with_dtd(SAMPLE.read_text(encoding="utf-8"), entity)
        r = api.client.post("/api/v1/process-definitions", data={"file": (io.BytesIO(text.encode()), "s.bpmn")},
                            headers=api._h(), content_type="multipart/form-data")
        assert r.status_code == 422, r.get_json()
        assert "DOCTYPE" in r.get_json()["error"]
    with runtime.uow() as u:
        assert u.s.scalar(select(func.count()).select_from(ProcessDefinition)) == 0
    xxe = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>')
    r = api.client.post("/api/v1/process-definitions", data={"file": (io.BytesIO(xxe.encode()), "x.bpmn")},
                        headers=api._h(), content_type="multipart/form-data")
    assert r.status_code == 422 and "root:" not in r.get_data(as_text=True)


def test_the_modeler_refuses_a_dtd_too(app):
    app.config["WTF_CSRF_ENABLED"] = False
    b = PageClient(app, "owner")
    text = _with_dtd(SAMPLE.read_text(encoding="utf-8"))
    r = b.post_json("/admin/modeler/validate", {"xml": text, "file_name": "s.bpmn"})
    body = r.get_json()
    assert body["ok"] is False and "DOCTYPE" in str(body["errors"])
    r = b.post_json("/admin/modeler/deploy", {"xml": text, "file_name": "s.bpmn"})
    assert r.status_code == 422 and r.get_json()["deployed"] is False


def test_a_stored_definition_with_a_dtd_does_not_500_at_start(api, runtime):
    """Deployed before the check (the probe's case): starting it is refused, not a 500."""
    api.as_user("owner").deploy(SAMPLE)
    with runtime.db.begin() as conn:
        row = conn.execute(select(ProcessDefinition.id, ProcessDefinition.sources, ProcessDefinition.bpmn_file)).one()
        sources = dict(row.sources)
        sources[row.bpmn_file] = _with_dtd(sources[row.bpmn_file])
        conn.execute(ProcessDefinition.__table__.update().where(ProcessDefinition.id == row.id).values(
            sources=sources))
    runtime.engine._specs.clear()
    r = api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "sample"})
    assert r.status_code in (409, 422), r.get_json()
