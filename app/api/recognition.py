"""JSON API of the recognition procedure: rounds, applications, materials, objections, register."""

from __future__ import annotations

from typing import Any

from flask import jsonify, send_file
from flask_openapi3 import FileStorage
from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictInt

from app.api.common import OptionalBody, Strict, api_blueprint, binary, errors, public
from app.extensions import actor_of, current_actor_user, ro_uow, uow
from processes.recognition import precheck as checks
from processes.recognition import services as rec

bp = api_blueprint("recognition", "认定（第四章）")

# -- models ------------------------------------------------------------------------------------------------

DATE = r"^\d{4}-\d{2}-\d{2}$"  # YYYY-MM-DD
DATE_OR_EMPTY = r"^(\d{4}-\d{2}-\d{2})?$"


class BusinessKeyPath(BaseModel):
    business_key: str = Field(min_length=1, max_length=128, description="e.g. RECOGNITION-2026-00001")


class MaterialPath(BusinessKeyPath):
    mkey: str = Field(min_length=1, max_length=16, description="m03 … m13 (Art. 12)")


class AttachmentPath(BusinessKeyPath):
    sha256: str = Field(min_length=1, max_length=64)


class MeasureIn(Strict):
    title: str = Field("", max_length=200, description="办法名称")
    number: str = Field("", max_length=100, description="文号")
    effective_from: str = Field("", pattern=DATE_OR_EMPTY, description="施行日期 YYYY-MM-DD")
    effective_to: str | None = Field(None, pattern=DATE_OR_EMPTY, description="有效期至 YYYY-MM-DD (none: open-ended)")


class MeasureOut(BaseModel):
    title: str
    number: str
    effective_from: str
    effective_to: str | None = None


class RoundIn(Strict):
    year: StrictInt = Field(ge=2000, le=2100)
    submission_deadline: str = Field(pattern=DATE, description="YYYY-MM-DD, within the year")
    name: str | None = Field(None, max_length=200)
    opens_on: str | None = Field(None, pattern=DATE, description="YYYY-MM-DD (default 1 January)")
    measure: MeasureIn | None = Field(None, description="Art. 23: required once the measure in force has lapsed")


class RoundOut(BaseModel):
    id: int
    year: int
    name: str
    opens_on: str
    submission_deadline: str
    status: str
    measure: MeasureOut | None = None


class RoundsOut(RootModel[list[RoundOut]]):
    pass


class MeasureStatusOut(BaseModel):
    today: str
    in_force: MeasureOut | None = None
    warning: str | None = None
    known: list[MeasureOut]


class StatusQuery(BaseModel):
    status: str | None = Field(None, max_length=32)


class UploadedMaterialOut(BaseModel):
    mkey: str
    name: str
    file_name: str
    mime: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: str


class RuleOutcomeOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    rule: str | None = None
    article: str | None = None
    message: str | None = None


class MissingMaterialOut(BaseModel):
    mkey: str
    name: str


class ApplicationOut(BaseModel):
    definition_version: int | None = None
    measure: dict[str, Any] | None = Field(None, description="the measure of the diagram version it started under")
    business_key: str
    instance_id: int
    round_id: int | None = None
    credit_code: str | None = None
    unit_name: str | None = None
    county: str | None = None
    status: str
    status_name: str
    submitted_at: str | None = None
    publicity_start: str | None = None
    publicity_end: str | None = None
    outcome_reasons: list[Any] | None = Field(None, description="why it ended, rule by rule (article, message)")
    flagged_rules: list[RuleOutcomeOut]
    certificate_no: str | None = None
    materials: list[UploadedMaterialOut]
    materials_missing: list[MissingMaterialOut]


class ApplicationsOut(RootModel[list[ApplicationOut]]):
    pass


class MaterialsOut(BaseModel):
    business_key: str
    materials: list[UploadedMaterialOut]
    missing: list[MissingMaterialOut]


class UploadForm(BaseModel):
    file: FileStorage = Field(description="PDF, JPEG or PNG within the upload limit")


class DataIn(Strict):
    data: dict[str, Any] = Field({}, description="field id → value")


class OptionalDataIn(OptionalBody):
    data: dict[str, Any] = Field({}, description="values not yet saved as a draft (over the draft)")


class ApplicationDraftOut(BaseModel):
    task_id: str
    element_id: str
    draft: dict[str, Any]


