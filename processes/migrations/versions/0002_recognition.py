"""recognition: rounds, applications, materials, platform register

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import processes.models

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recognition_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('submission_deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', processes.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year')
    )
    op.create_table('platform_register',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_name', sa.String(length=255), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('county', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('certificate_no', sa.String(length=64), nullable=True),
    sa.Column('certificate_year', sa.Integer(), nullable=True),
    sa.Column('certificate_seq', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('ban_until', sa.Date(), nullable=True),
    sa.Column('application_key', sa.String(length=128), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', processes.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', processes.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_key'),
    sa.UniqueConstraint('certificate_no'),
    sa.UniqueConstraint('certificate_year', 'certificate_seq', name='uq_register_cert_seq')
    )
    op.create_index(op.f('ix_platform_register_county'), 'platform_register', ['county'], unique=False)
    op.create_index(op.f('ix_platform_register_credit_code'), 'platform_register', ['credit_code'], unique=False)
    op.create_index(op.f('ix_platform_register_status'), 'platform_register', ['status'], unique=False)
    op.create_table('application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_key', sa.String(length=128), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('unit_name', sa.String(length=255), nullable=True),
    sa.Column('county', sa.String(length=32), nullable=True),
    sa.Column('applicant_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('submitted_at', processes.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('publicity_start', sa.Date(), nullable=True),
    sa.Column('publicity_end', processes.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome_reasons', sa.JSON(), nullable=False),
    sa.Column('certificate_no', sa.String(length=64), nullable=True),
    sa.Column('created_at', processes.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', processes.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['recognition_round.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('business_key'),
    sa.UniqueConstraint('instance_id')
    )
    op.create_index(op.f('ix_application_county'), 'application', ['county'], unique=False)
    op.create_index(op.f('ix_application_credit_code'), 'application', ['credit_code'], unique=False)
    op.create_index('ix_application_round_code', 'application', ['round_id', 'credit_code'], unique=False)
    op.create_index(op.f('ix_application_round_id'), 'application', ['round_id'], unique=False)
    op.create_index(op.f('ix_application_status'), 'application', ['status'], unique=False)
    op.create_table('material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('mkey', sa.String(length=3), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('mime', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_path', sa.String(length=512), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', processes.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'mkey', name='uq_material_application_key')
    )
    op.create_index(op.f('ix_material_application_id'), 'material', ['application_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_material_application_id'), table_name='material')
    op.drop_table('material')
    for ix in ('ix_application_status', 'ix_application_round_id', 'ix_application_credit_code',
               'ix_application_county'):
        op.drop_index(op.f(ix), table_name='application')
    op.drop_index('ix_application_round_code', table_name='application')
    op.drop_table('application')
    for ix in ('ix_platform_register_status', 'ix_platform_register_credit_code', 'ix_platform_register_county'):
        op.drop_index(op.f(ix), table_name='platform_register')
    op.drop_table('platform_register')
    op.drop_table('recognition_round')
