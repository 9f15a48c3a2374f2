"""Rules of supervision sampling, pure: the product catalogue, a test report's overall verdict, the objection
window, the guard against sampling twice what a higher level already sampled, and pass rates with their Wilson
intervals and the "unstable" flag. No I/O, no clock: dates and the working-day calendar are arguments.

References:

* 《中华人民共和国产品质量法》第十五条: supervision sampling is random and free of charge; a producer or seller who
  disputes the result may apply for a re-test within 15 days of receiving it; the same product sampled by a higher
  level's supervision sampling is not sampled again by a lower level within the same period (repeat sampling).
* 《中华人民共和国民法典》第二百零一条、第二百零三条: a period in days starts the day after the event; when its last
  day is a statutory day off, the period ends on the first working day after it.
* E. B. Wilson (1927), "Probable inference, the law of succession, and statistical inference", JASA 22:209–212;
  R. G. Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison of seven methods",
  Statistics in Medicine 17:857–872 (the score interval without continuity correction, his method 3).
* The unstable flag follows the practice of the CPSC's NEISS estimates (flagged when based on fewer than 20 cases
  or too imprecise); here: fewer than ``min_samples`` batches, or an interval wider than ``max_width``.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np

__all__ = ["CatalogueError", "Category", "LEVELS", "Rate", "catalogue", "higher_levels", "load_catalogue",
           "objection_deadline", "overall_verdict", "pass_rate", "quarter_of", "unstable_reason", "wilson",
           "wilson_arrays"]

# Sampling levels, highest first (国家 / 省 / 市 / 县区).
LEVELS = ("national", "provincial", "city", "district")
LEVEL_NAMES = {"national": ("国家监督抽查", "national"), "provincial": ("省级监督抽查", "provincial"),
               "city": ("市级监督抽查", "city"), "district": ("县(区)级监督抽查", "district")}
# An item's verdict: 合格, 不合格, or 不判定 (measured and reported, not judged: e.g. a labelling note).
ITEM_VERDICTS = ("pass", "fail", "info")
OBJECTION_DAYS = 15  # 产品质量法 第十五条
Z95 = 1.959963984540054  # the 97.5 % point of the standard normal


class CatalogueError(ValueError):
    """The catalogue file is unusable; the message names the row and says why, in Chinese and English."""


@dataclass(frozen=True)
class Category:
    code: str
    parent: str | None
    name_zh: str
    name_en: str
    standards: tuple[str, ...]


_CODE = re.compile(r"[A-Z][A-Z0-9]{0,11}")


def load_catalogue(text: str) -> dict[str, Category]:
    """Parse a catalogue (CSV ``code,parent,name_zh,name_en,standards``; ``#`` lines are comments; standards
    separated by ``;``). A child's code starts with its parent's, and the parent comes first. Raises
    :class:`CatalogueError` naming the line."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.startswith("#")]
    if not lines:
        raise CatalogueError("目录为空 / the catalogue is empty")
    reader = csv.reader(io.StringIO("\n".join(line for _, line in lines)))
    header = next(reader)
    if [h.strip() for h in header] != ["code", "parent", "name_zh", "name_en", "standards"]:
        raise CatalogueError(f"第 {lines[0][0]} 行:表头应为 code,parent,name_zh,name_en,standards / line "
                             f"{lines[0][0]}: the header must be code,parent,name_zh,name_en,standards")
    out: dict[str, Category] = {}
    for (number, _), row in zip(lines[1:], reader, strict=True):
        if len(row) != 5:
            raise CatalogueError(f"第 {number} 行应有 5 列 / line {number} must have 5 columns")
        code, parent, name_zh, name_en, standards = (c.strip() for c in row)
        if not _CODE.fullmatch(code):
            raise CatalogueError(f"第 {number} 行:分类代码“{code}”无效(大写字母开头,字母数字,12 位以内) / line "
                                 f"{number}: invalid code {code!r} (a capital letter, then letters or digits)")
        if code in out:
            raise CatalogueError(f"第 {number} 行:分类代码“{code}”重复 / line {number}: code {code!r} repeats")
        if parent and (parent not in out or not code.startswith(parent)):
            raise CatalogueError(f"第 {number} 行:上级分类“{parent}”须在前且为本代码的前缀 / line {number}: "
                                 f"the parent {parent!r} must come first and prefix the code")
        if not name_zh:
            raise CatalogueError(f"第 {number} 行缺少中文名称 / line {number}: name_zh is empty")
        out[code] = Category(code, parent or None, name_zh, name_en or name_zh,
                             tuple(s.strip() for s in standards.split(";") if s.strip()))
    return out


