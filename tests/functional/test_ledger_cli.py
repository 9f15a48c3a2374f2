"""``zhiliang ledger`` commands as a user runs them: key, run --once, proof, check-proof, audit."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from support import zl

from zhiliang.demo.generate import write_enterprise_csv


def test_proof_checked_offline_and_tampering_named_by_the_audit(committed, tmp_path: Path):
    engine, env = committed
    csv = tmp_path / "e.csv"
    write_enterprise_csv(csv, 40, seed=3)
    assert zl(env, "import", "enterprises", str(csv)).returncode == 0
    key = zl(env, "ledger", "key").stdout.strip()
    assert key.startswith("zhiliang.local/ledger+")
    run = zl(env, "ledger", "run", "--once")
    assert run.returncode == 0 and "logged" in run.stdout
    clean = zl(env, "ledger", "audit")
    assert clean.returncode == 0 and "ok" in clean.stdout, clean.stdout

    with engine.connect() as c:
        seq = c.execute(text("SELECT max(seq + count - 1) FROM ledger_entry_run")).scalar_one()
        target, uscc = c.execute(text("SELECT id, uscc FROM enterprise ORDER BY id LIMIT 1 OFFSET 7")).one()
    bundle = tmp_path / "proof.tlog-proof"
    assert zl(env, "ledger", "proof", str(seq), "-o", str(bundle)).returncode == 0
    ok = zl(env, "ledger", "check-proof", str(bundle), "--key", key)
    assert ok.returncode == 0 and "ok: entry" in ok.stdout, ok.stdout + ok.stderr
    raw = bytearray(bundle.read_bytes())
    raw[len(raw) // 3] ^= 0x01
    (tmp_path / "bad.tlog-proof").write_bytes(bytes(raw))
    bad = zl(env, "ledger", "check-proof", str(tmp_path / "bad.tlog-proof"), "--key", key)
    assert bad.returncode == 1 and "INVALID" in bad.stderr
    other_key = "other.example/log+" + key.split("+", 1)[1]
    assert zl(env, "ledger", "check-proof", str(bundle), "--key", other_key).returncode == 1

    with engine.begin() as c:
        c.execute(text("UPDATE enterprise SET status = 'cancelled' WHERE id = :i"), {"i": target})
    tampered = zl(env, "ledger", "audit")
    assert tampered.returncode == 2
    assert f"TAMPERED enterprise:{target}.status" in tampered.stdout and uscc in tampered.stdout
