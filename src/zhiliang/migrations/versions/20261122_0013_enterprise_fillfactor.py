"""registry: leave room in the enterprise table's pages (PostgreSQL fillfactor 70) for in-place class updates

A reclassification rewrites the risk class of up to half the enterprises. With full pages every new row version
goes to another page and into all five indexes; with 30 % free, PostgreSQL updates in place (HOT: heap-only
tuples, no index writes): 266,000 changes among 500,000 enterprises took 1.75 s instead of 8.5 s
(benchmarks/credit.py). Applies to pages written from now on; ``VACUUM FULL enterprise`` rewrites the existing
ones. SQLite has no such setting.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 22:00:00
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE enterprise SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE enterprise RESET (fillfactor)")
