"""Certificates benchmark: public verification by number at 1,000,000 certificates, against Datasette and a bare route.

One command (from the project root)::

    .venv/bin/python benchmarks/certificates.py            # 1M certificates, 1 and 2 workers, 20 s per run
    .venv/bin/python benchmarks/certificates.py --certificates 100000 --enterprises 20000 --duration 5   # a quick look
    .venv/bin/python benchmarks/certificates.py --reuse    # keep the database an earlier run built

Writes ``benchmarks/results/certificates.json`` and prints a table. Needs ``wrk`` (Debian package) and Datasette
(``pip install -e '.[bench]'``).

- **Data**: a migrated SQLite database (``kernel.migrate.upgrade``); certification bodies registered with
  ``registry.directory.register_cb`` and ``--enterprises`` holders with ``registry.service.upsert_enterprises`` (the
  demo city's generator), then ``--certificates`` certificate rows with valid CCC numbers
  (year + CB code + product category + serial), one ``issue`` status-history row and one
  ``certs.CertificateIssued`` event each, bulk-inserted with ``sqlite3`` ``executemany`` around the service (the
  data set only; about one in twelve is suspended, withdrawn or cancelled and a sixth are past their expiry date).
- **Verification**: ``GET /api/v1/certificates/verify?number=…`` served by ``zhiliang serve --workers N``
  (``ZHILIANG_LEDGER_IN_PROCESS=false``), every answer signed. ``wrk`` in its own process on loopback, one thread,
  ``--connections`` connections, a Lua script picking a random existing number per request; ``--warmup`` seconds
  first (not counted), then ``--duration`` seconds measured. Reported: requests/s, p50/p99 (wrk ``--latency``),
  errors and non-2xx responses.
- **Baselines, same run, same database file, same worker count, same load**: (a) Datasette (its ASGI app under
  uvicorn, the database opened immutable: Datasette's fastest mode) serving the row JSON of the same
  ``certificate`` table by primary key, ``/certs/certificate/<id>.json`` with a random existing id; (b) a bare
  Starlette route (``bare_app`` below) doing the same ``sqlite3`` lookup by ``number_key`` on one connection per
  process and returning the row as JSON, under uvicorn. All three run with uvicorn's defaults (access log on).
  One server runs at a time.
- **Bulk upsert**: ``PUT /api/v1/certificates`` with ``--api-certificates`` new certificates in requests of 1,000,
  sent one after another with a CB's API token made by ``zhiliang user create --role cb`` + ``zhiliang user token``,
  on the loaded database: certificates per second, every item checked to be ``created``.
- **Holder search**: ``GET /api/v1/certificates?holder=…`` with ``--queries`` substrings of 2, 3 and 4 Chinese
  characters of holder names drawn from the database, one request at a time over HTTP; p50/p95 per length.
- ``--profile``: py-spy samples the 1-worker verification server during one more measured run; the hottest
  functions (own and inclusive time) go into the JSON.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PY = sys.executable
DB_NAME = "certs"  # Datasette names the database after the file's stem
AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CATEGORIES = ("0101", "0201", "0301", "0701", "0801", "0902", "1001", "1101", "1201", "1606", "1701", "2101")
SCOPES = ("电线电缆", "插头插座", "低压电器", "小功率电动机", "电动工具", "电焊机", "家用电器", "音视频设备",
          "信息技术设备", "照明电器", "机动车辆", "安全玻璃")
CJK = re.compile(r"^[\u4e00-\u9fff]+$")
THRESHOLDS = {"verify_vs_datasette": 6.0, "verify_vs_bare_route": 0.5, "verify_p99_ms": 20.0,
              "holder_search_p95_ms": 100.0}


# ------------------------------------------------------------------------------------------- servers under test


def bare_app():  # noqa: ANN201 - uvicorn factory
    """The bare route: one sqlite3 connection per process, the lookup by number_key, the row as JSON."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    conn = sqlite3.connect(os.environ["BENCH_CERTS_DB"], check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA query_only=ON")

    async def verify(request):  # noqa: ANN001, ANN202
        row = conn.execute("SELECT * FROM certificate WHERE number_key = ?",
                           (request.query_params["number"],)).fetchone()
        if row is None:
            return JSONResponse({"found": False}, status_code=404)
        return JSONResponse(dict(row))

    return Starlette(routes=[Route("/verify", verify)])


def datasette_app():  # noqa: ANN201 - uvicorn factory
    """Datasette's ASGI app over the same file, opened immutable (no locking, counts cached)."""
    from datasette.app import Datasette

    return Datasette(immutables=[os.environ["BENCH_CERTS_DB"]]).app()


