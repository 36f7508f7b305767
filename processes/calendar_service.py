"""The working-day calendar in force, the functions diagrams may call, and deadline tracking.

The pure rules live in ``handlers.workdays``. The calendar in force is: the built-in years
(chinese-calendar, 2004–2026), then files ``config/holidays/<year>.toml``, then the years an admin
loaded into the database (table ``holiday_year``, newest load of a year wins). Every process reads
the database rows through :func:`sync_calendar` (called when a workflow is loaded), so the web
workers and the scheduler agree.

Deadlines (DOMAIN.md §6): the calendar functions note what they computed; when an instance is
saved, :func:`track_deadlines` matches its timers and user-task due dates to those computations
and keeps a ``deadline`` row (inputs, result, calendar versions, provisional flag). Loading a
year's schedule (:func:`load_year`) recomputes every open deadline it affects, one audited
transaction per instance.
"""

from __future__ import annotations

import threading
import time as _time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import or_, select

from handlers import workdays as wd
from processes.calendar_models import Deadline, HolidayYear
from processes.clock import CST
from processes.errors import Forbidden, Invalid, NotFound

if TYPE_CHECKING:
    from processes.db import UnitOfWork
    from processes.services.core import Actor, Loaded

CONFIG_HOLIDAYS = Path(__file__).resolve().parent.parent / "config" / "holidays"
_END_OF_DAY = time(23, 59, 59)
ADMIN_ROLES = ("admin", "system")

_lock = threading.Lock()
_base: wd.WorkingCalendar | None = None  # built-in + config files
_calendar: wd.WorkingCalendar | None = None  # base + database years
_db_signature: tuple[tuple[int, int, str], ...] | None = None
_db_sources: dict[int, HolidayYearInfo] = {}
_pinned = False
_last_check = [float("-inf")]
SYNC_INTERVAL_S = 1.0


@dataclass(frozen=True)
class HolidayYearInfo:
    year: int
    version: str
    source: str
    loaded_by: str
    loaded_at: datetime


# --------------------------------------------------------------------------------------------
# The calendar in force
# --------------------------------------------------------------------------------------------


def base_calendar() -> wd.WorkingCalendar:
    """Built-in years plus ``config/holidays/<year>.toml`` (cached; files are read once)."""
    global _base
    if _base is None:
        with _lock:
            if _base is None:
                _base = wd.default_calendar(CONFIG_HOLIDAYS)
    return _base


def current_calendar() -> wd.WorkingCalendar:
    """The calendar in force in this process (as of the last :func:`sync_calendar`)."""
    return _calendar if _calendar is not None else base_calendar()


def set_calendar(cal: wd.WorkingCalendar | None) -> None:
    """Pin the calendar in force (tests); ``None`` goes back to base + database years."""
    global _calendar, _db_signature, _pinned
    with _lock:
        _calendar = cal
        _db_signature = None
        _pinned = cal is not None
        _last_check[0] = float("-inf")


def reset() -> None:
    """Forget the cached database years (tests that clean tables call this)."""
    set_calendar(None)


def sync_calendar(uow: UnitOfWork, force: bool = False) -> wd.WorkingCalendar:
    """Adopt the years stored in the database if they changed (one small query, at most once a
    second per process unless ``force``; a load made in this process applies at once)."""
    global _calendar, _db_signature, _db_sources
    if _pinned:
        return current_calendar()
    mono = _time.monotonic()
    if not force and _calendar is not None and mono - _last_check[0] < SYNC_INTERVAL_S:
        return _calendar
    with uow:
        rows = uow.s.execute(select(HolidayYear.id, HolidayYear.year, HolidayYear.version)
                             .order_by(HolidayYear.id)).all()
        signature = tuple((r[0], r[1], r[2]) for r in rows)
        _last_check[0] = mono
        if signature == _db_signature and _calendar is not None:
            return _calendar
        latest: dict[int, int] = {}
        for rid, year, _v in signature:
            latest[year] = rid
        cal = base_calendar()
        sources: dict[int, HolidayYearInfo] = {}
        if latest:
            for row in uow.s.scalars(select(HolidayYear).where(HolidayYear.id.in_(latest.values()))):
                cal = cal.with_year(wd.parse_year_toml(row.toml, source=row.source or f"{row.year}.toml"))
                sources[row.year] = HolidayYearInfo(row.year, row.version, row.source, row.loaded_by, row.loaded_at)
    with _lock:
        _calendar, _db_signature, _db_sources = cal, signature, sources
    return cal


