"""Pure, deterministic generators of the demo city (重庆市), and a streaming CSV writer for big import files.

Each kind of record draws from its own ``random.Random`` seeded with ``"zhiliang-demo:<seed>:<kind>"``, so the
enterprises of a seed do not change when, say, the number of laboratories does. Same seed, same arguments →
identical records, in any process (string seeds are hashed with SHA-512 by :mod:`random`, not ``hash()``).
No I/O except :func:`write_enterprise_csv`, which writes the one file it is given.

CBs, labs, people and products live in :mod:`zhiliang.demo.orgs` and are re-exported here.
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from zhiliang.demo import trades, words
from zhiliang.demo.draw import CodeMaker, Weighted, numeral, person_name, rng_for, zipf
from zhiliang.demo.orgs import cbs, labs, people, products
from zhiliang.registry import refdata, uscc
from zhiliang.registry.domain import STATUS_LABELS, EnterpriseRecord, entity_type_of

__all__ = ["CSV_HEADER", "CsvStats", "Counts", "District", "cbs", "districts", "enterprises", "is_pilot", "labs",
           "people", "products", "rng_for", "write_enterprise_csv"]

CSV_HEADER = ("统一社会信用代码", "企业名称", "法定代表人", "住所", "行业代码", "登记机关", "成立日期", "登记状态",
              "注册资本")
EARLIEST = date(1995, 1, 1)
CSV_UNTIL = date(2025, 12, 1)  # fixed, so a CSV of a seed is byte-identical on every day it is written
PILOT_EVERY, PILOT_OFFSET = 500, 7  # rows 7, 507, 1007 … carry a pilot-period code (≈ 0.2 %)
FORMER_NAME_SHARE = 0.02
_KINDS = Weighted([("1", 76), ("2", 22), ("3", 2)])  # USCC 机构类别: company, 个体工商户, 农民专业合作社
_CAPITAL = Weighted([(3, 4), (5, 6), (10, 12), (20, 8), (30, 8), (50, 12), (100, 16), (200, 10), (300, 6), (500, 8),
                     (1000, 6), (2000, 3), (5000, 2)])
_BIG_CAPITAL = Weighted([(1000, 3), (2000, 3), (5000, 3), (10000, 2), (30000, 1)])
_SMALL_CAPITAL = Weighted([(1, 3), (2, 3), (3, 3), (5, 4), (10, 3), (20, 1)])
_MAX_BRAND_TRIES = 4


@dataclass(frozen=True)
class Counts:
    """How many of each kind a city of ``scale`` has (scale 1 → 20,000 enterprises)."""

    enterprises: int
    cbs: int
    labs: int
    inspectors: int
    experts: int
    auditors: int

    @classmethod
    def for_scale(cls, scale: float) -> Counts:
        """Every count times ``scale``, with at least a handful (5) of each kind besides enterprises.

        Raises ValueError unless ``scale`` > 0.
        """
        if not scale > 0:
            raise ValueError(f"scale must be positive, got {scale}")
        handful = [max(5, round(base * scale)) for base in (30, 50, 500, 50, 60)]
        return cls(max(1, round(20_000 * scale)), *handful)


@dataclass(frozen=True)
class District:
    code: str
    name: str
    weight: int


@cache
def districts() -> tuple[District, ...]:
    """The demo's 重庆市 districts from the bundled GB/T 2260 table, central ones weighted higher (≥ 10)."""
    table = refdata.divisions()
    found = tuple(District(code, table[code].name, weight) for code, weight in words.DISTRICTS if code in table)
    if len(found) < 10:
        raise RuntimeError(f"only {len(found)} demo districts in the bundled division table")
    return found


@cache
def _tables() -> dict[str, Weighted]:
    return {
        "district": Weighted([(d, d.weight) for d in districts()]),
        "brand": zipf(words.BRANDS),
        "1": Weighted([(t, t.weight) for t in trades.COMPANY_TRADES]),
        "2": Weighted([(t, t.weight) for t in trades.SHOP_TRADES]),
        "3": Weighted([(t, t.weight) for t in trades.COOP_TRADES]),
        "status": Weighted(list(words.STATUSES)),
        "street": zipf(words.STREETS, 0.6),
        "suffix": Weighted(list(words.STREET_SUFFIXES)),
        **{kind: Weighted(list(forms)) for kind, forms in trades.FORMS.items()},
    }


