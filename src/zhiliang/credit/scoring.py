"""Reclassification (credit-risk classes A–D for every enterprise) and the explanation of one enterprise's class.

Both apply ``domain``'s model to the same facts: the enterprise's credit records that are not revoked, plus one
``valid_certificate`` fact per certificate valid today. :func:`reclassify` has the database score every enterprise
with the model stated as SQL (``domain.score_sql``) and bring back only the classes that change; :func:`explain`
scores one enterprise record by record (``domain.score``). Tests hold the two to the same numbers.
A class that changes is written to the registry (``enterprise.risk_class``, which the inspection draws stratify
by) and logged as a ``credit.ClassChanged`` event on the enterprise: the model version public, the classes and the
score in the event's private part (the class is for staff only; the public log holds only a salted commitment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from zhiliang.certificates import queries as certificates
from zhiliang.credit import domain
from zhiliang.credit.models import CreditRecord
from zhiliang.kernel import audit, events
from zhiliang.kernel.auth import Actor
from zhiliang.registry import queries as registry
from zhiliang.registry import service as registry_service

VALID_CERTIFICATE = "valid_certificate"
LOCK_NAME = "credit:reclassify"  # callers hold it (kernel.locks.exclusive): two runs at once would log changes twice
_FETCH = 200_000  # changed rows read per fetch
_WRITE = 100_000  # changed classes written (updates and events) per chunk


def facts(session: Session, enterprise_id: int, today: date) -> list[domain.RecordFacts]:
    """The facts the model reads for one enterprise (records not revoked, valid certificates)."""
    rows = session.scalars(select(CreditRecord).where(CreditRecord.enterprise_id == enterprise_id,
                                                      CreditRecord.status != "revoked")).all()
    out = [domain.RecordFacts(r.id, r.indicator, r.occurred_on, r.ended_on, r.heavier,
                              r.decision_no or r.summary or r.indicator) for r in rows]
    out += [domain.RecordFacts(-cert_id, VALID_CERTIFICATE, today, None, False, number)
            for _, cert_id, number in certificates.valid_holders(session, today, enterprise_id)]
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


def _adjustments(session: Session, the_model: domain.CreditModel, today: date) -> dict[int, float]:
    """Per enterprise, what the capped indicators (``max_count``) add: min(count, cap) × points. Valid
    certificates come from the certificates module; capped record indicators from the records in force."""
    out: dict[int, float] = {}
    for code, indicator in the_model.indicators.items():
        if indicator.max_count is None:
            continue
        counts: dict[int, int] = {}
        rows: Any = []
        if code == VALID_CERTIFICATE:  # derived from the certificates, never a record
            for holder, _, _ in certificates.valid_holders(session, today):
                counts[holder] = counts.get(holder, 0) + 1
        else:
            rows = session.execute(select(CreditRecord.enterprise_id, func.count()).where(
                CreditRecord.indicator == code, CreditRecord.status != "revoked",
                or_(CreditRecord.ended_on.is_(None), CreditRecord.ended_on > today)).group_by(
                CreditRecord.enterprise_id))
        for enterprise_id, count in rows:
            counts[enterprise_id] = counts.get(enterprise_id, 0) + count
        for enterprise_id, count in counts.items():
            out[enterprise_id] = out.get(enterprise_id, 0.0) + min(count, indicator.max_count) * indicator.points
    return out


@dataclass(frozen=True)
class _Changes:
    """The enterprises whose class changes, as arrays (about 18 bytes each: millions fit in tens of MB)."""

    ids: np.ndarray  # int64
    old: np.ndarray  # uint8 positions in model.classes
    new: np.ndarray  # uint8
    score: np.ndarray  # float64


def _changed(session: Session, the_model: domain.CreditModel, today: date, adjust: dict[int, float]) -> _Changes:
    """Every enterprise whose class changes, with its stored class, new class and score, computed by the
    database in one statement from the model's SQL (``domain.score_sql``) and read in chunks into arrays."""
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    if not postgres:
        try:
            conn.exec_driver_sql("SELECT power(0.5, 1.0)")
        except Exception as error:  # noqa: BLE001 - any failure means the function is missing
            raise RuntimeError("此 SQLite 未编译数学函数(power),无法重新分类 / this SQLite lacks its math functions "
                               "(power): build Python with SQLite ≥ 3.35 and SQLITE_ENABLE_MATH_FUNCTIONS") from error
    conn.exec_driver_sql("CREATE TEMPORARY TABLE IF NOT EXISTS credit_adjust (enterprise_id BIGINT PRIMARY KEY, "
                         "value DOUBLE PRECISION)" + (" ON COMMIT DELETE ROWS" if postgres else ""))
    conn.exec_driver_sql("DELETE FROM credit_adjust")
    position = {c.code: n for n, c in enumerate(the_model.classes)}
    parts: list[tuple[np.ndarray, ...]] = []
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        if adjust:
            if postgres:
                with cursor.copy("COPY credit_adjust (enterprise_id, value) FROM STDIN") as copy:
                    for row in adjust.items():
                        copy.write_row(row)
            else:
                cursor.executemany("INSERT INTO credit_adjust (enterprise_id, value) VALUES (?, ?)", adjust.items())
        base = f"CAST({the_model.baseline!r} AS DOUBLE PRECISION)" if postgres else repr(the_model.baseline)
        score = f"({base} + COALESCE(r.s, 0) + COALESCE(a.value, 0))"
        old_position = "CASE old " + " ".join(f"WHEN '{c}' THEN {n}" for c, n in position.items()) + " ELSE 255 END"
        new_position = domain.class_sql(the_model, "score")
        for code, n in position.items():
            new_position = new_position.replace(f"THEN '{code}'", f"THEN {n}").replace(f"ELSE '{code}'", f"ELSE {n}")
        sql = (f"SELECT id, {old_position}, {new_position}, score FROM ("
               f"SELECT e.id AS id, e.risk_class AS old, {score} AS score FROM enterprise e "
               f"LEFT JOIN (SELECT enterprise_id, SUM({domain.score_sql(the_model, conn.dialect.name)}) AS s "
               f"FROM credit_record WHERE status <> 'revoked' GROUP BY enterprise_id) r ON r.enterprise_id = e.id "
               f"LEFT JOIN credit_adjust a ON a.enterprise_id = e.id) t "
               f"WHERE {domain.class_sql(the_model, 'score')} <> old ORDER BY id")
        cursor.execute(sql, domain.score_params(the_model, today))
        while rows := cursor.fetchmany(_FETCH):  # all numeric: one C-level conversion per chunk
            table = np.array(rows, dtype=np.float64)  # ids stay exact below 2**53
            parts.append((table[:, 0].astype(np.int64), table[:, 1].astype(np.uint8), table[:, 2].astype(np.uint8),
                          table[:, 3]))
    finally:
        cursor.close()
    conn.exec_driver_sql("DELETE FROM credit_adjust")
    if not parts:
        return _Changes(np.zeros(0, np.int64), np.zeros(0, np.uint8), np.zeros(0, np.uint8), np.zeros(0))
    return _Changes(*(np.concatenate(column) for column in zip(*parts, strict=True)))


