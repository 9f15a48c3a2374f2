"""Alembic environment: runs against the engine or connection passed in ``config.attributes['bind']``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import zhiliang.tables  # noqa: F401  (registers every feature's tables on Base.metadata)
from zhiliang.kernel.db import Base, make_engine
from zhiliang.kernel.migrate import include_name

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    bind = config.attributes.get("bind")
    if bind is None:
        bind = make_engine(config.get_main_option("sqlalchemy.url"))
    if isinstance(bind, Connection):
        _run(bind)
        return
    with bind.connect() as connection:
        _run(connection)
        connection.commit()


run()
