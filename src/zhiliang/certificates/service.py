"""Certificate use cases: issue, update, change status, bulk upsert by the CB's stable id, expiry, and public
verification with counterfeit signals (SPEC: certs; the Shanghai 2018 plan: "向社会公开产品质量认证信息", fighting
"伪造、冒用、买卖认证证书").

Every change writes, in the caller's transaction, the row, a status-history row when the status moves, an audit
entry and a domain event (``certs.Certificate*``), and records that the CB reported. Events carry every field they
set, so folding a certificate's events gives its row (the ledger audit's :func:`ledger_projection`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhiliang.certificates import domain, policy, refdata
from zhiliang.certificates.models import CbReport, Certificate, CertificateStatusChange
from zhiliang.certificates.schemas import CertificateIn, CertificatePatch
from zhiliang.kernel import audit, events
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import DomainError, conflict, invalid, not_found
from zhiliang.kernel.policy import require
from zhiliang.ledger.domain import Projection
from zhiliang.registry import queries as registry

FIELDS = ("number", "number_key", "number_kind", "cb_id", "cb_ref", "type_code", "holder_id", "holder_uscc",
          "holder_name", "sites", "scope", "standards", "accreditation_mark", "first_issued_date", "issued_date",
          "expiry_date", "status", "status_reason", "status_date", "suspended_on")
EDITABLE = ("holder_name", "sites", "scope", "standards", "accreditation_mark", "issued_date", "expiry_date")
EVENT_OF_ACTION = {"suspend": "certs.CertificateSuspended", "restore": "certs.CertificateRestored",
                   "withdraw": "certs.CertificateWithdrawn", "cancel": "certs.CertificateCancelled",
                   "expire": "certs.CertificateExpired", "renew": "certs.CertificateRenewed"}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def snapshot(cert: Certificate) -> dict[str, Any]:
    """The certificate's fields as its events carry them (dates as ISO text)."""
    return {f: _plain(getattr(cert, f)) for f in FIELDS}


def _log(session: Session, actor: Actor, at: datetime, cert: Certificate, type_: str, tag: str,
         before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    audit.record(session, at=at, actor_id=actor.user_id, actor_label=actor.label, tag=tag,
                 entity_type="certificate", entity_id=cert.id, before=before, after=after)
    events.emit(session, type_, f"certificate:{cert.id}", after, at=at, actor=actor.label)


def touch_report(session: Session, cb_id: int, at: datetime, *, no_change_period: str | None = None) -> None:
    """Record that CB ``cb_id`` reported now (every write it makes counts; so does "no change this month").

    One upsert statement, so two clients of the same CB reporting at once never collide on the first report."""
    values: dict[str, Any] = {"cb_id": cb_id, "last_report_at": at}
    if no_change_period:
        values |= {"last_no_change_at": at, "last_no_change_period": no_change_period}
    insert = postgresql_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = insert(CbReport).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=[CbReport.cb_id], set_={k: v for k, v in values.items() if k != "cb_id"}))


# ---------------------------------------------------------------------------------------------------- issue


def _checked_number(number: str, type_code: str) -> domain.ParsedNumber:
    parsed = domain.parse_number(number)
    errors = [p for p in domain.validate_for_type(parsed, type_code) if p.severity == "error"]
    if errors:
        raise invalid(errors[0].code, errors[0].zh, errors[0].en, "number")
    return parsed


def _checked_holder(session: Session, code: str) -> Any:
    holder = registry.enterprise_by_uscc(session, code)
    if holder is None:
        raise invalid("certs.holder_unknown", f"持证组织不在主体库中:{code}",
                      f"The holder is not in the registry: {code}", "holder_uscc")
    if holder.status != "active":
        raise invalid("certs.holder_inactive", f"持证组织不是存续状态({holder.status}),不能发证",
                      f"The holder is not active ({holder.status}); no certificate can be issued", "holder_uscc")
    return holder


def _checked_type(session: Session, cb_id: int, type_code: str) -> None:
    if type_code not in refdata.cert_types():
        raise invalid("certs.type_unknown", f"未知的认证类型:{type_code}", f"Unknown certification type: {type_code}",
                      "type_code")
    cb = registry.certification_body(session, cb_id)
    if cb is None or cb.status != "active" or type_code not in (cb.approved_types or []):
        raise DomainError("certs.type_not_approved", f"本机构未获批开展该类认证:{type_code}",
                          f"This CB is not approved for certification type {type_code}", "type_code", 403)


