"""The stratified draw, pool digest, commitment and verify_draw: reproducible, sensitive to every input, exact quotas,
and fair — checked by a chi-square test that a biased selector fails (issue 5, points 3 and 9)."""

from __future__ import annotations

import copy
import hashlib
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from zhiliang.inspections import domain as d
from zhiliang.inspections.assign import Inspector, Target, assign, rank_key

SEED = bytes(range(32))
RATIOS = {"A": "0.05", "B": "0.1", "C": "0.2", "D": "0.5"}
ALPHA = 0.001  # significance of the goodness-of-fit tests

pools = st.dictionaries(st.integers(0, 10**9), st.sampled_from(d.RISK_CLASSES), min_size=1, max_size=60).map(
    lambda m: [d.PoolMember(i, c) for i, c in m.items()])
ratio_values = st.sampled_from(["0", "0.05", "0.1", "0.25", "0.5", "1"])


def small_pool() -> list[d.PoolMember]:
    sizes = {"A": 20, "B": 40, "C": 30, "D": 10}
    out, n = [], 100
    for c, size in sizes.items():
        out += [d.PoolMember(n + k, c) for k in range(size)]
        n += size
    return out


# --- encodings -------------------------------------------------------------------------------------------------

def test_pool_digest_is_sha256_of_the_documented_lines():
    members = [(1003, "D"), (7, "B"), (12, "A")]
    assert d.pool_digest(members) == hashlib.sha256(b"7,B\n12,A\n1003,D\n").hexdigest()
    assert d.pool_digest([]) == hashlib.sha256(b"").hexdigest()
    assert d.pool_digest({"B": [7], "A": [12], "D": [1003]}) == d.pool_digest(members)


def test_commitment_is_sha256_of_canonical_json():
    data, digest = d.commitment({"ratios": {"B": "0.1", "A": "0.05"}, "名称": "食品"}, "ab", "ledger:first-after")
    assert data == ('{"plan":{"ratios":{"A":"0.05","B":"0.1"},"名称":"食品"},"pool_digest":"ab",'
                    '"seed_rule":"ledger:first-after","v":1}').encode()
    assert digest == hashlib.sha256(data).hexdigest()


def test_rank_key_encoding():
    assert rank_key(b"\x01\x02", "P-1", 42) == hashlib.sha256(b"\x01\x02\x00P-1\x0042").digest()
    with pytest.raises(ValueError):
        rank_key(b"", "P\x001", 1)


def test_selection_is_lowest_rank_keys_in_order():
    pool = small_pool()
    result = d.draw(pool, RATIOS, SEED, "P-1")
    for c in d.RISK_CLASSES:
        ids = [m.entity_id for m in pool if m.risk_class == c]
        expected = sorted(ids, key=lambda i: (rank_key(SEED, "P-1", i), i))[:result.quotas[c]]
        assert list(result.selected[c]) == expected


# --- quotas ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("ratio", "size", "minimum", "k"), [
    ("0.05", 30, 0, 2), ("0.05", 29, 0, 1), ("0.05", 30, 3, 3), ("0.05", 2, 3, 2), (0.145, 100, 0, 15),
    (0.5, 3, 0, 2), ("0.5", 1, 0, 1), (0, 50, 0, 0), (0, 50, 4, 4), (1, 7, 0, 7), ("0.1", 0, 5, 0),
])
def test_quota_examples(ratio, size, minimum, k):
    assert d.quota(ratio, size, minimum) == k


@given(st.fractions(0, 1), st.integers(0, 10**7), st.integers(0, 100))
def test_quota_rule(ratio, size, minimum):
    expected = min(size, max(minimum, int(ratio * size + Fraction(1, 2))))
    assert d.quota(ratio, size, minimum) == expected


@pytest.mark.parametrize("bad", [-0.1, 1.5, "x", float("nan"), True])
def test_bad_ratio_is_refused(bad):
    with pytest.raises(ValueError):
        d.quota(bad, 10)


