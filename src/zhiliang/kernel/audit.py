"""Audit trail: who changed what, when, with the state before and after (SPEC principle 3; tags as in warehouse).

Tags read ``feature:object:verb`` (``registry:enterprise:update``). ``before`` and ``after`` hold only the fields
that changed, so an entry stays small and says exactly what moved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from zhiliang.kernel.db import Base, BigId, JsonDoc, UtcDateTime


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(BigId, index=True)
    actor_label: Mapped[str] = mapped_column(String(120))
    tag: Mapped[str] = mapped_column(String(80), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    after: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict | None, dict | None]:
    """The fields that differ, as (before, after); a creation keeps all of ``after``, a deletion all of ``before``."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after.keys() | before.keys() if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in sorted(keys)}, {k: after.get(k) for k in sorted(keys)}


def record(
    session: Session,
    *,
    at: datetime,
    actor_id: int | None,
    actor_label: str,
    tag: str,
    entity_type: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry | None:
    """Add an audit entry to the caller's transaction; returns None (and writes nothing) when nothing changed."""
    b, a = diff(before, after)
    if b == a and before is not None:
        return None
    entry = AuditEntry(
        at=at, actor_id=actor_id, actor_label=actor_label, tag=tag,
        entity_type=entity_type, entity_id=str(entity_id), before=b, after=a,
    )
    session.add(entry)
    return entry


def record_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert many already-diffed entries with one statement (bulk imports)."""
    if rows:
        session.execute(AuditEntry.__table__.insert(), rows)


def entries(session: Session, *, tag: str = "", actor: str = "", entity_type: str = "", entity_id: str = "",
            since: datetime | None = None, until: datetime | None = None, after: int | None = None,
            limit: int = 50) -> list[AuditEntry]:
    """Audit entries, newest first, filtered; ``after`` is the last id of the previous page (keyset)."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if tag:
        stmt = stmt.where(AuditEntry.tag.startswith(tag, autoescape=True))
    if actor:
        stmt = stmt.where(AuditEntry.actor_label == actor)
    if entity_type:
        stmt = stmt.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    if after:
        stmt = stmt.where(AuditEntry.id < after)
    return list(session.scalars(stmt))
