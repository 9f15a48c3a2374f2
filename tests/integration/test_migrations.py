"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import zhiliang.tables  # noqa: F401
from zhiliang.kernel.db import Base
from zhiliang.kernel.migrate import include_name


def test_models_and_migrations_agree(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name, "compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    assert diffs == []


def test_constraint_names_follow_the_convention(engine):
    from sqlalchemy import inspect

    inspector = inspect(engine)
    assert inspector.get_pk_constraint("enterprise")["name"] == "pk_enterprise"
    assert {u["name"] for u in inspector.get_unique_constraints("enterprise")} == {"uq_enterprise_uscc"}
