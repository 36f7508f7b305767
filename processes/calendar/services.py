"""Use cases of the working-day calendar: load a year's official schedule (admin), recompute the
deadlines it affects, and what the admin sees (years in force, provisional deadlines)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from handlers import workdays as wd
from processes.access import Permission, require
from processes.calendar import functions
from processes.calendar.functions import base_calendar, compute, sync_calendar
from processes.calendar.models import Deadline, HolidayYear
from processes.clock import CST
from processes.db import UnitOfWork
from processes.errors import Invalid, NotFound
from processes.messages import field_error, t
from processes.models import ProcessInstance, TaskIndex
from processes.services.core import Actor, lock_instance, record, save


def _affected(row: Deadline, year: int | None, cal: wd.WorkingCalendar) -> bool:
    if year is None:
        return bool(row.provisional)
    if year in (row.unknown_years or []):
        return True
    used = (row.calendar_versions or {}).get(str(year))
    return used is not None and cal.years.get(year) is not None and used != cal.years[year].version


def _replace_variable(wf: Any, old: str, new: str) -> None:
    """A diagram often keeps the deadline in a variable too (``publicity_end =
    end_of_working_day(...)`` then ``timeDate: publicity_end``): update the live copies."""
    stores = [wf.data] + [t.data for t in wf.get_tasks(state=TaskState.READY | TaskState.WAITING |
                                                       TaskState.STARTED)]
    for sub in getattr(wf, "subprocesses", {}).values():
        stores.append(sub.data)
    for data in stores:
        for key, value in list(data.items()):
            if value == old:
                data[key] = new


def recompute_deadlines(uow: UnitOfWork, actor: Actor, year: int | None = None) -> list[dict[str, Any]]:
    """Recompute open deadlines that counted ``year`` provisionally or with another version of its
    calendar (``year=None``: every open provisional deadline). One transaction per instance;
    each deadline gets an audit entry ``deadline.recomputed``. Returns what changed."""
    cal = sync_calendar(uow, force=True)
    with uow:
        ids = sorted({r.instance_id for r in uow.s.scalars(select(Deadline).where(Deadline.open.is_(True)))
                      if _affected(r, year, cal)})
    results: list[dict[str, Any]] = []
    for iid in ids:
        with uow:
            try:
                loaded = lock_instance(uow, iid)
            except NotFound:
                continue
            rows = [r for r in uow.s.scalars(select(Deadline).where(Deadline.instance_id == iid,
                                                                    Deadline.open.is_(True)))
                    if _affected(r, year, cal)]
            wf_changed = False
            now = uow.runtime.now()
            for row in rows:
                c = compute(row.rule, row.start, row.n, cal)
                entry = {"kind": row.kind, "element_id": row.element_id, "rule": row.rule,
                         "start": row.start.isoformat(), "n": row.n, "old": row.value, "new": c.value,
                         "old_provisional": row.provisional, "provisional": c.deadline.provisional,
                         "old_calendar_versions": row.calendar_versions,
                         "calendar_versions": {str(k): v for k, v in c.deadline.calendar_versions.items()},
                         "changed": c.value != row.value, "instance_id": iid,
                         "business_key": loaded.instance.business_key}
                if row.kind == "timer":
                    task = loaded.wf.get_task_from_id(UUID(row.task_id))
                    if task is None or task.internal_data.get("event_value") != row.value:
                        continue  # the diagram changed the timer itself; leave it alone
                    if c.value != row.value:
                        task.internal_data["event_value"] = c.value
                        _replace_variable(loaded.wf, row.value, c.value)
                        wf_changed = True
                else:
                    ti = uow.s.scalars(select(TaskIndex).where(TaskIndex.task_id == row.task_id)).first()
                    if ti is None:
                        continue
                    ti.due_at = c.due_at
                row.value, row.due_at = c.value, c.due_at
                row.provisional = c.deadline.provisional
                row.unknown_years = list(c.deadline.unknown_years)
                row.calendar_versions = {str(k): v for k, v in c.deadline.calendar_versions.items()}
                row.recomputed_at = now
                record(uow, actor, "deadline.recomputed", iid, task_id=row.task_id, element_id=row.element_id,
                       data=entry)
                results.append(entry)
            if wf_changed:
                inst = loaded.instance
                save(loaded, inst.incident if inst.state == "incident" else None)
            uow.commit()
    return results


# -- loading a year, and what the admin sees ----------------------------------------------------


@dataclass
class LoadResult:
    year: int
    version: str
    previous_version: str | None
    recomputed: list[dict[str, Any]]


def parse_or_invalid(text: str, source: str) -> wd.YearCalendar:
    try:
        return wd.parse_year_toml(text, source=source)
    except wd.CalendarFileError as exc:
        # the parser's text (Chinese, handlers/workdays.py) names the line and what is wrong
        raise Invalid(str(exc), [{"field": "file", "code": "calendar_file_invalid", "line": exc.line,
                                  "message": exc.message}], code="calendar_file_invalid") from None


def load_year(uow: UnitOfWork, actor: Actor, text: str | bytes, source: str = "") -> LoadResult:
    """Store one year's official schedule (TOML, config/holidays/README.md), put it in force and
    recompute every open deadline it affects. Admin only."""
    require(actor, Permission.LOAD_CALENDAR)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid(t("文件须为 UTF-8 编码"),
                          [field_error("file", "not_utf8", "文件须为 UTF-8 编码") | {"line": None}],
                          code="not_utf8") from None
    source = source or "upload"
    cal = parse_or_invalid(text, source)
    previous = sync_calendar(uow, force=True).years.get(cal.year)
    with uow:
        now = uow.runtime.now()
        uow.s.add(HolidayYear(year=cal.year, toml=text, version=cal.version, source=source[:255],
                              loaded_by=actor.username, loaded_at=now))
        record(uow, actor, "calendar.loaded", data={
            "year": cal.year, "version": cal.version, "source": source,
            "previous_version": previous.version if previous else None,
            "holidays": len(cal.holidays), "workdays": sorted(d.isoformat() for d in cal.workdays)})
        uow.commit()
    sync_calendar(uow, force=True)
    recomputed = recompute_deadlines(uow, actor, cal.year)
    return LoadResult(cal.year, cal.version, previous.version if previous else None, recomputed)


def load_year_file(uow: UnitOfWork, actor: Actor, path: Path) -> LoadResult:
    return load_year(uow, actor, path.read_bytes(), source=path.name)


def years_overview(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every year in force, where it came from and who loaded it; plus the coming unknown years."""
    cal = sync_calendar(uow, force=True)
    base = base_calendar()
    with uow:
        history = uow.s.scalars(select(HolidayYear).order_by(HolidayYear.id.desc())).all()
    loads: dict[int, list[dict[str, Any]]] = {}
    for h in history:
        loads.setdefault(h.year, []).append({"id": h.id, "version": h.version, "source": h.source,
                                             "loaded_by": h.loaded_by, "loaded_at": h.loaded_at.isoformat()})
    this_year = uow.runtime.now().astimezone(CST).year
    out: list[dict[str, Any]] = []
    for year in sorted(set(cal.years) | {this_year, this_year + 1}, reverse=True):
        yc = cal.years.get(year)
        if yc is None:
            out.append({"year": year, "known": False, "version": None, "origin": None, "source": None,
                        "holidays": 0, "workdays": [], "loads": []})
            continue
        origin = "database" if year in loads else ("file" if year in base.years and
                                                    base.years[year].source.endswith(".toml") else "built-in")
        out.append({"year": year, "known": True, "version": yc.version, "origin": origin, "source": yc.source,
                    "holidays": len(yc.holidays), "workdays": sorted(d.isoformat() for d in yc.workdays),
                    "loads": loads.get(year, [])})
    return out


