"""Use cases of the recognition procedure. Each public function is one transaction."""

from __future__ import annotations

import hashlib
import io
import unicodedata
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import filetype
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from handlers.certificates import ban_until as ban_until_of
from handlers.certificates import validity_expired
from handlers.credit_code import validate_credit_code
from handlers.measures import MEASURE_2021_115, Measure, in_force, lapsed_warning, measure_from, round_measure
from handlers.recognition_steps import MATERIALS, SYSTEM_MATERIALS, beijing_date, missing_materials
from processes.access import (
    Permission,
    county_row_filter,
    is_applicant_of,
    may_see_application,
    may_see_county_row,
    require,
)
from processes.clock import CST
from processes.db import UnitOfWork
from processes.errors import Conflict, Forbidden, Invalid, NotFound
from processes.forms.checks import Materials, check_form
from processes.messages import N_, field_error, t
from processes.models import AuditEntry, DecisionFile, ProcessDefinition, ProcessInstance, TaskIndex, User
from processes.recognition.models import (
    FINAL_STATUSES,
    REGISTER_STATUSES,
    Application,
    Material,
    Objection,
    PlatformRegister,
    RecognitionRound,
)
from processes.services.core import Actor, definition_by_id, lock_instance, record
from processes.services.instances import correlate_message
from processes.services.users import county_errors
from processes.storage import NotStored
from processes.tasks.forms import form_fields, spec_of
from processes.vocabulary import Role

