"""collaboration: task copies, urges, delegations

Revision ID: 0004
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import processes.models

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("task_name", sa.String(length=255), nullable=False),
        sa.Column("process_key", sa.String(length=128), nullable=False),
        sa.Column("business_key", sa.String(length=128), nullable=True),
        sa.Column("county", sa.String(length=32), nullable=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", processes.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", processes.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id", "user_id", name="uq_task_copy_task_user"),
    )
    op.create_index("ix_task_copy_instance_id", "task_copy", ["instance_id"])
    op.create_index("ix_task_copy_user", "task_copy", ["user_id"])
    op.create_table(
        "task_urge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("holder_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("by_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", processes.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id", "holder_id", "day", name="uq_task_urge_per_day"),
    )
    op.create_index("ix_task_urge_instance_id", "task_urge", ["instance_id"])
    op.create_table(
        "task_delegation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("delegate_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("created_at", processes.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id"),
    )
    op.create_index("ix_task_delegation_instance_id", "task_delegation", ["instance_id"])


def downgrade() -> None:
    op.drop_table("task_delegation")
    op.drop_table("task_urge")
    op.drop_table("task_copy")
