"""What the log records for one domain event (the leaf bytes), and how a table follows from its events. Pure.

DESIGN: Domain events and the log.

A leaf is the canonical JSON of the event's public part::

    {"at":"2026-11-22T01:02:03.000000Z","entity":"enterprise:7","payload":{…},"private":"<hex>",
     "seq":42,"type":"registry.EnterpriseRegistered","v":1}

Canonical JSON here: UTF-8, keys sorted, no insignificant whitespace, non-ASCII kept as is, no NaN or infinity
(the subset of RFC 8785 that our payloads use: strings, integers, booleans, null, arrays, objects). The acting
account and the event's ``private`` part (personal data, SPEC principle 4) appear only as ``private``: the hex
SHA-256 of a random 16-byte salt followed by their canonical JSON. The salt stays in the platform's database, so
the public log reveals nothing about them, yet the platform can later prove (by disclosing one salt) or an audit
can check (with all salts) what was committed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

LEAF_VERSION = 1
SALT_SIZE = 16


@dataclass(frozen=True)
class EventRecord:
    """The fields of one event row that the log covers."""

    seq: int
    type: str
    entity: str
    occurred_at: datetime
    actor: str | None
    payload: dict[str, Any]
    private: dict[str, Any] | None


def canonical_json(value: Any) -> bytes:
    """``value`` as canonical JSON bytes (see the module docstring). Raises ValueError for NaN or infinity."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def needs_commitment(event: EventRecord) -> bool:
    """Whether the event carries anything that must be logged only as a salted commitment."""
    return event.actor is not None or bool(event.private)


def commitment(salt: bytes, event: EventRecord) -> str:
    """Hex SHA-256(salt ‖ canonical JSON of {"actor", "private"}) — the leaf's stand-in for personal data."""
    secret = canonical_json({"actor": event.actor, "private": event.private or None})
    return hashlib.sha256(salt + secret).hexdigest()


def timestamp(at: datetime) -> str:
    """UTC with microseconds and a ``Z``: the one spelling both databases give back for the same instant."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def leaf_data(event: EventRecord, salt: bytes | None) -> bytes:
    """The leaf bytes for ``event``. ``salt`` is required exactly when :func:`needs_commitment` holds."""
    if needs_commitment(event) != (salt is not None):
        raise ValueError("盐值与事件不符 / a salt is needed exactly when the event has an actor or private data")
    doc: dict[str, Any] = {"v": LEAF_VERSION, "seq": event.seq, "type": event.type, "entity": event.entity,
                           "at": timestamp(event.occurred_at), "payload": event.payload}
    if salt is not None:
        doc["private"] = commitment(salt, event)
    return canonical_json(doc)


def parse_leaf(data: bytes) -> dict[str, Any]:
    """The leaf's JSON document (for pages and the mirror); raises ValueError when it is not a v1 leaf."""
    doc = json.loads(data.decode("utf-8"))
    if not isinstance(doc, dict) or doc.get("v") != LEAF_VERSION:
        raise ValueError("不是账本条目 / not a ledger leaf")
    return doc


@dataclass(frozen=True)
class Projection:
    """How one table's rows follow from its events: fold the events of ``entity:<id>`` in ``seq`` order, taking
    each ``field`` from the payload or the private part, and the result must equal the row.

    ``rows`` yields ``(key, values)`` for every row, values JSON-plain as the events carry them (dates as ISO text,
    decimals normalised); ``describe`` names a row for people (e.g. its USCC).

    The defaults fit a table with its own entity (``certificate:<id>``). The rest serve tables whose events live on
    another entity (a credit record's on its enterprise): ``types`` limits the fold to those event types (all, when
    empty); ``key`` names the payload field that holds the row's key (the entity's id, when None); ``rename`` maps
    a payload field to the column(s) it sets; ``initial`` is the state of a row before any event (a default
    column), so a row without events is compared with it instead of being named as written outside the platform;
    ``table`` names the rows in findings (``credit_record:7``; the entity, when empty).
    """

    entity: str
    label_zh: str
    label_en: str
    fields: tuple[str, ...]
    rows: Callable[[Session], Iterable[tuple[str, dict[str, Any]]]]
    describe: Callable[[dict[str, Any]], str] = lambda values: ""
    types: tuple[str, ...] = ()
    key: str | None = None
    rename: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    initial: Mapping[str, Any] | None = None
    table: str = ""

    def fold(self, entity: str, payload: Mapping[str, Any] | None, private: Mapping[str, Any] | None,
             state: dict[str, dict[str, Any]]) -> None:
        """Apply one event (of this projection's entity and types) to ``state``, keyed by row key."""
        payload = payload or {}
        if self.key is None:
            key = entity.partition(":")[2]
        elif (found := payload.get(self.key)) is not None:
            key = str(found)
        else:
            return
        values = state.setdefault(key, dict(self.initial or {}))
        for part in (payload, private or {}):
            for name, value in part.items():
                columns = self.rename.get(name, name)
                for column in (columns,) if isinstance(columns, str) else columns:
                    if column in self.fields:
                        values[column] = value
