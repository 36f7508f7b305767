"""Keeps the supervision rows (reports, aggregates, inspections) in step with their short instances
(``services.core.SAVE_HOOKS``, same transaction). Also the lookups the supervision handlers use.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from handlers.supervision import report_figures
from processes.clock import CST
from processes.db import UnitOfWork
from processes.lookups import lookup
from processes.models import ProcessInstance
from processes.recognition.models import PlatformRegister
from processes.services.core import Loaded
from processes.supervision.models import (
    CountyAggregate,
    Inspection,
    QuarterlyReport,
    Revocation,
)


def local_day(dt: datetime) -> date:
    return dt.astimezone(CST).date()


def _iso_day(value: Any) -> date:
    return date.fromisoformat(str(value)[:10])


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

INSPECTION_FIELDS = ("service_quality", "fees_compliant", "satisfaction_rate", "entrusted_tasks_done", "findings",
                     "violation_details")


def sync_inspection(loaded: Loaded, snap: Any) -> None:
    uow = loaded.uow
    inst = loaded.instance
    now = uow.runtime.now()
    wf = loaded.wf
    d = wf.data
    row: Inspection | None = _row(uow, Inspection, inst)
    if row is None:  # the start rule (processes/supervision/revocation.py) checked the data
        entry = uow.s.get(PlatformRegister, int(d["register_id"]))
        assert entry is not None
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
                                 source="spot_check" if row.kind == "spot_check" else "inspection",
                                 requested_by=row.started_by, requested_at=now, decision_reasons=""))
    elif snap.completed:
        # the reviewer's decision on a requested revocation is applied by decide_revocation
        # (processes/supervision/revocation.py), which knows who decided
        if d.get("revocation"):
            row.status = "revoked"
        elif d.get("revocation_requested"):
            row.status = "revocation_rejected"
        else:
            row.status = "passed"
    row.updated_at = now


@lookup("supervision.county_reports")
def county_reports(uow: UnitOfWork, county: str | None, year: int, quarter: int) -> list[dict[str, Any]]:
    """The quarter's reports of one county's platforms (for the aggregate)."""
    rows = uow.s.scalars(select(QuarterlyReport).where(
        QuarterlyReport.county == county, QuarterlyReport.year == year, QuarterlyReport.quarter == quarter,
        QuarterlyReport.status != "cancelled").order_by(QuarterlyReport.credit_code))
    return [{"credit_code": r.credit_code, "unit_name": r.unit_name, "status": r.status, "late": r.late,
             "figures": dict(r.figures or {})} for r in rows]
