"""Registry use cases: upsert enterprises (one or a batch), edit, and register CBs, labs, people, products.

Every change writes, in the caller's transaction: the row, its search-index entries, an audit entry with the
changed fields before and after, and a domain event (``registry.EnterpriseRegistered`` / ``…Changed``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.orm import Session

from zhiliang.kernel import audit, events
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import invalid, not_found
from zhiliang.kernel.policy import require
from zhiliang.ledger.domain import Projection
from zhiliang.registry import names, policy, search
from zhiliang.registry.domain import FIELD_LABELS, EnterpriseRecord
from zhiliang.registry.models import Enterprise, EnterpriseFormerName, EnterpriseLabel
from zhiliang.registry.validation import validate_row

FIELDS = ("uscc", "uscc_warning", "name", "entity_type", "legal_rep", "address", "division_code", "industry_code",
          "registration_authority", "established_date", "status", "registered_capital", "licences", "tags")
# Personal data (a natural person's name, a home that may be the business address) goes to the event's private part,
# which the ledger logs only as a salted commitment (SPEC principle 4); every other field is public.
PRIVATE_FIELDS = ("legal_rep", "address")
EVENT_TYPES = ("registry.EnterpriseRegistered", "registry.EnterpriseChanged")


@dataclass
class BatchResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _plain(value: Any) -> Any:
    """JSON-ready and comparable: dates as ISO text, decimals without trailing zeros (100.0000 == 100)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, tuple | list):  # licences and tags: kept sorted, so equal sets compare equal
        return list(value)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _values(record: EnterpriseRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in FIELDS}


def _snapshot(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in values.items()}


