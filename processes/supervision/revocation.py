"""Rules of the supervision processes that run in the use cases, not in save hooks:

- **start rules**: what an inspection, a quarterly report or a county aggregate needs before it may
  start (checked before anything is saved, whoever starts it: the area's use case, the generic
  start API or the scheduler);
- **the reviewer's decision on a revocation** (Art. 20/21): applied in the transaction of the task
  completion, recording the person who decided, then the register entry is revoked and the
  platform's other open supervision work ends.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from processes.access import Permission, allowed, may_act_in_county
from processes.db import UnitOfWork
from processes.errors import Forbidden, Invalid
from processes.messages import N_, field_error, t
from processes.recognition.models import PlatformRegister
from processes.services.core import SYSTEM, Actor, Loaded, lock_instance, record, save
from processes.supervision.models import OPEN_REPORT_STATUSES, Inspection, QuarterlyReport, Revocation
from processes.vocabulary import OPEN_STATES, InstanceState

INSPECTION_KINDS = ("county", "spot_check")
_SCHEDULER = N_("监督管理定时任务")
_INSPECTION_ROUTE = N_("“发起检查”（POST /api/v1/supervision/inspections）")


def _iso_day(value: Any) -> date:
    return date.fromisoformat(str(value)[:10])


def _require(data: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if data.get(k) in (None, "")]
    if missing:
        raise Invalid(t("请通过{where}发起该流程：缺少 {fields}", where=t(where), fields="、".join(missing)),
                      [field_error(k, "missing", "必填") for k in missing], code="start_variables_missing")


# -- start rules ------------------------------------------------------------------------------------

def check_report_start(uow: UnitOfWork, actor: Actor, variables: dict[str, Any]) -> None:
    """Art. 19: a quarterly report is started by the scheduler for one platform and quarter."""
    _require(variables, ("register_id", "credit_code", "year", "quarter", "report_due", "aggregate_due"),
             _SCHEDULER)


def check_aggregate_start(uow: UnitOfWork, actor: Actor, variables: dict[str, Any]) -> None:
    """Art. 19: a county aggregate is started by the scheduler for one county and quarter."""
    _require(variables, ("county", "year", "quarter", "aggregate_due"), _SCHEDULER)


def check_inspection_start(uow: UnitOfWork, actor: Actor, variables: dict[str, Any]) -> None:
    """Art. 20 (county inspection) and Art. 21 (the bureau's spot check) of a recognised platform."""
    _require(variables, ("register_id",), _INSPECTION_ROUTE)
    try:
        register_id = int(variables["register_id"])
    except (TypeError, ValueError, OverflowError):
        register_id = 0
    entry = uow.s.get(PlatformRegister, register_id) if 1 <= register_id < 2**31 else None
    if entry is None or entry.status != "recognised":
        raise Invalid(t("只能检查在认定有效期内的示范平台"),
                      [field_error("register_id", "not_recognised", "该平台不在认定有效期内")], code="not_recognised")
    kind = variables.get("kind")
    if kind not in INSPECTION_KINDS:
        raise Invalid(t("检查类型应为 county 或 spot_check"), [field_error("kind", "kind_invalid", "检查类型无效")],
                      code="kind_invalid")
    if kind == "spot_check" and not allowed(actor, Permission.START_SPOT_CHECK):
        raise Forbidden(t("抽查（第二十一条）由市工业和信息化局发起"))
    if not allowed(actor, Permission.START_INSPECTION) or not may_act_in_county(actor, entry.county):
        raise Forbidden(t("县级主管部门只能检查本县（市、区）的示范平台"))
    if variables.get("county") != entry.county or variables.get("credit_code") != entry.credit_code:
        raise Invalid(t("平台信息与名录登记不一致"),
                      [field_error("register_id", "register_mismatch", "与登记信息不一致")], code="register_mismatch")


# -- the reviewer's decision ------------------------------------------------------------------------

def decide_revocation(uow: UnitOfWork, actor: Actor, loaded: Loaded) -> None:
    """Completion rule of ``inspection``/``insp_verify``: the bureau confirmed or rejected the
    revocation a county (or a spot check) asked for. Records who decided; a confirmed revocation
    is applied to the register."""
    inst = loaded.instance
    d = loaded.wf.data
    if inst.state != InstanceState.COMPLETED:
        return
    row = uow.s.scalars(select(Inspection).where(Inspection.instance_id == inst.id)).first()
    if row is None:
        return
    rev = uow.s.scalars(select(Revocation).where(Revocation.inspection_id == row.id)).first()
    now = uow.runtime.now()
    if rev is not None and rev.status == "requested":
        rev.decided_by = actor.username
        rev.decided_at = now
        rev.decision_reasons = str(d.get("verify_reasons") or "")[:1000]
        rev.status = "confirmed" if d.get("revocation") else "rejected"
    if d.get("revocation"):
        r = d["revocation"]
        ban = _iso_day(r["ban_until"]) if r.get("ban_until") else None
        if rev is not None:
            rev.revoked_on, rev.ban_until = _iso_day(r["revoked_on"]), ban
        apply_revocation(uow, row.register_id, r["article"], r["reason"], _iso_day(r["revoked_on"]), ban,
                         actor=actor, exclude_instance=inst.id)


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
    stop_supervision(uow, register_id, f"示范平台称号已撤销（{article}）", actor, exclude_instance)


def stop_supervision(uow: UnitOfWork, register_id: int, reason: str, actor: Actor = SYSTEM,
                     exclude_instance: int | None = None, reports: bool = True) -> int:
    """End the platform's open inspections and (``reports``: revocation, not expiry — Art. 19 reports
    of the quarters the validity covered stay due) its open quarterly reports: each instance is
    locked and saved in the caller's transaction."""
    ids: set[int | None] = set()
    if reports:
        ids |= set(uow.s.scalars(select(QuarterlyReport.instance_id).where(
            QuarterlyReport.register_id == register_id,
            QuarterlyReport.status.in_(OPEN_REPORT_STATUSES + ("submitted",)),
            QuarterlyReport.instance_id.is_not(None))))
    ids |= set(uow.s.scalars(select(Inspection.instance_id).where(
        Inspection.register_id == register_id, Inspection.status.in_(("open", "revocation_requested")),
        Inspection.instance_id.is_not(None))))
    ids.discard(exclude_instance)
    ended = 0
    for iid in sorted(i for i in ids if i is not None):
        loaded = lock_instance(uow, iid)
        if loaded.instance.state not in OPEN_STATES:
            continue
        loaded.wf.cancel()
        loaded.instance.state = InstanceState.TERMINATED
        save(loaded)
        record(uow, actor, "instance.terminate", iid, data={"reason": reason})
        ended += 1
    return ended
