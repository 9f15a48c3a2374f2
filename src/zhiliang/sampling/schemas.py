"""Request bodies of the sampling API. Field descriptions are in Chinese and English (they show in the OpenAPI
page, ``/api/docs``). Rules that need the database or the catalogue (the plan's period, the laboratory, the
items' verdicts) are checked by the use cases, which name the field at fault (``items/2/value``)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from zhiliang.kernel.http.context import MAX_ID
from zhiliang.sampling import domain

DIVISION = r"^\d{6}$"


def _d(zh: str, en: str) -> str:
    return f"{zh} / {en}"


class PlanBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40, description=_d("计划编号", "plan code"))
    title: str = Field(min_length=1, max_length=200, description=_d("计划名称", "title"))
    level: str = Field(description=_d("抽查级别", "level") + f": {', '.join(domain.LEVELS)}")
    jurisdiction: str = Field(pattern=DIVISION, description=_d("组织单位辖区代码(国家:000000)",
                                                                "organiser's division code (national: 000000)"))
    period_start: date = Field(description=_d("计划开始日期", "first day of the period"))
    period_end: date = Field(description=_d("计划结束日期", "last day of the period"))
    categories: list[str] = Field(min_length=1, max_length=200, description=_d("产品分类代码", "catalogue codes"))
    quotas: dict[str, int] = Field(default_factory=dict, description=_d("各区县批次数", "batches per district"))


class SampleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40, description=_d("样品编号", "sample code on the sampling form"))
    enterprise_id: int = Field(ge=1, le=MAX_ID, description=_d("生产者(企业 id)", "producer (enterprise id)"))
    category: str = Field(min_length=1, max_length=12, description=_d("产品分类代码", "catalogue code"))
    product: str = Field(min_length=1, max_length=200, description=_d("产品名称", "product name"))
    sampled_on: date = Field(description=_d("抽样日期", "sampling date"))
    place: str = Field(description=_d("抽样地点类型:producer 生产企业 / market 市场", "producer or market"))
    sampler: str = Field(min_length=1, max_length=120, description=_d("抽样人员", "sampler(s)"))
    lab_id: int = Field(ge=1, le=MAX_ID, description=_d("承检机构(实验室 id)", "testing laboratory id"))
    division_code: str | None = Field(None, pattern=DIVISION, description=_d("抽样地区划(默认生产者所在地)",
                                                                               "where sampled (default: producer's)"))
    seller_id: int | None = Field(None, ge=1, le=MAX_ID, description=_d("销售者(企业 id)", "seller (enterprise id)"))
    brand: str | None = Field(None, max_length=120, description=_d("商标", "brand"))
    model: str | None = Field(None, max_length=120, description=_d("规格型号", "model"))
    batch: str | None = Field(None, max_length=120, description=_d("生产日期/批号", "batch"))
    produced_on: date | None = Field(None, description=_d("生产日期", "production date"))
    place_detail: str = Field("", max_length=2000, description=_d("抽样地点详情", "where exactly"))


class ItemBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description=_d("检验项目", "test item"))
    clause: str = Field(description=_d("标准及条款", "standard and clause"))
    requirement: str = Field(description=_d("标准要求", "requirement"))
    value: str = Field(description=_d("实测值", "measured value"))
    verdict: str = Field(description=_d("单项判定:pass 合格 / fail 不合格 / info 不判定", "pass, fail or info"))
    unit: str | None = Field(None, description=_d("单位", "unit"))


class ReportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report_no: str = Field(min_length=1, max_length=80, description=_d("报告编号", "the laboratory's report number"))
    items: list[ItemBody] = Field(description=_d("检验项目(按顺序)", "test items, in order"))
    correction: str | None = Field(None, max_length=5000, description=_d(
        "更正理由(已签发报告的新版本时必填)", "why a signed report is corrected (required for a new version)"))


class NotifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    received_on: date = Field(description=_d("生产者收到检验结果的日期", "the day the producer received the result"))


class ObjectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=5000, description=_d("异议理由", "grounds of the objection"))


class RetestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lab_id: int = Field(ge=1, le=MAX_ID,
                        description=_d("复检机构(须非原承检机构)", "re-test laboratory (not the first)"))


class DisposalBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: str = Field(description=_d("处置:rectify 责令整改 / recheck 复查 / referral 移送处罚",
                                       "rectify, recheck or referral"))
    due_on: date = Field(description=_d("期限", "deadline"))
    note: str = Field("", max_length=5000, description=_d("说明", "note"))


class CompleteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    done_on: date = Field(description=_d("完成日期", "day done"))
    outcome: str = Field(min_length=1, max_length=5000, description=_d("处置结果", "outcome"))
