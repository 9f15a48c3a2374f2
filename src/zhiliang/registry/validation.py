"""Validation of one enterprise row from an import file (pure; every problem located by row and column)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from zhiliang.registry import refdata, uscc
from zhiliang.registry.domain import (
    FIELD_LABELS,
    STATUS_LABELS,
    STATUS_WORDS,
    EnterpriseRecord,
    RowProblem,
    entity_type_of,
    parse_capital,
    parse_date,
)

MAX_LEN = {"name": 200, "legal_rep": 100, "address": 300, "registration_authority": 100}
TAG_MAX_LEN = 20
LICENCE_NUMBER_MAX_LEN = 40
_LIST_SEPARATORS = str.maketrans({";": ";", "；": ";", "、": ";", ",": ";", "，": ";", "\n": ";"})


class _Row:
    """Collects the problems of one row while its fields are read."""

    def __init__(self, number: int, cells: Sequence[str], columns: dict[str, int]) -> None:
        self.number, self.cells, self.columns = number, cells, columns
        self.problems: list[RowProblem] = []

    def get(self, field: str) -> str:
        index = self.columns.get(field)
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index].strip()

    def fail(self, field: str, value: str, code: str, zh: str, en: str, severity: str = "error") -> None:
        self.problems.append(RowProblem(self.number, FIELD_LABELS[field], value, code, zh, en, severity))

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def validate_row(number: int, cells: Sequence[str], columns: dict[str, int], today: date) -> tuple[
    EnterpriseRecord | None, list[RowProblem]
]:
    """The record for a row and its problems; the record is None when any problem is an error.

    Rules: USCC per GB 32100-2015 (a failing embedded GB 11714 check is a warning, stored with the row);
    name and 登记状态 required; dates not in the future; division and industry codes from the GB/T 2260 and
    GB/T 4754-2017 tables; values within column lengths. Values are kept as given (no HTML escaping here:
    pages escape on output).
    """
    row = _Row(number, cells, columns)
    code, warning = _uscc(row)
    name = _text(row, "name", required=True)
    status = _status(row)
    record_fields = dict(
        legal_rep=_text(row, "legal_rep"), address=_text(row, "address"),
        registration_authority=_text(row, "registration_authority"),
        established_date=_date(row, today), registered_capital=_capital(row),
        industry_code=_industry(row), division_code=_division(row, code),
        former_names=_former_names(row), licences=_licences(row), tags=_tags(row),
    )
    if not row.ok:
        return None, row.problems
    record = EnterpriseRecord(uscc=code, uscc_warning=warning, name=name or "", status=status or "",
                              entity_type=entity_type_of(code), **record_fields)
    return record, row.problems


def _uscc(row: _Row) -> tuple[str, str | None]:
    raw = row.get("uscc")
    if not raw:
        row.fail("uscc", raw, "uscc.missing", "统一社会信用代码不能为空", "USCC is required")
        return "", None
    result = uscc.check(raw)
    for problem in result.errors:
        row.fail("uscc", raw, problem.code, problem.zh, problem.en)
    for problem in result.warnings:
        row.fail("uscc", raw, problem.code, problem.zh, problem.en, "warning")
    return result.code, result.warnings[0].code if result.warnings else None


def _text(row: _Row, field: str, required: bool = False) -> str | None:
    value = row.get(field)
    if not value:
        if required:
            row.fail(field, value, f"{field}.missing", f"{FIELD_LABELS[field]}不能为空",
                     f"{field} ({FIELD_LABELS[field]}) is required")
        return None
    limit = MAX_LEN[field]
    if len(value) > limit:
        row.fail(field, value[:50] + "…", f"{field}.too_long", f"超过 {limit} 个字符",
                 f"longer than {limit} characters")
    return value


def _items(value: str) -> list[str]:
    """The items of a list cell: separated by ; ; 、 , , or line breaks, trimmed, empty ones dropped."""
    return [item.strip() for item in value.translate(_LIST_SEPARATORS).split(";") if item.strip()]


def _licences(row: _Row) -> tuple[str, ...]:
    """许可证: items "kind:number" (kind as code or Chinese name, e.g. 食品生产许可证:SC10631011500123). An unknown
    kind or a missing number is an error; a number off its kind's national format is a warning (kept)."""
    value, found = row.get("licences"), set()
    for item in _items(value):
        kind_word, sep, number = item.replace(":", ":").partition(":")
        kind = refdata.licence_kind(kind_word)
        number = number.strip().upper()
        if kind is None:
            known = "、".join(k.name_zh for k in refdata.licence_kinds().values())
            row.fail("licences", item, "licences.kind", f"未知的许可证种类“{kind_word.strip()}”(可用:{known})",
                     f"unknown licence kind {kind_word.strip()!r} (known: {', '.join(refdata.licence_kinds())})")
            continue
        if not sep or not number:
            row.fail("licences", item, "licences.number", "许可证须写作“种类:编号”", 'write a licence as "kind:number"')
            continue
        if len(number) > LICENCE_NUMBER_MAX_LEN:
            row.fail("licences", item, "licences.too_long", f"许可证编号超过 {LICENCE_NUMBER_MAX_LEN} 个字符",
                     f"a licence number is longer than {LICENCE_NUMBER_MAX_LEN} characters")
            continue
        if kind.number_pattern and not re.fullmatch(kind.number_pattern, number):
            row.fail("licences", item, "licences.number_format", f"{kind.name_zh}编号格式不符({kind.basis})",
                     f"{kind.name_en} number does not follow the national format {kind.number_pattern}", "warning")
        found.add(f"{kind.code}:{number}")
    return tuple(sorted(found))


