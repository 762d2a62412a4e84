"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('user_account',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('email', name=op.f('uq_user_account_email'))
    )
    op.create_table('api_token',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('user_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('last_used_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('revoked_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('capsule',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('translations', advanced_alchemy.types.JsonB, nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('opening_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('submissions_close_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('moderation', sa.Boolean(), nullable=False),
    sa.Column('auto_open', sa.Boolean(), nullable=False),
    sa.Column('lock_policy', sa.String(length=8), nullable=False),
    sa.Column('locks', advanced_alchemy.types.JsonB, nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('prekey', sa.LargeBinary(), nullable=True),
    sa.Column('created_by', advanced_alchemy.types.guid.GUID(length=16), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('published_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sealed_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('opened_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_capsule_created_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_capsule')),
    sa.UniqueConstraint('slug', name=op.f('uq_capsule_slug'))
    )
    with op.batch_alter_table('capsule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capsule_state'), ['state'], unique=False)

    op.create_table('audit_event',
    sa.Column('capsule_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('hash', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['capsule_id'], ['capsule.id'], name=op.f('fk_audit_event_capsule_id_capsule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('capsule_id', 'seq', name=op.f('pk_audit_event'))
    )
    op.create_table('capsule_lock',
    sa.Column('capsule_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('params', advanced_alchemy.types.JsonB, nullable=False),
    sa.Column('wrapped_secret', sa.LargeBinary(), nullable=True),
    sa.Column('lock_file', sa.LargeBinary(), nullable=True),
    sa.Column('beacon', sa.LargeBinary(), nullable=True),
    sa.Column('opened_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['capsule_id'], ['capsule.id'], name=op.f('fk_capsule_lock_capsule_id_capsule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('capsule_id', 'position', name=op.f('pk_capsule_lock'))
    )
    op.create_table('invitation',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('capsule_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('token_hash', sa.LargeBinary(), nullable=False),
    sa.Column('organization', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('max_contributions', sa.Integer(), nullable=True),
    sa.Column('used_count', sa.Integer(), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('revoked_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['capsule_id'], ['capsule.id'], name=op.f('fk_invitation_capsule_id_capsule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_capsule_id'), ['capsule_id'], unique=False)

    op.create_table('opened_item',
    sa.Column('capsule_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('index', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('contribution_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('failure_code', sa.String(length=40), nullable=False),
    sa.Column('failure', sa.Text(), nullable=False),
    sa.Column('document', sa.LargeBinary(), nullable=False),
    sa.Column('dek', sa.LargeBinary(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('organization', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['capsule_id'], ['capsule.id'], name=op.f('fk_opened_item_capsule_id_capsule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('capsule_id', 'index', name=op.f('pk_opened_item'))
    )
    with op.batch_alter_table('opened_item', schema=None) as batch_op:
        batch_op.create_index('ix_opened_item_capsule_kind', ['capsule_id', 'kind', 'index'], unique=False)

    op.create_table('opening',
    sa.Column('capsule_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('opened_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('private_key', sa.LargeBinary(), nullable=False),
    sa.Column('report', advanced_alchemy.types.JsonB, nullable=False),
    sa.Column('verified', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['capsule_id'], ['capsule.id'], name=op.f('fk_opening_capsule_id_capsule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('capsule_id', name=op.f('pk_opening'))
    )
    op.create_table('seal',
    sa.Column('capsule_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('certificate', sa.LargeBinary(), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.Column('signer_kid', sa.String(length=16), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('manifest', sa.LargeBinary(), nullable=False),
    sa.Column('content_root', sa.LargeBinary(), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('sealed_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['capsule_id'], ['capsule.id'], name=op.f('fk_seal_capsule_id_capsule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('capsule_id', name=op.f('pk_seal'))
    )
    op.create_table('share_entry',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('capsule_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('member_index', sa.Integer(), nullable=False),
    sa.Column('wrapped_share', sa.LargeBinary(), nullable=False),
    sa.Column('entered_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['capsule_id'], ['capsule.id'], name=op.f('fk_share_entry_capsule_id_capsule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_entry')),
    sa.UniqueConstraint('capsule_id', 'member_index', name=op.f('uq_share_entry_capsule_id'))
    )
    with op.batch_alter_table('share_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_entry_capsule_id'), ['capsule_id'], unique=False)

    op.create_table('contribution',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('capsule_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('invitation_id', advanced_alchemy.types.guid.GUID(length=16), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('organization', sa.String(length=200), nullable=False),
    sa.Column('commitment', sa.LargeBinary(), nullable=False),
    sa.Column('wrapped_dek', sa.LargeBinary(), nullable=False),
    sa.Column('attachment_count', sa.Integer(), nullable=False),
    sa.Column('submitted_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('decided_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('receipt_token_hash', sa.LargeBinary(), nullable=False),
    sa.Column('submit_key', sa.String(length=64), nullable=True),
    sa.Column('sealed_index', sa.Integer(), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['capsule_id'], ['capsule.id'], name=op.f('fk_contribution_capsule_id_capsule'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], name=op.f('fk_contribution_invitation_id_invitation'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution')),
    sa.UniqueConstraint('capsule_id', 'submit_key', name=op.f('uq_contribution_capsule_id')),
    sa.UniqueConstraint('receipt_token_hash', name=op.f('uq_contribution_receipt_token_hash'))
    )
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_capsule_id'), ['capsule_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_invitation_id'), ['invitation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_status'), ['status'], unique=False)

    op.create_table('blob',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('contribution_id', advanced_alchemy.types.guid.GUID(length=16), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.LargeBinary(), nullable=False),
    sa.Column('chunk_count', sa.Integer(), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_blob_contribution_id_contribution'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blob')),
    sa.UniqueConstraint('contribution_id', 'position', name=op.f('uq_blob_contribution_id'))
    )
    with op.batch_alter_table('blob', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blob_contribution_id'), ['contribution_id'], unique=False)

    op.create_table('blob_chunk',
    sa.Column('blob_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['blob_id'], ['blob.id'], name=op.f('fk_blob_chunk_blob_id_blob'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('blob_id', 'seq', name=op.f('pk_blob_chunk'))
    )


def downgrade() -> None:
    op.drop_table('blob_chunk')
    with op.batch_alter_table('blob', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blob_contribution_id'))

    op.drop_table('blob')
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_status'))
        batch_op.drop_index(batch_op.f('ix_contribution_invitation_id'))
        batch_op.drop_index(batch_op.f('ix_contribution_capsule_id'))

    op.drop_table('contribution')
    with op.batch_alter_table('share_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_entry_capsule_id'))

    op.drop_table('share_entry')
    op.drop_table('seal')
    op.drop_table('opening')
    with op.batch_alter_table('opened_item', schema=None) as batch_op:
        batch_op.drop_index('ix_opened_item_capsule_kind')

    op.drop_table('opened_item')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_capsule_id'))

    op.drop_table('invitation')
    op.drop_table('capsule_lock')
    op.drop_table('audit_event')
    with op.batch_alter_table('capsule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capsule_state'))

    op.drop_table('capsule')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
    op.drop_table('user_account')