def reclassify(session: Session, the_model: domain.CreditModel, today: date, at: datetime,
               actor: Actor | None = None) -> ReclassifyResult:
    """Score every enterprise as of ``today`` and store the classes that changed (see module docstring).

    The database computes every score (the model as SQL) and returns only the enterprises whose class changes,
    held as arrays and written in chunks, so memory stays in tens of MB per million changes. Cost: one aggregate
    over the records joined to the enterprises, then per changed class one update and one event.
    """
    actor = actor or Actor.system("credit")
    changes = _changed(session, the_model, today, _adjustments(session, the_model, today))
    codes = [c.code for c in the_model.classes] + ["?"] * (256 - len(the_model.classes))
    for at_ in range(0, len(changes.ids), _WRITE):
        ids = changes.ids[at_:at_ + _WRITE].tolist()
        old = [codes[k] for k in changes.old[at_:at_ + _WRITE].tolist()]
        new = [codes[k] for k in changes.new[at_:at_ + _WRITE].tolist()]
        scores = changes.score[at_:at_ + _WRITE].tolist()
        registry_service.set_risk_classes(session, list(zip(ids, new, strict=True)),
                                          last=at_ + _WRITE >= len(changes.ids))
        # The class is for staff only (SPEC: credit), so it goes to the event's private part: the public log
        # shows that an enterprise was reclassified under a model, and commits to the class without revealing it.
        public = {"model": the_model.version, "as_of": today.isoformat()}
        events.emit_bulk(session, "credit.ClassChanged", at, actor.label, [
            (f"enterprise:{i}", public, {"from": o, "to": n, "score": round(v, 4)})
            for i, o, n, v in zip(ids, old, new, scores, strict=True)])
    pairs, counts_of = np.unique(changes.old.astype(np.int64) * 256 + changes.new, return_counts=True)
    moves = {f"{codes[p // 256]}>{codes[p % 256]}": int(k) for p, k in zip(pairs.tolist(), counts_of.tolist(),
                                                                           strict=True)}
    counts = registry.class_distribution(session)
    distribution = {c.code: counts.get(c.code, 0) for c in the_model.classes}
    records = session.scalar(select(func.count()).select_from(CreditRecord).where(CreditRecord.status != "revoked"))
    result = ReclassifyResult(sum(counts.values()), records or 0, len(changes.ids), distribution, moves)
    summary: dict[str, Any] = {"model": the_model.version, "as_of": today.isoformat(),
                               "enterprises": result.enterprises, "records": result.records,
                               "changed": result.changed, "distribution": distribution, "moves": moves}
    if result.changed:  # a run that changes nothing writes nothing (a nightly run on a quiet day, a demo rebuild)
        audit.record(session, at=at, actor_id=actor.user_id, actor_label=actor.label, tag="credit:reclassify",
                     entity_type="credit_model", entity_id=the_model.version, before=None, after=summary)
        events.emit(session, "credit.Reclassified", f"credit_model:{the_model.version}", summary, at=at,
                    actor=actor.label)
    return result
