"""Pages of administrators and process owners: instance monitor with the coloured
diagram, incidents, variables, dashboard, users, definitions, migration, the web modeler
(bpmn-js + Camunda properties panel, dmn-js) and diagram scenarios."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from markupsafe import Markup

from app.extensions import actor_of, ro_uow, runtime, uow
from app.templating import county_names, in_language
from processes.access import Permission, allowed, require
from processes.admin import dashboard as dash
from processes.admin import diagrams, views
from processes.admin import services as svc
from processes.clock import CST
from processes.errors import DomainError, Invalid
from processes.messages import field_error, t
from processes.services import deploy as deploy_svc
from processes.services import instances as inst_svc
from processes.services import users as users_svc
from processes.vocabulary import N_, USER_ROLES

FILTERS = ("process_key", "version", "state", "county", "round", "step", "overdue", "business_key")

bp = Blueprint("admin", __name__)


def _user() -> Any:
    return current_user.user


def _counties() -> dict[str, str]:
    try:
        return {c["code"]: c["name"] for c in users_svc.counties(runtime().settings.config_dir)}
    except (OSError, KeyError):
        return {}


def _json_script(value: Any) -> Markup:
    """JSON safe to embed in <script type="application/json">."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _flash_error(exc: DomainError) -> None:
    details = "；".join(f"{e.get('field') or e.get('element_id') or ''} {e.get('message', '')}".strip()
                       for e in exc.errors[:5])
    flash(f"{exc.message}{'：' + details if details else ''}", "error")


ACTION_NAMES = {"instance.started": N_("发起了流程"), "task.completed": N_("办理了"), "task.claimed": N_("认领了"),
                "task.released": N_("释放了"), "task.transferred": N_("转办了"), "task.delegated": N_("委派了"),
                "task.copied": N_("抄送了"), "task.urged": N_("催办了"), "instance.withdrawn": N_("撤回了申请"),
                "instance.incident": N_("发生故障"), "incident.retried": N_("重试了故障环节"),
                "incident.skipped": N_("跳过了故障环节"), "instance.suspend": N_("挂起了实例"),
                "instance.resume": N_("恢复了实例"), "instance.terminate": N_("终止了实例"),
                "instance.variables_edited": N_("修改了变量"), "instance.migrated": N_("迁移了版本"),
                "timer.fired": N_("定时器触发"), "message.correlated": N_("收到消息"),
                "task.taken_back": N_("收回了委派"),
                "task.draft_saved": N_("保存了草稿"), "material.uploaded": N_("上传了材料"),
                "objection.filed": N_("提出了异议"), "deadline.recomputed": N_("重算了期限"),
                "register.entry_added": N_("列入名录"), "report.chased": N_("催报了")}


@bp.app_context_processor
def _admin_globals() -> dict[str, Any]:
    return {"admin_json": _json_script, "CST_TZ": CST, "ACTION_NAMES": in_language(ACTION_NAMES)}


# -- monitor ---------------------------------------------------------------------------------------------
@bp.get("/admin/")
@login_required
def admin_home():
    require(_user(), Permission.MONITOR_INSTANCES)
    return redirect(url_for("admin.admin_instances"))


@bp.get("/admin/instances")
@login_required
def admin_instances():
    a = request.args
    filters = {k: a.get(k, "") for k in FILTERS}
    for k in ("version", "round"):
        if filters[k] and not filters[k].isdigit():
            filters[k] = ""
    try:
        page = max(1, int(a.get("page", "1")))
    except ValueError:
        page = 1
    sort = a.get("sort", "id")
    desc = a.get("dir", "desc") != "asc"
    result = views.list_instances(ro_uow(), _user(), filters, sort, desc, page, 25)
    return render_template("admin/instances.html", r=result, f=filters, opts=views.filter_options(ro_uow()),
                           counties=_counties(), sort=sort, desc=desc, args=dict(a))


