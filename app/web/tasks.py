"""Pages of the staff UI: the four task lists, the task page (form, summary, timeline, checks),
drafts, table imports, the approval verbs, instance pages, starting a process, withdrawing.

Routes only translate HTTP into one service call each; rules live in processes/tasks/.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import actor_of, ro_uow, runtime, uow
from app.web.recognition import materials_of
from processes import queries
from processes.access import Permission, allowed
from processes.calendar import services as calendar_services
from processes.errors import DomainError, Invalid, NotFound
from processes.forms.model import FieldDef
from processes.messages import field_error
from processes.models import User
from processes.recognition import services as recognition
from processes.services import instances
from processes.tasks import complete as completion
from processes.tasks import lists, tables, verbs
from processes.vocabulary import STAFF_ROLES

bp = Blueprint("tasks", __name__)

LIST_TITLES = {"mine": "我的待办", "claimable": "待认领", "done": "已办", "copied": "抄送我的"}
RESERVED = ("csrf_token", "_action", "_version")


def _user() -> User:
    return current_user.user


def _int(name: str, default: int) -> int:
    try:
        return max(1, int(request.args.get(name, default)))
    except ValueError:
        return default


def list_query() -> lists.ListQuery:
    a = request.args
    return lists.ListQuery(process_key=a.get("process") or None, round=a.get("round") or None,
                            county=a.get("county") or None, overdue=a.get("overdue") in ("1", "on", "true"),
                            sort=a.get("sort", "due") if a.get("sort") in lists.SORTS else "due",
                            page=_int("page", 1), per_page=min(_int("per_page", 20), 100))


@bp.get("/tasks/<any(mine, claimable, done, copied):which>")
@login_required
def task_list(which: str):
    result = lists.list_tasks(ro_uow(), _user(), which, list_query())
    return render_template("tasks/list.html", which=which, title=LIST_TITLES[which], result=result,
                           args=request.args)


# ------------------------------------------------------------------ the task page

def form_values(fields: list[FieldDef]) -> dict[str, Any]:
    """The submitted form as field values, the shape the API takes: tables as lists of row objects,
    pick-lists as lists of user names, other JSON fields parsed (a string that is not JSON stays a
    string, and the form's check names the field)."""
    values: dict[str, Any] = {}
    f = request.form
    for fd in fields:
        fid = fd.id
        if fd.readonly:
            continue
        if fd.picker_role:
            if f"{fid}.__picker" in f:  # a checklist: unticked boxes send nothing
                values[fid] = [v for v in f.getlist(fid) if v]
        elif fd.columns:
            rows: dict[int, dict[str, Any]] = {}
            prefix = f"{fid}."
            for key in f:
                if key.startswith(prefix):
                    parts = key[len(prefix):].split(".", 1)
                    if len(parts) == 2 and parts[0].isdigit():
                        rows.setdefault(int(parts[0]), {})[parts[1]] = f.get(key, "")
            if rows or f"{fid}.__table" in f:
                values[fid] = [rows[i] for i in sorted(rows)]
        elif fd.type == "json":
            if fid in f:
                raw = f.get(fid, "").strip()
                try:
                    values[fid] = json.loads(raw) if raw else []
                except ValueError:
                    values[fid] = raw
        elif fid in f:
            values[fid] = f.get(fid, "")
    return values


def _errors_by_field(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Messages by the form field they belong to: a cell's (``served_list[3].phone``) and a
    material's (``materials.m05``) under their table or the materials list."""
    out: dict[str, list[str]] = {}
    for e in errors:
        field = str(e.get("field") or "_form").split("[")[0].split(".")[0]
        out.setdefault(field, []).append(str(e.get("message", "")))
    return out


def _cell_errors(errors: list[dict[str, Any]]) -> set[str]:
    return {f"{e['field']}.{e['row']}.{e['column']}" for e in errors if e.get("row") and e.get("column")}


def render_task(task_id: str, values: dict[str, Any] | None = None, errors: list[dict[str, Any]] | None = None,
                status: int = 200) -> ResponseReturnValue:
    user = _user()
    view = queries.get_task(ro_uow(), user, task_id)
    data = view.get("data") or {}
    if values is None:
        values = {fd["id"]: fd["value"] for fd in view["fields"] if fd["value"] is not None}
    # the form's first decision (decision, *_decision or property buttons=true) is a row of buttons
    buttons_done = False
    for fd in view["fields"]:
        fd["decision"] = fd["decision"] and not buttons_done
        buttons_done = buttons_done or fd["decision"]
    errors = errors or []
    holder_id = view.get("assignee_id")
    instance = queries.instance_view_by_id(ro_uow(), view["instance_id"])
    open_tasks = lists.open_tasks_of(ro_uow(), view["instance_id"])
    ctx: dict[str, Any] = {
        "task": view, "values": values, "errors": _errors_by_field(errors), "cell_errors": _cell_errors(errors),
        "all_errors": errors, "instance": instance, "summary": summary_of(data),
        "check_results": data.get("check_results") or [],
        "objection": data.get("objection") if isinstance(data.get("objection"), dict) else None,
        "timeline": lists.timeline(ro_uow(), view["instance_id"]),
        "delegation": verbs.delegation_of(ro_uow(), task_id),
        "is_holder": holder_id == user.id, "colleagues": [], "copy_targets": [],
        "open_tasks": open_tasks,
        "due": {**lists.due_info(_parse_dt(view.get("due_at")), _now()),
                "due_provisional": view.get("due_provisional")},
        "urged_today": lists.urged_today(ro_uow(), task_id, holder_id),
        "has_decision": buttons_done,
        "needs_opinion": any(fd["id"] == "opinion" for fd in view["fields"]),
    }
    me: dict[str, Any] = next((t for t in open_tasks if t["id"] == task_id), {})
    ctx["holder_name"], ctx["is_pool"] = me.get("assignee"), me.get("pool", False)
    ctx["materials"] = materials_of(view.get("business_key")) if view.get("process_key") == "recognition" else None
    ctx["may_withdraw"] = verbs.may_withdraw(ro_uow(), user, view["instance_id"])
    if holder_id == user.id and view.get("role") in STAFF_ROLES:
        ctx["colleagues"] = verbs.colleagues(ro_uow(), user, task_id)
    if allowed(user, Permission.COPY_TASKS) and (view.get("may_act") or allowed(user, Permission.SEE_ALL_INSTANCES)):
        ctx["copy_targets"] = verbs.copy_targets(ro_uow(), user, task_id)
    return render_template("tasks/task.html", **ctx), status


def _now() -> datetime:

    return runtime().now()


def _parse_dt(value: str | None) -> datetime | None:

    return datetime.fromisoformat(value) if value else None


SUMMARY_KEYS = (
    ("business_key", "业务编号"), ("unit_name", "单位名称"), ("credit_code", "统一社会信用代码"),
    ("county", "所属县区"), ("unit_nature", "单位性质"), ("registration_date", "注册日期"),
    ("legal_representative", "法定代表人"), ("contact_name", "联系人"), ("contact_phone", "联系电话"),
    ("total_assets_wan", "资产总额（万元）"), ("smes_served_last_year", "上年服务中小企业（家）"),
    ("satisfaction_rate", "用户满意度（百分比）"), ("staff_total", "服务人员（人）"), ("initiator", "发起人"),
)


def summary_of(data: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(label, data[k]) for k, label in SUMMARY_KEYS if data.get(k) not in (None, "")]


@bp.get("/tasks/<task_id>")
@login_required
def task_page(task_id: str):
    return render_task(task_id)


@bp.post("/tasks/<task_id>")
@login_required
def task_submit(task_id: str):
    """The form's submit button: the same use case as ``POST /api/v1/tasks/{id}/complete``."""
    user = _user()
    values = form_values(queries.task_fields(ro_uow(), user, task_id))
    if request.form.get("_action") == "draft":
        verbs.save_draft(uow(), actor_of(user), task_id, values)
        flash(_("草稿已保存"), "ok")
        return redirect(url_for("tasks.task_page", task_id=task_id))
    version = request.form.get("_version")
    try:
        done = completion.complete_task(uow(), actor_of(user), task_id, values,
                                        int(version) if version and version.isdigit() else None)
    except Invalid as exc:
        return render_task(task_id, values, exc.errors or [{"field": "_form", "message": exc.message}], 422)
    if done.repeated:
        flash(_("已提交，但流程要求补充后重新办理：") + "；".join(r["message"] for r in done.reasons), "error")
        return redirect(url_for("tasks.task_page", task_id=done.next_tasks[0]["id"]))
    nxt = "、".join(f"{t['name']}（{t['assignee'] or _('待认领')}）" for t in done.next_tasks)
    flash(_("已提交。") + (_("下一步：") + nxt if nxt else _("本件已办结。")), "ok")
    return redirect(url_for("tasks.task_list", which="mine"))


# ------------------------------------------------------------------ tables: template and import

def _table_field(task_id: str, field_id: str) -> tuple[list[FieldDef], FieldDef]:
    fields = queries.task_fields(ro_uow(), _user(), task_id)
    for fd in fields:
        if fd.id == field_id and fd.columns:
            return fields, fd
    raise NotFound(_("表单中没有这个表格"), code="table_not_found")


@bp.get("/tasks/<task_id>/tables/<field_id>/template.<any(xlsx, csv):ext>")
@login_required
def table_template(task_id: str, field_id: str, ext: str):
    _fields, fd = _table_field(task_id, field_id)
    if ext == "xlsx":
        body, mime = tables.template_xlsx(fd), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, mime = tables.template_csv(fd), "text/csv; charset=utf-8"
    return Response(body, mimetype=mime,
                    headers={"Content-Disposition": f"attachment; filename={field_id}-template.{ext}"})


@bp.post("/tasks/<task_id>/tables/<field_id>/import")
@login_required
def table_import(task_id: str, field_id: str):
    """The import button belongs to the task form: what was typed is kept (saved as draft) and the
    imported rows replace the table — or nothing changes and the row errors are shown."""
    user = _user()
    fields, fd = _table_field(task_id, field_id)
    values = form_values(fields)
    upload = request.files.get(f"import_{field_id}")
    if upload is None or not upload.filename:
        err = [field_error(field_id, "required", "{label}：请选择要导入的 Excel（.xlsx）或 CSV 文件", label=fd.label)]
        return render_task(task_id, values, err, 422)
    rows, errors = tables.import_rows(fd, upload.filename, upload.read())
    if errors:
        head = field_error(field_id, "import_invalid", "{label}：导入失败，{n} 处错误，未导入任何行",
                           label=fd.label, n=len(errors))
        return render_task(task_id, values, [head, *errors], 422)
    values[field_id] = rows
    verbs.save_draft(uow(), actor_of(user), task_id, values)
    flash(_("{label}：已导入 {n} 行并保存草稿").format(label=fd.label, n=len(rows)), "ok")
    return redirect(url_for("tasks.task_page", task_id=task_id) + f"#field-{field_id}")


# ------------------------------------------------------------------ verbs

def _verb(task_id: str, fn: Callable[[], object], ok: str, to_list: bool = False) -> ResponseReturnValue:
    try:
        fn()
    except NotFound:
        raise
    except DomainError as exc:
        details = "；".join(e.get("message", "") for e in exc.errors) if exc.errors else ""
        flash(f"{exc.message}{'：' + details if details else ''}", "error")
        return redirect(url_for("tasks.task_page", task_id=task_id))
    flash(ok, "ok")
    if to_list:
        return redirect(url_for("tasks.task_list", which="mine"))
    return redirect(url_for("tasks.task_page", task_id=task_id))


@bp.post("/tasks/<task_id>/claim")
@login_required
def task_claim(task_id: str):
    return _verb(task_id, lambda: verbs.claim_task(uow(), actor_of(_user()), task_id), "已认领，任务已进入我的待办")


@bp.post("/tasks/<task_id>/release")
@login_required
def task_release(task_id: str):
    return _verb(task_id, lambda: verbs.unclaim_task(uow(), actor_of(_user()), task_id), "已释放，任务回到待认领")


@bp.post("/tasks/<task_id>/transfer")
@login_required
def task_transfer(task_id: str):
    to = request.form.get("to", "")
    return _verb(task_id, lambda: verbs.transfer(uow(), actor_of(_user()), task_id, to, request.form.get("note", "")),
                 "已转办", to_list=True)


@bp.post("/tasks/<task_id>/delegate")
@login_required
def task_delegate(task_id: str):
    to = request.form.get("to", "")
    return _verb(task_id, lambda: verbs.delegate(uow(), actor_of(_user()), task_id, to, request.form.get("note", "")),
                 "已委派，可随时收回")


@bp.post("/tasks/<task_id>/take-back")
@login_required
def task_take_back(task_id: str):
    return _verb(task_id, lambda: verbs.take_back(uow(), actor_of(_user()), task_id), "委派已收回")


@bp.post("/tasks/<task_id>/copy")
@login_required
def task_copy(task_id: str):
    to: list[str | int] = list(request.form.getlist("to"))
    return _verb(task_id, lambda: verbs.copy(uow(), actor_of(_user()), task_id, to, request.form.get("note", "")),
                 "已抄送")


@bp.post("/tasks/<task_id>/urge")
@login_required
def task_urge(task_id: str):
    return _verb(task_id, lambda: verbs.urge(uow(), actor_of(_user()), task_id, request.form.get("note", "")),
                 "已催办，办理人会收到提醒")


# ------------------------------------------------------------------ instances

@bp.get("/instances/<int:instance_id>")
@login_required
def instance_page(instance_id: int):
    user = _user()
    lists.may_read_instance(ro_uow(), user, instance_id)
    lists.mark_copy_read(uow(), user, instance_id)
    instance = queries.instance_view_by_id(ro_uow(), instance_id)
    return render_template("tasks/instance.html", instance=instance,
                           application=recognition.outcome_of_instance(ro_uow(), instance_id)
                           if instance["process_key"] == "recognition" else None,
                           provisional=[d for d in calendar_services.deadlines_of(ro_uow(), instance_id, open_only=True)
                                        if d.provisional],
                           may_withdraw=verbs.may_withdraw(ro_uow(), user, instance_id),
                           timeline=lists.timeline(ro_uow(), instance_id),
                           open_tasks=lists.open_tasks_of(ro_uow(), instance_id))


@bp.get("/instances")
@login_required
def instance_list():
    a = request.args
    page = _int("page", 1)
    result = queries.list_instances(ro_uow(), _user(), a.get("process") or None, a.get("state") or None,
                                    a.get("county") or None, None, 20, (page - 1) * 20)
    return render_template("tasks/instances.html", result=result, page=page, args=a)


@bp.get("/start")
@login_required
def start_page():
    return render_template("tasks/start.html", definitions=lists.startable(ro_uow(), _user()))


@bp.post("/start")
@login_required
def start_post():
    key = request.form.get("process_key", "")
    try:
        inst = instances.start_instance(uow(), actor_of(_user()), key)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("tasks.start_page"))
    tasks = [t for t in lists.open_tasks_of(ro_uow(), inst.id) if t["assignee_id"] == _user().id]
    flash(f"已发起 {inst.business_key}", "ok")
    if tasks:
        return redirect(url_for("tasks.task_page", task_id=tasks[0]["id"]))
    return redirect(url_for("tasks.instance_page", instance_id=inst.id))


# ------------------------------------------------------------------ withdraw (撤回)

@bp.post("/instances/<int:instance_id>/withdraw")
@login_required
def instance_withdraw(instance_id: int):
    user = _user()
    lists.may_read_instance(ro_uow(), user, instance_id)
    inst = queries.instance_view_by_id(ro_uow(), instance_id)
    reason = request.form.get("reason", "")
    try:
        if inst["process_key"] == "recognition":
            recognition.withdraw_application(uow(), actor_of(user), inst["business_key"], reason)
        else:
            verbs.withdraw(uow(), actor_of(user), instance_id, reason)
    except NotFound:
        raise
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("tasks.instance_page", instance_id=instance_id))
    flash(f"已撤回 {inst['business_key']}", "ok")
    return redirect(url_for("tasks.instance_page", instance_id=instance_id))