def _dates(issued: date, expiry: date) -> None:
    if expiry <= issued:
        raise invalid("certs.dates", "有效期截止日期须晚于颁证日期", "The expiry date must be after the issue date",
                      "expiry_date")


def issue(session: Session, actor: Actor, data: CertificateIn, at: datetime, today: date) -> Certificate:
    """Issue a certificate as the actor's CB. Raises 403 unless the actor is a CB approved for the type, 422 for a
    bad number, an unknown or inactive holder or impossible dates, 409 when the number or the CB's id exists."""
    cb_id = policy.issuing_cb(actor)
    require(cb_id is not None)
    parsed = _checked_number(data.number, data.type_code)
    _checked_type(session, cb_id, data.type_code)
    holder = _checked_holder(session, data.holder_uscc)
    _dates(data.issued_date, data.expiry_date)
    cert = Certificate(
        number=data.number.strip(), number_key=parsed.normalized, number_kind=parsed.kind, cb_id=cb_id,
        cb_ref=data.cb_ref, type_code=data.type_code, holder_id=holder.id, holder_uscc=holder.uscc,
        holder_name=data.holder_name, sites=list(data.sites), scope=data.scope, standards=list(data.standards),
        accreditation_mark=data.accreditation_mark, first_issued_date=data.first_issued_date or data.issued_date,
        issued_date=data.issued_date, expiry_date=data.expiry_date, status=domain.Status.VALID.value,
        status_reason=None, status_date=data.issued_date, suspended_on=None, version=1, created_at=at, updated_at=at)
    _insert(session, cert)
    session.add(CertificateStatusChange(certificate_id=cert.id, on_date=data.issued_date, action="issue",
                                        from_status=None, to_status=cert.status, reason_code=None, note=None, at=at,
                                        actor_label=actor.label))
    _log(session, actor, at, cert, "certs.CertificateIssued", "certs:certificate:issue", None, snapshot(cert))
    touch_report(session, cb_id, at)
    if data.status and data.status != cert.status:  # a bulk upsert of a certificate that has already moved on
        _bulk_status(session, actor, cert, data, at, today)
    return cert


def _insert(session: Session, cert: Certificate) -> None:
    try:
        with session.begin_nested():
            session.add(cert)
            session.flush()
    except IntegrityError as error:
        taken = session.scalars(select(Certificate).where(Certificate.number_key == cert.number_key)).first()
        if taken is not None:
            raise conflict("certs.number_taken", f"证书编号已存在:{cert.number}",
                           f"Certificate number already exists: {cert.number}", "number") from error
        raise conflict("certs.cb_ref_taken", f"本机构已有该内部编号的证书:{cert.cb_ref}",
                       f"This CB already has a certificate with id {cert.cb_ref}", "cb_ref") from error


# ---------------------------------------------------------------------------------------------------- change


def _own(session: Session, actor: Actor, cert_id: int) -> Certificate:
    cert = session.get(Certificate, cert_id, with_for_update=True)
    if cert is None:
        raise not_found("证书", "Certificate", cert_id)
    require(policy.can_change(actor, cert.cb_id))
    return cert


def _check_version(cert: Certificate, version: int | None) -> None:
    if version is not None and version != cert.version:
        raise conflict("certs.stale", f"证书已被修改(当前版本 {cert.version},您读取的是 {version}),请重新读取",
                       f"The certificate changed meanwhile (now version {cert.version}, you read {version}); "
                       "read it again", "version")


def _bump(session: Session, cert: Certificate, at: datetime) -> None:
    """Advance the version with a compare-and-set, so two writers that read the same version cannot both win."""
    done = session.execute(update(Certificate).where(Certificate.id == cert.id, Certificate.version == cert.version)
                           .values(version=cert.version + 1, updated_at=at).execution_options(
                               synchronize_session=False))
    if done.rowcount != 1:
        raise conflict("certs.stale", "证书已被并发修改,请重试", "The certificate was changed concurrently; retry",
                       "version")
    cert.version += 1
    cert.updated_at = at