def year_toml(uow: UnitOfWork, year: int) -> str:
    """The schedule of ``year`` in force, as TOML (to correct it and load it back)."""
    cal = sync_calendar(uow)
    with uow:
        row = uow.s.scalars(select(HolidayYear).where(HolidayYear.year == year)
                            .order_by(HolidayYear.id.desc()).limit(1)).first()
        if row is not None:
            return row.toml
    if year not in cal.years:
        raise NotFound(t("{year} 年没有加载工作日历", year=year), code="calendar_year_not_found")
    return wd.dump_year_toml(cal.years[year])


def provisional_deadlines(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Open deadlines counted provisionally in a year with no calendar (for the admin's warning list)."""
    with uow:
        rows = uow.s.execute(select(Deadline, ProcessInstance.business_key, ProcessInstance.process_key)
                             .join(ProcessInstance, ProcessInstance.id == Deadline.instance_id)
                             .where(Deadline.open.is_(True), Deadline.provisional.is_(True))
                             .order_by(Deadline.due_at)).all()
        return [{"id": d.id, "instance_id": d.instance_id, "business_key": bk, "process_key": pk,
                 "kind": d.kind, "task_id": d.task_id, "element_id": d.element_id, "rule": d.rule,
                 "start": d.start.isoformat(), "n": d.n, "value": d.value, "due_at": d.due_at.isoformat(),
                 "unknown_years": d.unknown_years, "calendar_versions": d.calendar_versions}
                for d, bk, pk in rows]


def deadlines_of(uow: UnitOfWork, instance_id: int, open_only: bool = False) -> list[Deadline]:
    with uow:
        stmt = select(Deadline).where(Deadline.instance_id == instance_id).order_by(Deadline.id)
        if open_only:
            stmt = stmt.where(Deadline.open.is_(True))
        return list(uow.s.scalars(stmt))


def unknown_years_ahead(uow: UnitOfWork, days: int = 400) -> list[int]:
    """Years within ``days`` of now with no calendar loaded (the admin page warns about them)."""
    return functions.unknown_years_ahead(uow.runtime.now().astimezone(CST).date(), days)