@bp.get("/admin/instances/<int:instance_id>")
@login_required
def admin_instance(instance_id: int):
    counties = county_names()
    d = views.instance_page(ro_uow(), _user(), instance_id, counties)
    return render_template("admin/instance.html", d=d, counties=counties,
                           is_admin=allowed(_user(), Permission.ADMINISTER_INSTANCES))


@bp.get("/admin/instances/<int:instance_id>/diagram.json")
@login_required
def admin_instance_diagram_json(instance_id: int):
    return jsonify(views.diagram_state(ro_uow(), _user(), instance_id))


@bp.post("/admin/instances/<int:instance_id>/action")
@login_required
def admin_instance_action(instance_id: int):
    require(_user(), Permission.ADMINISTER_INSTANCES)  # before anything is read or checked
    action = request.form.get("action", "")
    reason = request.form.get("reason", "")
    actor = actor_of(_user())
    fns = {"suspend": inst_svc.suspend_instance, "resume": inst_svc.resume_instance,
           "terminate": inst_svc.terminate_instance, "retry": inst_svc.retry_incident,
           "skip": svc.skip_incident}
    done = {"suspend": gettext("已挂起实例 %(id)s", id=instance_id),
            "resume": gettext("已恢复实例 %(id)s", id=instance_id),
            "terminate": gettext("已终止实例 %(id)s", id=instance_id),
            "retry": gettext("已重试实例 %(id)s", id=instance_id),
            "skip": gettext("已跳过实例 %(id)s 的故障步骤", id=instance_id)}
    try:
        if action not in fns:
            raise Invalid(t("未知操作"), [field_error("action", "action_invalid", "未知操作")], code="action_invalid")
        if action == "retry" and not reason.strip():
            raise Invalid(t("请填写原因"), [field_error("reason", "reason_required", "请填写原因")],
                          code="reason_required")
        fns[action](uow(), actor, instance_id, reason)
        flash(done[action], "ok")
    except DomainError as exc:
        _flash_error(exc)
    return redirect(url_for("admin.admin_instance", instance_id=instance_id))


@bp.post("/admin/instances/<int:instance_id>/variables")
@login_required
def admin_instance_variables(instance_id: int):
    require(_user(), Permission.ADMINISTER_INSTANCES)  # before anything is read or checked
    name = request.form.get("name", "").strip()
    raw = request.form.get("value", "")
    remove = request.form.get("remove") == "1"
    try:
        if remove:
            svc.edit_variables(uow(), actor_of(_user()), instance_id, {}, request.form.get("reason", ""), [name])
        else:
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw  # plain text
            svc.edit_variables(uow(), actor_of(_user()), instance_id, {name: value}, request.form.get("reason", ""))
        flash(gettext("变量 %(name)s 已删除（已记入审计日志）", name=name) if remove else
              gettext("变量 %(name)s 已修改（已记入审计日志）", name=name), "ok")
    except DomainError as exc:
        _flash_error(exc)
    return redirect(url_for("admin.admin_instance", instance_id=instance_id) + "#variables")


# -- dashboard -------------------------------------------------------------------------------------------
@bp.get("/admin/dashboard")
@login_required
def admin_dashboard():
    data = dash.dashboard(ro_uow(), _user(), _counties())
    return render_template("admin/dashboard.html", d=data)


# -- users ---------------------------------------------------------------------------------------------------
@bp.get("/admin/users")
@login_required
def admin_users():
    return render_template("admin/users.html", users=views.users(ro_uow(), _user()), roles=USER_ROLES,
                           counties=_counties())


