"""Inspections benchmark: a verifiable stratified draw of 250,000 targets from 5,000,000 enterprises, with two
inspectors assigned to each from 5,000, on SQLite and PostgreSQL (issue 5, point 8).

One command (from the project root)::

    .venv/bin/python benchmarks/inspections.py                  # 5,000,000 enterprises, 5,000 inspectors, both DBs
    .venv/bin/python benchmarks/inspections.py --enterprises 500000 --inspectors 500 --no-pg   # a quick look

Writes ``benchmarks/results/inspections.json`` and prints a table. What runs is the real code path of
``zhiliang.inspections.service`` on a migrated database: ``create_plan``, ``commit`` (pool snapshot through
``registry.queries.pool_query``, digest, commitment event), ``ledger.service.catch_up`` and ``fix_seed`` (the seed
is the first signed checkpoint covering the commitment), then ``run_draw`` (read the committed snapshot, draw,
look up divisions and the last round, assign inspectors, store the targets). Each step runs in a child process of
its own, so its wall time and peak RSS (the child's own ``VmHWM``) are those of that step alone. Phases inside
a step are timed by wrapping the service's own functions in the child (``pool_query``, ``_pool_by_class``,
``domain.draw``, ``_targets``, ``assign``) and by timing every SQL statement the engine sends.

The database is built quickly, not through the importer: enterprise rows go straight into the migrated schema with
sqlite3 ``executemany`` / PostgreSQL ``COPY`` (risk classes A 10 % / B 60 % / C 25 % / D 5 %, ten Chongqing
districts); inspectors are ``person`` rows (kind ``inspector``; district, main-city or city-wide jurisdiction;
skills), with declared ``inspector_conflict`` rows and a previous round of targets (回避: not the same inspectors
again). The single inspection item needs two skills, so a team of two must cover both.

Baselines, measured in the same run on the same data:

- ``raw_pool_read``: the pool's SQL (same filters) through the bare driver (sqlite3 / psycopg), rows fetched into a
  list; against the commit's snapshot read through ``pool_query``.
- ``floor_draw``: no database: the same pool as NumPy arrays, one ``hashlib.sha256`` per member over the rank-key
  encoding, ``argpartition`` per stratum; must select exactly what ``run_draw`` stored. ``domain.draw`` is timed
  on the same in-memory pool too, so the database's share of ``draw_s`` is visible.
- ``raw_store``: the 250,000 stored target rows written again with the bare driver (``executemany`` / ``COPY``)
  and committed; against run_draw's storing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

CLASSES = ("A", "B", "C", "D")
MIX = {"A": 0.10, "B": 0.60, "C": 0.25, "D": 0.05}
RATIOS = {"A": "0.01", "B": "0.035", "C": "0.08", "D": "0.16"}  # 5,000 + 105,000 + 100,000 + 40,000 of 5M
DISTRICTS = {  # Chongqing districts (GB/T 2260) and their share of enterprises, %
    "500112": 18, "500107": 14, "500105": 12, "500106": 11, "500108": 11,
    "500113": 9, "500103": 8, "500109": 8, "500101": 5, "500104": 4,
}
INDUSTRIES = ("C1391", "C3331", "F5211", "F5271", "H6210", "I6510", "L7212", "M7320", "E4790", "O8010")
SKILLS = {"登记": 0.7, "食品": 0.5, "特种设备": 0.2, "计量": 0.2, "广告": 0.2}
ITEM_SKILLS = ["登记", "食品"]
DEPARTMENT = "市场监管局"
ORIGIN = "bench.zhiliang.local/ledger"
STAMP = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PUBLISH_BY = date(2026, 4, 30)


def actor():
    from zhiliang.kernel.auth import Actor

    return Actor(1, "regulator", "bench-regulator", None, "500000", DEPARTMENT)


# ---------------------------------------------------------------------------------------------------- data


def pool_arrays(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Enterprise ids 1..n with class codes (index into CLASSES, exact counts of MIX) and district indexes."""
    rng = np.random.default_rng(seed)
    counts = [round(n * MIX[c]) for c in CLASSES[:-1]]
    counts.append(n - sum(counts))
    classes = np.repeat(np.arange(4, dtype=np.int8), counts)
    rng.shuffle(classes)
    weights = np.array(list(DISTRICTS.values()), float)
    districts = rng.choice(len(DISTRICTS), size=n, p=weights / weights.sum()).astype(np.int8)
    return np.arange(1, n + 1, dtype=np.int64), classes, districts


def inspector_rows(count: int, seed: int) -> list[dict[str, Any]]:
    """Inspectors: 12 % city-wide (500000), 8 % main city (500100), the rest spread evenly over the districts."""
    rng = np.random.default_rng(seed + 1)
    codes = list(DISTRICTS)
    out = []
    for k in range(count):
        u = rng.random()
        jurisdiction = "500000" if u < 0.12 else "500100" if u < 0.20 else codes[int(rng.integers(len(codes)))]
        skills = [s for s, p in SKILLS.items() if rng.random() < p]
        out.append({"id": k + 1, "jurisdiction": jurisdiction, "skills": skills, "cert": f"5000{k:08d}"})
    return out