def update_certificate(session: Session, actor: Actor, cert_id: int, patch: CertificatePatch, at: datetime,
                       today: date) -> Certificate:
    """Change a certificate's printed facts (holder name, sites, scope, standards, mark, dates) as its CB.

    Raises 404, 403 (not the issuing CB), 409 (stale ``version``), 422 (impossible dates). An unchanged patch writes
    nothing. A new expiry date on a certificate that the date alone had expired does not revive it: status changes
    go through :func:`change_status`.
    """
    cert = _own(session, actor, cert_id)
    _check_version(cert, patch.version)
    changes = {f: getattr(patch, f) for f in EDITABLE if getattr(patch, f) is not None}
    changes = {f: v for f, v in changes.items() if _plain(getattr(cert, f)) != _plain(v)}
    if not changes:
        return cert
    _dates(changes.get("issued_date", cert.issued_date), changes.get("expiry_date", cert.expiry_date))
    before = {f: _plain(getattr(cert, f)) for f in changes}
    _bump(session, cert, at)
    for field, value in changes.items():
        setattr(cert, field, value)
    after = {f: _plain(v) for f, v in changes.items()}
    _log(session, actor, at, cert, "certs.CertificateChanged", "certs:certificate:update", before,
         {"number_key": cert.number_key, **after})
    touch_report(session, cert.cb_id, at)
    return cert


def change_status(session: Session, actor: Actor, cert_id: int, action: str, reason_code: str | None,
                  on_date: date | None, note: str | None, at: datetime, today: date, *,
                  version: int | None = None, max_suspension_months: int = 6) -> Certificate:
    """Move a certificate through its lifecycle (``domain`` holds the state machine and the reason codes).

    Raises 404, 403 (not the issuing CB), 409 for an illegal transition or a stale ``version``, 422 for a reason
    code that does not fit the action.
    """
    cert = _own(session, actor, cert_id)
    _check_version(cert, version)
    _transition(session, actor, cert, action, reason_code, on_date or today, note, at, today, max_suspension_months)
    touch_report(session, cert.cb_id, at)
    return cert


def _transition(session: Session, actor: Actor, cert: Certificate, action: str, reason_code: str | None,
                on: date, note: str | None, at: datetime, today: date, max_months: int = 6) -> None:
    try:
        moved = domain.apply(cert.status, domain.Action(action), reason_code=reason_code, on=on,
                             expiry_date=cert.expiry_date, suspended_on=cert.suspended_on,
                             max_suspension_months=max_months)
    except ValueError as error:  # an unknown action name (domain rule errors are not ValueErrors)
        raise invalid("certs.action", f"未知的操作:{action}", f"Unknown action: {action}", "action") from error
    except domain.IllegalTransition as error:
        raise conflict(error.code, error.zh, error.en, "action") from error
    except domain.InvalidReason as error:
        raise invalid(error.code, error.zh, error.en, "reason_code") from error
    except domain.InvalidDates as error:
        raise invalid(error.code, error.zh, error.en, "on_date") from error
    before = {"status": cert.status, "status_reason": cert.status_reason}
    _bump(session, cert, at)
    cert.status, cert.status_reason, cert.status_date = moved.new_status.value, reason_code, on
    cert.suspended_on = moved.suspended_on
    session.add(CertificateStatusChange(certificate_id=cert.id, on_date=on, action=action, from_status=before["status"],
                                        to_status=cert.status, reason_code=reason_code, note=note, at=at,
                                        actor_label=actor.label))
    after = {"number_key": cert.number_key, "status": cert.status, "status_reason": cert.status_reason,
             "status_date": on.isoformat(), "suspended_on": _plain(cert.suspended_on)}
    _log(session, actor, at, cert, EVENT_OF_ACTION[action], f"certs:certificate:{action}", before, after)


def _bulk_status(session: Session, actor: Actor, cert: Certificate, data: CertificateIn, at: datetime,
                 today: date) -> None:
    action = domain.action_to(domain.Status(cert.status), domain.Status(data.status))
    if action is None:
        raise conflict("certs.transition", f"不能从{cert.status}变为{data.status}",
                       f"Cannot go from {cert.status} to {data.status}", "status")
    _transition(session, actor, cert, action.value, data.reason_code, data.status_date or today, None, at, today)