def is_pilot(i: int) -> bool:
    """Whether the i-th enterprise (0-based) gets a pilot-period code (uscc_warning ``uscc.org_code_check``)."""
    return i % PILOT_EVERY == PILOT_OFFSET


def enterprises(seed: int, n: int, until: date, *, unique_names: bool = True) -> Iterator[EnterpriseRecord]:
    """``n`` synthetic enterprises of 重庆市, streamed in a fixed order; deterministic for (seed, n-prefix, until).

    Invariants: USCCs are distinct and valid (GB 32100), with the embedded GB 11714 check failing exactly on
    the rows :func:`is_pilot` selects; names start with the district's name and, when ``unique_names``, are
    distinct (that set costs memory, so big CSV files turn it off); established dates lie in
    [1995-01-01, ``until``]. Changing ``until`` moves dates only: each draws one ``random()``.
    """
    rng, taken = rng_for(seed, "enterprises"), (set() if unique_names else None)
    codes = CodeMaker(rng)
    for i in range(n):
        yield _enterprise(rng, i, codes, until, taken)


def _enterprise(rng: random.Random, i: int, codes: CodeMaker, until: date, taken: set[str] | None) -> EnterpriseRecord:
    t = _tables()
    kind, district, rep = _KINDS.pick(rng), t["district"].pick(rng), person_name(rng)
    trade = t[kind].pick(rng)
    name, form = _name(rng, kind, district, trade, rep, taken)
    former = _former_names(rng, district, trade, form, name)
    code = codes.code(i, kind, district.code, pilot=is_pilot(i))
    return EnterpriseRecord(
        uscc=code, uscc_warning="uscc.org_code_check" if is_pilot(i) else None, name=name,
        entity_type=entity_type_of(code), legal_rep=rep, address=_address(rng, district),
        division_code=district.code, industry_code=(industry := rng.choice(trade.codes)),
        registration_authority=f"{district.name}市场监督管理局", established_date=_established(rng, until),
        status=t["status"].pick(rng), registered_capital=_capital(rng, kind, form), former_names=former,
        **_licences_and_tags(i, district.code, industry),
    )


# Licences by industry division (GB/T 4754): food manufacturing and drink → food production (SC), food retail and
# catering → food business (JY), drugs → drug production. Derived from the row, not drawn, so the other fields of
# every enterprise stay what they were before licences existed.
_LICENCE_BY_DIVISION = {"13": ("food_production", "SC"), "14": ("food_production", "SC"),
                        "15": ("food_production", "SC"), "52": ("food_business", "JY"),
                        "62": ("food_business", "JY"), "27": ("drug_production", "")}


def _licences_and_tags(i: int, division: str, industry: str) -> dict[str, tuple[str, ...]]:
    found = _LICENCE_BY_DIVISION.get(industry[:2])
    if found is None:
        return {}
    kind, prefix = found
    number = f"{prefix}1{division}{i:07d}" if prefix else f"渝{division}{i:07d}"
    tags = ("重点监管",) if i % 11 == 0 else ()
    if kind == "food_business" and i % 13 == 0:
        tags = tuple(sorted({*tags, "学校食堂"}))
    return {"licences": (f"{kind}:{number}",), "tags": tags}


def _name(rng: random.Random, kind: str, district: District, trade: trades.Trade, rep: str,
          taken: set[str] | None) -> tuple[str, str]:
    """(name, form). Collisions are resolved with other brands first, then 第N分公司 / 第N分店, never bare digits."""
    form = _tables()[trade.forms].pick(rng) if kind == "1" else ("专业合作社" if kind == "3" else "")
    for _ in range(_MAX_BRAND_TRIES):
        name = district.name + _prefix(rng, kind, rep) + trade.word + form
        if taken is None or name not in taken:
            break
    else:
        name = _branch(name, "分店" if kind == "2" else "分公司", taken)
    if taken is not None:
        taken.add(name)
    return name, form


def _branch(name: str, word: str, taken: set[str]) -> str:
    for k in range(2, 100):
        candidate = f"{name}第{numeral(k)}{word}"
        if candidate not in taken:
            return candidate
    raise RuntimeError(f"more than 99 branches of {name}")


