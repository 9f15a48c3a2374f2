"""Ledger use cases: sequence committed events into the Merkle log, sign checkpoints, serve proofs and tiles,
accept witnesses' cosignatures (SPEC: ledger; C2SP tlog-checkpoint, tlog-tiles, tlog-cosignature).

Order of logging. SQLite runs one write transaction at a time, so events commit in ``seq`` order and the log
follows ``seq``. PostgreSQL draws ``seq`` before commit, so a later ``seq`` may commit first; reading past such a
gap would lose the earlier event for good. Each event therefore records its transaction id (``event.txid``), and
the sequencer logs only events of transactions older than every transaction still running (``pg_snapshot_xmin``),
in (txid, seq) order: no such event can appear later, so nothing is skipped and nothing is logged twice.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from zhiliang.kernel import events, locks
from zhiliang.kernel.clock import Clock
from zhiliang.kernel.config import Settings
from zhiliang.kernel.db import Database
from zhiliang.kernel.errors import DomainError, invalid, not_found
from zhiliang.kernel.events import Event
from zhiliang.ledger import cosignature, domain, entries, merkle, note, proof, tiles
from zhiliang.ledger.entries import Entry, append_entries
from zhiliang.ledger.models import LedgerCheckpoint, LedgerCosignature, LedgerState
from zhiliang.ledger.store import SqlHashStore

LOCK_NAME = "ledger:sequencer"


# ---------------------------------------------------------------------------------------------------- keys


def load_signer(settings: Settings) -> note.Signer:
    """The platform's signing key from ``ledger_key_file``; created (mode 0600) on first use, named by
    ``ledger_origin``. Raises a 500-class error if the file exists but holds no valid key."""
    path = settings.resolved_ledger_key_file()
    if not path.exists():
        _create_key(path, settings.ledger_origin)
    return note.Signer.from_key(path.read_text(encoding="utf-8").strip())


def _create_key(path: Path, name: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    skey, _ = note.generate_key(name)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first; use theirs
        return
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(skey + "\n")


def witness_verifiers(settings: Settings) -> list[cosignature.CosignatureVerifier]:
    """The configured witnesses' cosignature verifiers."""
    return [cosignature.CosignatureVerifier.from_key(k) for k in settings.ledger_witnesses]


# ---------------------------------------------------------------------------------------------------- sequencing


@dataclass(frozen=True)
class State:
    """The sequencer's position (``ledger_state``): tree size and the cursor of the last event logged."""

    size: int
    cursor_txid: int
    cursor_seq: int


_SELECT_STATE = (select(LedgerState.size, LedgerState.cursor_txid, LedgerState.cursor_seq)
                 .where(LedgerState.id == 1).with_for_update())


def lock_state(session: Session) -> State:
    """Read the sequencer's position, locking its row FOR UPDATE on PostgreSQL (created on first use).

    Core statements, not the ORM: a batch's fixed cost is part of every append (``benchmarks/ledger.py``)."""
    conn = session.connection()
    row = conn.execute(_SELECT_STATE).first()
    if row is None:
        conn.execute(insert(LedgerState).values(id=1, size=0, cursor_txid=0, cursor_seq=0))
        return State(0, 0, 0)
    return State(*row)


def append_leaves(session: Session, state: State, seqs: Sequence[int], datas: Sequence[bytes],
                  salts: Sequence[bytes | None], cursor: tuple[int, int], signer: note.Signer, origin: str,
                  clock: Clock) -> State:
    """Append leaves ``datas`` (logging events ``seqs``, with commitment ``salts``) at ``state.size`` in the
    caller's transaction: about two stored hashes per leaf, the entries, the new position with ``cursor`` (txid,
    seq of the last event), and a checkpoint of the new size signed by ``signer``. Returns the new state."""
    conn = session.connection()
    store = SqlHashStore(conn)
    new_hashes = merkle.append_hashes(state.size, merkle.leaf_hashes(datas), store)
    store.append_hashes(merkle.stored_hash_count(state.size), new_hashes)
    append_entries(conn, state.size, seqs, datas, salts)
    new = State(state.size + len(datas), *cursor)
    conn.execute(_UPDATE_STATE, {"size": new.size, "txid": new.cursor_txid, "seq": new.cursor_seq})
    root = merkle.tree_hash(new.size, store)
    body = note.Checkpoint(origin, new.size, root).body()
    conn.execute(_INSERT_CHECKPOINT, {"size": new.size, "root": root, "note": note.sign(body, signer),
                                      "signed_at": clock.now()})
    return new


