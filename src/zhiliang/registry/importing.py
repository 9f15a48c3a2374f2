"""Import of enterprises from .csv/.xlsx: validate every row, upsert good rows by USCC, report bad ones.

Guarantees (SPEC principle 3):
* the whole file is decoded and parsed before anything is written, so a wrong encoding or a truncated file is
  refused with nothing written;
* rows are written in batches, each batch with its job progress in one transaction: a crash or Ctrl-C loses at
  most the batch in flight, and running the same import again resumes after the last committed batch (the job
  is found by the file's SHA-256);
* a second import of the same file changes nothing: unchanged rows write no row, audit entry or event;
* every USCC that appears more than once in the file is rejected on every row where it appears, since the file
  does not say which row is right.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhiliang.kernel import audit, locks, tabular
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import DomainError, invalid
from zhiliang.kernel.files import file_sha256
from zhiliang.kernel.policy import covers, require
from zhiliang.kernel.runtime import Runtime
from zhiliang.registry import policy, uscc
from zhiliang.registry.domain import FIELD_LABELS, RowProblem, map_header
from zhiliang.registry.models import ImportJob, ImportRowError
from zhiliang.registry.service import upsert_enterprises
from zhiliang.registry.validation import validate_row

T = TypeVar("T")


@dataclass(frozen=True)
class ImportOutcome:
    job_id: int
    status: str
    rows_total: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    warnings: int
    resumed_from: int


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def duplicate_rows(table: tabular.TableFile, column: int) -> dict[int, list[int]]:
    """Row number → all row numbers sharing its (normalised) USCC, for USCCs that occur more than once.

    Memory stays flat whatever the file size: a 64-bit hash per row goes to a private on-disk SQLite scratch
    database (``sqlite3.connect("")``), which groups them with external sorting; only the duplicates come back.
    """
    scratch = sqlite3.connect("")
    try:
        scratch.execute("CREATE TABLE h (hash INTEGER)")
        hashes = ((hash(uscc.normalize(cells[column])),) for _, cells in tabular.rows(table)
                  if column < len(cells) and cells[column].strip())
        scratch.executemany("INSERT INTO h VALUES (?)", hashes)
        suspects = {h for (h,) in scratch.execute("SELECT hash FROM h GROUP BY hash HAVING count(*) > 1")}
    finally:
        scratch.close()
    if not suspects:
        return {}
    groups: dict[str, list[int]] = {}
    for number, cells in tabular.rows(table):
        if column < len(cells) and hash(code := uscc.normalize(cells[column])) in suspects:
            groups.setdefault(code, []).append(number)
    return {n: rows for rows in groups.values() if len(rows) > 1 for n in rows}


BULK_GC_THRESHOLD = 20_000


class _BulkGc:
    """Cheaper garbage collection while imports run; the process's own setting comes back after the last one.

    An import allocates millions of short-lived dicts and tuples, and each full collection also walks the
    hundreds of thousands of long-lived objects loaded before it (pypinyin's dictionaries, SQLAlchemy's
    metadata): about 10% of an import's time, measured. Those are frozen out of collection and the youngest
    generation is collected every 20,000 allocations instead of 700. Reference counting still frees everything
    at once; only reference cycles wait a little longer. Concurrent imports (console uploads) share one setting.
    """

    _lock = threading.Lock()
    _users = 0
    _saved: tuple[int, ...] = ()

    def __enter__(self) -> None:
        with self._lock:
            if _BulkGc._users == 0:
                _BulkGc._saved = gc.get_threshold()
                gc.freeze()
                gc.set_threshold(BULK_GC_THRESHOLD, *self._saved[1:])
            _BulkGc._users += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            _BulkGc._users -= 1
            if _BulkGc._users == 0:
                gc.set_threshold(*self._saved)
                gc.unfreeze()


def _open_job(rt: Runtime, table: tabular.TableFile, name: str, sha: str, actor: Actor,
              kind: str = "enterprises") -> ImportJob:
    with rt.db.begin() as session:
        job = session.scalar(select(ImportJob).where(
            ImportJob.file_sha256 == sha, ImportJob.kind == kind, ImportJob.status == "running"))
        if job is None:
            job = ImportJob(kind=kind, file_name=name[:255], file_sha256=sha,
                            file_size=table.path.stat().st_size, encoding=table.encoding,
                            actor_id=actor.user_id, actor_label=actor.label,
                            status="running", rows_total=table.row_count, started_at=rt.clock.now())
            session.add(job)
            session.flush()
            audit.record(session, at=rt.clock.now(), actor_id=actor.user_id, actor_label=actor.label,
                         tag=f"{kind}:import:start" if kind != "enterprises" else "registry:import:start",
                         entity_type="import_job", entity_id=job.id,
                         after={"file": name, "sha256": sha, "rows": table.row_count})
        return job


def import_enterprises(rt: Runtime, path: Path, actor: Actor, *, file_name: str | None = None,
                       progress: Callable[[int], None] | None = None) -> ImportOutcome:
    """Import enterprises from ``path``; returns the job's counts. Raises 400/422 for file-level problems.

    Per-row problems never raise: they are stored as the job's error report (row, column, value, zh, en).
    """
    require(policy.can_import(actor))
    try:
        table = tabular.inspect(path)
    except DomainError as error:  # name the file as the user knows it, not the upload's scratch name
        if file_name:
            error.zh, error.en = (m.replace(path.name, file_name) for m in (error.zh, error.en))
        raise
    columns, missing = map_header(table.header)
    if missing:
        raise invalid("import.columns", f"缺少必需的列:{'、'.join(missing)}",
                      f"Required columns missing: {', '.join(missing)}", "header", columns=list(table.header))
    sha = file_sha256(path)
    with locks.exclusive(rt.db.bind, f"import:enterprises:{sha}"), _BulkGc():  # one run per file at a time
        return _run(rt, table, columns, file_name or path.name, sha, actor, progress)


def _run(rt: Runtime, table: tabular.TableFile, columns: dict[str, int], name: str, sha: str, actor: Actor,
         progress: Callable[[int], None] | None) -> ImportOutcome:
    job = _open_job(rt, table, name, sha, actor)
    resumed_from = job.rows_done
    dups = duplicate_rows(table, columns["uscc"])
    for batch in _batched(tabular.rows(table, start=job.rows_done), rt.settings.import_batch_size):
        _write_batch(rt, job.id, batch, columns, dups, actor)
        if progress:
            progress(len(batch))
    with rt.db.begin() as session:
        job = session.get(ImportJob, job.id)
        job.status, job.finished_at = "done", rt.clock.now()
        audit.record(session, at=rt.clock.now(), actor_id=actor.user_id, actor_label=actor.label,
                     tag="registry:import:finish", entity_type="import_job", entity_id=job.id,
                     after={"created": job.created, "updated": job.updated, "unchanged": job.unchanged,
                            "rejected": job.rejected})
    return ImportOutcome(job.id, job.status, job.rows_total, job.created, job.updated, job.unchanged,
                         job.rejected, job.warnings, resumed_from)


def _cell(cells: list[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _check(number: int, cells: list[str], columns: dict[str, int], dups: dict[int, list[int]], actor: Actor,
           rt: Runtime) -> tuple[object | None, list[RowProblem]]:
    record, problems = validate_row(number, cells, columns, rt.today())
    if number in dups:
        others = "、".join(str(n) for n in dups[number])
        problems.append(RowProblem(number, FIELD_LABELS["uscc"], _cell(cells, columns["uscc"]), "uscc.duplicate",
                                   f"统一社会信用代码在文件中重复(第 {others} 行),均未导入",
                                   f"USCC repeated in the file (rows {others.replace('、', ', ')}); none imported"))
        record = None
    if record is not None and actor.role == "regulator" and not covers(actor.jurisdiction, record.division_code):
        problems.append(RowProblem(number, FIELD_LABELS["division_code"], record.division_code or "",
                                   "division.outside", "该主体不在您的辖区",
                                   "This entity is outside your jurisdiction"))
        record = None
    return record, problems


def _write_batch(rt: Runtime, job_id: int, batch: list[tuple[int, list[str]]], columns: dict[str, int],
                 dups: dict[int, list[int]], actor: Actor) -> None:
    records, problems, rows_of = [], [], {}
    for number, cells in batch:
        record, found = _check(number, cells, columns, dups, actor, rt)
        problems += found
        if record is not None:
            records.append(record)
            rows_of[record.uscc] = number
    with rt.db.begin() as session:
        result = upsert_enterprises(session, records, actor, rt.clock.now(), source=f"import:{job_id}",
                                    present=frozenset(columns))
        problems += [RowProblem(rows_of[u], FIELD_LABELS["uscc"], u, "enterprise.outside",
                                "该主体不在您的辖区,不能修改", "This entity is outside your jurisdiction; not changed")
                     for u in result.refused]
        _store_problems(session, job_id, problems)
        job = session.get(ImportJob, job_id)
        job.rows_done += len(batch)
        job.created += len(result.created)
        job.updated += len(result.updated)
        job.unchanged += len(result.unchanged)
        job.rejected += len(batch) - len(records) + len(result.refused)
        job.warnings += sum(1 for p in problems if p.severity == "warning")


@dataclass(frozen=True)
class BatchCounts:
    """What one batch of a feature's import wrote: counts, and the problems of its rows (RowProblem)."""

    created: int
    updated: int
    unchanged: int
    rejected: int
    problems: list[RowProblem]


