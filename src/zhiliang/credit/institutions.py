"""Credit evaluation of certification bodies and laboratories (机构信用评价, issue 6 point 4).

The same machinery as enterprises (``domain.score`` over facts, a model file with indicators and class bounds)
with its own model (``data/institution_model.toml``): records staff enter against a CB or laboratory, plus a CB's
overdue reporting derived from the certificates module's report times. Evaluated on demand, for all at once (a
few hundred institutions), never stored: the answer always follows the records of the day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhiliang.certificates import queries as certificates
from zhiliang.credit import domain
from zhiliang.credit.models import InstitutionCreditRecord
from zhiliang.kernel import audit, events
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.clock import local
from zhiliang.kernel.config import Settings
from zhiliang.kernel.errors import invalid, not_found
from zhiliang.kernel.policy import require_regulator
from zhiliang.registry import queries as registry

KINDS = {"cb": ("认证机构", "Certification body"), "lab": ("检验检测机构", "Laboratory")}


def model(settings: Settings) -> domain.CreditModel:
    """The configured institution model (re-read when its file changes)."""
    return domain.configured_model(settings.credit_institution_model_file, "institution_model.toml")


def _institutions(session: Session, kind: str) -> dict[int, Any]:
    rows = registry.certification_bodies(session) if kind == "cb" else registry.laboratories(session)
    return {r.id: r for r in rows}


def add_record(session: Session, actor: Actor, at: datetime, today: date, the_model: domain.CreditModel, *,
               kind: str, institution_id: int, indicator: str, occurred_on: date, heavier: bool = False,
               decision_no: str | None = None, summary: str = "") -> InstitutionCreditRecord:
    """Enter a record against a CB or laboratory (regulators and admins). Raises 403, 404, 422 naming the field."""
    require_regulator(actor, anywhere=True)  # CBs and laboratories are registered city-wide
    if kind not in KINDS:
        raise invalid("credit.kind", "机构类型应为 cb 或 lab", "kind is cb or lab", "kind")
    if institution_id not in _institutions(session, kind):
        raise not_found(KINDS[kind][0], KINDS[kind][1], institution_id)
    if indicator not in the_model.indicators or indicator == "report_overdue":
        known = [c for c in the_model.indicators if c != "report_overdue"]
        raise invalid("credit.indicator", f"未知的机构信用指标“{indicator}”(可用:{'、'.join(known)})",
                      f"unknown institution indicator {indicator!r} (known: {', '.join(known)})", "indicator")
    if occurred_on > today:
        raise invalid("credit.record", "日期不能晚于今天", "the date is in the future", "occurred_on")
    record = InstitutionCreditRecord(kind=kind, institution_id=institution_id, indicator=indicator,
                                     occurred_on=occurred_on, heavier=heavier, decision_no=decision_no,
                                     summary=summary, created_by=actor.label, created_at=at)
    session.add(record)
    session.flush()
    public = {"kind": kind, "institution_id": institution_id, "indicator": indicator,
              "occurred_on": occurred_on.isoformat(), "heavier": heavier, "decision_no": decision_no}
    audit.record(session, at=at, actor_id=actor.user_id, actor_label=actor.label, tag="credit:institution:add",
                 entity_type=f"{kind}_credit_record", entity_id=record.id, before=None, after=public)
    events.emit(session, "credit.InstitutionRecordAdded", f"institution_credit_record:{record.id}", public, at=at,
                actor=actor.label)
    return record


def evaluate(session: Session, settings: Settings, kind: str, today: date) -> list[dict[str, Any]]:
    """Every CB (``kind`` cb) or laboratory (lab) with its class, score and the contribution of each fact."""
    if kind not in KINDS:
        raise invalid("credit.kind", "机构类型应为 cb 或 lab", "kind is cb or lab", "kind")
    the_model = model(settings)
    facts: dict[int, list[domain.RecordFacts]] = {i: [] for i in _institutions(session, kind)}
    for r in session.scalars(select(InstitutionCreditRecord).where(InstitutionCreditRecord.kind == kind)):
        if r.institution_id in facts:
            facts[r.institution_id].append(domain.RecordFacts(r.id, r.indicator, r.occurred_on, None, r.heavier,
                                                              r.decision_no or r.summary or r.indicator))
    if kind == "cb":  # reporting overdue: no write and no "no change" within the configured days
        reports = certificates.cb_last_reports(session)
        cutoff = today - timedelta(days=settings.credit_report_overdue_days)
        for cb_id in facts:
            last = reports.get(cb_id)
            if last is None or local(last).date() < cutoff:
                label = f"最后报送 / last report {local(last).date().isoformat() if last else '—'}"
                facts[cb_id].append(domain.RecordFacts(0, "report_overdue", today, None, False, label))
    names = _institutions(session, kind)
    out = []
    for institution_id, mine in facts.items():
        result = domain.score(the_model, mine, today)
        out.append({"id": institution_id, "name": names[institution_id].name, "class": result.risk_class,
                    "score": round(result.score, 4), "model": the_model.version,
                    "contributions": [{"record_id": c.record_id, "indicator": c.indicator, "label": c.label,
                                       "value": round(c.value, 4)} for c in result.contributions]})
    return sorted(out, key=lambda x: (-x["score"], x["id"]))