# Built once: constructing a statement costs more than running it, and these run once per batch.
_UPDATE_STATE = update(LedgerState).where(LedgerState.id == 1).values(
    size=bindparam("size"), cursor_txid=bindparam("txid"), cursor_seq=bindparam("seq"))
_INSERT_CHECKPOINT = insert(LedgerCheckpoint)


_EVENT_COLUMNS = (Event.seq, Event.type, Event.entity, Event.occurred_at, Event.actor, Event.payload,
                  Event.private, Event.txid)


def _next_events(session: Session, state: State, limit: int) -> Sequence:
    # In production the sequencer writes no event before this query; in the tests' single rolled-back transaction
    # the events are the transaction's own, which settled_after counts as settled.
    return events.settled_after(session, (state.cursor_txid, state.cursor_seq), limit, _EVENT_COLUMNS)


def _record(row) -> domain.EventRecord:  # noqa: ANN001 - a result row of _EVENT_COLUMNS
    return domain.EventRecord(row.seq, row.type, row.entity, row.occurred_at, row.actor, row.payload, row.private)


def sequence_batch(db: Database, signer: note.Signer, origin: str, clock: Clock, *, limit: int = 2000) -> int:
    """Log the next settled events (at most ``limit``) in one transaction and sign a checkpoint of the new size.

    Returns how many were logged (0: nothing new). The caller holds the sequencer lock; the state row is also
    locked FOR UPDATE on PostgreSQL. Crash-safe: entries, hashes, the cursor and the checkpoint commit together,
    so a ``kill -9`` at any moment leaves either the whole batch or none of it. Cost: one event query, one read of
    O(log n) stored hashes, inserts of the batch's entries and about two hashes per leaf, one signature.
    """
    with db.begin() as session:
        state = lock_state(session)
        rows = _next_events(session, state, limit)
        if not rows:
            return 0
        datas, salts = [], []
        for row in rows:
            record = _record(row)
            salt = secrets.token_bytes(domain.SALT_SIZE) if domain.needs_commitment(record) else None
            datas.append(domain.leaf_data(record, salt))
            salts.append(salt)
        append_leaves(session, state, [row.seq for row in rows], datas, salts, (rows[-1].txid or 0, rows[-1].seq),
                      signer, origin, clock)
        return len(rows)


def catch_up(db: Database, signer: note.Signer, origin: str, clock: Clock, *, limit: int = 2000) -> int:
    """Log every settled event now (demo builds, tests, ``zhiliang ledger run --once``); returns how many."""
    total = 0
    while logged := sequence_batch(db, signer, origin, clock, limit=limit):
        total += logged
    return total


@dataclass
class Sequencer:
    """The loop of ``zhiliang ledger run`` and of the thread inside ``zhiliang serve``.

    Only the holder of the sequencer lock (PostgreSQL advisory lock / file lock beside the SQLite file) appends;
    the others wait and take over when it dies, since the lock dies with its holder.
    """

    db: Database
    signer: note.Signer
    origin: str
    clock: Clock
    interval: float = 0.2
    limit: int = 2000
    on_error: Callable[[Exception], None] | None = None

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                with locks.exclusive(self.db.bind, LOCK_NAME):
                    self._serve(stop)
            except DomainError as busy:
                if busy.status != 409:
                    raise
                stop.wait(self.interval * 5)  # another process is the sequencer
            except Exception as error:  # noqa: BLE001 - reported, then retried: the log must keep going
                if self.on_error is None:
                    raise
                self.on_error(error)
                stop.wait(self.interval * 5)

    def _serve(self, stop: threading.Event) -> None:
        while not stop.is_set():
            if not sequence_batch(self.db, self.signer, self.origin, self.clock, limit=self.limit):
                stop.wait(self.interval)


