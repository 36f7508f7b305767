"""domain audit, supervision: how a revoked platform's violation came to light (Art. 21)

Revision ID: domain03
Revises: 0006
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "domain03"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("revocation", sa.Column("source", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("revocation") as batch:
        batch.drop_column("source")
