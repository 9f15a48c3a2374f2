"""API shapes of the registry, and the one place rows become public JSON (pages and API share these)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from zhiliang.registry.domain import ENTITY_TYPES, STATUS_LABELS


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class EnterpriseOut(Out):
    id: int
    uscc: str
    uscc_warning: str | None
    name: str
    entity_type: str
    legal_rep: str | None
    address: str | None
    division_code: str | None
    industry_code: str | None
    registration_authority: str | None
    established_date: date | None
    status: str
    registered_capital: float | None
    licences: list[str] = []
    tags: list[str] = []
    updated_at: datetime


class EnterpriseDetail(EnterpriseOut):
    former_names: list[str]
    status_label: dict[str, str]
    entity_type_label: dict[str, str]
    division_path: list[dict[str, str]]
    industry_name: str | None
    products: list[ProductOut]


class CertificationBodyOut(Out):
    id: int
    cnca_number: str
    name: str
    uscc: str | None
    division_code: str | None
    approved_types: list[str]
    status: str


class LaboratoryOut(Out):
    id: int
    cma_number: str
    name: str
    uscc: str | None
    division_code: str | None
    scope: list[str]
    status: str


class PersonOut(Out):
    """A person as the public and most staff see them: no phone, no ID number."""

    id: int
    kind: str
    name: str
    enforcement_cert_no: str | None
    department: str | None
    jurisdiction: str | None
    skills: list[str]
    affiliation: str | None


class PersonPrivateOut(PersonOut):
    phone: str | None
    id_number: str | None


class ProductOut(Out):
    id: int
    enterprise_id: int
    name: str
    brand: str | None
    model: str | None
    category: str | None
    standard: str | None


class PageOut(BaseModel):
    items: list[Any]
    next_after: int | None
    count: int
    count_capped: bool
    notes: list[dict[str, str]] = []


class ImportJobOut(Out):
    id: int
    file_name: str
    file_sha256: str
    encoding: str
    status: str
    rows_total: int
    rows_done: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    warnings: int
    started_at: datetime
    finished_at: datetime | None


class RowErrorOut(Out):
    row: int
    column: str
    value: str | None
    severity: str
    code: str
    reason_zh: str
    reason_en: str


def label(pair: tuple[str, str]) -> dict[str, str]:
    return {"zh": pair[0], "en": pair[1]}


def status_label(status: str) -> dict[str, str]:
    return label(STATUS_LABELS.get(status, (status, status)))


def entity_type_label(kind: str) -> dict[str, str]:
    return label(ENTITY_TYPES.get(kind, (kind, kind)))


EnterpriseDetail.model_rebuild()


class In(BaseModel):
    """Request bodies: text without NUL characters (PostgreSQL refuses them), trimmed, within column lengths."""

    model_config = ConfigDict(str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise ValueError("contains a NUL character / 含有空字符")
        return value


Short = Annotated[str, StringConstraints(max_length=64)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class EnterprisePatch(In):
    """Fields to change, as text (the import's formats are accepted: 2020年1月5日, 存续, 100万元)."""

    name: Name | None = None
    legal_rep: Annotated[str, StringConstraints(max_length=100)] | None = None
    address: Annotated[str, StringConstraints(max_length=300)] | None = None
    industry_code: Annotated[str, StringConstraints(max_length=8)] | None = None
    registration_authority: Annotated[str, StringConstraints(max_length=100)] | None = None
    established_date: Annotated[str, StringConstraints(max_length=20)] | None = None
    status: Annotated[str, StringConstraints(max_length=20)] | None = None
    registered_capital: Annotated[str, StringConstraints(max_length=30)] | None = None
    division_code: Annotated[str, StringConstraints(max_length=6)] | None = None
    licences: Annotated[str, StringConstraints(max_length=1000)] | None = None  # "kind:number; …" as in an import
    tags: Annotated[str, StringConstraints(max_length=500)] | None = None  # separated by ; 、 ,


class CertificationBodyIn(In):
    cnca_number: Annotated[str, StringConstraints(max_length=40)]
    name: Name
    approved_types: list[Short] = []
    uscc: Annotated[str, StringConstraints(max_length=40)] | None = None
    division_code: Annotated[str, StringConstraints(max_length=6)] | None = None


class LaboratoryIn(In):
    cma_number: Annotated[str, StringConstraints(max_length=40)]
    name: Name
    scope: list[Annotated[str, StringConstraints(max_length=200)]] = []
    uscc: Annotated[str, StringConstraints(max_length=40)] | None = None
    division_code: Annotated[str, StringConstraints(max_length=6)] | None = None


class PersonIn(In):
    kind: Short
    name: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    enforcement_cert_no: Annotated[str, StringConstraints(max_length=32)] | None = None
    department: Short | None = None
    jurisdiction: Annotated[str, StringConstraints(max_length=6)] | None = None
    skills: list[Short] = []
    affiliation: Name | None = None
    cb_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    phone: Annotated[str, StringConstraints(max_length=32)] | None = None
    id_number: Annotated[str, StringConstraints(max_length=32)] | None = None


class ProductIn(In):
    enterprise_id: Annotated[int, Field(ge=1, le=2**63 - 1)]
    name: Name
    brand: Annotated[str, StringConstraints(max_length=100)] | None = None
    model: Annotated[str, StringConstraints(max_length=100)] | None = None
    category: Annotated[str, StringConstraints(max_length=100)] | None = None
    standard: Annotated[str, StringConstraints(max_length=100)] | None = None
