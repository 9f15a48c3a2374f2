"""Tables of credit supervision: credit records, serious-violation listings, repair applications.

A credit record (信用记录) is one fact about an enterprise that the scoring model reads: an administrative penalty
entered by staff, an abnormal-operation listing, a withdrawn certificate or a failed inspection taken from another
module's event (``source_event_seq``, unique, so replaying the event stream adds nothing twice). Records are never
deleted: a repaired or revoked one keeps its row with ``status`` and the date, and the public pages stop showing it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zhiliang.kernel.db import Base, BigId, JsonDoc, UtcDateTime


class CreditRecord(Base):
    __tablename__ = "credit_record"
    # Covering what the reclassification reads, in enterprise order: the aggregate over 20,000,000 records scans
    # this index alone (4x faster on SQLite than visiting the rows; benchmarks/credit.py).
    __table_args__ = (Index("ix_credit_record_scoring", "enterprise_id", "status", "indicator", "occurred_on",
                            "ended_on", "heavier"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[int] = mapped_column(BigInteger)  # no foreign key: see InspectionTarget.entity_id
    indicator: Mapped[str] = mapped_column(String(40))  # an indicator code of the scoring model
    occurred_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)  # a listing's removal, a licence restored …
    heavier: Mapped[bool] = mapped_column(Boolean, default=False)  # 从重: the penalty was set heavier
    # Penalties: decision number (处罚决定书文号), legal basis, fine in CNY, the heavier-penalty kind of Order 44
    # Article 2 (domain.HEAVIER_PENALTIES) and whether the decision found the violation serious (Article 12).
    decision_no: Mapped[str | None] = mapped_column(String(80))
    legal_basis: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    heavier_penalty: Mapped[str | None] = mapped_column(String(32))
    serious: Mapped[bool] = mapped_column(Boolean, default=False)
    special_field: Mapped[bool] = mapped_column(Boolean, default=False)  # food, drugs, special equipment
    summary: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(40))  # staff | import:<job> | event
    source_event_seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | repaired | revoked
    status_changed_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SeriousListing(Base):
    """A listing on the serious-violation list (严重违法失信名单, Order 44), grounded on one penalty record."""

    __tablename__ = "serious_listing"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[int] = mapped_column(BigInteger, index=True)
    record_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("credit_record.id"), unique=True)
    listed_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # the end of the publication period (3 years)
    basis: Mapped[str] = mapped_column(Text)  # the articles applied, as the decision states them
    status: Mapped[str] = mapped_column(String(16), default="listed", index=True)  # listed | removed
    removed_on: Mapped[date | None] = mapped_column(Date)
    removal: Mapped[str | None] = mapped_column(String(16))  # expired | repaired | revoked
    listed_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RepairApplication(Base):
    """An application for credit repair (信用修复): early removal from the list, or the end of a penalty's public
    display; reviewed by a regulator other than the one who entered it."""

    __tablename__ = "credit_repair_application"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # listing | penalty
    listing_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("serious_listing.id"), index=True)
    record_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("credit_record.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(BigInteger, index=True)
    conditions: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)  # as declared, with the letter
    status: Mapped[str] = mapped_column(String(16), default="submitted", index=True)  # submitted|granted|refused
    reasons: Mapped[list[Any] | None] = mapped_column(JsonDoc)  # why refused, zh and en
    submitted_by: Mapped[str] = mapped_column(String(120))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decide_by: Mapped[date] = mapped_column(Date)  # the review deadline, in Chinese working days
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class InstitutionCreditRecord(Base):
    """A fact about a certification body (``kind`` cb) or laboratory (lab) that its credit evaluation reads."""

    __tablename__ = "institution_credit_record"
    __table_args__ = (Index("ix_institution_credit_record_kind_institution_id", "kind", "institution_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))  # cb | lab
    institution_id: Mapped[int] = mapped_column(BigInteger)
    indicator: Mapped[str] = mapped_column(String(40))
    occurred_on: Mapped[date] = mapped_column(Date)
    heavier: Mapped[bool] = mapped_column(Boolean, default=False)
    decision_no: Mapped[str | None] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
