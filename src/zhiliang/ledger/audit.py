"""``zhiliang ledger audit``: recompute the log from the database and name everything changed outside the platform.

Four checks, each reporting every discrepancy it finds (not just the first):

1. every logged event's leaf is recomputed from its ``event`` row (and private salt) and compared with the
   logged entry — an event row edited or deleted after logging is named by its ``seq``;
2. the tree is recomputed from those leaves: every stored hash (``ledger_hash_block``) is compared, and the root of the
   latest checkpoint's size must equal the checkpoint's root, whose signature must verify with the platform key;
3. every audited table (a :class:`Projection` per feature, registered where the app is wired) is compared with
   the state its events describe: a row whose fields differ, a row with no event, or an event whose row is gone,
   is named with its entity and field;
4. events not yet logged are counted (they are checked by 3 but not yet covered by a checkpoint).

Memory: the recomputed tree is held packed (32 bytes a hash, about 64 bytes a leaf) and each projection's folded
state in a dict; both fit easily for millions of entries, and a future streaming version can replace them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhiliang.kernel.events import Event
from zhiliang.ledger import domain, merkle, note
from zhiliang.ledger.domain import Projection
from zhiliang.ledger.entries import Entry, iter_entries
from zhiliang.ledger.service import latest_checkpoint
from zhiliang.ledger.store import MissingHash, SqlHashStore

_CHUNK = 5000
_EVENT_COLUMNS = (Event.seq, Event.type, Event.entity, Event.occurred_at, Event.actor, Event.payload,
                  Event.private)


def json_plain(value: Any) -> Any:
    """A column value as events carry it: dates as ISO text, decimals as plain text (the column's scale kept)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    return value.isoformat() if isinstance(value, date) else value


def table_rows(table: Any, fields: Sequence[str], *where: Any
               ) -> Callable[[Session], Iterator[tuple[str, dict[str, Any]]]]:
    """A :class:`Projection`'s ``rows`` for a table whose columns are named as its events' fields: ``(id, values)``
    of every row (matching ``where``) in id order, values JSON-plain, streamed."""
    def rows(session: Session) -> Iterator[tuple[str, dict[str, Any]]]:
        query = select(table.id, *(getattr(table, f) for f in fields)).where(*where).order_by(table.id)
        for row in session.execute(query.execution_options(yield_per=_CHUNK)):
            values = {k: json_plain(v) for k, v in row._asdict().items()}
            yield str(values.pop("id")), values

    return rows


@dataclass(frozen=True)
class Finding:
    check: str
    where: str
    zh: str
    en: str


@dataclass
class AuditReport:
    tree_size: int = 0
    checkpoint_size: int = 0
    entries_checked: int = 0
    rows_checked: int = 0
    events_pending: int = 0
    events_matched: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


class PackedHashes:
    """A HashReader over hashes packed in one bytearray (the recomputed tree)."""

    def __init__(self) -> None:
        self.data = bytearray()

    def read_hashes(self, indexes: Iterable[int]) -> list[bytes]:
        data, out = self.data, []
        for i in indexes:
            if (i + 1) * 32 > len(data):
                raise MissingHash(i)
            out.append(bytes(data[i * 32:(i + 1) * 32]))
        return out


def run(session: Session, verifier: note.Verifier, projections: Iterable[Projection]) -> AuditReport:
    """Audit the log and the audited tables; returns every finding. Read-only."""
    report = AuditReport()
    checkpoint = latest_checkpoint(session)
    tree = _check_entries(session, report)
    _check_tree(session, tree, report)
    if checkpoint is not None:
        _check_checkpoint(checkpoint, tree, verifier, report)
    # Each event is logged at most once, so the events not matched by an entry are the ones still to log.
    report.events_pending = (session.scalar(select(func.count()).select_from(Event)) or 0) - report.events_matched
    for projection in projections:
        _check_projection(session, projection, report)
    return report


def _entries(session: Session) -> Iterator[tuple[Entry, Any]]:
    """(entry, event row or None) in leaf order, streamed in chunks of ``_CHUNK`` entries."""
    chunk: list[Entry] = []
    for entry in iter_entries(session.connection()):
        chunk.append(entry)
        if len(chunk) == _CHUNK:
            yield from _with_events(session, chunk)
            chunk = []
    yield from _with_events(session, chunk)


def _with_events(session: Session, chunk: list[Entry]) -> Iterator[tuple[Entry, Any]]:
    if not chunk:
        return
    found = {row.seq: row for row in session.execute(
        select(*_EVENT_COLUMNS).where(Event.seq.in_([e.event_seq for e in chunk]))).all()}
    for entry in chunk:
        yield entry, found.get(entry.event_seq)


def _check_entries(session: Session, report: AuditReport) -> PackedHashes:
    tree, batch = PackedHashes(), []
    for entry, event in _entries(session):
        if entry.idx != report.entries_checked:
            report.findings.append(Finding("entry", f"leaf {report.entries_checked}",
                                           f"账本条目 {report.entries_checked} 缺失",
                                           f"ledger entry {report.entries_checked} is missing"))
            break
        data = entry.data
        if event is None:
            report.findings.append(Finding("event", f"event {entry.event_seq}",
                                           f"事件 {entry.event_seq} 已记入账本,但数据库中已被删除",
                                           f"event {entry.event_seq} was logged but is gone from the database"))
        else:
            record = domain.EventRecord(event.seq, event.type, event.entity, event.occurred_at, event.actor,
                                         event.payload, event.private)
            report.events_matched += 1
            salt = entry.salt
            if domain.needs_commitment(record) != (salt is not None) or domain.leaf_data(record, salt) != data:
                report.findings.append(Finding("event", f"event {event.seq} ({event.entity})",
                                               f"事件 {event.seq}({event.entity})在记入账本后被改动",
                                               f"event {event.seq} ({event.entity}) was changed after logging"))
        batch.append(merkle.leaf_hash(data))
        report.entries_checked += 1
        if len(batch) == _CHUNK:
            _grow(tree, report.entries_checked - len(batch), batch)
            batch = []
    _grow(tree, report.entries_checked - len(batch), batch)
    report.tree_size = report.entries_checked
    return tree


def _grow(tree: PackedHashes, n: int, leaf_hashes: list[bytes]) -> None:
    if leaf_hashes:
        for value in merkle.append_hashes(n, leaf_hashes, tree):
            tree.data += value


def _check_tree(session: Session, tree: PackedHashes, report: AuditReport) -> None:
    store = SqlHashStore(session.connection())
    total = len(tree.data) // 32
    for start in range(0, total, _CHUNK):
        indexes = list(range(start, min(total, start + _CHUNK)))
        try:
            stored = store.read_hashes(indexes)
        except MissingHash as missing:
            report.findings.append(Finding("hash", f"hash {missing.index}", f"存储的哈希 {missing.index} 缺失",
                                           f"stored hash {missing.index} is missing"))
            return
        for index, value, expected in zip(indexes, stored, tree.read_hashes(indexes), strict=True):
            if value != expected:
                level, n = merkle.split_stored_hash_index(index)
                report.findings.append(Finding(
                    "hash", f"hash {index}", f"存储的哈希 {index}(第 {level} 层第 {n} 个)与重算结果不符",
                    f"stored hash {index} (level {level}, #{n}) differs from the recomputed one"))


def _check_checkpoint(checkpoint, tree: PackedHashes, verifier: note.Verifier,  # noqa: ANN001
                      report: AuditReport) -> None:
    report.checkpoint_size = checkpoint.size
    where = f"checkpoint {checkpoint.size}"
    try:
        opened = note.open_note(checkpoint.note, [verifier])
        signed = note.Checkpoint.parse(opened.text)
    except note.NoteError as error:
        report.findings.append(Finding("checkpoint", where, f"检查点签名无效:{error}",
                                       f"checkpoint signature does not verify: {error}"))
        return
    if signed.size != checkpoint.size or checkpoint.size > report.tree_size:
        report.findings.append(Finding("checkpoint", where, "检查点大小与账本不符",
                                       "checkpoint size does not match the log"))
        return
    if merkle.tree_hash(checkpoint.size, tree) != signed.root_hash:
        report.findings.append(Finding("checkpoint", where, "由数据库重算的树根与已签名检查点不符",
                                       "the root recomputed from the database differs from the signed checkpoint"))


def _fold(session: Session, projection: Projection) -> dict[str, dict[str, Any]]:
    state: dict[str, dict[str, Any]] = {}
    query = select(Event.entity, Event.payload, Event.private).where(Event.entity.like(projection.entity + ":%"))
    if projection.types:
        query = query.where(Event.type.in_(projection.types))
    for entity, payload, private in session.execute(query.order_by(Event.seq).execution_options(yield_per=_CHUNK)):
        projection.fold(entity, payload, private, state)
    return state


def _check_projection(session: Session, projection: Projection, report: AuditReport) -> None:
    expected = _fold(session, projection)
    label = projection.table or projection.entity
    for key, values in projection.rows(session):
        report.rows_checked += 1
        where = f"{label}:{key}"
        name = projection.describe(values)
        name = f" {name}" if name else ""
        folded = expected.pop(key, None)
        if folded is None and projection.initial is not None:
            folded = dict(projection.initial)
        if folded is None:
            report.findings.append(Finding("row", where, f"{projection.label_zh} {key}{name} 没有任何事件记录,"
                                           "疑似绕过平台写入", f"{projection.label_en} {key}{name} has no recorded "
                                           "event: written outside the platform"))
            continue
        for column in projection.fields:
            if column in folded and folded[column] != values.get(column):
                report.findings.append(Finding(
                    "row", f"{where}.{column}",
                    f"{projection.label_zh} {key}{name} 的 {column} 在平台外被改动:记录为 {folded[column]!r},"
                    f"数据库为 {values.get(column)!r}",
                    f"{projection.label_en} {key}{name}: {column} changed outside the platform: recorded "
                    f"{folded[column]!r}, database has {values.get(column)!r}"))
    for key in expected:
        report.findings.append(Finding(
            "row", f"{label}:{key}", f"{projection.label_zh} {key} 有事件记录,但数据库中已被删除",
            f"{projection.label_en} {key} has recorded events but is gone from the database"))
