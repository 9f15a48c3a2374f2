"""Concurrent writers on the embedded SQLite: transactions queue for the write lock instead of failing."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from support import fresh_database_url

from zhiliang.kernel import audit
from zhiliang.kernel.clock import FixedClock
from zhiliang.kernel.db import Database, make_engine
from zhiliang.kernel.migrate import upgrade


def test_read_then_write_transactions_in_many_threads(tmp_path):
    url, drop = fresh_database_url(tmp_path)
    engine = make_engine(url)
    upgrade(engine)
    db, at, errors = Database(engine), FixedClock().now(), []

    def work(n: int) -> None:
        try:
            for i in range(10):
                with db.begin() as session:
                    seen = session.scalar(select(func.count()).select_from(audit.AuditEntry))
                    audit.record(session, at=at, actor_id=None, actor_label=f"t{n}", tag="test:row:create",
                                 entity_type="row", entity_id=f"{n}-{i}", after={"seen": seen})
        except Exception as exc:  # collected and asserted below: a failure in a thread must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(audit.AuditEntry)) == 80
    finally:
        engine.dispose()
        drop()


pytestmark = pytest.mark.filterwarnings("error")
