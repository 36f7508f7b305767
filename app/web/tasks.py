"""Pages of the staff UI: the four task lists, the task page (form, summary, timeline, checks),
drafts, table imports, the approval verbs, instance pages, starting a process, withdrawing.

Routes only translate HTTP into one service call each; rules live in processes/tasks/.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from app.extensions import actor_of, ro_uow, runtime, uow
from app.templating import county_names, local_time
from app.web.forms import cell_errors, errors_by_field, form_values, json_errors, wants_json
from processes import queries
from processes.access import Permission, allowed
from processes.calendar import services as calendar_services
from processes.documents.exports import to_file
from processes.errors import DomainError, Invalid, NotFound
from processes.forms.checks import MAX_TEXT
from processes.forms.model import FieldDef
from processes.messages import field_error
from processes.models import User
from processes.recognition import services as recognition
from processes.recognition import views as recognition_views
from processes.services import instances
from processes.tasks import complete as completion
from processes.tasks import exports as task_exports
from processes.tasks import lists, tables, verbs
from processes.vocabulary import COUNTY_SCOPED, ROLE_NAMES, STAFF_ROLES, InstanceState

bp = Blueprint("tasks", __name__)

@bp.app_template_filter("local_date")
def local_date(value: object) -> str:
    """An ISO instant (or datetime) as its Beijing date ``YYYY-MM-DD``: lists show the same day as the
    detail pages (a case started 00:30 Beijing time is not yesterday's)."""
    text = local_time(value)
    return text[:10] if text != "—" else text


@bp.app_template_filter("json_attr")
def json_attr(value: object) -> Markup:
    """JSON for a single-quoted HTML attribute, in UTF-8 (a 300-row table is half the size of the
    ASCII-escaped ``tojson``): ``<``, ``>``, ``&`` and ``'`` escaped as ``tojson`` does."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return Markup(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
                  .replace("'", "\\u0027"))


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
    return lists.query_from(request.args)


def _filters() -> dict[str, Any]:
    """What the list filters offer the user: the processes by name, the counties (not to a county
    officer nor an applicant: they see one county only)."""
    user = _user()
    return {"processes": lists.process_names(ro_uow()),
            "counties": {} if user.role in COUNTY_SCOPED else county_names()}


@bp.get("/tasks/<any(mine, claimable, done, copied):which>")
@login_required
def task_list(which: str):
    result = lists.list_tasks(ro_uow(), _user(), which, list_query())
    return render_template("tasks/list.html", which=which, title=LIST_TITLES[which], result=result,
                           args=request.args, **_filters())


# ------------------------------------------------------------------ the task page

DRAFT_ELEMENTS = ("fill_application", "supplement")  # the applicant edits the application there


def render_task(task_id: str, values: dict[str, Any] | None = None, errors: list[dict[str, Any]] | None = None,
                status: int = 200) -> ResponseReturnValue:
    user = _user()
    actor = actor_of(user)
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
    recognition_case = view.get("process_key") == "recognition"
    record = recognition_views.application_record(ro_uow(), actor, view["instance_id"], data) \
        if recognition_case else None
    ctx: dict[str, Any] = {
        "task": view, "values": values, "errors": errors_by_field(errors), "cell_errors": cell_errors(errors),
        "all_errors": errors, "instance": instance, "summary": [] if record else summary_of(data),
        "check_results": recognition_views.checks_view(data.get("check_results")),
        "objection": data.get("objection") if isinstance(data.get("objection"), dict) else None,
        "timeline": lists.timeline(ro_uow(), view["instance_id"], user),
        "delegation": verbs.delegation_of(ro_uow(), task_id),
        "is_holder": holder_id == user.id, "colleagues": [], "copy_targets": [],
        "open_tasks": open_tasks,
        "due": {**lists.due_info(_parse_dt(view.get("due_at")), _now()),
                "due_provisional": view.get("due_provisional")},
        "urged_today": lists.urged_today(ro_uow(), task_id, holder_id),
        "has_decision": buttons_done,
        "needs_opinion": any(fd["id"] == "opinion" for fd in view["fields"]),
        "record": record, "edits_application": recognition_case and view.get("element_id") in DRAFT_ELEMENTS,
        "process_name": lists.process_names(ro_uow()).get(view.get("process_key") or "", view.get("process_key")),
        "reserves": {"survey_samples": data.get("survey_reserve") or []},
        "max_text": MAX_TEXT,
        # a form with tables gets the page's whole width (the side column goes below it)
        "wide_form": any(fd.get("columns") for fd in view["fields"] if not fd.get("readonly")),
    }
    me: dict[str, Any] = next((t for t in open_tasks if t["id"] == task_id), {})
    ctx["holder_name"], ctx["is_pool"] = me.get("assignee"), me.get("pool", False)
    ctx["materials"] = recognition_views.materials_view(ro_uow(), actor, view["business_key"]) \
        if recognition_case and view.get("business_key") else None
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
    ("county", "所属县区"), ("registration_date", "注册日期"),
    ("legal_representative", "法定代表人"), ("contact_name", "联系人"), ("contact_phone", "联系电话"),
    ("total_assets_wan", "资产总额（万元）"), ("smes_served_last_year", "上年服务中小企业（家）"),
    ("satisfaction_rate", "用户满意度（百分比）"), ("staff_total", "服务人员（人）"),
)


def summary_of(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """A case's key facts for processes without their own record page (names, not codes)."""
    out: list[tuple[str, Any]] = [(label, county_names().get(str(data[k]), data[k]) if k == "county" else data[k])
                                  for k, label in SUMMARY_KEYS if data.get(k) not in (None, "") and
                                  isinstance(data.get(k), (str, int, float))]
    return out


@bp.get("/tasks/<task_id>")
@login_required
def task_page(task_id: str):
    return render_task(task_id)


@bp.post("/tasks/<task_id>")
@login_required
def task_submit(task_id: str):
    """The form's submit button: the same use case as ``POST /api/v1/tasks/{id}/complete``. With
    ``_action=draft`` the form is kept as the task's draft; the page's autosave posts the same form
    asking for JSON (``Accept: application/json``) and gets the time saved and the format errors of
    what is filled in (shown beside the fields; the draft is kept as typed all the same)."""
    user = _user()
    values = form_values(queries.task_fields(ro_uow(), user, task_id))
    if request.form.get("_action") == "draft":
        if wants_json():
            draft, problems = verbs.save_draft_checked(uow(), actor_of(user), task_id, values)
            return jsonify({"saved_at": draft.get("_saved_at"), "errors": json_errors(problems)})
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
    flash(_("已提交。") + next_step_text(done), "ok")
    return redirect(url_for("tasks.task_list", which="mine"))


def next_step_text(done: completion.Completion) -> str:
    """下一步: which step comes now and who holds it (a person, or the queue of a role and county); a
    case that waits (publicity) or ended says so."""
    inst = done.instance
    county = county_names().get(inst.county or "", "")
    steps = []
    for task in done.next_tasks:
        if task["assignee"]:
            holder = task["assignee"]
        else:
            where = county if task["role"] in COUNTY_SCOPED else ""
            holder = _("{who}（待认领）").format(who=f"{where}{_(ROLE_NAMES.get(task['role'], task['role'] or ''))}")
        steps.append(_("{step}，由 {holder} 办理").format(step=task["name"], holder=holder))
    if steps:
        return _("下一步：") + "；".join(steps)
    state = recognition.outcome_of_instance(ro_uow(), inst.id) if inst.process_key == "recognition" else None
    if state is not None and not state["ended"]:
        if state["status"] in ("publicity", "objection") and state.get("publicity_end"):
            return _("下一步：公示，公示期至 {end}，期满无异议后予以认定。").format(
                end=recognition_views.day_of(state["publicity_end"]))
        return _("当前状态：{status}").format(status=state["status_name"])
    if state is not None:
        why = "；".join(f"{r.get('article') or ''}{r.get('message') or ''}" for r in state["outcome_reasons"][:3])
        return _("本件已办结：{status}").format(status=state["status_name"]) + (_("。理由：") + why if why else "")
    return _("本件已办结。") if inst.state == InstanceState.COMPLETED else ""


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
    recognition_case = instance["process_key"] == "recognition"
    record = recognition_views.application_record(ro_uow(), actor_of(user), instance_id) if recognition_case else None
    return render_template("tasks/instance.html", instance=instance, record=record,
                           application=recognition.outcome_of_instance(ro_uow(), instance_id)
                           if recognition_case else None,
                           materials=recognition_views.materials_view(ro_uow(), actor_of(user),
                                                                      instance["business_key"])
                           if recognition_case else None,
                           process_name=lists.process_names(ro_uow()).get(instance["process_key"],
                                                                          instance["process_key"]),
                           provisional=[d for d in calendar_services.deadlines_of(ro_uow(), instance_id, open_only=True)
                                        if d.provisional],
                           may_withdraw=verbs.may_withdraw(ro_uow(), user, instance_id),
                           timeline=lists.timeline(ro_uow(), instance_id, user),
                           open_tasks=lists.open_tasks_of(ro_uow(), instance_id))


@bp.get("/instances")
@login_required
def instance_list():
    result = lists.list_instances(ro_uow(), _user(), list_query())
    return render_template("tasks/instances.html", result=result, args=request.args, **_filters())


@bp.get("/instances.<any(xlsx, csv):fmt>")
@login_required
def instance_export(fmt: str):
    d = to_file(task_exports.instance_list_table(ro_uow(), _user(), request.args), fmt)
    return Response(d.data, mimetype=d.mime, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(d.download_name)}"})


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
    flash(_("已发起 %(key)s", key=inst.business_key), "ok")
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
    flash(_("已撤回 %(key)s", key=inst["business_key"]), "ok")
    return redirect(url_for("tasks.instance_page", instance_id=instance_id))


