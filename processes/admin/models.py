"""Tables of the administration area: diagram drafts and diagram scenarios."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from processes.models import Base, UTCDateTime


class DiagramDraft(Base):
    """A diagram being edited in the web modeler: saved, validated, then deployed."""

    __tablename__ = "diagram_draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128))
    file_name: Mapped[str] = mapped_column(String(255))
    xml: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(64))
    # the deployed version this draft started from (None: a new diagram)
    base_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("key", name="uq_diagram_draft_key"),)


class Scenario(Base):
    """A named test of a diagram: inputs per user task, the expected end state and variables."""

    __tablename__ = "scenario"
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_key: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(255))
    # {"start": {...}, "tasks": [{"element_id": "fill", "data": {...}}, ...], "advance_days": n}
    steps: Mapped[dict] = mapped_column(JSON, default=dict)
    # {"state": "completed"|"waiting"|"running", "variables": {...}, "active": [...]}
    expected: Mapped[dict] = mapped_column(JSON, default=dict)
    author: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("definition_key", "name", name="uq_scenario_key_name"),
                      Index("ix_scenario_key", "definition_key"))