@given(pools, st.fixed_dictionaries({c: ratio_values for c in d.RISK_CLASSES}), st.integers(0, 5))
def test_quotas_and_sizes_follow_the_rule(pool, ratios, minimum):
    result = d.draw(pool, ratios, SEED, "P", minimum)
    for c in d.RISK_CLASSES:
        n = sum(1 for m in pool if m.risk_class == c)
        assert result.sizes[c] == n
        assert result.quotas[c] == d.quota(ratios[c], n, minimum) == len(result.selected[c])
        assert {i for i in result.selected[c]} <= {m.entity_id for m in pool if m.risk_class == c}


# --- reproducible, and sensitive to every input ---------------------------------------------------------------

@given(pools, st.binary(min_size=1, max_size=40), st.randoms())
def test_draw_is_reproducible_and_order_independent(pool, seed, rnd):
    shuffled = list(pool)
    rnd.shuffle(shuffled)
    assert d.draw(pool, RATIOS, seed, "P") == d.draw(shuffled, RATIOS, seed, "P")
    assert d.pool_digest(pool) == d.pool_digest(shuffled)


@given(pools, st.data())
def test_changing_one_member_changes_the_digest_and_commitment(pool, data):
    k = data.draw(st.integers(0, len(pool) - 1))
    changed = list(pool)
    member = changed[k]
    other = data.draw(st.sampled_from([c for c in d.RISK_CLASSES if c != member.risk_class]))
    changed[k] = d.PoolMember(member.entity_id, other) if data.draw(st.booleans()) else \
        d.PoolMember(max(m.entity_id for m in pool) + 1, member.risk_class)
    assert d.pool_digest(changed) != d.pool_digest(pool)
    params = {"ratios": RATIOS}
    assert d.commitment(params, d.pool_digest(changed), "r")[1] != d.commitment(params, d.pool_digest(pool), "r")[1]


def test_changing_one_member_changes_the_selection():
    pool = small_pool()
    base = d.draw(pool, RATIOS, SEED, "P")
    drawn_b = base.selected["B"][0]
    changed = [m if m.entity_id != drawn_b else d.PoolMember(10**6, "B") for m in pool]
    assert d.draw(changed, RATIOS, SEED, "P").selected["B"] != base.selected["B"]


def test_changing_the_seed_or_plan_changes_the_selection():
    pool = small_pool()
    base = d.draw(pool, RATIOS, SEED, "P").targets()
    assert d.draw(pool, RATIOS, SEED[:-1] + b"\xff", "P").targets() != base
    assert d.draw(pool, RATIOS, SEED, "Q").targets() != base


def test_changing_a_ratio_changes_quota_commitment_and_selection():
    pool, digest = small_pool(), d.pool_digest(small_pool())
    changed = {**RATIOS, "C": "0.3"}
    a, b = d.draw(pool, RATIOS, SEED, "P"), d.draw(pool, changed, SEED, "P")
    assert (a.quotas["C"], b.quotas["C"]) == (6, 9)
    assert b.selected["C"][:6] == a.selected["C"] and len(b.selected["C"]) == 9  # a larger k extends the ranking
    assert d.commitment({"ratios": RATIOS}, digest, "r") != d.commitment({"ratios": changed}, digest, "r")


def test_bad_pools_are_refused():
    with pytest.raises(ValueError, match="twice"):
        d.draw([(1, "A"), (1, "B")], RATIOS, SEED, "P")
    with pytest.raises(ValueError, match="risk class"):
        d.pool_digest([(1, "E")])
    with pytest.raises(ValueError, match="no ratio"):
        d.draw([(1, "A")], {"B": "0.1"}, SEED, "P")
    with pytest.raises(ValueError):
        d.draw([(1.5, "A")], RATIOS, SEED, "P")


