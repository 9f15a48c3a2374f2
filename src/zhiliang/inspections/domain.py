"""Pure rules of random inspections (双随机、一公开): pool snapshots, commitments, the stratified draw, verification.

Per 国办发〔2015〕58号 (双随机、一公开), targets are drawn at random from the market-entity directory and the result
is published; per SPEC.md `inspections`, the ratio of each credit-risk class (A/B/C/D) is set by the plan, and the
draw is verifiable in three published steps (issue 5, point 3): commit, seed, draw. Inspector assignment, the
second random draw (and 国发〔2019〕5号 joint draws), is in :mod:`zhiliang.inspections.assign`. Standard library
and NumPy; no I/O, no clock, nothing at import time. Written after golang/mod ``sumdb/tlog/tlog.go``.

Exact encodings, so that anyone can recompute every value:

* **Pool digest** (:func:`pool_digest`): lowercase hex SHA-256 of the UTF-8 text with one line per member, in
  ascending entity id: the id in decimal ASCII (no sign, no leading zeros), ``,``, the class letter, ``\\n``. Three
  members give ``b"7,B\\n12,A\\n1003,D\\n"``; an empty pool hashes the empty string.
* **Commitment** (:func:`commitment`): lowercase hex SHA-256 of the canonical JSON (UTF-8, keys sorted, no
  whitespace, :func:`zhiliang.ledger.domain.canonical_json`) of
  ``{"plan": plan_params, "pool_digest": <hex>, "seed_rule": <text>, "v": 1}``.
* **Rank key** (:func:`zhiliang.inspections.assign.rank_key`): SHA-256(seed bytes ‖ 0x00 ‖ UTF-8 plan id ‖ 0x00 ‖
  decimal ASCII entity id). Within its stratum an entity ranks by this 32-byte digest read as a big-endian unsigned
  integer (bytewise order), ties (only possible for equal ids, which are refused) by entity id; the lowest ``k_c``
  are drawn and listed in rank order.
* **Quota** (:func:`quota`): ``k_c = min(N_c, max(min_per_stratum, ⌊r_c × N_c + 1/2⌋))`` — round half up, in exact
  decimal arithmetic; a float ratio is read as the decimal of its shortest repr (``0.145`` is 29/200, not the binary
  float). Example: r = 0.05 and N = 30 give 1.5 → 2; N = 29 gives 1.45 → 1; with min_per_stratum 3 both give 3;
  N = 2 with min_per_stratum 3 gives 2.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from zhiliang.inspections.assign import Assignment, Inspector, Target, assign
from zhiliang.inspections.assign import _key_prefix as key_prefix
from zhiliang.ledger.domain import canonical_json

__all__ = ["COMMITMENT_VERSION", "DrawResult", "PoolMember", "RISK_CLASSES", "commitment", "draw", "pool_digest",
           "quota", "strata", "targets_digest", "verify_draw"]

RISK_CLASSES = ("A", "B", "C", "D")
COMMITMENT_VERSION = 1
_CHUNK = 1 << 16  # ids hashed per batch: keeps temporary bytes small without slowing the loop

Members = Iterable[tuple[int, str]] | Mapping[str, Sequence[int]]


class PoolMember(NamedTuple):
    """One entity of the pool snapshot and its credit-risk class (default B until credit scoring exists)."""

    entity_id: int
    risk_class: str


@dataclass(frozen=True)
class DrawResult:
    """Drawn entity ids per class in rank order, with the quota and stratum size of every class."""

    selected: dict[str, tuple[int, ...]]
    quotas: dict[str, int]
    sizes: dict[str, int]

    def targets(self) -> list[int]:
        """All drawn ids, class by class (A, B, C, D), each class in rank order."""
        return [i for c in RISK_CLASSES for i in self.selected.get(c, ())]

    def as_record(self) -> dict[str, Any]:
        """The JSON form published in the public record (see :func:`verify_draw`)."""
        return {"selected": {c: list(v) for c, v in self.selected.items()}, "quotas": dict(self.quotas),
                "sizes": dict(self.sizes)}


def strata(members: Members) -> dict[str, np.ndarray]:
    """Entity ids per risk class as int64 arrays (input order kept), from pairs or from a class → ids mapping.

    Raises ValueError for an unknown class, a non-integer or negative id, or an id that occurs twice. Cost: O(N log N)
    (the duplicate check sorts); about 1 s for 5,000,000 pairs, less for a mapping.
    """
    if isinstance(members, Mapping):
        groups = {c: members[c] for c in members}
    else:
        lists: dict[str, list[int]] = {}
        for entity_id, risk_class in members:
            lists.setdefault(risk_class, []).append(entity_id)
        groups = lists
    out: dict[str, np.ndarray] = {}
    for c, ids in groups.items():
        if c not in RISK_CLASSES:
            raise ValueError(f"未知风险等级 / unknown risk class {c!r}")
        arr = np.asarray(ids)
        if arr.size and (arr.dtype.kind not in "iu" or arr.min() < 0):
            raise ValueError(f"主体编号须为非负整数 / entity ids must be non-negative integers (class {c})")
        out[c] = arr.astype(np.int64, copy=False) if arr.size else np.zeros(0, np.int64)
    _refuse_duplicates(np.concatenate(list(out.values())) if out else np.zeros(0, np.int64))
    return out


def _refuse_duplicates(ids: np.ndarray) -> None:
    ordered = np.sort(ids)
    dup = np.flatnonzero(ordered[1:] == ordered[:-1])
    if dup.size:
        raise ValueError(f"主体编号重复 / entity {int(ordered[dup[0]])} occurs twice in the pool")


def pool_digest(members: Members) -> str:
    """Lowercase hex SHA-256 of the pool snapshot's canonical text (module docstring).

    Independent of input order. Raises as :func:`strata`. Cost: one sort and one pass building text; about 1.6 s
    for 5,000,000 members.
    """
    groups = strata(members)
    ids = np.concatenate([groups.get(c, np.zeros(0, np.int64)) for c in RISK_CLASSES])
    codes = np.concatenate([np.full(len(groups.get(c, ())), n, np.int8) for n, c in enumerate(RISK_CLASSES)])
    order = np.argsort(ids, kind="stable")
    letters = np.array(RISK_CLASSES)
    h = hashlib.sha256()
    for start in range(0, len(order), _CHUNK * 4):
        part = order[start:start + _CHUNK * 4]
        h.update("".join(map("{},{}\n".format, ids[part].tolist(), letters[codes[part]].tolist())).encode())
    return h.hexdigest()


def beacon_seed(value: str) -> str:
    """The seed taken from an external beacon's value: hex SHA-256 of the value as published (UTF-8, surrounding
    whitespace removed), so any text a beacon publishes (a hex pulse, an index's closing figure) gives 32 bytes."""
    return hashlib.sha256(value.strip().encode("utf-8")).hexdigest()


def beacon_problems(beacon: Mapping[str, Any], value: str, entered_at: datetime,
                    committed_at: datetime | None) -> list[tuple[str, str]]:
    """Why a beacon value may not fix the seed, as (zh, en) pairs; empty when it may.

    The value must be entered no earlier than the time the commitment states it is published (``after``) and no
    later than the stated deadline (``by``), and the commitment must predate ``after``: no one could know the
    value when the pool and parameters were fixed."""
    after, by = datetime.fromisoformat(beacon["after"]), datetime.fromisoformat(beacon["by"])
    problems = []
    if not value.strip():
        problems.append(("信标数值为空", "the beacon value is empty"))
    if committed_at is not None and committed_at >= after:
        problems.append(("承诺晚于信标发布时间", "the commitment was made after the beacon's publication time"))
    if entered_at < after:
        problems.append((f"信标数值须在 {beacon['after']} 之后录入",
                         f"the beacon value is entered after {beacon['after']}"))
    if entered_at > by:
        problems.append((f"已超过承诺的录入期限 {beacon['by']}", f"past the committed deadline {beacon['by']}"))
    return problems


def commitment(plan_params: dict[str, Any], pool_digest: str, seed_rule: str) -> tuple[bytes, str]:
    """The committed bytes and their lowercase hex SHA-256 (module docstring), published before the seed exists.

    ``plan_params`` must be JSON (strings, integers, booleans, null, lists, dicts; floats are allowed but ratios
    are best given as decimal strings such as ``"0.05"``). It should hold everything the draw and assignment use:
    ``ratios``, ``min_per_stratum``, ``per_target``, ``workload_cap``, ``departments`` and ``inspectors_digest``
    (see :func:`verify_draw`). Raises ValueError for NaN or infinity.
    """
    data = canonical_json({"plan": plan_params, "pool_digest": pool_digest, "seed_rule": seed_rule,
                           "v": COMMITMENT_VERSION})
    return data, hashlib.sha256(data).hexdigest()


def _exact(ratio: float | int | str | Decimal | Fraction) -> Fraction:
    if isinstance(ratio, bool):
        raise ValueError("抽查比例不能是布尔值 / a ratio cannot be a boolean")
    value = Fraction(ratio) if isinstance(ratio, Fraction | Decimal | int) else Fraction(str(ratio))
    if not 0 <= value <= 1:
        raise ValueError(f"抽查比例须在 0 与 1 之间 / a ratio must lie in [0, 1], got {ratio!r}")
    return value


def quota(ratio: float | int | str | Decimal | Fraction, size: int, min_per_stratum: int = 0) -> int:
    """``min(size, max(min_per_stratum, ⌊ratio × size + 1/2⌋))``, exactly (module docstring, with examples).

    Raises ValueError for a ratio outside [0, 1] or not a number, or a negative size or minimum.
    """
    if size < 0 or min_per_stratum < 0:
        raise ValueError("层大小与最小抽取数不能为负 / size and min_per_stratum must be ≥ 0")
    rounded = int(_exact(ratio) * size + Fraction(1, 2))  # int() floors a non-negative Fraction
    return min(size, max(min_per_stratum, rounded))


def _keys(prefix: bytes, ids: list[int]) -> np.ndarray:
    """The first 8 bytes of each rank key as big-endian uint64; the hot loop of the draw (about 0.8 µs per id)."""
    out = np.empty(len(ids), np.uint64)
    sha = hashlib.sha256
    for start in range(0, len(ids), _CHUNK):
        chunk = b"".join([sha(prefix + b"%d" % i).digest()[:8] for i in ids[start:start + _CHUNK]])
        out[start:start + _CHUNK] = np.frombuffer(chunk, ">u8")
    return out


def _lowest(prefix: bytes, ids: list[int], k: int) -> tuple[int, ...]:
    """The ``k`` ids with the lowest full rank keys, in rank order. Exact although only 64-bit prefixes are kept:
    everything tied with the k-th prefix is taken as a candidate and equal prefixes are ordered by full digest."""
    if k == 0:
        return ()
    keys = _keys(prefix, ids)
    if k < len(ids):
        kth = np.partition(keys, k - 1)[k - 1]
        cand = np.flatnonzero(keys <= kth)
    else:
        cand = np.arange(len(ids))
    cand_ids = np.asarray(ids, np.int64)[cand] if len(cand) < len(ids) else np.asarray(ids, np.int64)
    order = np.lexsort((cand_ids, keys[cand]))
    ranked, ranked_keys = cand_ids[order].tolist(), keys[cand][order]
    if np.any(ranked_keys[1:] == ranked_keys[:-1]):  # a 64-bit collision: settle it by the full digest
        ranked.sort(key=lambda i: (hashlib.sha256(prefix + b"%d" % i).digest(), i))
    return tuple(ranked[:k])


def draw(members: Members, ratios: Mapping[str, Any], seed: bytes, plan_id: str,
         min_per_stratum: int = 0) -> DrawResult:
    """Stratified draw: per class the ``quota`` lowest-ranked entities by rank key (module docstring).

    ``members`` are pairs (entity id, class) or a mapping class → ids. Every class present needs a ratio; ratios
    for absent classes give quota 0. Returns a :class:`DrawResult` with all four classes. Deterministic in its
    arguments, independent of input order. Raises ValueError as :func:`strata` and :func:`quota`, for a missing
    ratio, or for a plan id with NUL. Cost: one SHA-256 per member plus O(N) selection: measured 3.2 s for
    5,000,000 members (class → ids mapping; 3.7 s from pairs) and ~230,000 drawn on a 2-core machine, of which the
    hashing loop is ~90 %.
    """
    groups = strata(members)
    prefix = key_prefix(seed, plan_id)
    if unknown := set(ratios) - set(RISK_CLASSES):
        raise ValueError(f"未知风险等级 / unknown risk class in ratios: {sorted(unknown)}")
    selected, quotas, sizes = {}, {}, {}
    for c in RISK_CLASSES:
        ids = groups.get(c, np.zeros(0, np.int64))
        if len(ids) and c not in ratios:
            raise ValueError(f"缺少风险等级 {c} 的抽查比例 / no ratio for risk class {c}")
        sizes[c] = len(ids)
        quotas[c] = quota(ratios.get(c, 0), len(ids), min_per_stratum)
        selected[c] = _lowest(prefix, ids.tolist(), quotas[c])
    return DrawResult(selected, quotas, sizes)


def inspectors_digest(inspectors: Iterable[Inspector]) -> str:
    """Lowercase hex SHA-256 of the canonical JSON list of :func:`inspector_record` in ascending id.

    Meant for ``plan_params["inspectors_digest"]``, so the inspector directory is committed with the plan.
    """
    return hashlib.sha256(canonical_json([inspector_record(i) for i in sorted(inspectors, key=lambda i: i.id)]))\
        .hexdigest()


def targets_digest(rows: Iterable[tuple[int, int, str, Sequence[int]]]) -> str:
    """Lowercase hex SHA-256 of the drawn targets, lines ``rank,entity_id,class,inspector;inspector\n`` in rank
    order: logged with the draw, so the ledger audit names a target list changed afterwards (a swapped
    enterprise, a reassigned inspector). Cost: one pass; about 0.3 s for 250,000 targets."""
    h = hashlib.sha256()
    for rank, entity_id, risk_class, inspectors in sorted(rows):
        h.update(f"{rank},{entity_id},{risk_class},{';'.join(map(str, inspectors))}\n".encode())
    return h.hexdigest()


def inspector_record(i: Inspector) -> dict[str, Any]:
    """An inspector as a JSON object of the public record (sets as sorted lists)."""
    return {"id": i.id, "department": i.department, "jurisdiction": i.jurisdiction, "skills": sorted(i.skills),
            "affiliation": i.affiliation, "conflicts": sorted(i.conflicts)}


def target_record(t: Target) -> dict[str, Any]:
    """A target as a JSON object of the public record (sets as sorted lists)."""
    return {"entity_id": t.entity_id, "division_code": t.division_code, "affiliation": t.affiliation,
            "required_skills": sorted(t.required_skills), "last_round_inspectors": sorted(t.last_round_inspectors)}


def assignment_record(a: Assignment) -> dict[str, Any]:
    """An assignment as JSON: ids as decimal-string keys, teams as lists, reasons as [zh, en] pairs."""
    return {"by_target": {str(t): list(team) for t, team in a.by_target.items()},
            "unmet": {str(t): [list(r) for r in reasons] for t, reasons in a.unmet.items()}}


def verify_draw(record: Mapping[str, Any]) -> tuple[bool, dict[str, bool | None]]:
    """Re-run the published draw from its public record and compare; returns (all match, match per check).

    Keys of ``record`` (all JSON): ``plan_id``; ``plan_params`` (as committed; the draw reads ``ratios``,
    ``min_per_stratum`` (default 0), and assignment ``per_target`` (default 2), ``workload_cap``, ``departments``
    (default []), ``inspectors_digest``); ``seed_rule``; ``pool`` ([[entity id, class], …]); ``pool_digest``;
    ``commitment`` (hex); ``seed`` (hex of the seed bytes); ``result`` (:meth:`DrawResult.as_record`); optionally
    ``inspectors`` (:func:`inspector_record` list), ``targets`` (:func:`target_record` list, one per drawn entity)
    and ``assignment`` (:func:`assignment_record`). Checks: ``pool_digest``, ``commitment``, ``draw``, and — None
    when the record has no assignment — ``inspectors_digest`` and ``assignment``. Raises ValueError or KeyError
    for a malformed record. Cost: that of :func:`pool_digest` + :func:`draw` + :func:`assign`.
    """
    params, seed = record["plan_params"], bytes.fromhex(record["seed"])
    pool = [(int(i), c) for i, c in record["pool"]]
    digest = pool_digest(pool)
    checks: dict[str, bool | None] = {"pool_digest": digest == record["pool_digest"]}
    checks["commitment"] = commitment(params, digest, record["seed_rule"])[1] == record["commitment"]
    result = draw(pool, params["ratios"], seed, record["plan_id"], params.get("min_per_stratum", 0))
    checks["draw"] = result.as_record() == _normal_result(record["result"])
    checks["inspectors_digest"] = checks["assignment"] = None
    if "assignment" in record:
        inspectors = [inspector_from_record(r) for r in record["inspectors"]]
        checks["inspectors_digest"] = inspectors_digest(inspectors) == params.get("inspectors_digest")
        targets = [target_from_record(r) for r in record["targets"]]
        recomputed = assign(targets, inspectors, per_target=params.get("per_target", 2),
                            workload_cap=params["workload_cap"], departments=tuple(params.get("departments", ())),
                            seed=seed, plan_id=record["plan_id"])
        same_targets = sorted(t.entity_id for t in targets) == sorted(result.targets())
        checks["assignment"] = same_targets and assignment_record(recomputed) == record["assignment"]
    return all(v is not False for v in checks.values()), checks


def _normal_result(published: Mapping[str, Any]) -> dict[str, Any]:
    return {"selected": {c: list(v) for c, v in published["selected"].items()}, "quotas": dict(published["quotas"]),
            "sizes": dict(published["sizes"])}


def inspector_from_record(r: Mapping[str, Any]) -> Inspector:
    """The :class:`Inspector` of a public-record entry (:func:`inspector_record`'s inverse)."""
    return Inspector(int(r["id"]), r["department"], r["jurisdiction"], frozenset(r.get("skills", ())),
                     r.get("affiliation"), frozenset(int(e) for e in r.get("conflicts", ())))


def target_from_record(r: Mapping[str, Any]) -> Target:
    """The :class:`Target` of a public-record entry (:func:`target_record`'s inverse)."""
    last_round = frozenset(int(i) for i in r.get("last_round_inspectors", ()))
    skills = frozenset(r.get("required_skills", ()))
    return Target(int(r["entity_id"]), r["division_code"], r.get("affiliation"), skills, last_round)
