"""The ledger on a real database (SQLite, and PostgreSQL in .ci/run's second pass): sequencing, proofs, tiles,
cosignatures and the tamper audit."""

from __future__ import annotations

import json
import random
from datetime import date

import pytest
from sqlalchemy import text

from zhiliang.app import audited_tables
from zhiliang.kernel import events
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import DomainError
from zhiliang.ledger import audit, cosignature, domain, merkle, note, proof, service, tiles
from zhiliang.ledger.entries import iter_entries
from zhiliang.registry import uscc
from zhiliang.registry.domain import EnterpriseRecord
from zhiliang.registry.service import upsert_enterprises

ORIGIN = "test.zhiliang/ledger"


@pytest.fixture(scope="module")
def signer():
    return note.Signer.generate(ORIGIN)


def record(code: str, name: str, legal_rep: str | None = "张三") -> EnterpriseRecord:
    return EnterpriseRecord(uscc=code, uscc_warning=None, name=name, entity_type="enterprise", legal_rep=legal_rep,
                            address="重庆市沙坪坝区小龙坎正街 1 号", division_code="500106", industry_code="C1391",
                            registration_authority="沙坪坝区市场监督管理局", established_date=date(2015, 3, 2),
                            status="active", registered_capital=None, former_names=())


@pytest.fixture
def city(rt):
    rng = random.Random(7)
    codes = [uscc.random_uscc(rng, "500106") for _ in range(12)]
    with rt.db.begin() as s:
        upsert_enterprises(s, [record(c, f"沙坪坝区第{i}食品有限公司") for i, c in enumerate(codes)],
                           Actor.system("test"), rt.clock.now(), "test")
    return codes


def nth_event(rt, n):
    """The seq of the n-th event (from 1): PostgreSQL's sequences do not restart with the rolled-back test."""
    with rt.db.read() as s:
        return s.execute(text("SELECT seq FROM event ORDER BY seq LIMIT 1 OFFSET :n"), {"n": n - 1}).scalar_one()


def sequence(rt, signer, limit=5):
    return service.catch_up(rt.db, signer, ORIGIN, rt.clock, limit=limit)


def enterprise_id(rt, code):
    with rt.db.read() as s:
        return s.execute(text("SELECT id FROM enterprise WHERE uscc = :u"), {"u": code}).scalar_one()


def test_every_committed_event_is_logged_once_in_order(rt, signer, city):
    assert sequence(rt, signer) == 12
    assert sequence(rt, signer) == 0  # nothing new: nothing logged twice
    with rt.db.begin() as s:
        events.emit(s, "test.Thing", "thing:1", {"n": 1}, at=rt.clock.now())
    assert sequence(rt, signer) == 1
    with rt.db.read() as s:
        seqs = [row[0] for row in s.execute(text("SELECT seq FROM event ORDER BY seq"))]
        logged = [e.event_seq for e in iter_entries(s.connection())]
        assert logged == seqs
        assert service.size(s) == 13
        # a checkpoint per batch, each signed by the platform key
        sizes = [row[0] for row in s.execute(text("SELECT size FROM ledger_checkpoint ORDER BY size"))]
        assert sizes == [5, 10, 12, 13]
        latest = service.latest_checkpoint(s)
        opened = note.open_note(latest.note, [signer.verifier()])
        assert note.Checkpoint.parse(opened.text).size == 13


def test_leaf_is_canonical_json_of_the_public_part_and_commits_to_personal_data(rt, signer, city):
    sequence(rt, signer)
    with rt.db.read() as s:
        entry = service.entry_for_event(s, nth_event(rt, 1))
        event = s.get(events.Event, nth_event(rt, 1))
        data = bytes(entry.data)
        doc = json.loads(data)
        assert doc["payload"]["name"] == "沙坪坝区第0食品有限公司"
        assert "张三" not in data.decode() and "小龙坎" not in data.decode() and "test" not in doc
        assert event.private == {"legal_rep": "张三", "address": "重庆市沙坪坝区小龙坎正街 1 号"}
        record_ = domain.EventRecord(event.seq, event.type, event.entity, event.occurred_at, event.actor,
                                     event.payload, event.private)
        assert doc["private"] == domain.commitment(bytes(entry.salt), record_)
        assert data == domain.canonical_json(doc)  # canonical: re-encoding gives the same bytes


