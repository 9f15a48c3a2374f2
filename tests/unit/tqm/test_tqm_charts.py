"""Shewhart charts against the limits qcc prints (spc_reference.json) and Montgomery's worked examples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tqm_ref import REF, agrees, decimals_agree

from zhiliang.tqm import attributes, charts
from zhiliang.tqm.constants import c4, range_factors
from zhiliang.tqm.limits import Baseline, revise

DATA = REF["datasets"]
PRINTED = REF["qcc_printed"]
PISTON = DATA["pistonrings"]["phase1_subgroups_1_to_25"]
PISTON_NEW = DATA["pistonrings"]["phase2_subgroups_26_to_40"]


def test_pistonrings_xbar_r_matches_qcc() -> None:
    pair = charts.xbar_r(PISTON)
    x, r = PRINTED["pistonrings_xbar_1_25"], PRINTED["pistonrings_R_1_25"]
    assert agrees(pair.baseline.center, x["center"]) and agrees(pair.baseline.sigma, x["std_dev"])
    assert agrees(pair.location.lcl[0], x["LCL"]) and agrees(pair.location.ucl[0], x["UCL"])
    assert agrees(pair.dispersion.center[0], r["center"])
    assert agrees(pair.dispersion.ucl[0], r["UCL"]) and pair.dispersion.lcl[0] == r["LCL"]
    assert pair.location.phase == 1 and pair.location.beyond_limits.size == 0


def test_pistonrings_xbar_s_matches_qcc() -> None:
    pair = charts.xbar_s(PISTON)
    s = PRINTED["pistonrings_S_1_25"]
    assert agrees(pair.baseline.sigma, s["std_dev"]) and agrees(pair.dispersion.center[0], s["center"])
    assert agrees(pair.dispersion.ucl[0], s["UCL"]) and pair.dispersion.lcl[0] == s["LCL"]


def test_pistonrings_phase_two_uses_fixed_limits() -> None:
    trial = charts.xbar_r(PISTON)
    new = charts.xbar_r(PISTON_NEW, known=trial.baseline)
    assert new.location.phase == 2 and new.location.statistic.size == 15
    assert new.location.ucl[0] == trial.location.ucl[0] and new.dispersion.ucl[0] == trial.dispersion.ucl[0]
    means = np.asarray(PISTON_NEW).mean(axis=1)
    beyond = np.flatnonzero((means > trial.location.ucl[0]) | (means < trial.location.lcl[0]))
    assert new.location.beyond_limits.tolist() == beyond.tolist()


def test_montgomery_pistonrings_rounded_limits() -> None:
    # Montgomery Example 6.3: x̿ = 74.001, R̄ = 0.023, X̄ limits 73.988 and 74.014
    pair = charts.xbar_r(PISTON)
    assert decimals_agree(pair.baseline.center, 74.001, 3)
    assert decimals_agree(pair.dispersion.center[0], 0.023, 3)
    assert decimals_agree(pair.location.lcl[0], 73.988, 3) and decimals_agree(pair.location.ucl[0], 74.014, 3)


def test_exclusion_revises_limits_but_keeps_points() -> None:
    full = charts.xbar_r(PISTON)
    revised = charts.xbar_r(PISTON, exclude=[0, 3])
    kept = np.delete(np.asarray(PISTON), [0, 3], axis=0)
    assert revised.location.statistic.size == 25 and revised.location.excluded == (0, 3)
    assert revised.baseline.center == pytest.approx(kept.mean(), rel=1e-12)
    assert revised.baseline.sigma != full.baseline.sigma


def test_exact_constants_option() -> None:
    tab = charts.xbar_r(PISTON)
    exact = charts.xbar_r(PISTON, tabulated=False)
    assert exact.baseline.sigma * range_factors(5, tabulated=False)[0] == pytest.approx(
        tab.baseline.sigma * range_factors(5)[0], rel=1e-12)


def test_orangejuice_p_and_np_match_qcc_and_montgomery() -> None:
    oj = DATA["orangejuice"]
    d, n = oj["D"][:30], oj["size"][:30]
    p = attributes.p_chart(d, n)
    want = PRINTED["orangejuice_p_trial30"]
    assert agrees(p.baseline.center, want["center"]) and agrees(p.sigma[0], want["std_dev"])
    assert agrees(p.lcl[0], want["LCL"]) and agrees(p.ucl[0], want["UCL"])
    # Montgomery Example 7.1: samples 15 and 23 plot above the trial UCL ...
    assert p.beyond_limits.tolist() == [14, 22]
    # ... and the revised limits without them are p̄ = 0.2150, UCL = 0.3893, LCL = 0.0407
    rev = attributes.p_chart(d, n, exclude=[14, 22])
    assert decimals_agree(rev.baseline.center, 0.2150, 4)
    assert decimals_agree(rev.ucl[0], 0.3893, 4) and decimals_agree(rev.lcl[0], 0.0407, 4)
    np_ = attributes.np_chart(d, 50)
    want = PRINTED["orangejuice_np_trial30"]
    assert agrees(np_.center[0], want["center"]) and agrees(np_.sigma[0], want["std_dev"])
    assert agrees(np_.lcl[0], want["LCL"]) and agrees(np_.ucl[0], want["UCL"])


def test_circuit_c_chart_matches_qcc_and_montgomery_revision() -> None:
    x = DATA["circuit"]["x"][:26]
    c = attributes.c_chart(x)
    want = PRINTED["circuit_c_trial26"]
    assert agrees(c.center[0], want["center"]) and agrees(c.sigma[0], want["std_dev"])
    assert agrees(c.lcl[0], want["LCL"]) and agrees(c.ucl[0], want["UCL"])
    # Montgomery Example 7.3: samples 6 and 20 are out; revised c̄ = 19.67, UCL = 32.97, LCL = 6.36
    assert c.beyond_limits.tolist() == [5, 19]
    rev = revise(attributes.c_chart, x)
    assert rev.excluded == (5, 19)
    assert decimals_agree(rev.center[0], 19.67, 2)
    assert decimals_agree(rev.ucl[0], 32.97, 2) and decimals_agree(rev.lcl[0], 6.36, 2)


def test_pcmanufact_u_chart_montgomery() -> None:
    # Montgomery Example 7.4: ū = 1.93, UCL = 3.79, LCL = 0.07
    u = attributes.u_chart(DATA["pcmanufact"]["x"], DATA["pcmanufact"]["size"])
    assert decimals_agree(u.center[0], 1.93, 2)
    assert decimals_agree(u.ucl[0], 3.79, 2) and decimals_agree(u.lcl[0], 0.07, 2)


def test_dyedcloth_u_chart_variable_sizes() -> None:
    x, n = np.asarray(DATA["dyedcloth"]["x"], float), np.asarray(DATA["dyedcloth"]["size"])
    u = attributes.u_chart(x, n)
    ubar = x.sum() / n.sum()
    assert u.center[0] == pytest.approx(ubar, rel=1e-12)
    np.testing.assert_allclose(u.ucl, ubar + 3 * np.sqrt(ubar / n), rtol=1e-12)
    assert len(set(u.ucl.tolist())) > 1


def test_p_chart_phase_two_with_known_p() -> None:
    oj = DATA["orangejuice"]
    trial = attributes.p_chart(oj["D"][:30], 50, exclude=[14, 22])
    later = attributes.p_chart(oj["D"][30:], 50, known=trial.baseline)
    assert later.phase == 2 and later.center[0] == trial.center[0]
    assert attributes.p_chart([1, 2], [10, 10], known=0.1).center[0] == 0.1


def test_viscosity_individuals() -> None:
    v = np.asarray(DATA["viscosity"]["viscosity"][:20])
    pair = charts.individuals(v)
    sigma = np.abs(np.diff(v)).mean() / 1.128
    assert pair.baseline.sigma == pytest.approx(sigma, rel=1e-12)
    assert pair.location.ucl[0] == pytest.approx(v.mean() + 3 * sigma, rel=1e-12)
    assert np.isnan(pair.dispersion.statistic[0])
    assert pair.dispersion.ucl[0] == pytest.approx(np.abs(np.diff(v)).mean() * (1 + 3 * 0.8525033 / 1.128))
    phase2 = charts.individuals(DATA["viscosity"]["viscosity"][20:], known=pair.baseline)
    assert phase2.location.phase == 2 and phase2.location.ucl[0] == pair.location.ucl[0]


def test_individuals_exclusion_drops_adjacent_moving_ranges() -> None:
    x = [10.0, 11.0, 30.0, 10.5, 11.5, 10.0]
    pair = charts.individuals(x, exclude=[2])
    used = [abs(11.0 - 10.0), abs(11.5 - 10.5), abs(10.0 - 11.5)]
    assert pair.baseline.sigma == pytest.approx(np.mean(used) / 1.128)


def test_xbar_s_unequal_sizes_uses_weighted_sigma() -> None:
    groups = [[74.0, 74.01, 73.99], [74.02, 73.98, 74.0, 74.01], [73.99, 74.0, 74.02, 74.01, 73.98]]
    pair = charts.xbar_s(groups)
    n = np.array([3, 4, 5])
    s = np.array([np.std(g, ddof=1) for g in groups])
    cc = c4(n)
    h = cc**2 / (1 - cc**2)
    assert pair.baseline.sigma == pytest.approx(np.sum(h * s / cc) / h.sum(), rel=1e-12)
    assert pair.baseline.center == pytest.approx(np.concatenate(groups).mean(), rel=1e-12)
    np.testing.assert_allclose(pair.location.ucl, pair.baseline.center + 3 * pair.baseline.sigma / np.sqrt(n))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 10), st.integers(2, 30), st.integers(0, 2**32 - 1))
def test_limits_bracket_center_and_arrays_are_read_only(n: int, m: int, seed: int) -> None:
    data = np.random.default_rng(seed).normal(5, 1, size=(m, n))
    for pair in (charts.xbar_r(data), charts.xbar_s(data), charts.individuals(data[:, 0])):
        for c in (pair.location, pair.dispersion):
            assert np.all(c.lcl <= c.center) and np.all(c.center <= c.ucl)
            assert not c.statistic.flags.writeable and not c.ucl.flags.writeable
            assert c.to_dict()["kind"] == c.kind


def test_xbar_s_equal_sizes_equals_sbar_over_c4() -> None:
    data = np.random.default_rng(7).normal(size=(30, 4))
    pair = charts.xbar_s(data)
    assert pair.baseline.sigma == pytest.approx(data.std(axis=1, ddof=1).mean() / c4(4), rel=1e-12)
    ragged = [list(r) for r in data]
    assert charts.xbar_s(ragged).baseline.sigma == pytest.approx(pair.baseline.sigma, rel=1e-12)


def test_known_standard_values() -> None:
    pair = charts.xbar_r(PISTON, known=Baseline(74.0, 0.01))
    assert pair.location.ucl[0] == pytest.approx(74.0 + 3 * 0.01 / np.sqrt(5))
    assert pair.dispersion.center[0] == pytest.approx(2.326 * 0.01)
