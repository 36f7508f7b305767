"""audit trail: index on task_id (who completed a task, for a 409 to the loser of a race)

Revision ID: 0011
Revises: 0001
"""
from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_task_id", "audit_log", ["task_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_task_id", table_name="audit_log")
