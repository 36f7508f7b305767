"""JSON API of the administration area: monitoring, incidents, variables, users, validation, drafts,
scenarios, migration, dashboard. Thin: the models check the request, one use case per route."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from flask import jsonify
from pydantic import BaseModel, Field, RootModel, StrictInt

from app.api.common import MAX_ID, OptionalBody, Strict, api_blueprint, errors
from app.api.models import HistoryOut, InstancePath, ReasonIn, TimerOut
from app.extensions import actor_of, current_actor_user, ro_uow, uow
from processes.access import Permission, require
from processes.admin import dashboard as dash
from processes.admin import services as svc
from processes.admin import views
from processes.services import users as users_svc
from processes.vocabulary import InstanceState

bp = api_blueprint("admin", "系统管理")

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
StrictId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
MAX_XML = 10_000_000  # characters of a diagram (the request itself is limited by upload_max_mb)


def plain(value: Any) -> Any:
    """Dates as ISO strings, recursively (jsonify would write HTTP dates)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


# -- models ------------------------------------------------------------------------------------------------


class UserPath(BaseModel):
    user_id: int = Field(ge=1, le=MAX_ID)


class ActivePath(UserPath):
    action: Literal["activate", "deactivate"]


class DefinitionPath(BaseModel):
    definition_id: int = Field(ge=1, le=MAX_ID)


class KeyPath(BaseModel):
    key: str = Field(min_length=1, max_length=128, description="the process key (id of the BPMN process)")


class InstanceListQuery(BaseModel):
    process_key: str | None = Field(None, max_length=128)
    version: int | None = Field(None, ge=1, le=MAX_ID)
    state: InstanceState | None = None
    county: str | None = Field(None, max_length=32)
    round: int | None = Field(None, ge=1, le=MAX_ID, description="id of the recognition round")
    step: str | None = Field(None, max_length=128, description="element id or part of a task name")
    overdue: bool = False
    business_key: str | None = Field(None, max_length=128)
    sort: Literal["id", "started", "updated", "state", "process", "county", "business_key"] = "id"
    dir: Literal["asc", "desc"] = "desc"
    page: int = Field(1, ge=1, le=10**6)
    per_page: int = Field(25, ge=1, le=200)


class AdminInstanceItemOut(BaseModel):
    id: int
    process_key: str
    version: int | None = None
    business_key: str | None = None
    state: str
    county: str | None = None
    started_at: str
    updated_at: str
    current: list[str] = Field(description="the open tasks, else the active elements")
    overdue: bool
    incident: dict[str, Any] | None = None


class AdminInstancePageOut(BaseModel):
    total: int
    page: int
    per_page: int
    pages: int
    counts: dict[str, int] = Field(description="instances per state under the other filters")
    items: list[AdminInstanceItemOut]
    filters: dict[str, Any]
    sort: str
    desc: bool


class AdminTaskOut(BaseModel):
    id: str
    element_id: str
    name: str | None = None
    role: str | None = None
    county: str | None = None
    holder: str | None = None
    holder_username: str | None = None
    candidates: list[str] | None = None
    due_at: str | None = None
    overdue: bool
    created_at: str
    has_draft: bool


class ColouringOut(BaseModel):
    elements: dict[str, str] = Field(description="element id → completed | active | waiting | failed | cancelled")
    flows: list[str] = Field(description="ids of the sequence flows taken")


class AdminInstanceOut(BaseModel):
    id: int
    process_key: str
    definition_id: int
    version: int
    latest_version: int | None = None
    name: str | None = None
    business_key: str | None = None
    state: str
    county: str | None = None
    started_by: str | None = None
    started_at: str
    updated_at: str
    ended_at: str | None = None
    incident: dict[str, Any] | None = None
    lock_version: int
    variables: dict[str, Any]
    tasks: list[AdminTaskOut]
    timers: list[TimerOut]
    history: list[HistoryOut]
    colouring: ColouringOut


class DiagramStateOut(ColouringOut):
    instance_id: int
    state: str
    definition_id: int
    version: int
    xml: str


class VariablesIn(Strict):
    set: dict[str, Any] = Field({}, description="variable name → new value (any JSON value)")
    remove: list[Annotated[str, Field(max_length=128)]] = Field([], max_length=200)
    reason: str = Field("", max_length=2000)



class BarOut(BaseModel):
    label: str
    value: float
    pct: float


class StepDurationOut(BaseModel):
    """How long a step takes, in working hours (median and 90th percentile; pct: of the longest p90)."""

    step: str
    count: int
    median_hours: float
    p90_hours: float
    median_pct: float
    p90_pct: float


class ComplianceOut(BarOut):
    by_status: dict[str, int]
    total: int


