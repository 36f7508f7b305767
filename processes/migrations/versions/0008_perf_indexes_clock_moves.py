"""performance: task list indexes shaped like the lists (docs/performance.md), clock moves in progress

Task lists filter by assignee, or by role (and county) among unassigned tasks, and sort by due date
(tasks without one last), then id. Each index below serves one arm of that filter in that order, so
a page reads its rows from the index instead of reading and sorting every open task of the role.
The clock state gets the move in progress (target, frozen, timers fired so far), continued by the
scheduler in batches.

Revision ID: perf01
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from processes.models import UTCDateTime

revision = "perf01"
down_revision = "0001"
branch_labels = None
depends_on = None

DUE_LAST = sa.text("(due_at IS NULL)")
UNASSIGNED = sa.text("assignee_id IS NULL")
ASSIGNED = sa.text("assignee_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_task_index_queue", table_name="task_index")
    op.drop_index("ix_task_index_assignee", table_name="task_index")
    op.create_index("ix_task_index_own", "task_index", ["assignee_id", DUE_LAST, "due_at", "id"],
                    sqlite_where=ASSIGNED, postgresql_where=ASSIGNED)
    op.create_index("ix_task_index_pool", "task_index", ["role", DUE_LAST, "due_at", "id"],
                    sqlite_where=UNASSIGNED, postgresql_where=UNASSIGNED)
    op.create_index("ix_task_index_county_pool", "task_index", ["role", "county", DUE_LAST, "due_at", "id"],
                    sqlite_where=UNASSIGNED, postgresql_where=UNASSIGNED)
    op.create_index("ix_audit_log_done", "audit_log", ["actor_id", "action", "id"])
    with op.batch_alter_table("clock_state") as batch:
        batch.add_column(sa.Column("move_target", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("move_frozen", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("move_fired", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("move_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clock_state") as batch:
        batch.drop_column("move_by")
        batch.drop_column("move_fired")
        batch.drop_column("move_frozen")
        batch.drop_column("move_target")
    op.drop_index("ix_audit_log_done", table_name="audit_log")
    op.drop_index("ix_task_index_county_pool", table_name="task_index")
    op.drop_index("ix_task_index_pool", table_name="task_index")
    op.drop_index("ix_task_index_own", table_name="task_index")
    op.create_index("ix_task_index_assignee", "task_index", ["assignee_id"])
    op.create_index("ix_task_index_queue", "task_index", ["role", "county", "assignee_id"])
