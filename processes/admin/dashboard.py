"""Dashboard aggregates for administrators: from the task index, the instances and the audit log
(never deserializing workflows). Figures owned by other areas (applications per round, quarterly
report compliance) are read defensively: an area that is not installed shows as "no data"."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from processes.access import Permission, require
from processes.calendar.functions import current_calendar
from processes.clock import CST
from processes.db import UnitOfWork
from processes.models import AuditEntry, ProcessInstance, TaskIndex, User
from processes.recognition.models import Application, RecognitionRound
from processes.supervision.models import QuarterlyReport
from processes.vocabulary import OPEN_STATES


def working_hours(a: datetime, b: datetime) -> float:
    """Hours of ``[a, b]`` that fall on working days (Beijing dates, the official calendar): a step
    opened on Friday 17:00 and done on Monday 09:00 took 7 + 9 = 16 working hours."""
    if b <= a:
        return 0.0
    cal = current_calendar()
    la, lb = a.astimezone(CST), b.astimezone(CST)
    if (lb.date() - la.date()).days > 1000:  # decades: whole days are close enough
        return 24.0 * cal.working_days_between(la.date(), lb.date())
    total = 0.0
    day = la.date()
    while day <= lb.date():
        if cal.is_working_day(day):
            start = datetime.combine(day, time.min, CST)
            end = start + timedelta(days=1)
            total += (min(end, lb) - max(start, la)).total_seconds()
        day += timedelta(days=1)
    return total / 3600


def _bars(pairs: list[tuple[str, float]]) -> list[dict[str, Any]]:
    top = max((v for _, v in pairs), default=0) or 1
    return [{"label": k, "value": v, "pct": round(100 * v / top, 1)} for k, v in pairs]


def _quantile(values: list[float], q: float) -> float:
    """The q-quantile, nearest rank (p90 of 10 values is the 9th)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


# audit actions after which the instance waits for someone (a task opened no later than this)
_STEP_EVENTS = ("task.completed", "instance.started", "timer.fired", "message.correlated", "incident.retried",
                "incident.skipped", "instance.migrated")


def step_durations(uow: UnitOfWork, limit: int = 20000) -> list[dict[str, Any]]:
    """Per user-task step, how long people took: from the task's opening (``opened_at`` recorded with
    each ``task.completed``; for older entries, the instance's previous event) to its completion, in
    working hours; the median and the 90th percentile."""
    rows = uow.s.execute(select(AuditEntry.instance_id, AuditEntry.action, AuditEntry.at, AuditEntry.element_id,
                                AuditEntry.data).where(AuditEntry.instance_id.is_not(None))
                         .order_by(AuditEntry.id.desc()).limit(limit)).all()
    per_instance: dict[int, list[Any]] = defaultdict(list)
    for r in reversed(rows):
        per_instance[r.instance_id].append(r)
    durations: dict[str, list[float]] = defaultdict(list)
    for entries in per_instance.values():
        prev_at = None
        for r in entries:
            if r.action == "task.completed":
                data = r.data if isinstance(r.data, dict) else {}
                opened = _instant(data.get("opened_at")) or prev_at
                if opened is not None:
                    name = data.get("name") or r.element_id or "?"
                    durations[name].append(working_hours(opened, r.at))
            if r.action in _STEP_EVENTS:
                prev_at = r.at
    out: list[dict[str, Any]] = []
    for step, hours in durations.items():
        median, p90 = statistics.median(hours), _quantile(hours, 0.9)
        out.append({"step": step, "count": len(hours), "median_hours": round(median, 2),
                    "p90_hours": round(p90, 2)})
    out.sort(key=lambda d: -d["median_hours"])
    top = max((d["p90_hours"] for d in out), default=0) or 1
    for d in out:
        d["median_pct"] = round(100 * d["median_hours"] / top, 1)
        d["p90_pct"] = round(100 * d["p90_hours"] / top, 1)
    return out


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def dashboard(uow: UnitOfWork, user: User, county_names: dict[str, str] | None = None) -> dict[str, Any]:
    require(user, Permission.MONITOR_INSTANCES)
    names = county_names or {}
    with uow:
        now = uow.runtime.now()
        states = dict(uow.s.execute(select(ProcessInstance.state, func.count()).group_by(ProcessInstance.state)).all())
        stage = uow.s.execute(select(TaskIndex.name, func.count(func.distinct(TaskIndex.instance_id)))
                              .group_by(TaskIndex.name).order_by(func.count(func.distinct(TaskIndex.instance_id))
                                                                 .desc())).all()
        county = uow.s.execute(select(ProcessInstance.county, func.count()).where(
            ProcessInstance.state.in_(OPEN_STATES)).group_by(ProcessInstance.county)
            .order_by(func.count().desc())).all()
        overdue = uow.s.execute(select(TaskIndex.county, func.count()).where(
            TaskIndex.due_at.is_not(None), TaskIndex.due_at < now).group_by(TaskIndex.county)
            .order_by(func.count().desc())).all()
        result: dict[str, Any] = {
            "states": states,
            "per_stage": _bars([(n or "?", float(c)) for n, c in stage]),
            "per_county": _bars([(names.get(c or "", c or "（未指定）"), float(n)) for c, n in county]),
            "overdue_per_county": _bars([(names.get(c or "", c or "（未指定）"), float(n)) for c, n in overdue]),
            "steps": step_durations(uow),
            "per_round": None,
            "compliance": None,
        }
        result["per_round"] = _bars([(str(n), float(c)) for n, c in uow.s.execute(
            select(RecognitionRound.name, func.count(Application.id))
            .select_from(RecognitionRound).outerjoin(Application, Application.round_id == RecognitionRound.id)
            .group_by(RecognitionRound.id, RecognitionRound.name).order_by(RecognitionRound.id)).all()])
        result["compliance"] = _compliance(uow)
        return result


def _compliance(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Art. 19: the share of quarterly reports filed on time, per quarter (``2026Q1 3/4 on time``)."""
    c = QuarterlyReport
    was_filed = c.submitted_at.is_not(None)
    rows = uow.s.execute(select(c.year, c.quarter, was_filed, c.late, func.count())
                         .group_by(c.year, c.quarter, was_filed, c.late)
                         .order_by(c.year, c.quarter)).all()
    per: dict[str, dict[str, int]] = defaultdict(lambda: {"on_time": 0, "late": 0, "not_filed": 0})
    for year, quarter, filed, late, n in rows:
        key = "not_filed" if not filed else ("late" if late else "on_time")
        per[f"{year}Q{quarter}"][key] += n
    out = []
    for period, by in per.items():
        total = sum(by.values()) or 1
        pct = round(100 * by["on_time"] / total, 1)
        out.append({"label": f"{period}（{by['on_time']}/{total} 按时）", "by_status": by, "value": pct,
                    "total": total, "pct": pct})
    return out
