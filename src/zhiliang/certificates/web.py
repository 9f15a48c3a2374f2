"""Certificate pages: public verification (phone first, with a QR code of its own URL) and the console's list of
counterfeit signals."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

import segno
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from zhiliang.certificates import api, domain, policy, queries, refdata, verification
from zhiliang.certificates.models import Certificate
from zhiliang.kernel.errors import unauthenticated
from zhiliang.kernel.http.context import resolve, runtime
from zhiliang.kernel.http.render import render
from zhiliang.kernel.policy import require

router = APIRouter(include_in_schema=False)


def qr_svg(url: str) -> str:
    """An inline SVG QR code of ``url`` (segno, generated locally: no network)."""
    return segno.make(url, error="m").svg_inline(scale=4, dark="#111", light="#fff")


@router.get("/verify", name="certs.verify_form")
def verify_form(request: Request, number: Annotated[str, Query(max_length=200)] = "",
                holder: Annotated[str, Query(max_length=200)] = "",
                holder_q: Annotated[str, Query(max_length=200)] = "") -> Response:
    """Twins: ``GET /api/v1/certificates/verify`` (by number), ``GET /api/v1/certificates?holder=`` (by holder)."""
    if not number.strip():
        found = None
        if holder_q.strip():
            rt = runtime(request)
            with rt.db.read() as session:
                found = queries.by_holder(session, holder_q, rt.today(), 50)
        return render(request, "certificates/verify.html", {"doc": None, "signed": None, "number": "",
                                                             "holder": holder, "holder_q": holder_q,
                                                             "found": found})
    return _result(request, number, holder)


@router.get("/verify/{number}", name="certs.verify_page")
async def verify_page(request: Request, number: str, holder: Annotated[str, Query(max_length=200)] = "") -> Response:
    """The page a certificate's QR code points to. Twin: ``GET /api/v1/certificates/verify?number=…``."""
    return await api.in_verify_threads(request, _result, request, number[:200], holder)


def _result(request: Request, number: str, holder: str) -> Response:
    signed = api.signed_verification(request, number, holder or None)
    doc = signed["document"]
    own_url = str(request.base_url).rstrip("/") + "/verify/" + quote(doc["query"]["number_key"], safe="")
    return render(request, "certificates/verify.html", {
        "doc": doc, "signed": json.dumps(signed, ensure_ascii=False, indent=2), "number": number, "holder": holder,
        "qr": qr_svg(own_url), "own_url": own_url, "local": verification.local_time,
        "json_url": f"/api/v1/certificates/verify?number={quote(number)}" + (f"&holder={quote(holder)}"
                                                                              if holder else "")})


@router.get("/console/certificates/signals", name="certs.signals_page")
def signals_page(request: Request, kind: str | None = None) -> Response:
    """Twin: ``GET /api/v1/certificates/signals``."""
    actor = resolve(request).actor
    if actor.user_id is None:
        raise unauthenticated()
    require(policy.can_view_signals(actor))
    with runtime(request).db.read() as session:
        rows = [queries.signal_out(s) for s in verification.signals(session, kind, 200)]
    return render(request, "certificates/signals.html", {"rows": rows, "kind": kind})


def profile_section(session: Any, enterprise_id: int, today: Any) -> dict[str, Any] | None:
    """Certificates an enterprise holds, for its public profile (a section the app wires in)."""

    rows = session.scalars(select(Certificate).where(Certificate.holder_id == enterprise_id)
                           .order_by(Certificate.issued_date.desc()).limit(50)).all()
    if not rows:
        return None
    types = refdata.cert_types()
    return {"title_zh": "认证证书", "title_en": "Certificates",
            "columns": [("证书编号", "Number"), ("认证类型", "Type"), ("有效期至", "Expires"), ("状态", "Status")],
            "rows": [[(c.number, f"/verify/{quote(c.number_key, safe='')}"),
                      (types[c.type_code].name_zh if c.type_code in types else c.type_code, None),
                      (c.expiry_date.isoformat(), None),
                      (domain.effective_status(c.status, c.expiry_date, today).zh, None)] for c in rows]}