def expected_targets(n: int) -> int:
    from zhiliang.inspections.domain import quota

    counts = [round(n * MIX[c]) for c in CLASSES[:-1]]
    counts.append(n - sum(counts))
    return sum(quota(RATIOS[c], k) for c, k in zip(CLASSES, counts, strict=True))


def enterprise_batches(ids: np.ndarray, classes: np.ndarray, districts: np.ndarray, stamp: str, batch: int = 200_000):
    """Enterprise rows in the column order of ENTERPRISE_COLUMNS, as tuples of text (None for NULL)."""
    codes = list(DISTRICTS)
    for start in range(0, len(ids), batch):
        part_ids = ids[start:start + batch].tolist()
        part_cls = classes[start:start + batch].tolist()
        part_div = districts[start:start + batch].tolist()
        yield [(i, f"9150{i:014d}", f"重庆测试企业{i}有限公司", f"重庆测试企业{i}有限公司", "cqcsqy",
                "enterprise", codes[d], INDUSTRIES[i % len(INDUSTRIES)], "2015-06-01", "active", CLASSES[c],
                stamp, stamp)
               for i, c, d in zip(part_ids, part_cls, part_div, strict=True)]


ENTERPRISE_COLUMNS = ("id", "uscc", "name", "name_key", "name_initials", "entity_type", "division_code",
                      "industry_code", "established_date", "status", "risk_class", "created_at", "updated_at")
PERSON_COLUMNS = ("id", "kind", "name", "enforcement_cert_no", "department", "jurisdiction", "skills", "active",
                  "created_at")
TARGET_COLUMNS = ("plan_id", "entity_id", "risk_class", "rank", "division_code", "inspectors", "status")


