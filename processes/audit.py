"""The append-only audit trail, hash-chained per instance (Art. 22: tamper-evident record).

Each entry stores the previous entry's hash (of the same instance; ``instance_id`` NULL forms the
system chain) and its own hash over its content. The instance row is locked by the use case, so
a chain cannot fork; the system chain takes an advisory lock on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from processes import statements as st
from processes.models import AuditEntry

GENESIS = "0" * 64
SYSTEM_CHAIN_LOCK = 7_150_115  # pg advisory lock key of the system chain


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, at: datetime, actor: str, action: str, instance_id: int | None,
               task_id: str | None, element_id: str | None, data: Any) -> str:
    body = _canonical([prev_hash, at.isoformat(), actor, action, instance_id, task_id, element_id, data])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def last_hash(session: Session, instance_id: int | None) -> str:

    if instance_id is None:
        row = session.execute(st.LAST_HASH_SYSTEM).first()
    else:
        row = session.execute(st.LAST_HASH_OF_INSTANCE, {"iid": instance_id}).first()
    return row[0] if row else GENESIS


def append(session: Session, *, at: datetime, actor: str, actor_id: int | None, action: str,
           instance_id: int | None = None, task_id: str | None = None, element_id: str | None = None,
           data: Any = None) -> str:
    """Append one entry; returns its hash."""
    if instance_id is None and session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SYSTEM_CHAIN_LOCK})
    data = json.loads(_canonical(data if data is not None else {}))
    # microsecond precision survives both databases
    prev = last_hash(session, instance_id)
    h = entry_hash(prev, at, actor, action, instance_id, task_id, element_id, data)

    session.execute(st.INSERT_AUDIT, dict(
        at=at, actor=actor, actor_id=actor_id, action=action, instance_id=instance_id, task_id=task_id,
        element_id=element_id, data=data, prev_hash=prev, hash=h))
    return h


@dataclass
class ChainProblem:
    entry_id: int
    instance_id: int | None
    message: str


def verify(session: Session) -> tuple[int, list[ChainProblem]]:
    """Recompute every chain; return (entries checked, problems)."""
    problems: list[ChainProblem] = []
    last: dict[int | None, str] = {}
    count = 0
    for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
        count += 1
        expected_prev = last.get(e.instance_id, GENESIS)
        if e.prev_hash != expected_prev:
            problems.append(ChainProblem(e.id, e.instance_id,
                                         f"entry {e.id}: previous-hash link broken (an entry before it was "
                                         "removed or altered)"))
        h = entry_hash(e.prev_hash, e.at, e.actor, e.action, e.instance_id, e.task_id, e.element_id, e.data)
        if h != e.hash:
            problems.append(ChainProblem(e.id, e.instance_id, f"entry {e.id}: content does not match its hash "
                                         "(the row was edited)"))
        last[e.instance_id] = e.hash
    return count, problems
