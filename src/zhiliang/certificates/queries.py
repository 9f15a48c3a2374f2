"""Read-only certificate queries for pages and the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhiliang.certificates import domain, refdata
from zhiliang.certificates.models import Certificate, CounterfeitSignal
from zhiliang.kernel.errors import not_found
from zhiliang.registry import queries as registry
from zhiliang.registry import uscc


def _summary(cert: Certificate, today: date) -> dict[str, Any]:
    cert_type = refdata.cert_types().get(cert.type_code)
    return {"id": cert.id, "number": cert.number, "type_code": cert.type_code,
            "type_name_zh": cert_type.name_zh if cert_type else None,
            "type_name_en": cert_type.name_en if cert_type else None,
            "holder_name": cert.holder_name, "holder_uscc": cert.holder_uscc,
            "expiry_date": cert.expiry_date.isoformat(),
            "status": domain.effective_status(domain.Status(cert.status), cert.expiry_date, today).value}


def certificate_out(session: Session, cert_id: int, today: date) -> dict[str, Any]:
    cert = session.get(Certificate, cert_id)
    if cert is None:
        raise not_found("证书", "Certificate", cert_id)
    return {**_summary(cert, today), "version": cert.version, "cb_id": cert.cb_id, "cb_ref": cert.cb_ref,
            "issued_date": cert.issued_date.isoformat(), "first_issued_date": cert.first_issued_date.isoformat(),
            "scope": cert.scope, "sites": cert.sites, "standards": cert.standards,
            "status_reason": cert.status_reason}


def by_holder(session: Session, text: str, today: date, limit: int = 20) -> list[dict[str, Any]]:
    """Certificates of the holder with this USCC, or of holders whose registry name contains ``text`` (the
    registry's name index: any two characters or more), most recent first."""
    text = text.strip()
    holder_ids: list[int]
    code = uscc.normalize(text)
    if len(code) == 18 and code.isascii() and code.isalnum():
        found = registry.enterprise_by_uscc(session, text)
        holder_ids = [found.id] if found else []
    else:
        page = registry.enterprises(session, registry.EnterpriseFilter(q=text), limit=50)
        holder_ids = [e.id for e in page.rows]
    if not holder_ids:
        return []
    query = (select(Certificate).where(Certificate.holder_id.in_(holder_ids))
             .order_by(Certificate.issued_date.desc(), Certificate.id.desc()).limit(limit))
    return [_summary(c, today) for c in session.scalars(query)]


def signal_out(signal: CounterfeitSignal) -> dict[str, Any]:
    return {"kind": signal.kind, "number_key": signal.number_key, "claimed": signal.claimed,
            "certificate_id": signal.certificate_id, "count": signal.count,
            "first_at": signal.first_at.isoformat(), "last_at": signal.last_at.isoformat()}


def holders_of(session: Session, cert_ids: list[int]) -> dict[int, int]:
    """The holder (enterprise id) of each certificate id given (unknown ids are left out)."""
    out: dict[int, int] = {}
    for at in range(0, len(cert_ids), 5000):
        query = select(Certificate.id, Certificate.holder_id).where(Certificate.id.in_(cert_ids[at:at + 5000]))
        out.update((row[0], row[1]) for row in session.execute(query))
    return out


def valid_holders(session: Session, today: date, holder_id: int | None = None) -> list[tuple[int, int, str]]:
    """(holder enterprise id, certificate id, number) of every certificate valid on ``today`` — recorded as valid
    and not past its expiry date, as the public verdict reads it — for the credit model's positive indicator;
    only ``holder_id``'s when given."""
    query = select(Certificate.holder_id, Certificate.id, Certificate.number).where(
        Certificate.status == domain.Status.VALID.value, Certificate.expiry_date >= today)
    if holder_id is not None:
        query = query.where(Certificate.holder_id == holder_id)
    return [(row[0], row[1], row[2]) for row in session.execute(query)]


def cb_last_reports(session: Session) -> dict[int, Any]:
    """When each CB last reported to the platform (any write, or "no change this month"), by CB id."""
    from zhiliang.certificates.models import CbReport

    return {r.cb_id: r.last_report_at for r in session.scalars(select(CbReport))}