class DashboardOut(BaseModel):
    states: dict[str, int]
    per_stage: list[BarOut]
    per_county: list[BarOut]
    overdue_per_county: list[BarOut]
    steps: list[StepDurationOut]
    per_round: list[BarOut] | None = None
    compliance: list[ComplianceOut] | None = None


class AdminUserOut(BaseModel):
    id: int
    username: str
    display_name: str | None = None
    role: str
    county: str | None = None
    email: str | None = None
    active: bool
    created_at: str | None = None


class AdminUsersOut(RootModel[list[AdminUserOut]]):
    pass


class NewUserIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(max_length=256)
    role: str = Field(min_length=1, max_length=32)
    county: str | None = Field(None, max_length=32)
    display_name: str = Field("", max_length=128)


class UserChangeIn(OptionalBody):
    role: str | None = Field(None, max_length=32)
    county: str | None = Field(None, max_length=32, description='left out or null: unchanged; "": none')
    display_name: str | None = Field(None, max_length=128)
    email: str | None = Field(None, max_length=254)


class PasswordIn(Strict):
    password: str = Field(max_length=256)


class UserCreatedOut(BaseModel):
    id: int
    username: str
    role: str
    county: str | None = None


class UserChangedOut(UserCreatedOut):
    active: bool


class UserActiveOut(BaseModel):
    id: int
    username: str
    active: bool


class UserRefOut(BaseModel):
    id: int
    username: str


class AdminDefinitionOut(BaseModel):
    id: int
    key: str
    version: int
    name: str | None = None
    file: str
    deployed_by: str | None = None
    deployed_by_name: str | None = Field(None, description="the deployer's display name (系统 for the system)")
    deployed_at: str
    hash: str
    open: int
    total: int
    states: dict[str, int]


class AdminDefinitionsOut(RootModel[list[AdminDefinitionOut]]):
    pass


class DefinitionSourceOut(BaseModel):
    id: int
    key: str
    version: int
    name: str | None = None
    file: str
    xml: str
    sources: dict[str, str] = Field(description="file name → XML: the BPMN file and the DMN files it uses")
    deployed_by: str | None = None
    deployed_at: str


class ValidateIn(Strict):
    file: str = Field("diagram.bpmn", max_length=255)
    xml: str = Field(max_length=MAX_XML)


class ProblemOut(BaseModel):
    element_id: str | None = None
    line: int | None = None
    message: str


class ValidationOut(BaseModel):
    ok: bool
    errors: list[ProblemOut]
    warnings: list[ProblemOut]
    key: str | None = None
    normalised: str | None = Field(None, description="the XML as it would be deployed (rewritten expressions)")


class DiagramDraftIn(Strict):
    xml: str = Field(min_length=1, max_length=MAX_XML)
    key: str | None = Field(None, max_length=128)
    file_name: str | None = Field(None, max_length=255)
    base_version: StrictInt | None = Field(None, ge=1, le=MAX_ID)


class DiagramDraftOut(BaseModel):
    id: int
    key: str
    file_name: str
    author: str
    base_version: int | None = None
    updated_at: str
    xml: str


class DiagramDraftsOut(RootModel[list[DiagramDraftOut]]):
    pass


class DraftDeployedOut(BaseModel):
    key: str
    version: int
    created: bool
    warnings: list[dict[str, Any]] = []
    definition_id: int


class ScenarioIn(Strict):
    name: str = Field(min_length=1, max_length=128)
    steps: dict[str, Any] = Field({}, description="{start: {...}, tasks: [{element_id, data}]}")
    expected: dict[str, Any] = Field({}, description="{state, variables, active}")


class ScenarioOut(BaseModel):
    id: int
    definition_key: str
    name: str
    steps: dict[str, Any]
    expected: dict[str, Any]
    author: str
    updated_at: str


class ScenariosOut(RootModel[list[ScenarioOut]]):
    pass


class RunIn(OptionalBody):
    xml: str | None = Field(None, max_length=MAX_XML, description="a diagram to run them on (else the draft, "
                                                                   "else the latest version)")
    names: list[Annotated[str, Field(max_length=128)]] | None = Field(None, max_length=200)


class ScenarioFailureOut(BaseModel):
    step: str | None = None
    element_id: str | None = None
    line: int | None = None
    message: str


class ScenarioResultOut(BaseModel):
    name: str
    passed: bool
    failures: list[ScenarioFailureOut]
    state: str
    active: list[str]
    variables: dict[str, Any]
    trace: list[str]


class RunOut(BaseModel):
    key: str
    source: str = Field(description="xml | draft | version N")
    results: list[ScenarioResultOut]
    passed: int
    failed: int


class PreviewIn(Strict):
    instances: list[StrictId] = Field(max_length=500, description="instance ids")
    to: StrictId | None = Field(None, description="the target definition id (default: the latest version)")


