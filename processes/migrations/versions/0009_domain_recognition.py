"""domain audit, recognition: the measure of a round (Art. 23), objections as rows (Art. 13), the
rules flagged to the county (Art. 10)

Revision ID: domain02
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import processes.models

revision = "domain02"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC = processes.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.add_column("recognition_round", sa.Column("measure_title", sa.String(length=255), nullable=True))
    op.add_column("recognition_round", sa.Column("measure_number", sa.String(length=128), nullable=True))
    op.add_column("recognition_round", sa.Column("measure_effective_from", sa.Date(), nullable=True))
    op.add_column("recognition_round", sa.Column("measure_effective_to", sa.Date(), nullable=True))
    op.add_column("application", sa.Column("flagged_rules", sa.JSON(), nullable=True))
    op.create_table(
        "objection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("business_key", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("attachment", sa.JSON(), nullable=True),
        sa.Column("filed_at", UTC, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_objection_application_id", "objection", ["application_id"])
    op.create_index("ix_objection_business_key", "objection", ["business_key"])


def downgrade() -> None:
    op.drop_index("ix_objection_business_key", table_name="objection")
    op.drop_index("ix_objection_application_id", table_name="objection")
    op.drop_table("objection")
    with op.batch_alter_table("application") as batch:
        batch.drop_column("flagged_rules")
    with op.batch_alter_table("recognition_round") as batch:
        for name in ("measure_effective_to", "measure_effective_from", "measure_number", "measure_title"):
            batch.drop_column(name)
