"""Tables of the quality tools: an enterprise's uploaded process data (数据集) and the analyses made of them.

Both belong to one enterprise (``enterprise_id``, the tenant of the account that uploaded them; no foreign key: see
InspectionTarget.entity_id) and are never changed once written: a new analysis is a new row. The dataset keeps the
parsed table (``data``: columns, file row numbers, values) so every analysis can name the file cell at fault; the
analysis keeps its parameters and its result, from which charts and reports are drawn again on demand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from zhiliang.kernel.db import Base, BigId, JsonDoc, UtcDateTime


class Dataset(Base):
    __tablename__ = "tqm_dataset"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[int] = mapped_column(BigInteger, index=True)
    name: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer)
    column_count: Mapped[int] = mapped_column(Integer)
    columns: Mapped[list[Any]] = mapped_column(JsonDoc)  # [name, letter, kind] per column, for lists and forms
    data: Mapped[dict[str, Any]] = mapped_column(JsonDoc, deferred=True)  # importing.Table.to_doc()
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Analysis(Base):
    __tablename__ = "tqm_analysis"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    dataset_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tqm_dataset.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chart: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    result: Mapped[dict[str, Any]] = mapped_column(JsonDoc, deferred=True)  # analysis.analyse()
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
