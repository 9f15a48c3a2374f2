"""Credit benchmark: full reclassification of 5,000,000 enterprises with 20,000,000 credit records, on SQLite and
PostgreSQL, against the same aggregation as one hand-written SQL query (issue 6, point 7).

One command (from the project root)::

    .venv/bin/python benchmarks/credit.py                                   # 5M enterprises, 20M records, both DBs
    .venv/bin/python benchmarks/credit.py --enterprises 200000 --records 800000 --no-pg     # a quick look

Writes ``benchmarks/results/credit.json`` and prints a table. The database is built quickly, straight into the
migrated tables (``executemany`` / ``COPY``; not a measurement): enterprises as in ``inspections.py`` (all class B),
and records drawn over the model's indicators (penalties 35 %, 从重 on a fifth of them; inspection and sampling
findings; certificate events; abnormal-operation listings, a third of them ended), dated over the last six years.

Measured, each in a child process of its own so that its wall time and peak RSS (``VmHWM``) are its own:

- ``reclassify``: the real ``credit.scoring.reclassify`` in one transaction, committed: read every enterprise's
  class and every record as columns, score with NumPy, write the classes that changed and one
  ``credit.ClassChanged`` event each. The first run on fresh data changes most classes (from the default B).
- ``reclassify_again``: the same a second time: nothing changes (the steady state of a nightly run).
- ``floor``: the same scores as one hand-written SQL query (``GROUP BY enterprise_id`` over ``power(0.5,
  age/half-life)`` per indicator), fetched, classes by ``CASE``; nothing written. Its classes must equal what
  ``reclassify`` stored.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import inspections as ib  # noqa: E402 - its database builders and helpers
import numpy as np  # noqa: E402

TODAY = date(2026, 11, 22)
AT = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
MIX = {"admin_penalty": 0.35, "inspection_problem": 0.15, "inspection_failed": 0.12, "sampling_failed": 0.1,
       "certificate_suspended": 0.08, "certificate_withdrawn": 0.05, "complaint_substantiated": 0.1,
       "abnormal_operation": 0.05}
RECORD_COLUMNS = ("enterprise_id", "indicator", "occurred_on", "ended_on", "heavier", "decision_no", "serious",
                  "special_field", "summary", "source", "status", "created_by", "created_at")


def record_batches(n_records: int, n_enterprises: int, seed: int, batch: int = 1_000_000):
    rng = np.random.default_rng(seed + 7)
    codes = list(MIX)
    weights = np.array(list(MIX.values()))
    for start in range(0, n_records, batch):
        k = min(batch, n_records - start)
        ent = rng.integers(1, n_enterprises + 1, k)
        ind = rng.choice(len(codes), size=k, p=weights / weights.sum())
        age = rng.integers(0, 6 * 365, k)
        heavier = (ind == 0) & (rng.random(k) < 0.2)
        ended = (ind == codes.index("abnormal_operation")) & (rng.random(k) < 1 / 3)
        occurred = [(TODAY.toordinal() - int(a)) for a in age]
        yield [(int(e), codes[i], date.fromordinal(o).isoformat(),
                date.fromordinal(min(o + 90, TODAY.toordinal())).isoformat() if x else None, bool(h),
                f"渝市监罚〔{date.fromordinal(o).year}〕{start + n}号" if i == 0 else None, False, False, "", "bench",
                "active", "bench", "2026-11-22 01:00:00")
               for n, (e, i, o, h, x) in enumerate(zip(ent.tolist(), ind.tolist(), occurred, heavier.tolist(),
                                                        ended.tolist(), strict=True))]


def build(kind: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import text

    from zhiliang.kernel.db import make_engine
    from zhiliang.kernel.migrate import upgrade

    started = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    ids, classes, districts = ib.pool_arrays(args.enterprises, args.seed)
    classes[:] = 1  # everyone starts as B, the platform's default
    cols = ", ".join(RECORD_COLUMNS)
    if kind == "sqlite":
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-262144"):
            conn.execute(f"PRAGMA {pragma}")
        sql = f"INSERT INTO enterprise ({', '.join(ib.ENTERPRISE_COLUMNS)}) VALUES ({', '.join('?' * 13)})"
        for rows in ib.enterprise_batches(ids, classes, districts, "2026-03-01 01:00:00.000000"):
            conn.execute("BEGIN")
            conn.executemany(sql, rows)
            conn.execute("COMMIT")
        for rows in record_batches(args.records, args.enterprises, args.seed):
            conn.execute("BEGIN")
            conn.executemany(f"INSERT INTO credit_record ({cols}) VALUES ({', '.join('?' * len(RECORD_COLUMNS))})",
                             rows)
            conn.execute("COMMIT")
        conn.close()
    else:
        with engine.begin() as sa_conn:
            raw = sa_conn.connection.driver_connection
            with raw.cursor() as cur:
                with cur.copy(f"COPY enterprise ({', '.join(ib.ENTERPRISE_COLUMNS)}) FROM STDIN") as copy:
                    for rows in ib.enterprise_batches(ids, classes, districts, "2026-03-01 01:00:00+00"):
                        for row in rows:
                            copy.write_row(row)
                with cur.copy(f"COPY credit_record ({cols}) FROM STDIN") as copy:
                    for rows in record_batches(args.records, args.enterprises, args.seed):
                        for row in rows:
                            copy.write_row(row[:-1] + ("2026-11-22 01:00:00+00",))
            sa_conn.execute(text("SELECT setval(pg_get_serial_sequence('enterprise', 'id'), max(id)) FROM enterprise"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return {"enterprises": args.enterprises, "records": args.records,
            "build_s": round(time.perf_counter() - started, 1)}


# ---------------------------------------------------------------------------------------------------- children


def child_reclassify(cfg: dict[str, Any]) -> dict[str, Any]:
    from zhiliang.credit import scoring, service
    from zhiliang.kernel.config import Settings
    from zhiliang.kernel.db import Database, make_engine

    db = Database(make_engine(cfg["url"]))
    the_model = service.model(Settings())
    started = time.perf_counter()
    with db.begin() as session:
        result = scoring.reclassify(session, the_model, TODAY, AT)
        called = time.perf_counter()
    return {"seconds": time.perf_counter() - started, "commit_s": time.perf_counter() - called,
            "changed": result.changed, "records": result.records, "enterprises": result.enterprises,
            "distribution": result.distribution}


def child_floor(cfg: dict[str, Any]) -> dict[str, Any]:
    """The hand-written query: scores and classes for every enterprise, fetched; then compared with the stored
    classes (outside the timing)."""
    from zhiliang.credit import service
    from zhiliang.kernel.config import Settings

    m = service.model(Settings())
    kind = cfg["kind"]
    age = ("(DATE '2026-11-22' - occurred_on)" if kind == "postgresql"
           else "(julianday('2026-11-22') - julianday(occurred_on))")
    ended = "(ended_on IS NOT NULL AND ended_on <= '2026-11-22')"
    heavier = "heavier" if kind == "postgresql" else "heavier = 1"
    cases = []
    for code, i in m.indicators.items():
        points = f"({i.points} + CASE WHEN {heavier} THEN {i.heavier_points} ELSE 0 END)"
        if i.while_active:
            value = f"CASE WHEN {ended} THEN 0 ELSE {points} END"
        else:
            decay = f"power(0.5, {age} / {float(i.half_life_days)})" if i.half_life_days else "1"
            value = f"CASE WHEN {age} BETWEEN 0 AND {m.window_days} THEN {points} * {decay} ELSE 0 END"
        cases.append(f"WHEN '{code}' THEN {value}")
    score = f"COALESCE(r.s, {m.baseline})"
    klass = " ".join(f"WHEN {score} < {b} THEN '{c.code}'" for b, c in zip(m.bounds(), m.classes, strict=False))
    sql = (f"SELECT e.id, CASE {klass} ELSE '{m.classes[-1].code}' END FROM enterprise e LEFT JOIN ("
           f"SELECT enterprise_id, {m.baseline} + SUM(CASE indicator {' '.join(cases)} ELSE 0 END) AS s "
           f"FROM credit_record WHERE status <> 'revoked' GROUP BY enterprise_id) r ON r.enterprise_id = e.id "
           f"ORDER BY e.id")
    if kind == "sqlite":
        conn = sqlite3.connect(cfg["url"].removeprefix("sqlite:///"))
    else:
        import psycopg

        conn = psycopg.connect(cfg["url"])
    started = time.perf_counter()
    cur = conn.cursor()
    cur.execute(sql)
    classes = np.array([row[1] for row in cur.fetchall()])
    seconds = time.perf_counter() - started
    stored = np.array([row[0] for row in conn.cursor().execute("SELECT risk_class FROM enterprise ORDER BY id")
                       .fetchall()])
    conn.close()
    return {"seconds": seconds, "enterprises": len(classes),
            "classes_equal_stored": bool(len(classes) == len(stored) and (classes == stored).all()),
            "mismatches": int((classes != stored).sum()) if len(classes) == len(stored) else None}


CHILDREN = {"reclassify": child_reclassify, "floor": child_floor}


def run_child(mode: str, cfg: dict[str, Any]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", mode, json.dumps(cfg)], capture_output=True,
                         text=True, timeout=3600, env={**os.environ, "PYTHONHASHSEED": "0"})
    if out.returncode != 0:
        raise RuntimeError(f"child {mode} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------------- main


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        result = CHILDREN[sys.argv[2]](json.loads(sys.argv[3]))
        result["peak_mb"] = round(ib.peak_rss_mb(), 1)
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=5_000_000)
    parser.add_argument("--records", type=int, default=20_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-url", default=os.environ.get("ZHILIANG_BENCH_PG_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "credit")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "credit.json")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    report: dict[str, Any] = {"databases": {}, "scale": {"enterprises": args.enterprises, "records": args.records,
                                                         "mix": MIX, "today": TODAY.isoformat()}}
    kinds = [k for k, skip in (("sqlite", args.no_sqlite), ("postgresql", args.no_pg)) if not skip]
    for kind in kinds:
        url, drop = ib.fresh(kind, args.work, args.pg_url, "credit")
        try:
            print(f"[{kind}] building {args.enterprises:,} enterprises, {args.records:,} records ...", flush=True)
            built = build(kind, url, args)
            print(f"[{kind}] built in {built['build_s']} s", flush=True)
            first = run_child("reclassify", {"url": url})
            print(f"[{kind}] reclassify {first['seconds']:.1f} s ({first['changed']:,} changed), "
                  f"peak {first['peak_mb']} MB", flush=True)
            again = run_child("reclassify", {"url": url})
            print(f"[{kind}] again {again['seconds']:.1f} s ({again['changed']:,} changed)", flush=True)
            floor = run_child("floor", {"url": url, "kind": kind})
            print(f"[{kind}] floor (one SQL query) {floor['seconds']:.1f} s, classes equal: "
                  f"{floor['classes_equal_stored']}", flush=True)
            report["databases"][kind] = {"build": built, "reclassify": first, "reclassify_again": again,
                                         "floor": floor}
        finally:
            drop()
    dbs = report["databases"].values()
    report["reclassify_5m_s"] = round(max(d["reclassify"]["seconds"] for d in dbs), 2)
    report["reclassify_again_s"] = round(max(d["reclassify_again"]["seconds"] for d in dbs), 2)
    report["floor_s"] = round(max(d["floor"]["seconds"] for d in dbs), 2)
    report["peak_mb"] = round(max(max(d["reclassify"]["peak_mb"], d["reclassify_again"]["peak_mb"]) for d in dbs), 1)
    report["targets"] = {"reclassify_5m_s": "< 60", "peak_mb": "< 2048"}
    report["targets_met"] = {"reclassify_5m_s": report["reclassify_5m_s"] < 60, "peak_mb": report["peak_mb"] < 2048}
    report["classes_equal_floor"] = all(d["floor"]["classes_equal_stored"] for d in dbs)
    report["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(), "sqlite": sqlite3.sqlite_version}
    report["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"headline (worst): reclassify_5m_s {report['reclassify_5m_s']} (< 60: "
          f"{report['targets_met']['reclassify_5m_s']}), floor_s {report['floor_s']}, peak_mb {report['peak_mb']} "
          f"(< 2048: {report['targets_met']['peak_mb']}); classes equal the floor's: {report['classes_equal_floor']}")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