def test_64_bit_prefix_ties_are_settled_by_the_full_digest(monkeypatch):
    ids = list(range(50))
    monkeypatch.setattr(d, "_keys", lambda prefix, ids: np.zeros(len(ids), np.uint64))  # every prefix collides
    prefix = b"s\x00P\x00"
    expected = sorted(ids, key=lambda i: hashlib.sha256(prefix + b"%d" % i).digest())[:7]
    assert list(d._lowest(prefix, ids, 7)) == expected


# --- fairness: chi-square goodness of fit --------------------------------------------------------------------

DRAWS = 2000


def hash_selector(pool, seed):
    return d.draw(pool, RATIOS, seed, "FAIR").targets()


def unstratified_selector(pool, seed):
    """Biased: a simple random sample of the same total size, ignoring the strata."""
    total = sum(d.draw(pool, RATIOS, seed, "FAIR").quotas.values())
    return sorted((m.entity_id for m in pool), key=lambda i: rank_key(seed, "FAIR", i))[:total]


def low_id_selector(pool, seed):
    """Biased: ranks as the draw does, but entities with low ids win a quarter of the time."""
    result = d.draw(pool, RATIOS, seed, "FAIR")
    if seed[0] % 4:
        return result.targets()
    return [i for c in d.RISK_CLASSES for i in sorted(m.entity_id for m in pool if m.risk_class == c)[:result.quotas[c]]]


def stratum_test(selector) -> float:
    """p-value of the selected counts per stratum against the counts the ratios prescribe, over DRAWS seeds."""
    pool = small_pool()
    cls = {m.entity_id: m.risk_class for m in pool}
    counts = dict.fromkeys(d.RISK_CLASSES, 0)
    for n in range(DRAWS):
        for i in selector(pool, hashlib.sha256(b"%d" % n).digest()):
            counts[cls[i]] += 1
    sizes = {c: sum(1 for m in pool if m.risk_class == c) for c in d.RISK_CLASSES}
    expected = np.array([float(Fraction(RATIOS[c]) * sizes[c]) for c in d.RISK_CLASSES]) * DRAWS
    observed = np.array([counts[c] for c in d.RISK_CLASSES], float)
    return stats.chisquare(observed, expected * observed.sum() / expected.sum()).pvalue


def member_test(selector) -> float:
    """Smallest p-value over strata of per-member selection counts against uniform, over DRAWS seeds.

    Each draw takes k of N without replacement, so a member's count is Binomial(T, p = k/N) and the counts are
    negatively correlated; the Pearson statistic divided by (1 − p)·N/(N − 1) is then χ² with N − 1 degrees of
    freedom (the covariance is T·p·(1 − p)·N/(N − 1) times a projection of rank N − 1).
    """
    pool = small_pool()
    hits = {m.entity_id: 0 for m in pool}
    for n in range(DRAWS):
        for i in selector(pool, hashlib.sha256(b"%d" % n).digest()):
            hits[i] += 1
    pvalues = []
    for c in d.RISK_CLASSES:
        ids = [m.entity_id for m in pool if m.risk_class == c]
        k, n = d.quota(RATIOS[c], len(ids)), len(ids)
        observed = np.array([hits[i] for i in ids], float)
        statistic = stats.chisquare(observed, np.full(n, DRAWS * k / n)).statistic / ((1 - k / n) * n / (n - 1))
        pvalues.append(stats.chi2.sf(statistic, n - 1))
    return min(pvalues)


def test_each_strata_gets_its_ratio():
    assert stratum_test(hash_selector) > ALPHA


def test_an_unstratified_selector_fails_the_stratum_test():
    assert stratum_test(unstratified_selector) < ALPHA


def test_members_of_a_stratum_are_drawn_uniformly():
    assert member_test(hash_selector) > ALPHA / 4  # Bonferroni over the four strata


def test_a_selector_biased_to_low_ids_fails_the_uniformity_test():
    assert member_test(low_id_selector) < ALPHA / 4