class MigrateIn(PreviewIn):
    reason: str = Field("", max_length=2000)


class MigrationPlanOut(BaseModel):
    instance_id: int
    business_key: str | None = None
    state: str
    ok: bool
    reason: str | None = None
    reset: list[str]
    timers_restarted: list[str]
    data_lost: list[str]
    changed: list[str]
    from_version: int | None = None


class TargetOut(BaseModel):
    id: int | None = None
    key: str | None = None
    version: int | None = None


class PreviewOut(BaseModel):
    target: TargetOut
    plans: list[MigrationPlanOut]


class MigratedOut(BaseModel):
    instance_id: int
    from_version: int
    to_version: int
    reset: list[str]
    timers_restarted: list[str]


class RefusedOut(BaseModel):
    instance_id: int
    reason: str | None = None


class MigrationOut(BaseModel):
    migrated: list[MigratedOut]
    refused: list[RefusedOut]


# -- monitoring -------------------------------------------------------------------------------------------

@bp.get("/admin/instances", summary="流程实例监控（筛选、排序、分页、各状态数量）",
        responses={200: AdminInstancePageOut, **errors(403)})
def admin_instances(query: InstanceListQuery) -> Any:
    filters = query.model_dump(include={"process_key", "version", "state", "county", "round", "step", "overdue",
                                        "business_key"})
    result = views.list_instances(ro_uow(), current_actor_user(), filters, query.sort, query.dir != "asc",
                                  query.page, query.per_page)
    return jsonify(plain(result))


@bp.get("/admin/instances/<int:instance_id>", summary="实例详情（变量、任务及办理人、定时器、历史、图着色）",
        responses={200: AdminInstanceOut, **errors(403, 404)})
def admin_instance(path: InstancePath) -> Any:
    return jsonify(plain(views.instance_detail(ro_uow(), current_actor_user(), path.instance_id)))


@bp.get("/admin/instances/<int:instance_id>/diagram", summary="实例的流程图及各元素状态",
        responses={200: DiagramStateOut, **errors(403, 404)})
def admin_instance_diagram(path: InstancePath) -> Any:
    return jsonify(views.diagram_state(ro_uow(), current_actor_user(), path.instance_id))


@bp.post("/admin/instances/<int:instance_id>/variables", summary="修改或删除实例变量（须填写原因）",
         responses={200: AdminInstanceOut, **errors(403, 404, 409)})
def admin_edit_variables(path: InstancePath, body: VariablesIn) -> Any:
    svc.edit_variables(uow(), actor_of(current_actor_user()), path.instance_id, body.set, body.reason,
                       list(body.remove))
    return jsonify(plain(views.instance_detail(ro_uow(), current_actor_user(), path.instance_id)))


@bp.post("/admin/instances/<int:instance_id>/skip", summary="跳过出错的任务并继续流程（须填写原因）",
         responses={200: AdminInstanceOut, **errors(403, 404, 409)})
def admin_skip(path: InstancePath, body: ReasonIn) -> Any:
    svc.skip_incident(uow(), actor_of(current_actor_user()), path.instance_id, body.reason)
    return jsonify(plain(views.instance_detail(ro_uow(), current_actor_user(), path.instance_id)))


@bp.get("/admin/dashboard", summary="统计看板", responses={200: DashboardOut, **errors(403)})
def admin_dashboard() -> Any:
    return jsonify(plain(dash.dashboard(ro_uow(), current_actor_user())))


# -- users ------------------------------------------------------------------------------------------------

@bp.get("/admin/users", summary="用户列表", responses={200: AdminUsersOut, **errors(403)})
def admin_users() -> Any:
    return jsonify(plain(views.users(ro_uow(), current_actor_user())))


@bp.post("/admin/users", summary="新建用户", responses={201: UserCreatedOut, **errors(403, 409)})
def admin_create_user(body: NewUserIn) -> Any:
    u = users_svc.create_user(uow(), actor_of(current_actor_user()), body.username, body.password, body.role,
                              body.county or None, body.display_name)
    return jsonify({"id": u.id, "username": u.username, "role": u.role, "county": u.county}), 201


@bp.post("/admin/users/<int:user_id>", summary="修改用户的角色、县（市、区）、姓名、邮箱",
         responses={200: UserChangedOut, **errors(403, 404)})
def admin_update_user(path: UserPath, body: UserChangeIn) -> Any:
    u = svc.update_user(uow(), actor_of(current_actor_user()), path.user_id, body.role, body.county,
                        body.display_name, body.email)
    return jsonify({"id": u.id, "username": u.username, "role": u.role, "county": u.county, "active": u.active})


@bp.post("/admin/users/<int:user_id>/<any(activate, deactivate):action>", summary="启用或停用用户",
         responses={200: UserActiveOut, **errors(403, 404, 409)})
