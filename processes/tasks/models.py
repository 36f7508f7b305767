"""Tables of the task area: copies, urges, delegations. Who completed what (已办) comes from the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from processes.models import Base, UTCDateTime


class TaskCopy(Base):
    """抄送: a user was copied on a task and may read its instance (summary and timeline)."""

    __tablename__ = "task_copy"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(Integer, index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    task_name: Mapped[str] = mapped_column(String(255), default="")
    process_key: Mapped[str] = mapped_column(String(128))
    business_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    county: Mapped[str | None] = mapped_column(String(32), nullable=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    __table_args__ = (UniqueConstraint("task_id", "user_id", name="uq_task_copy_task_user"),
                      Index("ix_task_copy_user", "user_id"))


class TaskUrge(Base):
    """催办: one urge per task holder per (CST) day."""

    __tablename__ = "task_urge"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(Integer, index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    holder_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    day: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("task_id", "holder_id", "day", name="uq_task_urge_per_day"),)


class TaskDelegation(Base):
    """委派: the task's owner lent it to ``delegate_id`` and may take it back."""

    __tablename__ = "task_delegation"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    instance_id: Mapped[int] = mapped_column(Integer, index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
