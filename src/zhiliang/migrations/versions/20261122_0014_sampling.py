"""sampling: plans, samples, laboratory reports and their items, objections, disposals

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22 23:00:00
"""
from alembic import op
import sqlalchemy as sa
import zhiliang.kernel.db
from sqlalchemy.dialects import postgresql

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JsonDoc = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    op.create_table('sampling_plan',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('jurisdiction', sa.String(length=6), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('categories', JsonDoc, nullable=False),
    sa.Column('quotas', JsonDoc, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', zhiliang.kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sampling_plan')),
    sa.UniqueConstraint('code', name=op.f('uq_sampling_plan_code'))
    )
    op.create_table('sample',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger(), nullable=False),
    sa.Column('seller_id', sa.BigInteger(), nullable=True),
    sa.Column('division_code', sa.String(length=6), nullable=True),
    sa.Column('industry_code', sa.String(length=4), nullable=True),
    sa.Column('category', sa.String(length=12), nullable=False),
    sa.Column('product', sa.String(length=200), nullable=False),
    sa.Column('brand', sa.String(length=120), nullable=True),
    sa.Column('model', sa.String(length=120), nullable=True),
    sa.Column('batch', sa.String(length=120), nullable=True),
    sa.Column('produced_on', sa.Date(), nullable=True),
    sa.Column('sampled_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=16), nullable=False),
    sa.Column('place_detail', sa.Text(), nullable=False),
    sa.Column('sampler', sa.String(length=120), nullable=False),
    sa.Column('lab_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('verdict', sa.String(length=8), nullable=True),
    sa.Column('report_id', sa.BigInteger(), nullable=True),
    sa.Column('notified_on', sa.Date(), nullable=True),
    sa.Column('objection_deadline', sa.Date(), nullable=True),
    sa.Column('confirmed_on', sa.Date(), nullable=True),
    sa.Column('published_at', zhiliang.kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', zhiliang.kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lab_id'], ['laboratory.id'], name=op.f('fk_sample_lab_id_laboratory')),
    sa.ForeignKeyConstraint(['plan_id'], ['sampling_plan.id'], name=op.f('fk_sample_plan_id_sampling_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample')),
    sa.UniqueConstraint('code', name=op.f('uq_sample_code'))
    )
    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.create_index('ix_sample_category_sampled_on', ['category', 'sampled_on'], unique=False)
        batch_op.create_index('ix_sample_enterprise_category', ['enterprise_id', 'category'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_lab_id'), ['lab_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_status'), ['status'], unique=False)

    op.create_table('sample_disposal',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('sample_id', sa.BigInteger(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', zhiliang.kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sample_id'], ['sample.id'], name=op.f('fk_sample_disposal_sample_id_sample')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_disposal'))
    )
    with op.batch_alter_table('sample_disposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_disposal_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_disposal_sample_id'), ['sample_id'], unique=False)

    op.create_table('sample_objection',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('sample_id', sa.BigInteger(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('retest_lab_id', sa.BigInteger(), nullable=True),
    sa.Column('outcome', sa.String(length=8), nullable=True),
    sa.Column('submitted_by', sa.String(length=120), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['retest_lab_id'], ['laboratory.id'], name=op.f('fk_sample_objection_retest_lab_id_laboratory')),
    sa.ForeignKeyConstraint(['sample_id'], ['sample.id'], name=op.f('fk_sample_objection_sample_id_sample')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_objection'))
    )
    with op.batch_alter_table('sample_objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_objection_sample_id'), ['sample_id'], unique=False)

    op.create_table('sample_report',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('sample_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('supersedes_id', sa.BigInteger(), nullable=True),
    sa.Column('lab_id', sa.BigInteger(), nullable=False),
    sa.Column('report_no', sa.String(length=80), nullable=False),
    sa.Column('verdict', sa.String(length=8), nullable=True),
    sa.Column('correction', sa.Text(), nullable=True),
    sa.Column('files', JsonDoc, nullable=False),
    sa.Column('signed_off_at', zhiliang.kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('signed_off_by', sa.String(length=120), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', zhiliang.kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lab_id'], ['laboratory.id'], name=op.f('fk_sample_report_lab_id_laboratory')),
    sa.ForeignKeyConstraint(['sample_id'], ['sample.id'], name=op.f('fk_sample_report_sample_id_sample')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['sample_report.id'], name=op.f('fk_sample_report_supersedes_id_sample_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_report')),
    sa.UniqueConstraint('sample_id', 'kind', 'version', name=op.f('uq_sample_report_sample_id_kind_version'))
    )
    with op.batch_alter_table('sample_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_report_sample_id'), ['sample_id'], unique=False)

    op.create_table('sample_report_item',
    sa.Column('id', BigId, autoincrement=True, nullable=False),
    sa.Column('report_id', sa.BigInteger(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('clause', sa.String(length=120), nullable=False),
    sa.Column('requirement', sa.Text(), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=True),
    sa.Column('verdict', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['sample_report.id'], name=op.f('fk_sample_report_item_report_id_sample_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_report_item')),
    sa.UniqueConstraint('report_id', 'seq', name=op.f('uq_sample_report_item_report_id_seq'))
    )


    op.create_table('sample_rollup',
    sa.Column('grain', sa.String(length=8), nullable=False),
    sa.Column('category', sa.String(length=12), nullable=False),
    sa.Column('division_code', sa.String(length=6), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('industry', sa.String(length=2), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('tested', sa.BigInteger(), nullable=False),
    sa.Column('passed', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('grain', 'category', 'division_code', 'quarter', 'industry', 'level',
                            name=op.f('pk_sample_rollup'))
    )


def downgrade() -> None:
    op.drop_table('sample_rollup')
    op.drop_table('sample_report_item')
    with op.batch_alter_table('sample_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_report_sample_id'))

    op.drop_table('sample_report')
    with op.batch_alter_table('sample_objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_objection_sample_id'))

    op.drop_table('sample_objection')
    with op.batch_alter_table('sample_disposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_disposal_sample_id'))
        batch_op.drop_index(batch_op.f('ix_sample_disposal_due_on'))

    op.drop_table('sample_disposal')
    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_status'))
        batch_op.drop_index(batch_op.f('ix_sample_plan_id'))
        batch_op.drop_index(batch_op.f('ix_sample_lab_id'))
        batch_op.drop_index('ix_sample_enterprise_category')
        batch_op.drop_index('ix_sample_category_sampled_on')

    op.drop_table('sample')
    op.drop_table('sampling_plan')
