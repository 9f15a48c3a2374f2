"""Reclassification (credit-risk classes A–D for every enterprise) and the explanation of one enterprise's class.

Both apply ``domain``'s model to the same facts: the enterprise's credit records that are not revoked, plus one
``valid_certificate`` fact per certificate valid today. :func:`reclassify` reads them as columns through the bare
driver and scores all enterprises with NumPy in one pass; :func:`explain` scores one enterprise record by record.
A class that changes is written to the registry (``enterprise.risk_class``, which the inspection draws stratify
by) and logged as a ``credit.ClassChanged`` event on the enterprise, with the scores before and after.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from zhiliang.certificates import queries as certificates
from zhiliang.credit import domain
from zhiliang.credit.models import CreditRecord
from zhiliang.kernel import audit, events
from zhiliang.kernel.auth import Actor
from zhiliang.registry import queries as registry
from zhiliang.registry import service as registry_service

VALID_CERTIFICATE = "valid_certificate"
_READ = 500_000  # rows per fetch when reading records as columns


def facts(session: Session, enterprise_id: int, today: date) -> list[domain.RecordFacts]:
    """The facts the model reads for one enterprise (records not revoked, valid certificates)."""
    rows = session.scalars(select(CreditRecord).where(CreditRecord.enterprise_id == enterprise_id,
                                                      CreditRecord.status != "revoked")).all()
    out = [domain.RecordFacts(r.id, r.indicator, r.occurred_on, r.ended_on, r.heavier,
                              r.decision_no or r.summary or r.indicator) for r in rows]
    out += [domain.RecordFacts(-cert_id, VALID_CERTIFICATE, today, None, False, number)
            for holder, cert_id, number in certificates.valid_holders(session, today) if holder == enterprise_id]
    return out


def explain(session: Session, the_model: domain.CreditModel, enterprise_id: int, today: date) -> domain.Explanation:
    """Why the enterprise has its class today: every fact's contribution (certificates carry negative ids)."""
    return domain.score(the_model, facts(session, enterprise_id, today), today)


@dataclass(frozen=True)
class ReclassifyResult:
    enterprises: int
    records: int
    changed: int
    distribution: dict[str, int]
    moves: dict[str, int]  # "B>C": count


def _columns(session: Session, the_model: domain.CreditModel, today: date) -> Iterator[tuple[np.ndarray, ...]]:
    """(enterprise id, indicator position, age in days, ended) arrays of the records, chunk by chunk."""
    codes = list(the_model.indicators)
    case = " ".join(f"WHEN '{c}' THEN {n}" for n, c in enumerate(codes))  # codes are [a-z0-9_] (domain)
    postgres = session.bind.dialect.name == "postgresql"
    age = ("(%(today)s::date - occurred_on)" if postgres
           else "CAST(julianday(:today) - julianday(occurred_on) AS INTEGER)")
    ended = ("(ended_on IS NOT NULL AND ended_on <= %(today)s::date)" if postgres
             else "(ended_on IS NOT NULL AND ended_on <= :today)")
    sql = (f"SELECT enterprise_id, CASE indicator {case} ELSE -1 END, {age}, CASE WHEN {ended} THEN 1 ELSE 0 END, "
           f"CASE WHEN heavier THEN 1 ELSE 0 END FROM credit_record WHERE status <> 'revoked'")
    cursor = session.connection().connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, {"today": today.isoformat()})
        while rows := cursor.fetchmany(_READ):
            table = np.array(rows, dtype=np.int64)
            yield table[:, 0], table[:, 1], table[:, 2], table[:, 3].astype(bool), table[:, 4].astype(bool)
    finally:
        cursor.close()


def reclassify(session: Session, the_model: domain.CreditModel, today: date, at: datetime,
               actor: Actor | None = None) -> ReclassifyResult:
    """Score every enterprise as of ``today`` and store the classes that changed (see module docstring).

    Memory: O(enterprises + records) NumPy arrays (about 40 bytes a record). Cost: one pass over the records and
    the enterprises, a bulk update and one event per changed class.
    """
    actor = actor or Actor.system("credit")
    ids_parts, class_parts = [], []
    for chunk in registry.risk_classes(session):
        ids_parts.append(np.fromiter((r[0] for r in chunk), dtype=np.int64, count=len(chunk)))
        class_parts.append(np.array([r[1] for r in chunk], dtype="<U1"))
    ids = np.concatenate(ids_parts) if ids_parts else np.zeros(0, dtype=np.int64)
    current = np.concatenate(class_parts) if class_parts else np.zeros(0, dtype="<U1")
    parts = list(_columns(session, the_model, today))
    holders = [h for h, _, _ in certificates.valid_holders(session, today)]
    if holders and VALID_CERTIFICATE in the_model.indicators:
        n = len(holders)
        parts.append((np.array(holders, dtype=np.int64),
                       np.full(n, list(the_model.indicators).index(VALID_CERTIFICATE), dtype=np.int64),
                       np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)))
    if parts:
        enterprise, indicator, age, ended, heavier = (np.concatenate(c) for c in zip(*parts, strict=True))
    else:
        enterprise = indicator = age = np.zeros(0, dtype=np.int64)
        ended = heavier = np.zeros(0, dtype=bool)
    position = np.searchsorted(ids, enterprise)
    known = (position < len(ids)) & (ids[np.minimum(position, max(len(ids) - 1, 0))] == enterprise) \
        if len(ids) else np.zeros(len(enterprise), dtype=bool)
    scores = domain.score_arrays(the_model, position[known], indicator[known], age[known], ended[known],
                                 heavier[known], len(ids))
    classes = domain.classes_of(the_model, scores)
    changed = np.nonzero(classes != current)[0]
    registry_service.set_risk_classes(session, [(int(ids[k]), str(classes[k])) for k in changed])
    moves: dict[str, int] = {}
    rows = []
    for k in changed:
        move = f"{current[k]}>{classes[k]}"
        moves[move] = moves.get(move, 0) + 1
        rows.append({"type": "credit.ClassChanged", "entity": f"enterprise:{int(ids[k])}", "occurred_at": at,
                     "actor": actor.label, "private": None,
                     "payload": {"from": str(current[k]), "to": str(classes[k]), "score": round(float(scores[k]), 4),
                                 "model": the_model.version, "as_of": today.isoformat()}})
    for at_ in range(0, len(rows), 50_000):
        events.emit_many(session, rows[at_:at_ + 50_000])
    distribution = {c.code: int((classes == c.code).sum()) for c in the_model.classes}
    result = ReclassifyResult(len(ids), int(known.sum()), len(changed), distribution, moves)
    summary: dict[str, Any] = {"model": the_model.version, "as_of": today.isoformat(),
                               "enterprises": result.enterprises, "records": result.records,
                               "changed": result.changed, "distribution": distribution, "moves": moves}
    audit.record(session, at=at, actor_id=actor.user_id, actor_label=actor.label, tag="credit:reclassify",
                 entity_type="credit_model", entity_id=the_model.version, before=None, after=summary)
    events.emit(session, "credit.Reclassified", f"credit_model:{the_model.version}", summary, at=at,
                actor=actor.label)
    return result
