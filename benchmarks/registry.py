"""Registry benchmark: bulk import against the sqlite3 shell's ``.import``, and name search at scale.

One command (from the project root)::

    .venv/bin/python benchmarks/registry.py                 # 1M-row import, search at 5M on SQLite and PostgreSQL
    .venv/bin/python benchmarks/registry.py --rows 100000 --search-rows 200000 --no-pg   # a quick look

Writes ``benchmarks/results/registry.json`` and prints a table. Baselines are measured in the same run:
the sqlite3 command-line ``.import`` of the very same CSV into a bare table (no validation, no indexes).
Our import is the real one (``zhiliang import enterprises``) run as a separate process, so its wall time and
peak RSS (from ``wait4``) are what a user sees: full validation, upsert by USCC, search index, audit entries
and domain events included.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import func, select, text  # noqa: E402

from zhiliang.demo.generate import write_enterprise_csv  # noqa: E402
from zhiliang.kernel.db import Database, make_engine  # noqa: E402
from zhiliang.registry import queries  # noqa: E402
from zhiliang.registry.models import Enterprise  # noqa: E402

COMMON = ["食品", "有限", "科技", "公司", "机械", "餐饮", "建材", "电子"]


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, peak RSS in MB) of that process tree's main process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[:4]} failed: {proc.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def sqlite3_import(csv_path: Path, work: Path) -> float:
    db = work / "bare.db"
    db.unlink(missing_ok=True)
    wall, _ = run_measured(["sqlite3", str(db), "-cmd", ".mode csv", f".import {csv_path} t"])
    with sqlite3.connect(db) as conn:
        count = conn.execute("SELECT count(*) FROM t").fetchone()[0]
    assert count == count_rows(csv_path), "sqlite3 .import lost rows"
    return wall


def count_rows(csv_path: Path) -> int:
    with csv_path.open("rb") as fh:
        return sum(1 for _ in fh) - 1


def zhiliang_import(csv_path: Path, url: str, work: Path) -> tuple[float, float]:
    env = {**os.environ, "ZHILIANG_DATABASE_URL": url, "ZHILIANG_DATA_DIR": str(work / "var")}
    subprocess.run([sys.executable, "-m", "zhiliang", "db", "upgrade"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return run_measured([sys.executable, "-m", "zhiliang", "import", "enterprises", str(csv_path)], env)


def fresh(url_kind: str, work: Path, pg_url: str, tag: str) -> tuple[str, callable]:
    if url_kind == "sqlite":
        path = work / f"{tag}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}", lambda: None
    schema = f"zl_bench_{tag}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    return f"{pg_url}?options=-csearch_path%3D{schema}", drop


def search_queries(db: Database, n: int, seed: int) -> dict[int, list[str]]:
    """Per length 2, 3, 4: substrings of names drawn at random from the database, plus common words."""
    rng = random.Random(seed)
    with db.read() as session:
        top = session.scalar(select(Enterprise.id).order_by(Enterprise.id.desc()).limit(1))
        names = [session.scalar(select(Enterprise.name).where(Enterprise.id >= rng.randint(1, top)).limit(1))
                 for _ in range(n)]
    out: dict[int, list[str]] = {2: list(COMMON), 3: [], 4: []}
    for length in (2, 3, 4):
        for name in names:
            start = rng.randrange(0, max(1, len(name) - length))
            out[length].append(name[start : start + length])
    return out


def time_search(db: Database, qs: dict[int, list[str]]) -> dict[str, dict[str, float]]:
    result = {}
    with db.read() as session:
        for q in qs[2][:3]:  # warm the caches the way a running server has them
            queries.enterprises(session, queries.EnterpriseFilter(q=q))
        for length, items in qs.items():
            times = []
            for q in items:
                start = time.perf_counter()
                queries.enterprises(session, queries.EnterpriseFilter(q=q), limit=20)
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            result[str(length)] = {"queries": len(times), "p50_ms": round(statistics.median(times), 2),
                                   "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
                                   "max_ms": round(times[-1], 2)}
    return result


COLUMNS = ("id", "uscc", "uscc_warning", "name", "name_key", "name_initials", "entity_type", "legal_rep", "address",
           "division_code", "industry_code", "registration_authority", "established_date", "status",
           "registered_capital", "created_at", "updated_at")


def load_pg_from_sqlite(sqlite_path: Path, pg_url: str, schema: str = "zl_bench_search") -> tuple[str, dict]:
    """Copy the enterprises the importer loaded into SQLite over to PostgreSQL (COPY), then build the
    PostgreSQL search postings with ``registry.search.rebuild``: the same rows and index the importer makes,
    without spending an hour on audit entries and events the search does not read."""
    from zhiliang.kernel.migrate import upgrade
    from zhiliang.registry import search

    admin = make_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{pg_url}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    source = sqlite3.connect(sqlite_path)
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor().copy(f"COPY enterprise ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in source.execute(f"SELECT {', '.join(COLUMNS)} FROM enterprise ORDER BY id"):
                copy.write_row(row)
        conn.execute(text("SELECT setval(pg_get_serial_sequence('enterprise', 'id'), max(id)) FROM enterprise"))
    copied = time.perf_counter() - started
    with engine.begin() as conn:
        count = search.rebuild(conn)
    indexed = time.perf_counter() - started - copied
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return url, {"load": "rows copied from the SQLite run, postings by registry.search.rebuild",
                 "copy_seconds": round(copied, 1), "reindex_seconds": round(indexed, 1), "rows": count}


def measure(url: str, n_queries: int) -> dict[str, object]:
    """Search timings on a loaded database, with the load's own figures read back from its import job."""
    db = Database(make_engine(url))
    with db.read() as session:
        job = session.execute(text("SELECT rows_done, started_at, finished_at FROM import_job "
                                   "WHERE status = 'done' ORDER BY id DESC LIMIT 1")).first()
        count = session.scalar(select(func.count()).select_from(Enterprise))
    result: dict[str, object] = {"enterprises": count}
    if job is not None:
        started, finished = (v if not isinstance(v, str) else datetime.fromisoformat(v) for v in job[1:])
        result["load_rows_per_s"] = round(job[0] / (finished - started).total_seconds())
    result["by_query_length"] = time_search(db, search_queries(db, n_queries, seed=3))
    db.bind.dispose()
    return result