def _changed_fields(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    return {k for k in FIELDS if _plain(old[k]) != _plain(new[k])}


def upsert_enterprises(session: Session, records: Sequence[EnterpriseRecord], actor: Actor, at: datetime,
                       source: str, present: frozenset[str] | None = None) -> BatchResult:
    """Create or update enterprises keyed by USCC; unchanged rows write nothing at all (idempotent re-import).

    ``present`` names the fields the source actually carries (an import file's columns): fields it lacks keep
    their stored values instead of being cleared. An update the actor may not make (a regulator touching an
    entity outside the jurisdiction, before or after the change) is refused, row by row, and written nowhere.
    ``records`` must have distinct USCCs. Cost: two SELECTs, one multi-row INSERT, one UPDATE per changed row,
    plus index, audit and event rows — all in the caller's transaction.
    """
    result = BatchResult()
    if not records:
        return result
    by_uscc = {r.uscc: r for r in records}
    columns = [Enterprise.id, *(getattr(Enterprise, f) for f in FIELDS)]
    existing = {row.uscc: row._asdict() for row in session.execute(
        select(*columns).where(Enterprise.uscc.in_(list(by_uscc))))}
    known = _stored_former_names(session, [old["id"] for old in existing.values()])
    new, changed = [r for u, r in by_uscc.items() if u not in existing], []
    for uscc_, record in by_uscc.items():
        if uscc_ not in existing:
            continue
        old = existing[uscc_]
        merged = _merge(old, record, present)
        fields = _changed_fields(old, _values(merged))
        if set(merged.former_names) - known.get(old["id"], set()) - {merged.name}:
            fields.add("former_names")
        if not fields:
            result.unchanged.append(uscc_)
        elif not _may_change(actor, old, merged, fields):
            result.refused.append(uscc_)
        else:
            changed.append((old, merged))
    ids = _insert(session, new, at)
    _update(session, [(o, r) for o, r in changed if _changed_fields(o, _values(r))], at)
    _former_names(session, new, ids, changed, known, at)
    _log(session, new, ids, changed, actor, at, source)
    result.created = [r.uscc for r in new]
    result.updated = [r.uscc for _, r in changed]
    return result


def _merge(old: dict[str, Any], record: EnterpriseRecord, present: frozenset[str] | None) -> EnterpriseRecord:
    if present is None:
        return record
    kept = {f: tuple(old[f]) if isinstance(old[f], list) else old[f]
            for f in FIELDS if f not in present and f not in ("uscc", "uscc_warning", "entity_type")}
    return replace(record, **kept)


def _may_change(actor: Actor, old: dict[str, Any], new: EnterpriseRecord, fields: set[str]) -> bool:
    moved_into_reach = policy.can_edit_enterprise(actor, new.division_code, old["id"], fields)
    return moved_into_reach and policy.can_edit_enterprise(actor, old["division_code"], old["id"], fields)


def _stored_former_names(session: Session, ids: list[int]) -> dict[int, set[str]]:
    known: dict[int, set[str]] = {}
    if ids:
        query = select(EnterpriseFormerName.enterprise_id, EnterpriseFormerName.name).where(
            EnterpriseFormerName.enterprise_id.in_(ids))
        for enterprise_id, name in session.execute(query):
            known.setdefault(enterprise_id, set()).add(name)
    return known


def _allocate_ids(session: Session, n: int) -> list[int]:
    """``n`` new enterprise ids. Allocated up front so the batch goes in as one plain executemany: with
    ``RETURNING``, SQLAlchemy inserts SQLite rows one statement at a time to keep their order (10x slower).
    SQLite has one writer, so ``max(id)`` inside the write transaction is safe (a competing writer makes the
    insert fail, never collide); PostgreSQL draws from the column's sequence."""
    if session.bind.dialect.name == "postgresql":
        sql = "SELECT nextval(pg_get_serial_sequence('enterprise', 'id')) FROM generate_series(1, :n)"
        return list(session.scalars(text(sql), {"n": n}))
    top = session.scalar(select(func.max(Enterprise.id))) or 0
    return list(range(top + 1, top + n + 1))


def _insert(session: Session, records: list[EnterpriseRecord], at: datetime) -> dict[str, int]:
    if not records:
        return {}
    ids = dict(zip((r.uscc for r in records), _allocate_ids(session, len(records)), strict=True))
    rows = [{**_values(r), "id": ids[r.uscc], "name_key": names.normalize(r.name),
             "name_initials": names.initials(r.name), "created_at": at, "updated_at": at} for r in records]
    session.execute(Enterprise.__table__.insert(), rows)
    search.index(session.connection(), [(r["id"], r["name_key"], r["name_initials"]) for r in rows])
    _label(session, [(ids[r.uscc], r) for r in records if r.licences or r.tags], replace_old=False)
    return ids


def _label(session: Session, records: list[tuple[int, EnterpriseRecord]], replace_old: bool = True) -> None:
    """Rewrite the ``enterprise_label`` rows of these enterprises from their licences and tags."""
    if not records:
        return
    table = EnterpriseLabel.__table__
    if replace_old:
        ids = [i for i, _ in records]
        for at in range(0, len(ids), 5000):
            session.execute(table.delete().where(table.c.enterprise_id.in_(ids[at:at + 5000])))
    rows = [{"kind": "licence", "value": kind, "enterprise_id": i}
            for i, r in records for kind in sorted({lic.partition(":")[0] for lic in r.licences})]
    rows += [{"kind": "tag", "value": tag, "enterprise_id": i} for i, r in records for tag in r.tags]
    if rows:
        session.execute(table.insert(), rows)


def _update(session: Session, changed: list[tuple[dict[str, Any], EnterpriseRecord]], at: datetime) -> None:
    if not changed:
        return
    rows = [{"b_id": old["id"], **_values(new), "name_key": names.normalize(new.name),
             "name_initials": names.initials(new.name), "updated_at": at} for old, new in changed]
    table = Enterprise.__table__
    session.execute(update(table).where(table.c.id == bindparam("b_id")),
                    rows, execution_options={"synchronize_session": False})
    _label(session, [(old["id"], new) for old, new in changed
                     if _plain(old["licences"]) != _plain(new.licences) or _plain(old["tags"]) != _plain(new.tags)])
    renamed = [(old, r) for (old, new), r in zip(changed, rows, strict=True) if old["name"] != new.name]
    search.unindex(session.connection(), [(old["id"], names.normalize(old["name"]), names.initials(old["name"]))
                                          for old, _ in renamed])
    search.index(session.connection(), [(r["b_id"], r["name_key"], r["name_initials"]) for _, r in renamed])


def _former_names(session: Session, new: list[EnterpriseRecord], ids: dict[str, int],
                  changed: list[tuple[dict[str, Any], EnterpriseRecord]], known: dict[int, set[str]],
                  at: datetime) -> None:
    # A rename keeps the old name as a former name (曾用名); former names given by the source are added.
    wanted = {(ids[r.uscc], n) for r in new for n in r.former_names if n != r.name}
    for old, record in changed:
        names_ = set(record.former_names) | ({old["name"]} if old["name"] != record.name else set())
        wanted |= {(old["id"], n) for n in names_ - known.get(old["id"], set()) if n != record.name}
    rows = [{"enterprise_id": i, "name": n, "recorded_at": at} for i, n in sorted(wanted)]
    if rows:
        session.execute(EnterpriseFormerName.__table__.insert(), rows)


def _log(session: Session, new: list[EnterpriseRecord], ids: dict[str, int],
         changed: list[tuple[dict[str, Any], EnterpriseRecord]], actor: Actor, at: datetime, source: str) -> None:
    audits, evs = [], []
    for record in new:
        after = _snapshot(_values(record))
        audits.append(_audit_row(actor, at, "registry:enterprise:create", ids[record.uscc], None, after))
        evs.append(_event_row("registry.EnterpriseRegistered", ids[record.uscc], after, actor, at, source))
    for old, record in changed:
        before, after = audit.diff(_snapshot({k: old[k] for k in FIELDS}), _snapshot(_values(record)))
        if record.former_names:
            after = {**(after or {}), "former_names": sorted(record.former_names)}
        audits.append(_audit_row(actor, at, "registry:enterprise:update", old["id"], before, after))
        evs.append(_event_row("registry.EnterpriseChanged", old["id"], {"uscc": record.uscc, **after}, actor, at,
                              source))
    audit.record_many(session, audits)
    events.emit_many(session, evs)


def _audit_row(actor: Actor, at: datetime, tag: str, entity_id: int, before: Any, after: Any) -> dict[str, Any]:
    return {"at": at, "actor_id": actor.user_id, "actor_label": actor.label, "tag": tag,
            "entity_type": "enterprise", "entity_id": str(entity_id), "before": before, "after": after}


def _event_row(type_: str, entity_id: int, values: dict[str, Any], actor: Actor, at: datetime,
               source: str) -> dict[str, Any]:
    """The event of one create or change: the fields it sets, public ones in the payload, personal ones private.

    Folding an entity's events in order gives its stored fields (``FIELDS`` and former names); the ledger audit
    relies on this to name rows changed outside the platform.
    """
    payload = {k: v for k, v in values.items() if k not in PRIVATE_FIELDS}
    private = {k: v for k, v in values.items() if k in PRIVATE_FIELDS}
    payload["source"] = source
    return {"type": type_, "entity": f"enterprise:{entity_id}", "occurred_at": at, "actor": actor.label,
            "payload": payload, "private": private or None}


def edit_enterprise(session: Session, enterprise_id: int, changes: dict[str, str], actor: Actor,
                    at: datetime, today: date) -> Enterprise:
    """Change some fields of one enterprise (field → text as a person types it), under the import's rules.

    The values go through the same row validation as an import (so 2020年1月5日, 存续 and 100万元 are read the
    same way). Raises 404 for an unknown id, 403 when the actor may not change these fields here, 422 naming
    the field when a value breaks a rule.
    """
    row = session.get(Enterprise, enterprise_id)
    if row is None:
        raise not_found("企业", "Enterprise", enterprise_id)
    require(policy.can_edit_enterprise(actor, row.division_code, row.id, set(changes)))
    fields = {"uscc": row.uscc, "name": row.name, "status": row.status, **changes}
    record, problems = validate_row(1, list(fields.values()), {f: n for n, f in enumerate(fields)}, today)
    errors = [p for p in problems if p.severity == "error"]
    if record is None or errors:
        first = errors[0]
        field_name = next(f for f, label in FIELD_LABELS.items() if label == first.column)
        raise invalid(first.code, first.zh, first.en, field_name)
    result = upsert_enterprises(session, [record], actor, at, source="edit", present=frozenset(fields))
    require(not result.refused)
    session.refresh(row)
    return row


def ledger_projection() -> Projection:
    """How the ``enterprise`` table follows from the registry's events, for ``zhiliang ledger audit``: folding an
    enterprise's events gives its ``FIELDS``; any other value in the row was written outside the platform."""

    def rows(session: Session) -> Iterator[tuple[str, dict[str, Any]]]:
        columns = [Enterprise.id, *(getattr(Enterprise, f) for f in FIELDS)]
        query = select(*columns).order_by(Enterprise.id).execution_options(yield_per=5000)
        for row in session.execute(query):
            values = row._asdict()
            yield str(values.pop("id")), _snapshot(values)

    # Only the registry's own events: other features log on ``enterprise:<id>`` too (a credit record, a published
    # inspection result), and their payloads may share a name with a column (``status``).
    return Projection("enterprise", "企业", "Enterprise", FIELDS, rows,
                      describe=lambda values: f"({values.get('uscc')} {values.get('name')})", types=EVENT_TYPES)


def set_risk_classes(session: Session, changes: Sequence[tuple[int, str]], *, last: bool = True) -> None:
    """Store new credit-risk classes (A–D) of enterprises, ``(id, class)`` pairs: the credit module's
    reclassification writes them here, where the registry keeps them for the inspection draws. The caller
    records the change as its own event.

    Cost: on SQLite, one ``executemany`` of keyed UPDATEs. On PostgreSQL the pairs are copied into a temporary
    table and applied by one set-based UPDATE when ``last`` is true: a caller writing millions in chunks passes
    ``last=False`` for all but the final chunk, so the join scans the enterprise table once, not once a chunk
    (27 scans of 5,000,000 rows for 2,662,111 changes in chunks of 100,000; benchmarks/credit.py)."""
    if any(c not in ("A", "B", "C", "D") for _, c in changes):
        raise ValueError("risk class must be one of A, B, C, D")
    conn = session.connection()
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        if conn.dialect.name != "postgresql":  # through the driver: 2.66M rows in about 4 s (a set-based UPDATE
            # over a temporary table took 6 s)
            if changes:
                cursor.executemany("UPDATE enterprise SET risk_class = ? WHERE id = ?",
                                   [(c, i) for i, c in changes])
            return
        conn.exec_driver_sql("CREATE TEMPORARY TABLE IF NOT EXISTS risk_class_change (id bigint PRIMARY KEY, "
                             "risk_class char(1)) ON COMMIT DELETE ROWS")
        if changes:
            with cursor.copy("COPY risk_class_change (id, risk_class) FROM STDIN") as copy:
                for row in changes:
                    copy.write_row(row)
        if last:
            cursor.execute("ANALYZE risk_class_change")  # its size, for the join's plan
            cursor.execute("UPDATE enterprise e SET risk_class = c.risk_class FROM risk_class_change c "
                           "WHERE e.id = c.id")
            cursor.execute("DELETE FROM risk_class_change")
    finally:
        cursor.close()
