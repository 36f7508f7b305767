"""Tables of supervision (Chapter 5): quarterly reports, county aggregates, inspections, spot-check
rounds, revocations. Each short process instance has one row here, kept in step on every save
(``processes.supervision.hooks``); lists and the overdue view read these rows, never workflows.

Platforms are referred to by ``register_id`` (``platform_register.id``, the recognition area's table)
and ``credit_code``; no foreign key, so this branch of the migrations does not depend on theirs.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from processes.models import Base, UTCDateTime

# quarterly_report.status: open → submitted → (returned → submitted)* → accepted; cancelled when
# supervision stops (revocation, expiry)
REPORT_STATUSES = ("open", "submitted", "returned", "accepted", "cancelled")
OPEN_REPORT_STATUSES = ("open", "returned")


class QuarterlyReport(Base):
    """Art. 19: one platform's report on one quarter = one ``quarterly_report`` instance."""

    __tablename__ = "quarterly_report"
    id: Mapped[int] = mapped_column(primary_key=True)
    register_id: Mapped[int] = mapped_column(Integer, index=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    unit_name: Mapped[str] = mapped_column(String(255), default="")
    county: Mapped[str | None] = mapped_column(String(32), nullable=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    business_key: Mapped[str] = mapped_column(String(128), unique=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id", ondelete="SET NULL"),
                                                    nullable=True, index=True)
    platform_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    due_date: Mapped[date] = mapped_column(Date)  # the platform's deadline to its county
    aggregate_due: Mapped[date] = mapped_column(Date)  # the county's deadline (Art. 19: the 25th)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    chase_count: Mapped[int] = mapped_column(Integer, default=0)
    last_chased_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    flagged_missing: Mapped[bool] = mapped_column(Boolean, default=False)
    returns: Mapped[int] = mapped_column(Integer, default=0)
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (
        UniqueConstraint("register_id", "year", "quarter", name="uq_report_platform_quarter"),
        Index("ix_report_county_quarter", "county", "year", "quarter"),
        Index("ix_report_status_due", "status", "due_date"),
    )


class CountyAggregate(Base):
    """Art. 19: one county's aggregate for one quarter, due to the bureau on the 25th."""

    __tablename__ = "county_aggregate"
    id: Mapped[int] = mapped_column(primary_key=True)
    county: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    business_key: Mapped[str] = mapped_column(String(128), unique=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id", ondelete="SET NULL"),
                                                    nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open / submitted / cancelled
    due_date: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    chase_count: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (
        UniqueConstraint("county", "year", "quarter", name="uq_aggregate_county_quarter"),
        Index("ix_aggregate_status_due", "status", "due_date"),
    )


class SpotCheckRound(Base):
    """Art. 21: an unannounced spot check; the seed and the picks are kept (and audited)."""

    __tablename__ = "spot_check_round"
    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(64))
    candidates: Mapped[int] = mapped_column(Integer)
    picks: Mapped[list] = mapped_column(JSON, default=list)  # credit codes
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())


# inspection.status: open → passed | revocation_requested → revoked | revocation_rejected; cancelled
class Inspection(Base):
    """Art. 20 (county inspection) or Art. 21 (spot check): one ``inspection`` instance."""

    __tablename__ = "inspection"
    id: Mapped[int] = mapped_column(primary_key=True)
    register_id: Mapped[int] = mapped_column(Integer, index=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    unit_name: Mapped[str] = mapped_column(String(255), default="")
    county: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # county / spot_check
    round_id: Mapped[int | None] = mapped_column(ForeignKey("spot_check_round.id"), nullable=True, index=True)
    business_key: Mapped[str] = mapped_column(String(128), unique=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id", ondelete="SET NULL"),
                                                    nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(24), default="open")
    verdict: Mapped[str | None] = mapped_column(String(16), nullable=True)
    findings: Mapped[dict] = mapped_column(JSON, default=dict)
    started_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Revocation(Base):
    """Art. 20/21: a request to revoke and its outcome; an Art. 21 revocation carries the ban."""

    __tablename__ = "revocation"
    id: Mapped[int] = mapped_column(primary_key=True)
    register_id: Mapped[int] = mapped_column(Integer, index=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    unit_name: Mapped[str] = mapped_column(String(255), default="")
    county: Mapped[str | None] = mapped_column(String(32), nullable=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"), nullable=True, unique=True)
    article: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(1000))
    # how the violation or failure came to light (Art. 21: spot check, county inspection, complaint, other)
    source: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # requested / confirmed / rejected
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decision_reasons: Mapped[str] = mapped_column(String(1000), default="")
    revoked_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ban_until: Mapped[date | None] = mapped_column(Date, nullable=True)


class PlatformAccount(Base):
    """Which user files a platform's quarterly reports (when its application does not say)."""

    __tablename__ = "platform_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
