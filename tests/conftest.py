"""Shared fixtures: a real database (SQLite by default, PostgreSQL when ZHILIANG_TEST_DATABASE_URL is set),
migrated once per session; each test runs in a transaction that is rolled back (warehouse's pattern)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from support import fresh_database_url

from zhiliang.app import create_app
from zhiliang.kernel.clock import FixedClock
from zhiliang.kernel.config import Settings
from zhiliang.kernel.db import Database, make_engine
from zhiliang.kernel.migrate import upgrade
from zhiliang.kernel.runtime import Runtime


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, drop = fresh_database_url(tmp_path_factory.mktemp("db"))
    yield url
    drop()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Database]:
    """A Database bound to one connection inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        outer = connection.begin()
        yield Database(connection)
        outer.rollback()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # The tests' database is one rolled-back connection: the ledger is sequenced by the tests that need it,
    # never by a thread behind their back.
    return Settings(data_dir=tmp_path / "var", database_url=database_url,
                    import_batch_size=100, ledger_in_process=False, _env_file=None)


@pytest.fixture
def rt(settings: Settings, db: Database, clock: FixedClock) -> Runtime:
    return Runtime.build(settings, db, clock)


@pytest.fixture
def client(settings: Settings, db: Database, clock: FixedClock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db=db, clock=clock)) as test_client:
        yield test_client


@pytest.fixture
def dialect(engine: Engine) -> str:
    return engine.dialect.name