PUBLIC = Actor(None, "public", "public")
UPLOAD_STATUSES = ("draft", "supplement")
WITHDRAW_STATUSES = ("draft", "at_county")
MIME_BY_MAGIC = ((b"%PDF-", "application/pdf", ".pdf"), (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
                 (b"\x89PNG\r\n\x1a\n", "image/png", ".png"))
MAX_IMAGE_PIXELS = 40_000_000  # a scanned A4 page at 600 dpi is ~35 MP; beyond that: a decompression bomb
STATUS_NAMES = {
    "draft": N_("填报中"), "at_county": N_("县级推荐中"), "under_review": N_("市局审核中"),
    "supplement": N_("补正中"), "onsite_check": N_("现场核实中"), "expert_panel": N_("专家评审中"),
    "publicity": N_("公示中"), "objection": N_("异议核查中"), "ineligible": N_("不符合申报条件"),
    "declined": N_("县级不予推荐"), "rejected": N_("审核未通过"), "objection_upheld": N_("异议成立，不予认定"),
    "withdrawn": N_("已撤回"), "granted": N_("已认定"), "terminated": N_("已终止"),
}


def _status(status: str) -> str:
    """The name of an application's status in the reader's language."""
    return t(STATUS_NAMES[status]) if status in STATUS_NAMES else status


def _no_application(business_key: str) -> NotFound:
    return NotFound(t("没有编号为 {key} 的申报", key=business_key), code="application_not_found")


# -- rounds (Art. 15) -----------------------------------------------------------------------------


def round_view(r: RecognitionRound) -> dict[str, Any]:
    measure = _round_measure(r)
    return {"id": r.id, "year": r.year, "name": r.name, "opens_on": r.opens_on.isoformat(),
            "submission_deadline": r.submission_deadline.isoformat(), "status": r.status,
            "measure": measure.as_dict() if measure else None}


def _round_measure(r: RecognitionRound) -> Measure | None:
    if not r.measure_title or not r.measure_number or r.measure_effective_from is None:
        return None
    return Measure(r.measure_title, r.measure_number, r.measure_effective_from, r.measure_effective_to)


def known_measures(uow: UnitOfWork) -> list[Measure]:
    """Art. 23: the measures the system knows — 聊工信发〔2021〕115号, those named on rounds and those
    deployed diagrams and decision tables declare."""
    found: dict[tuple[str, str], Measure] = {(MEASURE_2021_115.number, MEASURE_2021_115.title): MEASURE_2021_115}
    for r in uow.s.scalars(select(RecognitionRound)):
        m = _round_measure(r)
        if m is not None:
            found.setdefault((m.number, m.title), m)
    for raw in [*uow.s.scalars(select(ProcessDefinition.measure)), *uow.s.scalars(select(DecisionFile.measure))]:
        if isinstance(raw, dict) and raw.get("title"):
            try:
                m = measure_from(raw)
            except ValueError:
                continue
            found.setdefault((m.number, m.title), m)
    return list(found.values())


def measure_status(uow: UnitOfWork) -> dict[str, Any]:
    """Art. 23: the measure in force today, and the round page's warning while there is none."""
    with uow:
        day = beijing_date(uow.runtime.now())
        measures = known_measures(uow)
        current = in_force(measures, day)
        return {"today": day.isoformat(), "in_force": current.as_dict() if current else None,
                "warning": lapsed_warning(day, measures),
                "known": [m.as_dict() for m in sorted(measures, key=lambda m: m.effective_from)]}


def open_round(uow: UnitOfWork, actor: Actor, year: int, submission_deadline: date | str,
               name: str | None = None, opens_on: date | str | None = None,
               measure: dict[str, Any] | None = None) -> dict[str, Any]:
    """Art. 15: an administrator opens the year's round (one per year). Art. 23: the round states the
    measure that applies; a round whose dates fall after the measure in force has lapsed must name it
    (title, document number, effective dates)."""
    require(actor, Permission.OPEN_ROUND)
    try:
        deadline = date.fromisoformat(str(submission_deadline)[:10])
        start = date.fromisoformat(str(opens_on)[:10]) if opens_on else date(int(year), 1, 1)
    except ValueError:
        raise Invalid(t("日期格式应为 YYYY-MM-DD"), [field_error("submission_deadline", "date_parsing", "应为日期")],
                      code="date_invalid") from None
    if deadline.year != int(year) or deadline < start:
        raise Invalid(t("截止日期应在本年度内且不早于开始日期"),
                      [field_error("submission_deadline", "deadline_invalid", "截止日期应在本年度内且不早于开始日期")],
                      code="deadline_invalid")
    with uow:
        try:
            applies = round_measure(start, deadline, measure, known_measures(uow))
        except ValueError as exc:
            # the handler's text (Chinese) names what the measure lacks (Art. 23)
            raise Invalid(str(exc), [{"field": "measure", "code": "measure_required", "message": str(exc)}],
                          code="measure_required") from None
        if uow.s.scalars(select(RecognitionRound).where(RecognitionRound.year == int(year))).first():
            raise Conflict(t("{year} 年度申报批次已存在（第十五条：每年认定一次）", year=year), code="round_exists")
        r = RecognitionRound(year=int(year), name=name or f"{year}年度聊城市中小企业公共服务示范平台认定",
                             opens_on=start, submission_deadline=deadline, status="open",
                             created_by=actor.username, created_at=uow.runtime.now(),
                             measure_title=applies.title, measure_number=applies.number,
                             measure_effective_from=applies.effective_from,
                             measure_effective_to=applies.effective_to)
        uow.s.add(r)
        uow.s.flush()
        record(uow, actor, "round.opened", data=round_view(r))
        uow.commit()
        return round_view(r)


def list_rounds(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        return [round_view(r) for r in uow.s.scalars(select(RecognitionRound).order_by(RecognitionRound.year.desc()))]


# -- applications -----------------------------------------------------------------------------------


def _application(uow: UnitOfWork, business_key: str) -> Application:
    app = uow.s.scalars(select(Application).where(Application.business_key == business_key)).first()
    if app is None:
        raise _no_application(business_key)
    return app


def _may_view(actor: Actor, app: Application) -> bool:
    return may_see_county_row(actor, app.county, app.applicant_id)


def application_view(uow: UnitOfWork, app: Application) -> dict[str, Any]:
    mats = uow.s.scalars(select(Material).where(Material.application_id == app.id).order_by(Material.mkey)).all()
    inst = uow.s.get(ProcessInstance, app.instance_id)
    definition = definition_by_id(uow, inst.definition_id) if inst is not None else None
    return {"definition_version": definition.version if definition else None,
            # Art. 23: the application keeps the version (and so the measure) it started under
            "measure": definition.measure if definition else None,
            "business_key": app.business_key, "instance_id": app.instance_id, "round_id": app.round_id,
            "credit_code": app.credit_code, "unit_name": app.unit_name, "county": app.county,
            "status": app.status, "status_name": STATUS_NAMES.get(app.status, app.status),
            "submitted_at": app.submitted_at.isoformat() if app.submitted_at else None,
            "publicity_start": app.publicity_start.isoformat() if app.publicity_start else None,
            "publicity_end": app.publicity_end.isoformat() if app.publicity_end else None,
            "outcome_reasons": app.outcome_reasons, "flagged_rules": app.flagged_rules or [],
            "certificate_no": app.certificate_no,
            "materials": [material_view(m) for m in mats],
            "materials_missing": missing_materials([k for k in MATERIALS if k not in SYSTEM_MATERIALS],
                                                   [m.mkey for m in mats])}


def panel_of(uow: UnitOfWork, app: Application) -> list[str]:
    """The experts on the application's panel: those holding one of its expert tasks or who did."""
    holding = select(User.username).join(TaskIndex, TaskIndex.assignee_id == User.id).where(
        TaskIndex.business_key == app.business_key, TaskIndex.role == Role.EXPERT)
    done = select(User.username).join(AuditEntry, AuditEntry.actor_id == User.id).where(
        AuditEntry.instance_id == app.instance_id, AuditEntry.action == "task.completed",
        User.role == Role.EXPERT)
    return sorted(set(uow.s.scalars(holding)) | set(uow.s.scalars(done)))


def _may_see_materials(uow: UnitOfWork, actor: Actor, app: Application) -> bool:
    """Art. 11–13: the applicant, the officers of its county, the bureau and the experts on its panel
    (``access.may_see_application``: the web's pages and the API answer alike)."""
    return may_see_application(actor, app.county, app.applicant_id, panel_of(uow, app))


def outcome_of_instance(uow: UnitOfWork, instance_id: int) -> dict[str, Any] | None:
    """The application behind a recognition instance, as its page shows it: status, the rules flagged
    to the county and, once it ended, why — rule by rule, each citing its article (docs/DOMAIN.md §2).
    The caller has checked that the user may read the instance."""
    with uow:
        app = uow.s.scalars(select(Application).where(Application.instance_id == instance_id)).first()
        if app is None:
            return None
        return {"business_key": app.business_key, "status": app.status,
                "status_name": STATUS_NAMES.get(app.status, app.status), "ended": app.status in FINAL_STATUSES,
                "outcome_reasons": app.outcome_reasons or [], "flagged_rules": app.flagged_rules or [],
                "publicity_start": app.publicity_start.isoformat() if app.publicity_start else None,
                "publicity_end": app.publicity_end.isoformat() if app.publicity_end else None}


def get_application(uow: UnitOfWork, actor: Actor, business_key: str) -> dict[str, Any]:
    with uow:
        app = _application(uow, business_key)
        if not _may_view(actor, app) and not _may_see_materials(uow, actor, app):
            raise _no_application(business_key)
        return application_view(uow, app)


def list_applications(uow: UnitOfWork, actor: Actor, status: str | None = None) -> list[dict[str, Any]]:
    with uow:
        stmt = county_row_filter(select(Application), Application, actor, Application.applicant_id)
        stmt = stmt.order_by(Application.id.desc())
        if status:
            stmt = stmt.where(Application.status == status)
        return [application_view(uow, a) for a in uow.s.scalars(stmt.limit(500))]


def in_publicity(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Art. 13, 22: the public publicity list — every platform whose 5-working-day period is running,
    whether or not an objection is being investigated (an anonymous objection never takes it off).
    Names, counties and dates only."""
    with uow:
        now = uow.runtime.now()
        rows = uow.s.scalars(select(Application).where(Application.status.in_(PUBLICITY_STATUSES),
                                                       Application.publicity_end >= now)
                             .order_by(Application.publicity_start, Application.id))
        return [{"business_key": a.business_key, "unit_name": a.unit_name, "county": a.county,
                 "publicity_start": a.publicity_start.isoformat() if a.publicity_start else None,
                 "publicity_end": a.publicity_end.isoformat() if a.publicity_end else None} for a in rows]


DRAFT_TASKS = ("fill_application", "supplement")


def save_draft(uow: UnitOfWork, actor: Actor, business_key: str, data: dict[str, Any]) -> dict[str, Any]:
    """Save the applicant's half-filled form (申报书草稿) on the open task; nothing is submitted.

    The values are checked field by field (types, limits) but required fields may stay empty; the
    task view returns them as ``draft`` so the form opens where the applicant left it.
    """
    with uow:
        app = _application(uow, business_key)
        if not is_applicant_of(actor, app.applicant_id):
            raise Forbidden(t("只有申报单位本身可以保存草稿"), code="not_the_applicant")
        row = uow.s.scalars(select(TaskIndex).where(TaskIndex.business_key == business_key,
                                                    TaskIndex.element_id.in_(DRAFT_TASKS))).first()
        if row is None:
            raise Conflict(t("申报当前状态为“{status}”，没有可保存草稿的表单", status=_status(app.status)),
                           code="no_draft_form")
        inst = uow.s.get(ProcessInstance, row.instance_id)
        definition = uow.s.get(ProcessDefinition, inst.definition_id) if inst else None
        assert definition is not None
        parsed = uow.runtime.engine.parsed(definition.id, definition.sources, definition.key)
        # a supplement takes over the application's fields (form_from): they may be edited there too
        values, errors = check_form(form_fields(spec_of(parsed, row.element_id), parsed), dict(data), partial=True)
        if errors:
            raise Invalid(t("草稿中有填写错误"), errors, code="draft_invalid")
        row.draft = {**(row.draft or {}), **values}
        record(uow, actor, "task.draft_saved", row.instance_id, row.task_id, row.element_id,
               data={"fields": sorted(values)})
        uow.commit()
        return {"task_id": row.task_id, "element_id": row.element_id, "draft": row.draft}


def withdraw_application(uow: UnitOfWork, actor: Actor, business_key: str, reason: str = "") -> dict[str, Any]:
    """The applicant may withdraw until the county has acted (recommended or declined)."""
    with uow:
        app = _application(uow, business_key)
        if not is_applicant_of(actor, app.applicant_id):
            raise Forbidden(t("只有申报单位本身可以撤回申报"), code="not_the_applicant")
        if app.status not in WITHDRAW_STATUSES:
            raise Conflict(t("申报当前状态为“{status}”，县级主管部门已办理，不能再撤回", status=_status(app.status)),
                           code="too_late_to_withdraw")
        try:
            correlate_message(uow, actor, "withdraw", business_key,
                              {"reason": reason or "", "at": uow.runtime.now().isoformat()})
        except NotFound:
            raise Conflict(t("县级主管部门已办理，不能再撤回"), code="too_late_to_withdraw") from None
        return application_view(uow, app)


def _checked_upload(uow: UnitOfWork, content: bytes, field: str = "file") -> tuple[str, str, str]:
    """(mime, extension, sha256) of an upload that is a PDF, JPEG or PNG within the size limit, and
    really one: a PDF that opens with at least one page, an image that decodes within the pixel limit."""
    limit = int(uow.runtime.settings.upload_max_mb)
    if not content:
        raise Invalid(t("文件为空"), [field_error(field, "file_empty", "文件为空")], code="file_empty")
    if len(content) > limit * 1024 * 1024:
        raise Invalid(t("文件超过 {limit} MB 的上限", limit=limit),
                      [field_error(field, "file_too_large", "不得超过 {limit} MB", limit=limit)], code="file_too_large")
    kind = _sniff(content, field)
    if kind is None:
        raise Invalid(t("只接受 PDF、JPEG、PNG 文件"), [field_error(field, "file_type", "只接受 PDF、JPEG、PNG")],
                      code="file_type")
    return kind[0], kind[1], hashlib.sha256(content).hexdigest()


def clean_file_name(name: str | None, default: str) -> str:
    """The name a user's file is shown and downloaded under: no path parts (``/`` or ``\\``), no control
    or invisible format characters (NUL, newlines, right-to-left overrides), at most 255 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp")).strip()
    return (base if base.strip(".") else default)[:255]


PUBLICITY_STATUSES = ("publicity", "objection")  # on the public publicity list until the period ends
OBJECTION_MIN_REASONS = 10  # characters (whitespace not counted) of an objection's reasons


def file_objection(uow: UnitOfWork, business_key: str, name: str, contact: str, reasons: str,
                   attachment: tuple[str, bytes] | None = None) -> dict[str, Any]:
    """Art. 13: anyone may object during the 5-working-day publicity (no login: actor 'public'),
    optionally with one supporting file (PDF, JPEG or PNG) that only the bureau can open.

    Never refused within the period: several objections may arrive, also while an earlier one is
    being investigated. Each is stored and investigated in turn; the workflow is woken when it is
    waiting (otherwise it takes the objection up after the current investigation)."""
    errors = [field_error(f, "missing", "必填") for f, v in (("name", name), ("contact", contact), ("reasons", reasons))
              if not isinstance(v, str) or not v.strip()]
    if isinstance(reasons, str) and reasons.strip() and len("".join(reasons.split())) < OBJECTION_MIN_REASONS:
        # friction without a CAPTCHA: a reason someone can investigate, not a word
        errors.append({"field": "reasons", "code": "too_short",
                       "message": f"请具体说明异议理由（至少 {OBJECTION_MIN_REASONS} 个字）"})
    stored: dict[str, Any] | None = None
    if attachment is not None and attachment[1]:
        try:
            mime, ext, digest = _checked_upload(uow, attachment[1], "attachment")
        except Invalid as exc:
            errors.extend(exc.errors)
        else:
            stored = {"file_name": clean_file_name(attachment[0], f"attachment{ext}"), "mime": mime,
                      "size": len(attachment[1]), "sha256": digest, "ext": ext}
    if errors:
        if any(e["field"] != "attachment" for e in errors):
            raise Invalid(t("请填写异议人姓名、联系方式和异议理由"), errors, code="objection_incomplete")
        raise Invalid(t("附件不符合要求"), errors, code="attachment_invalid")
    with uow:
        app = _application(uow, business_key)
        # the instance is locked first, so an objection and a decision on another one never cross
        lock_instance(uow, app.instance_id)
        now = uow.runtime.now()
        if app.publicity_end is None or app.publicity_start is None:
            raise Conflict(t("该申报尚未进入公示期，不受理异议"), code="not_in_publicity")
        period = publicity_period_text(app.publicity_start, app.publicity_end)
        if now > app.publicity_end or app.status not in PUBLICITY_STATUSES:
            raise Conflict(t("公示期已结束（公示期 {period}），异议不再受理", period=period), code="publicity_over")
        if stored is not None and attachment is not None:
            # the object store (processes/storage.py): every web host serves it
            uow.runtime.storage().put(f"uploads/{business_key}/objections/{stored['sha256']}{stored.pop('ext')}",
                                      attachment[1], stored["mime"])
        row = Objection(application_id=app.id, business_key=business_key, name=name.strip()[:100],
                        contact=contact.strip()[:100], reasons=reasons.strip(), attachment=stored, filed_at=now,
                        status="filed", findings="")
        uow.s.add(row)
        uow.s.flush()
        payload: dict[str, Any] = {"id": row.id, "name": row.name, "contact": row.contact, "reasons": row.reasons,
                                   "filed_at": now.isoformat(), **({"attachment": stored} if stored else {})}
        record(uow, PUBLIC, "objection.filed", app.instance_id, data={"objection_id": row.id,
                                                                      "business_key": business_key})
        try:
            correlate_message(uow, PUBLIC, "objection", business_key, payload, check_access=False)
        except NotFound:
            uow.commit()  # an investigation is under way: this objection is taken up after it
        return {"business_key": business_key, "objection_id": row.id, "status": app.status,
                "message": f"异议已受理（公示期 {period}），市工业和信息化局将逐件核查"}


def publicity_period_text(start: date, end: datetime) -> str:
    """Art. 13: the period runs from the day after publication (民法典 第二百零一条) to its end."""
    return f"{(start + timedelta(days=1)).isoformat()} 至 {end.astimezone(CST).date().isoformat()}"


def objections_of(uow: UnitOfWork, actor: Actor, business_key: str) -> list[dict[str, Any]]:
    """Art. 13: the objections filed against an application and their decisions (the bureau)."""
    require(actor, Permission.READ_OBJECTION_FILES)
    with uow:
        _application(uow, business_key)
        rows = uow.s.scalars(select(Objection).where(Objection.business_key == business_key).order_by(Objection.id))
        return [{"id": o.id, "name": o.name, "contact": o.contact, "reasons": o.reasons,
                 "filed_at": o.filed_at.isoformat(), "status": o.status, "findings": o.findings,
                 "decided_by": o.decided_by, "decided_at": o.decided_at.isoformat() if o.decided_at else None,
                 "attachment": o.attachment} for o in rows]


# -- materials (Art. 12) ----------------------------------------------------------------------------


def material_view(m: Material) -> dict[str, Any]:
    return {"mkey": m.mkey, "name": MATERIALS.get(m.mkey, m.mkey), "file_name": m.file_name, "mime": m.mime,
            "size": m.size, "sha256": m.sha256, "uploaded_by": m.uploaded_by, "uploaded_at": m.uploaded_at.isoformat()}


def _sniff(content: bytes, field: str = "file") -> tuple[str, str] | None:
    """(mime, extension) of a PDF, JPEG or PNG judged by its content (``filetype``), None for any other
    type; ``Invalid`` when it claims to be one but does not open: a PDF must parse (pypdf) and have a
    page, an image must decode (Pillow) within MAX_IMAGE_PIXELS (no decompression bomb)."""
    guessed = filetype.guess(content)
    kind = next(((mime, ext) for _, mime, ext in MIME_BY_MAGIC if guessed is not None and guessed.mime == mime),
                None)
    if kind is None:
        return None
    problem = _pdf_problem(content) if kind[0] == "application/pdf" else _image_problem(content)
    if problem:
        raise Invalid(f"文件无法使用：{problem}", [{"field": field, "code": "file_unreadable", "message": problem}])
    return kind


def _pdf_problem(content: bytes) -> str | None:
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            return "PDF 已加密，请上传未加密的文件"
        pages = len(reader.pages)
    except Exception:  # noqa: BLE001 - any parser failure means the file is not a usable PDF
        return "PDF 文件已损坏或无法打开"
    return None if pages >= 1 else "PDF 文件没有页面"


def _image_problem(content: bytes) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as im:
                if im.width * im.height > MAX_IMAGE_PIXELS:
                    return f"图片像素过多（{im.width}×{im.height}），请缩小后上传"
                im.load()  # decodes every pixel: a truncated or corrupt image fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "图片像素过多，请缩小后上传"
    except Exception:  # noqa: BLE001 - any decoder failure means the image is not usable
        return "图片已损坏或无法解码"
    return None


ACCEPTED_TYPES = sorted({mime for _, mime, _ in MIME_BY_MAGIC})


def materials_of_instance(uow: UnitOfWork, instance: ProcessInstance) -> Materials:
    """Art. 12: the materials of the application behind ``instance`` (what a task requiring them is
    checked against before it completes)."""
    uploaded = {m.mkey: {"file_name": m.file_name, "size": m.size, "mime": m.mime,
                         "uploaded_at": m.uploaded_at.isoformat()}
                for m in uow.s.scalars(select(Material).join(Application, Application.id == Material.application_id)
                                       .where(Application.instance_id == instance.id))}
    names = {k: v for k, v in MATERIALS.items() if k not in SYSTEM_MATERIALS}
    return Materials(names=names, required=[], uploaded=uploaded, accepted=ACCEPTED_TYPES,
                     max_bytes=int(uow.runtime.settings.upload_max_mb) * 1024 * 1024)


def upload_material(uow: UnitOfWork, actor: Actor, business_key: str, mkey: str, file_name: str,
                    content: bytes) -> dict[str, Any]:
    """Art. 12: the applicant uploads material ``mkey`` (m03…m13) as PDF, JPEG or PNG; a new upload
    replaces the previous file of that key."""
    if mkey not in MATERIALS:
        raise Invalid(t("没有材料 {mkey}（应为 m01…m13）", mkey=mkey),
                      [field_error("mkey", "mkey_invalid", "应为 m01…m13")], code="mkey_invalid")
    if mkey in SYSTEM_MATERIALS:
        raise Invalid(t("{mkey} {name}由系统根据表单生成，无需上传", mkey=mkey, name=MATERIALS[mkey]),
                      [field_error("mkey", "system_material", "系统生成")], code="system_material")
    mime, ext, digest = _checked_upload(uow, content)
    with uow:
        app = _application(uow, business_key)
        if not is_applicant_of(actor, app.applicant_id):
            raise Forbidden(t("只有申报单位本身可以上传材料"), code="not_the_applicant")
        if app.status not in UPLOAD_STATUSES:
            raise Conflict(t("申报当前状态为“{status}”，不能上传材料", status=_status(app.status)),
                           code="upload_closed")
        key = f"uploads/{business_key}/{mkey}-{digest[:16]}{ext}"  # in the object store (processes/storage.py)
        uow.runtime.storage().put(key, content, mime)
        row = uow.s.scalars(select(Material).where(Material.application_id == app.id, Material.mkey == mkey)).first()
        if row is None:
            row = Material(application_id=app.id, mkey=mkey)
            uow.s.add(row)
        row.file_name = clean_file_name(file_name, f"{mkey}{ext}")
        row.mime, row.size, row.sha256 = mime, len(content), digest
        row.storage_path = key
        row.uploaded_by, row.uploaded_at = actor.username, uow.runtime.now()
        uow.s.flush()
        record(uow, actor, "material.uploaded", app.instance_id,
               data={"mkey": mkey, "file_name": row.file_name, "size": row.size, "sha256": digest})
        uow.commit()
        return material_view(row)


def list_materials(uow: UnitOfWork, actor: Actor, business_key: str) -> dict[str, Any]:
    with uow:
        app = _application(uow, business_key)
        if not _may_see_materials(uow, actor, app):
            raise NotFound(f"没有编号为 {business_key} 的申报")
        view = application_view(uow, app)
    return {"business_key": business_key, "materials": view["materials"], "missing": view["materials_missing"]}


# -- the platform register (Art. 14, 17, 21) ----------------------------------------------------------


def register_view(r: PlatformRegister, today: date) -> dict[str, Any]:
    status = r.status
    if status == "recognised" and r.valid_to is not None and validity_expired(r.valid_to, today):
        status = "expired"
    return {"id": r.id, "unit_name": r.unit_name, "credit_code": r.credit_code, "county": r.county,
            "status": status, "certificate_no": r.certificate_no,
            "valid_from": r.valid_from.isoformat() if r.valid_from else None,
            "valid_to": r.valid_to.isoformat() if r.valid_to else None,
            "ban_until": r.ban_until.isoformat() if r.ban_until else None, "application_key": r.application_key}


def list_register(uow: UnitOfWork, status: str | None = None, credit_code: str | None = None) -> list[dict[str, Any]]:
    """The public list of platforms (Art. 14, 22): no personal data in it."""
    with uow:
        today = beijing_date(uow.runtime.now())
        stmt = select(PlatformRegister).order_by(PlatformRegister.id)
        if credit_code:
            stmt = stmt.where(PlatformRegister.credit_code == credit_code.strip().upper())
        rows = [register_view(r, today) for r in uow.s.scalars(stmt)]
        return [r for r in rows if status is None or r["status"] == status]


REGISTER_FIRST_DAY, REGISTER_LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def _register_date(value: str | None, field: str, errors: list[dict[str, Any]]) -> date | None:
    """A date of a register entry typed by an administrator: YYYY-MM-DD within 2000–2099 (a typo such as
    9999 would otherwise overflow the ban's computation or sit in the register for ever)."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors.append(field_error(field, "date_parsing", "日期应为 YYYY-MM-DD"))
        return None
    if not REGISTER_FIRST_DAY <= day <= REGISTER_LAST_DAY:
        errors.append(field_error(field, "date_out_of_range", "应在 {low} 至 {high} 之间",
                                  low=REGISTER_FIRST_DAY.isoformat(), high=REGISTER_LAST_DAY.isoformat()))
        return None
    return day


def add_register_entry(uow: UnitOfWork, actor: Actor, unit_name: str, credit_code: str, county: str | None,
                       status: str, valid_from: str | None = None, valid_to: str | None = None,
                       certificate_no: str | None = None, revoked_on: str | None = None,
                       note: str = "") -> dict[str, Any]:
    """An administrator records a platform recognised or revoked outside this system (e.g. before it)."""
    require(actor, Permission.MANAGE_REGISTER)
    errors = []
    code_error = validate_credit_code(credit_code)
    if code_error:
        errors.append({"field": "credit_code", "code": "credit_code_invalid", "message": code_error})
    if status not in REGISTER_STATUSES:
        errors.append(field_error("status", "status_invalid", "应为 {values} 之一",
                                  values=", ".join(REGISTER_STATUSES)))
    if not unit_name:
        errors.append(field_error("unit_name", "missing", "必填"))
    vf, vt, revoked = (_register_date(value, field, errors) for field, value in
                       (("valid_from", valid_from), ("valid_to", valid_to), ("revoked_on", revoked_on)))
    if vf and vt and vt < vf:
        errors.append(field_error("valid_to", "date_order", "有效期止不能早于有效期起"))
    errors.extend(county_errors(uow, county))
    ban = ban_until_of(revoked.isoformat()) if revoked else None  # Art. 21: 3 years from revocation
    if errors:
        raise Invalid(t("名录信息有误"), errors, code="register_entry_invalid")
    with uow:
        now = uow.runtime.now()
        r = PlatformRegister(unit_name=unit_name, credit_code=credit_code, county=county, status=status,
                             certificate_no=certificate_no or None, valid_from=vf, valid_to=vt, ban_until=ban,
                             note=note, created_at=now, updated_at=now)
        uow.s.add(r)
        uow.s.flush()
        view = register_view(r, beijing_date(now))
        record(uow, actor, "register.entry_added", data=view)
        uow.commit()
        return view


def objection_attachment(uow: UnitOfWork, actor: Actor, business_key: str, sha256: str) -> tuple[Path, str, str]:
    """(path, mime, file name) of an objection's attachment: the bureau only (the public filer's
    evidence may hold personal data, Art. 22)."""
    require(actor, Permission.READ_OBJECTION_FILES)
    if not sha256.isalnum() or len(sha256) != 64:
        raise NotFound(t("没有这个附件"), code="attachment_not_found")
    with uow:
        app = _application(uow, business_key)
        attachments: list[Any] = [o.attachment for o in uow.s.scalars(
            select(Objection).where(Objection.application_id == app.id)) if o.attachment]
        # objections filed before they had their own rows kept the attachment in the audit trail
        attachments += [((e.data or {}).get("payload") or {}).get("attachment") for e in uow.s.scalars(
            select(AuditEntry).where(AuditEntry.action == "message.correlated",
                                     AuditEntry.instance_id == app.instance_id))]
        for att in attachments:
            if att and att.get("sha256") == sha256:
                ext = next((x for _, mime, x in MIME_BY_MAGIC if mime == att.get("mime")), "")
                try:
                    found = uow.runtime.storage().local_path(f"uploads/{business_key}/objections/{sha256}{ext}")
                except NotStored:
                    break
                return found, att.get("mime", "application/octet-stream"), att.get("file_name", found.name)
    raise NotFound(t("没有这个附件"), code="attachment_not_found")


def material_file(uow: UnitOfWork, actor: Actor, business_key: str, mkey: str) -> tuple[IO[bytes], str, str]:
    """(stream, mime, file name) of an uploaded material for whoever may see the application's
    materials, read from the object store, so any web host serves what another one received. Anyone
    else, a system-made key and a material not uploaded are 404 (the page and the API alike)."""
    with uow:
        app = uow.s.scalars(select(Application).where(Application.business_key == business_key)).first()
        if app is None or mkey not in MATERIALS or mkey in SYSTEM_MATERIALS or \
                not _may_see_materials(uow, actor, app):
            raise NotFound(t("没有这份材料"), code="material_not_found")
        row = uow.s.scalars(select(Material).where(Material.application_id == app.id, Material.mkey == mkey)).first()
        if row is None:
            raise NotFound(t("没有这份材料"), code="material_not_found")
        try:
            return uow.runtime.storage().open(row.storage_path), row.mime, row.file_name
        except NotStored:
            raise NotFound(t("没有这份材料"), code="material_not_found") from None
