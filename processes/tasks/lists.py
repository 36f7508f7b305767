"""Read side of the task area: the four task lists, the counts on the home page, due dates in
working days, the approval record (审批记录) of an instance and who may read it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.sql import ColumnElement

from processes.access import instance_visibility, may_start, may_view_instance, sees_opinion, task_arms
from processes.calendar.deadlines import provisional_ids
from processes.calendar.functions import current_calendar
from processes.clock import CST
from processes.db import UnitOfWork
from processes.errors import NotFound
from processes.forms.model import FieldDef
from processes.messages import t
from processes.models import AuditEntry, ProcessDefinition, ProcessInstance, TaskIndex, User
from processes.queries import task_count, task_page
from processes.services.core import definition_by_id
from processes.services.instances import starter_roles
from processes.tasks.forms import decision_of, form_fields, reason_of, scalar_text, spec_of
from processes.tasks.models import TaskCopy, TaskDelegation, TaskUrge
from processes.vocabulary import ROLE_NAMES, Role, TaskList

SORTS = ("due", "-due", "created", "-created", "name", "process")


@dataclass
class ListQuery:
    process_key: str | None = None
    round: str | None = None  # the year of the annual round (批次), as carried by the business key
    county: str | None = None
    overdue: bool = False
    sort: str = "due"
    page: int = 1
    per_page: int = 20
    search: str | None = None  # unit name, credit code or business key (part of it)
    state: str | None = None  # instance lists: the instance state


def query_from(args: Mapping[str, Any]) -> ListQuery:
    """A list's filters from a page's query string (``process``, ``round``, ``county``, ``overdue``,
    ``sort``, ``q``, ``state``, ``page``, ``per_page``): the list page and its export read the same."""
    def number(name: str, default: int) -> int:
        try:
            return max(1, int(args.get(name) or default))
        except (TypeError, ValueError):
            return default

    sort = str(args.get("sort") or "due")
    return ListQuery(process_key=args.get("process") or None, round=args.get("round") or None,
                     county=args.get("county") or None, overdue=args.get("overdue") in ("1", "on", "true"),
                     sort=sort if sort in SORTS else "due", page=number("page", 1),
                     per_page=min(number("per_page", 20), 100),
                     search=(str(args.get("q") or "").strip()[:100] or None), state=args.get("state") or None)


def every_item(page_of: Callable[[ListQuery], dict[str, Any]], filters: Mapping[str, Any],
               limit: int) -> list[dict[str, Any]]:
    """All the items a list page's filters select, read 100 a page, at most ``limit`` (the exports)."""
    q = query_from(filters)
    q.per_page, q.page = 100, 1
    items: list[dict[str, Any]] = []
    while len(items) < limit:
        result = page_of(q)
        items += result["items"]
        if q.page >= result["pages"]:
            break
        q.page += 1
    return items[:limit]


# -- what a case is about: the unit (单位名称, credit code) and, for an area, its status ------------------

@dataclass
class Subject:
    """The unit a case is about, as lists show it, and the area's own status of the case."""

    unit_name: str = ""
    credit_code: str = ""
    status: str | None = None  # the area's status code (an application's 已认定 …)
    status_name: str | None = None
    outcome: str | None = None  # ended cases: granted / failed / withdrawn / terminated
    extra: dict[str, Any] = field(default_factory=dict)


class SubjectSource(Protocol):
    def subjects(self, uow: UnitOfWork, business_keys: list[str]) -> dict[str, Subject]: ...

    def matching(self, text: str) -> Any:  # a SELECT of business keys whose unit matches ``text``
        ...


class ModelSubjects:
    """A subject source on an area table with ``business_key``, ``unit_name`` and ``credit_code``."""

    def __init__(self, model: Any, status: Callable[[Any], Subject] | None = None) -> None:
        self.model = model
        self.status = status

    def subjects(self, uow: UnitOfWork, business_keys: list[str]) -> dict[str, Subject]:
        m = self.model
        out: dict[str, Subject] = {}
        for row in uow.s.scalars(select(m).where(m.business_key.in_(business_keys))):
            subject = self.status(row) if self.status else Subject()
            subject.unit_name = row.unit_name or ""
            subject.credit_code = row.credit_code or ""
            out[row.business_key] = subject
        return out

    def matching(self, text: str) -> Any:
        m = self.model
        return select(m.business_key).where(or_(m.unit_name.icontains(text, autoescape=True),
                                                m.credit_code.icontains(text, autoescape=True)))


