from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from support import PASSWORD, fresh_database_url

from zhiliang import accounts
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.db import make_engine
from zhiliang.kernel.migrate import upgrade
from zhiliang.registry import uscc
from zhiliang.registry.domain import EnterpriseRecord
from zhiliang.registry.service import upsert_enterprises


@pytest.fixture
def make_user(rt) -> Callable[..., str]:
    counter = iter(range(1, 1000))

    def make(role: str, **binding: object) -> str:
        name = f"{role}{next(counter)}"
        accounts.create_user(rt, username=name, display_name=name, role=role, password=PASSWORD, **binding)
        return name

    return make


@pytest.fixture
def enterprises(rt) -> dict[str, int]:
    """A few entities in two districts; returns name → id."""
    rng = random.Random(11)
    rows = [("沙坪坝区恒达食品有限公司", "500106"), ("渝中区鑫源食品加工厂", "500103"),
            ("<script>alert('x')</script>科技有限公司", "500106")]
    records = [EnterpriseRecord(uscc=uscc.random_uscc(rng, d), uscc_warning=None, name=n, entity_type="enterprise",
                                legal_rep="张三", address="重庆市", division_code=d, industry_code="1391",
                                registration_authority=None, established_date=None, status="active",
                                registered_capital=None, former_names=()) for n, d in rows]
    with rt.db.begin() as s:
        upsert_enterprises(s, records, Actor.system(), rt.clock.now(), "test")
    from sqlalchemy import select

    from zhiliang.registry.models import Enterprise

    with rt.db.read() as s:
        return {name: id_ for id_, name in s.execute(select(Enterprise.id, Enterprise.name))}


@pytest.fixture
def committed(tmp_path: Path):
    """A migrated database that commits for real (a SQLite file or a fresh PostgreSQL schema), with the
    environment for `zhiliang` processes on it; returns (engine, env)."""
    url, drop = fresh_database_url(tmp_path)
    engine = make_engine(url)
    upgrade(engine)
    env = {**os.environ, "ZHILIANG_DATA_DIR": str(tmp_path / "var"), "ZHILIANG_DATABASE_URL": url}
    yield engine, env
    engine.dispose()
    drop()
