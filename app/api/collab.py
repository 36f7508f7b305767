"""JSON endpoints of the collaboration verbs and the four task lists (same services as the pages)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from app.api import bp
from app.api.routes import _json, auth_required, task_body
from app.extensions import actor_of, current_actor_user, uow
from processes import queries
from processes.collab import excel
from processes.collab import services as collab
from processes.errors import Invalid, NotFound
from processes.services import instances


def _str(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, (str, int)):
        raise Invalid(f"{name} must be a string", [{"field": name, "message": "应为字符串"}])
    return str(value)


def _int_arg(name: str, default: int) -> int:
    try:
        return max(1, int(request.args.get(name, default)))
    except ValueError:
        raise Invalid(f"query parameter '{name}' must be an integer",
                      [{"field": name, "message": "应为整数"}]) from None


@bp.get("/task-lists/<any(mine, claimable, done, copied):which>")
@auth_required
def api_task_list(which: str):
    """Query: process, round (year), county, overdue=1, sort (due|-due|created|-created|name|process),
    page, per_page."""
    a = request.args
    q = collab.ListQuery(process_key=a.get("process") or None, round=a.get("round") or None,
                         county=a.get("county") or None, overdue=a.get("overdue") in ("1", "true"),
                         sort=a.get("sort", "due") if a.get("sort") in collab.SORTS else "due",
                         page=_int_arg("page", 1), per_page=min(_int_arg("per_page", 20), 100))
    return jsonify(collab.list_tasks(uow(), current_actor_user(), which, q))


@bp.get("/task-counts")
@auth_required
def api_task_counts():
    return jsonify(collab.counts(uow(), current_actor_user()))


@bp.get("/process-instances/<int:instance_id>/timeline")
@auth_required
def api_timeline(instance_id: int):
    collab.may_read_instance(uow(), current_actor_user(), instance_id)
    return jsonify(collab.timeline(uow(), instance_id))


@bp.post("/tasks/<task_id>/draft")
@auth_required
def api_save_draft(task_id: str):
    data = _json().get("data", {})
    return jsonify({"draft": collab.save_draft(uow(), actor_of(current_actor_user()), task_id, data)})


@bp.post("/tasks/<task_id>/submit")
@auth_required
def api_submit(task_id: str):
    """Like /complete, plus the UI's checks: table rows, mandatory opinion, decision required."""
    data, version = task_body()
    inst = collab.submit_task(uow(), actor_of(current_actor_user()), task_id, data, version)
    return jsonify({"instance": queries.instance_view_by_id(uow(), inst.id)})


@bp.post("/tasks/<task_id>/release")
@auth_required
def api_release(task_id: str):
    row = instances.unclaim_task(uow(), actor_of(current_actor_user()), task_id)
    return jsonify(queries.task_view(row))


@bp.post("/tasks/<task_id>/<any(transfer, delegate):verb>")
@auth_required
def api_transfer_or_delegate(task_id: str, verb: str):
    body = _json()
    fn = collab.transfer if verb == "transfer" else collab.delegate
    row = fn(uow(), actor_of(current_actor_user()), task_id, _str(body, "to"), _str(body, "note"))
    return jsonify(queries.task_view(row))


@bp.post("/tasks/<task_id>/take-back")
@auth_required
def api_take_back(task_id: str):
    row = collab.take_back(uow(), actor_of(current_actor_user()), task_id)
    return jsonify(queries.task_view(row))


@bp.post("/tasks/<task_id>/copy")
@auth_required
def api_copy(task_id: str):
    body = _json()
    to = body.get("to")
    if isinstance(to, (str, int)):
        to = [to]
    if not isinstance(to, list):
        raise Invalid("to must be a list of user names", [{"field": "to", "message": "应为用户名列表"}])
    made = collab.copy(uow(), actor_of(current_actor_user()), task_id, to, _str(body, "note"))
    return jsonify({"copied": [c.user_id for c in made]}), 201


@bp.post("/tasks/<task_id>/urge")
@auth_required
def api_urge(task_id: str):
    body = request.get_json(silent=True) or {}
    note = str(body.get("note", "")) if isinstance(body, dict) else ""
    u = collab.urge(uow(), actor_of(current_actor_user()), task_id, note)
    return jsonify({"task_id": u.task_id, "holder_id": u.holder_id, "day": u.day}), 201


@bp.post("/tasks/<task_id>/tables/<field_id>/import")
@auth_required
def api_table_import(task_id: str, field_id: str):
    """Parse an uploaded .xlsx/.csv (multipart field 'file') into rows; 422 with row errors."""
    view = queries.get_task(uow(), current_actor_user(), task_id)
    fd = next((f for f in view["fields"] if f["id"] == field_id and f["type"] == "json"), None)
    if fd is None or not excel.columns_of(fd):
        raise NotFound(f"the form of task {task_id} has no table '{field_id}'")
    f = request.files.get("file")
    if f is None:
        raise Invalid("send the file as multipart field 'file'", [{"field": "file", "message": "缺少文件"}])
    rows, errors = excel.import_rows(fd, f.filename or "", f.read())
    if errors:
        raise Invalid(f"{len(errors)} errors in the file; nothing imported", errors)
    return jsonify({"rows": rows, "count": len(rows)})
