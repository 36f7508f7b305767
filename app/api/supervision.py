"""Supervision API (Chapter 5): quarterly reports, aggregates, overdue list, inspections, spot checks,
revocations. Thin: the models check the request, one use case per route."""

from __future__ import annotations

from typing import Annotated, Any

from flask import jsonify
from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictInt

from app.api.common import MAX_ID, OptionalBody, Strict, api_blueprint, errors, public
from app.api.models import InstanceSummaryOut
from app.extensions import actor_of, current_actor_user, ro_uow, runtime, uow
from processes import queries
from processes.access import Permission, require
from processes.supervision import services as sup

bp = api_blueprint("supervision", "监督管理（第五章）")

StrictId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


# -- models ------------------------------------------------------------------------------------------------

class ReportQuery(BaseModel):
    year: int | None = Field(None, ge=2000, le=2100)
    quarter: int | None = Field(None, ge=1, le=4)
    county: str | None = Field(None, max_length=32)
    status: str | None = Field(None, max_length=32)
    credit_code: str | None = Field(None, max_length=32)


class ReportPath(BaseModel):
    report_id: int = Field(ge=1, le=MAX_ID)


class ReportOut(BaseModel):
    id: int
    business_key: str
    instance_id: int | None = None
    register_id: int
    credit_code: str
    unit_name: str
    county: str | None = None
    year: int
    quarter: int
    quarter_key: str
    status: str
    due_date: str
    aggregate_due: str
    submitted_at: str | None = None
    accepted_at: str | None = None
    late: bool
    overdue: bool
    days_overdue: int
    chase_count: int
    flagged_missing: bool
    returns: int
    figures: dict[str, Any]


class ReportsOut(RootModel[list[ReportOut]]):
    pass


class ChaseIn(OptionalBody):
    message: str = Field("", max_length=2000, description="the text of the reminder (default: a standard one)")


class AggregateOut(BaseModel):
    id: int
    business_key: str
    instance_id: int | None = None
    county: str
    year: int
    quarter: int
    quarter_key: str
    status: str
    due_date: str
    submitted_at: str | None = None
    late: bool
    overdue: bool
    days_overdue: int
    chase_count: int
    summary: dict[str, Any]


class AggregatesOut(RootModel[list[AggregateOut]]):
    pass


class OverdueOut(BaseModel):
    today: str
    reports: list[ReportOut]
    aggregates: list[AggregateOut]
    late_reports: list[ReportOut]


class PlatformOut(BaseModel):
    id: int
    unit_name: str
    credit_code: str
    county: str | None = None
    status: str
    valid_from: str | None = None
    valid_to: str | None = None
    ban_until: str | None = None
    note: str | None = None


class PlatformsOut(RootModel[list[PlatformOut]]):
    pass


class InspectionOut(BaseModel):
    id: int
    business_key: str
    instance_id: int | None = None
    register_id: int
    credit_code: str
    unit_name: str
    county: str | None = None
    kind: str = Field(description="county | spot_check")
    round_id: int | None = None
    status: str
    verdict: str | None = None
    findings: dict[str, Any]
    started_by: str
    created_at: str


class InspectionsOut(RootModel[list[InspectionOut]]):
    pass


class InspectionIn(Strict):
    register_id: StrictId = Field(description="the platform's register entry")


class SpotCheckOut(BaseModel):
    id: int
    n: int
    seed: str
    candidates: int
    picks: list[str] = Field(description="credit codes drawn")
    started_by: str
    started_at: str


class SpotChecksOut(RootModel[list[SpotCheckOut]]):
    pass


class SpotCheckIn(Strict):
    n: StrictInt = Field(ge=1, le=1000, description="how many platforms to draw")
    seed: Annotated[str, Field(max_length=64)] | StrictInt | None = Field(
        None, description="the seed of the draw (default: random); the same seed redraws the same platforms")


class SpotCheckStartedOut(BaseModel):
    round_id: int
    seed: str
    n: int
    picks: list[str] = Field(description="credit codes drawn")
    business_keys: list[str] = Field(description="the inspections started, one per platform drawn")


class RevocationOut(BaseModel):
    id: int
    register_id: int
    credit_code: str
    unit_name: str
    county: str | None = None
    inspection_id: int | None = None
    article: str
    reason: str
    source: str | None = None
    source_name: str
    status: str = Field(description="requested | confirmed | rejected")
    requested_by: str
    requested_at: str
    decided_at: str | None = None
    decision_reasons: str | None = None
    revoked_on: str | None = None
    ban_until: str | None = None
    decided_by: str | None = Field(None, description="staff lists only")


class RevocationsOut(RootModel[list[RevocationOut]]):
    pass


