"""supervision: quarterly reports, county aggregates, inspections, spot checks, revocations

Revision ID: 0006
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import processes.models

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = processes.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "quarterly_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register_id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("unit_name", sa.String(length=255), nullable=False),
        sa.Column("county", sa.String(length=32), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("business_key", sa.String(length=128), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("platform_user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("aggregate_due", sa.Date(), nullable=False),
        sa.Column("submitted_at", UTC, nullable=True),
        sa.Column("accepted_at", UTC, nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("chase_count", sa.Integer(), nullable=False),
        sa.Column("last_chased_at", UTC, nullable=True),
        sa.Column("flagged_missing", sa.Boolean(), nullable=False),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("business_key"),
        sa.UniqueConstraint("register_id", "year", "quarter", name="uq_report_platform_quarter"),
    )
    op.create_index("ix_quarterly_report_register_id", "quarterly_report", ["register_id"])
    op.create_index("ix_quarterly_report_credit_code", "quarterly_report", ["credit_code"])
    op.create_index("ix_quarterly_report_instance_id", "quarterly_report", ["instance_id"])
    op.create_index("ix_report_county_quarter", "quarterly_report", ["county", "year", "quarter"])
    op.create_index("ix_report_status_due", "quarterly_report", ["status", "due_date"])

    op.create_table(
        "county_aggregate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("business_key", sa.String(length=128), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("submitted_at", UTC, nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("chase_count", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("business_key"),
        sa.UniqueConstraint("county", "year", "quarter", name="uq_aggregate_county_quarter"),
    )
    op.create_index("ix_county_aggregate_instance_id", "county_aggregate", ["instance_id"])
    op.create_index("ix_aggregate_status_due", "county_aggregate", ["status", "due_date"])

    op.create_table(
        "spot_check_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("picks", sa.JSON(), nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )

    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register_id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("unit_name", sa.String(length=255), nullable=False),
        sa.Column("county", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("business_key", sa.String(length=128), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["round_id"], ["spot_check_round.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("business_key"),
    )
    op.create_index("ix_inspection_register_id", "inspection", ["register_id"])
    op.create_index("ix_inspection_credit_code", "inspection", ["credit_code"])
    op.create_index("ix_inspection_county", "inspection", ["county"])
    op.create_index("ix_inspection_round_id", "inspection", ["round_id"])
    op.create_index("ix_inspection_instance_id", "inspection", ["instance_id"])

    op.create_table(
        "revocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register_id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("unit_name", sa.String(length=255), nullable=False),
        sa.Column("county", sa.String(length=32), nullable=True),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("article", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", UTC, nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("decision_reasons", sa.String(length=1000), nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("ban_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inspection_id"),
    )
    op.create_index("ix_revocation_register_id", "revocation", ["register_id"])
    op.create_index("ix_revocation_credit_code", "revocation", ["credit_code"])

    op.create_table(
        "platform_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("credit_code"),
    )


def downgrade() -> None:
    for table in ("platform_account", "revocation", "inspection", "spot_check_round", "county_aggregate",
                  "quarterly_report"):
        op.drop_table(table)
