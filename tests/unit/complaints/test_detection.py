"""The risk detectors on synthetic series with known change points: false alarms while in control, detection
delay after a shift, and the PRR against a hand-worked table and scipy's χ²."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from zhiliang.complaints import detection

REPS, PERIODS, SHIFT_AT, N = 200, 120, 60, 400


def series(rng, p_before, p_after):
    p = np.where(np.arange(PERIODS) < SHIFT_AT, p_before, p_after)
    return rng.binomial(N, p), np.full(PERIODS, N)


def run_lengths(detector, p_after, seed):
    """(false alarms per in-control period, detection delays) over REPS replications of a shift at SHIFT_AT."""
    rng = np.random.default_rng(seed)
    false, delays = 0, []
    for _ in range(REPS):
        x, n = series(rng, 0.05, p_after)
        signals = detector(x, n)
        false += sum(1 for s in signals if s.period < SHIFT_AT)
        after = [s.period for s in signals if s.period >= SHIFT_AT]
        delays.append(after[0] - SHIFT_AT if after else math.inf)
    return false / (REPS * SHIFT_AT), np.array(delays)


@pytest.mark.parametrize("name, detector", [
    ("ewma", lambda x, n: detection.ewma_rate(x, n, baseline=0.05)[2]),
    ("cusum", lambda x, n: detection.cusum_rate(x, n, baseline=0.05)[1]),
])
def test_rate_detectors_stay_quiet_in_control_and_find_a_doubling_fast(name, detector):
    quiet, _ = run_lengths(detector, 0.05, seed=1)
    _, delays = run_lengths(detector, 0.10, seed=2)
    # A 3-sigma-type design: well under 1 % false alarms a period (ARL0 in the hundreds); a doubled failure rate
    # found within 5 periods in nine runs of ten (median delay reported by the assertion message).
    assert quiet < 0.01, f"{name}: {quiet:.4f} false alarms per period"
    assert np.mean(delays <= 5) >= 0.9, f"{name}: median delay {np.median(delays)} periods"


def test_the_ewma_baseline_from_the_first_periods_and_its_limits():
    x, n = [5] * 10 + [30] * 5, [100] * 15
    z, limits, signals = detection.ewma_rate(x, n, warmup=10)
    assert z[:10] == pytest.approx([0.05] * 10) and limits[0] < limits[-1]  # limits widen to their asymptote
    assert [s.period for s in signals] == [10] and signals[0].baseline == pytest.approx(0.05)
    zh, en = signals[0].explain()
    assert "EWMA" in zh and "period 11" in en and "0.05" in en


def test_a_poisson_spike_is_found_where_it_is_and_rarely_elsewhere():
    rng = np.random.default_rng(7)
    counts = rng.poisson(5, 400)
    counts[300] = 25
    signals = detection.poisson_spike(counts, window=12, alpha=0.001)
    assert 300 in [s.period for s in signals]
    assert len([s for s in signals if s.period != 300]) <= 3  # about 0.4 expected by chance
    spike = next(s for s in signals if s.period == 300)
    assert spike.details["p_value"] < 1e-6 and spike.baseline == pytest.approx(counts[288:300].mean())


def test_exposure_scales_the_poisson_baseline():
    counts, exposure = [10] * 12 + [40], [1000] * 12 + [4000]  # four times the units sold: not a spike
    assert detection.poisson_spike(counts, exposure=exposure, window=12) == []
    assert [s.period for s in detection.poisson_spike(counts, window=12)] == [12]


def test_prr_on_a_worked_table():
    got = detection.prr(20, 80, 100, 1900)
    assert got.prr == pytest.approx(4.0)
    se = math.sqrt(1 / 20 - 1 / 100 + 1 / 100 - 1 / 2000)
    assert (got.low, got.high) == pytest.approx((4 * math.exp(-1.959964 * se), 4 * math.exp(1.959964 * se)), rel=1e-6)
    reference = stats.chi2_contingency([[20, 80], [100, 1900]], correction=True)[0]
    assert got.chi2 == pytest.approx(reference) and got.signal is not None
    assert detection.prr(2, 8, 10, 990).signal is None  # PRR 10 but fewer than three cases
    assert detection.prr(30, 970, 30, 970).signal is None  # PRR 1


@pytest.mark.parametrize("call", [
    lambda: detection.ewma_rate([1, 2], [10]),
    lambda: detection.ewma_rate([11], [10], baseline=0.1),
    lambda: detection.cusum_rate([1, 2], [10, 10], h=0),
    lambda: detection.poisson_spike([-1, 2]),
    lambda: detection.prr(-1, 1, 1, 1),
])
def test_bad_input_is_refused_with_a_reason(call):
    with pytest.raises(ValueError) as caught:
        call()
    assert "/" in str(caught.value)  # Chinese / English
