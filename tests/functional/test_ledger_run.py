"""The sequencer as it runs for real: separate processes and connections on a committed database (a SQLite file,
or a fresh PostgreSQL schema), killed with SIGKILL mid-work, racing writers, and an outside mirror over HTTP."""

from __future__ import annotations

import json
import random
import signal
import socket
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from support import ZHILIANG, zl

from zhiliang.kernel import events
from zhiliang.kernel.clock import SystemClock
from zhiliang.kernel.db import Database
from zhiliang.ledger import cosignature, note, service
from zhiliang.ledger.entries import iter_entries


def write_events(engine, n: int, per_tx: int = 50, start: int = 0) -> None:
    db = Database(engine)
    now = datetime.now(UTC)
    for first in range(start, start + n, per_tx):
        with db.begin() as s:
            events.emit_many(s, [{"type": "test.Thing", "entity": f"thing:{i}", "occurred_at": now,
                                  "actor": "tester", "payload": {"n": i}, "private": {"phone": f"1380000{i:04d}"}}
                                 for i in range(first, min(first + per_tx, start + n))])


def logged(engine) -> tuple[list[int], list[int]]:
    with engine.connect() as c:
        seqs = [r[0] for r in c.execute(text("SELECT seq FROM event ORDER BY seq"))]
        entries = [e.event_seq for e in iter_entries(c)]
    return seqs, entries


