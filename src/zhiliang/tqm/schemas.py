"""Request bodies of the quality-tools API (Pydantic). Ranges and choices are checked by
:meth:`.analysis.Params.check`, which says what is wrong in Chinese and English."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from zhiliang.tqm.analysis import Params


class AnalysisBody(BaseModel):
    """What to chart from a stored dataset; see docs/tqm.md (Analyses)."""

    model_config = ConfigDict(extra="forbid")

    chart: str = Field(max_length=16, description="xbar-r, xbar-s, i-mr, ewma, cusum, capability, p, np, c, u, pareto")
    columns: list[str] = Field(default_factory=list, max_length=100, description="column names or letters")
    subgroup_column: str | None = Field(None, max_length=200)
    subgroup_size: int | None = None
    size_column: str | None = Field(None, max_length=200)
    size: float | None = None
    category_column: str | None = Field(None, max_length=200)
    lsl: float | None = None
    usl: float | None = None
    target: float | None = None
    rules: str = Field("nelson", max_length=8)
    lam: float = 0.2
    k: float = 0.5
    h: float = 5.0

    def params(self) -> Params:
        return Params(**{**self.model_dump(), "columns": tuple(self.columns)})
