"""administration: diagram drafts, diagram scenarios

Revision ID: 0005
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import processes.models

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "diagram_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("updated_at", processes.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_diagram_draft_key"),
    )
    op.create_table(
        "scenario",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("definition_key", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("expected", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("updated_at", processes.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("definition_key", "name", name="uq_scenario_key_name"),
    )
    op.create_index("ix_scenario_key", "scenario", ["definition_key"])


def downgrade() -> None:
    op.drop_index("ix_scenario_key", table_name="scenario")
    op.drop_table("scenario")
    op.drop_table("diagram_draft")