# process key → where its cases' units are found (filled by processes.areas.install)
SUBJECTS: dict[str, SubjectSource] = {}


def subjects_of(uow: UnitOfWork, pairs: list[tuple[str | None, str | None]]) -> dict[str, Subject]:
    """The subject of each ``(process key, business key)``."""
    by_process: dict[str, list[str]] = {}
    for key, bk in pairs:
        if key in SUBJECTS and bk:
            by_process.setdefault(key, []).append(bk)
    out: dict[str, Subject] = {}
    for key, bks in by_process.items():
        out.update(SUBJECTS[key].subjects(uow, sorted(set(bks))))
    return out


def _search(column: Any, text: str | None) -> ColumnElement[bool] | None:
    """Rows whose business key contains ``text``, or whose unit's name or credit code does."""
    if not text:
        return None
    conds: list[ColumnElement[bool]] = [column.icontains(text, autoescape=True)]
    conds += [column.in_(source.matching(text)) for source in SUBJECTS.values()]
    return or_(*conds)


def process_names(uow: UnitOfWork) -> dict[str, str]:
    """Process key → the diagram's name (its latest version): what lists show instead of keys."""
    rows = uow.s.execute(select(ProcessDefinition.key, ProcessDefinition.name)
                         .order_by(ProcessDefinition.key, ProcessDefinition.version)).all()
    return {key: name or key for key, name in rows}


