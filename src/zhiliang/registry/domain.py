"""Registry rules: enterprise statuses, entity types, and validation of one imported row.

Pure: no I/O. The import service feeds rows through :func:`validate_row` and writes what comes out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

# 登记状态 as registration systems print it, mapped to our codes (GSXT prints several spellings of each).
STATUS_WORDS: dict[str, str] = {
    "存续": "active", "在业": "active", "开业": "active", "在营": "active", "在册": "active", "迁入": "active",
    "存续(在营、开业、在册)": "active", "吊销": "revoked", "吊销,未注销": "revoked", "吊销未注销": "revoked",
    "注销": "cancelled", "迁出": "moved_out", "停业": "suspended", "歇业": "suspended", "清算": "liquidating",
}
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "active": ("存续", "Active"), "revoked": ("吊销", "Licence revoked"), "cancelled": ("注销", "Deregistered"),
    "moved_out": ("迁出", "Moved out"), "suspended": ("停业", "Suspended"), "liquidating": ("清算", "Liquidating"),
}
ENTITY_TYPES: dict[str, tuple[str, str]] = {
    "enterprise": ("企业", "Enterprise"), "individual": ("个体工商户", "Individual business"),
    "cooperative": ("农民专业合作社", "Farmers' cooperative"), "other": ("其他组织", "Other organisation"),
}

# Import columns: our field → the headers accepted for it (Chinese first, English aliases). See docs/import.md.
COLUMNS: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码", "信用代码", "uscc"),
    "name": ("企业名称", "名称", "主体名称", "name"),
    "legal_rep": ("法定代表人", "负责人", "经营者", "legal_rep"),
    "address": ("住所", "地址", "经营场所", "address"),
    "industry_code": ("行业代码", "industry_code"),
    "registration_authority": ("登记机关", "registration_authority"),
    "established_date": ("成立日期", "成立时间", "established_date"),
    "status": ("登记状态", "经营状态", "status"),
    "registered_capital": ("注册资本", "注册资本(万元)", "registered_capital"),
    "division_code": ("行政区划代码", "区划代码", "division_code"),
    "former_names": ("曾用名", "former_names"),
    "licences": ("许可证", "行政许可", "licences"),
    "tags": ("标签", "监管标签", "tags"),
}
REQUIRED = ("uscc", "name", "status")
FIELD_LABELS = {field: headers[0] for field, headers in COLUMNS.items()}
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T\s].*)?")
_CAPITAL = re.compile(r"([-+]?\d+(?:\.\d+)?)\s*(?:万元|万人民币|万元人民币|万)?")


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    value: str
    code: str
    zh: str
    en: str
    severity: str = "error"


@dataclass(frozen=True)
class EnterpriseRecord:
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
    registered_capital: Decimal | None
    former_names: tuple[str, ...]
    # Licences held, each "kind code:number" (kind per data/licence_kinds.csv), and regulators' tags (重点监管,
    # 学校食堂 …); both sorted and distinct, so that equal sets compare equal.
    licences: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


def map_header(header: tuple[str, ...], columns: dict[str, tuple[str, ...]] = COLUMNS,
               required: tuple[str, ...] = REQUIRED) -> tuple[dict[str, int], list[str]]:
    """Column index of each known field (``columns``: field → accepted headers, the first one its label, matched
    without case or surrounding spaces), and the labels of ``required`` fields that are missing. Defaults: the
    enterprise import's columns; other imports (credit records) pass their own."""
    wanted = {alias.casefold(): field for field, aliases in columns.items() for alias in aliases}
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        field = wanted.get(title.strip().casefold())
        if field is not None and field not in found:
            found[field] = index
    return found, [columns[f][0] for f in required if f not in found]


def entity_type_of(code: str) -> str:
    """Entity type from USCC positions 1–2 (GB 32100-2015 annex: department 9 = 市场监管/工商, then 1/2/3)."""
    if code[:1] == "9":
        return {"1": "enterprise", "2": "individual", "3": "cooperative"}.get(code[1:2], "other")
    return "other"


def parse_date(text: str) -> date | None:
    """``2020-01-05``, ``2020/1/5``, ``2020.1.5``, ``2020年1月5日``, ``20200105``; None when unreadable."""
    match = _DATE.fullmatch(text)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
    return None


def parse_capital(text: str) -> Decimal | None:
    """Registered capital in 万元 from ``100``, ``100.5万元``, ``1,000万人民币``; None when unreadable."""
    match = _CAPITAL.fullmatch(text.replace(",", "").replace(",", ""))
    if not match:
        return None
    try:
        return Decimal(match[1])
    except InvalidOperation:
        return None