def build(kind: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Migrate, then load enterprises, inspectors, conflicts, the item and a previous round straight into the
    tables. Returns what was loaded and how long it took (not a measurement of the platform)."""
    from sqlalchemy import text

    from zhiliang.inspections import service
    from zhiliang.kernel.db import Database, make_engine
    from zhiliang.kernel.migrate import upgrade

    started = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    ids, classes, districts = pool_arrays(args.enterprises, args.seed)
    inspectors = inspector_rows(args.inspectors, args.seed)
    rng = np.random.default_rng(args.seed + 2)
    n_conflicts = max(1, args.enterprises // 250)
    conflicts = sorted({(int(p), int(e)) for p, e in zip(rng.integers(1, args.inspectors + 1, n_conflicts),
                                                           rng.integers(1, args.enterprises + 1, n_conflicts),
                                                           strict=True)})
    codes = list(DISTRICTS)
    sqlite_stamp, pg_stamp = "2026-03-01 01:00:00.000000", "2026-03-01 01:00:00+00"
    if kind == "sqlite":
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-262144"):
            conn.execute(f"PRAGMA {pragma}")
        sql = f"INSERT INTO enterprise ({', '.join(ENTERPRISE_COLUMNS)}) VALUES ({', '.join('?' * 13)})"
        for rows in enterprise_batches(ids, classes, districts, sqlite_stamp):
            conn.execute("BEGIN")
            conn.executemany(sql, rows)
            conn.execute("COMMIT")
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO person ({', '.join(PERSON_COLUMNS)}) VALUES ({', '.join('?' * 9)})",
                         [(p["id"], "inspector", f"检查员{p['id']}", p["cert"], DEPARTMENT, p["jurisdiction"],
                           json.dumps(p["skills"], ensure_ascii=False), 1, sqlite_stamp) for p in inspectors])
        conn.executemany("INSERT INTO inspector_conflict (person_id, enterprise_id, reason, declared_at) "
                         "VALUES (?, ?, '亲属关系', ?)", [(p, e, sqlite_stamp) for p, e in conflicts])
        conn.execute("COMMIT")  # no ANALYZE: the platform never runs it on SQLite
        conn.close()
    else:
        with engine.begin() as sa_conn:
            raw = sa_conn.connection.driver_connection
            with raw.cursor() as cur:
                with cur.copy(f"COPY enterprise ({', '.join(ENTERPRISE_COLUMNS)}) FROM STDIN") as copy:
                    for rows in enterprise_batches(ids, classes, districts, pg_stamp):
                        for row in rows:
                            copy.write_row(row)
                with cur.copy(f"COPY person ({', '.join(PERSON_COLUMNS)}) FROM STDIN") as copy:
                    for p in inspectors:
                        copy.write_row((p["id"], "inspector", f"检查员{p['id']}", p["cert"], DEPARTMENT,
                                        p["jurisdiction"], json.dumps(p["skills"], ensure_ascii=False), True,
                                        pg_stamp))
                with cur.copy("COPY inspector_conflict (person_id, enterprise_id, reason, declared_at) "
                              "FROM STDIN") as copy:
                    for p, e in conflicts:
                        copy.write_row((p, e, "亲属关系", pg_stamp))
            for table in ("enterprise", "person"):
                sa_conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) "
                                     f"FROM {table}"))
    loaded = time.perf_counter() - started
    db = Database(engine)
    with db.begin() as session:
        item = service.create_item(session, actor(), STAMP, code="BENCH-01", name="登记事项与食品经营抽查",
                                   legal_basis="《企业信息公示暂行条例》第十四条；《食品安全法》第一百一十条",
                                   department=DEPARTMENT, method="实地核查", entity_types=["enterprise"],
                                   skills=ITEM_SKILLS)
        previous = service.create_plan(session, actor(), STAMP, code="BENCH-PREVIOUS", title="上一轮抽查",
                                       kind="annual", jurisdiction="500000", departments=[DEPARTMENT],
                                       item_ids=[item.id], filters={}, ratios=RATIOS, origin=ORIGIN)
        previous.status = "published"
        item_id, previous_id = item.id, previous.id
    # A previous round as large as this one: random entities, each with two random inspectors (recused this time).
    prev_ids = np.sort(rng.choice(args.enterprises, size=expected_targets(args.enterprises), replace=False) + 1)
    teams = rng.integers(1, args.inspectors + 1, size=(len(prev_ids), 2))
    prev_rows = [(previous_id, int(e), CLASSES[classes[e - 1]], n, codes[districts[e - 1]],
                  json.dumps(sorted({int(a), int(b)})), "published")
                 for n, (e, (a, b)) in enumerate(zip(prev_ids.tolist(), teams, strict=True))]
    raw_insert(kind, url, prev_rows, commit=True)
    if kind == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return {"enterprises": args.enterprises, "inspectors": args.inspectors, "conflicts": len(conflicts),
            "previous_round_targets": len(prev_rows), "item_id": item_id, "build_s": round(loaded, 1),
            "build_total_s": round(time.perf_counter() - started, 1)}


def raw_insert(kind: str, url: str, rows: list[tuple], *, commit: bool) -> float:
    """Insert inspection_target rows with the bare driver in one transaction; returns seconds (insert + commit)."""
    cols = ", ".join(TARGET_COLUMNS)
    if kind == "sqlite":
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("PRAGMA synchronous=NORMAL")
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(f"INSERT INTO inspection_target ({cols}) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT" if commit else "ROLLBACK")
        spent = time.perf_counter() - started
        conn.close()
        return spent
    import psycopg

    with psycopg.connect(pg_driver_url(url)) as conn:
        started = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY inspection_target ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit() if commit else conn.rollback()
        return time.perf_counter() - started


def pg_driver_url(url: str) -> str:
    """The libpq form of a benchmark URL (``options=-csearch_path%3D...`` is understood by libpq as it is)."""
    return url


# ---------------------------------------------------------------------------------------------------- children
# Each measured step runs as ``inspections.py --child MODE CONFIG_JSON`` and prints one JSON line.


class SqlTimer:
    """Seconds spent in the driver per statement kind ("INSERT INTO inspection_target", "SELECT ... FROM x")."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.spent: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    @staticmethod
    def _kind(statement: str) -> str:
        words = statement.split()
        verb = words[0].upper() if words else "?"
        if verb in ("INSERT", "DELETE"):
            return f"{verb} {words[2]}"
        if verb == "UPDATE":
            return f"UPDATE {words[1]}"
        if verb == "SELECT" and "FROM" in words:
            return f"SELECT FROM {words[words.index('FROM') + 1]}"
        return verb

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        conn.info["bench_t"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        kind = self._kind(statement)
        self.spent[kind] = self.spent.get(kind, 0.0) + time.perf_counter() - conn.info.pop("bench_t")
        self.calls[kind] = self.calls.get(kind, 0) + 1

    def report(self, top: int = 8) -> dict[str, dict[str, float]]:
        ranked = sorted(self.spent.items(), key=lambda kv: -kv[1])[:top]
        return {k: {"s": round(v, 3), "calls": self.calls[k]} for k, v in ranked}


def _timed(times: dict[str, float], name: str, fn):  # noqa: ANN001, ANN202
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        times[name] = times.get(name, 0.0) + time.perf_counter() - started
        return result
    return wrapper


def child_imports(cfg: dict[str, Any]) -> dict[str, Any]:
    """Only the imports a step needs: the memory floor of every child."""
    from zhiliang.inspections import service  # noqa: F401
    from zhiliang.kernel.db import make_engine

    make_engine(cfg["url"]).dispose()
    return {}


def child_commit(cfg: dict[str, Any]) -> dict[str, Any]:
    """create_plan + commit in one transaction, then catch_up and fix_seed."""
    from zhiliang.inspections import domain, service
    from zhiliang.kernel.clock import SystemClock
    from zhiliang.kernel.db import Database, make_engine
    from zhiliang.ledger import note
    from zhiliang.ledger import service as ledger

    times: dict[str, float] = {}
    original_rows = service._pool_rows

    def pool_rows(session, plan):  # noqa: ANN001, ANN202 - materialized here so the read can be timed alone
        started = time.perf_counter()
        rows = list(original_rows(session, plan))
        times["snapshot_read_s"] = time.perf_counter() - started
        return iter(rows)

    service._pool_rows = pool_rows
    domain.pool_digest = _timed(times, "pool_digest_s", domain.pool_digest)
    service._inspector_snapshot = _timed(times, "inspector_snapshot_s", service._inspector_snapshot)
    engine = make_engine(cfg["url"])
    sql = SqlTimer(engine)
    db = Database(engine)
    started = time.perf_counter()
    with db.begin() as session:
        service.create_plan(session, actor(), STAMP, code=cfg["code"], title="基准测试年度抽查", kind="annual",
                            jurisdiction="500000", departments=[DEPARTMENT], item_ids=[cfg["item_id"]], filters={},
                            ratios=RATIOS, per_target=2, workload_cap=cfg["cap"], origin=ORIGIN)
        planned = time.perf_counter()
        plan = service.commit(session, actor(), cfg["code"], STAMP)
        called = time.perf_counter()
        pool_size = plan.pool_size
    committed = time.perf_counter()
    clock = SystemClock()
    ledger.catch_up(db, note.Signer.generate(ORIGIN), ORIGIN, clock)
    caught = time.perf_counter()
    with db.begin() as session:
        seed = service.fix_seed(session, actor(), cfg["code"], STAMP).seed
    seeded = time.perf_counter()
    return {"create_plan_s": planned - started, "commit_s": committed - planned, "commit_call_s": called - planned,
            "transaction_commit_s": committed - called, "catch_up_s": caught - committed,
            "fix_seed_s": seeded - caught, **times, "pool_size": pool_size, "seed": seed, "sql": sql.report()}


def child_draw(cfg: dict[str, Any]) -> dict[str, Any]:
    """run_draw in one transaction, committed; phases timed by wrapping the service's functions."""
    from zhiliang.inspections import domain, service
    from zhiliang.kernel.db import Database, make_engine

    times: dict[str, float] = {}
    service._pool_by_class = _timed(times, "pool_read_s", service._pool_by_class)
    domain.draw = _timed(times, "draw_compute_s", domain.draw)
    service._targets = _timed(times, "targets_lookup_s", service._targets)
    service.assign = _timed(times, "assign_s", service.assign)
    engine = make_engine(cfg["url"])
    sql = SqlTimer(engine)
    db = Database(engine)
    started = time.perf_counter()
    with db.begin() as session:
        begun = time.perf_counter()
        service.run_draw(session, actor(), cfg["code"], STAMP, PUBLISH_BY)
        called = time.perf_counter()
    committed = time.perf_counter()
    run_draw_s = called - begun
    rest = run_draw_s - sum(times.values())
    return {"draw_and_assign_s": committed - started, "run_draw_call_s": run_draw_s,
            "transaction_commit_s": committed - called, "begin_s": begun - started, **times,
            "draw_s": times["pool_read_s"] + times["draw_compute_s"], "store_and_log_s": rest, "sql": sql.report()}


def child_raw_pool(cfg: dict[str, Any]) -> dict[str, Any]:
    """The pool's SQL (pool_query's filters for jurisdiction 500000, status active) through the bare driver."""
    sql = ("SELECT id, risk_class FROM enterprise WHERE division_code LIKE '50%' AND status = 'active' "
           "ORDER BY id")
    started = time.perf_counter()
    if cfg["kind"] == "sqlite":
        conn = sqlite3.connect(cfg["url"].removeprefix("sqlite:///"))
        conn.execute("PRAGMA cache_size=-65536")
        rows = conn.execute(sql).fetchall()
        plan = [r[-1] for r in conn.execute("EXPLAIN QUERY PLAN " + sql)]
    else:
        import psycopg

        with psycopg.connect(cfg["url"]) as conn:
            with conn.cursor(name="pool") as cur:  # server-side, as pool_query's yield_per streams
                cur.itersize = 20000
                cur.execute(sql)
                rows = []
                while batch := cur.fetchmany(20000):
                    rows.extend(batch)
            spent = time.perf_counter() - started
            plan = [r[0] for r in conn.execute("EXPLAIN " + sql)]
            return {"raw_pool_read_s": spent, "rows": len(rows), "plan": plan}
    return {"raw_pool_read_s": time.perf_counter() - started, "rows": len(rows), "plan": plan}


def child_floor(cfg: dict[str, Any]) -> dict[str, Any]:
    """No database: the same pool in memory, drawn by the bare hashlib + NumPy loop, then by domain.draw."""
    from zhiliang.inspections import domain

    ids, classes, _ = pool_arrays(cfg["enterprises"], cfg["seed"])
    groups = {c: ids[classes == n] for n, c in enumerate(CLASSES)}
    prefix = bytes.fromhex(cfg["draw_seed"]) + b"\x00" + cfg["code"].encode() + b"\x00"
    sha = hashlib.sha256
    started = time.perf_counter()
    floor: dict[str, list[int]] = {}
    for c, members in groups.items():
        k = domain.quota(RATIOS[c], len(members))
        id_list = members.tolist()
        keys = np.frombuffer(b"".join([sha(prefix + b"%d" % i).digest()[:8] for i in id_list]), ">u8")
        top = np.argpartition(keys, k - 1)[:k] if k < len(keys) else np.arange(len(keys))
        floor[c] = members[top[np.argsort(keys[top], kind="stable")]].tolist()
    floor_s = time.perf_counter() - started
    started = time.perf_counter()
    result = domain.draw({c: v for c, v in groups.items()}, RATIOS, bytes.fromhex(cfg["draw_seed"]), cfg["code"])
    inmemory_s = time.perf_counter() - started
    hashed = time.perf_counter()
    for i in ids.tolist():
        sha(prefix + b"%d" % i)
    sha_only_s = time.perf_counter() - hashed
    same = all(list(result.selected[c]) == floor[c] for c in CLASSES)
    return {"floor_draw_s": floor_s, "domain_draw_in_memory_s": inmemory_s, "sha256_only_s": sha_only_s,
            "floor_equals_domain_draw": same, "selected": {c: floor[c] for c in CLASSES}}


CHILDREN = {"imports": child_imports, "commit": child_commit, "draw": child_draw, "raw_pool": child_raw_pool,
            "floor": child_floor}


def run_child(mode: str, cfg: dict[str, Any], work: Path) -> tuple[dict[str, Any], float, float]:
    """Run one step in a fresh interpreter; returns (its JSON, wall seconds, its peak RSS in MB)."""
    with tempfile.TemporaryFile(dir=work) as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--child", mode, json.dumps(cfg)],
                                stdout=subprocess.PIPE, stderr=err)
        out = proc.stdout.read()
        status = proc.wait()
        wall = time.perf_counter() - started
        if status != 0:
            err.seek(0)
            raise SystemExit(f"child {mode} failed:\n{err.read().decode()[-4000:]}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    return result, wall, result.pop("peak_rss_mb")


# ---------------------------------------------------------------------------------------------------- checks


def check(url: str, code: str, cap: int, draw_seed: str) -> dict[str, Any]:
    """Read the stored result back and check every rule held: team size, jurisdiction, skills, recusal (declared
    conflicts, last round), workload cap; counts unmet targets and inspectors at the cap."""
    from sqlalchemy import select, text

    from zhiliang.inspections.assign import covers
    from zhiliang.inspections.models import InspectionPlan, InspectionTarget
    from zhiliang.kernel.db import Database, make_engine
    from zhiliang.registry.models import Person

    db = Database(make_engine(url))
    with db.read() as s:
        plan = s.scalars(select(InspectionPlan).where(InspectionPlan.code == code)).one()
        rows = s.execute(select(InspectionTarget.entity_id, InspectionTarget.division_code,
                                InspectionTarget.inspectors, InspectionTarget.status, InspectionTarget.risk_class)
                         .where(InspectionTarget.plan_id == plan.id)).all()
        people = {p.id: p for p in s.scalars(select(Person).where(Person.kind == "inspector"))}
        conflicts = {(p, e) for p, e in s.execute(text("SELECT person_id, enterprise_id FROM inspector_conflict"))}
        last: dict[int, set[int]] = {}
        for entity, team in s.execute(select(InspectionTarget.entity_id, InspectionTarget.inspectors)
                                      .where(InspectionTarget.plan_id != plan.id)):
            last[entity] = set(team)
        selected = plan.result["selected"]
    db.bind.dispose()
    loads: dict[int, int] = {}
    broken = {"team_size": 0, "jurisdiction": 0, "skills": 0, "conflict": 0, "last_round": 0}
    for entity, division, team, status, _ in rows:
        if status == "unmet":
            continue
        for pid in team:
            loads[pid] = loads.get(pid, 0) + 1
        broken["team_size"] += len(set(team)) != 2
        broken["jurisdiction"] += not all(covers(people[p].jurisdiction, division) for p in team)
        broken["skills"] += not set(ITEM_SKILLS) <= set().union(*(people[p].skills for p in team))
        broken["conflict"] += any((p, entity) in conflicts for p in team)
        broken["last_round"] += bool(last.get(entity, set()) & set(team))
    by_class = {c: sum(1 for r in rows if r[4] == c) for c in CLASSES}
    return {"targets": len(rows), "targets_by_class": by_class, "selected": selected,
            "unmet": sum(1 for r in rows if r[3] == "unmet"), "max_load": max(loads.values(), default=0),
            "inspectors_used": len(loads), "inspectors_at_cap": sum(1 for v in loads.values() if v >= cap),
            "recused_by_last_round": sum(1 for r in rows if r[0] in last),
            "rules_broken": broken, "rules_hold": not any(broken.values()) and max(loads.values(), default=0) <= cap}


def stored_rows(url: str, code: str) -> list[tuple]:
    """The rows run_draw stored, re-keyed to a fresh draft plan for the raw-store baseline, as driver tuples."""
    from sqlalchemy import select

    from zhiliang.inspections import service
    from zhiliang.inspections.models import InspectionPlan, InspectionTarget
    from zhiliang.kernel.db import Database, make_engine

    db = Database(make_engine(url))
    with db.begin() as s:
        plan = s.scalars(select(InspectionPlan).where(InspectionPlan.code == code)).one()
        copy = service.create_plan(s, actor(), STAMP, code=f"{code}-RAW", title="raw store baseline",
                                   kind="ad_hoc", jurisdiction="500000", departments=[DEPARTMENT],
                                   item_ids=plan.item_ids, filters={}, ratios=RATIOS, origin=ORIGIN)
        copy_id = copy.id
        rows = s.execute(select(*(getattr(InspectionTarget, c) for c in TARGET_COLUMNS))
                         .where(InspectionTarget.plan_id == plan.id).order_by(InspectionTarget.rank)).all()
    db.bind.dispose()
    return [(copy_id, e, rc, rank, div, json.dumps(team), st) for _, e, rc, rank, div, team, st in rows]


# ---------------------------------------------------------------------------------------------------- main


def fresh(kind: str, work: Path, pg_url: str, name: str = "inspections") -> tuple[str, Any]:
    """A new empty database (``work/<name>.db`` or a schema ``zl_bench_<name>_…``) and the function that removes
    it; credit.py uses it too."""
    if kind == "sqlite":
        path = work / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)

        def remove() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}", remove
    from sqlalchemy import text

    from zhiliang.kernel.db import make_engine

    schema = f"zl_bench_{name[:8]}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    sep = "&" if "?" in pg_url else "?"
    return f"{pg_url}{sep}options=-csearch_path%3D{schema}", drop


