"""Signed JSON documents: round trip, and every kind of tampering fails."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhiliang.ledger import attest, note

SIGNER = note.Signer.generate("test.zhiliang/ledger")
DOC = {"verdict": "valid", "number": "2020010703123456", "holder": "沙坪坝区恒达食品有限公司", "n": 3, "ok": True,
       "history": [{"status": "valid", "on": "2020-01-05"}], "none": None}

json_values = st.recursive(st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                        max_size=4), max_leaves=20)


def test_round_trip_through_json_text():
    signed = attest.attest(DOC, SIGNER)
    saved = json.dumps(signed, ensure_ascii=False, indent=2)  # saved pretty-printed: still verifies
    assert attest.verify(json.loads(saved), SIGNER.verifier()) == DOC
    assert signed["signature"]["key"] == SIGNER.verifier().key_text()


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=5))
def test_any_json_document_round_trips(document):
    assert attest.verify(attest.attest(document, SIGNER), SIGNER.verifier()) == document


@pytest.mark.parametrize("change", [
    lambda d: d["document"].__setitem__("verdict", "suspended"),
    lambda d: d["document"].__setitem__("n", 4),
    lambda d: d["document"]["history"][0].__setitem__("on", "2020-01-06"),
    lambda d: d["document"].__setitem__("extra", 1),
    lambda d: d["document"].pop("none"),
    lambda d: d["signature"].__setitem__("sig", d["signature"]["sig"][:-4] + "AAA="),
    lambda d: d["signature"].__setitem__("alg", "none"),
    lambda d: d.pop("signature"),
    lambda d: d.__setitem__("document", "text"),
])
def test_any_change_fails(change):
    signed = attest.attest(DOC, SIGNER)
    tampered = copy.deepcopy(signed)
    change(tampered)
    with pytest.raises(attest.AttestationError):
        attest.verify(tampered, SIGNER.verifier())


def test_every_single_byte_change_of_the_saved_file_fails_or_leaves_the_content_unchanged():
    text = json.dumps(attest.attest(DOC, SIGNER), ensure_ascii=False, sort_keys=True).encode()
    for i in range(len(text)):
        raw = bytearray(text)
        raw[i] ^= 0x01
        try:
            parsed = json.loads(raw.decode("utf-8"))
            document = attest.verify(parsed, SIGNER.verifier())
        except (ValueError, UnicodeDecodeError, attest.AttestationError, AttributeError, TypeError):
            continue
        assert document == DOC and parsed["document"] == DOC, f"byte {i} changed the content yet verified"


def test_another_key_or_a_signed_note_signature_does_not_verify():
    signed = attest.attest(DOC, SIGNER)
    with pytest.raises(attest.AttestationError):
        attest.verify(signed, note.Signer.generate("test.zhiliang/ledger").verifier())
    body = note.Checkpoint("test.zhiliang/ledger", 1, b"\x00" * 32).body()
    line = note.sign(body, SIGNER).splitlines()[-1]
    raw_sig = __import__("base64").b64decode(line.split(" ")[-1])[4:]
    forged = {"document": DOC, "signature": {"alg": "Ed25519", "sig": __import__("base64").b64encode(raw_sig).decode()}}
    with pytest.raises(attest.AttestationError):
        attest.verify(forged, SIGNER.verifier())
