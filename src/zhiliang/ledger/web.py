"""The ledger over HTTP: the public page and its JSON twin, the C2SP endpoints a mirror or witness uses
(checkpoint, tiles, cosignature submission), and proofs for any event.

Endpoints under ``/ledger/`` follow C2SP tlog-tiles (checkpoint at ``/ledger/checkpoint``, tiles at
``/ledger/tile/...``); everything for people and programs that is not part of that protocol is under ``/api/v1``.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from zhiliang.kernel.errors import invalid
from zhiliang.kernel.http.context import MAX_ID, runtime
from zhiliang.kernel.http.render import render
from zhiliang.ledger import domain, service

router = APIRouter(tags=["ledger 防篡改记录"])
IMMUTABLE = "public, max-age=31536000, immutable"
FRESH = "no-cache"
Seq = Annotated[int, Query(ge=1, le=MAX_ID)]
MAX_NOTE = 64 << 10


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _signer(request: Request):  # noqa: ANN202 - note.Signer
    return request.app.state.ledger_signer


def overview(request: Request, session: Session, recent: int = 20) -> dict[str, Any]:
    """What the ledger page shows: size, latest checkpoint, witnesses, recent entries, the key to verify with."""
    checkpoint = service.latest_checkpoint(session)
    items = []
    for entry in service.recent_entries(session, recent):
        doc = domain.parse_leaf(bytes(entry.data))
        items.append({"index": entry.idx, "seq": doc["seq"], "type": doc["type"], "entity": doc["entity"],
                      "at": doc["at"], "payload": doc["payload"]})
    return {
        "size": service.size(session),
        "origin": runtime(request).settings.ledger_origin,
        "verifier_key": _signer(request).verifier().key_text(),
        "checkpoint": None if checkpoint is None else {
            "size": checkpoint.size, "root_hash": _b64(checkpoint.root), "signed_at": checkpoint.signed_at,
            "note": service.cosigned_note(session, checkpoint)},
        "witnesses": [{"name": c.witness, "checkpoint_size": c.checkpoint_size, "timestamp": c.timestamp}
                      for c in service.cosignatures(session)],
        "configured_witnesses": runtime(request).settings.ledger_witnesses,
        "recent": items,
    }


@router.get("/ledger", name="ledger.page", include_in_schema=False)
def ledger_page(request: Request) -> Response:
    """Twin: ``GET /api/v1/ledger``."""
    with runtime(request).db.read() as session:
        context = overview(request, session)
    return render(request, "ledger/index.html", context)


@router.get("/api/v1/ledger", name="ledger.api_overview")
def ledger_api(request: Request) -> dict[str, Any]:
    """The ledger's size, latest checkpoint (signed note with cosignatures), witnesses and recent entries."""
    with runtime(request).db.read() as session:
        return overview(request, session)


@router.get("/ledger/checkpoint", name="ledger.checkpoint", response_class=PlainTextResponse)
def checkpoint(request: Request) -> Response:
    """The latest checkpoint as a C2SP signed note, with witnesses' cosignature lines (C2SP tlog-tiles)."""
    with runtime(request).db.read() as session:
        latest = service.latest_checkpoint(session)
        if latest is None:
            return PlainTextResponse("账本尚为空 / the log is empty\n", status_code=404,
                                     headers={"Cache-Control": FRESH})
        text = service.cosigned_note(session, latest)
    return PlainTextResponse(text, headers={"Cache-Control": FRESH})


@router.get("/ledger/key", name="ledger.key", response_class=PlainTextResponse)
def verifier_key(request: Request) -> Response:
    """The log's verifier key, ``name+hexID+base64``, for ``zhiliang ledger check-proof --key``."""
    return PlainTextResponse(_signer(request).verifier().key_text() + "\n", headers={"Cache-Control": FRESH})


@router.get("/ledger/tile/{path:path}", name="ledger.tile")
def tile(request: Request, path: str) -> Response:
    """A hash tile or entry bundle per C2SP tlog-tiles; immutable once served."""
    with runtime(request).db.read() as session:
        data = service.tile_data(session, "tile/" + path)
    return Response(data, media_type="application/octet-stream", headers={"Cache-Control": IMMUTABLE})


@router.post("/ledger/cosignature", name="ledger.cosign")
async def cosign(request: Request) -> dict[str, Any]:
    """A witness returns one of our checkpoints with its cosignature line(s) appended (C2SP tlog-cosignature).

    The body is the note as text. Answers which configured witnesses' cosignatures were stored; 422 otherwise.
    """
    body = await request.body()
    if len(body) > MAX_NOTE:
        raise invalid("ledger.note_size", "签名文本过大", "The note is too large", "note")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise invalid("ledger.note", "签名文本须为 UTF-8", "The note must be UTF-8 text", "note") from error
    rt = runtime(request)

    def store() -> list[str]:
        with rt.db.begin() as session:
            return service.add_cosignature(session, text, service.witness_verifiers(rt.settings), rt.clock)

    return {"stored": await run_in_threadpool(store)}


@router.get("/api/v1/ledger/events/{seq}/proof", name="ledger.api_proof")
def event_proof(request: Request, seq: int) -> dict[str, Any]:
    """The inclusion proof of event ``seq`` against the latest checkpoint: index, the logged entry, the proof
    hashes (base64, leaf's sibling first, RFC 9162 §2.1.3) and the signed checkpoint. 404 until logged."""
    _check_seq(seq)
    with runtime(request).db.read() as session:
        bundle = service.proof_bundle(session, seq)
    return {"seq": seq, "index": bundle.index, "entry": bundle.leaf_data.decode("utf-8"),
            "proof": [_b64(h) for h in bundle.proof], "checkpoint": bundle.checkpoint_note,
            "bundle_url": f"/api/v1/ledger/events/{seq}/bundle"}


@router.get("/api/v1/ledger/events/{seq}/bundle", name="ledger.api_bundle")
def event_bundle(request: Request, seq: int) -> Response:
    """A self-contained proof file (C2SP tlog-proof form carrying the entry), checked offline by
    ``zhiliang ledger check-proof FILE --key VKEY``."""
    _check_seq(seq)
    with runtime(request).db.read() as session:
        bundle = service.proof_bundle(session, seq)
    return Response(bundle.format(), media_type="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="zhiliang-event-{seq}.tlog-proof"'})


@router.get("/api/v1/ledger/consistency", name="ledger.api_consistency")
def consistency(request: Request, old: Annotated[int, Query(ge=1, le=MAX_ID)],
                new: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> dict[str, Any]:
    """The RFC 9162 §2.1.4 consistency proof from tree size ``old`` to ``new`` (default: the latest checkpoint)."""
    with runtime(request).db.read() as session:
        proof, new_size = service.consistency(session, old, new)
    return {"old": old, "new": new_size, "proof": [_b64(h) for h in proof]}


def _check_seq(seq: int) -> None:
    if not 1 <= seq <= MAX_ID:
        raise invalid("ledger.seq", "事件序号无效", "Invalid event number", "seq")
