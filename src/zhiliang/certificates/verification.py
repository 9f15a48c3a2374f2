"""Public verification of a certificate: the verdict, the facts behind it, how fresh the data is, and counterfeit
signals (SPEC: certs — "Not found" says which CBs' data was searched and when each last reported; lookups of
unknown numbers and holder mismatches are recorded as signals for the risk module, never who asked).

The document returned here is what the API signs (``ledger.attest``) and the page shows.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhiliang.certificates import domain, refdata
from zhiliang.certificates.models import CbReport, Certificate, CertificateStatusChange, CounterfeitSignal
from zhiliang.kernel import events
from zhiliang.kernel.clock import format_local
from zhiliang.kernel.errors import invalid
from zhiliang.kernel.events import Event
from zhiliang.registry import queries as registry

DOCUMENT_VERSION = 1


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _cb_facts(session: Session, cb_ids: list[int] | None = None,
              reported: dict[int, datetime | None] | None = None) -> list[dict[str, Any]]:
    """Each CB's name, number and last report time (``reported``, when the caller has read it already)."""
    if reported is None:
        query = select(CbReport.cb_id, CbReport.last_report_at)
        if cb_ids is not None:
            query = query.where(CbReport.cb_id.in_(cb_ids))
        reported = {cb_id: at for cb_id, at in session.connection().execute(query)}
    return [{"id": id_, "name": name, "cnca_number": number, "last_report_at": _iso(reported.get(id_))}
            for id_, name, number in registry.certification_body_facts(session, cb_ids)]


# What a verification reads: plain columns on the session's connection, each statement built once and reused
# with bound parameters. The ORM's per-object work, and SQLAlchemy adapting a cached result map to a freshly built
# statement (~0.2 ms a query), cost more than the lookups themselves (benchmarks/certificates.py).
_CERT_COLUMNS = (Certificate.id, Certificate.number, Certificate.number_kind, Certificate.type_code,
                 Certificate.holder_id, Certificate.holder_name, Certificate.holder_uscc, Certificate.sites,
                 Certificate.scope, Certificate.standards, Certificate.accreditation_mark,
                 Certificate.first_issued_date, Certificate.issued_date, Certificate.expiry_date, Certificate.status,
                 Certificate.status_reason, Certificate.status_date, Certificate.cb_id, CbReport.last_report_at)
_HISTORY_COLUMNS = (CertificateStatusChange.on_date, CertificateStatusChange.action,
                    CertificateStatusChange.from_status, CertificateStatusChange.to_status,
                    CertificateStatusChange.reason_code)


@functools.cache
def _statements() -> dict[str, Any]:
    return {
        "certificate": select(*_CERT_COLUMNS).outerjoin(CbReport, CbReport.cb_id == Certificate.cb_id)
        .where(Certificate.number_key == bindparam("key")).limit(1),
        "history": select(*_HISTORY_COLUMNS).where(CertificateStatusChange.certificate_id == bindparam("id"))
        .order_by(CertificateStatusChange.id),
        "latest_event": select(func.max(Event.seq)).where(Event.entity == bindparam("entity")),
    }


def _history(session: Session, cert_id: int) -> list[dict[str, Any]]:
    rows = session.connection().execute(_statements()["history"], {"id": cert_id})
    return [{"on": on.isoformat(), "action": action, "from": old, "to": new, "reason_code": reason}
            for on, action, old, new, reason in rows]


def _latest_event(session: Session, cert_id: int) -> int | None:
    return session.connection().execute(_statements()["latest_event"], {"entity": f"certificate:{cert_id}"}).scalar()


def _certificate(session: Session, cert: Any, today: date) -> dict[str, Any]:
    cert_type = refdata.cert_types().get(cert.type_code)
    effective = domain.effective_status(domain.Status(cert.status), cert.expiry_date, today)
    return {
        "id": cert.id, "number": cert.number, "number_kind": cert.number_kind, "type_code": cert.type_code,
        "type_name_zh": cert_type.name_zh if cert_type else None,
        "type_name_en": cert_type.name_en if cert_type else None,
        "standard": cert_type.standard if cert_type else None,
        "holder_name": cert.holder_name, "holder_uscc": cert.holder_uscc, "sites": cert.sites, "scope": cert.scope,
        "standards": cert.standards, "accreditation_mark": cert.accreditation_mark,
        "first_issued_date": _iso(cert.first_issued_date), "issued_date": _iso(cert.issued_date),
        "expiry_date": _iso(cert.expiry_date), "status": effective.value, "recorded_status": cert.status,
        "status_reason": cert.status_reason, "status_date": _iso(cert.status_date),
        "history": _history(session, cert.id),
    }