@pytest.mark.slow
def test_kill_9_at_any_moment_loses_nothing_and_duplicates_nothing(committed):
    engine, env = committed
    write_events(engine, 5_000, per_tx=500)
    env = {**env, "ZHILIANG_LEDGER_BATCH_SIZE": "10", "ZHILIANG_LEDGER_INTERVAL_MS": "10"}
    rng, interrupted = random.Random(9), []
    for round_ in range(40):
        before = len(logged(engine)[1])
        process = subprocess.Popen([*ZHILIANG, "ledger", "run"], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(logged(engine)[1]) == before and time.monotonic() < deadline and before < len(logged(engine)[0]):
            time.sleep(0.02)  # wait until this run is at work, however slow the machine is to start it
        time.sleep(rng.uniform(0, 0.15))
        process.send_signal(signal.SIGKILL)
        process.wait()
        seqs, entries = logged(engine)
        assert len(entries) == len(set(entries)) and set(entries) <= set(seqs)
        if 0 < len(entries) < len(seqs):
            interrupted.append(len(entries))
        if round_ % 3 == 1:
            write_events(engine, 200, start=100_000 + round_ * 200)  # new work arrives between crashes
        if len(entries) == len(seqs) and len(interrupted) >= 3:
            break
    assert interrupted, "no kill landed while work remained; the test proved nothing"
    finish = zl(env, "ledger", "run", "--once")
    assert finish.returncode == 0, finish.stderr
    seqs, entries = logged(engine)
    assert sorted(entries) == seqs and len(entries) == len(set(entries))
    audit = zl(env, "ledger", "audit")
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_an_event_committed_out_of_seq_order_is_not_skipped(committed):
    """PostgreSQL draws seq before commit: B (seq a+1) commits while A (seq a) is still open. A sequencer that
    read past the gap would log a+1 and never a."""
    engine, _ = committed
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time: seq order is commit order")
    signer, clock, db = note.Signer.generate("t.example/log"), SystemClock(), Database(engine)
    now = datetime.now(UTC)
    with engine.connect() as first, engine.connect() as second:
        a = first.begin()
        first.execute(events.Event.__table__.insert(), {"type": "t.A", "entity": "a:1", "occurred_at": now,
                                                        "payload": {}})
        with second.begin():
            second.execute(events.Event.__table__.insert(), {"type": "t.B", "entity": "b:1", "occurred_at": now,
                                                             "payload": {}})
        assert service.catch_up(db, signer, "t.example/log", clock) == 0  # B waits for A's transaction
        a.commit()
    assert service.catch_up(db, signer, "t.example/log", clock) == 2
    seqs, entries = logged(engine)
    assert sorted(entries) == seqs


def test_racing_writers_and_a_running_sequencer_log_every_event_once(committed):
    engine, _ = committed
    signer, clock, db = note.Signer.generate("t.example/log"), SystemClock(), Database(engine)
    sequencer = service.Sequencer(db, signer, "t.example/log", clock, interval=0.01, limit=7)
    thread, stop = service.start_in_thread(sequencer)

    def writer(k: int) -> None:
        rng = random.Random(k)
        for i in range(40):
            with db.begin() as s:
                events.emit(s, "t.Raced", f"r:{k}:{i}", {"k": k, "i": i}, at=clock.now())
                s.flush()
                time.sleep(rng.uniform(0, 0.01))  # hold the transaction open after seq was drawn

    writers = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    deadline = time.monotonic() + 30
    while len(logged(engine)[1]) < 160 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=10)
    seqs, entries = logged(engine)
    assert len(seqs) == 160 and sorted(entries) == seqs and len(set(entries)) == 160


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_mirror_follows_the_log_and_reports_a_rewrite(committed, tmp_path):
    engine, env = committed
    write_events(engine, 300)
    port = _free_port()
    witness = cosignature.Cosigner.generate("witness.example/auditor")
    env = {**env, "ZHILIANG_LEDGER_INTERVAL_MS": "20",
           "ZHILIANG_LEDGER_WITNESSES": json.dumps([witness.verifier().key_text()])}
    server = subprocess.Popen([*ZHILIANG, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/ledger"
        key = _wait_for_key(base)
        _wait_for_size(engine, 300)
        state = str(tmp_path / "mirror")
        first = zl(env, "ledger", "mirror", base, "--key", key, "--state", state)
        assert first.returncode == 0 and "first run" in first.stdout, first.stdout + first.stderr
        write_events(engine, 700, start=300)
        _wait_for_size(engine, 1000)
        second = zl(env, "ledger", "mirror", base, "--key", key, "--state", state, "--cosign-key", witness.key_text())
        assert second.returncode == 0 and "was 300" in second.stdout and "entries checked 700" in second.stdout, \
            second.stdout + second.stderr
        assert "cosigned" in second.stdout  # acting as a witness: its cosignature is accepted and published
        published = _get(base + "/checkpoint")
        assert cosignature.verify_cosignature(published, published.splitlines()[-1], witness.verifier()) > 0
        assert "witness.example/auditor" in _get(base.removesuffix("/ledger") + "/ledger")
        with engine.begin() as c:  # the operator rewrites history: edits an event and rebuilds the log
            c.execute(text("UPDATE event SET payload = :p WHERE seq = (SELECT min(seq) FROM event)"),
                      {"p": '{"n": -1}'})
            for table in ("ledger_cosignature", "ledger_checkpoint", "ledger_entry_run", "ledger_hash_block", "ledger_state"):
                c.execute(text(f"DELETE FROM {table}"))
        _wait_for_size(engine, 1000)
        third = zl(env, "ledger", "mirror", base, "--key", key, "--state", state)
        assert third.returncode == 2 and "fork: two roots for size 1000" in third.stdout, third.stdout + third.stderr
        write_events(engine, 100, start=1000)
        _wait_for_size(engine, 1100)
        fourth = zl(env, "ledger", "mirror", base, "--key", key, "--state", state)
        assert fourth.returncode == 2 and "rewrite" in fourth.stdout, fourth.stdout + fourth.stderr
        evidence = list(Path(state).glob("evidence-*.txt"))
        assert evidence and "\n1000\n" in evidence[0].read_text(encoding="utf-8")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def _wait_for_key(base: str) -> str:
    import urllib.request

    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/key", timeout=2) as r:
                return r.read().decode().strip()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _wait_for_size(engine, n: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with engine.connect() as c:
            size = c.execute(text("SELECT coalesce(max(size), 0) FROM ledger_checkpoint")).scalar()
        if size >= n:
            return
        time.sleep(0.1)
    raise AssertionError(f"the log did not reach {n} entries")