def expire_due(session: Session, today: date, at: datetime, limit: int = 5000) -> int:
    """Mark valid or suspended certificates whose expiry date has passed as expired (the daily job); returns how
    many. Pages never wait for this: they show the effective status (:func:`domain.effective_status`)."""
    system = Actor.system("certs-expiry")
    due = session.scalars(select(Certificate).where(
        Certificate.status.in_(("valid", "suspended")), Certificate.expiry_date < today)
        .order_by(Certificate.id).limit(limit).with_for_update()).all()
    for cert in due:
        _transition(session, system, cert, "expire", "E01", cert.expiry_date, None, at, today)
    return len(due)


def report_no_change(session: Session, actor: Actor, period: str, at: datetime) -> None:
    """A CB asserts it had nothing to report for ``period`` (YYYY-MM): its data is fresh as of now."""
    cb_id = policy.issuing_cb(actor)
    require(cb_id is not None)
    touch_report(session, cb_id, at, no_change_period=period)
    audit.record(session, at=at, actor_id=actor.user_id, actor_label=actor.label, tag="certs:report:no-change",
                 entity_type="certification_body", entity_id=cb_id, before=None, after={"period": period})


# ---------------------------------------------------------------------------------------------------- bulk


@dataclass(frozen=True)
class ItemOutcome:
    index: int
    cb_ref: str
    outcome: str  # created | updated | unchanged | rejected
    id: int | None = None
    code: str | None = None
    zh: str | None = None
    en: str | None = None
    field: str | None = None


def upsert_many(session: Session, actor: Actor, items: list[CertificateIn], at: datetime,
                today: date) -> list[ItemOutcome]:
    """Create or update up to 1,000 certificates keyed by the CB's stable id, each in its own savepoint: one bad
    item is rejected with its reason and the others still land. Raises 403 unless the actor is a CB."""
    cb_id = policy.issuing_cb(actor)
    require(cb_id is not None)
    if len(items) > 1000:
        raise invalid("certs.bulk_size", "每次最多 1000 张证书", "At most 1,000 certificates per request",
                      "certificates")
    refs = [i.cb_ref for i in items]
    if len(set(refs)) != len(refs):
        raise invalid("certs.bulk_duplicate", "同一请求中内部编号重复", "The same cb_ref appears twice in the request",
                      "certificates")
    existing = {c.cb_ref: c.id for c in session.scalars(select(Certificate).where(
        Certificate.cb_id == cb_id, Certificate.cb_ref.in_(refs)))}
    out = []
    for index, item in enumerate(items):
        try:
            with session.begin_nested():
                out.append(_upsert_one(session, actor, index, item, existing.get(item.cb_ref), at, today))
        except DomainError as error:
            out.append(ItemOutcome(index, item.cb_ref, "rejected", None, error.code, error.zh, error.en, error.field))
    touch_report(session, cb_id, at)  # a bulk report counts even when nothing changed
    return out


def _upsert_one(session: Session, actor: Actor, index: int, item: CertificateIn, cert_id: int | None,
                at: datetime, today: date) -> ItemOutcome:
    if cert_id is None:
        return ItemOutcome(index, item.cb_ref, "created", issue(session, actor, item, at, today).id)
    cert = _own(session, actor, cert_id)
    if domain.normalize_number(item.number) != cert.number_key or item.type_code != cert.type_code:
        raise conflict("certs.identity", "证书编号或认证类型与该内部编号已登记的不同",
                       "Number or type differs from what this cb_ref was registered with", "number")
    version = cert.version
    patch = CertificatePatch(version=version, **{f: getattr(item, f) for f in EDITABLE})
    update_certificate(session, actor, cert.id, patch, at, today)
    wanted = domain.Status(item.status) if item.status else None
    if wanted and wanted.value != cert.status:
        _bulk_status(session, actor, cert, item, at, today)
    return ItemOutcome(index, item.cb_ref, "updated" if cert.version != version else "unchanged", cert.id)


# ---------------------------------------------------------------------------------------------------- ledger


def ledger_projection() -> Projection:
    """How the ``certificate`` table follows from its events, for ``zhiliang ledger audit``."""

    def rows(session: Session) -> Iterator[tuple[str, dict[str, Any]]]:
        query = select(Certificate).order_by(Certificate.id).execution_options(yield_per=5000)
        for cert in session.scalars(query):
            yield str(cert.id), snapshot(cert)

    return Projection("certificate", "证书", "Certificate", FIELDS, rows,
                      describe=lambda values: f"({values.get('number')})")
