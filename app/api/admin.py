"""JSON API of the administration area: monitoring, incidents, variables, users,
validation, drafts, scenarios, migration, dashboard. Thin: parse, call one service, render."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import jsonify, request

from app.api.common import auth_required, int_arg, json_body, legacy_blueprint
from app.extensions import actor_of, current_actor_user, ro_uow, uow
from processes.access import Permission, require
from processes.admin import dashboard as dash
from processes.admin import services as svc
from processes.admin import views
from processes.errors import Invalid
from processes.services import users as users_svc

FILTERS = ("process_key", "version", "state", "county", "round", "step", "overdue", "business_key")

bp = legacy_blueprint("admin")


def plain(value: Any) -> Any:
    """Dates as ISO strings, recursively (jsonify would write HTTP dates)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _str(body: dict[str, Any], name: str, required: bool = False) -> str:
    value = body.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise Invalid(f"{name} is required", [{"field": name, "message": "必填"}])
    return value


def _ids(body: dict[str, Any]) -> list[int]:
    raw = body.get("instances")
    if not isinstance(raw, list) or not all(isinstance(i, int) for i in raw):
        raise Invalid("instances must be a list of instance ids", [{"field": "instances", "message": "应为编号列表"}])
    return raw


def _to(body: dict[str, Any]) -> int | None:
    to = body.get("to")
    if to is not None and not isinstance(to, int):
        raise Invalid("to must be a definition id", [{"field": "to", "message": "应为整数"}])
    return to


# -- monitoring -------------------------------------------------------------------------------------
@bp.get("/admin/instances")
@auth_required
def admin_instances():
    a = request.args
    filters = {k: a.get(k) for k in FILTERS}
    if filters.get("version") and not str(filters["version"]).isdigit():
        raise Invalid("version must be a number", [{"field": "version", "message": "应为整数"}])
    if filters.get("round") and not str(filters["round"]).isdigit():
        raise Invalid("round must be a number", [{"field": "round", "message": "应为整数"}])
    result = views.list_instances(ro_uow(), current_actor_user(), filters, a.get("sort", "id"),
                                  a.get("dir", "desc") != "asc", int_arg("page", 1, 10**6),
                                  int_arg("per_page", 25, 200))
    return jsonify(plain(result))


@bp.get("/admin/instances/<int:instance_id>")
@auth_required
def admin_instance(instance_id: int):
    return jsonify(plain(views.instance_detail(ro_uow(), current_actor_user(), instance_id)))


@bp.get("/admin/instances/<int:instance_id>/diagram")
@auth_required
def admin_instance_diagram(instance_id: int):
    return jsonify(views.diagram_state(ro_uow(), current_actor_user(), instance_id))


@bp.post("/admin/instances/<int:instance_id>/variables")
@auth_required
def admin_edit_variables(instance_id: int):
    body = json_body()
    changes = body.get("set") or {}
    remove = body.get("remove") or []
    if not isinstance(changes, dict) or not isinstance(remove, list):
        raise Invalid("set must be an object and remove a list", [{"field": "set", "message": "格式错误"}])
    svc.edit_variables(uow(), actor_of(current_actor_user()), instance_id, changes, _str(body, "reason"), remove)
    return jsonify(plain(views.instance_detail(ro_uow(), current_actor_user(), instance_id)))


@bp.post("/admin/instances/<int:instance_id>/skip")
@auth_required
def admin_skip(instance_id: int):
    body = request.get_json(silent=True) or {}
    svc.skip_incident(uow(), actor_of(current_actor_user()), instance_id, str(body.get("reason", "")))
    return jsonify(plain(views.instance_detail(ro_uow(), current_actor_user(), instance_id)))


@bp.get("/admin/dashboard")
@auth_required
def admin_dashboard():
    return jsonify(plain(dash.dashboard(ro_uow(), current_actor_user())))


# -- users ------------------------------------------------------------------------------------------------
@bp.get("/admin/users")
@auth_required
def admin_users():
    return jsonify(plain(views.users(ro_uow(), current_actor_user())))


@bp.post("/admin/users")
@auth_required
def admin_create_user():
    body = json_body()
    u = users_svc.create_user(uow(), actor_of(current_actor_user()), _str(body, "username"), _str(body, "password"),
                              _str(body, "role"), body.get("county") or None, _str(body, "display_name"))
    return jsonify({"id": u.id, "username": u.username, "role": u.role, "county": u.county}), 201


