"""Western Electric and Nelson rules: properties (never on a constant in-control series, always on the textbook
pattern) and agreement with a plain loop-per-point implementation of the definitions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhiliang.tqm import charts, rules
from zhiliang.tqm.errors import TqmInputError

ALL = tuple(rules.RULES)

# The textbook pattern of each rule in standard units, ending at the point that completes it.
PATTERNS: dict[str, list[float]] = {
    "WE1": [3.5],
    "N1": [-3.5],
    "WE2": [2.5, 0.3, 2.6],
    "N5": [-2.5, -2.6],
    "WE3": [1.5, 1.6, 0.2, 1.7, 1.5],
    "N6": [-1.5, -1.6, -1.7, -1.2],
    "WE4": [0.5] * 8,
    "N2": [-0.4] * 9,
    "N3": [-1.0, -0.6, -0.2, 0.2, 0.6, 1.0],
    "N4": [0.5, -0.5] * 7,
    "N7": [0.4, -0.4] * 7 + [0.3],
    "N8": [1.5, -1.5] * 4,
}

in_control = st.floats(-2.9, 2.9, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 300),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(1e-6, 1e3, allow_nan=False),
)
def test_no_rule_fires_on_a_constant_series_at_the_centre(m: int, center: float, sigma: float) -> None:
    report = rules.check(np.full(m, center), center, sigma, rules=ALL)
    assert report.violations == ()


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(sorted(PATTERNS)),
    st.lists(in_control, max_size=40),
    st.floats(-100, 100, allow_nan=False),
    st.floats(0.01, 10, allow_nan=False),
)
def test_every_rule_fires_on_its_textbook_pattern(rule: str, prefix: list[float], center: float, sigma: float) -> None:
    z = np.array(prefix + PATTERNS[rule])
    report = rules.check(center + sigma * z, center, sigma, rules=[rule])
    assert z.size - 1 in report.flags[rule]


def test_patterns_do_not_fire_one_short() -> None:
    for rule in ("WE4", "N2", "N3", "N4", "N7", "N8"):
        z = np.array(PATTERNS[rule][1:])
        assert rules.check(z, 0.0, 1.0, rules=[rule]).flags[rule].size == 0, rule


def _naive(rule: str, z: list[float]) -> list[int]:
    """The definitions, one point at a time."""
    out = []
    for i in range(len(z)):
        w = z[: i + 1]
        if rule == "N1":
            hit = abs(w[-1]) > 3
        elif rule == "N5":
            last3 = w[-3:]
            hit = (w[-1] > 2 and sum(v > 2 for v in last3) >= 2) or (w[-1] < -2 and sum(v < -2 for v in last3) >= 2)
        elif rule == "N6":
            last5 = w[-5:]
            hit = (w[-1] > 1 and sum(v > 1 for v in last5) >= 4) or (w[-1] < -1 and sum(v < -1 for v in last5) >= 4)
        elif rule == "N2":
            last = w[-9:]
            hit = len(last) == 9 and (all(v > 0 for v in last) or all(v < 0 for v in last))
        elif rule == "N3":
            last = w[-6:]
            d = np.diff(last)
            hit = len(last) == 6 and (all(d > 0) or all(d < 0))
        elif rule == "N4":
            last = w[-14:]
            d = np.diff(last)
            hit = len(last) == 14 and all(d[k] * d[k + 1] < 0 for k in range(12))
        elif rule == "N7":
            last = w[-15:]
            hit = len(last) == 15 and all(abs(v) < 1 for v in last) and min(last) < 0 < max(last)
        else:  # N8
            last = w[-8:]
            hit = len(last) == 8 and all(abs(v) > 1 for v in last) and min(last) < 0 < max(last)
        if hit:
            out.append(i)
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-4, 4, allow_nan=False).map(lambda v: round(v, 1)), max_size=80))
def test_vectorised_rules_equal_the_definitions(z: list[float]) -> None:
    report = rules.check(z, 0.0, 1.0, rules=NELSON_ALL)
    for rule in NELSON_ALL:
        assert report.flags[rule].tolist() == _naive(rule, z), rule


NELSON_ALL = rules.NELSON


def test_western_electric_equals_nelson_where_they_coincide() -> None:
    z = np.random.default_rng(3).normal(0, 1.3, 2000)
    report = rules.check(z, 0.0, 1.0, rules=ALL)
    for we, n in (("WE1", "N1"), ("WE2", "N5"), ("WE3", "N6")):
        assert report.flags[we].tolist() == report.flags[n].tolist()
    assert set(report.flags["N2"]) <= set(report.flags["WE4"])


def test_report_lists_every_point_and_rule_in_order() -> None:
    z = [0.5] * 9 + [3.5]
    report = rules.check(z, 0.0, 1.0, rules=["N2", "WE4", "N1"])
    assert report.violations == ((7, "WE4"), (8, "N2"), (8, "WE4"), (9, "N2"), (9, "WE4"), (9, "N1"))
    assert report.points.tolist() == [7, 8, 9]
    assert report.to_dict()["violations"][0] == [7, "WE4"]


def test_varying_limits_and_nan_points() -> None:
    x = np.array([np.nan, 0.5, 0.5, 0.5, np.nan, 0.5, 5.0])
    sigma = np.array([1, 1, 1, 1, 1, 1, 2.0])
    report = rules.check(x, 0.0, sigma, rules=["N1", "WE4"])
    assert report.flags["N1"].tolist() == [] and report.flags["WE4"].tolist() == []
    report = rules.check(x, 0.0, 1.0, rules=["N1"])
    assert report.flags["N1"].tolist() == [6]


def test_check_chart_on_moving_range_chart() -> None:
    pair = charts.individuals([1.0, 2.0, 1.5, 1.8, 9.0, 1.7, 1.6, 1.9])
    report = rules.check_chart(pair.dispersion)
    assert set(report.rules) == set(rules.NELSON)
    assert 0 not in report.points


def test_rule_errors() -> None:
    with pytest.raises(TqmInputError) as e:
        rules.check([1.0, 2.0], 0.0, 1.0, rules=["N9"])
    assert e.value.where == "rules" and "N9" in e.value.en and "N9" in e.value.zh
    with pytest.raises(TqmInputError) as e:
        rules.check([1.0, 2.0], 0.0, 0.0)
    assert e.value.where == "sigma"


def test_million_points_all_rules_is_vectorised() -> None:
    z = np.random.default_rng(0).normal(size=1_000_000)
    report = rules.check(z, 0.0, 1.0, rules=ALL)
    # about 0.27 % of N(0,1) points lie beyond 3 sigma
    assert 2000 < report.flags["N1"].size < 3400
