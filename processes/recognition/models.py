"""Tables of the recognition procedure (Chapter 4): rounds, applications, materials, the register.

The ``application`` row mirrors one ``recognition`` process instance (kept in step on every save by
``processes.recognition.hooks``); lists and eligibility lookups read it, never the workflow.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from processes.models import Base, UTCDateTime

# application.status values; the last group are final (the application has ended)
OPEN_STATUSES = ("draft", "at_county", "under_review", "supplement", "onsite_check", "expert_panel",
                 "publicity", "objection")
FINAL_STATUSES = ("ineligible", "declined", "rejected", "objection_upheld", "withdrawn", "granted",
                  "terminated")

# platform_register.status values (docs/DOMAIN.md: recognised / expired / revoked)
REGISTER_STATUSES = ("recognised", "expired", "revoked")


class RecognitionRound(Base):
    """Art. 15: one recognition round (批次) a year, opened by an administrator."""

    __tablename__ = "recognition_round"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(255))
    opens_on: Mapped[date] = mapped_column(Date)
    submission_deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open / closed
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Art. 23: the measure that applies to the round (title, document number, effective dates)
    measure_title: Mapped[str | None] = mapped_column(String(255), nullable=True)
    measure_number: Mapped[str | None] = mapped_column(String(128), nullable=True)
    measure_effective_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    measure_effective_to: Mapped[date | None] = mapped_column(Date, nullable=True)


class Application(Base):
    """One application (申报) = one recognition process instance."""

    __tablename__ = "application"
    id: Mapped[int] = mapped_column(primary_key=True)
    business_key: Mapped[str] = mapped_column(String(128), unique=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), unique=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("recognition_round.id"), nullable=True, index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    unit_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    county: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    publicity_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    publicity_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome_reasons: Mapped[list] = mapped_column(JSON, default=list)
    # Art. 10: the computed rules that failed, shown to the county (the county decides)
    flagged_rules: Mapped[list | None] = mapped_column(JSON, nullable=True)
    certificate_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_application_round_code", "round_id", "credit_code"),)


OBJECTION_STATUSES = ("filed", "upheld", "dismissed")


class Objection(Base):
    """Art. 13: an objection (异议) filed during publicity, by anyone; several per application, each
    investigated and decided by the bureau (the decision is taken in the workflow and copied here)."""

    __tablename__ = "objection"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), index=True)
    business_key: Mapped[str] = mapped_column(String(128), index=True)
    name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(100))
    reasons: Mapped[str] = mapped_column(Text)
    attachment: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="filed")
    findings: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Material(Base):
    """An uploaded material m01…m13 (Art. 12); the file lives under instance/uploads/."""

    __tablename__ = "material"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), index=True)
    mkey: Mapped[str] = mapped_column(String(3))
    file_name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_path: Mapped[str] = mapped_column(String(512))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("application_id", "mkey", name="uq_material_application_key"),)


class PlatformRegister(Base):
    """The register of recognised platforms (Art. 14, 17, 21); supervision builds on it."""

    __tablename__ = "platform_register"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_name: Mapped[str] = mapped_column(String(255))
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    county: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    certificate_no: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    certificate_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    certificate_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    ban_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    application_key: Mapped[str | None] = mapped_column(String(128), nullable=True, unique=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("certificate_year", "certificate_seq", name="uq_register_cert_seq"),)
