"""Credit rules (信用监管), pure: the scoring model, the explanation of a class, and the periods of the serious-
violation list and of credit repair. No I/O, no clock: today's date is an argument.

The scoring model is data, read from a versioned TOML file (``data/credit_model.toml`` by default; see the comments
there): a baseline, indicators with points and half-lives, and class bounds. :func:`score` explains one enterprise;
:func:`score_sql` states the same model as SQL, so the database scores millions at once (tests hold them together).
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["Contribution", "CreditModel", "Explanation", "Indicator", "ModelError", "RecordFacts", "classify",
           "early_removal_problems", "listing_allowed", "load_model", "money", "penalty_repair_date", "score",
           "score_params", "score_sql", "serious_list_end"]


def money(amount: Decimal) -> str:
    """A fine as events and the audit carry it: yuan with two decimals, as the column stores it."""
    return format(Decimal(amount).quantize(Decimal("0.01")), "f")


class ModelError(ValueError):
    """The model file is unusable; the message names the key and says why, in Chinese and English."""


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    points: float
    heavier_points: float = 0.0
    half_life_days: float | None = None  # None: no decay
    while_active: bool = False  # counts, undecayed, until the record ends (a listing until its removal)
    max_count: int | None = None  # at most this many records count (only with while_active)


@dataclass(frozen=True)
class RiskClass:
    code: str
    name_zh: str
    name_en: str
    below: float | None  # None for the last class


@dataclass(frozen=True)
class CreditModel:
    version: str
    name_zh: str
    name_en: str
    basis: str
    baseline: float
    window_days: int
    classes: tuple[RiskClass, ...]
    indicators: dict[str, Indicator]

    def bounds(self) -> list[float]:
        return [c.below for c in self.classes[:-1]]  # type: ignore[misc]


def load_model(path: Path) -> CreditModel:
    """Read and check a model file. Raises :class:`ModelError` naming the file and key."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ModelError(f"信用模型文件无法读取 / cannot read credit model {path}: {error}") from None
    return parse_model(doc, str(path))


@functools.cache
def _load_cached(path: str, stamp: float) -> CreditModel:
    return load_model(Path(path))


def configured_model(configured: Path | None, packaged: str) -> CreditModel:
    """The model file configured, else the one shipped as ``zhiliang/credit/data/<packaged>``; read once and again
    only when the file changes (its modification time is part of the cache key)."""
    path = configured or Path(str(resources.files("zhiliang.credit") / "data" / packaged))
    return _load_cached(str(path), path.stat().st_mtime if path.exists() else 0.0)


def parse_model(doc: dict[str, Any], where: str = "model") -> CreditModel:
    """The model of a parsed TOML document; every rule of the file's comments is checked here."""
    def fail(key: str, zh: str, en: str) -> ModelError:
        return ModelError(f"{where}: {key}: {zh} / {en}")

    for key in ("version", "baseline", "classes", "indicators"):
        if key not in doc:
            raise fail(key, "缺少此项", "missing")
    classes = []
    for n, raw in enumerate(doc["classes"]):
        last = n == len(doc["classes"]) - 1
        below = raw.get("below")
        if (below is None) != last:
            raise fail(f"classes[{n}].below", "除最后一级外每级须有上界,最后一级不得有",
                       "every class but the last needs a bound, and the last has none")
        classes.append(RiskClass(str(raw["code"]), str(raw.get("name_zh", raw["code"])),
                                 str(raw.get("name_en", raw["code"])), None if below is None else float(below)))
    bounds = [c.below for c in classes[:-1]]
    if len(classes) < 2 or any(b2 <= b1 for b1, b2 in zip(bounds, bounds[1:], strict=False)):  # type: ignore[operator]
        raise fail("classes", "至少两级,且上界须严格递增", "at least two classes, with strictly increasing bounds")
    indicators: dict[str, Indicator] = {}
    for n, raw in enumerate(doc["indicators"]):
        code = str(raw.get("code", ""))
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", code) or code in indicators:
            raise fail(f"indicators[{n}].code", "指标代码须为小写字母、数字和下划线(40 字符内),且不得重复",
                       "an indicator code is lower-case letters, digits and _ (at most 40), and unique")
        half = raw.get("half_life_days")
        if half is not None and float(half) <= 0:
            raise fail(f"indicators[{n}].half_life_days", "半衰期须为正数", "half-life must be positive")
        max_count = raw.get("max_count")
        if max_count is not None and (not raw.get("while_active") or int(max_count) < 1):
            raise fail(f"indicators[{n}].max_count", "仅可用于 while_active 指标,且至少为 1",
                       "only for while_active indicators, and at least 1")
        indicators[code] = Indicator(code, str(raw.get("name_zh", code)), str(raw.get("name_en", code)),
                                     float(raw["points"]), float(raw.get("heavier_points", 0.0)),
                                     None if half is None else float(half), bool(raw.get("while_active", False)),
                                     None if max_count is None else int(max_count))
    return CreditModel(str(doc["version"]), str(doc.get("name_zh", "")), str(doc.get("name_en", "")),
                       str(doc.get("basis", "")), float(doc["baseline"]), int(doc.get("window_days", 1825)),
                       tuple(classes), indicators)


