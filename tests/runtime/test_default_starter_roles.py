"""A diagram without camunda:candidateStarterGroups starts only for the staff roles named in
``default_starter_roles`` (the security probe: any role, applicants included, could start it)."""

from __future__ import annotations

import io

import pytest

from processes.errors import Forbidden
from processes.runtime import build_runtime
from processes.services import instances
from processes.settings import load_settings
from tests.support.flows import actor

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_{key}" targetNamespace="t">
  <bpmn:process id="{key}" name="发起权限测试" isExecutable="true"{groups}>
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="e" />
    <bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>
"""


def _deploy(api, key: str, groups: str | None = None) -> None:  # type: ignore[no-untyped-def]
    attr = f' camunda:candidateStarterGroups="{groups}"' if groups else ""
    text = BPMN.format(key=key, groups=attr)
    r = api.as_user("owner").client.post(
        "/api/v1/process-definitions", data={"file": (io.BytesIO(text.encode()), f"{key}.bpmn")},
        headers=api._h(), content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()


def _start(api, username: str, key: str) -> int:  # type: ignore[no-untyped-def]
    return int(api.as_user(username).post("/api/v1/process-instances", json={"process_key": key}).status_code)


def test_without_starter_groups_only_the_configured_staff_roles_start(api, settings) -> None:
    assert settings.default_starter_roles == ("admin", "municipal_reviewer")
    _deploy(api, "no_groups")
    assert _start(api, "applicant1", "no_groups") == 403
    assert _start(api, "county-linqing", "no_groups") == 403
    assert _start(api, "expert1", "no_groups") == 403
    assert _start(api, "reviewer", "no_groups") == 201
    assert _start(api, "admin", "no_groups") == 201


def test_starter_groups_in_the_diagram_still_decide(api) -> None:
    _deploy(api, "applicants_start", groups="applicant")
    assert _start(api, "applicant1", "applicants_start") == 201
    assert _start(api, "reviewer", "applicants_start") == 403


def test_the_default_comes_from_the_settings(api, runtime, db, tmp_path) -> None:
    _deploy(api, "no_groups_cfg")
    settings = load_settings("test", instance_path=str(tmp_path / "other"), database_url=str(db.url),
                             default_starter_roles=("county_officer",))
    rt = build_runtime(settings, db)
    officer = actor(rt, "county-linqing")
    assert instances.start_instance(rt.uow(), officer, "no_groups_cfg").id
    with pytest.raises(Forbidden) as refused:
        instances.start_instance(rt.uow(), actor(rt, "reviewer"), "no_groups_cfg")
    assert refused.value.code == "may_not_start" and "县级主管部门" in refused.value.message


def test_environment_variable_lists_roles(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("APP_DEFAULT_STARTER_ROLES", "admin, county_officer")
    settings = load_settings("test", instance_path=str(tmp_path))
    assert settings.default_starter_roles == ("admin", "county_officer")


def test_start_lists_offer_exactly_what_may_be_started(api, runtime) -> None:
    from sqlalchemy import select

    from processes.models import User
    from processes.tasks.lists import startable

    _deploy(api, "no_groups_list")
    _deploy(api, "applicants_list", groups="applicant")
    uow = runtime.uow()
    with uow:
        users = {u.username: u for u in uow.s.scalars(select(User))}
    offered = {name: {p["key"] for p in startable(runtime.uow(), users[name])}
               for name in ("applicant1", "reviewer", "admin")}
    assert offered["applicant1"] >= {"applicants_list"} and "no_groups_list" not in offered["applicant1"]
    assert "no_groups_list" in offered["reviewer"] and "applicants_list" not in offered["reviewer"]
    assert "no_groups_list" in offered["admin"]
