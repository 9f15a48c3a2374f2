"""Tests for zhiliang.ledger.note: signed notes, checkpoints, cosignatures and proof bundles (C2SP formats)."""

from __future__ import annotations

import base64
import json
from functools import cache

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from support import ledger_vectors_path, shared_vectors_path

from zhiliang.ledger.cosignature import (
    CosignatureVerifier,
    Cosigner,
    cosignature_message,
    generate_cosigner_key,
    verify_cosignature,
)
from zhiliang.ledger.note import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    MAX_SIGNATURES,
    AmbiguousKeyError,
    Checkpoint,
    InclusionError,
    InvalidSignatureError,
    KeyIdMismatchError,
    MalformedBundleError,
    MalformedCheckpointError,
    MalformedKeyError,
    MalformedNoteError,
    NoteError,
    Signature,
    Signer,
    UnverifiedNoteError,
    Verifier,
    generate_key,
    is_valid_name,
    key_id,
    open_note,
    sign,
)
from zhiliang.ledger.proof import ProofBundle, verify_bundle

VECTORS_PATH = ledger_vectors_path()
VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
PUBLISHED = VECTORS["signed_note_published"]
DERIVED = VECTORS["derived_checkpoint"]
LOG_NAME = "example.com/ledger-vectors"
WITNESS_NAME = "example.com/ledger-witness"
TIMESTAMP = DERIVED["cosignature_timestamp"]
B64 = base64.b64encode


@cache
def _seed_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(DERIVED["ed25519_seed_hex"]))


@cache
def log_signer() -> Signer:
    return Signer(LOG_NAME, _seed_key())


@cache
def witness() -> Cosigner:
    return Cosigner(WITNESS_NAME, _seed_key())


@cache
def other_signers(count: int) -> tuple[Signer, ...]:
    return tuple(Signer.generate(f"example.com/signer-{i}") for i in range(count))


def _flip_signature_byte(note_text: str, position: int = 10) -> str:
    """The note with one byte of its last signature line changed, re-encoded canonically."""
    head, _, line = note_text.removesuffix("\n").rpartition("\n")
    name, b64 = line.removeprefix("— ").split(" ")
    raw = bytearray(base64.b64decode(b64))
    raw[position] ^= 0x01
    return f"{head}\n— {name} {B64(bytes(raw)).decode()}\n"


def test_vectors_path_resolves_to_the_shared_file():
    assert VECTORS_PATH.name == "ledger_vectors.json" and VECTORS_PATH.is_file()
    shared = shared_vectors_path()
    if shared.is_file():  # the in-repo copy must not drift from the published file
        assert VECTORS_PATH.read_bytes() == shared.read_bytes()


# ---------------------------------------------------------------------------------------------------- published notes


@pytest.mark.parametrize("case", PUBLISHED, ids=[c["source"] for c in PUBLISHED])
def test_published_note_verifies_exactly(case):
    verifier = Verifier.from_key(case["verifier_key"])
    assert verifier.key_id == int(case["key_id_hex"], 16)
    assert verifier.key_text() == case["verifier_key"]
    note = open_note(case["signed_note"], [verifier])
    assert note.text == case["text"]
    assert note.signatures == (Signature(verifier.name, verifier.key_id, case["signed_note"].split(" ")[-1][:-1]),)
    assert note.unverified_signatures == ()


@pytest.mark.parametrize("case", [c for c in PUBLISHED if "signer_key" in c], ids=lambda c: c["source"])
def test_published_signer_key_resigns_byte_identically(case):
    signer = Signer.from_key(case["signer_key"])
    assert sign(case["text"], signer) == case["signed_note"]
    assert signer.verifier().key_text() == case["verifier_key"]
    assert signer.key_text() == case["signer_key"]


def test_published_note_opens_from_bytes():
    case = PUBLISHED[0]
    assert open_note(case["signed_note"].encode(), [Verifier.from_key(case["verifier_key"])]).text == case["text"]


def test_signer_repr_hides_the_seed():
    assert "AYEK" not in repr(Signer.from_key(PUBLISHED[0]["signer_key"]))


# ---------------------------------------------------------------------------------------------------- derived checkpoint


