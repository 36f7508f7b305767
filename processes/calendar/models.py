"""Tables of the working-day calendar: loaded holiday years and tracked deadlines (docs/DOMAIN.md §6)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from processes.models import Base, UTCDateTime


class HolidayYear(Base):
    """One load of one year's official schedule (TOML as uploaded). The newest row of a year is in
    force; older rows stay as the history of corrections (who loaded what, when)."""

    __tablename__ = "holiday_year"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    toml: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(16))  # YearCalendar.version (hash of the dates)
    source: Mapped[str] = mapped_column(String(255), default="")
    loaded_by: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Deadline(Base):
    """A deadline computed by a calendar function for a timer (kind 'timer') or a user task's due
    date (kind 'task'), with the inputs needed to recompute it when a year's calendar is loaded."""

    __tablename__ = "deadline"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # timer | task
    task_id: Mapped[str] = mapped_column(String(36))  # SpiffWorkflow task id (timer event or user task)
    element_id: Mapped[str] = mapped_column(String(128))
    rule: Mapped[str] = mapped_column(String(32))  # add_working_days | end_of_working_day
    start: Mapped[date] = mapped_column(Date)
    n: Mapped[int] = mapped_column(Integer)
    value: Mapped[str] = mapped_column(String(64))  # what the function returned (ISO)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    unknown_years: Mapped[list] = mapped_column(JSON, default=list)
    calendar_versions: Mapped[dict] = mapped_column(JSON, default=dict)  # {"2026": "ab12…"}
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recomputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    __table_args__ = (
        UniqueConstraint("instance_id", "task_id", "kind", name="uq_deadline_task_kind"),
        Index("ix_deadline_open_provisional", "open", "provisional"),
    )
