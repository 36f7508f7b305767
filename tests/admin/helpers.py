"""Helpers of the administration tests: a handler that fails until it is 'fixed', the demo diagram."""

from __future__ import annotations

from typing import Any

from handlers.registry import handler


class Flaky:
    broken = False


@handler("admin_test_flaky")
def _flaky(data: Any, ctx: Any) -> dict[str, Any]:
    if Flaky.broken:
        raise ConnectionError("登记系统无响应")
    return {"registered": True}


def start(api: Any, **variables: Any) -> dict[str, Any]:
    r = api.as_user("admin").post("/api/v1/process-instances", json={"process_key": "admin_demo",
                                                                      "variables": variables})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def complete_a(api: Any, approved: bool = True) -> Any:
    t = api.as_user("reviewer").only_task("task_a")
    return api.complete(t["id"], approved=approved)