def test_derived_keys_match_the_vector():
    assert log_signer().verifier().public_key.hex() == DERIVED["ed25519_pub_hex"]
    assert log_signer().verifier().key_text() == DERIVED["log_vkey"]
    assert Verifier.from_key(DERIVED["log_vkey"]) == log_signer().verifier()
    assert witness().verifier().key_text() == DERIVED["cosigner_vkey"]
    assert CosignatureVerifier.from_key(DERIVED["cosigner_vkey"]) == witness().verifier()


def test_cosigner_key_id_uses_type_0x04():
    public = bytes.fromhex(DERIVED["ed25519_pub_hex"])
    assert key_id(WITNESS_NAME, ALG_COSIGNATURE_V1, public) == 0x5A05A0AB != key_id(WITNESS_NAME, ALG_ED25519, public)


def test_checkpoint_body_parses_to_the_rfc6962_root_of_eight_leaves():
    checkpoint = Checkpoint.parse(DERIVED["checkpoint_body"])
    assert (checkpoint.origin, checkpoint.size, checkpoint.extensions) == (LOG_NAME, 8, ())
    assert checkpoint.root_hash.hex() == VECTORS["roots"][8]["root"]
    assert checkpoint.body() == DERIVED["checkpoint_body"]


def test_signed_checkpoint_is_reproduced_and_verifies():
    assert sign(DERIVED["checkpoint_body"], log_signer()) == DERIVED["signed_checkpoint"]
    note = open_note(DERIVED["signed_checkpoint"], [Verifier.from_key(DERIVED["log_vkey"])])
    assert note.text == DERIVED["checkpoint_body"]


def test_cosignature_message_and_line_match_the_vector():
    body, line = DERIVED["checkpoint_body"], DERIVED["cosignature_line"]
    assert cosignature_message(body, TIMESTAMP).decode() == DERIVED["cosignature_signed_message"]
    assert witness().cosign(DERIVED["signed_checkpoint"], TIMESTAMP) == line
    assert witness().cosign(body, TIMESTAMP) == line
    assert DERIVED["signed_checkpoint"] + line == DERIVED["checkpoint_with_cosignature"]


@pytest.mark.parametrize("note_key", ["signed_checkpoint", "checkpoint_with_cosignature", "checkpoint_body"])
def test_verify_cosignature_returns_the_timestamp(note_key):
    line = DERIVED["cosignature_line"]
    assert verify_cosignature(DERIVED[note_key], line, DERIVED["cosigner_vkey"]) == TIMESTAMP
    assert verify_cosignature(DERIVED[note_key], line.split(" ")[-1], witness().verifier()) == TIMESTAMP


def test_checkpoint_with_cosignature_opens_with_both_keys():
    log, cosigner = Verifier.from_key(DERIVED["log_vkey"]), CosignatureVerifier.from_key(DERIVED["cosigner_vkey"])
    both = open_note(DERIVED["checkpoint_with_cosignature"], [log, cosigner])
    assert [s.name for s in both.signatures] == [LOG_NAME, WITNESS_NAME]
    log_only = open_note(DERIVED["checkpoint_with_cosignature"], [log])
    assert [s.name for s in log_only.signatures] == [LOG_NAME]
    assert [(s.name, s.key_id) for s in log_only.unverified_signatures] == [(WITNESS_NAME, 0x5A05A0AB)]
    assert log_only.unverified_signatures[0].line() == DERIVED["cosignature_line"]


def test_cosignature_alone_does_not_stand_for_the_log():
    with pytest.raises(UnverifiedNoteError):
        open_note(DERIVED["checkpoint_with_cosignature"], [Verifier.from_key(PUBLISHED[0]["verifier_key"])])


# ---------------------------------------------------------------------------------------------------- bad notes


def test_tampered_text_fails():
    note = PUBLISHED[0]["signed_note"].replace("cryptography", "cryptographY")
    with pytest.raises(InvalidSignatureError, match="签名无效 / invalid signature"):
        open_note(note, [Verifier.from_key(PUBLISHED[0]["verifier_key"])])


@pytest.mark.parametrize("position", [4, 30, 67])  # first byte of R, inside R, last byte of S
def test_tampered_signature_fails(position):
    note = _flip_signature_byte(PUBLISHED[1]["signed_note"], position)
    with pytest.raises(InvalidSignatureError):
        open_note(note, [Verifier.from_key(PUBLISHED[1]["verifier_key"])])


