"""The audit chain shows tampering; the clock is refused outside demo/test; production settings."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from processes import audit
from processes.models import AuditEntry
from processes.runtime import build_runtime
from processes.services.core import SYSTEM
from processes.settings import SettingsError, load_settings
from tests.support.diagrams import HERE as FIXTURES


def _some_history(api):  # type: ignore[no-untyped-def]
    api.as_user("owner").deploy(FIXTURES / "sample.bpmn")
    inst = api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "sample"}).get_json()
    api.complete(api.only_task()["id"], unit_name="甲", total_assets_wan=300)
    return inst


def test_audit_chain_verifies_then_detects_an_edited_row(api, runtime):
    _some_history(api)
    uow = runtime.uow()
    with uow:
        count, problems = audit.verify(uow.s)
    assert count >= 3 and problems == []
    with runtime.db.begin() as conn:
        first = conn.execute(select(AuditEntry.id).where(AuditEntry.action == "task.completed")).scalar_one()
        conn.execute(update(AuditEntry).where(AuditEntry.id == first).values(data={"values": {"unit_name": "乙"}}))
    with uow:
        _, problems = audit.verify(uow.s)
    assert [p.entry_id for p in problems] == [first]
    assert "edited" in problems[0].message


def test_audit_chain_detects_a_removed_row(api, runtime):
    _some_history(api)
    with runtime.db.begin() as conn:
        started = conn.execute(select(AuditEntry.id).where(AuditEntry.action == "instance.started")).scalar_one()
        conn.execute(AuditEntry.__table__.delete().where(AuditEntry.id == started))
    uow = runtime.uow()
    with uow:
        _, problems = audit.verify(uow.s)
    assert problems and "link broken" in problems[0].message


def test_verify_audit_cli_exit_code(app, api, runtime):
    _some_history(api)
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 0 and "0 problems" in result.output
    with runtime.db.begin() as conn:
        conn.execute(update(AuditEntry).values(actor="mallory"))
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 1


def test_production_refuses_default_secret_and_demo_clock(tmp_path, monkeypatch):
    monkeypatch.delenv("APP_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="default secret key"):
        load_settings("production", instance_path=str(tmp_path))
    with pytest.raises(SettingsError, match="demo clock"):
        load_settings("production", instance_path=str(tmp_path), secret_key="s3cret-of-sufficient-length-32-bytes",
                      demo_clock=True)
    monkeypatch.setenv("APP_SECRET_KEY", "from-the-environment-at-least-32-bytes")
    assert load_settings("production", instance_path=str(tmp_path)).secret_key == \
        "from-the-environment-at-least-32-bytes"


def test_clock_cannot_move_in_production_config(tmp_path, runtime, db):
    from app import create_app
    from processes.models import User
    from processes.services.users import create_user

    with db.begin() as conn:  # production has no demo users (it refuses to start with them)
        conn.execute(User.__table__.delete())
    settings = load_settings("production", instance_path=str(tmp_path), secret_key="k" * 32,
                             database_url=str(db.url.render_as_string(hide_password=False)))
    rt = build_runtime(settings, db)
    create_user(rt.uow(), SYSTEM, "operator", "a-long-password", "admin")
    app = create_app(settings, rt)
    client = app.test_client()
    tok = client.post("/api/v1/auth/token", json={"username": "operator", "password": "a-long-password"}
                      ).get_json()["token"]
    h = {"Authorization": f"Bearer {tok}"}
    assert client.get("/api/v1/clock", headers=h).get_json()["movable"] is False
    r = client.post("/api/v1/clock", json={"advance": "P5D"}, headers=h)
    assert r.status_code == 403 and r.get_json()["code"] == "clock_not_movable"


def test_clock_only_for_admins(api):
    r = api.as_user("reviewer").post("/api/v1/clock", json={"advance": "P1D"})
    assert r.status_code == 403


def test_clock_advance_and_set_back_in_test_config(api):
    before = api.as_user("admin").get("/api/v1/clock").get_json()["now"]
    r = api.post("/api/v1/clock", json={"advance": "P5D"})
    assert r.status_code == 200 and r.get_json()["now"] > before
    assert api.post("/api/v1/clock", json={"now": "2026-01-05T09:00:00+08:00"}).get_json()["now"].startswith(
        "2026-01-05T01:00")
    assert api.post("/api/v1/clock", json={"advance": "5 days"}).status_code == 422