def test_proof_bundle_verifies_offline_and_fails_when_altered(rt, signer, city):
    sequence(rt, signer)
    with rt.db.read() as s:
        bundle = service.proof_bundle(s, nth_event(rt, 4))
    checkpoint = proof.verify_bundle(bundle.format(), signer.verifier())
    assert checkpoint.size == 12 and bundle.index == 3
    forged = proof.ProofBundle(bundle.index, bundle.leaf_data.replace("第3".encode(), "第9".encode()),
                              bundle.proof, bundle.checkpoint_note)
    with pytest.raises(note.NoteError):
        proof.verify_bundle(forged, signer.verifier())
    with pytest.raises(note.NoteError):
        proof.verify_bundle(bundle, note.Signer.generate(ORIGIN).verifier())


def test_proof_of_an_event_not_yet_logged_is_404(rt, signer, city):
    with rt.db.read() as s, pytest.raises(DomainError) as caught:
        service.proof_bundle(s, nth_event(rt, 1))
    assert caught.value.status == 404


def test_consistency_proofs_between_checkpoints(rt, signer, city):
    sequence(rt, signer)
    with rt.db.read() as s:
        old, new = service.checkpoint_at(s, 5), service.checkpoint_at(s, 12)
        proof, size = service.consistency(s, 5)
    assert size == 12
    merkle.verify_consistency(5, 12, proof, bytes(old.root), bytes(new.root))
    with rt.db.read() as s, pytest.raises(DomainError):
        service.consistency(s, 13)


def test_tiles_rebuild_the_signed_tree(rt, signer, city):
    sequence(rt, signer)
    with rt.db.read() as s:
        latest = service.latest_checkpoint(s)

        def fetch(tile):
            return service.tile_data(s, tiles.tile_path(tile))

        reader = tiles.TileHashReader(latest.size, bytes(latest.root), fetch)
        assert merkle.tree_hash(latest.size, reader) == bytes(latest.root)
        bundle = tiles.decode_entry_bundle(service.tile_data(s, "tile/entries/000.p/12"), 12)
        assert [merkle.leaf_hash(e) for e in bundle] == reader.read_hashes(
            [merkle.stored_hash_index(0, i) for i in range(12)])
        for missing in ("tile/0/001", "tile/0/000.p/13", "tile/0/000", "tile/entries/000.p/13", "tile/x/000"):
            with pytest.raises(DomainError) as caught:
                service.tile_data(s, missing)
            assert caught.value.status == 404


def test_cosignatures_from_configured_witnesses_are_stored_and_shown(rt, signer, city):
    sequence(rt, signer)
    witness = cosignature.Cosigner.generate("witness.example/w1")
    stranger = cosignature.Cosigner.generate("stranger.example/w9")
    with rt.db.begin() as s:
        latest = service.latest_checkpoint(s)
        cosigned = latest.note + witness.cosign(latest.note, 1_800_000_000)
        assert service.add_cosignature(s, cosigned, [witness.verifier()], rt.clock) == ["witness.example/w1"]
        shown = service.cosigned_note(s, latest)
        assert cosignature.verify_cosignature(shown, shown.splitlines()[-1], witness.verifier()) == 1_800_000_000
        assert [c.witness for c in service.cosignatures(s)] == ["witness.example/w1"]
    bad_cases = [
        latest.note + stranger.cosign(latest.note, 1_800_000_000),  # not a configured witness
        latest.note + witness.cosign(latest.note, 1_800_000_000).replace("—", "—", 1)[:-6] + "AAAA=\n",  # bad sig
        note.sign(note.Checkpoint(ORIGIN, 12, b"\x01" * 32).body(), signer)
        + witness.cosign(note.sign(note.Checkpoint(ORIGIN, 12, b"\x01" * 32).body(), signer), 1),  # not our root
        "no blank line",
    ]
    for bad in bad_cases:
        with rt.db.begin() as s, pytest.raises(DomainError) as caught:
            service.add_cosignature(s, bad, [witness.verifier()], rt.clock)
        assert caught.value.status == 422