def test_signature_with_another_key_id_is_unknown_not_checked():
    note = _flip_signature_byte(PUBLISHED[0]["signed_note"], 0)
    with pytest.raises(UnverifiedNoteError) as info:
        open_note(note, [Verifier.from_key(PUBLISHED[0]["verifier_key"])])
    assert "没有可验证的签名" in str(info.value)


def test_known_key_bad_signature_rejects_even_beside_a_good_one():
    good = sign(DERIVED["checkpoint_body"], log_signer(), other_signers(1)[0])
    bad = _flip_signature_byte(good)  # the last line, by signer-0
    verifiers = [log_signer().verifier(), other_signers(1)[0].verifier()]
    assert len(open_note(good, verifiers).signatures) == 2
    with pytest.raises(InvalidSignatureError):
        open_note(bad, verifiers)
    assert len(open_note(bad, verifiers[:1]).unverified_signatures) == 1


def test_repeated_lines_are_kept_once():
    line = DERIVED["cosignature_line"]
    note = open_note(DERIVED["checkpoint_with_cosignature"] + line, [log_signer().verifier()])
    assert len(note.unverified_signatures) == 1
    doubled = open_note(
        DERIVED["signed_checkpoint"] + DERIVED["signed_checkpoint"].split("\n\n")[1], [log_signer().verifier()]
    )
    assert len(doubled.signatures) == 1


def test_two_different_keys_with_one_name_and_id_are_ambiguous():
    real = log_signer().verifier()
    impostor = Verifier(real.name, real.key_id, other_signers(1)[0].verifier().public_key)
    with pytest.raises(AmbiguousKeyError):
        open_note(DERIVED["signed_checkpoint"], [real, impostor])
    assert open_note(DERIVED["signed_checkpoint"], [real, real]).text == DERIVED["checkpoint_body"]


@pytest.mark.parametrize(
    "note",
    [
        "hello\n— PeterNeumann AAAAAAA=\n",  # no blank line
        "hello\n\n— PeterNeumann x08go/ZJ\n\n",  # blank line last
        "hello\n\n",  # no signature lines
        "hello\n\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        "hello\n\n—  x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        "hello\n\n— PeterNeumann\n",  # no signature
        "hello\n\n— PeterNeumann x08go/Z*\n",  # not base64
        "hello\n\n— PeterNeumann x08go/Z=\n",  # non-canonical base64 (unused bits set)
        "hello\n\n— PeterNeumann x08goA==\n",  # key ID but no signature
        "hel\rlo\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        "hello\t\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        PUBLISHED[0]["signed_note"][:-1],  # missing final newline
        PUBLISHED[0]["signed_note"].replace(" x08go", "  x08go"),
        PUBLISHED[0]["signed_note"].replace("PeterNeumann", "Peter\u3000Neumann"),  # ideographic space in name
    ],
)
def test_malformed_notes_are_rejected(note):
    with pytest.raises(MalformedNoteError, match="签名文本格式错误 / malformed signed note"):
        open_note(note, [Verifier.from_key(PUBLISHED[0]["verifier_key"])])


def test_invalid_utf8_is_rejected():
    with pytest.raises(MalformedNoteError):
        open_note(b"\xff\n\n" + PUBLISHED[0]["signed_note"].encode().split(b"\n\n")[1], [])


@pytest.mark.parametrize("text", ["no newline", "", "bad\x00char\n", "bad\x1bchar\n", "surrogate \ud800\n"])
def test_sign_rejects_bad_text(text):
    with pytest.raises(MalformedNoteError):
        sign(text, log_signer())


def test_sign_needs_a_signer():
    with pytest.raises(MalformedNoteError):
        sign("text\n")


def test_sixteen_signatures_are_accepted():
    signers = other_signers(16)
    note = open_note(sign("sixteen\n", *signers), [s.verifier() for s in signers])
    assert [s.name for s in note.signatures] == [s.name for s in signers]


def test_too_many_signatures_are_rejected():
    line = PUBLISHED[0]["signed_note"].split("\n\n")[1]
    note = PUBLISHED[0]["text"] + "\n" + line * (MAX_SIGNATURES + 1)
    with pytest.raises(MalformedNoteError, match="100"):
        open_note(note, [Verifier.from_key(PUBLISHED[0]["verifier_key"])])
    assert open_note(note.removesuffix(line), [Verifier.from_key(PUBLISHED[0]["verifier_key"])])
    with pytest.raises(MalformedNoteError):
        sign("text\n", *[log_signer()] * (MAX_SIGNATURES + 1))


