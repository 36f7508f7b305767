"""Keeps the ``application`` row and the platform register in step with each recognition instance.

Runs at the end of every save of a ``recognition`` instance, in the same transaction
(``processes.services.core.SAVE_HOOKS``, installed by ``processes.areas``). Also holds the lookups
the handlers use (read-only).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select, text

from handlers.certificates import certificate_number
from handlers.recognition_steps import BEIJING, beijing_date
from processes.db import UnitOfWork
from processes.engine.runtime import instance_variables
from processes.lookups import lookup
from processes.models import User
from processes.notifications.services import notify
from processes.recognition.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Application,
    Material,
    Objection,
    PlatformRegister,
    RecognitionRound,
)
from processes.services.core import Actor, Loaded

PROCESS_KEY = "recognition"

# the first active element found decides the status of a running application
STATUS_BY_ELEMENT = (
    ("investigate_objection", "objection"), ("publicity_wait", "publicity"), ("expert_review", "expert_panel"),
    ("onsite_verification", "onsite_check"), ("supplement", "supplement"), ("review_decision", "under_review"),
    ("municipal_review", "under_review"), ("county_review", "at_county"), ("fill_application", "draft"),
)
END_STATUS = {"end_granted": "granted", "end_ineligible": "ineligible", "end_declined_county": "declined",
              "end_rejected": "rejected", "end_objection_upheld": "objection_upheld", "end_withdrawn": "withdrawn"}


def _end_reached(wf: Any) -> str | None:
    for t in wf.get_tasks(state=TaskState.COMPLETED):
        bpmn_id = getattr(t.task_spec, "bpmn_id", None)
        if bpmn_id in END_STATUS:
            return str(bpmn_id)
    return None


def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _rule_rows(rows: Any) -> list[dict[str, Any]]:
    return [{"rule": str(r.get("rule") or ""), "article": str(r.get("article") or ""),
             "message": str(r.get("message") or "")} for r in rows or [] if isinstance(r, dict) and r.get("message")]


def _reasons(status: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Why an application ended, rule by rule, each citing its article (docs/DOMAIN.md §2: the
    applicant sees them on the application's page and in the notification)."""
    def one(rule: str, article: str, message: Any) -> list[dict[str, Any]]:
        return [{"rule": rule, "article": article, "message": str(message or "")}]

    if status == "ineligible":
        return list(data.get("ineligible_reasons") or [])
    if status == "declined":
        # Art. 10: the county declined; its reasons rule by rule (prefilled from the failed checks)
        # and its opinion
        return _rule_rows(data.get("decline_reasons")) + one("county_declined", "第十条", data.get("county_opinion"))
    if status == "rejected":
        if data.get("review_action") == "reject":
            return one("review_rejected", "第十三条", data.get("review_reasons"))
        if data.get("onsite_check") and data.get("onsite_passed") is False:
            return one("onsite_failed", "第十三条", data.get("onsite_findings"))
        if data.get("panel_passed") is False:
            return one("panel_rejected", "第十三条", (data.get("panel_summary") or {}).get("message"))
        return one("decision_rejected", "第十三条", data.get("decision_reasons"))
    if status == "objection_upheld":
        upheld = [h for h in data.get("objection_history") or []
                  if isinstance(h, dict) and h.get("decision") == "upheld"]
        return [{"rule": "objection_upheld", "article": "第十三条、第十四条", "message": str(h.get("findings") or "")}
                for h in upheld] or one("objection_upheld", "第十三条、第十四条", data.get("investigation_findings"))
    if status == "withdrawn":
        payload = data.get("withdraw") or {}
        return one("withdrawn", "", payload.get("reason") if isinstance(payload, dict) else payload)
    return []


