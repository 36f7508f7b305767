"""Open tasks as an API client sees them: lists, the task with its form, claim and release,
drafts, completion, table imports, and the verbs (transfer, delegate, take back, copy, urge)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for

from app.api.common import api_blueprint, auth_required, int_arg, json_body, task_body
from app.extensions import actor_of, current_actor_user, ro_uow, uow
from processes import queries
from processes.errors import Invalid, NotFound
from processes.messages import field_error, t
from processes.tasks import complete as completion
from processes.tasks import lists, tables, verbs

bp = api_blueprint("tasks")


def _str(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, (str, int)):
        raise Invalid(f"{name} must be a string", [{"field": name, "message": "应为字符串"}])
    return str(value)


@bp.get("/tasks")
@auth_required
def list_tasks():
    return jsonify(queries.list_tasks(ro_uow(), current_actor_user(), request.args.get("process_key"),
                                      int_arg("limit", 100), int_arg("offset", 0, 10**9)))


@bp.get("/tasks/<task_id>")
@auth_required
def get_task(task_id: str):
    """The task with its form describing itself; a material says where to upload it."""
    view = queries.get_task(ro_uow(), current_actor_user(), task_id)
    for m in view.get("materials") or []:
        m["upload_url"] = url_for("api_recognition.upload_material", business_key=view["business_key"],
                                  mkey=m["key"])
    return jsonify(view)


@bp.post("/tasks/<task_id>/claim")
@auth_required
def claim(task_id: str):
    row = verbs.claim_task(uow(), actor_of(current_actor_user()), task_id)
    return jsonify(queries.task_view(row))


@bp.post("/tasks/<task_id>/unclaim")
@auth_required
def unclaim(task_id: str):
    row = verbs.unclaim_task(uow(), actor_of(current_actor_user()), task_id)
    return jsonify(queries.task_view(row))


@bp.post("/tasks/<task_id>/complete")
@bp.post("/tasks/<task_id>/submit")  # the former name: the same use case
@auth_required
def complete(task_id: str):
    """Complete the task: 422 naming every field that is wrong (nothing changes); otherwise the
    instance, the tasks now open, and whether the diagram sent the case back to this task (with
    its reasons)."""
    data, version = task_body()
    user = current_actor_user()
    done = completion.complete_task(uow(), actor_of(user), task_id, data, version)
    return jsonify({"instance": queries.instance_summary(ro_uow(), user, done.instance.id),
                    "next_tasks": done.next_tasks, "repeated": done.repeated, "reasons": done.reasons})




@bp.get("/task-lists/<any(mine, claimable, done, copied):which>")
@auth_required
def api_task_list(which: str):
    """Query: process, round (year), county, overdue=1, sort (due|-due|created|-created|name|process),
    page, per_page."""
    a = request.args
    q = lists.ListQuery(process_key=a.get("process") or None, round=a.get("round") or None,
                         county=a.get("county") or None, overdue=a.get("overdue") in ("1", "true"),
                         sort=a.get("sort", "due") if a.get("sort") in lists.SORTS else "due",
                         page=int_arg("page", 1, 10**6, 1), per_page=int_arg("per_page", 20, 100, 1))
    return jsonify(lists.list_tasks(ro_uow(), current_actor_user(), which, q))


@bp.get("/task-counts")
@auth_required
def api_task_counts():
    return jsonify(lists.counts(ro_uow(), current_actor_user()))


@bp.get("/process-instances/<int:instance_id>/timeline")
@auth_required
def api_timeline(instance_id: int):
    lists.may_read_instance(ro_uow(), current_actor_user(), instance_id)
    return jsonify(lists.timeline(ro_uow(), instance_id))


@bp.post("/tasks/<task_id>/draft")
@auth_required
def api_save_draft(task_id: str):
    data = json_body().get("data", {})
    return jsonify({"draft": verbs.save_draft(uow(), actor_of(current_actor_user()), task_id, data)})


@bp.post("/tasks/<task_id>/release")
@auth_required
def api_release(task_id: str):
    row = verbs.unclaim_task(uow(), actor_of(current_actor_user()), task_id)
    return jsonify(queries.task_view(row))


@bp.post("/tasks/<task_id>/<any(transfer, delegate):verb>")
@auth_required
def api_transfer_or_delegate(task_id: str, verb: str):
    body = json_body()
    fn = verbs.transfer if verb == "transfer" else verbs.delegate
    row = fn(uow(), actor_of(current_actor_user()), task_id, _str(body, "to"), _str(body, "note"))
    return jsonify(queries.task_view(row))


@bp.post("/tasks/<task_id>/take-back")
@auth_required
def api_take_back(task_id: str):
    row = verbs.take_back(uow(), actor_of(current_actor_user()), task_id)
    return jsonify(queries.task_view(row))


@bp.post("/tasks/<task_id>/copy")
@auth_required
def api_copy(task_id: str):
    body = json_body()
    to = body.get("to")
    if isinstance(to, (str, int)):
        to = [to]
    if not isinstance(to, list):
        raise Invalid("to must be a list of user names", [{"field": "to", "message": "应为用户名列表"}])
    made = verbs.copy(uow(), actor_of(current_actor_user()), task_id, to, _str(body, "note"))
    return jsonify({"copied": [c.user_id for c in made]}), 201


@bp.post("/tasks/<task_id>/urge")
@auth_required
def api_urge(task_id: str):
    body = request.get_json(silent=True) or {}
    note = str(body.get("note", "")) if isinstance(body, dict) else ""
    u = verbs.urge(uow(), actor_of(current_actor_user()), task_id, note)
    return jsonify({"task_id": u.task_id, "holder_id": u.holder_id, "day": u.day}), 201


@bp.post("/tasks/<task_id>/tables/<field_id>/import")
@auth_required
def api_table_import(task_id: str, field_id: str):
    """Parse an uploaded .xlsx/.csv (multipart field 'file') into rows; 422 with row errors."""
    fields = queries.task_fields(ro_uow(), current_actor_user(), task_id)
    fd = next((f for f in fields if f.id == field_id and f.columns), None)
    if fd is None:
        raise NotFound(t("表单中没有表格 {field}", field=field_id[:64]), code="table_not_found")
    f = request.files.get("file")
    if f is None:
        raise Invalid(t("请上传文件（multipart 字段 file）"), [field_error("file", "required", "缺少文件")])
    rows, errors = tables.import_rows(fd, f.filename or "", f.read())
    if errors:
        raise Invalid(t("文件中有 {n} 处错误，未导入任何行", n=len(errors)), errors, code="import_invalid")
    return jsonify({"rows": rows, "count": len(rows)})
