"""Tables of the workflow runtime. Typed SQLAlchemy 2 models; queries live in the services."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both SQLite (which has no time zones) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")

        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None

        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


ROLES = ("applicant", "county_officer", "municipal_reviewer", "expert", "process_owner", "admin")


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    # 附件1 专家组评审意见: an expert's post/title (职务/职称) and employer (工作单位)
    title: Mapped[str] = mapped_column(String(128), default="", server_default="")
    employer: Mapped[str] = mapped_column(String(255), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32), index=True)
    county: Mapped[str | None] = mapped_column(String(32), nullable=True)
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # bumped on password reset / deactivation: invalidates issued API tokens
    auth_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProcessDefinition(Base):
    """One deployed version of one process. The diagram sources are stored once per version."""

    __tablename__ = "process_definition"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    # {"file name": "xml text"}: the BPMN file and the DMN files it uses
    sources: Mapped[dict] = mapped_column(JSON)
    bpmn_file: Mapped[str] = mapped_column(String(255))
    deployed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # the measure the diagram (and its DMN tables) implement, with the dates it is in force (Art. 23)
    measure: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    __table_args__ = (
        UniqueConstraint("key", "version", name="uq_definition_key_version"),
        UniqueConstraint("key", "content_hash", name="uq_definition_key_hash"),
    )


INSTANCE_STATES = ("running", "waiting", "completed", "suspended", "incident", "terminated")


class ProcessInstance(Base):
    __tablename__ = "process_instance"
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(128))
    business_key: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    county: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # serialized workflow WITHOUT the spec (the spec lives in process_definition)
    workflow: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(16))
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    active_elements: Mapped[list] = mapped_column(JSON, default=list)
    incident: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    suspended_from: Mapped[str | None] = mapped_column(String(16), nullable=True)
    __table_args__ = (Index("ix_instance_key_state", "process_key", "state"),)


class TaskIndex(Base):
    """Open user tasks, kept in step with the workflow on every save. Lists never deserialize."""

    __tablename__ = "task_index"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    element_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(255), default="")
    lane: Mapped[str | None] = mapped_column(String(128), nullable=True)
    role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    county: Mapped[str | None] = mapped_column(String(32), nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    candidates: Mapped[list] = mapped_column(JSON, default=list)
    # True: anyone holding the role (and county) may claim it; False: assigned by the diagram
    pool: Mapped[bool] = mapped_column(Boolean, default=True)
    draft: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    form_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    process_key: Mapped[str] = mapped_column(String(128))
    business_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # one index per arm of the lists' filter, in the lists' order (due date, undated last, then id):
    # migration perf01, docs/performance.md
    __table_args__ = (
        Index("ix_task_index_own", "assignee_id", text("(due_at IS NULL)"), "due_at", "id",
              sqlite_where=text("assignee_id IS NOT NULL"), postgresql_where=text("assignee_id IS NOT NULL")),
        Index("ix_task_index_pool", "role", text("(due_at IS NULL)"), "due_at", "id",
              sqlite_where=text("assignee_id IS NULL"), postgresql_where=text("assignee_id IS NULL")),
        Index("ix_task_index_county_pool", "role", "county", text("(due_at IS NULL)"), "due_at", "id",
              sqlite_where=text("assignee_id IS NULL"), postgresql_where=text("assignee_id IS NULL")),
    )


class Timer(Base):
    """Waiting timers, rewritten whenever an instance is saved; the scheduler polls this table."""

    __tablename__ = "timer"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(128))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class AuditEntry(Base):
    """Append-only, hash-chained per instance (instance_id NULL: the system chain)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    element_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (Index("ix_audit_log_done", "actor_id", "action", "id"),)  # 已办 (done) lists


class ClockState(Base):
    """The demo clock shared by web workers and the scheduler (single row, id 1)."""

    __tablename__ = "clock_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    offset_seconds: Mapped[float] = mapped_column(default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # a move in progress (services.clock): where it goes, frozen there or not, timers fired so far,
    # who asked; the scheduler continues it in batches
    move_target: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    move_frozen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    move_fired: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    move_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class DecisionFile(Base):
    """A deployed DMN file; processes that use its decisions embed it in their next version."""

    __tablename__ = "decision_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    decision_ids: Mapped[list] = mapped_column(JSON, default=list)
    deployed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    measure: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # Art. 23, as on a definition
    __table_args__ = (UniqueConstraint("name", "version", name="uq_decision_name_version"),)
