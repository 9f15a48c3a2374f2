"""Helpers the tests import (conftest modules cannot be imported by name when there are several)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from zhiliang.kernel.db import make_engine

PG_ENV = "ZHILIANG_TEST_DATABASE_URL"


def fresh_database_url(tmp: Path) -> tuple[str, Callable[[], None]]:
    """A new empty database: a SQLite file under ``tmp``, or a new schema in the PostgreSQL test database.

    Returns the URL and a function that drops it.
    """
    base = os.environ.get(PG_ENV)
    if not base:
        return f"sqlite:///{tmp / 'test.db'}", lambda: None
    schema = f"zl_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return f"{base}{sep}options=-csearch_path%3D{schema}", drop


PASSWORD = "correct horse 9"


def login(client: Any, username: str) -> str:
    """Log in through the form; returns the CSRF token the console pages carry."""
    response = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/console/tokens"})
    assert response.status_code == 200, response.text
    return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)


ZHILIANG = [sys.executable, "-m", "zhiliang"]


def zl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``zhiliang ARGS`` as a user would, in a separate process."""
    return subprocess.run([*ZHILIANG, *args], env=env, capture_output=True, text=True, timeout=300)


def ledger_vectors_path() -> Path:
    """The published ledger test vectors: ``ZHILIANG_VECTORS`` if set, else the copy in ``tests/vectors`` (kept in
    the repository so a clone alone runs the suite; ``test_note.py`` checks it against ``../shared/vectors``)."""
    if env := os.environ.get("ZHILIANG_VECTORS"):
        return Path(env)
    return Path(__file__).resolve().parent / "vectors" / "ledger_vectors.json"


def shared_vectors_path() -> Path:
    """Where the project's shared reference copy lives: ``../shared/vectors`` beside the repository."""
    return Path(__file__).resolve().parents[2] / "shared" / "vectors" / "ledger_vectors.json"


def district_enterprises(seed: int, count: int, *, trade: str = "电器厂", industry: str = "3851",
                         division: str = "500106") -> list:
    """``count`` active enterprises of 沙坪坝区 (valid random USCCs from ``seed``), named 沙坪坝区第{i}{trade}: the small
    towns the integration and HTTP tests build."""
    import random

    from zhiliang.registry import uscc
    from zhiliang.registry.domain import EnterpriseRecord

    rng = random.Random(seed)
    return [EnterpriseRecord(uscc=uscc.random_uscc(rng, division), uscc_warning=None, name=f"沙坪坝区第{i}{trade}",
                             entity_type="enterprise", legal_rep=None, address=None, division_code=division,
                             industry_code=industry, registration_authority=None, established_date=None,
                             status="active", registered_capital=None, former_names=()) for i in range(count)]