# --------------------------------------------------------------------------------------------
# Functions for diagrams, scripts and handlers (ISO strings in, ISO strings out)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Computed:
    rule: str
    start: date
    n: int
    value: str
    deadline: wd.Deadline
    due_at: datetime = field(compare=False)


_MAX_NOTES = 4096
_notes_lock = threading.Lock()
_by_value: OrderedDict[str, Computed] = OrderedDict()
_by_instant: OrderedDict[datetime, Computed] = OrderedDict()


def _remember(c: Computed) -> None:
    with _notes_lock:
        _by_value.pop(c.value, None)
        _by_value[c.value] = c
        _by_instant.pop(c.due_at, None)
        _by_instant[c.due_at] = c
        while len(_by_value) > _MAX_NOTES:
            _by_value.popitem(last=False)
        while len(_by_instant) > _MAX_NOTES:
            _by_instant.popitem(last=False)


def _d(value: Any) -> date:
    if isinstance(value, datetime):
        return (value.astimezone(CST) if value.tzinfo else value).date()
    if isinstance(value, date):
        return value
    s = str(value)
    if len(s) > 10:
        dt = datetime.fromisoformat(s)
        return (dt.astimezone(CST) if dt.tzinfo else dt).date()
    return date.fromisoformat(s)


def date_end_instant(d: date) -> datetime:
    """23:59:59 Beijing time of ``d`` as aware UTC (how a date-only due date is read)."""
    return datetime.combine(d, _END_OF_DAY, CST).astimezone(UTC)


def compute(rule: str, start: Any, n: int, cal: wd.WorkingCalendar | None = None) -> Computed:
    """Evaluate a working-day rule on ``cal`` (default: the calendar in force)."""
    cal = cal or current_calendar()
    s, k = _d(start), int(n)
    if rule == "add_working_days":
        dl = cal.add_working_days(s, k)
        return Computed(rule, s, k, dl.date.isoformat(), dl, date_end_instant(dl.date))
    if rule == "end_of_working_day":
        dl = cal.end_of_nth_working_day(s, k)
        assert dl.at is not None
        return Computed(rule, s, k, dl.at.isoformat(), dl, dl.at.astimezone(UTC))
    if rule == "end_of_added_working_days":  # end_of_day(add_working_days(start, n)): a timer on that day
        dl = cal.add_working_days(s, k)
        at = datetime.combine(dl.date, _END_OF_DAY, wd.CHINA_TZ)
        return Computed(rule, s, k, at.isoformat(), dl, at.astimezone(UTC))
    raise ValueError(f"unknown working-day rule {rule!r}")


def add_working_days(start: Any, n: int) -> str:
    """The date n working days after ``start`` (start not counted), ISO ``YYYY-MM-DD``.
    As a task's ``due`` it means the end of that day (23:59:59 Beijing time)."""
    c = compute("add_working_days", start, n)
    _remember(c)
    return c.value


def end_of_working_day(start: Any, n: int) -> str:
    """Aware ISO instant at the end (23:59:59 CST) of the n-th working day counting ``start``.

    Art. 13: publicity runs 5 working days; ``end_of_working_day(publicity_start, 5)`` is its end
    (the day the notice is published is day 1 if it is a working day).
    """
    c = compute("end_of_working_day", start, n)
    _remember(c)
    return c.value


def is_working_day(day: Any) -> bool:
    return current_calendar().is_working_day(_d(day))


