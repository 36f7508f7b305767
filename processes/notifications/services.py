"""Notifications to users (new task, returned, urged, due soon, overdue, outcome), and their e-mail
when SMTP is configured (``processes/notifications/mail.py``: queued here, sent after the commit).

Each function takes a unit of work; ``notify`` joins the caller's transaction when called inside
``with uow:`` (the caller commits) and commits itself otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from sqlalchemy import func, select, update

from processes.access import may_act_on_task
from processes.db import UnitOfWork
from processes.messages import t
from processes.models import TaskIndex, User
from processes.notifications import mail
from processes.notifications.models import NOTIFICATION_KINDS, Notification


def _in_transaction(uow: UnitOfWork) -> bool:
    return uow.session is not None


def notify(uow: UnitOfWork, user_id: int, kind: str, title: str, body: str, link: str | None = None,
           instance_id: int | None = None, task_id: str | None = None,
           dedup_key: str | None = None) -> Notification | None:
    """Create a notification. With ``dedup_key``, at most one per (user, key): returns None when it
    already exists."""
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r} (one of {', '.join(NOTIFICATION_KINDS)})")
    own = not _in_transaction(uow)
    with uow:
        if dedup_key is not None and uow.s.scalar(select(Notification.id).where(
                Notification.user_id == user_id, Notification.dedup_key == dedup_key)) is not None:
            return None
        n = Notification(user_id=user_id, kind=kind, title=title[:255], body=body, link=link,
                         instance_id=instance_id, task_id=task_id, dedup_key=dedup_key,
                         created_at=uow.runtime.now().astimezone(UTC))
        uow.s.add(n)
        uow.s.flush()
        if mail.configured(uow.runtime.settings):  # the e-mail goes out after this transaction commits
            mail.queue(uow, n, uow.s.scalar(select(User.email).where(User.id == user_id)))
        if own:
            uow.commit()
        return n


MAX_QUEUE_NOTICES = 50  # a queue of a whole role (the bureau's reviewers, a county's officers) is a few people


def claimants(uow: UnitOfWork, row: TaskIndex) -> list[int]:
    """The active users who may claim an unassigned task, by the one rule of processes/access.py."""
    wanted = select(User).where(User.active.is_(True))
    wanted = wanted.where(User.role == row.role) if not row.candidates else \
        wanted.where((User.role == row.role) | User.username.in_(list(row.candidates)))
    people = uow.s.scalars(wanted.order_by(User.id).limit(MAX_QUEUE_NOTICES * 4)).all()
    return [u.id for u in people if may_act_on_task(u, row)][:MAX_QUEUE_NOTICES]


def announce_queued(uow: UnitOfWork, row: TaskIndex, actor_id: int | None = None) -> int:
    """A task that waits in a queue is announced once to everyone who may claim it (inside the caller's
    transaction), except the person whose action created it. Returns how many were told."""
    told = 0
    for uid in claimants(uow, row):
        if uid == actor_id:
            continue
        if notify(uow, uid, "new_task", t("待认领：{task}", task=row.name), f"{row.business_key}：{row.name}",
                  link=f"/tasks/{row.task_id}", instance_id=row.instance_id, task_id=row.task_id,
                  dedup_key=f"pool:{row.task_id}") is not None:
            told += 1
    return told


def list_for(uow: UnitOfWork, user_id: int, unread_only: bool = False, limit: int = 50) -> Sequence[Notification]:
    """Newest first."""
    with uow:
        stmt = select(Notification).where(Notification.user_id == user_id)
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        return uow.s.scalars(stmt.order_by(Notification.id.desc()).limit(max(1, min(limit, 500)))).all()


def unread_count(uow: UnitOfWork, user_id: int) -> int:
    with uow:
        return int(uow.s.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None))) or 0)


def mark_read(uow: UnitOfWork, user_id: int, ids: Sequence[int] | None = None) -> int:
    """Mark the user's notifications ``ids`` (None: all) read. Others' ids are ignored."""
    own = not _in_transaction(uow)
    with uow:
        stmt = (update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
                .values(read_at=uow.runtime.now().astimezone(UTC)))
        if ids is not None:
            if not ids:
                return 0
            stmt = stmt.where(Notification.id.in_(list(ids)))
        count = uow.s.execute(stmt.execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
        if own:
            uow.commit()
        return int(count or 0)


def view(n: Notification) -> dict[str, Any]:
    return {"id": n.id, "kind": n.kind, "title": n.title, "body": n.body, "link": n.link,
            "instance_id": n.instance_id, "task_id": n.task_id, "created_at": n.created_at.isoformat(),
            "read": n.read_at is not None, "read_at": n.read_at.isoformat() if n.read_at else None}