def launch_nodelay(argv: list[str]) -> None:
    """Run ``zhiliang serve …`` or ``uvicorn …`` with uvicorn's multi-worker listener created as IPPROTO_TCP.

    uvicorn's ``Config.bind_socket`` (used by ``--workers N`` > 1) leaves the listener's ``proto`` at 0; accepted
    sockets inherit it and asyncio then never sets TCP_NODELAY on them, so every keep-alive answer after the first
    waits for the client's delayed ACK (~40 ms on Linux; uvicorn issue #3149). This re-creates the socket object
    with proto 6 on the same file descriptor, nothing else."""
    import uvicorn.config

    bind_socket = uvicorn.config.Config.bind_socket

    def bind_tcp(self):  # noqa: ANN001, ANN202
        sock = bind_socket(self)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
            sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        return sock

    uvicorn.config.Config.bind_socket = bind_tcp
    if argv[0] == "zhiliang":
        from zhiliang.cli import main as zhiliang_main

        sys.argv = argv
        zhiliang_main()
    else:
        from uvicorn.main import main as uvicorn_main

        sys.argv = argv
        uvicorn_main()


def launch_read_transaction(argv: list[str]) -> None:
    """``zhiliang serve`` (1 worker) with a prototype of the recommended change to ``certificates/api.py``: the
    lookup in a read transaction (``db.read()``, SQLite deferred BEGIN), falling back to a write transaction only
    when the verdict records a counterfeit signal. Not merged: it measures what the change would give."""
    from zhiliang.certificates import api, verification
    from zhiliang.kernel.http.context import runtime
    from zhiliang.ledger import attest

    def signed_verification(request, number, holder):  # noqa: ANN001, ANN202
        rt = runtime(request)
        with rt.db.read() as session:
            document = verification.verify(session, number, holder, rt.today(), rt.clock.now())
        if document["verdict"] in ("unknown_number", "holder_mismatch"):  # the signal was rolled back: record it
            with rt.db.begin() as session:
                document = verification.verify(session, number, holder, rt.today(), rt.clock.now())
        return attest.attest(document, request.app.state.ledger_signer)

    api.signed_verification = signed_verification
    from zhiliang.cli import main as zhiliang_main

    sys.argv = argv
    zhiliang_main()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process in its own process group, up once ``probe`` answers 200."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], port: int, probe: str, log: Path) -> None:
        self.name, self.port, self.probe = name, port, probe
        self.log = log.open("wb")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT,
                                     start_new_session=True)

    def wait_ready(self, timeout: float = 120) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.proc.returncode}; see {self.log.name}")
            try:
                if httpx.get(self.url(self.probe), timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"{self.name} did not answer {self.probe} within {timeout} s; see {self.log.name}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def zhiliang_env(work: Path, db: Path) -> dict[str, str]:
    return {**os.environ, "ZHILIANG_DATABASE_URL": f"sqlite:///{db}", "ZHILIANG_DATA_DIR": str(work / "var"),
            "ZHILIANG_LEDGER_IN_PROCESS": "false"}


def start(kind: str, workers: int, work: Path, db: Path, probe: str, nodelay: bool = False,
          read_transaction: bool = False) -> Server:
    port = free_port()
    if kind == "verify":
        cmd = ["zhiliang", "serve", "--port", str(port), "--workers", str(workers)]
        env = zhiliang_env(work, db)
    else:
        # zhiliang serve sets TCP_NODELAY with several workers (its fix for uvicorn #3149); the baselines get the
        # same fix through this file's launcher, or they would be capped near 360 requests/s by delayed ACKs.
        nodelay = nodelay or workers > 1
        factory = {"datasette": "datasette_app", "bare_route": "bare_app"}[kind]
        cmd = ["uvicorn", "--factory", f"certificates:{factory}", "--app-dir", str(ROOT / "benchmarks"),
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        env = {**os.environ, "BENCH_CERTS_DB": str(db)}
    if read_transaction:
        assert kind == "verify" and workers == 1 and not nodelay, "the prototype patches one process"
        cmd = [PY, __file__, "read-transaction", *cmd]
    else:
        cmd = [PY, __file__, "nodelay", *cmd] if nodelay else [PY, "-m", *cmd]
    tag = "_nodelay" if nodelay else "_read_transaction" if read_transaction else ""
    server = Server(kind, cmd, env, port, probe, work / f"{kind}_{workers}{tag}.log")
    server.wait_ready()
    return server


# ------------------------------------------------------------------------------------------------------ wrk


LUA = """
local keys = {}
local prefix = "%(prefix)s"
local count = 0
for line in io.lines("%(keys)s") do count = count + 1; keys[count] = line end
math.randomseed(%(seed)d)
request = function()
  return wrk.format("GET", prefix .. keys[math.random(count)] .. "%(suffix)s")
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p90_us": %%d, ' ..
    '"p99_us": %%d, "max_us": %%d, "mean_us": %%.1f, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d}\\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write,
    e.status, e.timeout))
end
"""


def wrk(server: Server, prefix: str, keys: Path, suffix: str, duration: float, connections: int, seed: int,
        work: Path) -> dict[str, float]:
    script = work / f"wrk_{server.name}.lua"
    script.write_text(LUA % {"prefix": prefix, "keys": keys, "suffix": suffix, "seed": seed}, encoding="utf-8")
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s", "--latency",
           "-s", str(script), server.url("")]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    data = json.loads(out.split("WRKJSON ", 1)[1].splitlines()[0])
    errors = data["connect"] + data["read"] + data["write"] + data["timeout"]
    return {"requests": data["requests"], "rps": round(data["requests"] / (data["duration_us"] / 1e6), 1),
            "p50_ms": round(data["p50_us"] / 1000, 2), "p90_ms": round(data["p90_us"] / 1000, 2),
            "p99_ms": round(data["p99_us"] / 1000, 2), "max_ms": round(data["max_us"] / 1000, 2),
            "errors": errors, "non_2xx": data["status"]}


TARGETS = {
    "verify": ("/api/v1/certificates/verify?number=", "numbers.txt", ""),
    "bare_route": ("/verify?number=", "numbers.txt", ""),
    "datasette": (f"/{DB_NAME}/certificate/", "ids.txt", ".json"),
}


def load_run(kind: str, workers: int, args: argparse.Namespace, db: Path, seed: int,
             nodelay: bool = False, read_transaction: bool = False) -> dict[str, float]:
    prefix, keys, suffix = TARGETS[kind]
    first = (args.work / keys).read_text().split("\n", 1)[0]
    with start(kind, workers, args.work, db, prefix + first + suffix, nodelay, read_transaction) as server:
        wrk(server, prefix, args.work / keys, suffix, args.warmup, args.connections, seed, args.work)
        result = wrk(server, prefix, args.work / keys, suffix, args.duration, args.connections, seed + 1, args.work)
    print(f"  {kind:<10} workers={workers}: {result}", flush=True)
    if result["errors"] or result["non_2xx"]:
        raise SystemExit(f"{kind}: {result['errors']} socket errors, {result['non_2xx']} non-2xx answers")
    return result


# ------------------------------------------------------------------------------------------------- the data


def build(db: Path, work: Path, n_certs: int, n_enterprises: int, n_cbs: int) -> dict[str, object]:
    """Migrate, register CBs and holders through the registry, bulk-insert certificates; returns timings."""
    from zhiliang.demo import generate
    from zhiliang.kernel.auth import Actor
    from zhiliang.kernel.db import Database, make_engine
    from zhiliang.kernel.migrate import upgrade
    from zhiliang.registry import directory
    from zhiliang.registry.service import upsert_enterprises

    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    shutil.rmtree(work / "var", ignore_errors=True)
    started = time.perf_counter()
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    database, actor = Database(engine), Actor.system("bench")
    with database.begin() as session:
        for i in range(n_cbs):
            directory.register_cb(session, actor, AT, cnca_number=f"CNCA-R-2002-{i + 1:03d}",
                                  name=f"基准认证中心{i + 1:02d}有限公司", approved_types=["CCC", "QMS", "EMS"])
    batch = []
    for record in generate.enterprises(7, n_enterprises, date(2026, 1, 1)):
        batch.append(record)
        if len(batch) == 5000:
            with database.begin() as session:
                upsert_enterprises(session, batch, actor, AT, source="bench")
            batch = []
    if batch:
        with database.begin() as session:
            upsert_enterprises(session, batch, actor, AT, source="bench")
    engine.dispose()
    registry_s = time.perf_counter() - started

    conn = sqlite3.connect(db, isolation_level=None)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "cache_size=-262144"):
        conn.execute(f"PRAGMA {pragma}")
    cbs = [r[0] for r in conn.execute("SELECT id FROM certification_body ORDER BY id")]
    holders = conn.execute("SELECT id, uscc, name FROM enterprise ORDER BY id").fetchall()
    started = time.perf_counter()
    rows_s = insert_certificates(conn, n_certs, cbs, holders)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    conn.close()
    return {"registry_seconds": round(registry_s, 1), "certificates_seconds": round(time.perf_counter() - started, 1),
            "certificate_rows_per_s": round(n_certs / rows_s)}