class RevokeIn(Strict):
    register_id: StrictId
    article: str = Field("", max_length=32, description="第二十条 | 第二十一条")
    reason: str = Field("", max_length=5000)
    source: str = Field("other", max_length=32, description="spot_check | inspection | complaint | other")


class JobsOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    closed_rounds: Any = None
    expired: Any = None
    started: Any = None
    chased: Any = None
    expiry_reminders: Any = None


# -- routes -----------------------------------------------------------------------------------------------

@bp.get("/supervision/reports", summary="季度工作报告（按权限范围）", responses={200: ReportsOut})
def supervision_reports(query: ReportQuery) -> Any:
    return jsonify(sup.list_reports(ro_uow(), current_actor_user(), query.year, query.quarter, query.county,
                                    query.status, query.credit_code))


@bp.post("/supervision/reports/<int:report_id>/chase", summary="催报（县级主管部门）",
         responses={200: ReportOut, **errors(403, 404, 409)})
def supervision_chase(path: ReportPath, body: ChaseIn) -> Any:
    return jsonify(sup.chase_report(uow(), actor_of(current_actor_user()), path.report_id, body.message))


@bp.get("/supervision/aggregates", summary="县级季度汇总", responses={200: AggregatesOut, **errors(403)})
def supervision_aggregates() -> Any:
    return jsonify(sup.list_aggregates(ro_uow(), current_actor_user()))


@bp.get("/supervision/overdue", summary="逾期未报（催报名单）", responses={200: OverdueOut})
def supervision_overdue() -> Any:
    return jsonify(sup.overdue(ro_uow(), current_actor_user()))


@bp.get("/supervision/platforms", summary="监管的示范平台", responses={200: PlatformsOut, **errors(403)})
def supervision_platforms() -> Any:
    return jsonify(sup.supervised_platforms(ro_uow(), current_actor_user()))


@bp.get("/supervision/inspections", summary="检查", responses={200: InspectionsOut, **errors(403)})
def supervision_inspections() -> Any:
    return jsonify(sup.list_inspections(ro_uow(), current_actor_user()))


@bp.post("/supervision/inspections", summary="发起县级检查", responses={201: InstanceSummaryOut, **errors(403, 404)})
def supervision_start_inspection(body: InspectionIn) -> Any:
    user = current_actor_user()
    inst = sup.start_inspection(uow(), actor_of(user), body.register_id)
    return jsonify(queries.instance_summary(ro_uow(), user, inst.id)), 201


@bp.get("/supervision/spot-checks", summary="抽查批次（市局）", responses={200: SpotChecksOut, **errors(403)})
def supervision_spot_checks() -> Any:
    return jsonify(sup.list_spot_checks(ro_uow(), current_actor_user()))


@bp.post("/supervision/spot-checks", summary="随机抽查（第二十一条，市局）",
         responses={201: SpotCheckStartedOut, **errors(403, 409)})
def supervision_start_spot_check(body: SpotCheckIn) -> Any:
    seed = str(body.seed) if body.seed not in (None, "") else None
    return jsonify(sup.start_spot_check(uow(), actor_of(current_actor_user()), body.n, seed)), 201


@bp.get("/supervision/revocations", summary="撤销公告（第二十条，公开）", security=[],
        responses={200: RevocationsOut, **errors(403)})
@public
def supervision_revocations() -> Any:
    """Art. 20: the results are published on the bureau's website (confirmed revocations, public)."""
    return jsonify(sup.list_revocations(ro_uow(), public=True))


@bp.get("/supervision/revocation-requests", summary="撤销申请及决定（按权限范围）",
        responses={200: RevocationsOut, **errors(403)})
def supervision_revocation_requests() -> Any:
    """Every revocation request the user may see (requested / confirmed / rejected), with who decided."""
    return jsonify(sup.list_revocations(ro_uow(), current_actor_user()))


@bp.post("/supervision/revocations", summary="撤销示范平台称号（第二十、二十一条，市局）",
         responses={201: RevocationOut, **errors(403, 404)})
def supervision_revoke(body: RevokeIn) -> Any:
    result = sup.revoke(uow(), actor_of(current_actor_user()), body.register_id, body.article, body.reason,
                        body.source or "other")
    return jsonify(result), 201


@bp.post("/supervision/jobs/run", summary="运行每日监督任务（演示用，管理员）", responses={200: JobsOut, **errors(403)})
def supervision_run_jobs() -> Any:
    """What the scheduler runs (admin, for demos): start quarters, expire, chase, close rounds."""
    require(current_actor_user(), Permission.RUN_JOBS)
    return jsonify(sup.run_supervision_jobs(runtime()))
