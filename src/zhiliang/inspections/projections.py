"""How the inspections' tables follow from their events, for ``zhiliang ledger audit`` (ledger issue, point 6).

* ``inspection_item``: each item as listed (``inspections.ItemListed``);
* ``inspection_plan``: from its commitment on, what the plan's events fixed — the commitment, the pool's size and
  digest (compared both with the plan row and with the stored pool snapshot, recomputed from it), the
  parameters, the seed and the digest of the drawn targets (:func:`domain.targets_digest` over
  ``inspection_target``: a swapped enterprise or inspector is named on its plan). Drafts have no events yet and are
  not public; they are not audited;
* published results: each published target's outcome and findings, from ``inspections.ResultPublished`` (logged on
  the enterprise, keyed by ``target_id``).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhiliang.inspections import domain, service
from zhiliang.inspections.models import InspectionFinding, InspectionItem, InspectionPlan, InspectionTarget
from zhiliang.ledger.audit import table_rows
from zhiliang.ledger.domain import Projection

ITEM_FIELDS = ("code", "name", "legal_basis", "department", "method", "entity_types", "skills")
PLAN_FIELDS = ("code", "commitment", "pool_digest", "pool_snapshot", "pool_size", "params", "seed_rule", "seed",
               "targets_digest")
RESULT_FIELDS = ("plan", "outcome", "findings")


def ledger_projections() -> list[Projection]:
    return [
        Projection("inspection_item", "抽查事项", "Inspection item", ITEM_FIELDS,
                   table_rows(InspectionItem, ITEM_FIELDS),
                   describe=lambda v: f"({v.get('code')})", types=("inspections.ItemListed",)),
        Projection("inspection_plan", "抽查计划", "Inspection plan", PLAN_FIELDS, _plans,
                   describe=lambda v: f"({v.get('code')})",
                   rename={"plan": "code", "pool_digest": ("pool_digest", "pool_snapshot")}),
        Projection("enterprise", "抽查结果", "Inspection result", RESULT_FIELDS, _results,
                   describe=lambda v: f"({v.get('plan')})", types=("inspections.ResultPublished",), key="target_id",
                   table="inspection_target"),
    ]


def _plans(session: Session) -> Iterator[tuple[str, dict[str, Any]]]:
    plans = session.scalars(select(InspectionPlan).where(InspectionPlan.commitment_seq.is_not(None))
                            .order_by(InspectionPlan.id)).all()
    for plan in plans:
        try:
            snapshot = domain.pool_digest(service.pool_members(session, plan))
        except (ValueError, zlib.error) as error:  # unreadable, or with an id twice: not what was committed
            snapshot = str(error)
        values = {"code": plan.code, "commitment": plan.commitment, "pool_digest": plan.pool_digest,
                  "pool_snapshot": snapshot,
                  "pool_size": plan.pool_size, "params": plan.params, "seed_rule": plan.seed_rule, "seed": plan.seed,
                  "targets_digest": None}
        if plan.drawn_at is not None:
            targets = session.execute(select(InspectionTarget.rank, InspectionTarget.entity_id,
                                             InspectionTarget.risk_class, InspectionTarget.inspectors)
                                      .where(InspectionTarget.plan_id == plan.id))
            values["targets_digest"] = domain.targets_digest((r[0], r[1], r[2], r[3] or []) for r in targets)
        yield str(plan.id), values


def _results(session: Session) -> Iterator[tuple[str, dict[str, Any]]]:
    query = (select(InspectionTarget.id, InspectionTarget.outcome, InspectionPlan.code)
             .join(InspectionPlan, InspectionPlan.id == InspectionTarget.plan_id)
             .where(InspectionTarget.published_at.is_not(None)).order_by(InspectionTarget.id))
    for target_id, outcome, code in session.execute(query).all():
        findings = [{"item_id": f.item_id, "code": f.code} for f in session.execute(
            select(InspectionFinding.item_id, InspectionFinding.code)
            .where(InspectionFinding.target_id == target_id).order_by(InspectionFinding.id))]
        yield str(target_id), {"plan": code, "outcome": outcome, "findings": findings}