def start_in_thread(sequencer: Sequencer) -> tuple[threading.Thread, threading.Event]:
    """Run ``sequencer`` on a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=sequencer.run, args=(stop,), name="zhiliang-ledger", daemon=True)
    thread.start()
    return thread, stop


# ---------------------------------------------------------------------------------------------------- reading


def size(session: Session) -> int:
    state = session.get(LedgerState, 1)
    return state.size if state else 0


def latest_checkpoint(session: Session) -> LedgerCheckpoint | None:
    return session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc()).limit(1)).first()


def checkpoint_at(session: Session, tree_size: int) -> LedgerCheckpoint:
    found = session.get(LedgerCheckpoint, tree_size)
    if found is None:
        raise not_found("检查点", "Checkpoint", tree_size)
    return found


def cosigned_note(session: Session, checkpoint: LedgerCheckpoint) -> str:
    """The checkpoint's signed note with every stored witness cosignature line appended."""
    lines = session.scalars(select(LedgerCosignature.line).where(
        LedgerCosignature.checkpoint_size == checkpoint.size).order_by(LedgerCosignature.witness)).all()
    return checkpoint.note + "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def cosignatures(session: Session, limit: int = 50) -> list[LedgerCosignature]:
    """The most recent cosignature of each witness, newest first."""
    rows = session.scalars(select(LedgerCosignature).order_by(LedgerCosignature.checkpoint_size.desc())
                           .limit(limit)).all()
    seen: dict[str, LedgerCosignature] = {}
    for row in rows:
        seen.setdefault(row.witness, row)
    return list(seen.values())


def entry_for_event(session: Session, seq: int) -> Entry:
    found = entry_for_event_or_none(session, seq)
    if found is None:
        raise not_found("账本条目(事件尚未记入或不存在)", "Ledger entry (event unknown or not logged yet)", seq)
    return found


def entry_for_event_or_none(session: Session, seq: int | None) -> Entry | None:
    if seq is None:
        return None
    return entries.entry_for_event(session.connection(), seq)


def first_checkpoint_covering(session: Session, index: int) -> LedgerCheckpoint | None:
    """The first signed checkpoint whose tree includes leaf ``index`` (size > index): a value nobody could know
    before that leaf was logged, which is what makes it usable as a seed fixed after a commitment."""
    return session.scalars(select(LedgerCheckpoint).where(LedgerCheckpoint.size > index)
                           .order_by(LedgerCheckpoint.size).limit(1)).first()


def proof_bundle(session: Session, seq: int) -> proof.ProofBundle:
    """A self-contained proof (C2SP tlog-proof form carrying the entry) that event ``seq`` is in the log,
    against the latest checkpoint. Raises 404 if the event is not logged yet. Cost: O(log n) stored hashes."""
    entry = entry_for_event(session, seq)
    checkpoint = latest_checkpoint(session)
    store = SqlHashStore(session.connection())
    path = merkle.inclusion_proof(entry.idx, checkpoint.size, store)
    return proof.ProofBundle(entry.idx, bytes(entry.data), path, cosigned_note(session, checkpoint))


def consistency(session: Session, old_size: int, new_size: int | None = None) -> tuple[list[bytes], int]:
    """The RFC 9162 consistency proof from ``old_size`` to ``new_size`` (default: the latest checkpoint)."""
    latest = latest_checkpoint(session)
    top = latest.size if latest else 0
    new_size = top if new_size is None else new_size
    if not 0 < old_size <= new_size <= top:
        raise invalid("ledger.sizes", f"树大小须满足 0 < 旧 ≤ 新 ≤ {top}", f"Sizes must satisfy 0 < old ≤ new ≤ {top}",
                      "old")
    return merkle.consistency_proof(old_size, new_size, SqlHashStore(session.connection())), new_size


