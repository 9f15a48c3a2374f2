"""Registry benchmark: bulk import against the sqlite3 shell's ``.import``, and name search at scale.

One command (from the project root)::

    .venv/bin/python benchmarks/registry.py                 # 1M-row import, search at 5M on SQLite and PostgreSQL
    .venv/bin/python benchmarks/registry.py --rows 100000 --search-rows 200000 --no-pg   # a quick look

Writes ``benchmarks/results/registry.json`` and prints a table. Baselines are measured in the same run:
the sqlite3 command-line ``.import`` of the very same CSV into a bare table (no validation, no indexes), and the
storage floor: the rows the importer is required to write (enterprise, search index, audit entry, event), derived
without validation and written with plain sqlite3 ``executemany`` into the same schema, so the result says how
much of the gap to ``.import`` is the platform's own writes and how much is the importer.
Our import is the real one (``zhiliang import enterprises``) run as a separate process, so its wall time and
peak RSS (from ``wait4``) are what a user sees: full validation, upsert by USCC, search index, audit entries
and domain events included.
"""

from __future__ import annotations

import argparse
import csv
import itertools
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


FLOOR_FIELDS = ("uscc", "uscc_warning", "name", "entity_type", "legal_rep", "address", "division_code",
                "industry_code", "registration_authority", "established_date", "status", "registered_capital")
PRIVATE = ("legal_rep", "address")


def _floor_batch(batch: list[list[str]], first_id: int, at: str, job_id: int) -> dict[str, list[tuple]]:
    """The rows the importer writes for ``batch``, derived with no validation: the enterprise row, its FTS5
    row, one audit entry and one event, shaped as the importer stores them (JSON text, ISO timestamps)."""
    from zhiliang.registry import names
    from zhiliang.registry.domain import STATUS_WORDS

    out: dict[str, list[tuple]] = {table: [] for table in FLOOR_SQL}
    for n, (code, name, rep, address, industry, authority, est, status, capital) in enumerate(batch):
        ident = first_id + n
        key, initials = names.normalize(name), names.initials(name)
        values = dict(zip(FLOOR_FIELDS, (code, None, name, "enterprise", rep or None, address or None, code[2:8],
                                         industry or None, authority or None, est or None,
                                         STATUS_WORDS.get(status, status), capital or None), strict=True))
        out["enterprise"].append((ident, *values.values(), key, initials, at, at))
        out["enterprise_fts"].append((ident, " ".join(names.bigrams(key)), " ".join(names.bigrams(initials))))
        out["audit_entry"].append((at, "cli", "registry:enterprise:create", "enterprise", str(ident),
                                   json.dumps(values)))
        payload = {k: v for k, v in values.items() if k not in PRIVATE} | {"source": f"import:{job_id}"}
        out["event"].append(("registry.EnterpriseRegistered", f"enterprise:{ident}", at, "cli",
                             json.dumps(payload), json.dumps({k: values[k] for k in PRIVATE})))
    return out


FLOOR_SQL = {
    "enterprise": f"INSERT INTO enterprise (id, {', '.join(FLOOR_FIELDS)}, name_key, name_initials, created_at, "
                  f"updated_at) VALUES ({', '.join('?' * (len(FLOOR_FIELDS) + 5))})",
    "enterprise_fts": "INSERT INTO enterprise_fts (rowid, grams, initials) VALUES (?, ?, ?)",
    "audit_entry": "INSERT INTO audit_entry (at, actor_id, actor_label, tag, entity_type, entity_id, before, after) "
             "VALUES (?, NULL, ?, ?, ?, ?, 'null', ?)",
    "event": "INSERT INTO event (type, entity, occurred_at, actor, payload, private) VALUES (?, ?, ?, ?, ?, ?)",
}