class CheckOut(BaseModel):
    rule: str
    article: str | None = None
    passed: bool | None = None
    value: Any = None
    threshold: Any = None
    message: str | None = None
    kind: str | None = None


class PrecheckOut(BaseModel):
    results: list[CheckOut]
    passed: bool


class WithdrawIn(OptionalBody):
    reason: str = Field("", max_length=2000)


class ObjectionIn(Strict):
    name: str = Field("", max_length=100, description="异议人姓名")
    contact: str = Field("", max_length=100, description="联系方式")
    reasons: str = Field("", max_length=10_000, description="异议理由")


class ObjectionFiledOut(BaseModel):
    business_key: str
    objection_id: int
    status: str
    message: str


class AttachmentOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    file_name: str | None = None
    mime: str | None = None
    size: int | None = None
    sha256: str | None = None


class ObjectionOut(BaseModel):
    id: int
    name: str
    contact: str
    reasons: str
    filed_at: str
    status: str
    findings: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
    attachment: AttachmentOut | None = None


class ObjectionsOut(RootModel[list[ObjectionOut]]):
    pass


class RegisterQuery(BaseModel):
    status: str | None = Field(None, max_length=32, description="recognised | expired | revoked | …")
    credit_code: str | None = Field(None, max_length=32)


class RegisterEntryOut(BaseModel):
    id: int
    unit_name: str
    credit_code: str
    county: str | None = None
    status: str
    certificate_no: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    ban_until: str | None = None
    application_key: str | None = None


class RegisterOut(RootModel[list[RegisterEntryOut]]):
    pass


class RegisterIn(Strict):
    unit_name: str = Field("", max_length=200)
    credit_code: str = Field("", max_length=32)
    county: str | None = Field(None, max_length=32)
    status: str = Field("", max_length=32)
    valid_from: str | None = Field(None, pattern=DATE_OR_EMPTY, description="YYYY-MM-DD")
    valid_to: str | None = Field(None, pattern=DATE_OR_EMPTY, description="YYYY-MM-DD")
    certificate_no: str | None = Field(None, max_length=64)
    revoked_on: str | None = Field(None, pattern=DATE_OR_EMPTY, description="YYYY-MM-DD (Art. 21: bans for 3 years)")
    note: str = Field("", max_length=2000)


# -- routes -----------------------------------------------------------------------------------------------

@bp.get("/rounds", summary="认定批次（第十五条：每年一次）", responses={200: RoundsOut})
def list_rounds() -> Any:
    return jsonify(rec.list_rounds(ro_uow()))


@bp.post("/rounds", summary="开设年度批次（管理员）", responses={201: RoundOut, **errors(403, 409)})
def open_round(body: RoundIn) -> Any:
    measure = body.measure.model_dump() if body.measure is not None else None
    view = rec.open_round(uow(), actor_of(current_actor_user()), body.year, body.submission_deadline, body.name,
                          body.opens_on, measure)
    return jsonify(view), 201


@bp.get("/measures", summary="现行认定办法（第二十三条）", responses={200: MeasureStatusOut})
def measures() -> Any:
    """Art. 23: the measure in force today, the known measures, and the warning while none is in force."""
    return jsonify(rec.measure_status(ro_uow()))


@bp.get("/applications", summary="申报（按权限范围）", responses={200: ApplicationsOut})
def list_applications(query: StatusQuery) -> Any:
    return jsonify(rec.list_applications(ro_uow(), actor_of(current_actor_user()), query.status))


@bp.get("/applications/<business_key>", summary="申报详情", responses={200: ApplicationOut, **errors(404)})
def get_application(path: BusinessKeyPath) -> Any:
    return jsonify(rec.get_application(ro_uow(), actor_of(current_actor_user()), path.business_key))


@bp.get("/applications/<business_key>/materials", summary="申报材料（第十二条）及缺少的材料",
        responses={200: MaterialsOut, **errors(404)})
def list_materials(path: BusinessKeyPath) -> Any:
    return jsonify(rec.list_materials(ro_uow(), actor_of(current_actor_user()), path.business_key))


@bp.post("/applications/<business_key>/materials/<mkey>", summary="上传材料（PDF、JPEG、PNG；覆盖同一材料）",
         responses={201: UploadedMaterialOut, **errors(403, 404, 409)})
