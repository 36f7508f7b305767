"""One task-completion contract for the web form and the API: the same checks, the same 422 naming
the same fields, before anything commits; the form describes itself (pick-list users, upload URLs);
one write transaction and one workflow load per completion."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from processes.db import UnitOfWork
from processes.engine.runtime import Engine
from tests.support.diagrams import SAMPLE
from tests.support.pages import PageClient


def _page_errors(html: str) -> set[tuple[str, str]]:
    return {(m.group(1), m.group(2).strip()) for m in re.finditer(
        r'data-testid="error-([\w.\[\]]+)">([^<]*)<', html)}


def test_the_same_invalid_data_gets_the_same_422_through_the_web_form_and_the_api(app, api):
    api.as_user("owner").deploy(SAMPLE)
    r = api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "sample"})
    task_id = r.get_json()["tasks"][0]["id"]
    version = r.get_json()["lock_version"]
    bad = {"unit_name": "", "total_assets_wan": "很多"}
    via_api = api.post(f"/api/v1/tasks/{task_id}/complete", json={"data": bad})
    assert via_api.status_code == 422
    api_errors = {(e["field"], e["message"]) for e in via_api.get_json()["errors"]}
    assert {f for f, _ in api_errors} == {"unit_name", "total_assets_wan"}
    page = PageClient(app, "applicant1")
    page.get(f"/tasks/{task_id}")
    via_web = page.post(f"/tasks/{task_id}", {**bad, "_action": "submit"})
    assert via_web.status_code == 422
    assert _page_errors(via_web.get_data(as_text=True)) == api_errors
    # nothing was saved by either: the task is still open and the instance unchanged
    assert api.get(f"/api/v1/tasks/{task_id}").status_code == 200
    assert api.get(f"/api/v1/tasks/{task_id}").get_json()["instance_version"] == version


def test_the_expert_panel_lists_its_options_with_names(rec, api):
    rec.apply()
    rec.recommend()
    task = rec.task("reviewer", "municipal_review")
    view = api.as_user("reviewer").get(f"/api/v1/tasks/{task['id']}").get_json()
    experts = next(fd for fd in view["fields"] if fd["id"] == "experts")
    options = {o["id"]: o["label"] for o in experts["picker"]["options"]}
    assert {"expert1", "expert2", "expert3"} <= set(options) and all(options.values())
    assert experts["required_when"] == {"field": "review_action", "values": ["proceed"]}
    reasons = next(fd for fd in view["fields"] if fd["id"] == "review_reasons")
    assert reasons["required_when"] == {"field": "review_action", "values": ["supplement", "reject"]}
    action = next(fd for fd in view["fields"] if fd["id"] == "review_action")
    assert {o["label"] for o in action["options"]} == {"进入专家评审", "退回补正", "不予通过"}


def test_a_material_field_says_where_to_upload_it(rec, api):
    inst = rec.start()
    task = rec.task("applicant1", "fill_application")
    view = api.as_user("applicant1").get(f"/api/v1/tasks/{task['id']}").get_json()
    materials = {m["key"]: m for m in view["materials"]}
    assert sorted(materials) == [f"m{i:02d}" for i in range(3, 14)]
    m05 = materials["m05"]
    assert m05["required"] and m05["uploaded"] is None
    assert m05["upload_url"] == f"/api/v1/applications/{inst['business_key']}/materials/m05"
    assert "application/pdf" in m05["accepted_types"] and m05["max_bytes"] > 1_000_000
    served = next(fd for fd in view["fields"] if fd["id"] == "served_list")
    assert [c["id"] for c in served["columns"]][:3] == ["enterprise", "credit_code", "person"]
    phone = next(c for c in served["columns"] if c["id"] == "phone")
    assert phone["format"] == "phone"
    rec.upload(inst["business_key"], "m05")
    view = api.get(f"/api/v1/tasks/{task['id']}").get_json()
    assert next(m for m in view["materials"] if m["key"] == "m05")["uploaded"]["file_name"]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    counts: Counter[str] = Counter()
    enter, load = UnitOfWork.__enter__, Engine.load

    def counting_enter(self: UnitOfWork) -> Any:
        if self._depth == 0:
            counts["read" if self.readonly else "write"] += 1
        return enter(self)

    def counting_load(self: Engine, *args: Any, **kwargs: Any) -> Any:
        counts["load"] += 1
        return load(self, *args, **kwargs)

    monkeypatch.setattr(UnitOfWork, "__enter__", counting_enter)
    monkeypatch.setattr(Engine, "load", counting_load)
    return counts


def test_a_submission_is_one_write_transaction_and_one_workflow_load(app, api, counted):
    """Before: the web submit opened five transactions and loaded the workflow three times."""
    api.as_user("owner").deploy(SAMPLE)
    r = api.as_user("applicant1").post("/api/v1/process-instances", json={"process_key": "sample"})
    task_id = r.get_json()["tasks"][0]["id"]
    page = PageClient(app, "applicant1")
    page.get("/")
    counted.clear()
    r = page.post(f"/tasks/{task_id}", {"unit_name": "东昌府区某平台", "total_assets_wan": "300", "_action": "submit"})
    assert r.status_code == 302
    assert counted == Counter(read=1, write=1, load=1)
