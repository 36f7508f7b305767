"""Notifications to users: the bell of the staff UI (and e-mail when configured)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from processes.models import Base, UTCDateTime

NOTIFICATION_KINDS = ("new_task", "returned", "urged", "due_soon", "overdue", "progress", "outcome", "calendar")


class Notification(Base):
    """A message to one user (the UI shows the unread ones). ``dedup_key`` makes reminders
    idempotent: one per user and key."""

    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(512), nullable=True)
    instance_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    dedup_key: Mapped[str | None] = mapped_column(String(96), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    __table_args__ = (
        Index("ix_notification_user_unread", "user_id", "read_at"),
        UniqueConstraint("user_id", "dedup_key", name="uq_notification_user_dedup"),
    )


class MailOutbox(Base):
    """One e-mail of a notification, written in the notification's transaction and sent after it
    commits (``processes/notifications/mail.py``). ``status``: ``pending`` → ``sending`` → ``sent``;
    a failed send goes back to ``pending`` with ``next_attempt_at`` later and the error recorded, and
    becomes ``failed`` after ``MAX_ATTEMPTS``. The scheduler sends what is still due."""

    __tablename__ = "mail_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # no FK: its own branch
    user_id: Mapped[int] = mapped_column(Integer)
    to_addr: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    __table_args__ = (Index("ix_mail_outbox_due", "status", "next_attempt_at"),)
