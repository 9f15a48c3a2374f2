"""How the quality-tool tables follow from their events, for ``zhiliang ledger audit``: each dataset's name, file
and its SHA-256, and each analysis's dataset and chart type (from the events' private parts)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhiliang.ledger.domain import Projection
from zhiliang.tqm.models import Analysis, Dataset

DATASET_FIELDS = ("name", "file_name", "file_sha256", "row_count")
ANALYSIS_FIELDS = ("dataset_id", "chart")


def _rows(table: Any, fields: tuple[str, ...]):  # noqa: ANN202
    def rows(session: Session) -> Iterator[tuple[str, dict[str, Any]]]:
        query = select(table.id, *(getattr(table, f) for f in fields)).order_by(table.id)
        for row in session.execute(query.execution_options(yield_per=5000)):
            values = row._asdict()
            yield str(values.pop("id")), values

    return rows


def ledger_projections() -> list[Projection]:
    return [
        Projection("enterprise", "质量工具数据集", "Quality-tool dataset", DATASET_FIELDS,
                   _rows(Dataset, DATASET_FIELDS), types=("tqm.DatasetUploaded",), key="dataset_id",
                   rename={"rows": "row_count"}, table="tqm_dataset"),
        Projection("enterprise", "质量工具分析", "Quality-tool analysis", ANALYSIS_FIELDS,
                   _rows(Analysis, ANALYSIS_FIELDS), types=("tqm.AnalysisMade",), key="analysis_id",
                   table="tqm_analysis"),
    ]