# ---------------------------------------------------------------------------------------------------- keys

VKEY = PUBLISHED[0]["verifier_key"]
SKEY = PUBLISHED[0]["signer_key"]
PUB_B64 = VKEY.split("+", 2)[2]
SHORT_KEY_B64 = B64(b"\x01" + bytes(31)).decode()
ZERO_TYPE_B64 = B64(bytes(33)).decode()
COSIGNER_TYPE_B64 = B64(b"\x04" + base64.b64decode(PUB_B64)[1:]).decode()


@pytest.mark.parametrize(
    "vkey",
    [
        "",
        "PeterNeumann",
        "PeterNeumann+c74f20a3",
        f"+c74f20a3+{PUB_B64}",  # empty name
        f"Peter Neumann+c74f20a3+{PUB_B64}",  # space in name
        f"Peter\u3000Neumann+c74f20a3+{PUB_B64}",  # ideographic space
        f"Peter\tNeumann+c74f20a3+{PUB_B64}",
        f"PeterNeumann+c74f20a+{PUB_B64}",  # 7 hex digits
        f"PeterNeumann+c74f20a3a+{PUB_B64}",
        f"PeterNeumann+c74f20g3+{PUB_B64}",
        f"PeterNeumann+c74f20a3+{PUB_B64[:-1]}",  # bad base64 padding
        f"PeterNeumann+c74f20a3+{PUB_B64} ",
        f"PeterNeumann+c74f20a3+{SHORT_KEY_B64}",  # 31-byte key
        f"PeterNeumann+c74f20a3+{ZERO_TYPE_B64}",  # type 0x00
        f"PeterNeumann+c74f20a3+{COSIGNER_TYPE_B64}",  # cosignature type
        SKEY,  # a signer key is not a verifier key
    ],
)
def test_malformed_verifier_keys(vkey):
    with pytest.raises(MalformedKeyError, match="密钥格式错误 / malformed key"):
        Verifier.from_key(vkey)


@pytest.mark.parametrize(
    "skey",
    [
        VKEY,
        SKEY.replace("PRIVATE+KEY+", "PRIVATE+"),
        SKEY.replace("PRIVATE+KEY+", "private+key+"),
        SKEY.replace("PeterNeumann", "Peter+Neumann"),
        SKEY[:-2] + "=",
        SKEY.replace("+AYEK", "+AoEK"),  # type 0x02
    ],
)
def test_malformed_signer_keys(skey):
    with pytest.raises(MalformedKeyError):
        Signer.from_key(skey)


