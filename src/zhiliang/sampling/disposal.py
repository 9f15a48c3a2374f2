"""Disposal of confirmed failures (不合格产品后处理): orders to rectify (责令整改), re-inspections (复查) and
referrals for penalty (移送处罚), each with a deadline, and the list of those overdue."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import conflict, invalid, not_found
from zhiliang.kernel.policy import division_prefix, require_regulator
from zhiliang.sampling import service
from zhiliang.sampling.models import Sample, SampleDisposal

ACTIONS = {"rectify": ("责令整改", "order to rectify"), "recheck": ("复查", "re-inspection"),
           "referral": ("移送处罚", "referral for penalty")}


def add(session: Session, actor: Actor, at: datetime, today: date, sample_id: int, action: str, due_on: date,
        note: str = "") -> SampleDisposal:
    """A disposal step for a confirmed failure. Raises 403, 409 (not a confirmed failure), 422."""
    sample = service.get_sample(session, sample_id)
    require_regulator(actor, sample.division_code)
    if sample.verdict != "fail" or sample.status not in ("confirmed", "published"):
        raise conflict("sampling.not_failed", "只有确认不合格的样品才需后处理",
                       "Only a confirmed failure is disposed of", "sample_id")
    if action not in ACTIONS:
        raise invalid("sampling.action", "处置方式应为 rectify(责令整改)、recheck(复查)或 referral(移送处罚)",
                      "action is rectify, recheck or referral", "action")
    if due_on < today:
        raise invalid("sampling.due_on", "期限不能早于今天", "The deadline is in the past", "due_on")
    row = SampleDisposal(sample_id=sample.id, action=action, due_on=due_on, note=note.strip()[:5000],
                         created_by=actor.label, created_at=at)
    session.add(row)
    session.flush()
    service.log(session, actor, at, f"sample:{sample.id}", "sampling.DisposalOrdered", "sampling:disposal:add",
                {"code": sample.code, "disposal_id": row.id, "action": action, "due_on": due_on.isoformat()})
    return row


def complete(session: Session, actor: Actor, at: datetime, disposal_id: int, done_on: date,
             outcome: str, today: date | None = None) -> SampleDisposal:
    """Record a disposal step as done on ``done_on`` (not after ``today``, when given)."""
    row = session.get(SampleDisposal, disposal_id, with_for_update=True)
    if row is None:
        raise not_found("后处理", "Disposal", disposal_id)
    sample = service.get_sample(session, row.sample_id)
    require_regulator(actor, sample.division_code)
    if row.done_on is not None:
        raise conflict("sampling.disposal_done", "该处置已完成", "This disposal is already done", "done_on")
    if not outcome.strip():
        raise invalid("sampling.outcome", "请写明处置结果", "State the outcome", "outcome")
    if today is not None and done_on > today:  # a future date would take it off the overdue list early
        raise invalid("sampling.done_on", "完成日期不能晚于今天", "The completion date cannot be in the future",
                      "done_on")
    row.done_on, row.outcome = done_on, outcome.strip()[:5000]
    service.log(session, actor, at, f"sample:{sample.id}", "sampling.DisposalCompleted", "sampling:disposal:done",
                {"code": sample.code, "disposal_id": row.id, "done_on": done_on.isoformat()})
    return row


def overdue(session: Session, today: date, within: str | None = None) -> list[tuple[SampleDisposal, Sample]]:
    """Disposals past their deadline and not done, oldest deadline first (optionally within a jurisdiction)."""
    query = (select(SampleDisposal, Sample).join(Sample, Sample.id == SampleDisposal.sample_id)
             .where(SampleDisposal.done_on.is_(None), SampleDisposal.due_on < today)
             .order_by(SampleDisposal.due_on, SampleDisposal.id))
    if within:
        query = query.where(Sample.division_code.startswith(division_prefix(within)))
    return [(d, s) for d, s in session.execute(query).all()]
