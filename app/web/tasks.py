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
from flask_login import current_user, login_required

from app.extensions import actor_of, ro_uow, runtime, uow
from app.web.recognition import materials_of
from processes import queries
from processes.access import Permission, allowed
from processes.calendar import services as calendar_services
from processes.errors import DomainError, Invalid, NotFound
from processes.models import User
from processes.recognition import services as recognition
from processes.services import instances
from processes.tasks import lists, submit, tables, verbs
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

def form_values(fields: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The submitted form as field values (tables as lists of row dicts), and parse errors."""
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    f = request.form
    for fd in fields:
        fid = fd["id"]
        if fd.get("readonly"):
            continue
        if fd["type"] == "json":
            cols = tables.columns_of(fd)
            if (fd.get("properties") or {}).get("users_of_role"):
                if f"{fid}.__picker" in f:  # a checklist: unticked boxes send nothing
                    values[fid] = [v for v in f.getlist(fid) if v]
            elif cols:
                rows: dict[int, dict[str, Any]] = {}
                prefix = f"{fid}."
                for key in f:
                    if key.startswith(prefix):
                        parts = key[len(prefix):].split(".", 1)
                        if len(parts) == 2 and parts[0].isdigit():
                            rows.setdefault(int(parts[0]), {})[parts[1]] = f.get(key, "")
                values[fid] = [rows[i] for i in sorted(rows)]
            elif fid in f:
                raw = f.get(fid, "").strip()
                try:
                    values[fid] = json.loads(raw) if raw else []
                except ValueError:
                    values[fid] = raw
                    errors.append({"field": fid, "message": f"{fd['label']}：不是合法的 JSON"})
        elif fid in f:
            values[fid] = f.get(fid, "")
    return values, errors


def _errors_by_field(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in errors:
        out.setdefault(str(e.get("field") or "_form"), []).append(str(e.get("message", "")))
    return out


def _cell_errors(errors: list[dict[str, Any]]) -> set[str]:
    return {f"{e['field']}.{e['row']}.{e['column']}" for e in errors if e.get("row") and e.get("column")}


def render_task(task_id: str, values: dict[str, Any] | None = None, errors: list[dict[str, Any]] | None = None,
                status: int = 200) -> ResponseReturnValue:
    user = _user()
    view = queries.get_task(ro_uow(), user, task_id)
    data = view.get("data") or {}
    draft = view.get("draft") or {}
    if values is None:
        values = {}
        for fd in view["fields"]:
            fid = fd["id"]
            if fid in draft:
                values[fid] = draft[fid]
            elif fid in data:
                values[fid] = data[fid]
            elif fd.get("default") not in (None, ""):
                values[fid] = fd["default"]
    buttons_done = False
    for fd in view["fields"]:
        fd["columns"] = [c.as_dict() for c in tables.columns_of(fd)] if fd["type"] == "json" else []
        picker_role = (fd.get("properties") or {}).get("users_of_role")
        fd["user_choices"] = queries.users_with_role(ro_uow(), picker_role) if picker_role else None
        # the form's decision (decision, *_decision or property buttons=true) is a row of buttons
        wants = fd["id"] == "decision" or fd["id"].endswith("_decision") or \
            str(fd.get("properties", {}).get("buttons", "")).lower() == "true"
        fd["is_decision"] = fd["type"] == "enum" and wants and not buttons_done and not fd.get("readonly")
        buttons_done = buttons_done or fd["is_decision"]
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
        "has_decision": any(fd["is_decision"] for fd in view["fields"]),
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
    user = _user()
    view = queries.get_task(ro_uow(), user, task_id)
    values, parse_errors = form_values(view["fields"])
    if request.form.get("_action") == "draft":
        verbs.save_draft(uow(), actor_of(user), task_id, values)
        flash("草稿已保存", "ok")
        return redirect(url_for("tasks.task_page", task_id=task_id))
    if parse_errors:
        return render_task(task_id, values, parse_errors, 422)
    version = request.form.get("_version")
    try:
        submit.submit_task(uow(), actor_of(user), task_id, values,
                           int(version) if version and version.isdigit() else None)
    except Invalid as exc:
        return render_task(task_id, values, exc.errors or [{"field": "_form", "message": exc.message}], 422)
    flash(f"已提交：{view['name']}", "ok")
    return redirect(url_for("tasks.task_list", which="mine"))


# ------------------------------------------------------------------ tables: template and import

def _table_field(task_id: str, field_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    view = queries.get_task(ro_uow(), _user(), task_id)
    for fd in view["fields"]:
        if fd["id"] == field_id and fd["type"] == "json" and tables.columns_of(fd):
            return view, fd
    raise NotFound(f"the form of task {task_id} has no table '{field_id}'")


@bp.get("/tasks/<task_id>/tables/<field_id>/template.<any(xlsx, csv):ext>")
@login_required
def table_template(task_id: str, field_id: str, ext: str):
    _, fd = _table_field(task_id, field_id)
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
    view, fd = _table_field(task_id, field_id)
    values, _ = form_values(view["fields"])
    upload = request.files.get(f"import_{field_id}")
    if upload is None or not upload.filename:
        err = [{"field": field_id, "message": f"{fd['label']}：请选择要导入的 Excel（.xlsx）或 CSV 文件"}]
        return render_task(task_id, values, err, 422)
    rows, errors = tables.import_rows(fd, upload.filename, upload.read())
    if errors:
        head = {"field": field_id, "message": f"{fd['label']}：导入失败，{len(errors)} 处错误，未导入任何行"}
        return render_task(task_id, values, [head, *errors], 422)
    values[field_id] = rows
    verbs.save_draft(uow(), actor_of(user), task_id, values)
    flash(f"{fd['label']}：已导入 {len(rows)} 行并保存草稿", "ok")
    return redirect(url_for("tasks.task_page", task_id=task_id) + f"#field-{field_id}")


# ------------------------------------------------------------------ verbs

def _verb(task_id: str, fn: Callable[[], object], ok: str, to_list: bool = False) -> ResponseReturnValue:
    try:
        fn()
    except NotFound:
        raise
    except DomainError as exc:
        details = "；".join(e.get("message", "") for e in exc.errors) if exc.errors else ""
        flash(f"{VERB_ERRORS.get(exc.message, exc.message)}{'：' + details if details else ''}", "error")
        return redirect(url_for("tasks.task_page", task_id=task_id))
    flash(ok, "ok")
    if to_list:
        return redirect(url_for("tasks.task_list", which="mine"))
    return redirect(url_for("tasks.task_page", task_id=task_id))


# Chinese for the service layer's messages that users meet on the task page
VERB_ERRORS = {
    "this task is not in your queue": "这不是您队列中的任务",
    "only the holder of a task can release it": "只有任务的办理人可以释放",
    "this task was assigned by the process and cannot be released to a queue": "该任务由流程指定办理人，不能释放",
    "only the holder of a task may transfer it; claim it first": "只有办理人可以转办，请先认领",
    "only the holder of a task may delegate it; claim it first": "只有办理人可以委派，请先认领",
    "this task is already delegated; take it back first": "该任务已委派，请先收回",
    "this task is not delegated": "该任务没有委派",
    "nobody holds this task yet; it waits in the queue of its role (待认领)": "该任务尚无人认领，无法催办",
    "you hold this task yourself": "您自己就是办理人",
    "this holder was already urged today; one urge per holder per day": "今天已催办过该办理人（每人每天一次）",
    "choose a colleague": "请选择同事",
    "choose at least one person": "请选择抄送对象",
    "not a colleague of the same role and county": "所选用户不是同一角色、同一县区的同事",
    "no such active user": "没有该用户",
    "may not be copied": "所选用户无权查看本件",
    "this task cannot be transferred (only county and municipal staff tasks can)": "该任务不能转办",
    "this task cannot be delegated (only county and municipal staff tasks can)": "该任务不能委派",
    "only the holder of the task or the municipal bureau may copy it": "只有办理人或市局可以抄送",
}


@bp.post("/tasks/<task_id>/claim")
@login_required
def task_claim(task_id: str):
    return _verb(task_id, lambda: instances.claim_task(uow(), actor_of(_user()), task_id), "已认领，任务已进入我的待办")


@bp.post("/tasks/<task_id>/release")
@login_required
def task_release(task_id: str):
    return _verb(task_id, lambda: instances.unclaim_task(uow(), actor_of(_user()), task_id), "已释放，任务回到待认领")


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
        flash(VERB_ERRORS.get(exc.message, exc.message), "error")
        return redirect(url_for("tasks.instance_page", instance_id=instance_id))
    flash(f"已撤回 {inst['business_key']}", "ok")
    return redirect(url_for("tasks.instance_page", instance_id=instance_id))


VERB_ERRORS.update({
    "the county (or another person) has already acted on this case; it cannot be withdrawn":
        "县级主管部门（或其他人）已办理，不能再撤回",
    "this case has already ended or is suspended; it cannot be withdrawn": "该件已办结或已挂起，不能撤回",
})