def tile_data(session: Session, path: str) -> bytes:
    """The bytes of the tile at ``path`` (C2SP tlog-tiles) as of the latest checkpoint.

    Raises 404 for a malformed path or a tile beyond the signed tree. A partial tile is served at any width the
    signed tree covers, not only the latest one: a mirror that read an older checkpoint a moment ago still gets
    the tiles of that size, and a tile of a given width never changes, so every answer is immutable.
    """
    try:
        tile = tiles.parse_tile_path(path)
    except ValueError as error:
        raise not_found("瓦片", "Tile", path) from error
    latest = latest_checkpoint(session)
    if latest is None or not _servable(tile, latest.size):
        raise not_found("瓦片", "Tile", path)
    if isinstance(tile, tiles.EntriesTile):
        first = tile.n * tiles.TILE_WIDTH
        found = entries.read_entries(session.connection(), first, first + tile.width)
        return tiles.encode_entry_bundle([e.data for e in found])
    return tiles.read_tile_data(tile, SqlHashStore(session.connection()))


def _servable(tile: tiles.Tile | tiles.EntriesTile, tree_size: int) -> bool:
    level = tile.level if isinstance(tile, tiles.Tile) else 0
    available = (tree_size >> (tiles.TILE_HEIGHT * level)) - (tile.n << tiles.TILE_HEIGHT)
    return tile.width <= available


def recent_entries(session: Session, limit: int = 20) -> list[Entry]:
    """The last ``limit`` logged entries, newest first."""
    return entries.recent_entries(session.connection(), limit)


# ---------------------------------------------------------------------------------------------------- witnesses


def add_cosignature(session: Session, note_text: str, witnesses: Sequence[cosignature.CosignatureVerifier],
                    clock: Clock) -> list[str]:
    """Store the cosignatures in ``note_text`` (one of our checkpoints with witness lines appended).

    Returns the witnesses whose cosignature was stored. Raises 422 when the checkpoint is not one we signed,
    when no line is from a configured witness, or when a configured witness's line does not verify.
    """
    body, lines = _split_cosigned(note_text)
    try:
        checkpoint = note.Checkpoint.parse(body)
    except note.NoteError as error:
        raise invalid("ledger.checkpoint", "检查点格式无效", f"Malformed checkpoint: {error}", "note") from error
    ours = session.get(LedgerCheckpoint, checkpoint.size)
    if ours is None or bytes(ours.root) != checkpoint.root_hash or not ours.note.startswith(body):
        raise invalid("ledger.checkpoint_unknown", "该检查点不是本账本签发的",
                      "This checkpoint was not signed by this log", "note")
    stored = []
    for verifier in witnesses:
        for line in lines:
            if not line.startswith(f"— {verifier.name} "):
                continue
            stamp = _verify_line(ours.note, line, verifier)
            if stamp is None:
                continue
            session.merge(LedgerCosignature(checkpoint_size=ours.size, witness=verifier.name, timestamp=stamp,
                                            line=line + "\n", received_at=clock.now()))
            stored.append(verifier.name)
    if not stored:
        raise invalid("ledger.cosignature", "没有来自已配置见证方的有效联署签名",
                      "No valid cosignature from a configured witness", "note")
    return stored


def _split_cosigned(note_text: str) -> tuple[str, list[str]]:
    body, sep, signatures = note_text.partition("\n\n")
    if not sep:
        raise invalid("ledger.note", "不是签名文本(缺少空行)", "Not a signed note (no blank line)", "note")
    return body + "\n", [line for line in signatures.split("\n") if line]


def _verify_line(checkpoint_note: str, line: str, verifier: cosignature.CosignatureVerifier) -> int | None:
    try:
        return cosignature.verify_cosignature(checkpoint_note, line, verifier)
    except note.NoteError:
        return None