# --- verify_draw -----------------------------------------------------------------------------------------------

def public_record() -> dict:
    pool = small_pool()
    inspectors = [Inspector(n, "市场监管局", "500000" if n < 3 else "500106", frozenset({"食品", "计量"}),
                            "甲集团" if n == 4 else None, frozenset({100} if n == 5 else ())) for n in range(1, 13)]
    params = {"ratios": RATIOS, "min_per_stratum": 1, "per_target": 2, "workload_cap": 2, "departments": [],
              "inspectors_digest": d.inspectors_digest(inspectors)}
    digest = d.pool_digest(pool)
    _, commit = d.commitment(params, digest, "ledger:first-checkpoint-after")
    seed = hashlib.sha256(b"checkpoint root").digest()
    result = d.draw(pool, RATIOS, seed, "2026-001", 1)
    targets = [Target(i, "500106", "甲集团" if i % 5 == 0 else None, frozenset({"食品"}), frozenset({i % 12 + 1}))
               for i in result.targets()]
    a = assign(targets, inspectors, per_target=2, workload_cap=2, seed=seed, plan_id="2026-001")
    return {"plan_id": "2026-001", "plan_params": params, "seed_rule": "ledger:first-checkpoint-after",
            "pool": [list(m) for m in pool], "pool_digest": digest, "commitment": commit, "seed": seed.hex(),
            "result": result.as_record(), "inspectors": [d.inspector_record(i) for i in inspectors],
            "targets": [d.target_record(t) for t in targets], "assignment": d.assignment_record(a)}


def test_verify_draw_matches_the_real_record():
    record = public_record()
    assert record["assignment"]["unmet"]  # 16 targets, 12 inspectors capped at 2: some cannot be staffed
    ok, checks = d.verify_draw(record)
    assert ok and set(checks.values()) == {True}


def test_verify_draw_without_assignment():
    record = public_record()
    for key in ("assignment", "inspectors", "targets"):
        del record[key]
    assert d.verify_draw(record) == (True, {"pool_digest": True, "commitment": True, "draw": True,
                                            "inspectors_digest": None, "assignment": None})


def tamper_selection(r):
    r["result"]["selected"]["B"][0] += 1


def tamper_pool(r):
    r["pool"][0][1] = "D"


def tamper_seed(r):
    r["seed"] = "00" + r["seed"][2:]


def tamper_ratio(r):
    r["plan_params"]["ratios"]["C"] = "0.3"


def tamper_team(r):
    t = next(k for k, v in r["assignment"]["by_target"].items() if v)
    r["assignment"]["by_target"][t] = r["assignment"]["by_target"][t][::-1]


def tamper_inspector(r):
    r["inspectors"][0]["conflicts"] = [1]


@pytest.mark.parametrize(("tamper", "failed"), [
    (tamper_selection, {"draw"}), (tamper_pool, {"pool_digest", "commitment", "draw"}),
    (tamper_seed, {"draw", "assignment"}), (tamper_ratio, {"commitment", "draw"}),
    (tamper_team, {"assignment"}), (tamper_inspector, {"inspectors_digest"}),
])
def test_verify_draw_reports_a_tampered_record(tamper, failed):
    record = copy.deepcopy(public_record())
    tamper(record)
    ok, checks = d.verify_draw(record)
    assert not ok
    assert failed <= {k for k, v in checks.items() if v is False}


@settings(max_examples=25)
@given(pools, st.binary(min_size=32, max_size=32))
def test_verify_draw_round_trips(pool, seed):
    params = {"ratios": RATIOS}
    digest = d.pool_digest(pool)
    record = {"plan_id": "P", "plan_params": params, "seed_rule": "r", "pool": [list(m) for m in pool],
              "pool_digest": digest, "commitment": d.commitment(params, digest, "r")[1], "seed": seed.hex(),
              "result": d.draw(pool, RATIOS, seed, "P").as_record()}
    assert d.verify_draw(record)[0]