def write_search(report: dict[str, object], search: dict[str, object], out: Path) -> None:
    report["search"] = {**report.get("search", {}), **search}
    report["search_p95_ms"] = max(v["p95_ms"] for s in report["search"].values()
                                  for v in s["by_query_length"].values())
    report["search_target"] = "p95 under 50 ms for the first page at 5,000,000 enterprises"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--search-rows", type=int, default=5_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--pg-url", default=os.environ.get("ZHILIANG_BENCH_PG_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--measure", nargs="*", metavar="KIND=URL", default=None,
                        help="only time search on databases already loaded by an earlier run (sqlite=URL "
                             "postgresql=URL), and update those figures in the result file")
    parser.add_argument("--pg-from-sqlite", action="store_true",
                        help="load PostgreSQL from the SQLite search database of an earlier run, then time search")
    parser.add_argument("--import-only", action="store_true",
                        help="measure the import again and update those figures in an existing result file")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "registry.json")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.measure is not None:
        report = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
        search = {}
        for item in args.measure:
            kind, url = item.split("=", 1)
            search[kind] = measure(url, args.queries)
            print(kind, json.dumps(search[kind], ensure_ascii=False), flush=True)
        write_search(report, search, args.out)
        return
    if args.pg_from_sqlite:
        report = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
        url, load = load_pg_from_sqlite(args.work / "search.db", args.pg_url)
        result = {**measure(url, args.queries), **load}
        print("postgresql", json.dumps(result, ensure_ascii=False), flush=True)
        write_search(report, {"postgresql": result}, args.out)
        return

    csv_path = args.work / f"enterprises_{args.rows}.csv"
    if not csv_path.exists():
        write_enterprise_csv(csv_path, args.rows, seed=1)
    base_s = sqlite3_import(csv_path, args.work)
    url, _ = fresh("sqlite", args.work, args.pg_url, "import")
    ours_s, peak = zhiliang_import(csv_path, url, args.work)
    report: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version},
        "import_rows": args.rows, "import_seconds": round(ours_s, 2),
        "import_rows_per_s": round(args.rows / ours_s), "sqlite3_import_seconds": round(base_s, 2),
        "sqlite3_import_rows_per_s": round(args.rows / base_s),
        "import_vs_sqlite3_import": round(base_s / ours_s, 4), "import_peak_mb": round(peak, 1),
        "import_target": "at least 0.5x the sqlite3 .import rate; peak memory under 500 MB",
    }
    print(json.dumps(report, ensure_ascii=False, indent=2), flush=True)
    if args.import_only:
        previous = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
        args.out.write_text(json.dumps({**previous, **report}, ensure_ascii=False, indent=2) + "\n", "utf-8")
        return

    big = args.work / f"enterprises_{args.search_rows}.csv"
    if not big.exists():
        write_enterprise_csv(big, args.search_rows, seed=2)
    search: dict[str, object] = {}
    for kind in ("sqlite",) + (() if args.no_pg else ("postgresql",)):
        url, drop = fresh(kind, args.work, args.pg_url, "search")
        zhiliang_import(big, url, args.work)
        search[kind] = measure(url, args.queries)
        print(kind, json.dumps(search[kind], ensure_ascii=False), flush=True)
        drop()
    write_search(report, search, args.out)
    shutil.rmtree(args.work / "var", ignore_errors=True)


if __name__ == "__main__":
    main()
