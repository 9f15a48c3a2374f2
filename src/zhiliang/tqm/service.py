"""Quality-tool use cases: store an enterprise's uploaded process data, analyse a stored dataset, or both at once.

Each change writes its row, an audit entry and a domain event on the enterprise (``tqm.DatasetUploaded``,
``tqm.AnalysisMade``) in the caller's transaction. The file is parsed and checked in full, and the analysis run,
before anything is added, so a refused upload or analysis leaves nothing behind. Events carry identifiers, names,
the file's digest and the key figures — never the process data themselves.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from zhiliang.kernel import audit, events
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import invalid, not_found, unauthenticated
from zhiliang.kernel.files import file_sha256
from zhiliang.kernel.policy import require
from zhiliang.tqm import policy
from zhiliang.tqm.analysis import Params, analyse
from zhiliang.tqm.importing import Table, read_table
from zhiliang.tqm.models import Analysis, Dataset


def _log(session: Session, actor: Actor, at: datetime, enterprise_id: int, type_: str, tag: str, entity_type: str,
         entity_id: int, payload: dict[str, Any]) -> None:
    """Audit entry and event. An enterprise's process data and results are its own (tenant rules), so all but the
    id go to the event's private part: the public log shows that a dataset or analysis was added, and commits
    to what it holds without revealing it."""
    audit.record(session, at=at, actor_id=actor.user_id, actor_label=actor.label, tag=tag, entity_type=entity_type,
                 entity_id=entity_id, before=None, after=payload)
    key = f"{entity_type.removeprefix('tqm_')}_id"
    events.emit(session, type_, f"enterprise:{enterprise_id}", {key: payload[key]}, at=at, actor=actor.label,
                private={k: v for k, v in payload.items() if k != key})


def require_writer(actor: Actor) -> None:
    """401 for the anonymous, 403 for accounts that may not upload (checked before a file is even read)."""
    if actor.user_id is None and actor.role == "public":
        raise unauthenticated()
    require(policy.can_write(actor))


def read_upload(path: Path) -> tuple[Table, str]:
    """Parse and check an uploaded file (no database work): the table and the file's SHA-256."""
    return read_table(path), file_sha256(path)


def add_dataset(session: Session, actor: Actor, at: datetime, table: Table, *, name: str, file_name: str,
                sha256: str) -> Dataset:
    """Store a parsed table as a dataset of the actor's enterprise. Raises 403 unless an enterprise account; 422 for
    an empty or overlong name."""
    require(policy.can_write(actor))
    name = (name or "").strip() or Path(file_name).stem
    if len(name) > 200:
        raise invalid("tqm.name", "名称不能超过 200 个字符", "the name is longer than 200 characters", "name")
    dataset = Dataset(enterprise_id=actor.tenant_id, name=name, file_name=file_name[:255], file_sha256=sha256,
                      row_count=len(table.rows), column_count=len(table.columns),
                      columns=[[c.name, c.letter, c.kind] for c in table.columns], data=table.to_doc(),
                      created_by=actor.label, created_at=at)
    session.add(dataset)
    session.flush()
    _log(session, actor, at, dataset.enterprise_id, "tqm.DatasetUploaded", "tqm:dataset:add", "tqm_dataset",
         dataset.id, {"dataset_id": dataset.id, "name": dataset.name, "file_name": dataset.file_name,
                      "file_sha256": sha256, "rows": dataset.row_count,
                      "columns": [c.name for c in table.columns]})
    return dataset


def _key_figures(result: dict[str, Any]) -> dict[str, Any]:
    return {"points": len(result["labels"]), "signals": sum(len({v[0] for v in p["violations"]})
                                                            for p in result["panels"]),
            "summary": {en: value for _, en, value in result["summary"]}}


def add_analysis(session: Session, actor: Actor, at: datetime, dataset: Dataset, params: Params,
                 table: Table | None = None, result: dict[str, Any] | None = None) -> Analysis:
    """Analyse ``dataset`` as ``params`` asks and store the result. Raises 403 unless the dataset's own enterprise;
    422 naming the file cell or parameter at fault (nothing is stored then)."""
    require(policy.can_write_for(actor, dataset.enterprise_id))
    if result is None:
        result = analyse(table or Table.from_doc(dataset.data), params)
    analysis = Analysis(dataset_id=dataset.id, enterprise_id=dataset.enterprise_id, chart=params.chart,
                        params=dataclasses.asdict(params), result=result, created_by=actor.label, created_at=at)
    session.add(analysis)
    session.flush()
    _log(session, actor, at, dataset.enterprise_id, "tqm.AnalysisMade", "tqm:analysis:add", "tqm_analysis",
         analysis.id, {"analysis_id": analysis.id, "dataset_id": dataset.id, "chart": params.chart,
                       **_key_figures(result)})
    return analysis


def analyse_dataset(session: Session, actor: Actor, at: datetime, dataset_id: int, params: Params) -> Analysis:
    """A new analysis of a stored dataset. Raises 404 when there is no such dataset or the actor may not see it."""
    dataset = session.get(Dataset, dataset_id)
    if dataset is None or not policy.can_read(actor, dataset.enterprise_id):
        raise not_found("数据集", "Dataset", dataset_id)
    return add_analysis(session, actor, at, dataset, params)


def upload_and_analyse(session: Session, actor: Actor, at: datetime, path: Path, params: Params, *, name: str,
                       file_name: str) -> Analysis:
    """Store an uploaded file and its first analysis together: both or neither (the analysis is run before
    anything is added, so bad input leaves no dataset behind)."""
    require(policy.can_write(actor))
    table, sha256 = read_upload(path)
    result = analyse(table, params)  # fails here, with nothing added, when the file does not suit the chart
    dataset = add_dataset(session, actor, at, table, name=name, file_name=file_name, sha256=sha256)
    return add_analysis(session, actor, at, dataset, params, table, result)
