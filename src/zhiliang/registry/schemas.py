"""API shapes of the registry, and the one place rows become public JSON (pages and API share these)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

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


class CertificationBodyIn(BaseModel):
    cnca_number: str
    name: str
    approved_types: list[str] = []
    uscc: str | None = None
    division_code: str | None = None


class LaboratoryIn(BaseModel):
    cma_number: str
    name: str
    scope: list[str] = []
    uscc: str | None = None
    division_code: str | None = None


class PersonIn(BaseModel):
    kind: str
    name: str
    enforcement_cert_no: str | None = None
    department: str | None = None
    jurisdiction: str | None = None
    skills: list[str] = []
    affiliation: str | None = None
    cb_id: int | None = None
    phone: str | None = None
    id_number: str | None = None


class ProductIn(BaseModel):
    enterprise_id: int
    name: str
    brand: str | None = None
    model: str | None = None
    category: str | None = None
    standard: str | None = None