def next_working_day(day: Any) -> str:
    """``day`` itself if it is a working day, else the next one (ISO date)."""
    return current_calendar().add_working_days(_d(day), 0).date.isoformat()


def working_days_between(a: Any, b: Any) -> int:
    """Working days d with a < d <= b (negative when b < a)."""
    return current_calendar().working_days_between(_d(a), _d(b))


def end_of_day(day: Any) -> str:
    """Aware ISO instant 23:59:59 Beijing time of ``day`` (turns a date rule into a timer:
    ``end_of_day(add_working_days(x, 10))``; a bare date as ``timeDate`` would mean its midnight)."""
    inner = _by_value.get(day) if isinstance(day, str) else None
    if inner is not None and inner.rule == "add_working_days":
        c = compute("end_of_added_working_days", inner.start, inner.n)
        _remember(c)
        return c.value
    return datetime.combine(_d(day), _END_OF_DAY, wd.CHINA_TZ).isoformat()


def is_provisional(start: Any, n: int) -> bool:
    """True if the n-th working day from ``start`` reaches a year with no calendar loaded."""
    return compute("end_of_working_day", start, n).deadline.provisional


def deadline_info(start: Any, n: int, rule: str = "end_of_working_day") -> dict[str, Any]:
    c = compute(rule, start, n)
    d = c.deadline
    return {"rule": rule, "start": c.start.isoformat(), "n": c.n, "date": d.date.isoformat(),
            "at": d.at.isoformat() if d.at else None, "value": c.value, "due_at": c.due_at.isoformat(),
            "provisional": d.provisional, "unknown_years": list(d.unknown_years),
            "calendar_versions": {str(k): v for k, v in d.calendar_versions.items()}}


def calendar_helpers() -> dict[str, Callable[..., Any]]:
    """Names available in timer expressions, conditions, scripts and ``due`` properties."""
    return {
        "add_working_days": add_working_days,
        "is_working_day": is_working_day,
        "end_of_working_day": end_of_working_day,
        "end_of_nth_working_day": end_of_working_day,
        "next_working_day": next_working_day,
        "working_days_between": working_days_between,
        "end_of_day": end_of_day,
        "quarter_of": lambda day: list(wd.quarter_of(_d(day))),
        "quarter_aggregate_due": lambda year, q: wd.quarter_aggregate_due(int(year), int(q)).isoformat(),
        "quarter_report_due": lambda year, q, day=15: wd.quarter_report_due(int(year), int(q),
                                                                             int(day)).isoformat(),
        "validity_end": lambda grant: wd.validity_end(_d(grant)).isoformat(),
        "expiry_year_start": lambda valid_to: wd.expiry_year_start(_d(valid_to)).isoformat(),
        "ban_until": lambda revoked: wd.ban_until(_d(revoked)).isoformat(),
    }


# --------------------------------------------------------------------------------------------
# Deadline tracking (called by services.core.save)
# --------------------------------------------------------------------------------------------


def _deadline_row(inst_id: int, kind: str, task_id: str, element_id: str, c: Computed,
                  now: datetime) -> Deadline:
    d = c.deadline
    return Deadline(instance_id=inst_id, kind=kind, task_id=task_id, element_id=element_id, rule=c.rule,
                    start=c.start, n=c.n, value=c.value, due_at=c.due_at, provisional=d.provisional,
                    unknown_years=list(d.unknown_years),
                    calendar_versions={str(k): v for k, v in d.calendar_versions.items()},
                    computed_at=now, open=True)


