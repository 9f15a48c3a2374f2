"""Results of random inspections (一公开): findings per item, evidence attachments, approval by a second regulator,
publication with its working-day deadline, and the overdue list."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhiliang.inspections.models import (
    InspectionAttachment,
    InspectionFinding,
    InspectionPlan,
    InspectionTarget,
)
from zhiliang.inspections.service import expect_status, get_plan
from zhiliang.kernel import audit, events
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import conflict, invalid, not_found
from zhiliang.kernel.files import evidence_type, keep
from zhiliang.kernel.policy import require_regulator

FINDINGS = {
    "NO_PROBLEM": ("未发现问题", "No problem found"),
    "CORRECTED": ("发现问题已责令改正", "Problem found, correction ordered"),
    "NONCONFORMING": ("不合格", "Nonconforming"),
    "NOT_PUBLICISED": ("未按规定公示信息", "Information not publicised as required"),
    "UNREACHABLE": ("通过登记的住所无法联系", "Cannot be reached at the registered address"),
}
"""Finding codes of a checked item, worst last (the target's outcome is its worst finding)."""


def record_finding(session: Session, actor: Actor, target_id: int, item_id: int, code: str, note: str | None,
                   at: datetime) -> InspectionFinding:
    """Record the finding of one item for a drawn target (regulators in the plan's jurisdiction).

    Raises 404, 403, 409 once the target is approved, 422 for an unknown finding code or an item not in the plan.
    """
    target = session.get(InspectionTarget, target_id, with_for_update=True)
    if target is None:
        raise not_found("检查对象", "Inspection target", target_id)
    plan = session.get(InspectionPlan, target.plan_id)
    require_regulator(actor, plan.jurisdiction)
    if target.status in ("approved", "published"):
        raise conflict("inspections.locked", "结果已审核,不能修改", "The result is approved; it cannot change",
                       "status")
    if code not in FINDINGS:
        raise invalid("inspections.finding", f"未知的检查结果代码:{code}", f"Unknown finding code: {code}",
                      "code")
    if item_id not in plan.item_ids:
        raise invalid("inspections.item", "该事项不在本计划中", "This item is not part of the plan", "item_id")
    finding = session.scalars(select(InspectionFinding).where(InspectionFinding.target_id == target_id,
                                                              InspectionFinding.item_id == item_id)).first()
    if finding is None:
        finding = InspectionFinding(target_id=target_id, item_id=item_id, code=code, note=note,
                                    recorded_by=actor.label, recorded_at=at)
        session.add(finding)
    finding.code, finding.note, finding.recorded_by, finding.recorded_at = code, note, actor.label, at
    target.status = "recorded"
    order = list(FINDINGS)
    codes = [f.code for f in session.scalars(select(InspectionFinding).where(
        InspectionFinding.target_id == target_id))] + [code]
    target.outcome = max(codes, key=order.index)
    session.flush()
    audit.record(session, at=at, actor_id=actor.user_id, actor_label=actor.label, tag="inspections:finding:record",
                 entity_type="inspection_target", entity_id=target.id, before=None,
                 after={"item_id": item_id, "code": code})
    return finding


def approve(session: Session, actor: Actor, target_id: int, at: datetime) -> InspectionTarget:
    """Approve a recorded result (another regulator than the one who recorded it, as 审核 requires)."""
    target = session.get(InspectionTarget, target_id, with_for_update=True)
    if target is None:
        raise not_found("检查对象", "Inspection target", target_id)
    plan = session.get(InspectionPlan, target.plan_id)
    require_regulator(actor, plan.jurisdiction)
    if target.status != "recorded":
        raise conflict("inspections.not_recorded", "只有已录入结果的对象可以审核",
                       "Only a recorded result can be approved", "status")
    recorders = set(session.scalars(select(InspectionFinding.recorded_by).where(
        InspectionFinding.target_id == target_id)))
    if actor.label in recorders:
        raise conflict("inspections.four_eyes", "录入人不能审核自己录入的结果",
                       "Whoever recorded a result cannot approve it", "status")
    target.status, target.approved_by, target.approved_at = "approved", actor.label, at
    audit.record(session, at=at, actor_id=actor.user_id, actor_label=actor.label, tag="inspections:target:approve",
                 entity_type="inspection_target", entity_id=target.id, before=None, after={"outcome": target.outcome})
    return target


def publish(session: Session, actor: Actor, code: str, at: datetime) -> int:
    """Publish every approved result of the plan (一公开); each becomes an event on the enterprise for credit.
    Returns how many were published."""
    plan = get_plan(session, code, lock=True)
    require_regulator(actor, plan.jurisdiction)
    expect_status(plan, "drawn", "published")
    targets = session.scalars(select(InspectionTarget).where(InspectionTarget.plan_id == plan.id,
                                                             InspectionTarget.status == "approved")).all()
    for target in targets:
        target.status, target.published_at = "published", at
        findings = [{"item_id": f.item_id, "code": f.code} for f in session.scalars(
            select(InspectionFinding).where(InspectionFinding.target_id == target.id)
            .order_by(InspectionFinding.id))]
        events.emit(session, "inspections.ResultPublished", f"enterprise:{target.entity_id}",
                    {"plan": plan.code, "target_id": target.id, "outcome": target.outcome, "findings": findings},
                    at=at, actor=actor.label)
    remaining = session.scalar(select(func.count()).select_from(InspectionTarget).where(
        InspectionTarget.plan_id == plan.id, InspectionTarget.status.not_in(("published", "unmet"))))
    if not remaining:
        plan.status, plan.published_at = "published", at
    audit.record(session, at=at, actor_id=actor.user_id, actor_label=actor.label, tag="inspections:plan:publish",
                 entity_type="inspection_plan", entity_id=plan.id, before=None, after={"published": len(targets)})
    return len(targets)


def overdue(session: Session, today: date) -> list[InspectionPlan]:
    """Plans whose publication deadline (working days after the draw) has passed with results unpublished."""
    return list(session.scalars(select(InspectionPlan).where(
        InspectionPlan.status == "drawn", InspectionPlan.publish_by < today).order_by(InspectionPlan.publish_by)))




# ---------------------------------------------------------------------------------------------------- attachments

def add_attachment(session: Session, actor: Actor, target_id: int, file_name: str, data: bytes, store: Path,
                   at: datetime, max_bytes: int) -> InspectionAttachment:
    """Attach a PDF, JPEG or PNG of at most ``max_bytes`` to a target (regulators in the plan's jurisdiction).

    The file is written under ``store`` by its SHA-256 (atomically: a temporary file renamed), then its row.
    Raises 404, 403, 409 once the result is approved, 422 for another type, an empty or too large file.
    """
    target = session.get(InspectionTarget, target_id)
    if target is None:
        raise not_found("检查对象", "Inspection target", target_id)
    plan = session.get(InspectionPlan, target.plan_id)
    require_regulator(actor, plan.jurisdiction)
    if target.status in ("approved", "published"):
        raise conflict("inspections.locked", "结果已审核,不能再添加附件", "The result is approved; no more attachments",
                       "file")
    if not data or len(data) > max_bytes:
        raise invalid("inspections.attachment_size", f"附件须为 1 字节至 {max_bytes >> 20} MB",
                      f"An attachment must be 1 byte to {max_bytes >> 20} MB", "file")
    kind = evidence_type(data[:16])
    if kind is None:
        raise invalid("inspections.attachment_type", "附件只接受 PDF、JPEG 或 PNG 文件",
                      "Attachments must be PDF, JPEG or PNG files", "file")
    digest = keep(store, data)
    row = InspectionAttachment(target_id=target_id, file_name=file_name[:255] or "attachment", content_type=kind,
                               size=len(data), sha256=digest, uploaded_by=actor.label, uploaded_at=at)
    session.add(row)
    session.flush()
    audit.record(session, at=at, actor_id=actor.user_id, actor_label=actor.label,
                 tag="inspections:attachment:add", entity_type="inspection_target", entity_id=target_id,
                 before=None, after={"file": row.file_name, "sha256": digest, "size": len(data)})
    return row


def attachment(session: Session, actor: Actor, attachment_id: int) -> InspectionAttachment:
    """An attachment's row, for staff of the plan's jurisdiction (evidence may show people: not public)."""
    row = session.get(InspectionAttachment, attachment_id)
    if row is None:
        raise not_found("附件", "Attachment", attachment_id)
    plan = session.get(InspectionPlan, session.get(InspectionTarget, row.target_id).plan_id)
    require_regulator(actor, plan.jurisdiction)
    return row
