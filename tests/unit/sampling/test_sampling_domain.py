"""Sampling rules: the catalogue, the verdict rule, the 15-day objection window, repeat sampling, Wilson intervals
(against Newcombe 1998's worked cases) and the unstable flag."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhiliang.kernel.workdays import WorkdayCalendar
from zhiliang.sampling import domain


def test_the_packaged_catalogue_is_a_tree_with_standards():
    cats = domain.catalogue()
    assert cats["E01"].parent == "E" and "GB 4706.13-2014" in cats["E01"].standards
    assert all(c.parent is None or (c.parent in cats and c.code.startswith(c.parent)) for c in cats.values())
    leaves = [c for c in cats.values() if c.parent]
    assert leaves and all(c.standards for c in leaves)


@pytest.mark.parametrize("text, where", [
    ("code,parent,name_zh,name_en,standards\nE,,电器,,\nE,,电器,,\n", "line 3"),
    ("code,parent,name_zh,name_en,standards\nE01,E,冰箱,,\n", "line 2"),
    ("code,parent,name_zh,name_en,standards\ne1,,x,,\n", "line 2"),
    ("code,name\nE,x\n", "line 1"),
    ("# only a comment\n", "empty"),
])
def test_a_bad_catalogue_is_refused_naming_the_line(text, where):
    with pytest.raises(domain.CatalogueError) as caught:
        domain.load_catalogue(text)
    assert where in str(caught.value)


def test_the_overall_verdict_follows_the_items():
    assert domain.overall_verdict(["pass", "pass", "info"]) == "pass"
    assert domain.overall_verdict(["pass", "fail", "info"]) == "fail"
    with pytest.raises(ValueError, match="at least one"):
        domain.overall_verdict(["info"])
    with pytest.raises(ValueError, match="unknown"):
        domain.overall_verdict(["pass", "maybe"])


@given(st.lists(st.sampled_from(domain.ITEM_VERDICTS), min_size=1).filter(lambda v: set(v) != {"info"}))
def test_one_failing_item_fails_the_report(items):
    assert (domain.overall_verdict(items) == "fail") == ("fail" in items)


CALENDAR = WorkdayCalendar()


@pytest.mark.parametrize("received, last", [
    (date(2026, 3, 2), date(2026, 3, 17)),   # Monday + 15 = Tuesday 17 March, a working day
    (date(2026, 3, 6), date(2026, 3, 23)),   # Friday + 15 = Saturday 21 → Monday 23
    (date(2026, 9, 16), date(2026, 10, 8)),  # + 15 = 1 October: the National Day holidays run to 7 October
])
def test_the_objection_window_is_15_days_from_the_next_day_ending_on_a_working_day(received, last):
    assert domain.objection_deadline(received, CALENDAR) == last


def test_only_higher_levels_block_a_repeat_sampling():
    assert domain.higher_levels("city", ["district", "city", "national", "provincial"]) == ["national", "provincial"]
    assert domain.higher_levels("national", ["provincial", "district"]) == []


# Newcombe (1998), Table II, method 3 (Wilson score interval without continuity correction), to 4 decimals.
@pytest.mark.parametrize("x, n, low, high", [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605),
                                             (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)])
def test_wilson_intervals_match_newcombe(x, n, low, high):
    got = domain.wilson(x, n)
    assert got == pytest.approx((low, high), abs=5e-5)


@given(st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_the_interval_holds_the_estimate_and_mirrors(case):
    x, n = case
    low, high = domain.wilson(x, n)
    assert 0 <= low <= high <= 1
    if n:
        assert low <= x / n <= high
        flipped = domain.wilson(n - x, n)
        assert flipped == pytest.approx((1 - high, 1 - low), abs=1e-12)


def test_a_rate_from_few_batches_or_a_wide_interval_is_unstable():
    few = domain.pass_rate(9, 10)
    assert few.unstable and "fewer than 20" in few.reason_en and few.rate == 0.9
    wide = domain.pass_rate(15, 30, min_samples=20, max_width=0.2)
    assert wide.unstable and "wide" in wide.reason_en
    solid = domain.pass_rate(930, 1000)
    assert not solid.unstable and solid.low < 0.93 < solid.high and solid.reason_en == ""
    with pytest.raises(ValueError):
        domain.wilson(11, 10)


@given(st.lists(st.integers(0, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))), min_size=1))
def test_the_array_interval_equals_the_scalar_one(cases):
    import numpy as np

    x, n = np.array([c[0] for c in cases]), np.array([c[1] for c in cases])
    lows, highs = domain.wilson_arrays(x, n)
    for (xi, ni), low, high in zip(cases, lows.tolist(), highs.tolist(), strict=True):
        assert (low, high) == pytest.approx(domain.wilson(xi, ni), abs=1e-12)
