"""Tables of the certificates feature: certificates, their status history, each CB's reporting, counterfeit signals.

A certificate number is unique nationally once normalised (``number_key``); a CB's own stable id (``cb_ref``) is
unique within that CB and is the key of its bulk upserts. ``version`` counts changes: an update names the version it
read and loses to a concurrent one instead of overwriting it (no lost update).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhiliang.kernel.db import Base, BigId, JsonDoc, UtcDateTime


class Certificate(Base):
    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("cb_id", "cb_ref"), Index("ix_certificate_cb_id_status", "cb_id", "status"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(64))  # as printed
    number_key: Mapped[str] = mapped_column(String(64), unique=True)  # normalised: what lookups use
    number_kind: Mapped[str] = mapped_column(String(16))
    cb_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("certification_body.id"))
    cb_ref: Mapped[str] = mapped_column(String(64))
    type_code: Mapped[str] = mapped_column(String(16), index=True)
    holder_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("enterprise.id"), index=True)
    holder_uscc: Mapped[str] = mapped_column(String(18), index=True)
    holder_name: Mapped[str] = mapped_column(String(200))  # as certified
    sites: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    scope: Mapped[str] = mapped_column(Text, default="")
    standards: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    accreditation_mark: Mapped[str | None] = mapped_column(String(32))
    first_issued_date: Mapped[date] = mapped_column(Date)
    issued_date: Mapped[date] = mapped_column(Date)
    expiry_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(String(32))
    status_date: Mapped[date] = mapped_column(Date)
    suspended_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CertificateStatusChange(Base):
    __tablename__ = "certificate_status_change"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    certificate_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("certificate.id"), index=True)
    on_date: Mapped[date] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_label: Mapped[str] = mapped_column(String(120))


class CbReport(Base):
    """When each CB last reported (any write, or an explicit "no change this month")."""

    __tablename__ = "cb_report"

    cb_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("certification_body.id"), primary_key=True,
                                       autoincrement=False)
    last_report_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_no_change_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_no_change_period: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM


class CounterfeitSignal(Base):
    """Aggregated lookups of unknown numbers and holder mismatches (who asked is never recorded)."""

    __tablename__ = "counterfeit_signal"
    __table_args__ = (UniqueConstraint("kind", "number_key", "claimed"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    number_key: Mapped[str] = mapped_column(String(64))
    claimed: Mapped[str] = mapped_column(String(200), default="")  # the holder name or USCC typed, if any
    certificate_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("certificate.id"))
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    first_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    last_event_date: Mapped[date | None] = mapped_column(Date)
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