def sync_application(loaded: Loaded, snap: Any) -> None:
    uow = loaded.uow
    inst = loaded.instance
    wf = loaded.wf
    now = uow.runtime.now()
    data = instance_variables(wf)
    if inst.state == "terminated":
        status = "terminated"
    elif snap.completed:
        status = END_STATUS.get(_end_reached(wf) or "", "terminated")
    else:
        active = set(snap.active_elements)
        status = next((s for element, s in STATUS_BY_ELEMENT if element in active), "under_review")
        if status == "under_review" and "county_review" in active:
            status = "at_county"
    app = uow.s.scalars(select(Application).where(Application.instance_id == inst.id)).first()
    if app is None:
        app = Application(business_key=inst.business_key or "", instance_id=inst.id, county=inst.county,
                          applicant_id=inst.started_by, status=status, outcome_reasons=[], created_at=now,
                          updated_at=now)
        uow.s.add(app)
    ended_now = status in FINAL_STATUSES and app.status not in FINAL_STATUSES
    before = app.status
    app.status = status
    app.updated_at = now
    if isinstance(data.get("round_id"), int):
        app.round_id = data["round_id"]
    if data.get("credit_code"):
        app.credit_code = str(data["credit_code"]).strip().upper()[:18]
    if data.get("unit_name"):
        app.unit_name = str(data["unit_name"])[:255]
    if status != "draft" and data.get("submitted_at") and app.submitted_at is None:
        app.submitted_at = _dt(data["submitted_at"])
    if data.get("publicity_start"):
        app.publicity_start = _date(data["publicity_start"])
        app.publicity_end = _dt(data.get("publicity_end"))
    if isinstance(data.get("flagged_rules"), list):
        app.flagged_rules = _rule_rows(data["flagged_rules"])
    if status in END_STATUS.values():
        app.outcome_reasons = _reasons(status, data)
    uow.s.flush()
    # materials 1 and 2 (附件1, 附件2) are generated on demand from this data: processes.documents
    if status == "granted" and data.get("certificate_no"):
        app.certificate_no = str(data["certificate_no"])
        _register(uow, app, data, now)
    if ended_now and app.applicant_id is not None:
        _tell_the_applicant(uow, app, data)
    elif before != status and app.applicant_id is not None and (before, status) in PROGRESS_NOTICES:
        _tell_progress(uow, app, PROGRESS_NOTICES[(before, status)])
    uow.s.flush()


OUTCOME_TITLES = {"granted": "已认定为示范平台", "ineligible": "不符合申报条件", "declined": "县级主管部门不予推荐",
                  "rejected": "审核未通过", "objection_upheld": "异议成立，不予认定", "withdrawn": "已撤回",
                  "terminated": "已终止"}


# the steps of an application the applicant is told of as they happen (decisions of others; a return for
# supplement is told by the completion itself, with the reviewer's reasons)
PROGRESS_NOTICES = {
    ("at_county", "under_review"): "县级主管部门已推荐，进入市工业和信息化局审核",
    ("under_review", "onsite_check"): "市工业和信息化局审核通过，将进行现场核实",
    ("under_review", "expert_panel"): "市工业和信息化局审核通过，进入专家评审",
    ("onsite_check", "expert_panel"): "现场核实通过，进入专家评审",
    ("under_review", "publicity"): "审核通过，进入公示",
}


def _tell_progress(uow: UnitOfWork, app: Application, what: str) -> None:
    body = f"{app.unit_name or app.business_key} 的申报（{app.business_key}）：{what}。"
    if app.status == "publicity" and app.publicity_start and app.publicity_end:
        end = app.publicity_end.astimezone(BEIJING).date()
        body += f"公示期 {app.publicity_start.fromordinal(app.publicity_start.toordinal() + 1).isoformat()} 至 " \
                f"{end.isoformat()}，期满无异议（或异议经核查不成立）后予以认定。"
    notify(uow, int(app.applicant_id or 0), "progress", f"申报进度：{what}", body, link=f"/instances/{app.instance_id}",
           instance_id=app.instance_id)


def _tell_the_applicant(uow: UnitOfWork, app: Application, data: dict[str, Any] | None = None) -> None:
    """docs/DOMAIN.md §2: whoever ends an application, the applicant is told why, rule by rule."""
    lines = [f"{r.get('article') or ''} {r.get('rule') or ''}：{r.get('message') or ''}".strip()
             for r in app.outcome_reasons or []]
    outcome = OUTCOME_TITLES.get(app.status, "已办结")
    title = f"申报{outcome}：{app.business_key}"
    body = f"{app.unit_name or app.business_key} 的申报（{app.business_key}）{outcome}。"
    if app.status == "granted" and app.certificate_no:
        body += f"证书编号 {app.certificate_no}，有效期至 {(data or {}).get('valid_to') or '—'}（第十四条、第十七条）。"
    if lines:
        body += "理由：\n" + "\n".join(lines)
    notify(uow, int(app.applicant_id or 0), "outcome", title, body, link=f"/instances/{app.instance_id}",
           instance_id=app.instance_id, dedup_key=f"outcome:{app.instance_id}")  # one outcome notice per case


def record_objection_decision(uow: UnitOfWork, actor: Actor, loaded: Loaded) -> None:
    """Completion rule of ``recognition``/``investigate_objection`` (Art. 13): the decision taken in
    the workflow is copied to the objection's row, with the person who decided."""
    history = [h for h in instance_variables(loaded.wf).get("objection_history") or [] if isinstance(h, dict)]
    if not history or history[-1].get("objection_id") is None:
        return
    last = history[-1]
    row = uow.s.get(Objection, int(last["objection_id"]))
    if row is None or row.status != "filed":
        return
    row.status = "upheld" if last.get("decision") == "upheld" else "dismissed"
    row.findings = str(last.get("findings") or "")
    row.decided_by = actor.username
    row.decided_at = uow.runtime.now()


