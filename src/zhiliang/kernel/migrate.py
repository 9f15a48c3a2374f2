"""Alembic, driven from code: ``upgrade`` brings any database to the newest schema.

The migration scripts ship inside the package (``zhiliang/migrations``) rather than beside it, so an installed
``zhiliang`` can migrate its database without a source checkout.
"""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine


def alembic_config(bind: Engine | Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("zhiliang") / "migrations"))
    config.set_main_option(
        "file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s"
    )
    config.attributes["bind"] = bind
    return config


def upgrade(bind: Engine | Connection, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` on ``bind``, in one transaction per migration."""
    command.upgrade(alembic_config(bind), revision)


# Tables that live outside the models: SQLite's FTS5 search index and the shadow tables FTS5 keeps for it.
UNMODELLED_PREFIXES = ("enterprise_fts",)
# Indexes made by raw SQL for one database only: the ledger's (txid, seq) read order exists on PostgreSQL alone.
UNMODELLED_INDEXES = ("ix_event_txid_seq",)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate filter: leave what raw SQL in a migration made (FTS5 tables, one-database indexes) out of
    model comparison."""
    if type_ == "index" and name in UNMODELLED_INDEXES:
        return False
    return not (type_ == "table" and name is not None and name.startswith(UNMODELLED_PREFIXES))
