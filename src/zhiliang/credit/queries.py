"""Read-only credit queries: the public credit profile (信用档案), the published list, distributions, and the
JSON shapes of records, listings and repair applications."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhiliang.credit.models import CreditRecord, RepairApplication, SeriousListing
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.config import Settings
from zhiliang.kernel.errors import forbidden, not_found
from zhiliang.kernel.policy import is_staff
from zhiliang.registry import queries as registry

PUBLIC_INDICATORS = ("admin_penalty", "abnormal_operation", "licence_revoked")  # what 公示 shows of the records


def require_staff(actor: Actor) -> None:
    if not is_staff(actor):
        raise forbidden()


def require_admin(actor: Actor) -> None:
    if actor.role != "admin":
        raise forbidden()


def record_out(r: CreditRecord) -> dict[str, Any]:
    return {"id": r.id, "enterprise_id": r.enterprise_id, "indicator": r.indicator,
            "occurred_on": r.occurred_on.isoformat(), "ended_on": r.ended_on.isoformat() if r.ended_on else None,
            "heavier": r.heavier, "decision_no": r.decision_no, "legal_basis": r.legal_basis,
            "amount": None if r.amount is None else format(r.amount, "f"), "heavier_penalty": r.heavier_penalty,
            "serious": r.serious, "special_field": r.special_field, "summary": r.summary, "source": r.source,
            "status": r.status}


def listing_out(listing: SeriousListing) -> dict[str, Any]:
    return {"id": listing.id, "enterprise_id": listing.enterprise_id, "record_id": listing.record_id,
            "listed_on": listing.listed_on.isoformat(), "ends_on": listing.ends_on.isoformat(),
            "basis": listing.basis, "status": listing.status,
            "removed_on": listing.removed_on.isoformat() if listing.removed_on else None, "removal": listing.removal}


def application_out(a: RepairApplication) -> dict[str, Any]:
    return {"id": a.id, "kind": a.kind, "listing_id": a.listing_id, "record_id": a.record_id,
            "enterprise_id": a.enterprise_id, "status": a.status, "conditions": a.conditions, "reasons": a.reasons,
            "submitted_by": a.submitted_by, "submitted_at": a.submitted_at.isoformat(), "reviewed_by": a.reviewed_by,
            "decide_by": a.decide_by.isoformat()}


def overdue_repairs(session: Session, today: date) -> list[dict[str, Any]]:
    """Applications still undecided after their review deadline, oldest first."""
    rows = session.scalars(select(RepairApplication).where(RepairApplication.status == "submitted",
                                                           RepairApplication.decide_by < today)
                           .order_by(RepairApplication.decide_by, RepairApplication.id)).all()
    return [application_out(a) for a in rows]


def _published_on_or_after(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def profile(session: Session, settings: Settings, enterprise_id: int, today: date, actor: Actor) -> dict[str, Any]:
    """The credit profile of one enterprise. Everyone sees the listing status (only while listed: a removed listing
    is no longer shown), the penalties and listings still within their publication period and not repaired, and —
    when configured public — the class. Staff also see every record and every listing."""
    enterprise = registry.enterprise(session, enterprise_id)
    if enterprise is None:
        raise not_found("企业", "Enterprise", enterprise_id)
    staff = is_staff(actor)
    since = _published_on_or_after(today, settings.credit_penalty_publication_years)
    listed = session.scalars(select(SeriousListing).where(SeriousListing.enterprise_id == enterprise_id,
                                                          SeriousListing.status == "listed")).all()
    public_records = session.scalars(select(CreditRecord).where(
        CreditRecord.enterprise_id == enterprise_id, CreditRecord.indicator.in_(PUBLIC_INDICATORS),
        CreditRecord.status == "active", CreditRecord.occurred_on >= since).order_by(
        CreditRecord.occurred_on.desc())).all()
    out: dict[str, Any] = {
        "enterprise": {"id": enterprise.id, "uscc": enterprise.uscc, "name": enterprise.name},
        "serious_list": [listing_out(x) for x in listed],
        "published_records": [record_out(r) for r in public_records
                              if r.indicator != "abnormal_operation" or r.ended_on is None or r.ended_on > today],
    }
    if staff or settings.credit_class_public:
        out["risk_class"] = enterprise.risk_class
    if staff:
        out["records"] = [record_out(r) for r in session.scalars(select(CreditRecord).where(
            CreditRecord.enterprise_id == enterprise_id).order_by(CreditRecord.occurred_on.desc()))]
        out["listings"] = [listing_out(x) for x in session.scalars(select(SeriousListing).where(
            SeriousListing.enterprise_id == enterprise_id).order_by(SeriousListing.id))]
        out["repairs"] = [application_out(a) for a in session.scalars(select(RepairApplication).where(
            RepairApplication.enterprise_id == enterprise_id).order_by(RepairApplication.id))]
    return out


def current_listings(session: Session) -> list[dict[str, Any]]:
    """The serious-violation list as published: every listing in force, with the enterprise's name and USCC."""
    rows = session.scalars(select(SeriousListing).where(SeriousListing.status == "listed")
                           .order_by(SeriousListing.listed_on.desc(), SeriousListing.id)).all()
    names = registry.enterprises_by_id(session, [x.enterprise_id for x in rows])
    return [{**listing_out(x), "name": names[x.enterprise_id].name if x.enterprise_id in names else None,
             "uscc": names[x.enterprise_id].uscc if x.enterprise_id in names else None} for x in rows]


def distribution(session: Session, by: str) -> list[dict[str, Any]]:
    """Enterprises per credit-risk class, by division code or by GB/T 4754 division (two digits)."""
    return [{"key": key, **counts} for key, counts in sorted(registry.class_counts(session, by).items(),
                                                              key=lambda kv: kv[0] or "")]