def measure(kind: str, args: argparse.Namespace, cap: int) -> dict[str, Any]:
    url, drop = fresh(kind, args.work, args.pg_url)
    try:
        print(f"[{kind}] building {args.enterprises:,} enterprises, {args.inspectors:,} inspectors ...", flush=True)
        built = build(kind, url, args)
        print(f"[{kind}] built in {built['build_total_s']} s", flush=True)
        cfg = {"url": url, "kind": kind, "item_id": built["item_id"], "cap": cap}
        _, _, imports_mb = run_child("imports", cfg, args.work)
        raw_pool, raw_pool_wall, raw_pool_mb = run_child("raw_pool", cfg, args.work)
        runs = []
        for n in range(args.repeat):
            code = f"BENCH-{n + 1}"
            commit, commit_wall, commit_mb = run_child("commit", {**cfg, "code": code}, args.work)
            print(f"[{kind}] commit {commit['commit_s']:.1f} s (snapshot read {commit['snapshot_read_s']:.1f} s), "
                  f"peak {commit_mb:.0f} MB", flush=True)
            draw, draw_wall, draw_mb = run_child("draw", {**cfg, "code": code}, args.work)
            print(f"[{kind}] draw {draw['draw_s']:.1f} s, draw+assign {draw['draw_and_assign_s']:.1f} s, "
                  f"peak {draw_mb:.0f} MB", flush=True)
            checked = check(url, code, cap, commit["seed"])
            runs.append({"code": code, "commit": commit, "commit_peak_mb": commit_mb, "commit_process_s": commit_wall,
                         "draw": draw, "draw_peak_mb": draw_mb, "draw_process_s": draw_wall, "check": checked})
        last = runs[-1]
        rows = stored_rows(url, last["code"])
        raw_store_s = raw_insert(kind, url, rows, commit=True)
        best = min(runs, key=lambda r: r["draw"]["draw_and_assign_s"])
        return {"url": url.split("?")[0] if kind == "postgresql" else "sqlite file", "build": built,
                "imports_only_peak_mb": imports_mb, "raw_pool": raw_pool, "raw_pool_peak_mb": raw_pool_mb,
                "raw_store_s": raw_store_s, "raw_store_rows": len(rows), "runs": runs, "headline_run": best["code"]}
    finally:
        drop()


