"""Tables of the registry (主体库): market entities, certification bodies, laboratories, people, products."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Numeric, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhiliang.kernel.db import Base, BigId, JsonDoc, UtcDateTime


class Enterprise(Base):
    """A market entity identified by its USCC (GB 32100-2015)."""

    __tablename__ = "enterprise"
    __table_args__ = (
        Index("ix_enterprise_division_code_id", "division_code", "id"),
        Index("ix_enterprise_industry_code_id", "industry_code", "id"),
        Index("ix_enterprise_status_id", "status", "id"),
        # Room for in-place updates of the risk class on PostgreSQL (migration 0013).
        {"postgresql_with": {"fillfactor": 70}},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    uscc_warning: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    name_initials: Mapped[str] = mapped_column(String(200))
    entity_type: Mapped[str] = mapped_column(String(16))
    legal_rep: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))
    division_code: Mapped[str | None] = mapped_column(String(6))
    industry_code: Mapped[str | None] = mapped_column(String(5))
    registration_authority: Mapped[str | None] = mapped_column(String(100))
    established_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    registered_capital: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    # Credit-risk class A–D (国市监信发〔2022〕6号) that random inspections stratify by; B until credit scoring sets it.
    risk_class: Mapped[str] = mapped_column(String(1), default="B", server_default="B")
    # Licences held ("kind:number", kind per data/licence_kinds.csv) and regulators' tags, sorted; mirrored in
    # enterprise_label for the inspection pool's filters.
    licences: Mapped[list[str]] = mapped_column(JsonDoc, default=list, server_default="[]")
    tags: Mapped[list[str]] = mapped_column(JsonDoc, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EnterpriseNameGram(Base):
    """PostgreSQL's two-character name postings (SQLite keeps this empty and uses FTS5); see search.py."""

    __tablename__ = "enterprise_name_gram"

    gram: Mapped[str] = mapped_column(String(8), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, primary_key=True)


class EnterpriseNameTri(Base):
    """PostgreSQL's three-character name postings, for queries of three characters or more; see search.py."""

    __tablename__ = "enterprise_name_tri"

    tri: Mapped[str] = mapped_column(String(12), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    pos: Mapped[int] = mapped_column(SmallInteger, primary_key=True)


class EnterpriseLabel(Base):
    """What an enterprise's ``licences`` (kind ``licence``, value the licence kind code) and ``tags`` (kind ``tag``)
    say, one row each, so a pool filter is an indexed lookup. Derived from the enterprise row, rewritten with it."""

    __tablename__ = "enterprise_label"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[str] = mapped_column(String(40), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)


class EnterpriseFormerName(Base):
    __tablename__ = "enterprise_former_name"
    __table_args__ = (UniqueConstraint("enterprise_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CertificationBody(Base):
    """A CB approved by CNCA (approval number ``CNCA-R-YYYY-NNN``)."""

    __tablename__ = "certification_body"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    cnca_number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18))
    division_code: Mapped[str | None] = mapped_column(String(6))
    approved_types: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Laboratory(Base):
    """An inspection and testing body with CMA qualification (资质认定)."""

    __tablename__ = "laboratory"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    cma_number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18))
    division_code: Mapped[str | None] = mapped_column(String(6))
    scope: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Person(Base):
    """An inspector, expert or CB auditor. ``phone`` and ``id_number`` are personal data: never shown publicly."""

    __tablename__ = "person"
    __table_args__ = (Index("ix_person_kind_jurisdiction", "kind", "jurisdiction"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(60))
    enforcement_cert_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    department: Mapped[str | None] = mapped_column(String(64))
    jurisdiction: Mapped[str | None] = mapped_column(String(6))
    skills: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    affiliation: Mapped[str | None] = mapped_column(String(200))
    cb_id: Mapped[int | None] = mapped_column(ForeignKey("certification_body.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Product(Base):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(100))
    standard: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ImportJob(Base):
    """One import of one file: it commits batch by batch, so a re-run of the same file resumes after ``rows_done``."""

    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_size: Mapped[int] = mapped_column(BigId)
    encoding: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(BigId)
    actor_label: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16))
    rows_total: Mapped[int] = mapped_column(BigId, default=0)
    rows_done: Mapped[int] = mapped_column(BigId, default=0)
    created: Mapped[int] = mapped_column(BigId, default=0)
    updated: Mapped[int] = mapped_column(BigId, default=0)
    unchanged: Mapped[int] = mapped_column(BigId, default=0)
    rejected: Mapped[int] = mapped_column(BigId, default=0)
    warnings: Mapped[int] = mapped_column(BigId, default=0)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ImportRowError(Base):
    """A rejected (or warned) row of an import: row number as in the file, column, value, reason in zh and en."""

    __tablename__ = "import_row_error"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_job.id", ondelete="CASCADE"), index=True)
    row: Mapped[int] = mapped_column(BigId)
    column: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(40))
    reason_zh: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)

