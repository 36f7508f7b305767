"""Keeps the supervision rows in step with their short instances (``SAVE_HOOKS``, same transaction),
applies a confirmed revocation to the register, and ends a platform's open supervision work.

Also the lookups the supervision handlers use (read-only).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from handlers.supervision import report_figures
from processes.clock import CST
from processes.db import UnitOfWork
from processes.errors import Forbidden, Invalid
from processes.lookups import lookup
from processes.models import ProcessInstance, User
from processes.recognition.models import PlatformRegister
from processes.services.core import SAVE_HOOKS, SYSTEM, Actor, Loaded, lock_instance, record, save
from processes.supervision.models import (
    OPEN_REPORT_STATUSES,
    CountyAggregate,
    Inspection,
    QuarterlyReport,
    Revocation,
)

OPEN_INSTANCE_STATES = ("running", "waiting", "incident", "suspended")


def local_day(dt: datetime) -> date:
    return dt.astimezone(CST).date()


def _iso_day(value: Any) -> date:
    return date.fromisoformat(str(value)[:10])


def _require(data: Any, keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if data.get(k) in (None, "")]
    if missing:
        raise Invalid(f"start this process through {where}: missing {', '.join(missing)}",
                      [{"field": k, "message": "必填"} for k in missing])


def _row(uow: UnitOfWork, model: Any, inst: ProcessInstance) -> Any:
    row = uow.s.scalars(select(model).where(model.business_key == inst.business_key)).first()
    if row is not None and row.instance_id is None:
        row.instance_id = inst.id
    return row


# -- quarterly_report ------------------------------------------------------------------------

def sync_report(loaded: Loaded, snap: Any) -> None:
    uow = loaded.uow
    inst = loaded.instance
    now = uow.runtime.now()
    wf = loaded.wf
    row: QuarterlyReport | None = _row(uow, QuarterlyReport, inst)
    if row is None:
        d = wf.data
        _require(d, ("register_id", "credit_code", "year", "quarter", "report_due", "aggregate_due"),
                 "the supervision scheduler job")
        row = QuarterlyReport(
            register_id=int(d["register_id"]), credit_code=str(d["credit_code"]),
            unit_name=str(d.get("unit_name") or ""), county=d.get("county"), year=int(d["year"]),
            quarter=int(d["quarter"]), business_key=inst.business_key, instance_id=inst.id,
            platform_user_id=d.get("platform_user_id"), status="open", due_date=_iso_day(d["report_due"]),
            aggregate_due=_iso_day(d["aggregate_due"]), late=False, chase_count=0, flagged_missing=False,
            returns=0, figures={}, created_at=now, updated_at=now)
        uow.s.add(row)
    active = set(snap.active_elements)
    if inst.state == "terminated":
        if row.status != "accepted":
            row.status = "cancelled"
    elif snap.completed:
        row.status = "accepted"
        row.accepted_at = row.accepted_at or now
        row.figures = report_figures(wf.data)
    elif "qr_review" in active:
        if row.status != "submitted":
            row.status = "submitted"
            if row.submitted_at is None:
                row.submitted_at = now
                row.late = local_day(now) > row.due_date
            data: dict[str, Any] = next((t.data for t in snap.user_tasks if t.element_id == "qr_review"), {})
            row.figures = report_figures(data)
    elif "qr_fill" in active and row.status == "submitted":
        row.status = "returned"
        row.returns += 1
    row.updated_at = now


# -- county_aggregate ------------------------------------------------------------------------

def sync_aggregate(loaded: Loaded, snap: Any) -> None:
    uow = loaded.uow
    inst = loaded.instance
    now = uow.runtime.now()
    d = loaded.wf.data
    row: CountyAggregate | None = _row(uow, CountyAggregate, inst)
    if row is None:
        _require(d, ("county", "year", "quarter", "aggregate_due"), "the supervision scheduler job")
        row = CountyAggregate(county=str(d["county"]), year=int(d["year"]), quarter=int(d["quarter"]),
                              business_key=inst.business_key, instance_id=inst.id, status="open",
                              due_date=_iso_day(d["aggregate_due"]), late=False, chase_count=0, summary={},
                              created_at=now, updated_at=now)
        uow.s.add(row)
    if inst.state == "terminated":
        row.status = "cancelled"
    elif snap.completed:
        row.status = "submitted"
        row.submitted_at = row.submitted_at or now
        row.late = local_day(row.submitted_at) > row.due_date
        row.summary = {**dict(d.get("aggregate") or {}), "remarks": d.get("aggregate_remarks") or ""}
    else:
        data = next((t.data for t in snap.user_tasks), None)
        if data is not None and data.get("aggregate"):
            row.summary = dict(data["aggregate"])
    row.updated_at = now


# -- inspection and revocation ----------------------------------------------------------------

INSPECTION_FIELDS = ("service_quality", "fees_compliant", "satisfaction_rate", "entrusted_tasks_done", "findings")


def sync_inspection(loaded: Loaded, snap: Any) -> None:
    uow = loaded.uow
    inst = loaded.instance
    now = uow.runtime.now()
    wf = loaded.wf
    d = wf.data
    row: Inspection | None = _row(uow, Inspection, inst)
    if row is None:
        _require(d, ("register_id",), "POST /api/v1/supervision/inspections")
        entry = uow.s.get(PlatformRegister, int(d["register_id"]))
        if entry is None or entry.status != "recognised":
            raise Invalid("only a recognised platform can be inspected",
                          [{"field": "register_id", "message": "该平台不在认定有效期内"}])
        starter = uow.s.get(User, inst.started_by) if inst.started_by is not None else None
        role = starter.role if starter is not None else "system"
        if d.get("kind") not in ("county", "spot_check"):
            raise Invalid("kind must be 'county' or 'spot_check'", [{"field": "kind", "message": "检查类型无效"}])
        if d.get("kind") == "spot_check" and role not in ("municipal_reviewer", "admin", "system"):
            raise Forbidden("spot checks (Art. 21) are started by the municipal bureau")
        if role == "county_officer" and (starter is None or entry.county != starter.county):
            raise Forbidden("a county inspects only its own platforms")
        if inst.county != entry.county or d.get("credit_code") != entry.credit_code:
            raise Invalid("the platform's data do not match the register",
                          [{"field": "register_id", "message": "与登记信息不一致"}])
        row = Inspection(register_id=entry.id, credit_code=entry.credit_code,
                         unit_name=entry.unit_name, county=entry.county,
                         kind=str(d.get("kind") or "county"), round_id=d.get("round_id"),
                         business_key=inst.business_key, instance_id=inst.id, status="open", findings={},
                         started_by=str(d.get("initiator") or "system"), created_at=now, updated_at=now)
        uow.s.add(row)
        uow.s.flush()
    active = set(snap.active_elements)
    data: dict[str, Any] = dict(d) if snap.completed else dict(
        next((t.data for t in snap.user_tasks), None) or {})
    if data.get("verdict"):
        row.verdict = str(data["verdict"])
        row.findings = {k: data.get(k) for k in INSPECTION_FIELDS if k in data}
    if inst.state == "terminated":
        if row.status in ("open", "revocation_requested"):
            row.status = "cancelled"
    elif "insp_verify" in active and row.status != "revocation_requested":
        row.status = "revocation_requested"
        if uow.s.scalars(select(Revocation).where(Revocation.inspection_id == row.id)).first() is None:
            uow.s.add(Revocation(register_id=row.register_id, credit_code=row.credit_code, unit_name=row.unit_name,
                                 county=row.county, inspection_id=row.id,
                                 article=str(data.get("revocation_article")),
                                 reason=str(data.get("revocation_reason") or "")[:1000], status="requested",
                                 requested_by=row.started_by, requested_at=now, decision_reasons=""))
    elif snap.completed:
        rev = uow.s.scalars(select(Revocation).where(Revocation.inspection_id == row.id)).first()
        if d.get("revocation"):
            row.status = "revoked"
            r = d["revocation"]
            if rev is not None and rev.status == "requested":
                rev.status = "confirmed"
                rev.decided_by = _actor_name(loaded)
                rev.decided_at = now
                rev.decision_reasons = str(d.get("verify_reasons") or "")[:1000]
                rev.revoked_on = _iso_day(r["revoked_on"])
                rev.ban_until = _iso_day(r["ban_until"]) if r.get("ban_until") else None
            apply_revocation(uow, row.register_id, r["article"], r["reason"], _iso_day(r["revoked_on"]),
                             _iso_day(r["ban_until"]) if r.get("ban_until") else None,
                             actor=Actor(None, _actor_name(loaded), "municipal_reviewer"), exclude_instance=inst.id)
        elif d.get("revocation_requested"):
            row.status = "revocation_rejected"
            if rev is not None and rev.status == "requested":
                rev.status = "rejected"
                rev.decided_by = _actor_name(loaded)
                rev.decided_at = now
                rev.decision_reasons = str(d.get("verify_reasons") or "")[:1000]
        else:
            row.status = "passed"
    row.updated_at = now


def _actor_name(loaded: Loaded) -> str:
    """Who completed the task being saved: the hook is not told, so the bureau is named by role; the
    person is in the audit trail (``task.completed`` on ``insp_verify``)."""
    return "municipal_reviewer"


def apply_revocation(uow: UnitOfWork, register_id: int, article: str, reason: str, revoked_on: date,
                     ban_until: date | None, actor: Actor = SYSTEM, exclude_instance: int | None = None) -> None:
    """Art. 20/21: the register entry becomes revoked (reason, article; Art. 21: ban_until), and the
    platform's open supervision work ends. The public list reads the register, so it follows."""
    now = uow.runtime.now()
    entry = uow.s.get(PlatformRegister, register_id)
    if entry is None:
        return
    entry.status = "revoked"
    entry.ban_until = ban_until
    entry.note = f"{revoked_on.isoformat()} 依据{article}撤销：{reason}"[:500]
    entry.updated_at = now
    record(uow, actor, "register.revoked", data={"register_id": register_id, "credit_code": entry.credit_code,
                                                 "article": article, "reason": reason,
                                                 "revoked_on": revoked_on.isoformat(),
                                                 "ban_until": ban_until.isoformat() if ban_until else None})
    stop_supervision(uow, register_id, f"示范平台称号已撤销（{article}）", exclude_instance)