@functools.cache
def _catalogue_at(path: str | None) -> dict[str, Category]:
    if path is None:
        text = resources.files("zhiliang.sampling").joinpath("data/catalogue.csv").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return load_catalogue(text)


def catalogue(path: Path | None = None) -> dict[str, Category]:
    """The configured catalogue (the packaged one by default), parsed once per file."""
    return _catalogue_at(str(path) if path else None)


def overall_verdict(items: Sequence[str]) -> str:
    """A report's verdict from its items: ``fail`` (不合格) when any judged item fails, ``pass`` (合格) when every
    judged item passes; items marked ``info`` are reported but not judged. A report with no judged item has no
    verdict: ValueError (the laboratory must judge at least one item)."""
    unknown = [v for v in items if v not in ITEM_VERDICTS]
    if unknown:
        raise ValueError(f"未知的单项判定 / unknown item verdict {unknown[0]!r}")
    judged = [v for v in items if v != "info"]
    if not judged:
        raise ValueError("报告至少应判定一个检验项目 / a report must judge at least one item")
    return "fail" if "fail" in judged else "pass"


class Calendar(Protocol):
    def is_workday(self, d: date) -> bool: ...


def objection_deadline(received: date, calendar: Calendar, days: int = OBJECTION_DAYS) -> date:
    """The last day to object to a result received on ``received``: ``days`` calendar days counted from the next
    day (民法典 第二百零一条), moved to the next working day when it falls on a day off (第二百零三条)."""
    last = received + timedelta(days=days)
    while not calendar.is_workday(last):
        last += timedelta(days=1)
    return last


def quarter_of(day: date) -> str:
    """``2026-Q1`` for a day in January–March 2026."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def higher_levels(level: str, others: Iterable[str]) -> list[str]:
    """The levels among ``others`` above ``level`` (a national sampling is above a provincial one …): a
    product already sampled at one of them in the same period is not sampled again (产品质量法 第十五条)."""
    rank = LEVELS.index(level)
    return sorted({o for o in others if LEVELS.index(o) < rank}, key=LEVELS.index)


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a proportion (Newcombe 1998, method 3). ``n`` 0 gives (0, 1)."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"需要 0 ≤ 合格数 ≤ 批次数 / need 0 <= successes <= n, got {successes}/{n}")
    if n == 0:
        return 0.0, 1.0
    p, z2 = successes / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # At 0 or n successes the bound is exactly 0 or 1; rounding must not move it off.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def wilson_arrays(successes: np.ndarray, n: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """:func:`wilson` over arrays at once (for thousands of groups); equal to it element by element."""
    successes, n = np.asarray(successes, float), np.asarray(n, float)
    safe = np.where(n > 0, n, 1.0)
    p, z2 = successes / safe, z * z
    centre = (p + z2 / (2 * safe)) / (1 + z2 / safe)
    half = z * np.sqrt(p * (1 - p) / safe + z2 / (4 * safe * safe)) / (1 + z2 / safe)
    low = np.where(successes == 0, 0.0, np.maximum(0.0, centre - half))
    high = np.where(successes == n, 1.0, np.minimum(1.0, centre + half))
    return np.where(n > 0, low, 0.0), np.where(n > 0, high, 1.0)


def unstable_reason(tested: int, low: float, high: float, min_samples: int, max_width: float) -> tuple[str, str]:
    """Why a rate is unstable (zh, en), or empty strings when it is not."""
    if tested < min_samples:
        return f"批次数 {tested} 少于 {min_samples},结果不稳定", f"{tested} batches, fewer than {min_samples}"
    if high - low > max_width:
        return (f"95% 置信区间宽 {high - low:.1%},超过 {max_width:.0%}",
                f"the 95% interval is {high - low:.1%} wide, more than {max_width:.0%}")
    return "", ""


@dataclass(frozen=True)
class Rate:
    """A batch pass rate (批次合格率) with its 95 % Wilson interval; ``unstable`` when too few batches or too wide
    an interval to read the rate as a level (``reason`` says which, zh and en)."""

    tested: int
    passed: int
    rate: float | None
    low: float
    high: float
    unstable: bool
    reason_zh: str = ""
    reason_en: str = ""


def pass_rate(passed: int, tested: int, *, min_samples: int = 20, max_width: float = 0.2) -> Rate:
    """The pass rate of ``tested`` batches of which ``passed`` passed."""
    low, high = wilson(passed, tested)
    zh, en = unstable_reason(tested, low, high, min_samples, max_width)
    return Rate(tested, passed, passed / tested if tested else None, low, high, bool(en), zh, en)
