"""domain audit: the measure (Art. 23) a deployed diagram or decision table implements

Revision ID: domain01
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "domain01"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("process_definition", sa.Column("measure", sa.JSON(), nullable=True))
    op.add_column("decision_file", sa.Column("measure", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decision_file") as batch:
        batch.drop_column("measure")
    with op.batch_alter_table("process_definition") as batch:
        batch.drop_column("measure")