def _prefix(rng: random.Random, kind: str, rep: str) -> str:
    """字号: a brand word, or for a 个体工商户 often the operator's surname (张记, 老张, 张氏) or full name."""
    if kind == "2":
        style = rng.random()
        if style < 0.3:
            return rep[0] + "记"
        if style < 0.45:
            return "老" + rep[0]
        if style < 0.55:
            return rep[0] + "氏"
        if style < 0.7:
            return rep
    return _tables()["brand"].pick(rng)


def _former_names(rng: random.Random, district: District, trade: trades.Trade, form: str,
                  name: str) -> tuple[str, ...]:
    """曾用名 for about 2 % of entities: the same trade under another brand."""
    if rng.random() >= FORMER_NAME_SHARE:
        return ()
    former = district.name + _tables()["brand"].pick(rng) + trade.word + form
    return (former,) if former != name else ()


def _address(rng: random.Random, district: District) -> str:
    t = _tables()
    street = t["street"].pick(rng) + t["suffix"].pick(rng)
    number = int(rng.random() ** 2 * 300) + 1
    room = f"{rng.randrange(1, 30)}-{rng.randrange(1, 12)}" if rng.random() < 0.4 else ""
    return f"重庆市{district.name}{street}{number}号{room}"


def _established(rng: random.Random, until: date) -> date:
    # Skewed towards recent years, as registrations grew; one random() whatever the span (see enterprises()).
    span = max(0, (until - EARLIEST).days)
    return until - timedelta(days=int((1 - rng.random() ** 0.6) * span))


def _capital(rng: random.Random, kind: str, form: str) -> Decimal | None:
    """Registered capital in 万元: companies by form; a 个体工商户 declares a small amount, or none."""
    if kind == "2":
        return None if rng.random() < 0.5 else Decimal(_SMALL_CAPITAL.pick(rng))
    if kind == "3":
        return Decimal(rng.choice((50, 100, 200, 300, 500)))
    if form == "股份有限公司":
        return Decimal(_BIG_CAPITAL.pick(rng))
    if form in ("厂", "经营部", "商行"):
        return Decimal(_SMALL_CAPITAL.pick(rng) * 10)
    return Decimal(_CAPITAL.pick(rng))


@dataclass(frozen=True)
class CsvStats:
    """What :func:`write_enterprise_csv` wrote: data rows, rows made invalid, rows with a pilot-period code."""

    rows: int
    bad: int
    pilot: int


def write_enterprise_csv(path: Path | str, n: int, seed: int, encoding: str = "utf-8", bad_every: int = 0, *,
                         until: date = CSV_UNTIL) -> CsvStats:
    """Stream ``n`` synthetic enterprises to a CSV with the Chinese import headers; constant memory.

    With ``bad_every`` = k > 0, rows k, 2k, 3k … (1-based) are made invalid, cycling through: wrong GB 32100
    check character, missing 企业名称, 成立日期 in the future, unknown 登记状态 — each rejected by the import.
    Names are not deduplicated (USCCs are unique). Pilot rows import with a warning, not a rejection.
    Cost: about 10 µs a row.
    """
    bad = pilot = 0
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_HEADER)
        for i, record in enumerate(enterprises(seed, n, until, unique_names=False)):
            cells = _cells(record)
            if bad_every > 0 and (i + 1) % bad_every == 0:
                _spoil(cells, (i + 1) // bad_every - 1)
                bad += 1
            pilot += is_pilot(i)
            writer.writerow(cells)
    return CsvStats(n, bad, pilot)


def _cells(r: EnterpriseRecord) -> list[str]:
    capital = "" if r.registered_capital is None else format(r.registered_capital.normalize(), "f")
    return [r.uscc, r.name, r.legal_rep or "", r.address or "", r.industry_code or "", r.registration_authority or "",
            r.established_date.isoformat() if r.established_date else "", STATUS_LABELS[r.status][0], capital]


def _spoil(cells: list[str], variant: int) -> None:
    kind = variant % 4
    if kind == 0:
        code = cells[0]
        cells[0] = code[:17] + next(c for c in uscc.ALPHABET if c != code[17])
    elif kind == 1:
        cells[1] = ""
    elif kind == 2:
        cells[6] = "2099-01-01"
    else:
        cells[7] = "营业中"


def unit(*parts: object) -> float:
    """A uniform number in [0, 1) from SHA-256 of the parts joined by ":": deterministic picks that are stable
    across processes and databases (the demo's shares of penalties, risk classes, sample verdicts …)."""
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big") / 2**64