def verify(session: Session, number: str, claimed_holder: str | None, today: date, at: datetime) -> dict[str, Any]:
    """Verify ``number`` (as typed, scanned or printed), optionally against the holder the asker was shown.

    Returns the verification document (see module docstring). Raises 422 for an empty or unreadable number.
    Records a counterfeit signal for an unknown number or a holder mismatch (in the caller's transaction); use
    :func:`lookup` and :func:`record_signal` to keep the lookup itself read-only.
    """
    doc = lookup(session, number, claimed_holder, today, at)
    record_signal(session, doc, at, today)
    return doc


def lookup(session: Session, number: str, claimed_holder: str | None, today: date, at: datetime) -> dict[str, Any]:
    """The verification document, read-only (a valid lookup, the common case, takes no write lock).

    Cost: four indexed lookups (certificate with its CB's report time, CB, status history, latest event), two
    more when a holder is claimed (the holder's current and former names)."""
    parsed = domain.parse_number(number)
    if not parsed.normalized:
        raise invalid("certs.number_empty", "请输入证书编号", "Enter a certificate number", "number")
    claimed = (claimed_holder or "").strip()[:200] or None
    cert = session.connection().execute(_statements()["certificate"], {"key": parsed.normalized}).first()
    doc: dict[str, Any] = {"v": DOCUMENT_VERSION, "checked_at": _iso(at), "checked_on": today.isoformat(),
                           "query": {"number": number.strip()[:64], "number_key": parsed.normalized,
                                     "number_kind": parsed.kind, "holder": claimed}}
    if cert is None:
        verdict = domain.Verdict.UNKNOWN_NUMBER
        doc["searched"] = _cb_facts(session)
    else:
        names: tuple[str, ...] = ()
        if claimed:  # the names a claim may match besides the certified one: the holder's current and former
            current = registry.enterprise_name(session, cert.holder_id)
            names = tuple(registry.former_names(session, cert.holder_id)) + ((current,) if current else ())
        verdict = domain.verdict(True, domain.Status(cert.status), cert.expiry_date, today, claimed,
                                 cert.holder_name, cert.holder_uscc, names)
        doc["certificate"] = _certificate(session, cert, today)
        doc["cb"] = _cb_facts(session, [cert.cb_id], {cert.cb_id: cert.last_report_at})[0]
        seq = _latest_event(session, cert.id)
        doc["ledger"] = {"event_seq": seq, "bundle": f"/api/v1/ledger/events/{seq}/bundle" if seq else None}
    doc["verdict"] = verdict.value
    doc["verdict_zh"], doc["verdict_en"] = verdict.zh, verdict.en
    doc["explanation_zh"], doc["explanation_en"] = verdict.explanation_zh, verdict.explanation_en
    return doc


def needs_signal(doc: dict[str, Any]) -> bool:
    return doc["verdict"] in (domain.Verdict.UNKNOWN_NUMBER.value, domain.Verdict.HOLDER_MISMATCH.value)


def record_signal(session: Session, doc: dict[str, Any], at: datetime, today: date) -> None:
    """Record the counterfeit signal a verification document calls for, if any (in the caller's transaction)."""
    if needs_signal(doc):
        cert_id = doc["certificate"]["id"] if "certificate" in doc else None
        _signal(session, doc["verdict"], doc["query"]["number_key"], doc["query"]["holder"] or "", cert_id, at,
                today)


def _signal(session: Session, kind: str, number_key: str, claimed: str, cert_id: int | None, at: datetime,
            today: date) -> None:
    """Count the lookup; the first one of a day per (kind, number, claimed holder) is also an event for the risk
    module. Nothing about who asked is kept."""
    query = select(CounterfeitSignal).where(CounterfeitSignal.kind == kind, CounterfeitSignal.number_key == number_key,
                                            CounterfeitSignal.claimed == claimed).with_for_update()
    row = session.scalars(query).first()
    if row is None:
        try:
            with session.begin_nested():
                row = CounterfeitSignal(kind=kind, number_key=number_key, claimed=claimed, certificate_id=cert_id,
                                        count=0, first_at=at, last_at=at)
                session.add(row)
                session.flush()
        except IntegrityError:  # another lookup of the same number created it a moment ago
            row = session.scalars(query).one()
    row.count += 1
    row.last_at = at
    if row.last_event_date != today:
        row.last_event_date = today
        events.emit(session, "certs.CounterfeitSignalRecorded", f"counterfeit_signal:{row.id}",
                    {"kind": kind, "number_key": number_key, "claimed": claimed, "certificate_id": cert_id,
                     "count": row.count}, at=at)


def signals(session: Session, kind: str | None = None, limit: int = 100) -> list[CounterfeitSignal]:
    """The most-queried unknown numbers and suspected misuses, most queried first."""
    query = select(CounterfeitSignal).order_by(CounterfeitSignal.count.desc(), CounterfeitSignal.last_at.desc())
    if kind:
        query = query.where(CounterfeitSignal.kind == kind)
    return list(session.scalars(query.limit(limit)))


def local_time(value: str | None) -> str:
    return format_local(datetime.fromisoformat(value)) if value else ""
