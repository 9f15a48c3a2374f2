"""The ledger over HTTP: page and JSON twin, C2SP checkpoint and tiles with their cache headers, proofs, and
witnesses' cosignatures."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from zhiliang.app import create_app
from zhiliang.ledger import cosignature, merkle, note, proof, service, tiles


@pytest.fixture
def logged(rt, client, enterprises):
    signer = client.app.state.ledger_signer
    service.catch_up(rt.db, signer, rt.settings.ledger_origin, rt.clock)
    return signer


def test_checkpoint_is_404_until_something_is_logged(client):
    response = client.get("/ledger/checkpoint")
    assert response.status_code == 404 and "empty" in response.text


def test_checkpoint_is_a_signed_note_that_verifies_with_the_published_key(client, logged):
    key = client.get("/ledger/key").text.strip()
    response = client.get("/ledger/checkpoint")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-cache"
    assert response.headers["content-type"].startswith("text/plain")
    checkpoint = note.Checkpoint.parse(note.open_note(response.text, [note.Verifier.from_key(key)]).text)
    assert checkpoint.origin == "zhiliang.local/ledger" and checkpoint.size == 3


def test_tiles_are_immutable_and_rebuild_the_root(client, logged):
    checkpoint = note.Checkpoint.parse(note.open_note(client.get("/ledger/checkpoint").text,
                                                      [logged.verifier()]).text)
    seen = []

    def fetch(tile):
        response = client.get("/ledger/" + tiles.tile_path(tile))
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        seen.append(tile)
        return response.content

    assert merkle.tree_hash(3, tiles.TileHashReader(3, checkpoint.root_hash, fetch)) == checkpoint.root_hash
    assert seen
    bundle = client.get("/ledger/tile/entries/000.p/3")
    assert bundle.status_code == 200 and len(tiles.decode_entry_bundle(bundle.content, 3)) == 3


@pytest.mark.parametrize("path", ["tile/0/000.p/4", "tile/0/000", "tile/0/001.p/1", "tile/0/0", "tile/../x",
                                  "tile/entries/000.p/0"])
def test_tiles_beyond_the_tree_or_malformed_are_404(client, logged, path):
    response = client.get("/ledger/" + path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_event_proof_and_bundle(client, logged, rt):
    from sqlalchemy import text

    with rt.db.read() as s:
        seq = s.execute(text("SELECT min(seq) FROM event")).scalar_one()
    answer = client.get(f"/api/v1/ledger/events/{seq}/proof").json()
    assert answer["index"] == 0 and answer["entry"].startswith('{"at":')
    checkpoint = note.Checkpoint.parse(note.open_note(answer["checkpoint"], [logged.verifier()]).text)
    merkle.verify_inclusion(merkle.leaf_hash(answer["entry"].encode()), 0, checkpoint.size,
                            [base64.b64decode(h) for h in answer["proof"]], checkpoint.root_hash)
    bundle = client.get(answer["bundle_url"])
    assert "attachment" in bundle.headers["content-disposition"]
    assert proof.verify_bundle(bundle.text, logged.verifier()).size == 3
    missing = client.get("/api/v1/ledger/events/999999999/proof")
    assert missing.status_code == 404 and missing.json()["zh"]


def test_consistency_proof(client, logged, rt):
    answer = client.get("/api/v1/ledger/consistency", params={"old": 1}).json()
    assert answer["new"] == 3
    with rt.db.read() as s:
        old, new = service.checkpoint_at(s, 3), service.latest_checkpoint(s)
    assert old.size == new.size == 3
    bad = client.get("/api/v1/ledger/consistency", params={"old": 4})
    assert bad.status_code == 422 and bad.json()["field"] == "old"


def test_page_and_json_twin_in_both_languages(client, logged):
    page = client.get("/ledger")
    assert page.status_code == 200 and "防篡改记录" in page.text and "registry.EnterpriseRegistered" in page.text
    assert "zhiliang ledger check-proof" in page.text
    assert "How to verify" in client.get("/ledger?lang=en").text
    twin = client.get("/api/v1/ledger").json()
    assert twin["size"] == 3 and twin["checkpoint"]["size"] == 3 and len(twin["recent"]) == 3
    assert "张三" not in page.text and "张三" not in str(twin)  # personal data is only committed to


def test_witness_cosignature_is_accepted_stored_and_shown(settings, db, clock, rt, enterprises):
    witness = cosignature.Cosigner.generate("witness.example/w1")
    configured = settings.model_copy(update={"ledger_witnesses": [witness.verifier().key_text()]})
    with TestClient(create_app(configured, db=db, clock=clock)) as client:
        signer = client.app.state.ledger_signer
        service.catch_up(rt.db, signer, settings.ledger_origin, rt.clock)
        current = client.get("/ledger/checkpoint").text
        posted = client.post("/ledger/cosignature", content=(current + witness.cosign(current, 1_800_000_000)))
        assert posted.status_code == 200 and posted.json() == {"stored": ["witness.example/w1"]}
        shown = client.get("/ledger/checkpoint").text
        assert cosignature.verify_cosignature(shown, shown.splitlines()[-1], witness.verifier()) == 1_800_000_000
        assert "witness.example/w1" in client.get("/ledger").text
        stranger = cosignature.Cosigner.generate("witness.example/w2")
        refused = client.post("/ledger/cosignature", content=current + stranger.cosign(current, 1))
        assert refused.status_code == 422 and refused.json()["en"]
        assert client.post("/ledger/cosignature", content=b"\xff\xfe").status_code == 422