@dataclass(frozen=True)
class RecordFacts:
    """What scoring reads of one credit record."""

    id: int
    indicator: str
    occurred_on: date
    ended_on: date | None = None  # for while_active indicators: when it stopped being in force
    heavier: bool = False
    label: str = ""  # how a person recognises it (decision number, certificate number …)


@dataclass(frozen=True)
class Contribution:
    record_id: int
    indicator: str
    label: str
    points: float  # before decay
    weight: float  # decay factor in [0, 1]
    value: float  # points × weight: what it adds to the score


@dataclass(frozen=True)
class Explanation:
    model_version: str
    baseline: float
    score: float
    risk_class: str
    contributions: list[Contribution] = field(default_factory=list)  # largest effect first
    bounds: dict[str, float | None] = field(default_factory=dict)


def _weight(indicator: Indicator, record: RecordFacts, today: date, window_days: int) -> float:
    if indicator.while_active:
        return 0.0 if record.ended_on is not None and record.ended_on <= today else 1.0
    age = (today - record.occurred_on).days
    if age < 0 or age > window_days:
        return 0.0
    return 1.0 if indicator.half_life_days is None else math.pow(0.5, age / indicator.half_life_days)


def classify(model: CreditModel, value: float) -> str:
    """The class whose bound first exceeds ``value``."""
    for risk_class in model.classes[:-1]:
        if value < risk_class.below:  # type: ignore[operator]
            return risk_class.code
    return model.classes[-1].code


def score(model: CreditModel, records: Iterable[RecordFacts], today: date) -> Explanation:
    """One enterprise's score and class as of ``today``, with every record's contribution (records of unknown
    indicators count nothing and are not listed). Cost: O(records)."""
    parts: list[Contribution] = []
    counted: dict[str, int] = {}
    for record in sorted(records, key=lambda r: (r.occurred_on, r.id)):
        indicator = model.indicators.get(record.indicator)
        if indicator is None:
            continue
        weight = _weight(indicator, record, today, model.window_days)
        if weight and indicator.max_count is not None:
            if counted.get(indicator.code, 0) >= indicator.max_count:
                weight = 0.0
            counted[indicator.code] = counted.get(indicator.code, 0) + 1
        points = indicator.points + (indicator.heavier_points if record.heavier else 0.0)
        if weight:
            parts.append(Contribution(record.id, indicator.code, record.label, points, weight, points * weight))
    parts.sort(key=lambda c: (-abs(c.value), c.record_id))
    total = model.baseline + math.fsum(c.value for c in parts)
    return Explanation(model.version, model.baseline, total, classify(model, total), parts,
                       {c.code: c.below for c in model.classes})


def score_sql(model: CreditModel, dialect: str) -> str:
    """The model as one SQL expression over a ``credit_record`` row: what the row adds to its enterprise's score on
    the day given by the parameters of :func:`score_params` (``:name`` on SQLite, ``%(name)s`` on PostgreSQL).
    Summed per enterprise it gives what :func:`score` gives record by record (tests hold the two together).
    Indicators with ``max_count`` are left out (0): the caller caps them.

    Decay is ``power(0.5, age / half-life)``: PostgreSQL's, and SQLite's math functions (SQLite ≥ 3.35 built with
    them, as Python's bundled one is; :func:`zhiliang.credit.scoring.reclassify` checks). The window is a date
    comparison and the age is computed once per row, which keeps SQLite's per-row cost low.
    """
    postgres = dialect == "postgresql"

    def param(name: str) -> str:
        return f"%({name})s" if postgres else f":{name}"

    def lit(value: float) -> str:  # PostgreSQL would compute in exact numeric (slow, and Decimal back)
        return f"CAST({value!r} AS DOUBLE PRECISION)" if postgres else repr(value)

    age = f"({param('today')}::date - occurred_on)" if postgres else f"({param('today_jd')} - julianday(occurred_on))"
    today = f"{param('today')}::date" if postgres else param("today")
    in_window = f"occurred_on BETWEEN {param('window_start')}{'::date' if postgres else ''} AND {today}"
    ended = f"(ended_on IS NOT NULL AND ended_on <= {today})"
    heavier = "heavier" if postgres else "heavier = 1"
    cases = []
    for code, i in model.indicators.items():
        if i.max_count is not None:
            continue
        points = f"({lit(i.points)} + CASE WHEN {heavier} THEN {lit(i.heavier_points)} ELSE 0 END)"
        if i.while_active:
            value = f"CASE WHEN {ended} THEN 0 ELSE {points} END"
        else:
            decay = f" * power({lit(0.5)}, {age} / {lit(float(i.half_life_days))})" if i.half_life_days else ""
            value = f"CASE WHEN {in_window} THEN {points}{decay} ELSE 0 END"
        cases.append(f"WHEN '{code}' THEN {value}")
    return f"CASE indicator {' '.join(cases)} ELSE 0 END" if cases else "0"


