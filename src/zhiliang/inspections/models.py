"""Tables of random inspections (双随机、一公开): the item list, plans with their published commitment and seed, the
pool snapshot, drawn targets with their inspectors, findings, and inspectors' declared conflicts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhiliang.kernel.db import Base, BigId, JsonDoc, UtcDateTime


class InspectionItem(Base):
    """One entry of the published item list (抽查事项清单, 国办发〔2015〕58号 一单)."""

    __tablename__ = "inspection_item"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(200))
    entity_types: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    skills: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InspectionPlan(Base):
    __tablename__ = "inspection_plan"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # the plan id of the draw's byte encodings
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # annual | ad_hoc
    jurisdiction: Mapped[str] = mapped_column(String(6))
    departments: Mapped[list[str]] = mapped_column(JsonDoc, default=list)  # two or more: a joint plan
    item_ids: Mapped[list[int]] = mapped_column(JsonDoc, default=list)
    filters: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    ratios: Mapped[dict[str, str]] = mapped_column(JsonDoc, default=dict)
    min_per_stratum: Mapped[int] = mapped_column(Integer, default=0)
    per_target: Mapped[int] = mapped_column(Integer, default=2)
    workload_cap: Mapped[int] = mapped_column(Integer, default=50)
    seed_rule: Mapped[str] = mapped_column(String(200))
    # An external beacon as the seed instead of the ledger ({"source", "after", "by"}): committed in params.
    beacon: Mapped[dict[str, str] | None] = mapped_column(JsonDoc)
    status: Mapped[str] = mapped_column(String(16), index=True)  # draft committed seeded drawn published
    pool_size: Mapped[int | None] = mapped_column(BigInteger)
    pool_digest: Mapped[str | None] = mapped_column(String(64))
    params: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)  # plan_params exactly as committed
    inspectors: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonDoc)  # directory snapshot as committed
    commitment: Mapped[str | None] = mapped_column(String(64))
    commitment_seq: Mapped[int | None] = mapped_column(BigInteger)
    committed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    seed: Mapped[str | None] = mapped_column(String(64))
    seed_source: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    drawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)  # quotas and sizes per class
    unmet: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    publish_by: Mapped[date | None] = mapped_column(Date)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InspectionPool(Base):
    """The pool snapshot as committed: the pool digest's exact text ("id,class\\n" lines), zlib-compressed."""

    __tablename__ = "inspection_pool"

    plan_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("inspection_plan.id"), primary_key=True,
                                         autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class InspectionTarget(Base):
    __tablename__ = "inspection_target"
    __table_args__ = (UniqueConstraint("plan_id", "entity_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # Looked up by plan through the unique (plan_id, entity_id) index: no index of its own.
    plan_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("inspection_plan.id"))
    # No foreign key to enterprise: PostgreSQL checks one by locking the referenced row (FOR KEY SHARE), which
    # dirties a page of the enterprise table per target — +3.6 s for 250,000 targets among 5,000,000 enterprises
    # (benchmarks/inspections.py). The ids come from the committed pool snapshot of existing rows, the platform
    # never deletes an enterprise (statuses change), and the ledger audit names any row deleted outside it.
    entity_id: Mapped[int] = mapped_column(BigInteger, index=True)
    risk_class: Mapped[str] = mapped_column(String(1))
    rank: Mapped[int] = mapped_column(Integer)
    division_code: Mapped[str | None] = mapped_column(String(12))
    inspectors: Mapped[list[int]] = mapped_column(JsonDoc, default=list)
    status: Mapped[str] = mapped_column(String(16))  # assigned unmet recorded approved published
    outcome: Mapped[str | None] = mapped_column(String(32))
    approved_by: Mapped[str | None] = mapped_column(String(120))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class InspectionFinding(Base):
    __tablename__ = "inspection_finding"
    __table_args__ = (UniqueConstraint("target_id", "item_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    target_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("inspection_target.id"), index=True)
    item_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("inspection_item.id"))
    code: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InspectorConflict(Base):
    """An inspector's declared conflict of interest with an entity (回避)."""

    __tablename__ = "inspector_conflict"
    __table_args__ = (UniqueConstraint("person_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("person.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("enterprise.id"))
    reason: Mapped[str | None] = mapped_column(String(200))
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InspectionAttachment(Base):
    """Evidence attached to a target's findings (photo, scanned record). The file is stored once under the data
    directory by its SHA-256; staff only (it may show people)."""

    __tablename__ = "inspection_attachment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    target_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("inspection_target.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