def stop_supervision(uow: UnitOfWork, register_id: int, reason: str, exclude_instance: int | None = None) -> int:
    """End the platform's open quarterly reports and inspections (revocation, expiry)."""
    ids = set(uow.s.scalars(select(QuarterlyReport.instance_id).where(
        QuarterlyReport.register_id == register_id, QuarterlyReport.status.in_(OPEN_REPORT_STATUSES + ("submitted",)),
        QuarterlyReport.instance_id.is_not(None))))
    ids |= set(uow.s.scalars(select(Inspection.instance_id).where(
        Inspection.register_id == register_id, Inspection.status.in_(("open", "revocation_requested")),
        Inspection.instance_id.is_not(None))))
    ids.discard(exclude_instance)
    ended = 0
    for iid in sorted(i for i in ids if i is not None):
        loaded = lock_instance(uow, iid)
        if loaded.instance.state not in OPEN_INSTANCE_STATES:
            continue
        loaded.wf.cancel()
        loaded.instance.state = "terminated"
        save(loaded)
        record(uow, SYSTEM, "instance.terminate", iid, data={"reason": reason})
        ended += 1
    return ended


@lookup("supervision.county_reports")
def county_reports(uow: UnitOfWork, county: str | None, year: int, quarter: int) -> list[dict[str, Any]]:
    """The quarter's reports of one county's platforms (for the aggregate)."""
    rows = uow.s.scalars(select(QuarterlyReport).where(
        QuarterlyReport.county == county, QuarterlyReport.year == year, QuarterlyReport.quarter == quarter,
        QuarterlyReport.status != "cancelled").order_by(QuarterlyReport.credit_code))
    return [{"credit_code": r.credit_code, "unit_name": r.unit_name, "status": r.status, "late": r.late,
             "figures": dict(r.figures or {})} for r in rows]


def _register(key: str, fn: Any) -> None:
    hooks = SAVE_HOOKS.setdefault(key, [])
    if fn not in hooks:
        hooks.append(fn)


_register("quarterly_report", sync_report)
_register("county_aggregate", sync_aggregate)
_register("inspection", sync_inspection)