@bp.post("/admin/users")
@login_required
def admin_users_post():
    require(_user(), Permission.MANAGE_USERS)  # before anything is read or checked
    f = request.form
    actor = actor_of(_user())
    op = f.get("op", "")
    try:
        if op == "create":
            users_svc.create_user(uow(), actor, f.get("username", "").strip(), f.get("password", ""),
                                  f.get("role", ""), f.get("county") or None, f.get("display_name", "").strip())
            flash(gettext("已创建用户 %(name)s", name=f.get("username")), "ok")
        else:
            uid = int(f.get("user_id", "0"))
            if op == "update":
                svc.update_user(uow(), actor, uid, f.get("role") or None, f.get("county", ""),
                                f.get("display_name"), None)
                flash(gettext("已保存角色与县区"), "ok")
            elif op in ("deactivate", "activate"):
                svc.set_active(uow(), actor, uid, op == "activate", f.get("reason", ""))
                flash(gettext("已停用该用户（其登录已失效）") if op == "deactivate" else gettext("已启用该用户"), "ok")
            elif op == "password":
                svc.reset_password(uow(), actor, uid, f.get("password", ""))
                flash(gettext("密码已重置（该用户需重新登录）"), "ok")
            else:
                raise Invalid(t("未知操作"), [field_error("op", "action_invalid", "未知操作")], code="action_invalid")
    except ValueError:
        flash(gettext("参数错误"), "error")
    except DomainError as exc:
        _flash_error(exc)
    return redirect(url_for("admin.admin_users"))


# -- definitions and migration ---------------------------------------------------------------------------
@bp.get("/admin/definitions")
@login_required
def admin_definitions():
    defs = views.definitions(ro_uow(), _user())
    by_key: dict[str, list[dict[str, Any]]] = {}
    for d in defs:
        by_key.setdefault(d["key"], []).append(d)
    return render_template("admin/definitions.html", by_key=by_key, drafts=svc.list_drafts(ro_uow()))


@bp.post("/admin/definitions/upload")
@login_required
def admin_definitions_upload():
    require(_user(), Permission.EDIT_DIAGRAMS)  # before anything is read or checked
    f = request.files.get("file")
    if f is None or not f.filename:
        flash(gettext("请选择 .bpmn 或 .dmn 文件"), "error")
        return redirect(url_for("admin.admin_definitions"))
    try:
        results = deploy_svc.deploy_file(uow(), actor_of(_user()), f.filename, f.read())
        r = results[0]
        said = gettext("%(key)s 版本 %(v)s 已部署", key=r.key, v=r.version) if r.created else \
            gettext("%(key)s 版本 %(v)s 未变化（内容相同）", key=r.key, v=r.version)
        flash(said + (gettext("；%(n)s 条自动修正", n=len(r.warnings)) if r.warnings else ""), "ok")
    except DomainError as exc:
        _flash_error(exc)
    return redirect(url_for("admin.admin_definitions"))


@bp.get("/admin/definitions/<int:definition_id>")
@login_required
def admin_definition(definition_id: int):
    d = views.definition(ro_uow(), _user(), definition_id)
    return render_template("admin/definition.html", d=d)


@bp.route("/admin/definitions/<int:definition_id>/migrate", methods=["GET", "POST"])
@login_required
def admin_migrate(definition_id: int):
    require(_user(), Permission.EDIT_DIAGRAMS)
    src = views.definition(ro_uow(), _user(), definition_id)
    versions = [d for d in views.definitions(ro_uow(), _user()) if d["key"] == src["key"]]
    targets = [d for d in versions if d["id"] != definition_id]
    listing = views.list_instances(ro_uow(), _user(), {"process_key": src["key"], "version": src["version"]},
                                   "id", True, 1, 200)
    open_items = [i for i in listing["items"] if i["state"] not in ("completed", "terminated")]
    preview = result = None
    chosen: list[int] = []
    to: int | None = targets[0]["id"] if targets else None
    if request.method == "POST":
        try:
            chosen = [int(x) for x in request.form.getlist("instances")]
            to = int(request.form.get("to") or 0) or None
            if request.form.get("op") == "apply":
                result = svc.migrate_instances(uow(), actor_of(_user()), chosen, to, request.form.get("reason", ""))
                flash(gettext("已迁移 %(done)s 个实例，拒绝 %(refused)s 个", done=len(result["migrated"]),
                              refused=len(result["refused"])), "ok")
            else:
                preview = svc.preview_migration(ro_uow(), actor_of(_user()), chosen, to)
        except ValueError:
            flash(gettext("参数错误"), "error")
        except DomainError as exc:
            _flash_error(exc)
    return render_template("admin/migrate.html", src=src, targets=targets, items=open_items, preview=preview,
                           result=result, chosen=chosen, to=to)