@bp.post("/admin/users/<int:user_id>")
@auth_required
def admin_update_user(user_id: int):
    body = json_body()
    u = svc.update_user(uow(), actor_of(current_actor_user()), user_id, body.get("role"),
                        body.get("county") if "county" in body else None, body.get("display_name"),
                        body.get("email"))
    return jsonify({"id": u.id, "username": u.username, "role": u.role, "county": u.county, "active": u.active})


@bp.post("/admin/users/<int:user_id>/<any(activate, deactivate):action>")
@auth_required
def admin_user_active(user_id: int, action: str):
    body = request.get_json(silent=True) or {}
    u = svc.set_active(uow(), actor_of(current_actor_user()), user_id, action == "activate",
                       str(body.get("reason", "")))
    return jsonify({"id": u.id, "username": u.username, "active": u.active})


@bp.post("/admin/users/<int:user_id>/password")
@auth_required
def admin_reset_password(user_id: int):
    body = json_body()
    u = svc.reset_password(uow(), actor_of(current_actor_user()), user_id, _str(body, "password", True))
    return jsonify({"id": u.id, "username": u.username})


# -- definitions, validation, drafts ------------------------------------------------------------------------
@bp.get("/admin/definitions")
@auth_required
def admin_definitions():
    return jsonify(plain(views.definitions(ro_uow(), current_actor_user())))


@bp.get("/admin/definitions/<int:definition_id>")
@auth_required
def admin_definition(definition_id: int):
    return jsonify(plain(views.definition(ro_uow(), current_actor_user(), definition_id)))


@bp.post("/admin/validate")
@auth_required
def admin_validate():
    require(current_actor_user(), Permission.EDIT_DIAGRAMS)
    body = json_body()
    return jsonify(svc.validate_xml(ro_uow(), _str(body, "file") or "diagram.bpmn", _str(body, "xml")))


@bp.get("/admin/drafts")
@auth_required
def admin_drafts():
    require(current_actor_user(), Permission.EDIT_DIAGRAMS)
    return jsonify(svc.list_drafts(ro_uow()))


@bp.post("/admin/drafts")
@auth_required
def admin_save_draft():
    body = json_body()
    base = body.get("base_version")
    d = svc.save_draft(uow(), actor_of(current_actor_user()), _str(body, "xml", True), body.get("key") or None,
                       body.get("file_name") or None, base if isinstance(base, int) else None)
    return jsonify(d), 201


@bp.post("/admin/drafts/<key>/deploy")
@auth_required
def admin_deploy_draft(key: str):
    result = svc.deploy_draft(uow(), actor_of(current_actor_user()), key)
    return jsonify(result), 201 if result["created"] else 200


# -- scenarios ----------------------------------------------------------------------------------------------
@bp.get("/admin/scenarios/<key>")
@auth_required
def admin_scenarios(key: str):
    require(current_actor_user(), Permission.EDIT_DIAGRAMS)
    return jsonify(svc.list_scenarios(ro_uow(), key))


@bp.post("/admin/scenarios/<key>")
@auth_required
def admin_save_scenario(key: str):
    body = json_body()
    s = svc.save_scenario(uow(), actor_of(current_actor_user()), key, _str(body, "name", True),
                          body.get("steps") or {}, body.get("expected") or {})
    return jsonify(s), 201


@bp.post("/admin/scenarios/<key>/run")
@auth_required
def admin_run_scenarios(key: str):
    body = request.get_json(silent=True) or {}
    xml = body.get("xml") if isinstance(body.get("xml"), str) else None
    names = body.get("names") if isinstance(body.get("names"), list) else None
    return jsonify(svc.run_scenarios(ro_uow(), actor_of(current_actor_user()), key, xml, names))


# -- migration -----------------------------------------------------------------------------------------------
@bp.post("/admin/migrations/preview")
@auth_required
def admin_migration_preview():
    body = json_body()
    return jsonify(svc.preview_migration(ro_uow(), actor_of(current_actor_user()), _ids(body), _to(body)))


@bp.post("/admin/migrations")
@auth_required
def admin_migrate():
    body = json_body()
    return jsonify(svc.migrate_instances(uow(), actor_of(current_actor_user()), _ids(body), _to(body),
                                         _str(body, "reason")))