def track_deadlines(loaded: Loaded, snap: Any, state: str) -> None:
    """Keep the ``deadline`` rows of one instance in step with its timers and task due dates."""
    from processes.models import TaskIndex

    uow = loaded.uow
    inst = loaded.instance
    now = uow.runtime.now()
    live: dict[tuple[str, str], tuple[str, Computed | None]] = {}
    if state not in ("terminated", "completed"):
        for task_id, element_id, _due in snap.timers:
            task = loaded.wf.get_task_from_id(UUID(task_id))
            value = task.internal_data.get("event_value") if task is not None else None
            live[("timer", task_id)] = (element_id, _by_value.get(value) if isinstance(value, str) else None)
        # a task has a due date only through its diagram's `due` property: skip the query otherwise
        if any((t.extensions or {}).get("due") for t in snap.user_tasks):
            for task_id, element_id, due_at in uow.s.execute(
                    select(TaskIndex.task_id, TaskIndex.element_id, TaskIndex.due_at)
                    .where(TaskIndex.instance_id == inst.id, TaskIndex.due_at.is_not(None))):
                live[("task", task_id)] = (element_id, _by_instant.get(due_at) if due_at is not None else None)
    live_ids = sorted({tid for _, tid in live})
    cond = or_(Deadline.open.is_(True), Deadline.task_id.in_(live_ids)) if live_ids else Deadline.open.is_(True)
    rows = {(r.kind, r.task_id): r for r in uow.s.scalars(
        select(Deadline).where(Deadline.instance_id == inst.id, cond))}
    for key, (element_id, c) in live.items():
        row = rows.get(key)
        if row is not None and row.open:
            continue
        if c is None:
            continue
        fresh = _deadline_row(inst.id, key[0], key[1], element_id, c, now)
        if fresh.provisional:
            _warn_admins(uow, fresh)
        if row is None:
            uow.s.add(fresh)
        else:  # the same task waits again (e.g. resumed): reopen with the new computation
            for attr in ("element_id", "rule", "start", "n", "value", "due_at", "provisional", "unknown_years",
                         "calendar_versions", "computed_at"):
                setattr(row, attr, getattr(fresh, attr))
            row.open, row.closed_at, row.recomputed_at = True, None, None
    for key, row in rows.items():
        if row.open and key not in live:
            row.open = False
            row.closed_at = now


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
    from SpiffWorkflow.util.task import TaskState

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
    from processes.models import TaskIndex
    from processes.services.core import lock_instance, record, save

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


# --------------------------------------------------------------------------------------------
# Loading a year (admin), and what the admin sees
# --------------------------------------------------------------------------------------------


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
        raise Invalid(str(exc), [{"field": "file", "line": exc.line, "message": exc.message}]) from None


def load_year(uow: UnitOfWork, actor: Actor, text: str | bytes, source: str = "") -> LoadResult:
    """Store one year's official schedule (TOML, config/holidays/README.md), put it in force and
    recompute every open deadline it affects. Admin only."""
    from processes.services.core import record

    if actor.role not in ADMIN_ROLES:
        raise Forbidden("only an administrator may load a holiday calendar")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid("the file must be UTF-8 text", [{"field": "file", "line": None,
                                                          "message": "文件须为 UTF-8 编码"}]) from None
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
        raise NotFound(f"no calendar is loaded for {year}")
    return wd.dump_year_toml(cal.years[year])


def provisional_deadlines(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Open deadlines counted Mon–Fri in a year with no calendar (for the admin's warning list)."""
    from processes.models import ProcessInstance

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
    cal = current_calendar()
    today = uow.runtime.now().astimezone(CST).date()
    return list(cal.unknown_years_between(today, today + timedelta(days=days)))


def _warn_admins(uow: UnitOfWork, row: Deadline) -> None:
    """DOMAIN §6: a deadline in a year without a published calendar is flagged to the admins, once
    per year, so they load that year's schedule."""
    from processes.models import User
    from processes.notifications import notify

    years = ", ".join(str(y) for y in row.unknown_years or [])
    admin_ids = uow.s.scalars(select(User.id).where(User.role == "admin", User.active.is_(True))).all()
    for uid in admin_ids:
        notify(uow, uid, "calendar", f"{years} 年工作日历未发布：有临时期限",
               f"实例 {row.instance_id} 的期限 {str(row.value)[:10]} 按周一至周五临时计算"
               f"（{years} 年节假日安排尚未载入）。载入该年日历后将自动重新计算。",
               link="/admin/calendar", instance_id=row.instance_id,
               dedup_key=f"provisional-year-{years}")