# -- modeler -----------------------------------------------------------------------------------------------
EMPTY_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_{key}" targetNamespace="http://lc.gov.cn/bpmn">
  <bpmn:process id="{key}" name="{key}" isExecutable="true">
    <bpmn:startEvent id="start_event" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_{key}">
    <bpmndi:BPMNPlane id="plane_{key}" bpmnElement="{key}">
      <bpmndi:BPMNShape id="start_event_di" bpmnElement="start_event">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


@bp.get("/admin/modeler")
@login_required
def admin_modeler():
    require(_user(), Permission.EDIT_DIAGRAMS)
    key = request.args.get("key", "").strip()
    definition_id = request.args.get("definition", "")
    source = "new"
    base_version = None
    file_name = f"{key or 'new_process'}.bpmn"
    xml = None
    if definition_id.isdigit():
        d = views.definition(ro_uow(), _user(), int(definition_id))
        key, xml, file_name, base_version, source = d["key"], d["xml"], d["file"], d["version"], \
            "version"
    elif key:
        draft = svc.get_draft(ro_uow(), key)
        if draft is not None:
            xml, file_name, base_version, source = draft["xml"], draft["file_name"], draft["base_version"], "draft"
        else:
            latest = [d for d in views.definitions(ro_uow(), _user()) if d["key"] == key]
            if latest:
                d = views.definition(ro_uow(), _user(), latest[0]["id"])
                xml, file_name, base_version, source = d["xml"], d["file"], d["version"], "version"
    if xml is None:
        key = key or "new_process"
        xml = EMPTY_DIAGRAM.replace("{key}", key)
    return render_template("admin/modeler.html", key=key, xml=xml, file_name=file_name, base_version=base_version,
                           source=source)


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid(t("请求体应为 JSON 对象"), [field_error("body", "json_invalid", "应为 JSON 对象")],
                      code="json_invalid")
    return body


def _json(fn: Any) -> Any:
    """A JSON answer for the editors' fetch calls, errors included (never the HTML error page)."""
    try:
        return jsonify(fn())
    except DomainError as exc:
        return jsonify({"error": exc.message, "code": exc.code, "errors": exc.errors}), exc.status


@bp.post("/admin/modeler/validate")
@login_required
def admin_modeler_validate():
    require(_user(), Permission.EDIT_DIAGRAMS)  # before the diagram is parsed or echoed back
    body = _body()
    return jsonify(svc.validate_xml(ro_uow(), str(body.get("file_name") or "diagram.bpmn"), str(body.get("xml") or "")))


@bp.post("/admin/modeler/save")
@login_required
def admin_modeler_save():
    require(_user(), Permission.EDIT_DIAGRAMS)  # before anything is read or checked
    body = _body()
    base = body.get("base_version")
    return _json(lambda: {k: v for k, v in svc.save_draft(
        uow(), actor_of(_user()), str(body.get("xml") or ""), body.get("key") or None, body.get("file_name") or None,
        base if isinstance(base, int) else None).items() if k != "xml"})


@bp.post("/admin/modeler/diff")
@login_required
def admin_modeler_diff():
    """What a deploy would change against the running version: shown for confirmation before deploying."""
    body = _body()
    return _json(lambda: diagrams.compare_with_running(ro_uow(), actor_of(_user()), str(body.get("xml") or ""),
                                                       str(body.get("file_name") or "diagram.bpmn")))


@bp.post("/admin/modeler/deploy")
@login_required
def admin_modeler_deploy():
    require(_user(), Permission.EDIT_DIAGRAMS)  # before anything is read or checked
    body = _body()
    xml = str(body.get("xml") or "")
    file_name = str(body.get("file_name") or "diagram.bpmn")
    check = svc.validate_xml(ro_uow(), file_name, xml)
    if not check["ok"]:
        return jsonify({"deployed": False, **check}), 422

    def deploy() -> dict[str, Any]:
        result = diagrams.deploy_from_editor(uow(), actor_of(_user()), xml, file_name,
                                             str(body.get("key") or check.get("key") or "") or None)
        return {"deployed": True, **result, "warnings": check["warnings"],
                "modeler": url_for("admin.admin_modeler", definition=result["definition_id"])}
    return _json(deploy)