def _register(uow: UnitOfWork, app: Application, data: dict[str, Any], now: datetime) -> None:
    """Art. 14: the granted platform enters the register (once per application)."""
    exists = uow.s.scalar(select(PlatformRegister.id).where(PlatformRegister.application_key == app.business_key))
    if exists is not None:
        return
    uow.s.add(PlatformRegister(
        unit_name=app.unit_name or "", credit_code=app.credit_code or "", county=app.county, status="recognised",
        certificate_no=str(data["certificate_no"]), certificate_year=data.get("certificate_year"),
        certificate_seq=data.get("certificate_seq"), valid_from=_date(data.get("valid_from")),
        valid_to=_date(data.get("valid_to")), ban_until=None, application_key=app.business_key,
        note="", created_at=now, updated_at=now))


# -- lookups for the handlers (read-only) ---------------------------------------------------------


def _today(uow: UnitOfWork) -> date:
    return beijing_date(uow.runtime.now())


@lookup("open_round")
def open_round(uow: UnitOfWork, **_: Any) -> dict[str, Any] | None:
    """Art. 15: the round of the current year, if an administrator opened it."""
    today = _today(uow)
    r = uow.s.scalars(select(RecognitionRound).where(RecognitionRound.year == today.year,
                                                     RecognitionRound.status == "open",
                                                     RecognitionRound.opens_on <= today)).first()
    if r is None:
        return None
    return {"id": r.id, "year": r.year, "name": r.name, "submission_deadline": r.submission_deadline.isoformat()}


@lookup("objections_of")
def objections_of(uow: UnitOfWork, business_key: str, **_: Any) -> list[dict[str, Any]]:
    """Art. 13: the objections filed against an application, oldest first (the investigation form
    shows one; the objector's contact is for the bureau only)."""
    rows = uow.s.scalars(select(Objection).where(Objection.business_key == business_key).order_by(Objection.id))
    return [{"id": o.id, "name": o.name, "contact": o.contact, "reasons": o.reasons,
             "filed_at": o.filed_at.isoformat(), **({"attachment": o.attachment} if o.attachment else {})}
            for o in rows]


@lookup("applications_of")
def applications_of(uow: UnitOfWork, credit_code: str, **_: Any) -> list[dict[str, Any]]:
    """Open (not yet ended) applications of the unit, for the once-per-round rule (Art. 15).

    On PostgreSQL a transaction-scoped advisory lock on the credit code makes two simultaneous
    submissions of one unit check one after the other, so the second sees the first (SQLite's write
    transactions are serial already)."""
    if uow.is_postgres:
        uow.s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:code))"), {"code": credit_code.strip().upper()})
    rows = uow.s.scalars(select(Application).where(Application.credit_code == credit_code.strip().upper(),
                                                   Application.status.in_(OPEN_STATUSES)))
    return [{"business_key": a.business_key, "round_id": a.round_id, "status": a.status} for a in rows]


@lookup("register_entries_of")
def register_entries_of(uow: UnitOfWork, credit_code: str, **_: Any) -> list[dict[str, Any]]:
    """The unit's register entries (Art. 17 re-application, Art. 21 ban)."""
    rows = uow.s.scalars(select(PlatformRegister).where(PlatformRegister.credit_code == credit_code.strip().upper()))
    return [{"status": r.status, "certificate_no": r.certificate_no,
             "valid_to": r.valid_to.isoformat() if r.valid_to else None,
             "ban_until": r.ban_until.isoformat() if r.ban_until else None} for r in rows]


@lookup("materials_of")
def materials_of(uow: UnitOfWork, business_key: str, **_: Any) -> list[str]:
    stmt = (select(Material.mkey).join(Application, Application.id == Material.application_id)
            .where(Application.business_key == business_key))
    return sorted(uow.s.scalars(stmt))


@lookup("expert_usernames")
def expert_usernames(uow: UnitOfWork, **_: Any) -> list[str]:
    return list(uow.s.scalars(select(User.username).where(User.role == "expert", User.active.is_(True))))


@lookup("next_certificate_seq")
def next_certificate_seq(uow: UnitOfWork, year: int, **_: Any) -> int:
    """Art. 14: certificate numbers run per year; skips numbers already taken by entries recorded by
    hand (an unique constraint still guards against a race between two grants)."""

    last = uow.s.scalar(select(func.max(PlatformRegister.certificate_seq))
                        .where(PlatformRegister.certificate_year == int(year)))
    seq = int(last or 0) + 1
    fmt = uow.runtime.settings.certificate_format
    taken = set(uow.s.scalars(select(PlatformRegister.certificate_no)
                              .where(PlatformRegister.certificate_no.is_not(None))))
    while certificate_number(int(year), seq, fmt) in taken:
        seq += 1
    return seq
