"""EWMA, CUSUM, capability and Pareto against qcc's printed output and Montgomery's worked examples."""

from __future__ import annotations

import numpy as np
import pytest
from tqm_ref import REF, agrees, decimals_agree

from zhiliang.tqm.capability import capability
from zhiliang.tqm.errors import TqmInputError
from zhiliang.tqm.ewma_cusum import cusum, ewma
from zhiliang.tqm.limits import Baseline
from zhiliang.tqm.pareto import pareto

PISTON = REF["datasets"]["pistonrings"]["phase1_subgroups_1_to_25"]
PRINTED = REF["qcc_printed"]
# Montgomery, Introduction to SQC, Table 9.1: 30 observations, the first 20 from N(10, 1), the last 10 from N(11, 1)
MONTGOMERY_9_1 = [9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34, 9.03, 11.47, 10.51, 9.40, 10.08,
                  9.37, 10.62, 10.31, 8.52, 10.84, 10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52]


def test_pistonrings_ewma_matches_qcc() -> None:
    want = PRINTED["pistonrings_ewma_lambda0.2_nsigmas3"]
    e = ewma(PISTON, lam=0.2, nsigmas=3)
    assert agrees(e.baseline.center, want["center"]) and agrees(e.baseline.sigma, want["std_dev"])
    for point, (lcl, ucl) in want["limits"].items():
        assert agrees(e.lcl[int(point) - 1], lcl) and agrees(e.ucl[int(point) - 1], ucl)


def test_montgomery_tabular_cusum_example() -> None:
    # Example 9.1 (μ0 = 10, σ = 1, k = 0.5, h = 5): C⁺ first exceeds H at period 29, C⁺29 = 5.28 with N⁺ = 7,
    # so the shifted mean is estimated as 10 + 0.5 + 5.28/7 = 11.25
    c = cusum(MONTGOMERY_9_1, known=Baseline(10.0, 1.0), k=0.5, h=5.0)
    assert c.signals_upper[0] == 28 and c.signals_lower.size == 0
    assert decimals_agree(c.upper[28], 5.28, 2) and c.n_upper[28] == 7
    assert decimals_agree(10 + 0.5 + c.upper[28] / c.n_upper[28], 11.25, 2)


def test_montgomery_ewma_example_limits() -> None:
    # Example 9.2 (λ = 0.1, L = 2.7): z1 = 9.945 and the first limits are 9.73 and 10.27
    e = ewma(MONTGOMERY_9_1, lam=0.1, nsigmas=2.7, known=Baseline(10.0, 1.0))
    assert decimals_agree(e.z[0], 9.945, 3)
    assert decimals_agree(e.lcl[0], 9.73, 2) and decimals_agree(e.ucl[0], 10.27, 2)


def test_cusum_equals_the_recursion_with_headstart() -> None:
    x = np.random.default_rng(5).normal(0.3, 1, 500)
    c = cusum(x, known=Baseline(0.0, 1.0), k=0.5, h=4.0, headstart=2.0)
    up = lo = 2.0
    for i, v in enumerate(x):
        up, lo = max(0.0, v - 0.5 + up), max(0.0, -v - 0.5 + lo)
        assert c.upper[i] == pytest.approx(up, abs=1e-9) and c.lower[i] == pytest.approx(lo, abs=1e-9)


def test_ewma_equals_the_recursion() -> None:
    x = np.random.default_rng(6).normal(size=300)
    e = ewma(x, lam=0.3, known=Baseline(0.0, 1.0))
    z = 0.0
    for i, v in enumerate(x):
        z = 0.3 * v + 0.7 * z
        assert e.z[i] == pytest.approx(z, abs=1e-12)


def test_pistonrings_capability_matches_qcc() -> None:
    want = PRINTED["pistonrings_capability_spec_73.95_74.05"]
    cap = capability(PISTON, lsl=73.95, usl=74.05, target=want["target"])
    assert cap.n == want["nobs"] and agrees(cap.mean, want["center"]) and agrees(cap.sigma_within, want["std_dev"])
    names = {"Cp": cap.cp, "Cp_l": cap.cpl, "Cp_u": cap.cpu, "Cp_k": cap.cpk, "Cpm": cap.cpm}
    for name, (value, lower, upper) in want["indices"].items():
        got = names[name]
        assert got is not None
        for a, b in ((got.value, value), (got.lower, lower), (got.upper, upper)):
            assert decimals_agree(a, b, 2), name  # qcc prints these to 3 significant digits
    assert cap.observed_below == 0 and round(100 * cap.expected_below, 2) == 0  # printed "0%"
    assert cap.normality is not None and cap.normality.method == "shapiro-wilk"


def test_capability_one_sided_and_overall() -> None:
    x = np.random.default_rng(1).normal(10, 1, 6000)
    cap = capability(x, usl=13.0)
    assert cap.cp is None and cap.cpl is None and cap.cpu is not None and cap.cpk.value == cap.cpu.value
    assert cap.ppk.value == pytest.approx((13 - x.mean()) / (3 * x.std(ddof=1)))
    assert cap.normality is not None and cap.normality.method == "dagostino-pearson"
    assert cap.cpk.lower < cap.cpk.value < cap.cpk.upper


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"lsl": 74.05, "usl": 73.95}, "lsl"),
        ({"lsl": 74.0, "usl": 74.0}, "lsl"),
        ({}, "lsl"),
        ({"lsl": "abc", "usl": 74.05}, "lsl"),
        ({"lsl": 73.95, "usl": 74.05, "confidence": 1.5}, "confidence"),
    ],
)
def test_capability_bad_parameters(kwargs: dict, where: str) -> None:
    with pytest.raises(TqmInputError) as e:
        capability(PISTON, **kwargs)
    assert e.value.where == where and e.value.zh and e.value.en


def test_pareto_matches_qcc_table() -> None:
    ex = PRINTED["pareto_example"]
    result = pareto(ex["input"])
    for row, want in zip(result.rows, ex["sorted"], strict=True):
        assert row.category == want[0] and row.freq == want[1] and row.cum_freq == want[2]
        assert decimals_agree(row.pct, want[3], 2) and decimals_agree(row.cum_pct, want[4], 2)
    assert result.vital_few == 3 and result.to_dict()["rows"][0]["category"] == "contact num."


def test_pareto_errors_name_the_category() -> None:
    with pytest.raises(TqmInputError) as e:
        pareto({"a": 3, "b": -1})
    assert e.value.where == "counts/b" and e.value.code == "tqm.input.negative_count"
    with pytest.raises(TqmInputError) as e:
        pareto([1, "x"], ["a", "b"])
    assert e.value.where == "counts/1"


@pytest.mark.parametrize("draw", ["normal", "exponential", "uniform", "t5"])
def test_the_one_pass_normality_test_equals_scipys(draw):
    import numpy as np
    from scipy import stats

    from zhiliang.tqm.capability import dagostino_pearson

    rng = np.random.default_rng(17)
    x = {"normal": lambda: rng.normal(5, 2, 8000), "exponential": lambda: rng.exponential(size=8000),
         "uniform": lambda: rng.uniform(size=8000), "t5": lambda: rng.standard_t(5, 30000)}[draw]()
    reference = stats.normaltest(x)
    statistic, pvalue = dagostino_pearson(x)
    assert statistic == pytest.approx(float(reference.statistic), rel=1e-9)
    assert pvalue == pytest.approx(float(reference.pvalue), rel=1e-7, abs=1e-300)