@bp.get("/admin/dmn")
@login_required
def admin_dmn():
    require(_user(), Permission.EDIT_DIAGRAMS)  # before anything is read
    files = diagrams.decision_files(ro_uow(), _user())
    name = request.args.get("file") or (files[0]["name"] if files else "")
    chosen = next((f for f in files if f["name"] == name), None)
    return render_template("admin/dmn.html", files=files, name=name, chosen=chosen,
                           xml=chosen["xml"] if chosen else "")


def _dmn_body() -> tuple[str, str]:
    body = _body()
    return str(body.get("xml") or ""), str(body.get("file_name") or "decision.dmn").strip()


@bp.post("/admin/dmn/validate")
@login_required
def admin_dmn_validate():
    require(_user(), Permission.EDIT_DIAGRAMS)
    xml, name = _dmn_body()
    return jsonify(diagrams.validate_dmn(ro_uow(), xml, name))


@bp.post("/admin/dmn/save")
@login_required
def admin_dmn_save():
    require(_user(), Permission.EDIT_DIAGRAMS)
    xml, name = _dmn_body()
    return _json(lambda: {k: v for k, v in svc.save_draft(uow(), actor_of(_user()), xml, name, name).items()
                          if k != "xml"})


@bp.post("/admin/dmn/diff")
@login_required
def admin_dmn_diff():
    require(_user(), Permission.EDIT_DIAGRAMS)
    xml, name = _dmn_body()
    return _json(lambda: diagrams.compare_with_running(ro_uow(), actor_of(_user()), xml, name))


@bp.post("/admin/dmn/deploy")
@login_required
def admin_dmn_deploy():
    require(_user(), Permission.EDIT_DIAGRAMS)
    xml, name = _dmn_body()
    check = diagrams.validate_dmn(ro_uow(), xml, name)
    if not check["ok"]:
        return jsonify({"deployed": False, **check}), 422
    return _json(lambda: {"deployed": True, **diagrams.deploy_from_editor(uow(), actor_of(_user()), xml, name, name)})


# -- scenarios ---------------------------------------------------------------------------------------------
@bp.route("/admin/scenarios/<key>", methods=["GET", "POST"])
@login_required
def admin_scenarios(key: str):
    require(_user(), Permission.EDIT_DIAGRAMS)
    run = None
    form = {"name": "", "steps": '{\n  "start": {},\n  "tasks": [\n    {"element_id": "", "data": {}}\n  ]\n}',
            "expected": '{\n  "state": "completed",\n  "variables": {}\n}'}
    if request.method == "POST":
        f = request.form
        try:
            if f.get("op") == "save":
                form = {"name": f.get("name", ""), "steps": f.get("steps", ""), "expected": f.get("expected", "")}
                try:
                    steps, expected = json.loads(form["steps"] or "{}"), json.loads(form["expected"] or "{}")
                except ValueError as exc:
                    raise Invalid(t("步骤和预期结果应为 JSON"),
                                  [field_error("steps", "json_invalid", "不是合法的 JSON：{why}", why=str(exc))],
                                  code="json_invalid") from None
                svc.save_scenario(uow(), actor_of(_user()), key, form["name"], steps, expected)
                flash(gettext("场景“%(name)s”已保存", name=form["name"]), "ok")
            elif f.get("op") == "delete":
                svc.delete_scenario(uow(), actor_of(_user()), int(f.get("id", "0")))
                flash(gettext("场景已删除"), "ok")
            else:
                run = svc.run_scenarios(ro_uow(), actor_of(_user()), key)
        except DomainError as exc:
            _flash_error(exc)
    return render_template("admin/scenarios.html", key=key, scenarios=svc.list_scenarios(ro_uow(), key), run=run,
                           form=form, draft=svc.get_draft(ro_uow(), key))
