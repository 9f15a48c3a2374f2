"""Certification types (认证类型) as reference data, shipped as ``zhiliang/certificates/data/cert_types.csv``.

Columns ``code,category,name_zh,name_en,standard,compulsory``; read once, on first use, and cached; no I/O at
import time, no network, no database. The codes QMS, EMS, OHSMS, FSMS, HACCP, ISMS, EnMS, CCC, GREEN, ORGANIC,
LOWCARBON and SERVICE are fixed: the registry's certification bodies are approved by these codes.

Where the standards come from:

* Management systems: the GB/T identical adoptions of ISO 9001, 14001, 45001, 22000, 27001, 50001, 20000-1 and
  10012 (GB/T 19001-2016, 24001-2016, 45001-2020, 22000-2006, 22080-2016, 23331-2020, 24405.1-2009, 19022-2003);
  HACCP per GB/T 27341-2009. Newer editions exist for some (e.g. GB/T 22080-2025 was not checked); the table names
  the edition the issue asks for, and a certificate records its own standards.
* CCC: the compulsory implementation rules (CNCA-C series) per product category; compulsory is true only here.
* GREEN GB/T 33761-2017 《绿色产品评价通则》; ORGANIC GB/T 19630-2019 《有机产品 生产、加工、标识与管理体系要求》;
  GAP GB/T 20014 (the series); SERVICE GB/T 27922-2011 《商品售后服务评价体系》.
* LOWCARBON: 《低碳产品认证管理暂行办法》 (NDRC and CNCA, 2013); the document number is quoted from memory and was
  not confirmed in the session that wrote this table.
* BRAND: 上海品牌 certification, DB31/T 1048-2020 《"上海品牌"认证通用要求》 plus the group standard (团体标准) of
  each product or service (per CB pages, e.g. intertek.com.cn/service/SH-Brand).
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

__all__ = ["CATEGORIES", "CertType", "cert_type", "cert_types"]

CERT_TYPES_CSV = "cert_types.csv"
CATEGORIES = ("management", "product", "service")
_COLUMNS = ["code", "category", "name_zh", "name_en", "standard", "compulsory"]


@dataclass(frozen=True)
class CertType:
    """One certification type: its code, category (management | product | service), names, standard and
    whether it is compulsory (only CCC)."""

    code: str
    category: str
    name_zh: str
    name_en: str
    standard: str
    compulsory: bool


def _row(row: dict[str, str]) -> CertType:
    if row["category"] not in CATEGORIES or row["compulsory"] not in ("true", "false"):
        raise ValueError(f"{CERT_TYPES_CSV}: bad row {row}")
    return CertType(row["code"], row["category"], row["name_zh"], row["name_en"], row["standard"],
                    row["compulsory"] == "true")


@functools.cache
def cert_types() -> dict[str, CertType]:
    """All certification types by code, in the CSV's order. Read on first call, then cached (do not mutate).

    Raises ValueError when the CSV has other columns, a bad category or flag, or a duplicate code."""
    text = resources.files("zhiliang.certificates").joinpath("data", CERT_TYPES_CSV).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != _COLUMNS:
        raise ValueError(f"{CERT_TYPES_CSV}: expected columns {_COLUMNS}, got {reader.fieldnames}")
    types = [_row(r) for r in reader]
    table = {t.code: t for t in types}
    if len(table) != len(types):
        raise ValueError(f"{CERT_TYPES_CSV}: duplicate code")
    return table


def cert_type(code: str) -> CertType | None:
    """The certification type with ``code`` (exact, case-sensitive: ``EnMS``), or None."""
    return cert_types().get(code)
