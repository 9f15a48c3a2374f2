"""Named exclusive locks that die with their holder: a PostgreSQL advisory lock, or a file lock beside the
SQLite database. A process killed with ``kill -9`` releases its locks at once (the server ends the session, the
kernel closes the file), so a re-run never waits for a lease to expire.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from zhiliang.kernel.errors import conflict


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def exclusive(bind: Engine | Connection, name: str) -> Iterator[None]:
    """Hold lock ``name`` for the block, or raise 409 at once when another process holds it."""
    busy = conflict("lock.busy", f"另一个任务正在进行({name}),请稍后再试",
                    f"Another run of this job is in progress ({name}); try again later")
    if bind.dialect.name == "postgresql":
        with _connection(bind) as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _key(name)}).scalar_one():
                raise busy
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _key(name)})
        return
    with _lock_file(bind, name).open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def _connection(bind: Engine | Connection) -> Iterator[Connection]:
    if isinstance(bind, Connection):  # tests: the lock lives on their connection
        yield bind
        return
    with bind.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


def _lock_file(bind: Engine | Connection, name: str) -> Path:
    database = bind.engine.url.database if isinstance(bind, Connection) else bind.url.database
    folder = Path(database).resolve().parent if database and database != ":memory:" else Path("/tmp")
    folder = folder / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / (hashlib.sha256(name.encode()).hexdigest()[:32] + ".lock")
