"""How the quality-tool tables follow from their events, for ``zhiliang ledger audit``: each dataset's name, file
and its SHA-256, and each analysis's dataset and chart type (from the events' private parts)."""

from __future__ import annotations

from zhiliang.ledger.audit import table_rows
from zhiliang.ledger.domain import Projection
from zhiliang.tqm.models import Analysis, Dataset

DATASET_FIELDS = ("name", "file_name", "file_sha256", "row_count")
ANALYSIS_FIELDS = ("dataset_id", "chart")


def ledger_projections() -> list[Projection]:
    return [
        Projection("enterprise", "质量工具数据集", "Quality-tool dataset", DATASET_FIELDS,
                   table_rows(Dataset, DATASET_FIELDS), types=("tqm.DatasetUploaded",), key="dataset_id",
                   rename={"rows": "row_count"}, table="tqm_dataset"),
        Projection("enterprise", "质量工具分析", "Quality-tool analysis", ANALYSIS_FIELDS,
                   table_rows(Analysis, ANALYSIS_FIELDS), types=("tqm.AnalysisMade",), key="analysis_id",
                   table="tqm_analysis"),
    ]