def score_params(model: CreditModel, today: date) -> dict[str, Any]:
    """The parameters :func:`score_sql` reads: today, the first day of the window, and today's Julian day."""
    start = today - timedelta(days=model.window_days)
    return {"today": today.isoformat(), "window_start": start.isoformat(),
            "today_jd": today.toordinal() + 1721424.5}


def class_sql(model: CreditModel, score: str) -> str:
    """SQL for the class of the score expression ``score`` (bounds as :func:`classify`)."""
    whens = " ".join(f"WHEN {score} < {c.below!r} THEN '{c.code}'" for c in model.classes[:-1])  # type: ignore[misc]
    return f"CASE {whens} ELSE '{model.classes[-1].code}' END"


# ------------------------------------------------------------------------------------- the serious-violation list

HEAVIER_PENALTIES = {
    "heavier_fine": ("依照裁量基准从重处以罚款", "a fine set heavier under the discretion benchmark"),
    "licence_revoked": ("降低资质等级,吊销许可证件、营业执照", "qualification lowered, licence or business licence "
                        "revoked"),
    "business_restricted": ("限制开展生产经营活动、责令停产停业、责令关闭、限制从业", "business restricted, production "
                            "or business suspended, closure ordered, or practice restricted"),
    "other_heavier": ("法律、行政法规和部门规章规定的其他较重行政处罚", "another heavier penalty set by law, "
                      "regulation or rule"),
}


def listing_allowed(serious: bool, heavier_penalty: str | None) -> list[tuple[str, str]]:
    """Why a penalty may not ground a listing on the serious-violation list (empty: it may).

    Order 44 (市场监督管理严重违法失信名单管理办法, 国家市场监督管理总局令第44号) Article 2: a party is listed for a
    violation of a nature, gravity and harm that is serious (性质恶劣、情节严重、社会危害较大; judged per Article 12
    among the violations of Articles 5–10) **and** that carries a heavier administrative penalty (较重行政处罚) —
    one of :data:`HEAVIER_PENALTIES`.
    """
    problems = []
    if not serious:
        problems.append(("处罚决定未认定违法行为性质恶劣、情节严重、社会危害较大(第十二条)",
                         "the decision does not find the violation serious (Article 12)"))
    if heavier_penalty not in HEAVIER_PENALTIES:
        problems.append(("处罚不属于第二条所列较重行政处罚", "the penalty is not a heavier penalty of Article 2"))
    return problems


def serious_list_end(listed_on: date, years: int) -> date:
    """When a listing ends by itself: ``years`` (3 under Order 44) after the listing, the same calendar day (29
    February becomes 28 February). Order 44, Chapter IV (移出): removal when the publication period ends."""
    try:
        return listed_on.replace(year=listed_on.year + years)
    except ValueError:
        return listed_on.replace(year=listed_on.year + years, day=28)


def early_removal_problems(listed_on: date, today: date, *, min_years: int, obligations_fulfilled: bool,
                           harm_remedied: bool, new_heavier_penalty: bool, commitment_letter: bool
                           ) -> list[tuple[str, str]]:
    """Why an application for early removal (信用修复, 提前移出) fails; empty when it may be granted.

    Order 44 Article 21: at least one year (``min_years``) after the listing, the party has fulfilled the penalty
    decision's obligations, removed the harm and its ill effects, and received no new heavier penalty; Article 22:
    the application comes with a commitment letter (守信承诺书).
    """
    problems = []
    earliest = serious_list_end(listed_on, min_years)
    if today < earliest:
        problems.append((f"列入满{min_years}年(即 {earliest.isoformat()})后方可申请", f"an application is possible "
                         f"from {earliest.isoformat()}, {min_years} year(s) after the listing"))
    for ok, zh, en in ((obligations_fulfilled, "尚未履行行政处罚决定规定的义务", "the penalty's obligations are not "
                        "fulfilled"),
                       (harm_remedied, "尚未主动消除危害后果和不良影响", "the harm and its effects are not remedied"),
                       (not new_heavier_penalty, "列入后又受到较重行政处罚", "a new heavier penalty since the "
                        "listing"),
                       (commitment_letter, "未提交守信承诺书", "no commitment letter")):
        if not ok:
            problems.append((zh, en))
    return problems


def penalty_repair_date(decided_on: date, *, special_field: bool, months: int, special_months: int) -> date:
    """The first day on which the publication of an ordinary (not serious) administrative penalty may be repaired
    (信用修复, removal from public display): ``months`` after the decision is published — ``special_months`` in
    food, drugs and special equipment (issue 6: 6 and 12 months), per 《市场监督管理信用修复管理办法》
    (国市监信规〔2021〕3号)."""
    total = decided_on.month - 1 + (special_months if special_field else months)
    year, month = decided_on.year + total // 12, total % 12 + 1
    day = min(decided_on.day, (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day)
    return date(year, month, day)
