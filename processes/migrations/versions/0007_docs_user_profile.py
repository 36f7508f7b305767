"""documents: experts' post/title and employer on the user (附件1 专家组评审意见)

Revision ID: docs01
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "docs01"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("app_user", sa.Column("title", sa.String(length=128), nullable=False, server_default=""))
    op.add_column("app_user", sa.Column("employer", sa.String(length=255), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("employer")
        batch.drop_column("title")