def r(x: float, n: int = 2) -> float:
    return round(x, n)


def summarize(results: dict[str, Any], floor: dict[str, Any], floor_mb: float, args: argparse.Namespace,
              cap: int) -> dict[str, Any]:
    per_db = {}
    for kind, res in results.items():
        run = next(x for x in res["runs"] if x["code"] == res["headline_run"])
        c, d = run["commit"], run["draw"]
        per_db[kind] = {
            "draw_s": r(d["draw_s"]), "draw_pool_read_s": r(d["pool_read_s"]),
            "draw_compute_s": r(d["draw_compute_s"]), "draw_and_assign_s": r(d["draw_and_assign_s"]),
            "targets_lookup_s": r(d["targets_lookup_s"]), "assign_s": r(d["assign_s"]),
            "store_and_log_s": r(d["store_and_log_s"]), "draw_transaction_commit_s": r(d["transaction_commit_s"]),
            "draw_peak_mb": r(run["draw_peak_mb"], 1),
            "commit_s": r(c["commit_s"]), "commit_snapshot_read_s": r(c["snapshot_read_s"]),
            "commit_pool_digest_s": r(c["pool_digest_s"]), "commit_peak_mb": r(run["commit_peak_mb"], 1),
            "catch_up_s": r(c["catch_up_s"]), "fix_seed_s": r(c["fix_seed_s"]),
            "raw_pool_read_s": r(res["raw_pool"]["raw_pool_read_s"]), "raw_pool_peak_mb": r(res["raw_pool_peak_mb"], 1),
            "raw_store_s": r(res["raw_store_s"]), "imports_only_peak_mb": r(res["imports_only_peak_mb"], 1),
            "snapshot_read_vs_raw_pool_read": r(c["snapshot_read_s"] / res["raw_pool"]["raw_pool_read_s"]),
            "draw_vs_floor_draw": r(d["draw_s"] / floor["floor_draw_s"]),
            "pool_size": c["pool_size"], **{k: run["check"][k] for k in (
                "targets", "targets_by_class", "unmet", "max_load", "inspectors_used", "inspectors_at_cap",
                "recused_by_last_round", "rules_hold", "rules_broken")},
            "floor_selection_matches_stored_draw": all(run["check"]["selected"][k] == floor["selected"][k]
                                                       for k in CLASSES) if kind == args.floor_db else None,
            "sql_in_draw": d["sql"], "sql_in_commit": c["sql"], "raw_pool_plan": res["raw_pool"]["plan"],
            "build": res["build"], "repeats": [{"draw_s": r(x["draw"]["draw_s"]),
                                                "draw_and_assign_s": r(x["draw"]["draw_and_assign_s"])}
                                               for x in res["runs"]],
        }
    worst = {k: max(v[k] for v in per_db.values()) for k in ("draw_s", "draw_and_assign_s")}
    peak = max(max(v["draw_peak_mb"], v["commit_peak_mb"]) for v in per_db.values())
    import sqlalchemy

    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
               "numpy": np.__version__, "sqlalchemy": sqlalchemy.__version__, "platform": platform.platform(),
               "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}
    if "postgresql" in per_db:
        import psycopg

        with psycopg.connect(args.pg_url) as conn:
            machine["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    return {
        **worst, "peak_mb": round(peak, 1),
        "targets": {"draw_s": "< 10", "draw_and_assign_s": "< 30"},
        "targets_met": {"draw_s": worst["draw_s"] < 10, "draw_and_assign_s": worst["draw_and_assign_s"] < 30},
        "scale": {"enterprises": args.enterprises, "inspectors": args.inspectors,
                  "expected_targets": expected_targets(args.enterprises), "per_target": 2, "workload_cap": cap,
                  "ratios": RATIOS, "mix": MIX, "districts": DISTRICTS, "item_skills": ITEM_SKILLS,
                  "inspector_skills_probability": SKILLS,
                  "inspector_jurisdictions": "12% city-wide 500000, 8% main city 500100, 80% one district each"},
        "floor": {"floor_draw_s": r(floor["floor_draw_s"]),
                  "domain_draw_in_memory_s": r(floor["domain_draw_in_memory_s"]),
                  "sha256_only_s": r(floor["sha256_only_s"]), "floor_equals_domain_draw":
                      floor["floor_equals_domain_draw"], "peak_mb": r(floor_mb, 1)},
        "databases": per_db,
        "figures": FIGURES,
        "machine": machine,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


FIGURES = {
    "draw_s": "the draw step's own work inside run_draw: reading the committed pool snapshot back "
              "(service.pool_members: the inspection_pool blob, zlib, 5M 'id,class' lines parsed into tuples) plus "
              "domain.draw (strata, one SHA-256 rank key per member, lowest k per class). Worst of the databases.",
    "draw_and_assign_s": "run_draw end to end as a caller sees it: from opening the transaction (db.begin) to its "
                         "commit: plan lock, draw_s, division and last-round look-ups of the 250,000 targets "
                         "(service._targets), assign.assign, building and inserting the inspection_target rows, the "
                         "plan's result JSON, audit entry and TargetsDrawn event, and COMMIT. Worst of the databases.",
    "peak_mb": "largest peak RSS (the child process's own VmHWM from /proc/self/status, read as it ends) of the "
               "commit child (create_plan + commit + catch_up + fix_seed) "
               "and the draw child (run_draw), over both databases; imports_only_peak_mb is a child that only imports.",
    "commit_s": "service.commit and its transaction's COMMIT: the pool snapshot read through registry.queries."
                "pool_query (commit_snapshot_read_s), pool digest, zlib blob, inspector snapshot, commitment event.",
    "raw_pool_read_s": "baseline: the pool's SQL (same WHERE and ORDER BY) through the bare driver into a list",
    "raw_store_s": "baseline: the same stored target rows inserted with sqlite3 executemany / psycopg COPY + COMMIT",
    "floor_draw_s": "baseline without a database: one hashlib.sha256 per member + NumPy argpartition per stratum; "
                    "selects exactly what run_draw stored (floor_selection_matches_stored_draw)",
    "sql_in_draw": "seconds in the driver per statement kind during run_draw (SQLAlchemy cursor events)",
}


def print_table(report: dict[str, Any]) -> None:
    rows = [("draw_s (pool read + draw)", "draw_s"), ("  pool snapshot read", "draw_pool_read_s"),
            ("  domain.draw", "draw_compute_s"), ("targets look-up", "targets_lookup_s"), ("assign", "assign_s"),
            ("store + log (in run_draw)", "store_and_log_s"), ("COMMIT", "draw_transaction_commit_s"),
            ("draw_and_assign_s", "draw_and_assign_s"), ("draw peak MB", "draw_peak_mb"),
            ("commit_s", "commit_s"), ("  snapshot read (pool_query)", "commit_snapshot_read_s"),
            ("  baseline: raw pool read", "raw_pool_read_s"), ("commit peak MB", "commit_peak_mb"),
            ("baseline: raw store of targets", "raw_store_s"), ("imports-only peak MB", "imports_only_peak_mb"),
            ("targets", "targets"), ("unmet", "unmet"), ("inspectors at cap", "inspectors_at_cap"),
            ("rules hold", "rules_hold")]
    dbs = list(report["databases"])
    print(f"\n{'':34}" + "".join(f"{k:>14}" for k in dbs))
    for label, key in rows:
        print(f"{label:34}" + "".join(f"{report['databases'][k][key]!s:>14}" for k in dbs))
    f = report["floor"]
    print(f"\nno database: floor draw {f['floor_draw_s']} s, domain.draw in memory {f['domain_draw_in_memory_s']} s, "
          f"SHA-256 alone {f['sha256_only_s']} s (same selection: {f['floor_equals_domain_draw']})")
    print(f"headline (worst): draw_s {report['draw_s']} (< 10: {report['targets_met']['draw_s']}), "
          f"draw_and_assign_s {report['draw_and_assign_s']} (< 30: {report['targets_met']['draw_and_assign_s']}), "
          f"peak_mb {report['peak_mb']}")


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM). Not ru_maxrss: Linux carries the forking parent's high-water mark
    across exec into the child's ru_maxrss, so a child of a big parent would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        result = CHILDREN[sys.argv[2]](json.loads(sys.argv[3]))
        print(json.dumps({**result, "peak_rss_mb": peak_rss_mb()}), flush=True)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=5_000_000)
    parser.add_argument("--inspectors", type=int, default=5_000)
    parser.add_argument("--cap", type=int, default=None,
                        help="workload cap per inspector (default: 1.5 × the average load, 150 at full scale)")
    parser.add_argument("--repeat", type=int, default=1, help="measured plans per database (fastest reported)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-url", default=os.environ.get("ZHILIANG_BENCH_PG_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "inspections")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "inspections.json")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    targets = expected_targets(args.enterprises)
    cap = args.cap or -(-3 * targets // args.inspectors)  # 1.5 × (2 × targets / inspectors)
    kinds = [k for k, skip in (("sqlite", args.no_sqlite), ("postgresql", args.no_pg)) if not skip]
    args.floor_db = kinds[0]
    results = {kind: measure(kind, args, cap) for kind in kinds}
    first = results[args.floor_db]
    seed = next(x for x in first["runs"] if x["code"] == first["headline_run"])["commit"]["seed"]
    floor, _, floor_mb = run_child("floor", {"enterprises": args.enterprises, "seed": args.seed, "draw_seed": seed,
                                             "code": first["headline_run"]}, args.work)
    report = summarize(results, floor, floor_mb, args, cap)
    print_table(report)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
