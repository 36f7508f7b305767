"""Prebuilt statements for the hot path (one submit runs each of these once).

Building a SQLAlchemy statement costs more than SQLite executing it (measured: statement
construction and cache-key generation were the largest share of a submit), so the statements used
on every request are built once, with bound parameters.
"""

from __future__ import annotations

from sqlalchemy import Table, bindparam, select, update

from processes.models import AuditEntry, ProcessInstance, TaskIndex, Timer, User

_ti: Table = TaskIndex.__table__  # type: ignore[assignment]
_au: Table = AuditEntry.__table__  # type: ignore[assignment]
_us: Table = User.__table__  # type: ignore[assignment]
_tm: Table = Timer.__table__  # type: ignore[assignment]

INSTANCE_BY_ID = (select(ProcessInstance).where(ProcessInstance.id == bindparam("id"))
                  .execution_options(populate_existing=True))
INSTANCE_BY_ID_FOR_UPDATE = (select(ProcessInstance).where(ProcessInstance.id == bindparam("id"))
                             .with_for_update().execution_options(populate_existing=True))
TASK_BY_ID = select(TaskIndex).where(TaskIndex.task_id == bindparam("task_id"))
TASKS_OF_INSTANCE = select(TaskIndex).where(TaskIndex.instance_id == bindparam("iid"))
TASK_COMPLETED_BY = (select(AuditEntry.actor).where(AuditEntry.task_id == bindparam("task_id"),
                                                    AuditEntry.action == "task.completed").limit(1))
TASK_IDS_OF_INSTANCE = select(_ti.c.task_id).where(_ti.c.instance_id == bindparam("iid"))
DELETE_TASKS = _ti.delete().where(_ti.c.task_id.in_(bindparam("ids", expanding=True)))
INSERT_TASKS = _ti.insert()
DELETE_TIMERS_OF_INSTANCE = _tm.delete().where(_tm.c.instance_id == bindparam("iid"))
INSERT_TIMERS = _tm.insert()
USER_ID_BY_NAME = select(_us.c.id).where(_us.c.username == bindparam("username"))
USER_BY_ID = select(_us).where(_us.c.id == bindparam("id"))
LAST_HASH_OF_INSTANCE = (select(_au.c.hash).where(_au.c.instance_id == bindparam("iid"))
                         .order_by(_au.c.id.desc()).limit(1))
LAST_HASH_SYSTEM = select(_au.c.hash).where(_au.c.instance_id.is_(None)).order_by(_au.c.id.desc()).limit(1)
INSERT_AUDIT = _au.insert()

_in: Table = ProcessInstance.__table__  # type: ignore[assignment]
SAVE_INSTANCE = (update(_in).where(_in.c.id == bindparam("b_id"), _in.c.lock_version == bindparam("b_version"))
                 .values({c: bindparam(c) for c in ("workflow", "serializer_version", "state", "active_elements",
                                                     "incident", "updated_at", "lock_version", "ended_at")}))
