"""Test reports, entered by the laboratory the sample is assigned to (its token or its console login) and nobody
else: per item the standard clause, requirement, measured value, unit and verdict; the overall verdict follows from
the items (``domain.overall_verdict``). A report is a draft until signed off; signed, it never changes again — a
correction is a new version that supersedes it, and the old one stays readable. A re-test report comes from the
laboratory the objection was sent to, and its verdict, once signed, decides the objection and replaces the first.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import conflict, forbidden, invalid, not_found
from zhiliang.sampling import domain, service
from zhiliang.sampling.models import Sample, SampleObjection, SampleReport, SampleReportItem

MAX_ITEMS = 500
ITEM_LIMITS = (("name", "检验项目", 200), ("clause", "标准条款", 120), ("requirement", "标准要求", 5000),
               ("value", "实测值", 200), ("unit", "单位", 40))


@dataclass(frozen=True)
class ItemIn:
    name: str
    clause: str
    requirement: str
    value: str
    verdict: str  # pass | fail | info
    unit: str | None = None


def _check_items(items: list[ItemIn]) -> str:
    if not items or len(items) > MAX_ITEMS:
        raise invalid("sampling.items", f"报告应有 1–{MAX_ITEMS} 个检验项目", f"A report has 1–{MAX_ITEMS} items",
                      "items")
    for n, item in enumerate(items, 1):
        for field, zh in (("name", "检验项目"), ("clause", "标准条款"), ("requirement", "标准要求"),
                          ("value", "实测值")):
            if not str(getattr(item, field) or "").strip():
                raise invalid("sampling.item", f"第 {n} 项缺少{zh}", f"item {n}: {field} is empty",
                              f"items/{n}/{field}")
        for field, zh, most in ITEM_LIMITS:  # the columns' widths: longer would fail in PostgreSQL, not here
            if len(str(getattr(item, field) or "").strip()) > most:
                raise invalid("sampling.item", f"第 {n} 项的{zh}超过 {most} 个字符",
                              f"item {n}: {field} is longer than {most} characters", f"items/{n}/{field}")
        if item.verdict not in domain.ITEM_VERDICTS:
            raise invalid("sampling.item", f"第 {n} 项的单项判定应为 pass(合格)、fail(不合格)或 info(不判定)",
                          f"item {n}: verdict must be pass, fail or info", f"items/{n}/verdict")
    try:
        return domain.overall_verdict([i.verdict for i in items])
    except ValueError as error:
        raise invalid("sampling.items", "报告至少应判定一个检验项目", str(error), "items") from None


def _require_lab(actor: Actor, lab_id: int) -> None:
    if actor.role != "lab" or actor.tenant_id != lab_id:
        raise forbidden("检验报告只能由承检机构录入", "Only the assigned laboratory enters this report")


def _retest(session: Session, sample: Sample) -> SampleObjection | None:
    return session.scalars(select(SampleObjection).where(SampleObjection.sample_id == sample.id,
                                                         SampleObjection.status == "retesting")).first()


def save_draft(session: Session, actor: Actor, at: datetime, sample_id: int, report_no: str,
               items: list[ItemIn], *, correction: str | None = None) -> SampleReport:
    """Enter (or replace) the draft report of a sample: the first report while the sample is registered, the
    re-test while it is retesting, or — with ``correction`` saying why — a new version of a signed report before
    the result is confirmed. Raises 403 (not the assigned laboratory), 409 (wrong state), 422 naming the item."""
    sample = service.get_sample(session, sample_id, lock=True)
    objection = _retest(session, sample)
    kind = "retest" if objection is not None else "initial"
    _require_lab(actor, objection.retest_lab_id if objection is not None else sample.lab_id)
    allowed = {"initial": ("registered", "tested", "notified"), "retest": ("retesting",)}[kind]
    if sample.status not in allowed:
        raise conflict("sampling.status", f"样品当前状态为 {sample.status},不能录入报告",
                       f"The sample is {sample.status}; no report can be entered now", "status")
    verdict = _check_items(items)
    if not report_no.strip() or len(report_no.strip()) > 80:
        raise invalid("sampling.report_no", "报告编号须为 1–80 个字符", "The report number must be 1–80 characters",
                      "report_no")
    reports = session.scalars(select(SampleReport).where(SampleReport.sample_id == sample.id,
                                                         SampleReport.kind == kind)
                              .order_by(SampleReport.version.desc())).all()
    last = reports[0] if reports else None
    if last is not None and last.signed_off_at is None:  # a draft: replaced in place
        report = last
        session.execute(delete(SampleReportItem).where(SampleReportItem.report_id == report.id))
    else:
        if last is not None and not (correction or "").strip():
            raise conflict("sampling.signed", "报告已签发,不可修改;如需更正请提交新版本并说明理由",
                           "The report is signed and cannot change; submit a new version with the reason for the "
                           "correction", "correction")
        report = SampleReport(sample_id=sample.id, kind=kind, version=(last.version + 1) if last else 1,
                              supersedes_id=last.id if last else None, lab_id=actor.tenant_id,
                              created_by=actor.label, created_at=at)
        session.add(report)
    report.report_no, report.verdict = report_no.strip(), verdict
    report.correction = (correction or "").strip() or None
    session.flush()
    session.add_all(SampleReportItem(report_id=report.id, seq=n, name=i.name.strip(), clause=i.clause.strip(),
                                     requirement=i.requirement.strip(), value=str(i.value).strip(),
                                     unit=(i.unit or "").strip() or None, verdict=i.verdict)
                    for n, i in enumerate(items, 1))
    session.flush()
    return report


def items_of(session: Session, report_id: int) -> list[SampleReportItem]:
    return list(session.scalars(select(SampleReportItem).where(SampleReportItem.report_id == report_id)
                                .order_by(SampleReportItem.seq)))


def items_digest(items: list[SampleReportItem]) -> str:
    """SHA-256 of the items' canonical JSON: logged at sign-off, so the audit names an item changed afterwards."""
    rows = [[i.seq, i.name, i.clause, i.requirement, i.value, i.unit, i.verdict] for i in items]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


