"""Commit-to-inclusion delay of the ledger: how long after an event commits it is in a signed checkpoint.

Issue 3 point 3: "default delay from commit to inclusion under one second, whether run inside ``zhiliang serve``
or as ``zhiliang ledger run``". For each database (SQLite file, PostgreSQL schema) and each way of running the
sequencer (the thread inside ``zhiliang serve``, the ``zhiliang ledger run`` process), with default settings, this
commits single events at random moments and polls (every 2 ms) until a checkpoint covers each one. The baseline
measured in the same run is the polling loop's own resolution: the delay until the committed event row itself is
visible to the poller. Writes ``benchmarks/results/ledger_latency.json``.

    python benchmarks/ledger_latency.py [--events 200] [--no-pg]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from zhiliang.kernel import events  # noqa: E402
from zhiliang.kernel.db import Database, make_engine  # noqa: E402
from zhiliang.kernel.migrate import upgrade  # noqa: E402
from zhiliang.ledger.entries import entry_for_event  # noqa: E402

ZHILIANG = [sys.executable, "-m", "zhiliang"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(mode: str, env: dict[str, str]) -> subprocess.Popen:
    if mode == "serve":
        args = [*ZHILIANG, "serve", "--port", str(free_port())]
    else:
        args = [*ZHILIANG, "ledger", "run"]
        env = {**env, "ZHILIANG_LEDGER_IN_PROCESS": "false"}
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def covered(conn, seq: int) -> bool:
    entry = entry_for_event(conn, seq)
    if entry is None:
        return False
    return bool(conn.execute(text("SELECT 1 FROM ledger_checkpoint WHERE size > :i LIMIT 1"),
                             {"i": entry.idx}).first())


def measure(url: str, mode: str, n: int, data_dir: Path) -> dict:
    engine = make_engine(url)
    upgrade(engine)
    env = {**os.environ, "ZHILIANG_DATABASE_URL": url, "ZHILIANG_DATA_DIR": str(data_dir)}
    process = start(mode, env)
    db, rng, delays, visible = Database(engine), random.Random(5), [], []
    try:
        time.sleep(3)  # start-up (imports, migrations, first lock)
        for i in range(n):
            with db.begin() as s:
                event = events.emit(s, "bench.Latency", f"bench:{i}", {"i": i}, at=datetime.now(UTC))
                s.flush()
                seq = event.seq
            committed = time.perf_counter()
            with engine.connect() as conn:
                while not conn.execute(text("SELECT 1 FROM event WHERE seq = :s"), {"s": seq}).first():
                    time.sleep(0.002)
                visible.append(time.perf_counter() - committed)
                while not covered(conn, seq):
                    conn.rollback()
                    time.sleep(0.002)
            delays.append(time.perf_counter() - committed)
            time.sleep(rng.uniform(0, 0.3))
    finally:
        process.terminate()
        process.wait(timeout=20)
        engine.dispose()

    def stats(xs: list[float]) -> dict:
        xs = sorted(xs)
        return {"p50_ms": round(statistics.median(xs) * 1000, 1),
                "p95_ms": round(xs[int(0.95 * (len(xs) - 1))] * 1000, 1), "max_ms": round(xs[-1] * 1000, 1)}

    return {"events": n, "commit_to_checkpoint": stats(delays), "baseline_commit_to_visible_row": stats(visible)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ledger_latency.json")
    args = parser.parse_args()
    results: dict[str, dict] = {}
    for mode in ("serve", "ledger run"):
        with tempfile.TemporaryDirectory() as tmp:
            results[f"sqlite, {mode}"] = measure(f"sqlite:///{tmp}/bench.db", mode, args.events, Path(tmp))
            print(f"sqlite, {mode}", results[f"sqlite, {mode}"], flush=True)
        if not args.no_pg:
            schema = f"zl_bench_latency_{uuid.uuid4().hex[:8]}"
            admin = make_engine(args.pg_url)
            with admin.begin() as c:
                c.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    url = f"{args.pg_url}?options=-csearch_path%3D{schema}"
                    results[f"postgresql, {mode}"] = measure(url, mode, args.events, Path(tmp))
                    print(f"postgresql, {mode}", results[f"postgresql, {mode}"], flush=True)
            finally:
                with admin.begin() as c:
                    c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    worst = max(r["commit_to_checkpoint"]["max_ms"] for r in results.values())
    report = {"commit_to_checkpoint_max_ms": worst, "target": "under 1,000 ms with default settings",
              "target_met": worst < 1000, "default_interval_ms": 200, "detail": results,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
              "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "detail"}, indent=2))


if __name__ == "__main__":
    main()
