"""Read-only queries of the quality tools: an enterprise's datasets and analyses, newest first, and their JSON
shapes. Every read checks :mod:`.policy`; what the actor may not see is reported as not found (404), so ids of other
enterprises' records reveal nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import forbidden, not_found
from zhiliang.tqm import policy
from zhiliang.tqm.models import Analysis, Dataset

PAGE = 100


def scope(actor: Actor, enterprise_id: int | None) -> int | None:
    """The enterprise whose records a list shows: an enterprise account's own; for admins ``enterprise_id`` (None =
    all). Raises 403 for anyone else."""
    if actor.role == "enterprise" and actor.tenant_id is not None:
        return actor.tenant_id
    if actor.role == "admin":
        return enterprise_id
    raise forbidden("质量工具的数据只对本企业开放", "Quality-tool data are open to the enterprise's own accounts only")


def dataset_out(d: Dataset, *, with_columns: bool = True) -> dict[str, Any]:
    out = {"id": d.id, "enterprise_id": d.enterprise_id, "name": d.name, "file_name": d.file_name,
           "file_sha256": d.file_sha256, "rows": d.row_count, "columns_count": d.column_count,
           "created_by": d.created_by, "created_at": d.created_at.isoformat()}
    if with_columns:
        out["columns"] = [{"name": n, "letter": letter, "kind": kind} for n, letter, kind in d.columns]
    return out


def analysis_out(a: Analysis, *, with_result: bool = True) -> dict[str, Any]:
    out = {"id": a.id, "dataset_id": a.dataset_id, "enterprise_id": a.enterprise_id, "chart": a.chart,
           "params": a.params, "created_by": a.created_by, "created_at": a.created_at.isoformat(),
           "links": {"svg": f"/api/v1/tqm/analyses/{a.id}/chart.svg", "png": f"/api/v1/tqm/analyses/{a.id}/chart.png",
                     "pdf": f"/api/v1/tqm/analyses/{a.id}/report.pdf", "page": f"/tqm/analyses/{a.id}"}}
    if with_result:
        out["result"] = a.result
    return out


def datasets(session: Session, actor: Actor, enterprise_id: int | None = None, *, after: int | None = None
             ) -> list[Dataset]:
    """Datasets in scope, newest first (keyset: ids below ``after``), at most :data:`PAGE`."""
    stmt = select(Dataset).order_by(Dataset.id.desc()).limit(PAGE)
    if (owner := scope(actor, enterprise_id)) is not None:
        stmt = stmt.where(Dataset.enterprise_id == owner)
    if after:
        stmt = stmt.where(Dataset.id < after)
    return list(session.scalars(stmt))


def analyses(session: Session, actor: Actor, enterprise_id: int | None = None, *, dataset_id: int | None = None,
             after: int | None = None) -> list[Analysis]:
    """Analyses in scope, newest first, optionally of one dataset; the result column is loaded only when read."""
    stmt = select(Analysis).order_by(Analysis.id.desc()).limit(PAGE)
    if (owner := scope(actor, enterprise_id)) is not None:
        stmt = stmt.where(Analysis.enterprise_id == owner)
    if dataset_id is not None:
        stmt = stmt.where(Analysis.dataset_id == dataset_id)
    if after:
        stmt = stmt.where(Analysis.id < after)
    return list(session.scalars(stmt))


def dataset(session: Session, actor: Actor, dataset_id: int) -> Dataset:
    found = session.get(Dataset, dataset_id)
    if found is None or not policy.can_read(actor, found.enterprise_id):
        raise not_found("数据集", "Dataset", dataset_id)
    return found


def analysis(session: Session, actor: Actor, analysis_id: int) -> Analysis:
    found = session.get(Analysis, analysis_id)
    if found is None or not policy.can_read(actor, found.enterprise_id):
        raise not_found("分析", "Analysis", analysis_id)
    return found
