"""How the sampling tables follow from their events, for ``zhiliang ledger audit``: plans, samples (registration
and every status change), signed reports with the digest of their items (so an item edited after sign-off is
named), and disposals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhiliang.ledger.audit import table_rows
from zhiliang.ledger.domain import Projection
from zhiliang.sampling import reports
from zhiliang.sampling.models import Sample, SampleDisposal, SampleReport, SamplingPlan

PLAN_FIELDS = ("code", "title", "level", "jurisdiction", "period_start", "period_end", "categories", "quotas")
SAMPLE_FIELDS = ("code", "level", "enterprise_id", "seller_id", "division_code", "category", "product", "brand",
                 "model", "batch", "produced_on", "sampled_on", "place", "lab_id", "status", "verdict", "report_id",
                 "notified_on", "objection_deadline", "confirmed_on")
REPORT_FIELDS = ("report_no", "kind", "version", "verdict", "items_digest", "files")
DISPOSAL_FIELDS = ("action", "due_on", "done_on")


def _reports(session: Session) -> Iterator[tuple[str, dict[str, Any]]]:
    signed = session.scalars(select(SampleReport).where(SampleReport.signed_off_at.is_not(None))
                             .order_by(SampleReport.id)).all()
    for report in signed:
        yield str(report.id), {"report_no": report.report_no, "kind": report.kind, "version": report.version,
                               "verdict": report.verdict,
                               "items_digest": reports.items_digest(reports.items_of(session, report.id)),
                               "files": sorted(f["sha256"] for f in report.files or [])}


def ledger_projections() -> list[Projection]:
    return [
        Projection("sampling_plan", "抽查计划", "Sampling plan", PLAN_FIELDS, table_rows(SamplingPlan, PLAN_FIELDS),
                   describe=lambda v: f"({v.get('code')})", types=("sampling.PlanCreated",)),
        Projection("sample", "样品", "Sample", SAMPLE_FIELDS, table_rows(Sample, SAMPLE_FIELDS),
                   describe=lambda v: f"({v.get('code')})",
                   types=("sampling.SampleRegistered", "sampling.ReportSigned", "sampling.ResultNotified",
                          "sampling.ObjectionFiled", "sampling.RetestAssigned", "sampling.ResultConfirmed",
                          "sampling.ResultPublished")),
        Projection("sample", "检验报告", "Test report", REPORT_FIELDS, _reports, types=("sampling.ReportSigned",),
                   key="report_id", table="sample_report"),
        Projection("sample", "不合格后处理", "Disposal", DISPOSAL_FIELDS, table_rows(SampleDisposal, DISPOSAL_FIELDS),
                   types=("sampling.DisposalOrdered", "sampling.DisposalCompleted"), key="disposal_id",
                   table="sample_disposal"),
    ]
