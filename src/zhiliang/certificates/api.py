"""Certificates JSON API: the CB integration (token auth) and public verification, every verification signed."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from zhiliang.certificates import policy, queries, service, verification
from zhiliang.certificates.schemas import BulkIn, CertificateIn, CertificatePatch, NoChangeIn, StatusChangeIn
from zhiliang.kernel.http.context import Id, in_transaction, resolve, runtime
from zhiliang.kernel.policy import require
from zhiliang.ledger import attest

router = APIRouter(prefix="/api/v1", tags=["certificates 认证证书"])
KEY_PATH = "/.well-known/zhiliang-verification-key"


def signed_verification(request: Request, number: str, holder: str | None) -> dict[str, Any]:
    """Verify and sign (the page uses the same document)."""
    rt = runtime(request)
    now, today = rt.clock.now(), rt.today()
    with rt.db.read() as session:  # most lookups are of valid numbers: no write lock for them
        document = verification.lookup(session, number, holder, today, now)
    if verification.needs_signal(document):  # an unknown number or a mismatch is recorded as a signal
        with rt.db.begin() as session:
            verification.record_signal(session, document, now, today)
    return attest.attest(document, request.app.state.ledger_signer)


async def in_verify_threads(request: Request, work: Any, *args: Any) -> Any:
    """Run ``work`` on the verification threads: a few threads (one per core) serve many connections better than
    the default pool's 40, which only contend for the GIL (benchmarks/certificates.py: p99 from 1.9 s to ~85 ms)."""
    limiter = getattr(request.app.state, "verify_limiter", None)
    return await anyio.to_thread.run_sync(work, *args, limiter=limiter)


@router.get("/certificates/verify", name="certs.api_verify")
async def verify(request: Request, number: Annotated[str, Query(min_length=1, max_length=200)],
                 holder: Annotated[str | None, Query(max_length=200)] = None) -> dict[str, Any]:
    """Verify a certificate by number (optionally against the holder you were shown). The answer is signed with
    the platform's Ed25519 key (``/.well-known/zhiliang-verification-key``); keep it and check it offline with
    ``zhiliang certs verify-offline FILE --key VKEY``."""
    return await in_verify_threads(request, signed_verification, request, number, holder)


@router.get("/certificates", name="certs.api_search")
def search(request: Request, holder: Annotated[str, Query(min_length=1, max_length=200)],
           limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    """Certificates of holders matching a name (any part of it, two characters or more) or a USCC."""
    rt = runtime(request)
    with rt.db.read() as session:
        return {"items": queries.by_holder(session, holder, rt.today(), limit)}


@router.get("/certificates/signals", name="certs.api_signals")
def counterfeit_signals(request: Request, kind: str | None = None,
                        limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    """Most-queried unknown numbers and suspected misuses (regulators and admins)."""
    require(policy.can_view_signals(resolve(request).actor))
    with runtime(request).db.read() as session:
        return {"items": [queries.signal_out(s) for s in verification.signals(session, kind, limit)]}


@router.get("/certificates/{cert_id}", name="certs.api_get")
def get_certificate(request: Request, cert_id: Id) -> dict[str, Any]:
    rt = runtime(request)
    with rt.db.read() as session:
        return queries.certificate_out(session, cert_id, rt.today())


@router.post("/certificates", name="certs.api_issue", status_code=201)
async def issue(request: Request, data: CertificateIn) -> dict[str, Any]:
    """Issue a certificate (CB token). 403 unless the CB is approved for the type; 409 if the number exists."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        cert = service.issue(session, actor, data, rt.clock.now(), rt.today())
        return {"id": cert.id, "version": cert.version, "number_key": cert.number_key}

    return await run_in_threadpool(in_transaction, request, work)


@router.patch("/certificates/{cert_id}", name="certs.api_update")
async def update(request: Request, cert_id: Id, patch: CertificatePatch) -> dict[str, Any]:
    """Change printed facts; ``version`` must be the one you read (409 otherwise: no lost update)."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        cert = service.update_certificate(session, actor, cert_id, patch, rt.clock.now(), rt.today())
        return {"id": cert.id, "version": cert.version}

    return await run_in_threadpool(in_transaction, request, work)


@router.post("/certificates/{cert_id}/status", name="certs.api_status")
async def change_status(request: Request, cert_id: Id, change: StatusChangeIn) -> dict[str, Any]:
    """Suspend, restore, withdraw or cancel, with a reason code; an illegal transition is a 409."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        cert = service.change_status(session, actor, cert_id, change.action, change.reason_code, change.on_date,
                                     change.note, rt.clock.now(), rt.today(), version=change.version,
                                     max_suspension_months=rt.settings.certs_max_suspension_months)
        return {"id": cert.id, "version": cert.version, "status": cert.status}

    return await run_in_threadpool(in_transaction, request, work)


@router.put("/certificates", name="certs.api_bulk")
async def bulk_upsert(request: Request, body: BulkIn) -> dict[str, Any]:
    """Create or update up to 1,000 certificates keyed by your ``cb_ref``; answers per item."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        outcomes = service.upsert_many(session, actor, body.certificates, rt.clock.now(), rt.today())
        return {"items": [asdict(o) for o in outcomes]}

    return await run_in_threadpool(in_transaction, request, work)


@router.post("/certificates/no-change", name="certs.api_no_change")
async def no_change(request: Request, body: NoChangeIn) -> dict[str, Any]:
    """Assert that your CB had no change to report for a month: your data counts as fresh from now."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        service.report_no_change(session, actor, body.period, rt.clock.now())
        return {"period": body.period}

    return await run_in_threadpool(in_transaction, request, work)


well_known = APIRouter(tags=["certificates 认证证书"])


@well_known.get(KEY_PATH, name="certs.verification_key", response_class=PlainTextResponse)
def verification_key(request: Request) -> Response:
    """The public key that signs verification answers (signed-note verifier key form, name+hexID+base64)."""
    return PlainTextResponse(request.app.state.ledger_signer.verifier().key_text() + "\n")