def test_wrong_key_id_is_detected():
    with pytest.raises(KeyIdMismatchError, match="密钥标识与密钥不符"):
        Verifier.from_key(VKEY.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(KeyIdMismatchError):
        Signer.from_key(SKEY.replace("c74f20a3", "00000000"))
    with pytest.raises(KeyIdMismatchError):  # right key, other name
        Verifier.from_key(VKEY.replace("PeterNeumann", "PeterNeumann2"))


def test_uppercase_key_id_is_accepted():
    assert Verifier.from_key(VKEY.replace("c74f20a3", "C74F20A3")).key_id == 0xC74F20A3


def test_errors_are_value_errors_with_both_languages():
    with pytest.raises(ValueError) as info:
        Verifier.from_key("nonsense")
    error = info.value
    assert isinstance(error, NoteError) and error.code == "ledger.key.malformed"
    assert (error.zh, error.en) == ("密钥格式错误", "malformed key")


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\u00a0b", "a\u2003b", "a\nb", "a\x01b"])
def test_invalid_names(name):
    assert not is_valid_name(name)
    with pytest.raises(MalformedKeyError):
        generate_key(name)


@pytest.mark.parametrize("name", ["a", "example.com/log", "质量监督局/日志", "x:y@z"])
def test_generated_keys_round_trip(name):
    skey, vkey = generate_key(name)
    assert skey.startswith(f"PRIVATE+KEY+{name}+") and vkey.startswith(f"{name}+")
    assert Signer.from_key(skey).verifier() == Verifier.from_key(vkey)
    cskey, cvkey = generate_cosigner_key(name)
    assert Cosigner.from_key(cskey).verifier() == CosignatureVerifier.from_key(cvkey)
    with pytest.raises(MalformedKeyError):
        Signer.from_key(cskey)
    with pytest.raises(MalformedKeyError):
        CosignatureVerifier.from_key(vkey)


# ---------------------------------------------------------------------------------------------------- checkpoints

ROOT_B64 = DERIVED["checkpoint_body"].split("\n")[2]


@pytest.mark.parametrize(
    "body",
    [
        f"{LOG_NAME}\n08\n{ROOT_B64}\n",  # leading zero
        f"{LOG_NAME}\n00\n{ROOT_B64}\n",
        f"{LOG_NAME}\n+8\n{ROOT_B64}\n",
        f"{LOG_NAME}\n-1\n{ROOT_B64}\n",
        f"{LOG_NAME}\n 8\n{ROOT_B64}\n",
        f"{LOG_NAME}\n8 \n{ROOT_B64}\n",
        f"{LOG_NAME}\n٨\n{ROOT_B64}\n",  # Arabic-Indic eight: int() would take it
        f"{LOG_NAME}\n1_0\n{ROOT_B64}\n",
        f"{LOG_NAME}\n{2**63}\n{ROOT_B64}\n",
        f"{LOG_NAME}\n8\n{B64(bytes(31)).decode()}\n",  # short hash
        f"{LOG_NAME}\n8\n{B64(bytes(33)).decode()}\n",
        f"{LOG_NAME}\n8\n{ROOT_B64.rstrip('=')}\n",
        f"{LOG_NAME}\n8\n{ROOT_B64[:-2]}h=\n",  # non-canonical: unused bits set
        f"{LOG_NAME}\n8\n{ROOT_B64}",  # no final newline
        f"{LOG_NAME}\n8\n",
        f"\n8\n{ROOT_B64}\n",  # empty origin
        f"{LOG_NAME}\n8\n{ROOT_B64}\n\n",  # empty extension line
        f"{LOG_NAME}\r\n8\r\n{ROOT_B64}\r\n",
        f"{LOG_NAME}\x00\n8\n{ROOT_B64}\n",
    ],
)
def test_malformed_checkpoints(body):
    with pytest.raises(MalformedCheckpointError, match="检查点格式错误 / malformed checkpoint"):
        Checkpoint.parse(body)


def test_checkpoint_edge_values():
    zero = Checkpoint.parse(f"o\n0\n{ROOT_B64}\n")
    assert zero.size == 0
    big = Checkpoint("origin with spaces+plus", 2**63 - 1, bytes(32), ["ext 1", "ext 2"])
    assert big.extensions == ("ext 1", "ext 2")
    assert Checkpoint.parse(big.body()) == big


@pytest.mark.parametrize(
    "args",
    [("", 1, bytes(32)), ("o\n", 1, bytes(32)), ("o", -1, bytes(32)), ("o", 2**63, bytes(32)), ("o", True, bytes(32))]
    + [("o", 1, bytes(31)), ("o", 1, "x" * 32), ("o", 1, bytes(32), ("",)), ("o", 1, bytes(32), ("a\nb",))],
)
def test_checkpoint_constructor_checks_invariants(args):
    with pytest.raises(MalformedCheckpointError):
        Checkpoint(*args)


# ---------------------------------------------------------------------------------------------------- cosignatures


def test_cosignature_on_another_checkpoint_fails():
    other = DERIVED["signed_checkpoint"].replace("\n8\n", "\n9\n")
    with pytest.raises(InvalidSignatureError):
        verify_cosignature(other, DERIVED["cosignature_line"], DERIVED["cosigner_vkey"])


def test_cosignature_with_changed_timestamp_fails():
    raw = bytearray(base64.b64decode(DERIVED["cosignature_line"].split(" ")[-1]))
    raw[11] ^= 0x01  # last timestamp byte
    with pytest.raises(InvalidSignatureError):
        verify_cosignature(DERIVED["signed_checkpoint"], B64(bytes(raw)).decode(), DERIVED["cosigner_vkey"])


def test_cosignature_errors():
    note, line, vkey = DERIVED["signed_checkpoint"], DERIVED["cosignature_line"], DERIVED["cosigner_vkey"]
    with pytest.raises(InvalidSignatureError, match="not example.com/ledger-witness"):
        verify_cosignature(note, line.replace("ledger-witness", "ledger-other"), vkey)
    with pytest.raises(InvalidSignatureError, match="key ID"):
        verify_cosignature(note, line, generate_cosigner_key(WITNESS_NAME)[1])
    with pytest.raises(MalformedNoteError):  # a plain log signature is 68 bytes, not 76
        verify_cosignature(note, note.split(" ")[-1], vkey)
    with pytest.raises(MalformedKeyError):  # a type 0x01 key is not a cosigner key
        verify_cosignature(note, line, DERIVED["log_vkey"])
    with pytest.raises(MalformedCheckpointError):
        verify_cosignature("not a checkpoint\n", line, vkey)


@pytest.mark.parametrize("timestamp", [-1, 2**63, 1.5])
def test_cosignature_timestamp_range(timestamp):
    with pytest.raises(NoteError):
        witness().cosign(DERIVED["checkpoint_body"], timestamp)


def test_cosigner_cannot_sign_a_non_checkpoint():
    with pytest.raises(MalformedCheckpointError):
        witness().cosign("just text\n", TIMESTAMP)


# ---------------------------------------------------------------------------------------------------- proof bundles


def _inclusion(index: int) -> list[bytes]:
    (proof,) = [p for p in VECTORS["inclusion_proofs"] if (p["leaf_index"], p["tree_size"]) == (index, 8)]
    return [bytes.fromhex(h) for h in proof["proof"]]


def _bundle(index: int, note: str | None = None) -> ProofBundle:
    leaf = bytes.fromhex(VECTORS["leaves"][index]["input_hex"])
    return ProofBundle(index, leaf, _inclusion(index), note or DERIVED["signed_checkpoint"])


@pytest.mark.parametrize("index", range(8))
def test_bundle_round_trips_and_verifies(index):
    bundle = _bundle(index)
    text = bundle.format()
    assert ProofBundle.parse(text) == bundle == ProofBundle.parse(text.encode())
    assert text.startswith(f"c2sp.org/tlog-proof@v1\nextra {B64(bundle.leaf_data).decode()}\nindex {index}\n")
    assert text.endswith("\n\n" + DERIVED["signed_checkpoint"])
    checkpoint = verify_bundle(text, Verifier.from_key(DERIVED["log_vkey"]))
    assert checkpoint == Checkpoint.parse(DERIVED["checkpoint_body"])


def test_bundle_with_empty_entry_and_cosigned_checkpoint():
    bundle = _bundle(0, DERIVED["checkpoint_with_cosignature"])
    assert bundle.leaf_data == b"" and "\nextra \nindex 0\n" in bundle.format()
    assert verify_bundle(ProofBundle.parse(bundle.format()), log_signer().verifier()).size == 8


def test_bundle_wrong_entry_index_or_key_fails():
    bundle = _bundle(3)
    with pytest.raises(InclusionError, match="包含证明无效"):
        verify_bundle(ProofBundle(3, b"forged", bundle.proof, bundle.checkpoint_note), log_signer().verifier())
    with pytest.raises(InclusionError):
        verify_bundle(ProofBundle(2, bundle.leaf_data, bundle.proof, bundle.checkpoint_note), log_signer().verifier())
    with pytest.raises(InclusionError):  # index past the tree
        verify_bundle(ProofBundle(8, bundle.leaf_data, bundle.proof, bundle.checkpoint_note), log_signer().verifier())
    with pytest.raises(UnverifiedNoteError):
        verify_bundle(bundle, other_signers(1)[0].verifier())


def _surviving_bit_flips(data: bytes) -> list[int]:
    """Byte offsets where flipping one bit still leaves a bundle that verifies under the log key."""
    survivors = set()
    for position in range(len(data) * 8):
        mutated = bytearray(data)
        mutated[position // 8] ^= 1 << (position % 8)
        try:
            verify_bundle(bytes(mutated), log_signer().verifier())
        except NoteError:
            continue
        survivors.add(position // 8)
    return sorted(survivors)


def test_every_flipped_bit_in_a_bundle_fails():
    assert _surviving_bit_flips(_bundle(5).format().encode()) == []


def test_bit_flips_in_a_bundle_survive_only_in_unchecked_cosignature_lines():
    data = _bundle(5, DERIVED["checkpoint_with_cosignature"]).format().encode()
    cosignature_start = len(data) - len(DERIVED["cosignature_line"].encode())
    survivors = _surviving_bit_flips(data)
    assert survivors and min(survivors) >= cosignature_start


@pytest.mark.parametrize(
    "text",
    [
        "c2sp.org/tlog-proof@v2\nextra AA==\nindex 0\n\n",
        "c2sp.org/tlog-proof@v1\nindex 0\n\n",  # no extra: the entry is required here
        "c2sp.org/tlog-proof@v1\nextra AA=\nindex 0\n\n",
        "c2sp.org/tlog-proof@v1\nextra AA==\nindex 01\n\n",
        "c2sp.org/tlog-proof@v1\nextra AA==\nindex -1\n\n",
        "c2sp.org/tlog-proof@v1\nextra AA==\nindex 0\nAA==\n\n",  # short hash
        "c2sp.org/tlog-proof@v1\nextra AA==\nindex 0\n",  # no blank line
        "c2sp.org/tlog-proof@v1\nextra AA==\nindex 0\n\nno newline",
        b"c2sp.org/tlog-proof@v1\nextra AA==\nindex 0\n\n\xff\n",
    ],
)
def test_malformed_bundles(text):
    with pytest.raises(MalformedBundleError, match="证明文件格式错误 / malformed proof bundle"):
        ProofBundle.parse(text)


# ---------------------------------------------------------------------------------------------------- invariants

_text_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters=[chr(c) for c in range(32) if c != 10])
_name_chars = st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"), blacklist_characters="+\x85")
texts = st.text(_text_chars).map(lambda s: s + "\n")
names = st.text(_name_chars, min_size=1, max_size=20).filter(is_valid_name)
hashes = st.binary(min_size=32, max_size=32)


@settings(max_examples=60, deadline=None)
@given(text=texts, name=names, extra=st.lists(st.sampled_from([0, 1, 2]), max_size=3))
def test_sign_open_round_trip(text, name, extra):
    signer = Signer.generate(name)
    others = [other_signers(3)[i] for i in extra]
    note = open_note(sign(text, signer, *others), [signer.verifier()])
    assert note.text == text
    assert [s.name for s in note.signatures] == [name]
    assert len(note.unverified_signatures) == len(set(extra))


@given(text=st.text(), name=st.sampled_from([LOG_NAME, "PeterNeumann"]))
def test_open_note_fails_only_with_note_errors(text, name):
    note = text + "\n\n— " + name + " " + DERIVED["signed_checkpoint"].split(" ")[-1]
    try:
        open_note(note, [log_signer().verifier()])
    except NoteError:
        pass


lines = st.text(_text_chars, min_size=1).filter(lambda s: "\n" not in s)


@given(origin=lines, size=st.integers(0, 2**63 - 1), root=hashes, extensions=st.lists(lines, max_size=3))
def test_checkpoint_round_trip(origin, size, root, extensions):
    checkpoint = Checkpoint(origin, size, root, tuple(extensions))
    assert Checkpoint.parse(checkpoint.body()) == checkpoint


@given(text=st.text(max_size=200))
def test_parsers_fail_only_with_note_errors(text):
    for parse in (Checkpoint.parse, ProofBundle.parse, Verifier.from_key, Signer.from_key):
        try:
            parse(text)
        except NoteError:
            pass


@given(timestamp=st.integers(0, 2**63 - 1), size=st.integers(0, 2**63 - 1), root=hashes)
def test_cosign_verify_round_trip(timestamp, size, root):
    body = Checkpoint(LOG_NAME, size, root).body()
    line = witness().cosign(body, timestamp)
    assert verify_cosignature(sign(body, log_signer()) + line, line, witness().verifier()) == timestamp


@given(index=st.integers(0, 2**63 - 1), leaf=st.binary(max_size=100), proof=st.lists(hashes, max_size=63))
def test_bundle_format_parse_round_trip(index, leaf, proof):
    bundle = ProofBundle(index, leaf, proof, DERIVED["checkpoint_with_cosignature"])
    assert ProofBundle.parse(bundle.format()) == bundle