def import_rows(rt: Runtime, path: Path, actor: Actor, *, kind: str, columns_of: Callable[[tuple[str, ...]],
                tuple[dict[str, int], list[str]]], write_batch: Callable[[Session, int, list[tuple[int, list[str]]],
                                                                          dict[str, int]], BatchCounts],
                file_name: str | None = None) -> ImportOutcome:
    """The registry's import, for another feature's rows (credit records …): the same file checks (encoding,
    truncation, size), the same job that commits batch by batch and resumes, the same row-level error report
    (``/console/import/{job}``). ``columns_of`` maps the header to column indexes and names missing required
    columns; ``write_batch`` validates and writes one batch in the given transaction and says what it did."""
    try:
        table = tabular.inspect(path)
    except DomainError as error:
        if file_name:
            error.zh, error.en = (m.replace(path.name, file_name) for m in (error.zh, error.en))
        raise
    columns, missing = columns_of(table.header)
    if missing:
        raise invalid("import.columns", f"缺少必需的列:{'、'.join(missing)}",
                      f"Required columns missing: {', '.join(missing)}", "header", columns=list(table.header))
    sha = file_sha256(path)
    name = file_name or path.name
    with locks.exclusive(rt.db.bind, f"import:{kind}:{sha}"):
        job = _open_job(rt, table, name, sha, actor, kind)
        resumed_from = job.rows_done
        for batch in _batched(tabular.rows(table, start=job.rows_done), rt.settings.import_batch_size):
            with rt.db.begin() as session:
                counts = write_batch(session, job.id, batch, columns)
                _store_problems(session, job.id, counts.problems)
                job = session.get(ImportJob, job.id)
                job.rows_done += len(batch)
                job.created += counts.created
                job.updated += counts.updated
                job.unchanged += counts.unchanged
                job.rejected += counts.rejected
                job.warnings += sum(1 for p in counts.problems if p.severity == "warning")
        with rt.db.begin() as session:
            job = session.get(ImportJob, job.id)
            job.status, job.finished_at = "done", rt.clock.now()
            audit.record(session, at=rt.clock.now(), actor_id=actor.user_id, actor_label=actor.label,
                         tag=f"{kind}:import:finish", entity_type="import_job", entity_id=job.id,
                         after={"created": job.created, "rejected": job.rejected})
        return ImportOutcome(job.id, job.status, job.rows_total, job.created, job.updated, job.unchanged,
                             job.rejected, job.warnings, resumed_from)


def _store_problems(session: Session, job_id: int, problems: list[RowProblem]) -> None:
    if problems:
        session.execute(ImportRowError.__table__.insert(), [
            {"job_id": job_id, "row": p.row, "column": p.column, "value": p.value, "severity": p.severity,
             "code": p.code, "reason_zh": p.zh, "reason_en": p.en} for p in problems])


REPORT_HEADER = ("行号 Row", "列 Column", "值 Value", "级别 Severity", "原因", "Reason")


def error_report_rows(errors: Iterable[ImportRowError]) -> Iterator[tuple[object, ...]]:
    """Rows of the downloadable error report (CSV or XLSX), in file order."""
    for e in errors:
        yield (e.row, e.column, e.value, "错误 error" if e.severity == "error" else "警告 warning", e.reason_zh,
               e.reason_en)
