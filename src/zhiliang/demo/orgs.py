"""Pure generators of the demo's certification bodies, laboratories, people and products.

Records are plain dicts whose keys are the registry tables' columns (minus ``id`` and ``created_at``), so the
loader can insert them as they are; auditors carry ``cb_cnca`` (their CB's approval number) in place of
``cb_id``, which only exists once the CBs are stored. Deterministic for a seed, as in :mod:`generate`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import cache
from typing import Any

from zhiliang.demo import trades, words
from zhiliang.demo.draw import Weighted, id_number, person_name, phone, rng_for
from zhiliang.registry import names, refdata, uscc
from zhiliang.registry.domain import EnterpriseRecord

Row = dict[str, Any]
CNCA_YEARS = range(2002, 2025)
CMA_YEARS = range(2015, 2025)
PRODUCT_COUNTS = (0, 1, 1, 2, 2, 2, 3, 3, 4)  # mean 2 per manufacturing enterprise
FORMER_CODES = {"500157": ("500105", "500112")}
STATUS_EVERY = 12  # about one CB or lab in twelve is suspended


def _division_picker() -> Weighted[str]:
    return Weighted([(code, weight) for code, weight in words.DISTRICTS if refdata.division(code)])


def _combos(rng: random.Random, heads: Sequence[str], tails: Sequence[str], n: int) -> list[tuple[str, str]]:
    """``n`` distinct (head, tail) pairs in random order; raises ValueError when there are fewer than ``n``."""
    picks = rng.sample(range(len(heads) * len(tails)), n)
    return [(heads[k // len(tails)], tails[k % len(tails)]) for k in picks]


def cbs(seed: int, n: int) -> list[Row]:
    """``n`` certification bodies with distinct invented names and distinct ``CNCA-R-YYYY-NNN`` numbers.

    Names are unique for n up to about 1,800 (ValueError beyond); CNCA numbers for up to 22,977.

    Keys: cnca_number, name, uscc (valid), division_code, approved_types (2–7 codes of ``CB_TYPES``, in that
    list's order, QMS nearly always), status (``active``, one in twelve ``suspended``).
    """
    rng = rng_for(seed, "cbs")
    where = Weighted(list(words.CB_DIVISIONS))
    numbers = rng.sample(range(len(CNCA_YEARS) * 999), n)
    heads = words.CB_WORDS
    if n > len(heads) * len(words.CB_FORMS):
        heads += tuple(b for b in words.BRANDS if b not in words.CB_WORDS)
    rows = []
    for i, ((head, form), k) in enumerate(zip(_combos(rng, heads, words.CB_FORMS, n), numbers, strict=True)):
        division = where.pick(rng)
        local = "重庆" if division.startswith("50") and rng.random() < 0.5 else ""
        wanted = set(rng.sample(words.CB_TYPES, rng.randint(2, 7))) | ({"QMS"} if rng.random() < 0.9 else set())
        rows.append({
            "cnca_number": f"CNCA-R-{CNCA_YEARS[k // 999]}-{k % 999 + 1:03d}", "name": local + head + form,
            "uscc": uscc.random_uscc(rng, division), "division_code": division,
            "approved_types": [t for t in words.CB_TYPES if t in wanted],
            "status": "suspended" if i % STATUS_EVERY == STATUS_EVERY - 1 else "active",
        })
    return rows


def labs(seed: int, n: int) -> list[Row]:
    """``n`` laboratories (重庆市XX检验检测有限公司 …) with distinct 12-digit CMA numbers (year + 8 digits).

    Names are unique for n up to about 1,600 (ValueError beyond).

    Keys: cma_number, name, uscc (valid), division_code, scope (3–8 test items), status.
    """
    rng = rng_for(seed, "labs")
    where = _division_picker()
    numbers = rng.sample(range(len(CMA_YEARS) * 10**8), n)
    rows = []
    for i, ((brand, form), k) in enumerate(zip(_combos(rng, words.BRANDS, words.LAB_FORMS, n), numbers, strict=True)):
        division = where.pick(rng)
        rows.append({
            "cma_number": f"{CMA_YEARS[k // 10**8]}{k % 10**8:08d}",
            "name": ("重庆市" if rng.random() < 0.6 else "重庆") + brand + form,
            "uscc": uscc.random_uscc(rng, division), "division_code": division,
            "scope": rng.sample(words.TEST_ITEMS, rng.randint(3, 8)),
            "status": "suspended" if i % STATUS_EVERY == STATUS_EVERY - 1 else "active",
        })
    return rows


def people(seed: int, inspectors: int, experts: int, auditors: int, cb_rows: Sequence[Row]) -> list[Row]:
    """Inspectors, then experts, then CB auditors; all synthetic (names, phones, ID numbers).

    Inspectors: distinct enforcement certificate numbers ``50`` + 6 digits, a department, jurisdiction 500000
    (one in five) or a demo district, 1–3 skills. Experts: affiliation to an invented institute. Auditors:
    ``cb_cnca`` of one of ``cb_rows`` (required non-empty when ``auditors`` > 0). ID numbers are distinct.
    """
    rng, seen = rng_for(seed, "people"), set()
    where = _division_picker()
    cert_numbers = rng.sample(range(10**6), inspectors)
    rows = [_inspector(rng, where, f"50{k:06d}", seen) for k in cert_numbers]
    rows += [_expert(rng, where, seen) for _ in range(experts)]
    rows += [_auditor(rng, where, cb_rows[i % len(cb_rows)], seen) for i in range(auditors)]
    return rows


def _person(rng: random.Random, kind: str, district: str, seen: set[str]) -> Row:
    # An ID number keeps the code of the place of first registration: 两江新区 (2025) residents hold the codes
    # of the former 江北区 500105 and 渝北区 500112.
    region = rng.choice(FORMER_CODES[district]) if district in FORMER_CODES else district
    number = id_number(rng, region)
    while number in seen:
        number = id_number(rng, region)
    seen.add(number)
    return {"kind": kind, "name": person_name(rng), "enforcement_cert_no": None, "department": None,
            "jurisdiction": None, "skills": [], "affiliation": None, "cb_cnca": None, "phone": phone(rng),
            "id_number": number, "active": rng.random() > 0.03}


def _inspector(rng: random.Random, where: Weighted[str], cert_no: str, seen: set[str]) -> Row:
    district = where.pick(rng)
    at_city = rng.random() < 0.2
    departments = [d for d in words.DEPARTMENTS if at_city or d not in words.CITY_ONLY_DEPARTMENTS]
    row = _person(rng, "inspector", district, seen)
    row.update(enforcement_cert_no=cert_no, department=rng.choice(departments),
               jurisdiction=words.CITY if at_city else district,
               skills=rng.sample(words.SKILLS, rng.randint(1, 3)),
               affiliation=words.CITY_BUREAU if at_city else f"{refdata.division(district).name}市场监督管理局")
    return row


def _expert(rng: random.Random, where: Weighted[str], seen: set[str]) -> Row:
    row = _person(rng, "expert", where.pick(rng), seen)
    row.update(jurisdiction=words.CITY, skills=rng.sample(words.EXPERT_SKILLS, rng.randint(1, 3)),
               affiliation="重庆" + rng.choice(words.BRANDS) + rng.choice(words.EXPERT_FORMS))
    return row


def _auditor(rng: random.Random, where: Weighted[str], cb: Row, seen: set[str]) -> Row:
    row = _person(rng, "auditor", where.pick(rng), seen)
    types = cb["approved_types"]
    row.update(skills=rng.sample(types, min(len(types), rng.randint(1, 3))), affiliation=cb["name"],
               cb_cnca=cb["cnca_number"])
    return row


@cache
def _trade_of_code() -> dict[str, str]:
    table: dict[str, str] = {}
    for trade in trades.COMPANY_TRADES:
        if trade.word in trades.PRODUCTS:
            for code in trade.codes:
                table.setdefault(code, trade.word)
    return table


def products(seed: int, record: EnterpriseRecord) -> list[Row]:
    """The products of one enterprise: 0–4 (mean 2) for a manufacturing company, none for anyone else.

    Keys: name, brand (the enterprise's 字号), model, category, standard. Depends only on the seed and the
    record's USCC, name and industry code, so batches can be generated in any order.
    """
    word = _trade_of_code().get(record.industry_code or "")
    if word is None or record.entity_type != "enterprise":
        return []
    rng = rng_for(seed, f"products:{record.uscc}")
    district = refdata.division(record.division_code or "")
    brand = record.name.removeprefix(district.name if district else "")[:2]
    templates = trades.PRODUCTS[word]
    count = rng.choice(PRODUCT_COUNTS)
    chosen = rng.sample(templates, min(count, len(templates)))
    chosen += [rng.choice(templates) for _ in range(count - len(chosen))]
    letters = (names.initials(brand).upper() + "XX")[:2]
    return [{"name": name, "brand": brand, "model": _model(rng, letters), "category": category, "standard": standard}
            for name, category, standard in chosen]


def _model(rng: random.Random, letters: str) -> str:
    return f"{letters}-{rng.randrange(100, 9999)}{rng.choice(('', 'A', 'B', 'S'))}"