def storage_floor(csv_path: Path, work: Path, batch_size: int = 5000) -> dict[str, object]:
    """Time to write the importer's required rows with plain sqlite3, in total and per table.

    Same schema (the migrated database), same pragmas as the platform's engine (WAL, synchronous=NORMAL,
    64 MB cache, foreign keys), same batches, each in one ``BEGIN IMMEDIATE`` transaction with the job's
    progress row. No validation, no upsert look-up, no SQLAlchemy. Only ``executemany`` and ``COMMIT`` are
    timed as the floor; deriving the rows (search keys, pinyin initials, JSON) is timed apart and reported
    for information. This is the fastest the platform's own writes can go on this machine.
    """
    from zhiliang.kernel.migrate import upgrade

    path = work / "floor.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536"):
        conn.execute(f"PRAGMA {pragma}")
    at = datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")
    job = conn.execute("INSERT INTO import_job (kind, file_name, file_sha256, file_size, encoding, actor_label, "
                       "status, rows_total, rows_done, created, updated, unchanged, rejected, warnings, "
                       "started_at) VALUES ('enterprises', 'floor', '', 0, 'utf-8', 'cli', 'running', 0, 0, 0, "
                       "0, 0, 0, 0, ?)", (at,)).lastrowid
    spent = dict.fromkeys([*FLOOR_SQL, "job progress and commit"], 0.0)
    derive = 0.0
    done = 0
    with csv_path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        while batch := list(itertools.islice(reader, batch_size)):
            started = time.perf_counter()
            rows = _floor_batch(batch, done + 1, at, job)
            derived = time.perf_counter()
            derive += derived - started
            conn.execute("BEGIN IMMEDIATE")
            for table, sql in FLOOR_SQL.items():
                conn.executemany(sql, rows[table])
                spent[table] += time.perf_counter() - derived
                derived = time.perf_counter()
            conn.execute("UPDATE import_job SET rows_done = rows_done + ?, created = created + ? WHERE id = ?",
                         (len(batch), len(batch), job))
            conn.execute("COMMIT")
            spent["job progress and commit"] += time.perf_counter() - derived
            done += len(batch)
    assert conn.execute("SELECT count(*) FROM enterprise").fetchone()[0] == done == count_rows(csv_path)
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return {"seconds": sum(spent.values()), "derive_seconds": derive,
            "by_table": {k: round(v, 2) for k, v in spent.items()}}


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
    report["search_target_met"] = report["search_p95_ms"] < 50
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
    floor = storage_floor(csv_path, args.work)
    url, _ = fresh("sqlite", args.work, args.pg_url, "import")
    ours_s, peak = zhiliang_import(csv_path, url, args.work)
    ratio = base_s / ours_s
    report: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version},
        "import_rows": args.rows, "import_seconds": round(ours_s, 2),
        "import_rows_per_s": round(args.rows / ours_s), "sqlite3_import_seconds": round(base_s, 2),
        "sqlite3_import_rows_per_s": round(args.rows / base_s),
        "import_vs_sqlite3_import": round(ratio, 4), "import_peak_mb": round(peak, 1),
        "import_target": "at least 0.5x the sqlite3 .import rate; peak memory under 500 MB",
        "import_target_met": ratio >= 0.5, "import_memory_target_met": peak < 500,
        "storage_floor_seconds": round(floor["seconds"], 2),
        "storage_floor_rows_per_s": round(args.rows / floor["seconds"]),
        "storage_floor_vs_sqlite3_import": round(base_s / floor["seconds"], 4),
        "import_vs_storage_floor": round(floor["seconds"] / ours_s, 4),
        "storage_floor_seconds_by_table": floor["by_table"],
        "storage_floor_derive_seconds": round(floor["derive_seconds"], 2),
        "storage_floor": "the rows the importer must write (enterprise, its FTS5 row, one audit entry, one event; "
                         "job progress per batch), derived from the same CSV without validation and written with "
                         "sqlite3 executemany in the importer's 5,000-row transactions, same schema and pragmas; "
                         "only executemany and COMMIT are timed (derive_seconds: search keys, initials, JSON)",
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
