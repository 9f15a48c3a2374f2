"""The ``zhiliang`` command as a user runs it: a real process, a real database file (or PostgreSQL schema)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support import fresh_database_url

from zhiliang.kernel.db import make_engine
from zhiliang.registry.models import Enterprise, ImportJob

ZHILIANG = [sys.executable, "-m", "zhiliang"]


@pytest.fixture
def env(tmp_path: Path):
    url, drop = fresh_database_url(tmp_path)
    environ = {**os.environ, "ZHILIANG_DATA_DIR": str(tmp_path / "var"), "ZHILIANG_DATABASE_URL": url,
               "ZHILIANG_IMPORT_BATCH_SIZE": "500"}
    yield environ
    make_engine(url).dispose()
    drop()


def run(env, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ZHILIANG, *args], env=env, input=input, capture_output=True, text=True, timeout=300)


def count(env, model) -> int:
    engine = make_engine(env["ZHILIANG_DATABASE_URL"])
    with engine.connect() as c:
        n = c.execute(select(func.count()).select_from(model)).scalar()
    engine.dispose()
    return n


def big_csv(path: Path, n: int) -> Path:
    from zhiliang.demo.generate import write_enterprise_csv

    write_enterprise_csv(path, n, seed=5)
    return path


def test_user_create_and_token(env):
    made = run(env, "user", "create", "ops", "--role", "admin", "--password", "long-enough-1")
    assert made.returncode == 0, made.stderr
    token = run(env, "user", "token", "ops")
    assert token.returncode == 0 and token.stdout.strip().startswith("zl_")
    bad = run(env, "user", "create", "r1", "--role", "regulator", "--password", "long-enough-1")
    assert bad.returncode == 1 and "辖区" in bad.stderr and "jurisdiction" in bad.stderr
    unknown = run(env, "user", "create", "e1", "--role", "enterprise", "--tenant", "424242",
                  "--password", "long-enough-1")
    assert unknown.returncode == 1 and "424242" in unknown.stderr


def test_import_reports_errors_and_is_idempotent(env, tmp_path):
    path = tmp_path / "e.csv"
    from zhiliang.demo.generate import write_enterprise_csv

    write_enterprise_csv(path, 1200, seed=9, bad_every=100)
    report = tmp_path / "errors.xlsx"
    first = run(env, "import", "enterprises", str(path), "--errors", str(report))
    assert first.returncode == 0, first.stderr
    assert "created 1188" in first.stdout and "rejected 12" in first.stdout
    assert report.exists()
    again = run(env, "import", "enterprises", str(path))
    assert "created 0, updated 0, unchanged 1188" in again.stdout


def test_wrong_encoding_is_refused_with_a_clear_message(env, tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_text("统一社会信用代码,企业名称,登记状态\n", encoding="utf-16")
    result = run(env, "import", "enterprises", str(path))
    assert result.returncode == 1 and "UTF-16" in result.stderr and "编码" in result.stderr
    assert count(env, Enterprise) == 0


def test_kill_9_mid_import_loses_nothing_and_a_rerun_finishes(env, tmp_path):
    path = big_csv(tmp_path / "big.csv", 20_000)
    run(env, "db", "upgrade")
    proc = subprocess.Popen([*ZHILIANG, "import", "enterprises", str(path)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and count(env, Enterprise) < 2000:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = count(env, Enterprise)
    assert 0 < partial < 20_000 and partial % 500 == 0  # whole batches only
    resumed = run(env, "import", "enterprises", str(path))
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed after row" in resumed.stderr
    assert count(env, Enterprise) == 20_000
    engine = make_engine(env["ZHILIANG_DATABASE_URL"])
    with engine.connect() as c:
        jobs = c.execute(select(ImportJob.status, ImportJob.created, ImportJob.rows_done)).all()
    engine.dispose()
    assert jobs == [("done", 20_000, 20_000)]


def test_export(env, tmp_path):
    run(env, "import", "enterprises", str(big_csv(tmp_path / "e.csv", 50)))
    out = tmp_path / "out.csv"
    result = run(env, "export", "enterprises", str(out))
    assert result.returncode == 0 and len(out.read_text(encoding="utf-8-sig").splitlines()) == 51


def test_demo_serve_runs_the_city_on_a_fresh_data_dir(env, tmp_path):
    """The README's first command, minus pip: migrations applied, city built, pages served."""
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([*ZHILIANG, "demo", "--scale", "0.02", "--serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, body = time.monotonic() + 120, ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    body = response.read().decode()
                break
            except OSError:
                time.sleep(0.3)
        assert "企业查询" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/stats", timeout=5) as response:
            assert b'"enterprises":400' in response.read()
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert "demo-admin-2026" in output


def test_revoked_tokens_stop_working(env, tmp_path):
    run(env, "user", "create", "ops2", "--role", "admin", "--password", "long-enough-1")
    token = run(env, "user", "token", "ops2").stdout.strip()
    revoked = run(env, "user", "revoke-token", "ops2", token[:10])
    assert revoked.returncode == 0 and "revoked 1" in revoked.stdout
    from zhiliang.kernel import auth
    from zhiliang.kernel.clock import FixedClock
    from zhiliang.kernel.db import Database

    engine = make_engine(env["ZHILIANG_DATABASE_URL"])
    with Database(engine).begin() as s:
        assert auth.user_for_token(s, token, FixedClock().now()) is None
    engine.dispose()
