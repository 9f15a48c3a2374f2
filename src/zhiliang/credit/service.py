"""Credit use cases: credit records (entered by staff, or taken from other modules' events), the serious-violation
list (Order 44) and credit repair (信用修复). Reclassification and explanations are in ``scoring.py``.

Every change writes, in the caller's transaction, its rows, an audit entry and a domain event on the enterprise
(``credit.RecordAdded``, ``credit.SeriousListed`` …), so the ledger logs it and later modules can react.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhiliang.certificates import queries as certificates
from zhiliang.credit import domain
from zhiliang.credit.models import CreditRecord, RepairApplication, SeriousListing
from zhiliang.kernel import audit, events
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.clock import local
from zhiliang.kernel.config import Settings
from zhiliang.kernel.errors import conflict, forbidden, invalid, not_found
from zhiliang.kernel.events import Event
from zhiliang.kernel.policy import require_regulator
from zhiliang.registry import queries as registry

SUBSCRIBER = "credit"
# Events of other modules that become credit records (SPEC credit: "credit events from every module").
CERTIFICATE_EVENTS = {"certs.CertificateSuspended": "certificate_suspended",
                      "certs.CertificateWithdrawn": "certificate_withdrawn"}
INSPECTION_OUTCOMES = {"CORRECTED": "inspection_problem", "NONCONFORMING": "inspection_failed",
                       "NOT_PUBLICISED": "inspection_failed", "UNREACHABLE": "inspection_failed"}


def model(settings: Settings) -> domain.CreditModel:
    """The configured scoring model (re-read when its file changes)."""
    return domain.configured_model(settings.credit_model_file, "credit_model.toml")


def _enterprise(session: Session, enterprise_id: int) -> Any:
    found = registry.enterprise(session, enterprise_id)
    if found is None:
        raise not_found("企业", "Enterprise", enterprise_id)
    return found


def _log(session: Session, actor: Actor, at: datetime, enterprise_id: int, type_: str, tag: str,
         entity_type: str, entity_id: int, payload: dict[str, Any]) -> None:
    audit.record(session, at=at, actor_id=actor.user_id, actor_label=actor.label, tag=tag, entity_type=entity_type,
                 entity_id=entity_id, before=None, after=payload)
    events.emit(session, type_, f"enterprise:{enterprise_id}", payload, at=at, actor=actor.label)


def _public(record: CreditRecord) -> dict[str, Any]:
    """A record as its event carries it: what a penalty decision publishes, no personal data."""
    return {"record_id": record.id, "indicator": record.indicator, "occurred_on": record.occurred_on.isoformat(),
            "ended_on": record.ended_on.isoformat() if record.ended_on else None, "heavier": record.heavier,
            "decision_no": record.decision_no, "legal_basis": record.legal_basis,
            "amount": None if record.amount is None else domain.money(record.amount),
            "heavier_penalty": record.heavier_penalty, "serious": record.serious,
            "special_field": record.special_field, "source": record.source, "status": record.status}


@dataclass(frozen=True)
class RecordIn:
    """A record as staff enter or import it (``indicator``: a code of the scoring model)."""

    indicator: str
    occurred_on: date
    ended_on: date | None = None
    heavier: bool = False
    decision_no: str | None = None
    legal_basis: str | None = None
    amount: Decimal | None = None
    heavier_penalty: str | None = None
    serious: bool = False
    special_field: bool = False
    summary: str = ""


def check_record(the_model: domain.CreditModel, item: RecordIn, today: date) -> list[tuple[str, str, str]]:
    """(field, zh, en) for each rule ``item`` breaks: unknown indicator, future or inverted dates, a negative
    fine, an unknown heavier-penalty kind, a penalty without decision number."""
    problems = []
    if item.indicator not in the_model.indicators:
        problems.append(("indicator", f"未知的信用指标“{item.indicator}”(可用:{'、'.join(the_model.indicators)})",
                         f"unknown indicator {item.indicator!r} (known: {', '.join(the_model.indicators)})"))
    if item.occurred_on > today:
        problems.append(("occurred_on", "日期不能晚于今天", "the date is in the future"))
    if item.ended_on is not None and item.ended_on < item.occurred_on:
        problems.append(("ended_on", "结束日期早于发生日期", "ends before it occurred"))
    if item.amount is not None and item.amount < 0:
        problems.append(("amount", "罚没金额不能为负", "the amount is negative"))
    if item.heavier_penalty is not None and item.heavier_penalty not in domain.HEAVIER_PENALTIES:
        problems.append(("heavier_penalty", f"未知的较重处罚种类“{item.heavier_penalty}”",
                         f"unknown heavier-penalty kind {item.heavier_penalty!r} (known: "
                         f"{', '.join(domain.HEAVIER_PENALTIES)})"))
    if item.indicator == "admin_penalty" and not (item.decision_no or "").strip():
        problems.append(("decision_no", "行政处罚须有处罚决定书文号", "a penalty needs its decision number"))
    return problems


def add_record(session: Session, actor: Actor, at: datetime, today: date, the_model: domain.CreditModel,
               enterprise_id: int, item: RecordIn, *, source: str = "staff",
               source_event_seq: int | None = None) -> CreditRecord:
    """Enter one credit record (regulators of the enterprise's jurisdiction). Raises 403, 404, 422 naming the
    field."""
    enterprise = _enterprise(session, enterprise_id)
    require_regulator(actor, enterprise.division_code)
    problems = check_record(the_model, item, today)
    if problems:
        field, zh, en = problems[0]
        raise invalid("credit.record", zh, en, field)
    record = CreditRecord(enterprise_id=enterprise_id, indicator=item.indicator, occurred_on=item.occurred_on,
                          ended_on=item.ended_on, heavier=item.heavier, decision_no=item.decision_no,
                          legal_basis=item.legal_basis, amount=item.amount, heavier_penalty=item.heavier_penalty,
                          serious=item.serious, special_field=item.special_field, summary=item.summary,
                          source=source, source_event_seq=source_event_seq, status="active",
                          created_by=actor.label, created_at=at)
    session.add(record)
    session.flush()
    _log(session, actor, at, enterprise_id, "credit.RecordAdded", "credit:record:add", "credit_record", record.id,
         _public(record))
    return record


def end_record(session: Session, actor: Actor, at: datetime, record_id: int, ended_on: date) -> CreditRecord:
    """Mark a record in force as ended (an abnormal-operation listing removed, a licence restored)."""
    record = session.get(CreditRecord, record_id, with_for_update=True)
    if record is None:
        raise not_found("信用记录", "Credit record", record_id)
    require_regulator(actor, _enterprise(session, record.enterprise_id).division_code)
    if record.ended_on is not None:
        raise conflict("credit.ended", "该记录已结束", "The record has already ended", "ended_on")
    if ended_on < record.occurred_on:
        raise invalid("credit.record", "结束日期早于发生日期", "Ends before it occurred", "ended_on")
    record.ended_on = ended_on
    _log(session, actor, at, record.enterprise_id, "credit.RecordEnded", "credit:record:end", "credit_record",
         record.id, {"record_id": record.id, "ended_on": ended_on.isoformat()})
    return record


# ------------------------------------------------------------------------------------------ from other modules


def ingest(session: Session, at: datetime, *, limit: int = 2000) -> int:
    """Turn the next settled events of other modules into credit records (the ``credit`` subscriber); returns how
    many events were read. Idempotent: a record remembers its event (``source_event_seq``, unique), and an event
    read again adds nothing."""
    system = Actor.system("credit")

    def handle(event: Event) -> None:
        indicator, enterprise_id = _indicator_of(session, event)
        if indicator is None or enterprise_id is None:
            return
        if session.scalar(select(CreditRecord.id).where(CreditRecord.source_event_seq == event.seq)):
            return  # read again after a cursor reset: already a record
        record = CreditRecord(enterprise_id=enterprise_id, indicator=indicator,
                              occurred_on=local(event.occurred_at).date(), summary=event.type, source="event",
                              source_event_seq=event.seq, status="active", heavier=False, serious=False,
                              special_field=False, created_by="credit", created_at=at)
        session.add(record)
        session.flush()
        _log(session, system, at, enterprise_id, "credit.RecordAdded", "credit:record:add", "credit_record",
             record.id, {**_public(record), "event_seq": event.seq})

    return events.consume(session, SUBSCRIBER, handle, limit=limit)


def _indicator_of(session: Session, event: Event) -> tuple[str | None, int | None]:
    if event.type in CERTIFICATE_EVENTS:
        cert_id = int(event.entity.partition(":")[2])
        holder = event.payload.get("holder_id") or certificates.holders_of(session, [cert_id]).get(cert_id)
        return CERTIFICATE_EVENTS[event.type], holder
    if event.type == "inspections.ResultPublished":
        return INSPECTION_OUTCOMES.get(event.payload.get("outcome")), int(event.entity.partition(":")[2])
    if event.type == "sampling.ResultConfirmed" and event.payload.get("verdict") == "fail":
        return "sampling_failed", event.payload.get("enterprise_id")  # a confirmed failure (产品质量法 第十五条)
    return None, None


# ----------------------------------------------------------------------------------- the serious-violation list


def list_serious(session: Session, actor: Actor, at: datetime, today: date, settings: Settings, record_id: int,
                 basis: str) -> SeriousListing:
    """List the enterprise of penalty ``record_id`` on the serious-violation list (Order 44 Article 2: a serious
    violation with a heavier penalty; see ``domain.listing_allowed``). The listing counts in the scoring model as
    the indicator ``serious_violation`` until removed. Raises 403, 404, 409 (already listed), 422 (not allowed)."""
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise not_found("信用记录", "Credit record", record_id)
    require_regulator(actor, _enterprise(session, record.enterprise_id).division_code)
    if record.indicator != "admin_penalty" or record.status != "active":
        raise invalid("credit.listing", "只能依据有效的行政处罚列入",
                      "Only an active administrative penalty can ground a listing", "record_id")
    problems = domain.listing_allowed(record.serious, record.heavier_penalty)
    if problems:
        raise invalid("credit.listing", ";".join(zh for zh, _ in problems), "; ".join(en for _, en in problems),
                      "record_id")
    if session.scalar(select(SeriousListing.id).where(SeriousListing.record_id == record_id)):
        raise conflict("credit.listed", "该处罚已据以列入", "This penalty already grounds a listing", "record_id")
    if not basis.strip():
        raise invalid("credit.listing", "请写明列入依据(条款)", "State the articles the listing rests on", "basis")
    listing = SeriousListing(enterprise_id=record.enterprise_id, record_id=record.id, listed_on=today,
                             ends_on=domain.serious_list_end(today, settings.credit_serious_list_years),
                             basis=basis.strip(), status="listed", listed_by=actor.label, created_at=at)
    session.add(listing)
    session.flush()
    _log(session, actor, at, record.enterprise_id, "credit.SeriousListed", "credit:listing:add", "serious_listing",
         listing.id, {"listing_id": listing.id, "record_id": record.id, "decision_no": record.decision_no,
                      "listed_on": today.isoformat(), "ends_on": listing.ends_on.isoformat(), "basis": listing.basis,
                      "status": listing.status})
    counted = CreditRecord(enterprise_id=record.enterprise_id, indicator="serious_violation", occurred_on=today,
                           decision_no=record.decision_no, summary=basis.strip(), source=f"listing:{listing.id}",
                           status="active", heavier=False, serious=True, special_field=record.special_field,
                           created_by=actor.label, created_at=at)
    session.add(counted)
    session.flush()
    _log(session, actor, at, record.enterprise_id, "credit.RecordAdded", "credit:record:add", "credit_record",
         counted.id, _public(counted))
    return listing


def _remove(session: Session, actor: Actor, at: datetime, listing: SeriousListing, on: date, how: str) -> None:
    listing.status, listing.removed_on, listing.removal = "removed", on, how
    _log(session, actor, at, listing.enterprise_id, "credit.SeriousRemoved", f"credit:listing:{how}",
         "serious_listing", listing.id, {"listing_id": listing.id, "removed_on": on.isoformat(), "removal": how,
                                         "status": listing.status})
    for record in session.scalars(select(CreditRecord).where(CreditRecord.source == f"listing:{listing.id}")):
        record.ended_on = on
        _log(session, actor, at, listing.enterprise_id, "credit.RecordEnded", "credit:record:end", "credit_record",
             record.id, {"record_id": record.id, "ended_on": on.isoformat()})


def expire_listings(session: Session, at: datetime, today: date) -> int:
    """Remove every listing whose publication period has ended (Order 44, Chapter IV 移出: at the end of the
    period, by the department that listed it). Returns how many; run daily and before each reclassification."""
    due = session.scalars(select(SeriousListing).where(SeriousListing.status == "listed",
                                                       SeriousListing.ends_on <= today).with_for_update()).all()
    for listing in due:
        _remove(session, Actor.system("credit"), at, listing, listing.ends_on, "expired")
    return len(due)


# ------------------------------------------------------------------------------------------------ credit repair


def apply_repair(session: Session, actor: Actor, at: datetime, *, listing_id: int | None = None,
                 record_id: int | None = None, obligations_fulfilled: bool = False, harm_remedied: bool = False,
                 commitment_letter: str = "", decide_by: Callable[[str], date] | None = None) -> RepairApplication:
    """An application for credit repair: early removal from the list (``listing_id``) or the end of a penalty's
    public display (``record_id``). The enterprise itself (its account) or a regulator on its behalf applies; the
    conditions are declared here and checked at review. ``decide_by(kind)`` gives the review deadline (the caller
    counts Chinese working days: Order 44 Article 23, 20 for a listing; 15 for a penalty per 国市监信规〔2021〕3号;
    both configuration); without it, the day itself. Raises 403, 404, 409 (not listed / not repairable)."""
    if (listing_id is None) == (record_id is None):
        raise invalid("credit.repair", "请指定名单列入或行政处罚之一", "Name either a listing or a penalty",
                      "listing_id")
    if listing_id is not None:
        listing = session.get(SeriousListing, listing_id)
        if listing is None:
            raise not_found("名单列入", "Listing", listing_id)
        if listing.status != "listed":
            raise conflict("credit.not_listed", "该列入已移出", "The listing has already been removed", "listing_id")
        enterprise_id, kind = listing.enterprise_id, "listing"
    else:
        record = session.get(CreditRecord, record_id)
        if record is None:
            raise not_found("信用记录", "Credit record", record_id)
        if record.indicator != "admin_penalty" or record.status != "active":
            raise conflict("credit.not_repairable", "只有公示中的行政处罚可申请修复", "Only a published penalty can be "
                           "repaired", "record_id")
        enterprise_id, kind = record.enterprise_id, "penalty"
    own = actor.role == "enterprise" and actor.tenant_id == enterprise_id
    if not own:
        require_regulator(actor, _enterprise(session, enterprise_id).division_code)
    if session.scalar(select(RepairApplication.id).where(
            RepairApplication.status == "submitted", RepairApplication.listing_id == listing_id,
            RepairApplication.record_id == record_id)):
        raise conflict("credit.repair_pending", "已有待审核的申请", "An application is already under review",
                       "listing_id" if listing_id else "record_id")
    application = RepairApplication(
        kind=kind, listing_id=listing_id, record_id=record_id, enterprise_id=enterprise_id, status="submitted",
        conditions={"obligations_fulfilled": obligations_fulfilled, "harm_remedied": harm_remedied,
                    "commitment_letter": commitment_letter.strip()[:5000]},
        submitted_by=actor.label, submitted_at=at,
        decide_by=decide_by(kind) if decide_by else local(at).date())
    session.add(application)
    session.flush()
    _log(session, actor, at, enterprise_id, "credit.RepairApplied", "credit:repair:apply", "credit_repair_application",
         application.id, {"application_id": application.id, "kind": kind, "listing_id": listing_id,
                          "record_id": record_id, "status": application.status})
    return application


def review_repair(session: Session, actor: Actor, at: datetime, today: date, settings: Settings,
                  application_id: int, grant: bool, note: str = "") -> RepairApplication:
    """Grant or refuse an application (a regulator other than the one who submitted it). Granting checks the
    rules first — Order 44 Articles 21–22 for a listing (``domain.early_removal_problems``), the repair period for
    a penalty (``domain.penalty_repair_date``) — and refuses with 409 and the reasons when they do not hold."""
    application = session.get(RepairApplication, application_id, with_for_update=True)
    if application is None:
        raise not_found("修复申请", "Repair application", application_id)
    require_regulator(actor, _enterprise(session, application.enterprise_id).division_code)
    if actor.role != "admin" and actor.label == application.submitted_by:
        raise forbidden("申请人不能审核自己提交的申请", "The applicant cannot review their own application")
    if application.status != "submitted":
        raise conflict("credit.reviewed", "该申请已审核", "The application has been reviewed", "status")
    if grant:
        problems = _repair_problems(session, application, today, settings)
        if problems:
            raise conflict("credit.repair_conditions", ";".join(zh for zh, _ in problems),
                           "; ".join(en for _, en in problems), "grant")
        if application.kind == "listing":
            _remove(session, actor, at, session.get(SeriousListing, application.listing_id), today, "repaired")
        else:
            record = session.get(CreditRecord, application.record_id)
            record.status, record.status_changed_on = "repaired", today
            _log(session, actor, at, record.enterprise_id, "credit.RecordRepaired", "credit:record:repair",
                 "credit_record", record.id, {"record_id": record.id, "status": record.status,
                                              "status_changed_on": today.isoformat(),
                                              "application_id": application.id})
    application.status = "granted" if grant else "refused"
    application.reviewed_by, application.reviewed_at = actor.label, at
    application.reasons = None if grant else [[note.strip() or "不予修复", note.strip() or "refused"]]
    _log(session, actor, at, application.enterprise_id, "credit.RepairReviewed", "credit:repair:review",
         "credit_repair_application", application.id, {"application_id": application.id,
                                                       "status": application.status})
    return application


def _repair_problems(session: Session, application: RepairApplication, today: date,
                     settings: Settings) -> list[tuple[str, str]]:
    conditions = application.conditions
    if application.kind == "listing":
        listing = session.get(SeriousListing, application.listing_id)
        if listing.status != "listed":
            return [("该列入已移出", "the listing has already been removed")]
        newer = session.scalar(select(CreditRecord.id).where(
            CreditRecord.enterprise_id == listing.enterprise_id, CreditRecord.indicator == "admin_penalty",
            CreditRecord.heavier_penalty.is_not(None), CreditRecord.status == "active",
            CreditRecord.occurred_on > listing.listed_on).limit(1))
        return domain.early_removal_problems(
            listing.listed_on, today, min_years=settings.credit_early_removal_years,
            obligations_fulfilled=bool(conditions.get("obligations_fulfilled")),
            harm_remedied=bool(conditions.get("harm_remedied")), new_heavier_penalty=newer is not None,
            commitment_letter=bool(conditions.get("commitment_letter")))
    record = session.get(CreditRecord, application.record_id)
    if session.scalar(select(SeriousListing.id).where(SeriousListing.record_id == record.id,
                                                      SeriousListing.status == "listed")):
        return [("该处罚据以列入严重违法失信名单,须先移出名单",
                 "the penalty grounds a listing: remove the listing first")]
    earliest = domain.penalty_repair_date(record.occurred_on, special_field=record.special_field,
                                          months=settings.credit_penalty_repair_months,
                                          special_months=settings.credit_penalty_repair_months_special)
    problems = []
    if today < earliest:
        problems.append((f"公示满规定期限(即 {earliest.isoformat()})后方可修复",
                         f"the publication can be repaired from {earliest.isoformat()}"))
    if not conditions.get("commitment_letter"):
        problems.append(("未提交信用承诺书", "no commitment letter"))
    return problems