def _tags(row: _Row) -> tuple[str, ...]:
    """标签: regulators' tags, each at most ``TAG_MAX_LEN`` characters."""
    value = row.get("tags")
    found = set(_items(value))
    for tag in sorted(found):
        if len(tag) > TAG_MAX_LEN:
            row.fail("tags", tag[:30] + "…", "tags.too_long", f"标签超过 {TAG_MAX_LEN} 个字符",
                     f"a tag is longer than {TAG_MAX_LEN} characters")
    return tuple(sorted(found))


def _former_names(row: _Row) -> tuple[str, ...]:
    value = row.get("former_names")
    found = tuple(dict.fromkeys(n.strip() for n in value.replace(";", ";").split(";") if n.strip()))
    if any(len(n) > MAX_LEN["name"] for n in found):
        row.fail("former_names", value[:50] + "…", "former_names.too_long", f"曾用名超过 {MAX_LEN['name']} 个字符",
                 f"a former name is longer than {MAX_LEN['name']} characters")
    return found


def _status(row: _Row) -> str | None:
    value = row.get("status")
    if value in STATUS_LABELS:
        return value
    status = STATUS_WORDS.get(value.replace("(", "(").replace(")", ")").replace(",", ","))
    if status is None:
        known = "、".join(sorted({w for w in STATUS_WORDS if len(w) <= 4}))
        row.fail("status", value, "status.unknown", f"无法识别的登记状态,可用:{known}",
                 f"unknown registration status; use one of: {known}")
    return status


def _date(row: _Row, today: date) -> date | None:
    value = row.get("established_date")
    if not value:
        return None
    parsed = parse_date(value)
    if parsed is None:
        row.fail("established_date", value, "date.invalid", "日期无法识别,请用 YYYY-MM-DD",
                 "unreadable date; use YYYY-MM-DD")
    elif parsed > today or parsed.year < 1900:
        row.fail("established_date", value, "date.range", "成立日期不能晚于今天或早于 1900 年",
                 "establishment date cannot be in the future or before 1900")
        return None
    return parsed


def _capital(row: _Row) -> Decimal | None:
    value = row.get("registered_capital")
    if not value:
        return None
    amount = parse_capital(value)
    # At most 4 decimals and below 10^10 万元: what Numeric(18, 4) holds exactly, and what SQLite's REAL storage
    # gives back unchanged (15 significant digits), so a re-import compares equal on both databases.
    if amount is None or amount < 0 or amount >= 10**10 or amount != amount.quantize(Decimal("0.0001")):
        row.fail("registered_capital", value, "capital.invalid",
                 "注册资本应为非负数(单位:万元),最多 4 位小数,小于 100 亿万元",
                 "registered capital must be a non-negative number in 10,000 CNY, at most 4 decimals, below 10^10")
        return None
    return amount


def _industry(row: _Row) -> str | None:
    value = row.get("industry_code").upper()
    if not value:
        return None
    if refdata.industry(value) is None:
        row.fail("industry_code", value, "industry.unknown", "行业代码不在 GB/T 4754-2017 中",
                 "industry code not in GB/T 4754-2017")
        return None
    return value.lstrip("ABCDEFGHIJKLMNOPQRST") or value


def _division(row: _Row, code: str) -> str | None:
    value = row.get("division_code")
    given = bool(value)
    if not given and len(code) == 18:
        value = code[2:8]
    if not value:
        return None
    if refdata.division(value) is not None:
        return value
    province_known = len(value) == 6 and value.isdigit() and refdata.division(value[:2] + "0000") is not None
    if province_known and not given:
        return value
    if province_known:
        row.fail("division_code", value, "division.unlisted", "区划代码不在内置代码表中(可能已撤并),已按原样保存",
                 "division code not in the bundled table (perhaps abolished); stored as given", "warning")
        return value
    if given:
        row.fail("division_code", value, "division.unknown", "行政区划代码无效(GB/T 2260)",
                 "invalid administrative division code (GB/T 2260)")
    return None
