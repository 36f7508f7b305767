"""The applicant's pre-check (docs/DOMAIN.md §2): before submitting, the Art. 7 and Art. 8 checks run
on the draft and show, rule by rule with the article cited, what passes and what fails — read-only,
nothing is saved. The thresholds are those of the application's own diagram version (its DMN
tables, Art. 23: an application keeps the rule set it started under)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from uuid import UUID

from sqlalchemy import select

from handlers.checks import KIND_COMPUTED, Art8Thresholds, Thresholds, overall, run_checks
from handlers.eligibility import eligibility_reasons
from handlers.recognition_steps import beijing_date
from processes.access import may_see_county_row
from processes.db import UnitOfWork
from processes.engine.runtime import instance_variables
from processes.errors import NotFound
from processes.messages import t
from processes.models import ProcessInstance, TaskIndex
from processes.recognition.models import OPEN_STATUSES, Application, PlatformRegister
from processes.services.core import Actor, definition_by_id, load_for_reading

DRAFT_TASKS = ("fill_application", "supplement")


def decision_outputs(uow: UnitOfWork, instance: ProcessInstance, data: dict[str, Any]) -> dict[str, Any]:
    """Evaluate every decision table of the instance's diagram version on ``data`` (as its business
    rule tasks would), without running or saving the workflow."""
    definition = definition_by_id(uow, instance.definition_id)
    engine = uow.runtime.engine
    parsed = engine.parsed(definition.id, definition.sources, definition.key)
    script_engine = engine.script_engine(lambda task: None)
    out: dict[str, Any] = {}
    seen: set[int] = set()
    for spec in [parsed.spec, *parsed.subprocess_specs.values()]:
        for task_spec in spec.task_specs.values():
            dmn = getattr(task_spec, "dmnEngine", None)
            if dmn is None or id(dmn.decision_table) in seen:
                continue
            seen.add(id(dmn.decision_table))
            fake = SimpleNamespace(data={**data, **out}, task_spec=task_spec,
                                   workflow=SimpleNamespace(script_engine=script_engine,
                                                            spec=SimpleNamespace(file=definition.bpmn_file)))
            try:
                result = dmn.result(fake)
            except Exception:  # noqa: BLE001 - an input not filled in yet: the caller's fallback applies
                continue
            for key, value in result.items():
                out[key] = {**out.get(key, {}), **value} if isinstance(value, dict) else value
    return out


def _eligibility(uow: UnitOfWork, app: Application, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Art. 15, 17, 21 bars, read without the submission's advisory lock (nothing is decided here)."""
    code = str(data.get("credit_code") or "").strip().upper()
    if not code or app.round_id is None:
        return []
    others = [{"business_key": a.business_key, "round_id": a.round_id} for a in uow.s.scalars(
        select(Application).where(Application.credit_code == code, Application.status.in_(OPEN_STATUSES)))]
    entries = [{"status": r.status, "valid_to": r.valid_to.isoformat() if r.valid_to else None,
                "ban_until": r.ban_until.isoformat() if r.ban_until else None}
               for r in uow.s.scalars(select(PlatformRegister).where(PlatformRegister.credit_code == code))]
    reasons = eligibility_reasons(code, app.round_id, beijing_date(uow.runtime.now()), others, entries,
                                  current_business_key=app.business_key)
    return [{"rule": r["rule"], "article": r["article"], "passed": False, "value": None, "threshold": None,
             "message": r["message"], "kind": "eligibility"} for r in reasons]


def precheck(uow: UnitOfWork, actor: Actor, business_key: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the Art. 7 and Art. 8 checks (and the Art. 15/17/21 bars) on the applicant's draft: the
    form's data, the saved draft over it, and ``data`` over both. Read-only. Returns
    ``{"results": [{rule, article, passed, value, threshold, message, kind}], "passed": bool}``:
    ``passed`` when no computed rule and no bar failed (checklist items wait for the county)."""
    with uow:
        app = uow.s.scalars(select(Application).where(Application.business_key == business_key)).first()
        if app is None or not may_see_county_row(actor, app.county, app.applicant_id):
            raise NotFound(t("没有编号为 {key} 的申报", key=business_key), code="application_not_found")
        inst = uow.s.get(ProcessInstance, app.instance_id)
        if inst is None:
            raise NotFound(t("没有编号为 {key} 的申报", key=business_key), code="application_not_found")
        wf = load_for_reading(uow, inst)
        row = uow.s.scalars(select(TaskIndex).where(TaskIndex.business_key == business_key,
                                                    TaskIndex.element_id.in_(DRAFT_TASKS))).first()
        task = wf.get_task_from_id(UUID(row.task_id)) if row is not None else None
        values = dict(task.data) if task is not None else instance_variables(wf)
        values.update((row.draft or {}) if row is not None else {})
        values.update(data or {})
        decided = decision_outputs(uow, inst, values)
        fallback = Thresholds.for_nature(values.get("unit_nature"), values.get("relaxed_confirmed"))
        raw7 = decided.get("thresholds")
        raw8 = decided.get("art8_thresholds")
        thresholds = Thresholds.from_mapping(raw7, fallback) if isinstance(raw7, dict) else fallback
        art8 = Art8Thresholds.from_mapping(raw8) if isinstance(raw8, dict) else Art8Thresholds()
        results = _eligibility(uow, app, values) + run_checks(values, thresholds, art8,
                                                              beijing_date(uow.runtime.now()))
    bars = [r for r in results if r.get("kind") == "eligibility"]
    computed = [r for r in results if r.get("kind") == KIND_COMPUTED]
    return {"results": results, "passed": not bars and overall(computed)["eligible"]}
