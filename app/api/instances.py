"""Process definitions, instances and messages: the workflow runtime as an API client sees it."""

from __future__ import annotations

from flask import jsonify, request

from app.api.common import api_blueprint, auth_required, int_arg, json_body
from app.extensions import actor_of, current_actor_user, ro_uow, uow
from processes import queries
from processes.errors import Invalid
from processes.services import deploy, instances, timers

bp = api_blueprint("instances")


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
    data = json_body()
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
                                          a.get("county"), a.get("business_key"), int_arg("limit", 50),
                                          int_arg("offset", 0, 10**9)))


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


@bp.post("/messages")
@auth_required
def message():
    body = json_body()
    name, bk = body.get("name"), body.get("business_key")
    errors = [{"field": f, "message": "必填"} for f, v in (("name", name), ("business_key", bk))
              if not v or not isinstance(v, str)]
    if errors:
        raise Invalid("name and business_key are required", errors)
    inst = instances.correlate_message(uow(), actor_of(current_actor_user()), str(name), str(bk), body.get("payload"))
    return jsonify({"instance": queries.instance_view_by_id(ro_uow(), inst.id)})