SIGNABLE = {"initial": ("registered", "tested", "notified"), "retest": ("retesting",)}


def sign_off(session: Session, actor: Actor, at: datetime, today: Any, report_id: int) -> SampleReport:
    """Sign a draft off: from now on it is immutable, files included. The sample takes its verdict: a first report
    or a correction makes it ``tested`` — a correction after the notice needs a new notice, since the 15-day window
    runs from the result the producer received (产品质量法 第十五条); a re-test decides the objection and confirms
    the result. Raises 409 once the sample has moved past the report's stage (a stale draft never changes a
    confirmed result)."""
    report = session.get(SampleReport, report_id, with_for_update=True)
    if report is None:
        raise not_found("检验报告", "Test report", report_id)
    _require_lab(actor, report.lab_id)
    if report.signed_off_at is not None:
        raise conflict("sampling.signed", "报告已签发", "The report is already signed", "status")
    sample = service.get_sample(session, report.sample_id, lock=True)
    if sample.status not in SIGNABLE[report.kind]:
        raise conflict("sampling.status", f"样品当前状态为 {sample.status},该报告不能再签发",
                       f"The sample is {sample.status}; this report can no longer be signed", "status")
    report.signed_off_at, report.signed_off_by = at, actor.label
    sample.verdict, sample.report_id = report.verdict, report.id
    facts = {"report_id": report.id, "report_no": report.report_no, "kind": report.kind, "version": report.version,
             "verdict": report.verdict, "items_digest": items_digest(items_of(session, report.id)),
             "files": sorted(f["sha256"] for f in report.files or [])}
    if report.kind == "retest":
        objection = _retest(session, sample)
        objection.status, objection.outcome, objection.decided_on = "decided", report.verdict, today
        service.set_status(session, actor, at, sample, "retested", "sampling:report:sign", "sampling.ReportSigned",
                           **facts)
        service.confirm(session, actor, at, sample, today, "retest")
    else:
        sample.notified_on = sample.objection_deadline = None
        service.set_status(session, actor, at, sample, "tested", "sampling:report:sign", "sampling.ReportSigned",
                           notified_on=None, objection_deadline=None, **facts)
    return report


def reports_of(session: Session, sample_id: int) -> list[SampleReport]:
    """Every report of a sample, first to last (superseded versions included)."""
    return list(session.scalars(select(SampleReport).where(SampleReport.sample_id == sample_id)
                                .order_by(SampleReport.kind, SampleReport.version)))

