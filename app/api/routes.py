"""Thin routes: parse HTTP, call one service, render JSON."""

from __future__ import annotations

from datetime import datetime
from functools import wraps
from typing import Any

from flask import g, jsonify, request

from app.api import bp
from app.extensions import actor_of, csrf, current_actor_user, issue_token, ro_uow, runtime, uow, user_from_token
from processes import queries
from processes.errors import DomainError, Invalid, Unauthorized
from processes.services import clock as clock_svc
from processes.services import deploy, instances, timers, users

csrf.exempt(bp)


def _json() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None:
        raise DomainError("the request body must be a JSON object (Content-Type: application/json)")
    if not isinstance(data, dict):
        raise DomainError("the request body must be a JSON object")
    return data


def auth_required(fn):  # type: ignore[no-untyped-def]
    @wraps(fn)
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Unauthorized("log in first: send 'Authorization: Bearer <token>' (POST /api/v1/auth/token)")
        g.api_user = user_from_token(header[7:].strip())
        return fn(*args, **kwargs)

    return wrapper


def _int_arg(name: str, default: int, maximum: int = 500) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"query parameter '{name}' must be an integer",
                      [{"field": name, "message": "应为整数"}]) from None
    return max(0, min(value, maximum))


@bp.post("/auth/token")
def token():
    data = _json()
    user = users.authenticate(uow(), str(data.get("username", "")), str(data.get("password", "")))
    return jsonify({"token": issue_token(user), "user": {"username": user.username, "role": user.role,
                                                         "county": user.county}})


@bp.get("/me")
@auth_required
def me():
    u = current_actor_user()
    return jsonify({"id": u.id, "username": u.username, "role": u.role, "county": u.county,
                    "display_name": u.display_name})


@bp.get("/process-definitions")
@auth_required
def list_definitions():
    return jsonify(queries.list_definitions(ro_uow(), current_actor_user()))


@bp.post("/process-definitions")
@auth_required
def deploy_definition():
    f = request.files.get("file")
    if f is None:
        raise Invalid("send the diagram as multipart field 'file'", [{"field": "file", "message": "缺少文件"}])
    results = deploy.deploy_file(uow(), actor_of(current_actor_user()), f.filename or "", f.read())
    main = results[0]
    body = {"key": main.key, "version": main.version, "created": main.created, "warnings": main.warnings,
            "deployed": [{"key": r.key, "version": r.version, "created": r.created, "kind": r.kind}
                         for r in results]}
    return jsonify(body), 201 if any(r.created for r in results) else 200


@bp.post("/process-instances")
@auth_required
def start_instance():
    data = _json()
    key = data.get("process_key")
    if not key or not isinstance(key, str):
        raise Invalid("process_key is required", [{"field": "process_key", "message": "必填"}])
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        raise Invalid("variables must be an object", [{"field": "variables", "message": "应为对象"}])
    bk = data.get("business_key")
    if bk is not None and not isinstance(bk, str):
        raise Invalid("business_key must be a string", [{"field": "business_key", "message": "应为字符串"}])
    user = current_actor_user()
    inst = instances.start_instance(uow(), actor_of(user), key, bk, variables)
    return jsonify(queries.instance_summary(ro_uow(), user, inst.id)), 201


@bp.get("/process-instances")
@auth_required
def list_instances():
    a = request.args
    return jsonify(queries.list_instances(ro_uow(), current_actor_user(), a.get("process_key"), a.get("state"),
                                          a.get("county"), a.get("business_key"), _int_arg("limit", 50),
                                          _int_arg("offset", 0, 10**9)))


@bp.get("/process-instances/<int:instance_id>")
@auth_required
def get_instance(instance_id: int):
    user = current_actor_user()
    view = queries.get_instance(ro_uow(), user, instance_id)  # visibility checked before anything fires
    if timers.fire_timers(uow(), instance_id):
        view = queries.get_instance(ro_uow(), user, instance_id)
    return jsonify(view)