CERT_SQL = ("INSERT INTO certificate (id, number, number_key, number_kind, cb_id, cb_ref, type_code, holder_id, "
            "holder_uscc, holder_name, sites, scope, standards, accreditation_mark, first_issued_date, issued_date, "
            "expiry_date, status, status_reason, status_date, suspended_on, version, created_at, updated_at) "
            "VALUES (?, ?, ?, 'ccc', ?, ?, 'CCC', ?, ?, ?, ?, ?, '[\"CNCA-C01-01:2014\"]', 'CNAS', ?, ?, ?, ?, ?, "
            "?, ?, 1, ?, ?)")
HISTORY_SQL = ("INSERT INTO certificate_status_change (certificate_id, on_date, action, from_status, to_status, "
               "reason_code, note, at, actor_label) VALUES (?, ?, 'issue', NULL, 'valid', NULL, NULL, ?, 'bench')")
EVENT_SQL = ("INSERT INTO event (type, entity, occurred_at, actor, payload, private) "
             "VALUES ('certs.CertificateIssued', ?, ?, 'bench', ?, NULL)")
STATUSES = (("suspended", "S01"), ("withdrawn", "W01"), ("cancelled", "C01"))


def certificate_number(i: int, n_cbs: int) -> str:
    """The i-th certificate's CCC number: a bijection of i onto (year, CB, serial); the category is drawn from i."""
    cb, year, serial = i % n_cbs + 1, 2014 + (i // n_cbs) % 11, i // (n_cbs * 11)
    return f"{year}{cb:02d}{CATEGORIES[i % 7 * 5 % len(CATEGORIES)]}{serial:06d}"


def insert_certificates(conn: sqlite3.Connection, n: int, cbs: list[int], holders: list[tuple],
                        batch: int = 50_000) -> float:
    """Bulk-insert n certificates with one history row and one event each; returns the executemany+commit time."""
    rng = random.Random(11)
    at = AT.strftime("%Y-%m-%d %H:%M:%S.%f")
    spent = 0.0
    first_seq = (conn.execute("SELECT max(seq) FROM event").fetchone()[0] or 0) + 1
    for start_i in range(0, n, batch):
        certs, history, events = [], [], []
        for i in range(start_i, min(n, start_i + batch)):
            ident = i + 1
            number = certificate_number(i, len(cbs))
            holder_id, uscc_, name = holders[rng.randrange(len(holders))]
            issued = date(int(number[:4]), 1, 1) + timedelta(days=rng.randrange(360))
            expiry = issued + timedelta(days=5 * 365)
            status, reason = ("valid", None) if rng.random() > 1 / 12 else rng.choice(STATUSES)
            sites = json.dumps([f"{name}生产厂"], ensure_ascii=False)
            scope = SCOPES[i % len(SCOPES)]
            certs.append((ident, number, number, cbs[i % len(cbs)], f"R{i:08d}", holder_id, uscc_, name, sites,
                          scope, issued.isoformat(), issued.isoformat(), expiry.isoformat(), status, reason,
                          issued.isoformat(), issued.isoformat() if status == "suspended" else None, at, at))
            history.append((ident, issued.isoformat(), at))
            events.append((f"certificate:{ident}", at, json.dumps(
                {"number": number, "number_key": number, "holder_uscc": uscc_, "status": "valid"}, ensure_ascii=False)))
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(CERT_SQL, certs)
        conn.executemany(HISTORY_SQL, history)
        conn.executemany(EVENT_SQL, events)
        conn.execute("COMMIT")
        spent += time.perf_counter() - started
    assert conn.execute("SELECT count(*) FROM certificate").fetchone()[0] == n
    assert conn.execute("SELECT count(*) FROM event WHERE seq >= ?", (first_seq,)).fetchone()[0] == n
    return spent


def key_files(db: Path, work: Path, n_certs: int, n_cbs: int, sample: int = 100_000) -> None:
    """Random existing numbers (and their ids, for Datasette) for wrk's Lua script."""
    from zhiliang.certificates import domain

    rng = random.Random(5)
    ids = [rng.randint(1, n_certs) for _ in range(sample)]
    numbers = [certificate_number(i - 1, n_cbs) for i in ids]
    assert all(domain.normalize_number(n) == n and domain.parse_number(n).kind == "ccc" for n in numbers[:1000])
    conn = sqlite3.connect(db)
    for i, n in zip(ids[:200], numbers[:200], strict=True):
        assert conn.execute("SELECT number_key FROM certificate WHERE id = ?", (i,)).fetchone()[0] == n
    conn.close()
    (work / "ids.txt").write_text("\n".join(map(str, ids)) + "\n")
    (work / "numbers.txt").write_text("\n".join(numbers) + "\n")


# ---------------------------------------------------------------------------------------- API measurements


def cb_token(work: Path, db: Path, cb_id: int) -> str:
    env = zhiliang_env(work, db)
    username = f"bench-cb-{int(time.time())}"
    subprocess.run([PY, "-m", "zhiliang", "user", "create", username, "--role", "cb", "--tenant", str(cb_id),
                    "--password", "bench-password-2026"], env=env, check=True, stdout=subprocess.DEVNULL)
    out = subprocess.run([PY, "-m", "zhiliang", "user", "token", username], env=env, check=True,
                         capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def bulk_upsert(server: Server, token: str, db: Path, n: int, cb_id: int, cb_code: int) -> dict[str, object]:
    """PUT n new certificates in requests of 1,000, one after another, as the CB; every item must be created."""
    import httpx

    conn = sqlite3.connect(db)
    holders = conn.execute("SELECT uscc, name FROM enterprise WHERE status = 'active' ORDER BY id LIMIT 5000")
    holders = holders.fetchall()
    done = conn.execute("SELECT count(*) FROM certificate WHERE cb_ref LIKE 'API%'").fetchone()[0]  # --reuse
    conn.close()
    rng = random.Random(17 + done)
    items = []
    for k in range(done, done + n):  # serials from 500,000 on: the bulk-loaded ones stay far below
        uscc_, name = holders[rng.randrange(len(holders))]
        issued = date(2025, 1, 1) + timedelta(days=rng.randrange(360))
        items.append({"number": f"2025{cb_code:02d}{CATEGORIES[k % len(CATEGORIES)]}{500_000 + k:06d}",
                      "cb_ref": f"API{k:08d}", "type_code": "CCC", "holder_uscc": uscc_, "holder_name": name,
                      "sites": [f"{name}生产厂"], "scope": SCOPES[k % len(SCOPES)], "standards": ["CNCA-C01-01:2014"],
                      "accreditation_mark": "CNAS", "issued_date": issued.isoformat(),
                      "expiry_date": (issued + timedelta(days=5 * 365)).isoformat()})
    headers = {"Authorization": f"Bearer {token}"}
    per_request = []
    with httpx.Client(base_url=server.url(""), headers=headers, timeout=600) as client:
        started = time.perf_counter()
        for offset in range(0, n, 1000):
            t0 = time.perf_counter()
            resp = client.put("/api/v1/certificates", json={"certificates": items[offset:offset + 1000]})
            per_request.append(time.perf_counter() - t0)
            resp.raise_for_status()
            outcomes = collections.Counter(i["outcome"] for i in resp.json()["items"])
            if outcomes != {"created": len(items[offset:offset + 1000])}:
                bad = next(i for i in resp.json()["items"] if i["outcome"] != "created")
                raise SystemExit(f"bulk upsert: {dict(outcomes)}; first: {bad}")
        total = time.perf_counter() - started
    return {"certificates": n, "requests": len(per_request), "seconds": round(total, 2),
            "per_s": round(n / total, 1), "request_p50_ms": round(statistics.median(per_request) * 1000, 1),
            "request_max_ms": round(max(per_request) * 1000, 1)}


def holder_queries(db: Path, n: int, seed: int) -> dict[int, list[str]]:
    """Per length 2, 3, 4: n substrings, all Chinese characters, of holder names drawn from the database."""
    rng = random.Random(seed)
    conn = sqlite3.connect(db)
    top = conn.execute("SELECT max(id) FROM certificate").fetchone()[0]
    out: dict[int, list[str]] = {2: [], 3: [], 4: []}
    while min(len(v) for v in out.values()) < n:
        name = conn.execute("SELECT holder_name FROM certificate WHERE id >= ? LIMIT 1",
                            (rng.randint(1, top),)).fetchone()[0]
        for length in (2, 3, 4):
            start_ = rng.randrange(0, max(1, len(name) - length + 1))
            piece = name[start_:start_ + length]
            if len(out[length]) < n and len(piece) == length and CJK.match(piece):
                out[length].append(piece)
    conn.close()
    return out


def holder_search(server: Server, qs: dict[int, list[str]]) -> dict[str, object]:
    import httpx

    result: dict[str, object] = {}
    with httpx.Client(base_url=server.url(""), timeout=60) as client:
        for q in qs[2][:5]:  # warm the caches as a running server has them
            client.get("/api/v1/certificates", params={"holder": q}).raise_for_status()
        for length, items in qs.items():
            times, hits = [], 0
            for q in items:
                t0 = time.perf_counter()
                resp = client.get("/api/v1/certificates", params={"holder": q})
                times.append((time.perf_counter() - t0) * 1000)
                resp.raise_for_status()
                hits += bool(resp.json()["items"])
            times.sort()
            result[str(length)] = {"queries": len(times), "with_results": hits,
                                   "p50_ms": round(statistics.median(times), 2),
                                   "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
                                   "max_ms": round(times[-1], 2)}
    return result


def check_verify(server: Server, work: Path, number: str) -> dict[str, object]:
    """One answer, checked: a known verdict and a valid signature over it by the platform's key."""
    import httpx

    from zhiliang.kernel.config import Settings
    from zhiliang.ledger import attest
    from zhiliang.ledger import service as ledger

    resp = httpx.get(server.url("/api/v1/certificates/verify"), params={"number": number}, timeout=30)
    resp.raise_for_status()
    signer = ledger.load_signer(Settings(data_dir=work / "var"))
    document = attest.verify(resp.json(), signer.verifier())
    assert document["query"]["number_key"] == number and document["verdict"] in (
        "valid", "suspended", "withdrawn", "cancelled", "expired"), document
    return {"bytes": len(resp.content), "verdict": document["verdict"]}


# ---------------------------------------------------------------------------------------------------- profile


def profile(args: argparse.Namespace, db: Path, seconds: float) -> dict[str, object]:
    """py-spy on the 1-worker verification server during a measured wrk run: the hottest functions."""
    prefix, keys, suffix = TARGETS["verify"]
    raw = args.work / "verify_profile.txt"
    with start("verify", 1, args.work, db, prefix + "2014010101000000") as server:
        wrk(server, prefix, args.work / keys, suffix, args.warmup, args.connections, 1, args.work)
        py_spy = shutil.which("py-spy") or str(Path(PY).parent / "py-spy")
        spy = subprocess.Popen([py_spy, "record", "--pid", str(server.proc.pid), "--duration", str(int(seconds)),
                                "--rate", "200", "--format", "raw", "--output", str(raw), "--nonblocking"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run = wrk(server, prefix, args.work / keys, suffix, seconds, args.connections, 2, args.work)
        spy.wait(timeout=120)
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    steps: collections.Counter[str] = collections.Counter()  # what signed_verification and verify spend time in
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f for f in stack.split(";") if f]
        if not frames:
            continue
        n = int(count)
        total += n
        own[_frame(frames[-1])] += n
        short = [_frame(f) for f in frames]
        for frame in set(short):
            inclusive[frame] += n
        steps[_step(short)] += n
    share = lambda c: [{"function": f, "share": round(v / total, 3)} for f, v in c.most_common(40)]  # noqa: E731
    return {"rps_while_sampled": run["rps"], "samples": total,
            "verification_steps": {k: round(v / total, 3) for k, v in steps.most_common() if v / total >= 0.001},
            "top_own": share(own)[:25],
            "top_inclusive": share(inclusive), "raw": str(raw.relative_to(ROOT) if raw.is_relative_to(ROOT) else raw)}


def _step(frames: list[str]) -> str:
    """The step of the verification a sample is in: the first zhiliang call under ``verification.verify``, or the
    call under ``api.signed_verification`` (the transaction's BEGIN/COMMIT, the signature), or elsewhere."""
    for i, frame in enumerate(frames):
        if frame.startswith("verify (zhiliang/certificates/verification.py)"):
            inner = [f for f in frames[i + 1:] if "zhiliang/" in f or f.startswith("Session.scalars")]
            return "verification.verify > " + (inner[0] if inner else "own code")
        if frame.startswith("signed_verification ("):
            rest = frames[i + 1:]
            if rest and rest[0].startswith("verify (zhiliang/certificates/verification.py)"):
                continue
            name = {"_GeneratorContextManager.__enter__ (contextlib.py)": "db.begin(): BEGIN IMMEDIATE (waits for "
                    "the write lock)", "_GeneratorContextManager.__exit__ (contextlib.py)": "db.begin(): COMMIT"}
            return "signed_verification > " + (name.get(rest[0], rest[0]) if rest else "own code")
    return "elsewhere: event loop, HTTP (h11), FastAPI, JSON, thread hand-off, idle waits"


def _frame(frame: str) -> str:
    """'func (path/to/file.py:12)' → 'func (file.py)' so lines of one function add up."""
    m = re.match(r"(.*) \((.*?):\d+\)$", frame)
    if not m:
        return frame
    path = m.group(2)
    short = path.split("site-packages/")[-1] if "site-packages/" in path else path.split("src/")[-1]
    return f"{m.group(1)} ({short})"


# ------------------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=100_000, help="holders, through the registry")
    parser.add_argument("--cbs", type=int, default=20)
    parser.add_argument("--api-certificates", type=int, default=20_000, help="bulk-upserted through the API")
    parser.add_argument("--workers", default="1,2", help="uvicorn worker counts to measure")
    parser.add_argument("--nodelay-workers", default="",
                        help="worker counts measured again with uvicorn's listener fixed to get TCP_NODELAY")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of load before each measured run")
    parser.add_argument("--queries", type=int, default=100, help="holder searches per query length")
    parser.add_argument("--reuse", action="store_true", help="keep the database of an earlier run with these sizes")
    parser.add_argument("--profile", action="store_true", help="py-spy the 1-worker verification server")
    parser.add_argument("--prototype", action="store_true",
                        help="also measure the recommended read-transaction verification (1 worker, patched)")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "certificates")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "certificates.json")
    args = parser.parse_args()
    args.work = args.work.resolve()
    for tool in ("wrk",) + (("py-spy",) if args.profile else ()):
        if shutil.which(tool, path=f"{Path(PY).parent}{os.pathsep}{os.environ.get('PATH', '')}") is None:
            raise SystemExit(f"{tool} is needed: apt-get install -y wrk / pip install py-spy")
    args.work.mkdir(parents=True, exist_ok=True)
    db = args.work / f"{DB_NAME}.db"
    stamp = args.work / "built.json"
    sizes = {"certificates": args.certificates, "enterprises": args.enterprises, "cbs": args.cbs}
    started = time.perf_counter()
    load_before = os.getloadavg()

    if args.reuse and stamp.exists() and json.loads(stamp.read_text())["sizes"] == sizes:
        built = json.loads(stamp.read_text())["built"]
        print(f"reusing {db} ({built})", flush=True)
    else:
        built = build(db, args.work, args.certificates, args.enterprises, args.cbs)
        stamp.write_text(json.dumps({"sizes": sizes, "built": built}))
        print(f"built {db}: {built}", flush=True)
    key_files(db, args.work, args.certificates, args.cbs)
    workers = [int(w) for w in args.workers.split(",") if w]
    nodelay_workers = [int(w) for w in args.nodelay_workers.split(",") if w]

    # Reads first, on exactly the bulk-loaded data; then the API writes and the holder search.
    runs: dict[str, dict[str, dict]] = {}
    configs = [(str(w), w, False) for w in workers] + [(f"{w}_nodelay", w, True) for w in nodelay_workers]
    for name, w, nodelay in configs:
        run = runs[name] = {}
        for kind in ("verify", "datasette", "bare_route"):
            run[kind] = load_run(kind, w, args, db, seed=100 * w + nodelay, nodelay=nodelay)
        run["verify_vs_datasette"] = round(run["verify"]["rps"] / run["datasette"]["rps"], 2)
        run["verify_vs_bare_route"] = round(run["verify"]["rps"] / run["bare_route"]["rps"], 3)
        run["bare_route_vs_datasette"] = round(run["bare_route"]["rps"] / run["datasette"]["rps"], 2)
    prof = profile(args, db, args.duration) if args.profile else None
    prototype = None
    if args.prototype:
        prototype = {"verify": load_run("verify", 1, args, db, seed=7, read_transaction=True)}
        prototype["vs_verify_same_workers"] = round(prototype["verify"]["rps"] / runs["1"]["verify"]["rps"], 2)
        prototype["vs_bare_route_same_workers"] = round(prototype["verify"]["rps"] / runs["1"]["bare_route"]["rps"], 3)
        prototype["vs_datasette_same_workers"] = round(prototype["verify"]["rps"] / runs["1"]["datasette"]["rps"], 2)

    conn = sqlite3.connect(db)
    cb_id, cb_number = conn.execute("SELECT id, cnca_number FROM certification_body ORDER BY id LIMIT 1").fetchone()
    conn.close()
    token = cb_token(args.work, db, cb_id)
    with start("verify", 1, args.work, db, "/api/v1/certificates/verify?number=2014010101000000") as server:
        answer = check_verify(server, args.work, (args.work / "numbers.txt").read_text().split("\n", 1)[0])
        bulk = bulk_upsert(server, token, db, args.api_certificates, cb_id, 1)
        print(f"  bulk upsert: {bulk}", flush=True)
        search = holder_search(server, holder_queries(db, args.queries, seed=3))
        print(f"  holder search: {search}", flush=True)

    best = max((str(w) for w in workers), key=lambda w: runs[w]["verify"]["rps"])
    head = runs[best]
    report: dict[str, object] = {
        "verify_rps": head["verify"]["rps"], "datasette_rps": head["datasette"]["rps"],
        "bare_route_rps": head["bare_route"]["rps"], "verify_vs_datasette": head["verify_vs_datasette"],
        "verify_vs_bare_route": head["verify_vs_bare_route"], "verify_p99_ms": head["verify"]["p99_ms"],
        "bulk_upsert_per_s": bulk["per_s"],
        "holder_search_p95_ms": max(v["p95_ms"] for v in search.values()),
        "headline_workers": int(best),
        "headline": "the worker count with the highest verify_rps (zhiliang serve --workers N; baselines with the "
                    "same worker count and, for N > 1, the same TCP_NODELAY fix)",
        "targets": {"verify_vs_datasette": ">= 6", "verify_vs_bare_route": ">= 0.5", "verify_p99_ms": "< 20",
                    "holder_search_p95_ms": "< 100"},
    }
    report["targets_met"] = {
        "verify_vs_datasette": report["verify_vs_datasette"] >= THRESHOLDS["verify_vs_datasette"],
        "verify_vs_bare_route": report["verify_vs_bare_route"] >= THRESHOLDS["verify_vs_bare_route"],
        "verify_p99_ms": report["verify_p99_ms"] < THRESHOLDS["verify_p99_ms"],
        "holder_search_p95_ms": report["holder_search_p95_ms"] < THRESHOLDS["holder_search_p95_ms"],
    }
    report.update({
        "by_workers": runs, "bulk_upsert": bulk, "holder_search_by_length": search,
        "verify_answer": answer, "data": {**sizes, "api_certificates": args.api_certificates, **built},
        "load": {"tool": "wrk 1 thread", "connections": args.connections, "warmup_s": args.warmup,
                 "duration_s": args.duration},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
                    "platform": platform.platform(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "versions": versions(),
        "notes": {
            "headline": "top-level figures are from the as-shipped worker count with the highest verify_rps; each "
                        "ratio is taken within one configuration",
            "nodelay": "'N_nodelay': the same servers with N workers, started through this file's 'nodelay' "
                       "launcher, which only makes uvicorn's multi-worker listener IPPROTO_TCP so that accepted "
                       "sockets get TCP_NODELAY (uvicorn issue #3149: with --workers > 1 every keep-alive answer "
                       "after the first waits ~40 ms for the client's delayed ACK)",
            "verify": "zhiliang serve (uvicorn, access log on), ZHILIANG_LEDGER_IN_PROCESS=false; every answer is "
                      "the full verification document signed with Ed25519 (ledger.attest)",
            "datasette": "Datasette's ASGI app under uvicorn with the same worker count, database immutable; row "
                         "JSON by primary key",
            "bare_route": "Starlette async route under uvicorn, one sqlite3 connection per process, SELECT * by "
                          "number_key, row as JSON: no normalisation, no signature",
            "reachability": "bare_route_vs_datasette is the most any handler on this stack can reach over "
                            "Datasette: the 6x target is only reachable where it is above 6",
            "machine": "2 shared cores: wrk and the server share them, so figures move by 10-20% between runs",
        },
        "total_seconds": round(time.perf_counter() - started, 1),
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
    })
    if prototype:
        report["prototype_read_transaction"] = {
            **prototype, "what": "1 worker; certificates/api.py's signed_verification patched at start-up (this "
                                 "file's 'read-transaction' launcher) to look up in db.read() and open db.begin() "
                                 "only for a verdict that records a counterfeit signal; not merged"}
    if prof:
        report["profile"] = prof
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print_table(report)
    print(f"written {args.out}")


def versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {p: version(p) for p in ("fastapi", "starlette", "uvicorn", "sqlalchemy", "datasette")}
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    out["wrk"] = (wrk_v.stdout + wrk_v.stderr).split("\n", 1)[0].strip()
    return out


def print_table(r: dict[str, object]) -> None:
    print(f"\n{'workers':>7}  {'server':<11}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for w, run in r["by_workers"].items():
        for kind in ("verify", "datasette", "bare_route"):
            x = run[kind]
            print(f"{w:>7}  {kind:<11}{x['rps']:>9.0f}{x['p50_ms']:>9.2f}{x['p99_ms']:>9.2f}{x['max_ms']:>9.1f}")
        print(f"{'':>7}  verify / datasette {run['verify_vs_datasette']}, verify / bare route "
              f"{run['verify_vs_bare_route']}")
    print()
    for key in ("verify_rps", "datasette_rps", "bare_route_rps", "verify_vs_datasette", "verify_vs_bare_route",
                "verify_p99_ms", "bulk_upsert_per_s", "holder_search_p95_ms"):
        met = r["targets_met"].get(key)
        print(f"  {key:<24}{r[key]:>12}" + ("" if met is None else f"   target {r['targets'][key]}: "
                                                                      f"{'met' if met else 'NOT met'}"))


if __name__ == "__main__":
    if sys.argv[1:2] == ["nodelay"]:
        launch_nodelay(sys.argv[2:])
    elif sys.argv[1:2] == ["read-transaction"]:
        launch_read_transaction(sys.argv[2:])
    else:
        main()
