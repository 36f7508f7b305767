"""Process definitions, instances and messages: the workflow runtime as an API client sees it."""

from __future__ import annotations

from typing import Any, Literal

from flask import jsonify
from flask_openapi3 import FileStorage
from pydantic import BaseModel, Field, RootModel

from app.api.common import Paged, Strict, api_blueprint, errors
from app.api.models import (
    InstanceDetailOut,
    InstanceOut,
    InstancePageOut,
    InstancePath,
    InstanceSummaryOut,
    ReasonIn,
)
from app.extensions import actor_of, current_actor_user, ro_uow, uow
from processes import queries
from processes.services import deploy, instances
from processes.vocabulary import InstanceState

bp = api_blueprint("instances", "流程定义与实例")


class DefinitionOut(BaseModel):
    id: int
    key: str
    version: int
    name: str | None = None
    deployed_by: str | None = None
    deployed_at: str
    hash: str
    file: str
    running_instances: int


class DefinitionsOut(RootModel[list[DefinitionOut]]):
    pass


class DeployForm(BaseModel):
    file: FileStorage = Field(description="a .bpmn or .dmn file")


class DeployedOut(BaseModel):
    key: str
    version: int
    created: bool
    kind: str


class DeployOut(BaseModel):
    key: str
    version: int
    created: bool
    warnings: list[dict[str, Any]] = []
    deployed: list[DeployedOut]


class StartIn(Strict):
    process_key: str = Field(min_length=1, max_length=128)
    business_key: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    variables: dict[str, Any] = {}


class InstanceQuery(Paged):
    process_key: str | None = Field(None, max_length=128)
    state: InstanceState | None = None
    county: str | None = Field(None, max_length=32)
    business_key: str | None = Field(None, max_length=128)
    limit: int = Field(50, ge=1, le=500)



class ActionPath(InstancePath):
    action: Literal["suspend", "resume", "terminate", "retry"]



class MessageIn(Strict):
    name: str = Field(min_length=1, max_length=128)
    business_key: str = Field(min_length=1, max_length=128)
    payload: Any = None


class MessageOut(BaseModel):
    instance: InstanceOut


@bp.get("/process-definitions", summary="已发布的流程定义", responses={200: DefinitionsOut})
def list_definitions() -> Any:
    return jsonify(queries.list_definitions(ro_uow(), current_actor_user()))


@bp.post("/process-definitions", summary="发布流程图（.bpmn/.dmn）",
         responses={200: DeployOut, 201: DeployOut, **errors(403)})
def deploy_definition(form: DeployForm) -> Any:
    results = deploy.deploy_file(uow(), actor_of(current_actor_user()), form.file.filename or "", form.file.read())
    main = results[0]
    body = {"key": main.key, "version": main.version, "created": main.created, "warnings": main.warnings,
            "deployed": [{"key": r.key, "version": r.version, "created": r.created, "kind": r.kind}
                         for r in results]}
    return jsonify(body), 201 if any(r.created for r in results) else 200


@bp.post("/process-instances", summary="发起流程", responses={201: InstanceSummaryOut, **errors(403, 404, 409)})
def start_instance(body: StartIn) -> Any:
    user = current_actor_user()
    inst = instances.start_instance(uow(), actor_of(user), body.process_key, body.business_key, body.variables)
    return jsonify(queries.instance_summary(ro_uow(), user, inst.id)), 201


@bp.get("/process-instances", summary="流程实例（按权限范围）", responses={200: InstancePageOut})
def list_instances(query: InstanceQuery) -> Any:
    return jsonify(queries.list_instances(ro_uow(), current_actor_user(), query.process_key, query.state,
                                          query.county, query.business_key, query.limit, query.offset))


@bp.get("/process-instances/<int:instance_id>", summary="流程实例详情（读取从不触发定时器）",
        responses={200: InstanceDetailOut, **errors(404)})
def get_instance(path: InstancePath) -> Any:
    """The instance as it is stored: reading never fires a timer (the scheduler and demo-clock moves do)."""
    return jsonify(queries.get_instance(ro_uow(), current_actor_user(), path.instance_id))


@bp.post("/process-instances/<int:instance_id>/<any(suspend, resume, terminate, retry):action>",
         summary="挂起、恢复、终止或重试（管理员）", responses={200: InstanceDetailOut, **errors(403, 404, 409)})
def instance_action(path: ActionPath, body: ReasonIn) -> Any:
    actor = actor_of(current_actor_user())
    fn = {"suspend": instances.suspend_instance, "resume": instances.resume_instance,
          "terminate": instances.terminate_instance, "retry": instances.retry_incident}[path.action]
    fn(uow(), actor, path.instance_id, body.reason)
    return jsonify(queries.get_instance(ro_uow(), current_actor_user(), path.instance_id))


@bp.post("/messages", summary="向等待消息的实例发送消息", responses={200: MessageOut, **errors(404)})
def message(body: MessageIn) -> Any:
    inst = instances.correlate_message(uow(), actor_of(current_actor_user()), body.name, body.business_key,
                                       body.payload)
    return jsonify({"instance": queries.instance_view_by_id(ro_uow(), inst.id)})
