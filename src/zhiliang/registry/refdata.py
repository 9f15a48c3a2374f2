"""Reference code tables: administrative divisions (GB/T 2260) and industries (GB/T 4754-2017).

Both tables ship as CSV package data in ``zhiliang/registry/data/`` (columns ``code,name,level,parent_code``;
see the README there for where each came from). They are read once, on first use, and cached; nothing is
read or downloaded at import time, and nothing here touches the network or the database.

Administrative divisions — GB/T 2260《中华人民共和国行政区划代码》, six-digit codes:

* level 1 — provincial level (省级): ``XX0000``. All 34, including 台湾省 710000, 香港 810000, 澳门 820000.
* level 2 — prefectural level (地级): ``XXXX00``, parent is the province.
* level 3 — county level (县级): ``XXXXXX`` (last two digits not ``00``).
  Its parent is the prefecture, except where GB/T 2260 only has a pseudo-level:
  the districts and counties of the four municipalities (``110100``/``500100``/``500200`` 市辖区/县 …) and the
  province-administered county-level units (``419000``/``429000``/``469000``/``659000``
  省/自治区直辖县级行政区划). Those pseudo-levels are not stored: such a county-level unit hangs directly
  under its province (e.g. 500106 沙坪坝区 → 500000 重庆市, 429004 仙桃市 → 420000 湖北省).
* A few prefecture-level cities have no county-level subdivisions (441900 东莞市, 442000 中山市, 460400 儋州市,
  620200 嘉峪关市): they are level 2 with no children.

Retired codes (e.g. 500105 江北区 and 500112 渝北区, merged into 500157 两江新区 in 2025) are not in the table.

Industries — GB/T 4754-2017《国民经济行业分类》:

* level 1 — section (门类), a letter ``A``–``T`` (20).
* level 2 — division (大类), two digits ``01``–``97`` (97), parent is its section (e.g. ``14`` 食品制造业 → ``C``).
* Groups (中类, 3 digits) and classes (小类, 4 digits) are not in the table; :func:`industry` maps them to their
  division (see there).
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

__all__ = [
    "Code",
    "children",
    "division",
    "division_path",
    "divisions",
    "industries",
    "industry",
    "is_county_level",
    "licence_kind",
    "licence_kinds",
]

DIVISIONS_CSV = "divisions.csv"
INDUSTRIES_CSV = "industries.csv"
_COLUMNS = ["code", "name", "level", "parent_code"]

DIVISION_PROVINCE = 1
DIVISION_PREFECTURE = 2
DIVISION_COUNTY = 3

INDUSTRY_SECTION = 1
INDUSTRY_DIVISION = 2


@dataclass(frozen=True)
class Code:
    """One entry of a code table.

    ``code`` is the code as the standard writes it (``"500106"``, ``"C"``, ``"14"``); ``level`` counts from 1 at the
    top of the table; ``parent_code`` is ``None`` for the top level and otherwise the code of an entry in the same
    table.
    """

    code: str
    name: str
    level: int
    parent_code: str | None


def _load(filename: str) -> dict[str, Code]:
    text = resources.files("zhiliang.registry").joinpath("data").joinpath(filename).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != _COLUMNS:
        raise ValueError(f"{filename}: expected columns {_COLUMNS}, got {reader.fieldnames}")
    table: dict[str, Code] = {}
    for row in reader:
        code = row["code"].strip()
        if code in table:
            raise ValueError(f"{filename}: duplicate code {code!r}")
        table[code] = Code(
            code=code,
            name=row["name"].strip(),
            level=int(row["level"]),
            parent_code=row["parent_code"].strip() or None,
        )
    return table


@functools.cache
def divisions() -> dict[str, Code]:
    """All GB/T 2260 administrative divisions, keyed by six-digit code, in code order.

    Loaded once from the packaged CSV and cached: treat the returned dict as read-only.
    """
    return _load(DIVISIONS_CSV)


@functools.cache
def industries() -> dict[str, Code]:
    """GB/T 4754-2017 sections (门类, ``A``–``T``) and divisions (大类, ``01``–``97``), keyed by code.

    Loaded once from the packaged CSV and cached: treat the returned dict as read-only.
    """
    return _load(INDUSTRIES_CSV)


def _clean(code: object) -> str:
    return code.strip() if isinstance(code, str) else ""


def division(code: str) -> Code | None:
    """The GB/T 2260 division with this six-digit code (surrounding spaces ignored), or ``None`` if unknown."""
    return divisions().get(_clean(code))


def division_path(code: str) -> list[Code]:
    """The chain from the province down to ``code`` itself, e.g. 340705 → [安徽省, 铜陵市, 铜官区].

    Municipalities and province-administered county-level units have two entries (province, county), since
    GB/T 2260's pseudo-levels are not stored. An unknown code gives ``[]``.
    """
    table = divisions()
    path: list[Code] = []
    current = table.get(_clean(code))
    while current is not None:
        path.append(current)
        current = table.get(current.parent_code) if current.parent_code else None
    path.reverse()
    return path


def children(code: str) -> list[Code]:
    """The divisions directly under ``code``, in code order; ``[]`` for a county-level or unknown code."""
    parent = _clean(code)
    if not parent:
        return []
    return [entry for entry in divisions().values() if entry.parent_code == parent]


def is_county_level(code: str) -> bool:
    """Whether ``code`` is a known county-level (县级, level 3) division: 区, 县, 县级市, 旗, 林区 ….

    Prefecture-level cities without counties (441900 东莞市 …) are level 2, so ``False``.
    """
    entry = division(code)
    return entry is not None and entry.level == DIVISION_COUNTY


def industry(code: str) -> Code | None:
    """The GB/T 4754-2017 entry for an industry code, or ``None``.

    Accepted forms (surrounding spaces ignored, letters in either case):

    * a section letter ``"C"`` → that section (门类);
    * a two-digit division ``"14"`` → that division (大类);
    * a three-digit group ``"141"`` or four-digit class ``"1411"`` → the group/class itself if the table has it
      (it currently holds only sections and divisions), otherwise the **division** named by its first two digits
      (``"1411"`` → ``14`` 食品制造业), provided that division exists;
    * any of the digit forms prefixed with its section letter (``"C14"``, ``"C1411"``, as in business-licence
      data); the letter must be the division's own section, else ``None``.

    Anything else — unknown division, wrong section letter, other lengths, non-digits — gives ``None``.
    """
    text = _clean(code).upper()
    table = industries()
    if len(text) == 1:
        entry = table.get(text)
        return entry if entry is not None and entry.level == INDUSTRY_SECTION else None
    section = None
    if text[:1].isalpha():
        section, text = text[:1], text[1:]
    if len(text) not in (2, 3, 4) or not (text.isascii() and text.isdigit()):
        return None
    entry = table.get(text)
    if entry is None:
        entry = table.get(text[:2])
    if entry is None or entry.level == INDUSTRY_SECTION:
        return None
    if section is not None and _section_of(entry) != section:
        return None
    return entry


def _section_of(entry: Code) -> str | None:
    table = industries()
    current: Code | None = entry
    while current is not None and current.level != INDUSTRY_SECTION:
        current = table.get(current.parent_code) if current.parent_code else None
    return current.code if current is not None else None


LICENCE_KINDS_CSV = "licence_kinds.csv"


@dataclass(frozen=True)
class LicenceKind:
    """A kind of administrative licence (行政许可) an entity may hold; ``number_pattern`` is None where the
    number has no national format."""

    code: str
    name_zh: str
    name_en: str
    number_pattern: str | None
    basis: str


@functools.cache
def licence_kinds() -> dict[str, LicenceKind]:
    """The licence kinds of ``data/licence_kinds.csv``, keyed by code, in file order."""
    text = resources.files("zhiliang.registry").joinpath("data").joinpath(LICENCE_KINDS_CSV).read_text(
        encoding="utf-8")
    kinds: dict[str, LicenceKind] = {}
    for row in csv.DictReader(io.StringIO(text)):
        kinds[row["code"]] = LicenceKind(row["code"], row["name_zh"], row["name_en"], row["number_pattern"] or None,
                                         row["basis"])
    return kinds


def licence_kind(word: str) -> LicenceKind | None:
    """The licence kind named by ``word``: its code, or its Chinese name with or without 证 (食品生产许可)."""
    word = _clean(word)
    kinds = licence_kinds()
    if word in kinds:
        return kinds[word]
    return next((k for k in kinds.values() if word in (k.name_zh, k.name_zh.removesuffix("证"))), None)
