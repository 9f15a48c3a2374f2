"""Tables of supervision sampling: plans, samples, laboratory reports with their items, objections and
disposals.

A report is entered by the laboratory the sample is assigned to, then signed off; a signed report is never changed:
a correction is a new version (``supersedes_id``) and the old one stays. A re-test after an objection is a report
of kind ``retest`` by another laboratory. The sample's ``verdict`` is the verdict in force: the latest signed
initial report's, replaced only by a decided re-test.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhiliang.kernel.db import Base, BigId, JsonDoc, UtcDateTime


class SamplingPlan(Base):
    __tablename__ = "sampling_plan"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))  # domain.LEVELS
    jurisdiction: Mapped[str] = mapped_column(String(6))  # the organising bureau's division (国家: 000000)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    categories: Mapped[list[str]] = mapped_column(JsonDoc, default=list)  # catalogue codes
    quotas: Mapped[dict[str, int]] = mapped_column(JsonDoc, default=dict)  # batches per district code
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | closed
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Sample(Base):
    __tablename__ = "sample"
    __table_args__ = (
        # Pass rates group by category, district and period; the repeat-sampling guard looks up a producer's
        # product in a category.
        Index("ix_sample_category_sampled_on", "category", "sampled_on"),
        Index("ix_sample_enterprise_category", "enterprise_id", "category"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("sampling_plan.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # 样品编号, as on the sampling form
    level: Mapped[str] = mapped_column(String(16))  # the plan's, kept for the pass rates by level
    enterprise_id: Mapped[int] = mapped_column(BigInteger)  # the producer (no foreign key: see InspectionTarget)
    seller_id: Mapped[int | None] = mapped_column(BigInteger)  # where sampled in the market
    division_code: Mapped[str | None] = mapped_column(String(6))  # where sampled (the place's district)
    industry_code: Mapped[str | None] = mapped_column(String(4))  # the producer's, at sampling
    category: Mapped[str] = mapped_column(String(12))
    product: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str | None] = mapped_column(String(120))
    model: Mapped[str | None] = mapped_column(String(120))
    batch: Mapped[str | None] = mapped_column(String(120))
    produced_on: Mapped[date | None] = mapped_column(Date)
    sampled_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(16))  # producer | market
    place_detail: Mapped[str] = mapped_column(Text, default="")
    sampler: Mapped[str] = mapped_column(String(120))
    lab_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("laboratory.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="registered", index=True)
    verdict: Mapped[str | None] = mapped_column(String(8))  # pass | fail, in force
    report_id: Mapped[int | None] = mapped_column(BigInteger)  # the signed report in force (no foreign key: the
    # report refers to the sample, and a cycle of keys would make either row impossible to insert first)
    notified_on: Mapped[date | None] = mapped_column(Date)  # the producer received the result
    objection_deadline: Mapped[date | None] = mapped_column(Date)
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SampleReport(Base):
    __tablename__ = "sample_report"
    __table_args__ = (UniqueConstraint("sample_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sample_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("sample.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # initial | retest
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("sample_report.id"))
    lab_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("laboratory.id"))
    report_no: Mapped[str] = mapped_column(String(80))  # the laboratory's report number
    verdict: Mapped[str | None] = mapped_column(String(8))
    correction: Mapped[str | None] = mapped_column(Text)  # why this version replaces the last
    files: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc, default=list)  # name, sha256, size, path
    signed_off_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    signed_off_by: Mapped[str | None] = mapped_column(String(120))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SampleReportItem(Base):
    __tablename__ = "sample_report_item"
    __table_args__ = (UniqueConstraint("report_id", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("sample_report.id"))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))  # 检验项目
    clause: Mapped[str] = mapped_column(String(120))  # the standard and clause (GB 4706.1-2005 第8.1条)
    requirement: Mapped[str] = mapped_column(Text)
    value: Mapped[str] = mapped_column(String(200))  # as measured (text: "符合", "12.3", "<0.05")
    unit: Mapped[str | None] = mapped_column(String(40))
    verdict: Mapped[str] = mapped_column(String(8))  # domain.ITEM_VERDICTS


class SampleObjection(Base):
    """An objection (复检申请) to a result, within 15 days of its notice (产品质量法 第十五条)."""

    __tablename__ = "sample_objection"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sample_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("sample.id"), index=True)
    submitted_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="submitted")  # submitted | retesting | decided
    retest_lab_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("laboratory.id"))
    outcome: Mapped[str | None] = mapped_column(String(8))  # the re-test's verdict
    submitted_by: Mapped[str] = mapped_column(String(120))
    decided_on: Mapped[date | None] = mapped_column(Date)


class SampleDisposal(Base):
    """What follows a confirmed failure (后处理): an order to rectify (责令整改), a re-inspection (复查), a referral for
    penalty (移送处罚), each with its deadline."""

    __tablename__ = "sample_disposal"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sample_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("sample.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # rectify | recheck | referral
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SampleRollup(Base):
    """Final results counted per group, at two grains: ``place`` (category × district × quarter, what the console
    and the portal ask most; industry and level left empty) and ``full`` (with the producer's industry and the
    level too). The pass rates read the narrowest grain that answers, never every sample. Kept by
    :func:`zhiliang.sampling.service.confirm`, in the transaction that confirms a result (a result is confirmed
    once and never changes after)."""

    __tablename__ = "sample_rollup"

    grain: Mapped[str] = mapped_column(String(8), primary_key=True)  # place | full
    category: Mapped[str] = mapped_column(String(12), primary_key=True)
    division_code: Mapped[str] = mapped_column(String(6), primary_key=True)  # "" when unknown
    quarter: Mapped[str] = mapped_column(String(7), primary_key=True)  # 2026-Q1, of the sampling date
    industry: Mapped[str] = mapped_column(String(2), primary_key=True)  # GB/T 4754 division; "" (grain place)
    level: Mapped[str] = mapped_column(String(16), primary_key=True)  # "" at grain place
    tested: Mapped[int] = mapped_column(BigInteger, default=0)
    passed: Mapped[int] = mapped_column(BigInteger, default=0)
