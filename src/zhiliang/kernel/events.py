"""Domain events: every state change appends one, in the caller's transaction (DESIGN: Domain events and the log).

An event is past tense (``registry.EnterpriseRegistered``). ``payload`` is the public part, which the ledger will
log as canonical JSON; ``private`` holds personal data, which the ledger logs only as a salted commitment and which
no public page shows. Subscribers read events in ``seq`` order and keep their position in ``event_cursor``, so a
crash replays instead of losing or doubling work.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, FetchedValue, String, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from zhiliang.kernel.db import Base, BigId, JsonDoc, UtcDateTime


class Event(Base):
    __tablename__ = "event"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(80), index=True)
    entity: Mapped[str] = mapped_column(String(120), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str | None] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    private: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    # PostgreSQL fills in the writing transaction's id (pg_current_xact_id), so the ledger can log events in an
    # order that no later commit can break, although seq values are drawn before commit; NULL on SQLite.
    txid: Mapped[int | None] = mapped_column(BigInteger, server_default=FetchedValue())


class EventCursor(Base):
    """How far a subscriber has read the event stream: the (txid, seq) of the last event handled (see
    :func:`settled_after`; txid is 0 on SQLite)."""

    __tablename__ = "event_cursor"

    subscriber: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigId, default=0)
    last_txid: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


def emit(
    session: Session,
    type: str,
    entity: str,
    payload: dict[str, Any],
    *,
    at: datetime,
    actor: str | None = None,
    private: dict[str, Any] | None = None,
) -> Event:
    """Append an event to the caller's transaction and return it (its ``seq`` is assigned on flush).

    The event commits or rolls back with the change it records: never call this outside the transaction that
    makes the change. ``payload`` must be JSON-serialisable and hold no personal data.
    """
    event = Event(type=type, entity=entity, payload=payload, private=private, occurred_at=at, actor=actor)
    session.add(event)
    return event


def emit_many(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append many events with one statement (bulk imports); each row has the columns of :class:`Event`
    (``type``, ``entity``, ``occurred_at``, ``actor``, ``payload``, ``private``)."""
    if rows:
        session.execute(Event.__table__.insert(), list(rows))


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def emit_bulk(session: Session, type: str, at: datetime, actor: str | None,
              items: Sequence[tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], dict[str, Any] | None]]
              ) -> None:
    """Append many events of one type, time and actor — ``(entity, payload)`` or ``(entity, payload, private)``
    — through the driver: ``COPY`` on PostgreSQL, ``executemany`` on SQLite. For jobs that emit millions (a
    reclassification of every enterprise), where :func:`emit_many`'s per-row work through the ORM costs more than
    the inserts."""
    if not items:
        return
    conn = session.connection()
    stamp = Event.__table__.c.occurred_at.type.bind_processor(conn.dialect)
    when = stamp(at) if stamp else at
    # In entity order: the events of one bulk have no order among themselves, and inserting the entity index's
    # keys in order touches each of its pages once instead of at random (PostgreSQL: benchmarks/credit.py).
    rows = sorted(((type, item[0], when, actor, _encode(item[1]),
                    _encode(item[2]) if len(item) > 2 and item[2] is not None else None) for item in items),
                  key=lambda row: row[1])
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        if conn.dialect.name == "postgresql":
            with cursor.copy("COPY event (type, entity, occurred_at, actor, payload, private) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany("INSERT INTO event (type, entity, occurred_at, actor, payload, private) "
                               "VALUES (?, ?, ?, ?, ?, ?)", rows)
    finally:
        cursor.close()


def settled_after(session: Session, after: tuple[int, int], limit: int, columns: Sequence[Any] = ()) -> Sequence:
    """The next events (at most ``limit``) after position ``after`` = (txid, seq), in the order no later commit can
    break: rows of ``columns`` (default: whole :class:`Event` objects).

    SQLite runs one write transaction at a time, so events commit in ``seq`` order: position (0, seq). PostgreSQL
    draws ``seq`` before commit, so a later ``seq`` may commit first, and reading past such a gap would lose the
    earlier event for good; there the events returned are only those of transactions older than every transaction
    still running (``pg_snapshot_xmin``), in (txid, seq) order, so nothing is skipped and nothing comes twice. The
    caller's own transaction's events count as settled.
    """
    query = (select(*columns) if columns else select(Event)).limit(limit)
    if session.bind.dialect.name != "postgresql":
        query = query.where(Event.seq > after[1]).order_by(Event.seq)
    else:
        settled = text("(event.txid < (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint"
                       " OR event.txid = (pg_current_xact_id_if_assigned()::text)::bigint)")
        position = text("(event.txid, event.seq) > (:ctx, :cseq)").bindparams(ctx=after[0], cseq=after[1])
        query = query.where(settled, position).order_by(Event.txid, Event.seq)
    result = session.execute(query)
    return result.all() if columns else result.scalars().all()


def consume(
    session: Session, subscriber: str, handler: Callable[[Event], None], *, limit: int = 500
) -> int:
    """Feed the next settled events after the subscriber's cursor to ``handler`` and advance the cursor; returns
    the count (see :func:`settled_after` for the order).

    Runs in the caller's transaction: if ``handler`` raises, the cursor does not move and nothing is swallowed
    (DESIGN rule 4), so the same events come again on the next call.
    """
    cursor = session.get(EventCursor, subscriber, with_for_update=True)
    if cursor is None:
        cursor = EventCursor(subscriber=subscriber, last_seq=0, last_txid=0)
        session.add(cursor)
        session.flush()
    events = settled_after(session, (cursor.last_txid or 0, cursor.last_seq), limit)
    for event in events:
        handler(event)
        cursor.last_txid, cursor.last_seq = event.txid or 0, event.seq
    return len(events)
