"""``zhiliang ledger mirror URL``: an outside auditor that copies the log over HTTP and checks it never changes.

It speaks only the public protocol (C2SP tlog-tiles: ``<URL>/checkpoint`` and ``<URL>/tile/...``) and trusts
nothing but the log's verifier key. Each run:

1. fetches the checkpoint and verifies its signature;
2. compares it with the checkpoint it kept from its last run: a smaller tree, or the same size with another root,
   is a **fork**; otherwise the old root must be recomputable from the new tree's tiles (a consistency check
   done with the tiles themselves, every tile authenticated against the signed root); if not, the log was
   **rewritten**. Both signed notes are saved as evidence, since together they prove the log misbehaved;
3. downloads the entry bundles of the new entries and checks each entry hashes to its leaf in the tree;
4. keeps the new checkpoint (and, as a witness, may cosign it: ``--cosign-key``).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from zhiliang.ledger import cosignature, merkle, note, tiles

Fetch = Callable[[str], bytes]


class MirrorError(Exception):
    """The log cannot be read or checked (network, malformed data); not evidence of misbehaviour by itself."""


@dataclass
class MirrorReport:
    origin: str = ""
    old_size: int | None = None
    new_size: int = 0
    entries_checked: int = 0
    problems: list[str] = field(default_factory=list)
    evidence: Path | None = None
    cosigned: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def http_fetch(base_url: str, timeout: float = 30.0) -> Fetch:
    """A fetcher for ``<base_url>/<path>`` over HTTP(S) with the standard library (no extra dependency)."""
    base = base_url.rstrip("/")

    def fetch(path: str) -> bytes:
        try:
            with urllib.request.urlopen(f"{base}/{path}", timeout=timeout) as response:  # noqa: S310 - auditor's URL
                return response.read()
        except (urllib.error.URLError, OSError) as error:
            raise MirrorError(f"无法读取 / cannot fetch {base}/{path}: {error}") from error

    return fetch


def http_post(base_url: str, timeout: float = 30.0) -> Callable[[str, bytes], None]:
    """A poster for the witness's cosignature: ``POST <base_url>/<path>`` with a text body."""
    base = base_url.rstrip("/")

    def post(path: str, body: bytes) -> None:
        request = urllib.request.Request(f"{base}/{path}", data=body, method="POST",
                                         headers={"Content-Type": "text/plain; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=timeout):  # noqa: S310 - the auditor's own URL
                pass
        except (urllib.error.URLError, OSError) as error:
            raise MirrorError(f"联署签名提交失败 / cosignature not accepted by {base}/{path}: {error}") from error

    return post


def _open_checkpoint(text: str, verifier: note.Verifier) -> note.Checkpoint:
    try:
        return note.Checkpoint.parse(note.open_note(text, [verifier]).text)
    except note.NoteError as error:
        raise MirrorError(f"检查点签名或格式无效 / checkpoint does not verify: {error}") from error


def run(fetch: Fetch, verifier: note.Verifier, state_dir: Path, *, check_entries: bool = True,
        cosigner: cosignature.Cosigner | None = None, post: Callable[[str, bytes], None] | None = None) -> MirrorReport:
    """One mirror pass; see the module docstring. Raises MirrorError when the log cannot be read or verified."""
    state_dir.mkdir(parents=True, exist_ok=True)
    text = fetch("checkpoint").decode("utf-8")
    checkpoint = _open_checkpoint(text, verifier)
    report = MirrorReport(origin=checkpoint.origin, new_size=checkpoint.size)
    reader = tiles.TileHashReader(checkpoint.size, checkpoint.root_hash, _tile_fetcher(fetch, state_dir))
    previous = _load(state_dir)
    if previous is not None:
        old = _open_checkpoint(previous["note"], verifier)
        report.old_size = old.size
        _compare(old, checkpoint, reader, report)
    if report.ok and check_entries:
        _check_entries(fetch, reader, report.old_size or 0, checkpoint.size, report)
    if not report.ok:
        report.evidence = _save_evidence(state_dir, previous["note"] if previous else "", text, report)
        return report
    _save(state_dir, text)
    if cosigner is not None and post is not None:
        line = cosigner.cosign(text, int(time.time()))
        post("cosignature", (text + line).encode())
        report.cosigned = True
    return report


def _compare(old: note.Checkpoint, new: note.Checkpoint, reader: tiles.TileHashReader, report: MirrorReport) -> None:
    if new.size < old.size:
        report.problems.append(f"分叉:树从 {old.size} 缩小到 {new.size} / fork: the tree shrank from {old.size} "
                               f"to {new.size}")
        return
    if new.size == old.size:
        if new.root_hash != old.root_hash:
            report.problems.append(f"分叉:同一大小 {new.size} 出现两个不同的树根 / fork: two roots for size {new.size}")
        return
    try:
        recomputed = merkle.tree_hash(old.size, reader) if old.size else merkle.EMPTY_ROOT
    except tiles.TileVerificationError as error:
        report.problems.append(f"瓦片与已签名的树根不符 / tiles do not match the signed root: {error}")
        return
    if recomputed != old.root_hash:
        report.problems.append(f"改写:新树的前 {old.size} 条不再得出上次签名的树根 / rewrite: the first "
                               f"{old.size} entries of the new tree no longer give the root signed before")


def _check_entries(fetch: Fetch, reader: tiles.TileHashReader, start: int, end: int, report: MirrorReport) -> None:
    for bundle in tiles.new_entry_bundles(start - start % tiles.TILE_WIDTH, end):
        first = bundle.n * tiles.TILE_WIDTH
        try:
            data = tiles.decode_entry_bundle(fetch(tiles.tile_path(bundle)), bundle.width)
            want = reader.read_hashes([merkle.stored_hash_index(0, first + i) for i in range(bundle.width)])
        except (ValueError, tiles.TileVerificationError) as error:
            report.problems.append(f"条目包 {tiles.tile_path(bundle)} 无效 / entry bundle invalid: {error}")
            return
        for offset, (entry, leaf) in enumerate(zip(data, want, strict=True)):
            if first + offset < start:
                continue
            if merkle.leaf_hash(entry) != leaf:
                report.problems.append(f"条目 {first + offset} 与树中的叶哈希不符 / entry {first + offset} does "
                                       "not match its leaf hash")
            report.entries_checked += 1


def _tile_fetcher(fetch: Fetch, state_dir: Path) -> Callable[[tiles.Tile], bytes]:
    cache = state_dir / "tiles"

    def fetch_tile(tile: tiles.Tile) -> bytes:
        path = tiles.tile_path(tile)
        kept = cache / path
        if tile.width == tiles.TILE_WIDTH and kept.exists():  # full tiles never change; keep them
            return kept.read_bytes()
        data = fetch(path)
        if tile.width == tiles.TILE_WIDTH:
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_bytes(data)
        return data

    return fetch_tile


def _load(state_dir: Path) -> dict | None:
    path = state_dir / "state.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _save(state_dir: Path, checkpoint_note: str) -> None:
    tmp = state_dir / "state.json.tmp"
    tmp.write_text(json.dumps({"note": checkpoint_note}, ensure_ascii=False), encoding="utf-8")
    tmp.replace(state_dir / "state.json")


def _save_evidence(state_dir: Path, old_note: str, new_note: str, report: MirrorReport) -> Path:
    path = state_dir / f"evidence-{int(time.time())}.txt"
    path.write_text("\n".join(report.problems) + "\n\n--- previous checkpoint ---\n" + old_note
                    + "\n--- current checkpoint ---\n" + new_note, encoding="utf-8")
    return path
