"""Bad input raises TqmInputError naming the cell or parameter, in Chinese and English."""

from __future__ import annotations

import numpy as np
import pytest

from zhiliang.tqm import attributes, charts
from zhiliang.tqm.errors import TqmInputError
from zhiliang.tqm.ewma_cusum import cusum, ewma
from zhiliang.tqm.limits import Baseline

GOOD = [[74.0, 74.01, 73.99], [74.02, 73.98, 74.0], [73.99, 74.0, 74.02]]

CASES = [
    ("non-numeric cell", lambda: charts.xbar_r([[1.0, 2.0], [3.0, "x"]]), "tqm.input.non_numeric", "subgroups/1/1"),
    ("NaN cell", lambda: charts.xbar_r(np.array([[1.0, 2.0], [np.nan, 3.0]])), "tqm.input.non_numeric",
     "subgroups/1/0"),
    ("non-numeric value", lambda: charts.individuals([1.0, None, 2.0]), "tqm.input.non_numeric", "values/1"),
    ("unequal sizes for X̄-R", lambda: charts.xbar_r([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0, 3.0]]),
     "tqm.input.unequal_subgroups", "subgroups/2"),
    ("unequal sizes for np", lambda: attributes.np_chart([1, 2, 3], [50, 50, 40]), "tqm.input.unequal_subgroups",
     "sizes/2"),
    ("one-value subgroups for X̄-R", lambda: charts.xbar_r([[1.0], [2.0], [3.0]]), "tqm.input.subgroup_size",
     "subgroups"),
    ("one-value subgroup for X̄-S", lambda: charts.xbar_s([[1.0, 2.0], [2.0]]), "tqm.input.subgroup_size",
     "subgroups/1"),
    ("too few subgroups", lambda: charts.xbar_r([[1.0, 2.0]]), "tqm.input.too_few_subgroups", "subgroups"),
    ("too few after exclusion", lambda: charts.xbar_r(GOOD, exclude=[0, 1]), "tqm.input.too_few_subgroups",
     "subgroups"),
    ("too few values", lambda: charts.individuals([1.0]), "tqm.input.too_few", "values"),
    ("exclusion out of range", lambda: charts.xbar_r(GOOD, exclude=[3]), "tqm.input.bad_index", "exclude"),
    ("negative count", lambda: attributes.c_chart([3, -1, 2]), "tqm.input.negative_count", "counts/1"),
    ("fractional count", lambda: attributes.p_chart([3, 1.5], 50), "tqm.input.fractional_count", "defectives/1"),
    ("count above size", lambda: attributes.p_chart([3, 60], 50), "tqm.input.count_exceeds_size", "defectives/1"),
    ("zero size", lambda: attributes.u_chart([3, 2], [1.0, 0.0]), "tqm.input.nonpositive_size", "sizes/1"),
    ("sizes length", lambda: attributes.u_chart([3, 2], [1.0, 2.0, 3.0]), "tqm.input.length_mismatch", "sizes"),
    ("no variation", lambda: charts.xbar_r([[1.0, 1.0], [1.0, 1.0]]), "tqm.input.degenerate", "subgroups"),
    ("all zero counts", lambda: attributes.c_chart([0, 0, 0]), "tqm.input.degenerate", "counts"),
    ("bad known sigma", lambda: charts.xbar_r(GOOD, known=Baseline(74.0, 0.0)), "tqm.input.known", "known.sigma"),
    ("bad known p", lambda: attributes.p_chart([1, 2], 50, known=1.5), "tqm.input.known", "known.center"),
    ("bad nsigmas", lambda: charts.xbar_r(GOOD, nsigmas=-1), "tqm.input.nsigmas", "nsigmas"),
    ("bad lambda", lambda: ewma(GOOD, lam=0.0), "tqm.input.lambda", "lam"),
    ("bad headstart", lambda: cusum(GOOD, h=4, headstart=5), "tqm.input.headstart", "headstart"),
    ("scalar data", lambda: charts.individuals(3.0), "tqm.input.shape", "values"),
]


@pytest.mark.parametrize(("label", "call", "code", "where"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_names_the_cell_or_parameter(label: str, call, code: str, where: str) -> None:
    with pytest.raises(TqmInputError) as e:
        call()
    err = e.value
    assert isinstance(err, ValueError)
    assert (err.code, err.where) == (code, where)
    assert err.en and err.zh and err.en != err.zh
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.zh)
    assert where in str(err)