@bp.post("/process-instances/<int:instance_id>/<any(suspend, resume, terminate, retry):action>")
@auth_required
def instance_action(instance_id: int, action: str):
    data = request.get_json(silent=True) or {}
    reason = str(data.get("reason", "")) if isinstance(data, dict) else ""
    actor = actor_of(current_actor_user())
    fn = {"suspend": instances.suspend_instance, "resume": instances.resume_instance,
          "terminate": instances.terminate_instance, "retry": instances.retry_incident}[action]
    fn(uow(), actor, instance_id, reason)
    return jsonify(queries.get_instance(ro_uow(), current_actor_user(), instance_id))


@bp.get("/tasks")
@auth_required
def list_tasks():
    return jsonify(queries.list_tasks(ro_uow(), current_actor_user(), request.args.get("process_key"),
                                      _int_arg("limit", 100), _int_arg("offset", 0, 10**9)))


@bp.get("/tasks/<task_id>")
@auth_required
def get_task(task_id: str):
    return jsonify(queries.get_task(ro_uow(), current_actor_user(), task_id))


@bp.post("/tasks/<task_id>/claim")
@auth_required
def claim(task_id: str):
    row = instances.claim_task(uow(), actor_of(current_actor_user()), task_id)
    return jsonify(queries.task_view(row))


@bp.post("/tasks/<task_id>/unclaim")
@auth_required
def unclaim(task_id: str):
    row = instances.unclaim_task(uow(), actor_of(current_actor_user()), task_id)
    return jsonify(queries.task_view(row))


def task_body() -> tuple[dict[str, Any], int | None]:
    """``{"data": {...}, "version": n?}`` of a task submission, checked."""
    body = _json()
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise Invalid("data must be an object", [{"field": "data", "message": "应为对象"}])
    version = body.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise Invalid("version must be an integer", [{"field": "version", "message": "应为整数"}])
    return data, version


@bp.post("/tasks/<task_id>/complete")
@auth_required
def complete(task_id: str):
    data, version = task_body()
    user = current_actor_user()
    inst = instances.complete_task(uow(), actor_of(user), task_id, data, version)
    return jsonify({"instance": queries.instance_summary(ro_uow(), user, inst.id)})


@bp.post("/messages")
@auth_required
def message():
    body = _json()
    name, bk = body.get("name"), body.get("business_key")
    errors = [{"field": f, "message": "必填"} for f, v in (("name", name), ("business_key", bk))
              if not v or not isinstance(v, str)]
    if errors:
        raise Invalid("name and business_key are required", errors)
    inst = instances.correlate_message(uow(), actor_of(current_actor_user()), name, bk, body.get("payload"))
    return jsonify({"instance": queries.instance_view_by_id(ro_uow(), inst.id)})


@bp.get("/clock")
@auth_required
def get_clock():
    rt = runtime()
    return jsonify({"now": rt.now().isoformat(), "movable": rt.clock.movable})


@bp.post("/clock")
@auth_required
def set_clock():
    body = _json()
    actor = actor_of(current_actor_user())
    if "now" in body:
        try:
            target = datetime.fromisoformat(str(body["now"]))
        except ValueError:
            raise Invalid("now must be an ISO date-time", [{"field": "now", "message": "应为 ISO 时间"}]) from None
        if target.tzinfo is None:
            from processes.clock import CST

            target = target.replace(tzinfo=CST)
        new = clock_svc.set_clock(uow(), actor, target)
    elif "advance" in body:
        new = clock_svc.advance_clock(uow(), actor, parse_duration(str(body["advance"])))
    else:
        raise Invalid("give 'now' or 'advance'", [{"field": "now", "message": "必填其一"}])
    return jsonify({"now": new.isoformat(), "movable": True})


def parse_duration(text: str):  # type: ignore[no-untyped-def]
    """ISO-8601 duration → relativedelta (calendar-correct P1M / P3Y; issue 4)."""
    return clock_svc.parse_duration(text)
