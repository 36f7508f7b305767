"""Production refuses a short secret key and demo users with the demo password (the web app at
startup, the scheduler command); the command that removes them; passwords need a minimum length."""

from __future__ import annotations

import pytest

from app import create_app
from processes.runtime import build_runtime
from processes.services.users import demo_accounts, ensure_demo_users
from processes.settings import SettingsError, load_settings

GOOD_SECRET = "x" * 32


def test_production_refuses_a_short_secret_key(tmp_path):
    with pytest.raises(SettingsError, match="shorter than 32 bytes"):
        load_settings("production", instance_path=str(tmp_path), secret_key="k")
    with pytest.raises(SettingsError, match="shorter than 32 bytes"):
        load_settings("production", instance_path=str(tmp_path), secret_key="k" * 31)
    assert load_settings("production", instance_path=str(tmp_path), secret_key=GOOD_SECRET).secret_key == GOOD_SECRET
    # development and test keep their short keys
    assert load_settings("test", instance_path=str(tmp_path), secret_key="k").secret_key == "k"


def _production(tmp_path, db):
    settings = load_settings("production", instance_path=str(tmp_path), secret_key=GOOD_SECRET,
                             database_url=str(db.url.render_as_string(hide_password=False)))
    return settings, build_runtime(settings, db)


def test_production_refuses_to_start_with_demo_users(runtime, tmp_path, db):
    # the runtime fixture created the demo users (password "demo")
    settings, rt = _production(tmp_path, db)
    with pytest.raises(SystemExit, match="remove-demo-users"):
        create_app(settings, rt)


def test_scheduler_refuses_to_start_with_demo_users(runtime, tmp_path, db):
    from flask import Flask

    from app.cli import register_cli

    settings, rt = _production(tmp_path, db)
    cli_app = Flask("cli")
    cli_app.extensions["runtime"] = rt
    cli_app.extensions["settings"] = settings
    register_cli(cli_app)
    result = cli_app.test_cli_runner().invoke(args=["scheduler"])
    assert result.exit_code != 0
    assert "remove-demo-users" in str(result.exception or result.output)


def test_remove_demo_users_lets_production_start(runtime, tmp_path, db, api):
    # a demo user who acted in a case stays as history, deactivated with an unusable password
    assert api.as_user("reviewer").get("/api/v1/me").status_code == 200
    from processes.services.core import Actor
    from processes.services.instances import start_instance
    from tests.support.diagrams import SAMPLE

    api.as_user("owner").deploy(SAMPLE)
    start_instance(runtime.uow(), Actor(runtime_user_id(runtime, "applicant1"), "applicant1", "applicant",
                                        "dongchangfu"), "sample")
    settings, rt = _production(tmp_path, db)
    cli = create_app(load_settings("test", instance_path=str(tmp_path), database_url=str(
        db.url.render_as_string(hide_password=False))), runtime)
    result = cli.test_cli_runner().invoke(args=["remove-demo-users"])
    assert result.exit_code == 0, result.output
    assert "applicant1" in result.output.split("deactivated:")[1]
    assert "reviewer" in result.output.split("deactivated:")[0]
    assert demo_accounts(runtime.uow(), settings.config_dir) == []
    app = create_app(settings, rt)  # starts now
    r = app.test_client().post("/api/v1/auth/token", json={"username": "admin", "password": "demo"})
    assert r.status_code == 401
    r = app.test_client().post("/api/v1/auth/token", json={"username": "applicant1", "password": "demo"})
    assert r.status_code == 401


def test_a_demo_name_with_a_real_password_is_not_a_demo_user(runtime, tmp_path, db):
    from sqlalchemy import select

    from processes.admin.services import reset_password
    from processes.models import User
    from processes.services.core import SYSTEM

    with runtime.uow() as u:
        others = [x.id for x in u.s.scalars(select(User).where(User.username != "admin"))]
        admin_id = u.s.scalars(select(User.id).where(User.username == "admin")).one()
    reset_password(runtime.uow(), SYSTEM, admin_id, "a-real-long-password")
    with runtime.db.begin() as conn:
        conn.execute(User.__table__.delete().where(User.id.in_(others)))
    assert demo_accounts(runtime.uow(), runtime.settings.config_dir) == []
    settings, rt = _production(tmp_path, db)
    create_app(settings, rt)
    ensure_demo_users(runtime.uow(), runtime.settings.config_dir)
    assert "reviewer" in demo_accounts(runtime.uow(), runtime.settings.config_dir)


def runtime_user_id(rt, username):
    from sqlalchemy import select

    from processes.models import User

    with rt.uow() as u:
        return u.s.scalars(select(User.id).where(User.username == username)).one()


@pytest.mark.parametrize("password, ok", [("short", False), ("123456789", False), ("1234567890", True)])
def test_passwords_need_the_minimum_length(api, password, ok):
    r = api.as_user("admin").post("/api/v1/admin/users", json={
        "username": f"u{len(password)}", "password": password, "role": "expert"})
    assert (r.status_code == 201) is ok, r.get_json()
    if not ok:
        assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "password"
    users = api.get("/api/v1/admin/users").get_json()
    uid = next(u["id"] for u in users if u["username"] == "reviewer")
    r = api.post(f"/api/v1/admin/users/{uid}/password", json={"password": password})
    assert (r.status_code == 200) is ok, r.get_json()


def test_the_minimum_length_is_a_setting(tmp_path):
    assert load_settings("test", instance_path=str(tmp_path)).password_min_length == 10
    assert load_settings("test", instance_path=str(tmp_path), password_min_length=16).password_min_length == 16