def run_audit(rt, signer):
    with rt.db.read() as s:
        return audit.run(s, signer.verifier(), audited_tables())


def test_audit_of_an_untouched_database_is_clean(rt, signer, city):
    sequence(rt, signer)
    report = run_audit(rt, signer)
    assert report.ok, report.findings
    # 12 enterprises, each checked twice: its registry fields and its credit-risk class (default B, no event)
    assert (report.entries_checked, report.checkpoint_size, report.rows_checked) == (12, 12, 24)


def test_audit_names_a_registry_row_changed_with_raw_sql(rt, signer, city):
    sequence(rt, signer)
    target = enterprise_id(rt, city[5])
    with rt.db.begin() as s:
        s.execute(text("UPDATE enterprise SET name = '伪造食品有限公司' WHERE id = :i"), {"i": target})
    report = run_audit(rt, signer)
    assert [f.where for f in report.findings] == [f"enterprise:{target}.name"]
    assert city[5] in report.findings[0].zh and "伪造食品有限公司" in report.findings[0].en


def test_audit_names_a_personal_field_changed_with_raw_sql(rt, signer, city):
    sequence(rt, signer)
    target = enterprise_id(rt, city[2])
    with rt.db.begin() as s:
        s.execute(text("UPDATE enterprise SET legal_rep = '李四' WHERE id = :i"), {"i": target})
    assert [f.where for f in run_audit(rt, signer).findings] == [f"enterprise:{target}.legal_rep"]


def test_audit_names_rows_inserted_or_deleted_outside_the_platform(rt, signer, city):
    sequence(rt, signer)
    gone = enterprise_id(rt, city[1])
    with rt.db.begin() as s:
        s.execute(text("DELETE FROM enterprise_name_gram WHERE enterprise_id = :i"), {"i": gone}) \
            if rt.db.dialect == "postgresql" else None
        s.execute(text("DELETE FROM enterprise_name_tri WHERE enterprise_id = :i"), {"i": gone}) \
            if rt.db.dialect == "postgresql" else None
        s.execute(text("DELETE FROM enterprise WHERE id = :i"), {"i": gone})
        s.execute(text("INSERT INTO enterprise (id, uscc, name, name_key, name_initials, entity_type, status, "
                       "created_at, updated_at) VALUES (900000001, '91500106MA5U000000', '幽灵公司', '幽灵公司', 'ylgs', "
                       "'enterprise', 'active', :at, :at)"), {"at": rt.clock.now()})
    wheres = sorted(f.where for f in run_audit(rt, signer).findings)
    assert wheres == sorted([f"enterprise:{gone}", "enterprise:900000001"])


def test_audit_names_an_event_edited_after_logging(rt, signer, city):
    sequence(rt, signer)
    with rt.db.begin() as s:
        s.execute(text("UPDATE event SET type = 'registry.Forged' WHERE seq = :q"), {"q": nth_event(rt, 3)})
    findings = run_audit(rt, signer).findings
    # The edited event is named, and so is its enterprise, whose registration is no longer a registry event.
    assert [f.check for f in findings] == ["event", "row"] and f"event {nth_event(rt, 3)} " in findings[0].where
    assert findings[1].where.startswith("enterprise:")


def test_audit_names_a_stored_hash_changed_and_a_broken_checkpoint(rt, signer, city):
    sequence(rt, signer)
    with rt.db.begin() as s:
        block = bytearray(s.execute(text("SELECT hashes FROM ledger_hash_block WHERE block = 0")).scalar_one())
        block[4 * 32:5 * 32] = b"\x00" * 32  # stored hash 4
        s.execute(text("UPDATE ledger_hash_block SET hashes = :h WHERE block = 0"), {"h": bytes(block)})
    assert [f.where for f in run_audit(rt, signer).findings] == ["hash 4"]
    with rt.db.begin() as s:
        s.execute(text("UPDATE ledger_checkpoint SET note = replace(note, '\n12\n', '\n11\n') WHERE size = 12"))
    assert "checkpoint 12" in [f.where for f in run_audit(rt, signer).findings]