def admin_user_active(path: ActivePath, body: ReasonIn) -> Any:
    u = svc.set_active(uow(), actor_of(current_actor_user()), path.user_id, path.action == "activate", body.reason)
    return jsonify({"id": u.id, "username": u.username, "active": u.active})


@bp.post("/admin/users/<int:user_id>/password", summary="重置密码（不少于设置 password_min_length 个字符，默认 10）",
         responses={200: UserRefOut, **errors(403, 404)})
def admin_reset_password(path: UserPath, body: PasswordIn) -> Any:
    u = svc.reset_password(uow(), actor_of(current_actor_user()), path.user_id, body.password)
    return jsonify({"id": u.id, "username": u.username})


# -- definitions, validation, drafts ------------------------------------------------------------------------

@bp.get("/admin/definitions", summary="已发布的流程定义及其实例数", responses={200: AdminDefinitionsOut, **errors(403)})
def admin_definitions() -> Any:
    return jsonify(plain(views.definitions(ro_uow(), current_actor_user())))


@bp.get("/admin/definitions/<int:definition_id>", summary="流程定义的源文件",
        responses={200: DefinitionSourceOut, **errors(403, 404)})
def admin_definition(path: DefinitionPath) -> Any:
    return jsonify(plain(views.definition(ro_uow(), current_actor_user(), path.definition_id)))


@bp.post("/admin/validate", summary="检查流程图（与发布时相同的检查，不发布）",
         responses={200: ValidationOut, **errors(403)})
def admin_validate(body: ValidateIn) -> Any:
    require(current_actor_user(), Permission.EDIT_DIAGRAMS)
    return jsonify(svc.validate_xml(ro_uow(), body.file or "diagram.bpmn", body.xml))


@bp.get("/admin/drafts", summary="流程图草稿", responses={200: DiagramDraftsOut, **errors(403)})
def admin_drafts() -> Any:
    require(current_actor_user(), Permission.EDIT_DIAGRAMS)
    return jsonify(svc.list_drafts(ro_uow()))


@bp.post("/admin/drafts", summary="保存流程图草稿（按流程编号覆盖）", responses={201: DiagramDraftOut, **errors(403)})
def admin_save_draft(body: DiagramDraftIn) -> Any:
    d = svc.save_draft(uow(), actor_of(current_actor_user()), body.xml, body.key or None, body.file_name or None,
                       body.base_version)
    return jsonify(d), 201


@bp.post("/admin/drafts/<key>/deploy", summary="发布草稿",
         responses={200: DraftDeployedOut, 201: DraftDeployedOut, **errors(403, 404)})
def admin_deploy_draft(path: KeyPath) -> Any:
    result = svc.deploy_draft(uow(), actor_of(current_actor_user()), path.key)
    return jsonify(result), 201 if result["created"] else 200


# -- scenarios ----------------------------------------------------------------------------------------------

@bp.get("/admin/scenarios/<key>", summary="流程的测试场景", responses={200: ScenariosOut, **errors(403, 404)})
def admin_scenarios(path: KeyPath) -> Any:
    require(current_actor_user(), Permission.EDIT_DIAGRAMS)
    return jsonify(svc.list_scenarios(ro_uow(), path.key))


@bp.post("/admin/scenarios/<key>", summary="保存测试场景（按名称覆盖）",
         responses={201: ScenarioOut, **errors(403, 404)})
def admin_save_scenario(path: KeyPath, body: ScenarioIn) -> Any:
    s = svc.save_scenario(uow(), actor_of(current_actor_user()), path.key, body.name, body.steps, body.expected)
    return jsonify(s), 201


@bp.post("/admin/scenarios/<key>/run", summary="在内存中运行测试场景（不影响真实实例）",
         responses={200: RunOut, **errors(403, 404)})
def admin_run_scenarios(path: KeyPath, body: RunIn) -> Any:
    return jsonify(svc.run_scenarios(ro_uow(), actor_of(current_actor_user()), path.key, body.xml,
                                     list(body.names) if body.names is not None else None))


# -- migration -----------------------------------------------------------------------------------------------

@bp.post("/admin/migrations/preview", summary="预览实例迁移到另一版本", responses={200: PreviewOut, **errors(403)})
def admin_migration_preview(body: PreviewIn) -> Any:
    return jsonify(svc.preview_migration(ro_uow(), actor_of(current_actor_user()), list(body.instances), body.to))


@bp.post("/admin/migrations", summary="迁移实例到另一版本（须填写原因）", responses={200: MigrationOut, **errors(403)})
def admin_migrate(body: MigrateIn) -> Any:
    return jsonify(svc.migrate_instances(uow(), actor_of(current_actor_user()), list(body.instances), body.to,
                                         body.reason))
