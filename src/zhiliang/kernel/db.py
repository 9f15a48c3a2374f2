"""Database: one declarative base with naming conventions, an engine factory and a transaction helper.

Services own their transactions through :class:`Database`: ``with db.begin() as session:`` commits on success
and rolls back on any exception, so a failed request or import leaves nothing half-written (SPEC principle 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    any_,
    bindparam,
    create_engine,
    event,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Alembic and constraint names stay stable across SQLite and PostgreSQL only when every constraint is named.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL; INTEGER on SQLite, where only "INTEGER PRIMARY KEY" aliases the rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")
JsonDoc = JSON().with_variant(postgresql.JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin: otherwise SAVEPOINTs and
    # transactional DDL misbehave (SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL").
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # Write transactions take SQLite's write lock at BEGIN: a deferred transaction that reads, then writes,
    # fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT) when another writer committed in between,
    # and busy_timeout cannot help it. Read transactions stay deferred so readers never queue.
    immediate = conn.get_execution_options().get("sqlite_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``. SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL uses psycopg 3."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    """The engine and the session factory, passed to services instead of a global."""

    def __init__(self, bind: Engine | Connection) -> None:
        self.bind = bind
        # Bound to a connection that is already in a transaction (the tests' rolled-back outer transaction),
        # each service transaction becomes a savepoint inside it.
        extra = {"join_transaction_mode": "create_savepoint"} if isinstance(bind, Connection) else {}
        self._sessions = sessionmaker(bind=bind, expire_on_commit=False, **extra)

    @property
    def dialect(self) -> str:
        return self.bind.dialect.name

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A session in a transaction: committed when the block ends, rolled back if it raises."""
        with self._sessions() as session, session.begin():
            if self.dialect == "sqlite" and not isinstance(self.bind, Connection):
                session.connection(execution_options={"sqlite_write": True})
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for read-only work; closing it rolls back whatever it may have changed.

        Objects loaded inside stay readable after the block (closing detaches them without expiring).
        """
        with self._sessions() as session:
            yield session


def in_ids(column: Any, ids: list[int], dialect: str) -> Any:
    """``column IN ids`` for a long list of integer ids: one array parameter (``= ANY``) on PostgreSQL, where
    thousands of separate parameters cost more to parse and plan than the lookup itself; ``IN (…)`` elsewhere
    (SQLite allows up to 32,766 parameters: callers chunk)."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, ids, type_=postgresql.ARRAY(BigInteger)))
    return column.in_(ids)