def _with_subjects(uow: UnitOfWork, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = subjects_of(uow, [(i.get("process_key"), i.get("business_key")) for i in items])
    names = process_names(uow)
    for i in items:
        subject = found.get(i.get("business_key") or "")
        i["unit_name"] = subject.unit_name if subject else ""
        i["credit_code"] = subject.credit_code if subject else ""
        i["subject_status"] = subject.status_name if subject else None
        i["outcome"] = subject.outcome if subject else None
        i["process_name"] = names.get(i.get("process_key") or "", i.get("process_key") or "")
    return items


def _today(uow: UnitOfWork) -> date:
    return uow.runtime.now().astimezone(CST).date()


def due_info(due_at: datetime | None, now: datetime) -> dict[str, Any]:
    """Due date (CST), overdue flag and the distance in working days (calendar in force)."""
    if due_at is None:
        return {"due_date": None, "overdue": False, "due_soon": False, "working_days": None}
    due_day = due_at.astimezone(CST).date()
    today = now.astimezone(CST).date()
    n = current_calendar().working_days_between(today, due_day)  # > 0: working days left
    overdue = now > due_at
    return {"due_date": due_day.isoformat(), "overdue": overdue, "due_soon": not overdue and n <= 2,
            "working_days": current_calendar().working_days_between(due_day, today) if overdue else n}


def _names(uow: UnitOfWork, ids: set[int | None]) -> dict[int, str]:
    clean = {i for i in ids if i is not None}
    if not clean:
        return {}
    return {u.id: u.display_name or u.username for u in uow.s.scalars(select(User).where(User.id.in_(clean)))}


def _task_item(row: Any, now: datetime, names: dict[int, str], delegated: set[str],
               provisional: set[str] | None = None) -> dict[str, Any]:
    return {"id": row.task_id, "instance_id": row.instance_id, "element_id": row.element_id, "name": row.name,
            "role": row.role, "county": row.county, "assignee_id": row.assignee_id,
            "assignee": names.get(row.assignee_id) if row.assignee_id else None,
            "process_key": row.process_key, "business_key": row.business_key,
            "created_at": row.created_at.isoformat(), "due_at": row.due_at.isoformat() if row.due_at else None,
            "claimable": row.pool and row.assignee_id is None, "pool": row.pool,
            "delegated": row.task_id in delegated, "has_draft": bool(row.draft), **due_info(row.due_at, now),
            # docs/DOMAIN.md §6: a due date counted in a year whose schedule is not loaded is marked
            "due_provisional": row.task_id in (provisional or set())}


def _page(q: ListQuery) -> tuple[int, int]:
    per = max(1, min(int(q.per_page or 20), 100))
    return per, max(1, int(q.page or 1))


def list_tasks(uow: UnitOfWork, user: User, which: str, q: ListQuery | None = None) -> dict[str, Any]:
    """The four lists: 我的待办 (mine), 待认领 (claimable), 已办 (done), 抄送我的 (copied)."""
    q = q or ListQuery()
    if which not in tuple(TaskList):
        raise NotFound(t("没有这个待办列表：{which}", which=which), code="list_not_found")
    if which == "done":
        return _list_done(uow, user, q)
    if which == "copied":
        return _list_copied(uow, user, q)
    with uow:
        now = uow.runtime.now()
        # the arms of the user's visibility (access.task_arms): own tasks for 我的待办, the role's pools
        # for 待认领; each is read from its index in due order (queries.task_page)
        arms = [arm for i, arm in enumerate(task_arms(user)) if (i == 0) == (which == "mine")]
        filters: list[Any] = []
        if q.process_key:
            filters.append(TaskIndex.process_key == q.process_key)
        if q.round:
            filters.append(TaskIndex.business_key.like(f"%-{q.round}-%"))
        if q.county:
            filters.append(TaskIndex.county == q.county)
        if q.overdue:
            filters.append(and_(TaskIndex.due_at.is_not(None), TaskIndex.due_at < now))
        found = _search(TaskIndex.business_key, q.search)
        if found is not None:
            filters.append(found)
        total = task_count(uow, arms, filters)
        per, page = _page(q)
        if q.sort in SORTS[1:]:
            order = {"-due": (TaskIndex.due_at.is_(None), TaskIndex.due_at.desc(), TaskIndex.id),
                     "created": (TaskIndex.created_at, TaskIndex.id), "-created": (TaskIndex.created_at.desc(),),
                     "name": (TaskIndex.name, TaskIndex.id), "process": (TaskIndex.process_key, TaskIndex.id)}
            stmt = select(TaskIndex).where(or_(*arms) if arms else false(), *filters)
            rows = list(uow.s.scalars(stmt.order_by(*order[q.sort]).limit(per).offset((page - 1) * per)))
        else:
            rows = task_page(uow, arms, filters, per, (page - 1) * per)
        names = _names(uow, {r.assignee_id for r in rows})
        delegated = set(uow.s.scalars(select(TaskDelegation.task_id).where(
            TaskDelegation.task_id.in_([r.task_id for r in rows])))) if rows else set()
        provisional = provisional_ids(uow, "task", [r.task_id for r in rows if r.due_at is not None])
        items = _with_subjects(uow, [_task_item(r, now, names, delegated, provisional) for r in rows])
        return {"list": which, "items": items, "total": total, "page": page, "per_page": per,
                "pages": max(1, -(-total // per))}


def _instance_filters(stmt: Any, q: ListQuery) -> Any:
    if q.process_key:
        stmt = stmt.where(ProcessInstance.process_key == q.process_key)
    if q.round:
        stmt = stmt.where(ProcessInstance.business_key.like(f"%-{q.round}-%"))
    if q.county:
        stmt = stmt.where(ProcessInstance.county == q.county)
    if q.state:
        stmt = stmt.where(ProcessInstance.state == q.state)
    found = _search(ProcessInstance.business_key, q.search)
    if found is not None:
        stmt = stmt.where(found)
    return stmt


def list_instances(uow: UnitOfWork, user: User, q: ListQuery | None = None) -> dict[str, Any]:
    """办件查询 / 我的申请: the cases the user may see, newest first, with the filters of the task lists
    (process, round, county, state, search by unit name, credit code or business key)."""
    q = q or ListQuery()
    with uow:
        involved = select(TaskIndex.instance_id).where(TaskIndex.assignee_id == user.id)
        stmt = _instance_filters(select(ProcessInstance).where(instance_visibility(user, involved)), q)
        total = uow.s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        per, page = _page(q)
        rows = uow.s.scalars(stmt.order_by(ProcessInstance.id.desc()).limit(per).offset((page - 1) * per)).all()
        items = [{"id": r.id, "process_key": r.process_key, "business_key": r.business_key, "county": r.county,
                  "state": r.state, "started_at": r.started_at.isoformat(),
                  "ended_at": r.ended_at.isoformat() if r.ended_at else None} for r in rows]
        return {"items": _with_subjects(uow, items), "total": total, "page": page, "per_page": per,
                "pages": max(1, -(-total // per))}


def _list_done(uow: UnitOfWork, user: User, q: ListQuery) -> dict[str, Any]:
    """已办, from the audit log (action task.completed by this user)."""
    with uow:
        stmt = (select(AuditEntry, ProcessInstance)
                .join(ProcessInstance, ProcessInstance.id == AuditEntry.instance_id)
                .where(AuditEntry.action == "task.completed", AuditEntry.actor_id == user.id))
        stmt = _instance_filters(stmt, q)
        total = uow.s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        per, page = _page(q)
        order = AuditEntry.id if q.sort == "created" else AuditEntry.id.desc()
        rows = uow.s.execute(stmt.order_by(order).limit(per).offset((page - 1) * per)).all()
        items = []
        for a, inst in rows:
            values = (a.data or {}).get("values") or {}
            fields = element_fields(uow, inst.definition_id, a.element_id or "")
            decided = decision_of(fields, values)
            items.append({"id": a.task_id, "instance_id": inst.id, "element_id": a.element_id,
                          "name": (a.data or {}).get("name") or a.element_id, "process_key": inst.process_key,
                          "business_key": inst.business_key, "county": inst.county, "state": inst.state,
                          "completed_at": a.at.isoformat(),
                          "decision": decided["value"] if decided else values.get("decision"),
                          "decision_text": decided["text"] if decided else "",
                          "opinion": reason_of(fields, values) or values.get("opinion")})
        items = _with_subjects(uow, items)
        return {"list": "done", "items": items, "total": total, "page": page, "per_page": per,
                "pages": max(1, -(-total // per))}


def _list_copied(uow: UnitOfWork, user: User, q: ListQuery) -> dict[str, Any]:
    with uow:
        stmt = select(TaskCopy).where(TaskCopy.user_id == user.id)
        if q.process_key:
            stmt = stmt.where(TaskCopy.process_key == q.process_key)
        if q.round:
            stmt = stmt.where(TaskCopy.business_key.like(f"%-{q.round}-%"))
        if q.county:
            stmt = stmt.where(TaskCopy.county == q.county)
        found = _search(TaskCopy.business_key, q.search)
        if found is not None:
            stmt = stmt.where(found)
        total = uow.s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        per, page = _page(q)
        order = TaskCopy.id if q.sort == "created" else TaskCopy.id.desc()
        rows = uow.s.scalars(stmt.order_by(order).limit(per).offset((page - 1) * per)).all()
        names = _names(uow, {r.by_id for r in rows})
        items = _with_subjects(uow, [
            {"id": c.task_id, "copy_id": c.id, "instance_id": c.instance_id, "name": c.task_name,
             "process_key": c.process_key, "business_key": c.business_key, "county": c.county,
             "by": names.get(c.by_id, ""), "note": c.note, "created_at": c.created_at.isoformat(),
             "read": c.read_at is not None} for c in rows])
        return {"list": "copied", "items": items, "total": total, "page": page, "per_page": per,
                "pages": max(1, -(-total // per))}


def counts(uow: UnitOfWork, user: User) -> dict[str, int]:
    """What waits for the user, by kind (the home page)."""
    with uow:
        now = uow.runtime.now()
        arms = task_arms(user)
        mine, pool = arms[:1], arms[1:]

        def n(stmt: Any) -> int:
            return uow.s.scalar(select(func.count()).select_from(stmt.subquery())) or 0

        overdue = [TaskIndex.due_at < now]
        return {
            "mine": task_count(uow, mine, []),
            "mine_overdue": task_count(uow, mine, overdue),
            "claimable": task_count(uow, pool, []),
            "claimable_overdue": task_count(uow, pool, overdue),
            "copied_unread": n(select(TaskCopy.id).where(TaskCopy.user_id == user.id, TaskCopy.read_at.is_(None))),
            "done": n(select(AuditEntry.id).where(AuditEntry.action == "task.completed",
                                                  AuditEntry.actor_id == user.id)),
        }


# -- one instance ------------------------------------------------------------------------------

TIMELINE_ACTIONS = {
    "instance.started": "发起", "task.completed": "办理", "task.claimed": "认领", "task.released": "释放",
    "task.transferred": "转办", "task.delegated": "委派", "task.taken_back": "收回委派", "task.copied": "抄送",
    "task.urged": "催办", "timer.fired": "期限届满", "message.correlated": "收到", "instance.suspend": "挂起",
    "instance.resume": "恢复", "instance.terminate": "终止", "instance.incident": "系统异常",
    "incident.retried": "重试", "instance.withdrawn": "撤回", "objection.filed": "收到异议",
}
ACTOR_NAMES: dict[str, str] = {Role.SYSTEM: "系统", Role.PUBLIC: "社会公众"}
# definitions never change once deployed; keyed by id and content (ids may be reused after a reset)
_ELEMENT_FIELDS: dict[tuple[int, str, str], list[FieldDef]] = {}
_EVENT_NAMES: dict[tuple[int, str], dict[str, str]] = {}


def _parsed_definition(uow: UnitOfWork, definition_id: int) -> Any:
    d = definition_by_id(uow, definition_id)
    return uow.runtime.engine.parsed(d.id, d.sources, d.key)


def element_fields(uow: UnitOfWork, definition_id: int, element_id: str) -> list[FieldDef]:
    """The form of a user task of a deployed diagram (definitions never change: cached)."""
    key = (definition_id, definition_by_id(uow, definition_id).content_hash, element_id)
    found = _ELEMENT_FIELDS.get(key)
    if found is None:
        parsed = _parsed_definition(uow, definition_id)
        spec = spec_of(parsed, element_id)
        found = form_fields(spec, parsed) if spec is not None else []
        _ELEMENT_FIELDS[key] = found
    return found


def element_names(uow: UnitOfWork, definition_id: int) -> dict[str, str]:
    """Element id → its name in the diagram, and ``message:<name>`` → the name of the event that
    catches that message (``withdraw`` → 申报单位撤回): what the record says instead of ids."""
    key = (definition_id, definition_by_id(uow, definition_id).content_hash)
    found = _EVENT_NAMES.get(key)
    if found is None:
        parsed = _parsed_definition(uow, definition_id)
        found = {}
        for spec in [parsed.spec, *parsed.subprocess_specs.values()]:
            for eid, ts in spec.task_specs.items():
                name = getattr(ts, "bpmn_name", None)
                if name:
                    found.setdefault(eid, str(name))
                    message = getattr(getattr(ts, "event_definition", None), "name", None)
                    if type(getattr(ts, "event_definition", None)).__name__ == "MessageEventDefinition" and message:
                        found.setdefault(f"message:{message}", str(name))
        _EVENT_NAMES[key] = found
    return found


def _people(uow: UnitOfWork, ids: set[int | None]) -> dict[int, tuple[str, str]]:
    clean = {i for i in ids if i is not None}
    if not clean:
        return {}
    return {u.id: (u.display_name or u.username, u.role) for u in uow.s.scalars(select(User).where(User.id.in_(clean)))}


def timeline(uow: UnitOfWork, instance_id: int, viewer: User) -> list[dict[str, Any]]:
    """审批记录: every step of the instance — who (name and role), what they decided in words (the
    option's label in the task's form), their opinion, attachments, when (Beijing time). Messages,
    timers and system steps are named as the diagram names them. Expert opinions and scores are
    shown to whom :func:`processes.access.sees_opinion` allows: ``viewer`` is required, so the page
    and the API show each person the same record."""
    with uow:
        inst = uow.s.get(ProcessInstance, instance_id)
        entries = uow.s.scalars(select(AuditEntry).where(AuditEntry.instance_id == instance_id,
                                                         AuditEntry.action.in_(tuple(TIMELINE_ACTIONS)))
                                .order_by(AuditEntry.id)).all()
        people = _people(uow, {a.actor_id for a in entries})
        task_names = {r.element_id: r.name for r in uow.s.scalars(select(TaskIndex).where(
            TaskIndex.instance_id == instance_id))}
        task_names.update({a.element_id: str((a.data or {})["name"]) for a in entries
                           if a.element_id and (a.data or {}).get("name")})
        names = element_names(uow, inst.definition_id) if inst is not None else {}
        objections_filed = any(a.action == "objection.filed" for a in entries)
        out = []
        for a in entries:
            data = a.data or {}
            values = data.get("values") or {}
            if a.action == "message.correlated" and data.get("name") == "objection" and objections_filed:
                continue  # the objection itself is in the record (objection.filed)
            attachments = [v for k, v in values.items() if k.startswith("attachment") or k == "materials"]
            name, role = people.get(a.actor_id or 0, (ACTOR_NAMES.get(a.actor, a.actor), a.actor))
            if a.actor_id is None:
                role = a.actor if a.actor in ACTOR_NAMES else Role.SYSTEM
            label = TIMELINE_ACTIONS.get(a.action, a.action)
            task = data.get("name") or task_names.get(a.element_id or "") or names.get(a.element_id or "") or ""
            detail = ""
            decided: dict[str, str] | None = None
            opinion = values.get("opinion") or data.get("note") or None
            if a.action in ("task.transferred", "task.delegated"):
                detail = f"→ {data.get('to_name') or data.get('to')}"
            elif a.action == "task.urged":
                detail = f"催办 {data.get('holder_name') or data.get('holder') or ''}"
            elif a.action == "task.copied":
                detail = "抄送 " + "、".join(data.get("to") or [])
            elif a.action == "message.correlated":
                label, task = names.get(f"message:{data.get('name')}") or "收到通知", ""
                payload = data.get("payload")
                opinion = str(payload.get("reason") or "") or None if isinstance(payload, dict) else None
            elif a.action == "timer.fired":
                label, task = "期限届满", names.get(a.element_id or "") or task
            elif a.action == "instance.withdrawn":
                opinion = str(data.get("reason") or "") or None
            elif a.action == "task.completed" and inst is not None:
                fields = element_fields(uow, inst.definition_id, a.element_id or "")
                decided = decision_of(fields, values)
                opinion = reason_of(fields, values) or opinion
                label = "办理" if decided else "提交"
            entry_role = ROLE_NAMES.get(role, "") if role else ""
            shown = sees_opinion(viewer, role, a.actor_id)
            out.append({"at": a.at.astimezone(CST).strftime("%Y-%m-%d %H:%M"), "actor": name,
                        "actor_role": role, "role_name": entry_role, "action": a.action, "label": label,
                        "element_id": a.element_id, "task": task,
                        "decision": (decided["value"] if decided else values.get("decision")) if shown else None,
                        "decision_text": (decided["text"] if decided else "") if shown else "",
                        "opinion": opinion if shown else None,
                        "score": values.get("score") if shown else None,
                        "score_text": scalar_text(values.get("score")) if shown else "",
                        "attachments": attachments, "detail": detail})
        return out


def may_read_instance(uow: UnitOfWork, user: User, instance_id: int) -> ProcessInstance:
    """Read access to an instance: who may view it by role/county, who works or worked on it, who
    was copied. Anything else is 'not found' (an id in a URL reveals nothing)."""
    with uow:
        inst = uow.s.get(ProcessInstance, instance_id)
        if inst is None:
            raise NotFound(t("流程实例 {id} 不存在或您无权查看", id=instance_id), code="instance_not_found")
        involved = bool(
            uow.s.scalar(select(func.count()).select_from(TaskIndex).where(
                TaskIndex.instance_id == instance_id, TaskIndex.assignee_id == user.id))
            or uow.s.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.instance_id == instance_id, AuditEntry.action == "task.completed",
                AuditEntry.actor_id == user.id))
            or uow.s.scalar(select(func.count()).select_from(TaskCopy).where(
                TaskCopy.instance_id == instance_id, TaskCopy.user_id == user.id)))
        # a county officer copied on a case stays within the county (copy() enforces it)
        if not may_view_instance(user, inst, involved):
            raise NotFound(t("流程实例 {id} 不存在或您无权查看", id=instance_id), code="instance_not_found")
        return inst


def mark_copy_read(uow: UnitOfWork, user: User, instance_id: int) -> None:
    with uow:
        now = uow.runtime.now()
        for c in uow.s.scalars(select(TaskCopy).where(TaskCopy.instance_id == instance_id,
                                                      TaskCopy.user_id == user.id, TaskCopy.read_at.is_(None))):
            c.read_at = now
        uow.commit()


def open_tasks_of(uow: UnitOfWork, instance_id: int) -> list[dict[str, Any]]:
    """Open tasks of an instance with their holders (e.g. the expert panel's progress)."""
    with uow:
        now = uow.runtime.now()
        rows = uow.s.scalars(select(TaskIndex).where(TaskIndex.instance_id == instance_id)
                             .order_by(TaskIndex.id)).all()
        names = _names(uow, {r.assignee_id for r in rows})
        provisional = provisional_ids(uow, "task", [r.task_id for r in rows if r.due_at is not None])
        return [_task_item(r, now, names, set(), provisional) for r in rows]


def urged_today(uow: UnitOfWork, task_id: str, holder_id: int | None) -> bool:
    with uow:
        day = _today(uow).isoformat()
        return holder_id is not None and uow.s.scalars(select(TaskUrge.id).where(
            TaskUrge.task_id == task_id, TaskUrge.holder_id == holder_id, TaskUrge.day == day)).first() is not None



def startable(uow: UnitOfWork, user: User) -> list[dict[str, Any]]:
    """The latest version of each process this user's role may start."""
    with uow:
        out: dict[str, dict[str, Any]] = {}
        for d in uow.s.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key,
                                                                  ProcessDefinition.version)):
            if not may_start(user, starter_roles(d), uow.runtime.settings.default_starter_roles):
                continue
            out[d.key] = {"key": d.key, "name": d.name or d.key, "version": d.version}
        return list(out.values())