def upload_material(path: MaterialPath, form: UploadForm) -> Any:
    view = rec.upload_material(uow(), actor_of(current_actor_user()), path.business_key, path.mkey,
                               form.file.filename or "", form.file.read())
    return jsonify(view), 201


@bp.get("/applications/<business_key>/materials/<mkey>", summary="下载一份申报材料（第十二条）",
        responses={200: binary("the uploaded file", "application/pdf", "image/jpeg", "image/png"), **errors(404)})
def material_file(path: MaterialPath) -> Any:
    """The uploaded file, streamed from the object store (any web host serves it); the same use case
    and the same rule as the page's link (the applicant, its county, the bureau, its panel)."""
    stream, mime, name = rec.material_file(ro_uow(), actor_of(current_actor_user()), path.business_key, path.mkey)
    return send_file(stream, mimetype=mime, download_name=name, as_attachment=True)


@bp.post("/applications/<business_key>/draft", summary="保存申报书草稿（逐项检查格式，不检查必填）",
         responses={200: ApplicationDraftOut, **errors(403, 404, 409)})
def save_draft(path: BusinessKeyPath, body: DataIn) -> Any:
    return jsonify(rec.save_draft(uow(), actor_of(current_actor_user()), path.business_key, body.data))


@bp.post("/applications/<business_key>/precheck", summary="预检第七、八条（只读）",
         responses={200: PrecheckOut, **errors(404)})
def precheck(path: BusinessKeyPath, body: OptionalDataIn) -> Any:
    """Art. 7, 8 on the applicant's draft before submitting, rule by rule (read-only); the body may
    carry ``{"data": {...}}`` values not yet saved as a draft."""
    return jsonify(checks.precheck(ro_uow(), actor_of(current_actor_user()), path.business_key, body.data))


@bp.post("/applications/<business_key>/withdraw", summary="撤回申报（县级办理前）",
         responses={200: ApplicationOut, **errors(403, 404, 409)})
def withdraw(path: BusinessKeyPath, body: WithdrawIn) -> Any:
    return jsonify(rec.withdraw_application(uow(), actor_of(current_actor_user()), path.business_key, body.reason))


@bp.post("/applications/<business_key>/objections", summary="公示期内提出异议（第十三条，无需登录）", security=[],
         responses={201: ObjectionFiledOut, **errors(404, 409, 429)})
@public
def file_objection(path: BusinessKeyPath, body: ObjectionIn) -> Any:
    """Public (no login): Art. 13 objections during publicity."""
    return jsonify(rec.file_objection(uow(), path.business_key, body.name, body.contact, body.reasons)), 201


@bp.get("/applications/<business_key>/objections", summary="申报收到的异议及核查结论（市局）",
        responses={200: ObjectionsOut, **errors(403, 404)})
def objections(path: BusinessKeyPath) -> Any:
    """Art. 13: the objections filed against an application and their decisions (the bureau)."""
    return jsonify(rec.objections_of(ro_uow(), actor_of(current_actor_user()), path.business_key))


@bp.get("/register", summary="示范平台名录（公开）", security=[], responses={200: RegisterOut})
@public
def register(query: RegisterQuery) -> Any:
    """Public list of recognised platforms (Art. 14, 22)."""
    return jsonify(rec.list_register(ro_uow(), query.status, query.credit_code))


@bp.post("/register", summary="登记系统外认定或撤销的平台（管理员）", responses={201: RegisterEntryOut, **errors(403)})
def add_register_entry(body: RegisterIn) -> Any:
    view = rec.add_register_entry(uow(), actor_of(current_actor_user()), body.unit_name, body.credit_code,
                                  body.county, body.status, body.valid_from, body.valid_to, body.certificate_no,
                                  body.revoked_on, body.note)
    return jsonify(view), 201


@bp.get("/applications/<business_key>/objection-attachments/<sha256>", summary="异议附件（市局）",
        responses={200: binary("the objector's file", "application/pdf", "image/jpeg", "image/png"),
                   **errors(403, 404)})
def objection_attachment(path: AttachmentPath) -> Any:
    """The file an objector attached (Art. 13): the bureau only."""
    found, mime, name = rec.objection_attachment(ro_uow(), actor_of(current_actor_user()), path.business_key,
                                                 path.sha256)
    return send_file(found, mimetype=mime, download_name=name, as_attachment=True)

