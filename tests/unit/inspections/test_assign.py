"""Inspector assignment: every team keeps every rule, caps hold, nothing is dropped, unmet targets say why, and the
result equals an independent re-implementation of the documented procedure (issue 5, points 4 and 9)."""

from __future__ import annotations

import hashlib
import itertools
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhiliang.inspections.assign import Inspector, Target, assign, covers, jurisdiction_prefix, rank_key

SEED = b"\x07" * 32
SKILLS = ("食品", "特种设备", "计量", "广告")
DEPTS = ("市场监管局", "应急管理局", "生态环境局")
DIVISIONS = ("500106", "500107", "500112", "500235")
JURISDICTIONS = ("500000", "500100", "500106", "500107", "500112", "500235")


@pytest.mark.parametrize(("jurisdiction", "division", "ok"), [
    ("500000", "500106", True), ("500100", "500106", True), ("500106", "500106", True), ("500106", "500107", False),
    ("500100", "500235", False), ("500200", "500235", True), ("500200", "500106", False), ("510000", "500106", False),
    ("500106", "500106001000", True),
])
def test_jurisdiction_covers_by_prefix(jurisdiction, division, ok):
    assert covers(jurisdiction, division) is ok


@pytest.mark.parametrize("bad", ["5001", "50010a", "５００１０６", ""])
def test_bad_jurisdiction_code(bad):
    with pytest.raises(ValueError):
        jurisdiction_prefix(bad)


inspectors_st = st.lists(st.builds(
    Inspector, id=st.integers(1, 10**6), department=st.sampled_from(DEPTS), jurisdiction=st.sampled_from(JURISDICTIONS),
    skills=st.frozensets(st.sampled_from(SKILLS), max_size=3), affiliation=st.sampled_from([None, "甲", "乙"]),
    conflicts=st.frozensets(st.integers(1, 40), max_size=3)), max_size=25, unique_by=lambda i: i.id)
targets_st = st.lists(st.builds(
    Target, entity_id=st.integers(1, 40), division_code=st.sampled_from(DIVISIONS),
    affiliation=st.sampled_from([None, "甲", "乙"]), required_skills=st.frozensets(st.sampled_from(SKILLS), max_size=2),
    last_round_inspectors=st.frozensets(st.integers(1, 10**6), max_size=2)), max_size=20, unique_by=lambda t: t.entity_id)
settings_st = st.fixed_dictionaries({"per_target": st.integers(1, 3), "workload_cap": st.integers(0, 4),
                                     "departments": st.sampled_from([(), DEPTS[:2], DEPTS])})


def check_team(team: tuple[int, ...], target: Target, by_id: dict[int, Inspector], size: int, departments) -> None:
    members = [by_id[i] for i in team]
    assert len(team) == len(set(team)) == size
    for i in members:
        assert covers(i.jurisdiction, target.division_code)
        assert not target.required_skills or i.skills & target.required_skills
        assert target.entity_id not in i.conflicts
        assert i.affiliation is None or i.affiliation != target.affiliation
        assert i.id not in target.last_round_inspectors
        assert not departments or i.department in departments
    assert target.required_skills <= frozenset().union(*(i.skills for i in members))
    assert set(departments) <= {i.department for i in members}


@settings(max_examples=300)
@given(targets_st, inspectors_st, settings_st)
def test_every_team_keeps_every_rule_and_nothing_is_dropped(targets, inspectors, opts):
    a = assign(targets, inspectors, seed=SEED, plan_id="P", **opts)
    by_id = {i.id: i for i in inspectors}
    size = max(opts["per_target"], len(opts["departments"]))
    assert set(a.by_target) == {t.entity_id for t in targets}
    for t in targets:
        team = a.by_target[t.entity_id]
        if team:
            assert t.entity_id not in a.unmet
            check_team(team, t, by_id, size, opts["departments"])
        else:
            assert a.unmet[t.entity_id] and all(zh and en for zh, en in a.unmet[t.entity_id])
    assert all(n <= opts["workload_cap"] for n in a.loads().values())


@given(targets_st, inspectors_st, settings_st, st.randoms())
def test_result_does_not_depend_on_input_order(targets, inspectors, opts, rnd):
    a = assign(targets, inspectors, seed=SEED, plan_id="P", **opts)
    rnd.shuffle(targets)
    rnd.shuffle(inspectors)
    assert assign(targets, inspectors, seed=SEED, plan_id="P", **opts) == a


# --- an independent re-implementation of the module docstring's procedure -------------------------------------

def reference_assign(targets, inspectors, *, per_target, workload_cap, departments, seed, plan_id):
    size = max(per_target, len(set(departments)))
    prefix = seed + b"\x00" + plan_id.encode() + b"\x00"
    load = dict.fromkeys((i.id for i in inspectors), 0)
    teams = {}
    for t in sorted(targets, key=lambda t: (rank_key(seed, plan_id, t.entity_id), t.entity_id)):
        pool = sorted((i for i in inspectors if covers(i.jurisdiction, t.division_code)
                       and (not t.required_skills or i.skills & t.required_skills) and load[i.id] < workload_cap
                       and (not departments or i.department in departments)), key=lambda i: i.id)
        words = (w for b in itertools.count()
                 for w in struct.unpack(">4Q", hashlib.sha256(prefix + b"assign\x00%d\x00%d" % (t.entity_id, b)).digest()))

        def below(m, words=words):
            return next(x for x in words if x < 2**64 - 2**64 % m) % m
        for k in range(len(pool)):
            j = k + below(len(pool) - k)
            pool[k], pool[j] = pool[j], pool[k]
        cands = [i for i in pool if t.entity_id not in i.conflicts and i.id not in t.last_round_inspectors
                 and (i.affiliation is None or i.affiliation != t.affiliation)]
        team = next((c for c in itertools.combinations(cands, size)
                     if t.required_skills <= frozenset().union(*(i.skills for i in c))
                     and set(departments) <= {i.department for i in c}), ())
        teams[t.entity_id] = tuple(i.id for i in team)
        for i in team:
            load[i.id] += 1
    return teams


@settings(max_examples=300)
@given(targets_st, inspectors_st, settings_st, st.binary(min_size=1, max_size=8))
def test_matches_the_documented_procedure(targets, inspectors, opts, seed):
    a = assign(targets, inspectors, seed=seed, plan_id="计划-1", **opts)
    assert a.by_target == reference_assign(targets, inspectors, seed=seed, plan_id="计划-1", **opts)


# --- joint plans and reasons ------------------------------------------------------------------------------------

def city(n: int, dept: str = "市场监管局", **kw) -> Inspector:
    return Inspector(n, dept, "500000", kw.pop("skills", frozenset({"食品"})), **kw)


def target(n: int, **kw) -> Target:
    return Target(n, kw.pop("division", "500106"), required_skills=kw.pop("skills", frozenset({"食品"})), **kw)


def reasons(a, n) -> str:
    return " | ".join(f"{zh} / {en}" for zh, en in a.unmet[n])


def test_joint_plan_takes_one_inspector_from_each_department():
    inspectors = [city(n, DEPTS[n % 3]) for n in range(1, 31)]
    targets = [target(n) for n in range(1, 11)]
    a = assign(targets, inspectors, per_target=2, workload_cap=10, departments=DEPTS, seed=SEED, plan_id="J")
    by_id = {i.id: i for i in inspectors}
    assert not a.unmet
    for team in a.by_target.values():
        assert len(team) == 3 and {by_id[i].department for i in team} == set(DEPTS)


def test_joint_plan_lacking_a_department_says_which():
    inspectors = [city(n, DEPTS[n % 2]) for n in range(1, 11)]
    a = assign([target(1)], inspectors, workload_cap=5, departments=DEPTS, seed=SEED, plan_id="J")
    assert a.by_target[1] == ()
    assert "联合抽查缺少部门“生态环境局”的人员" in reasons(a, 1) and "生态环境局" in a.unmet[1][1][1]


def test_no_inspector_in_the_jurisdiction():
    a = assign([target(1, division="510104")], [city(1), city(2)], workload_cap=5, seed=SEED, plan_id="P")
    assert "no inspector's jurisdiction covers division 510104" in reasons(a, 1)


def test_missing_skill_is_named():
    a = assign([target(1, skills=frozenset({"食品", "计量"}))], [city(1), city(2)], workload_cap=5, seed=SEED,
               plan_id="P")
    assert reasons(a, 1).startswith("辖区内具备技能的检查人员不足 / not enough qualified inspectors in the jurisdiction")
    assert "nobody has skill '计量'" in reasons(a, 1)


def test_team_covers_skills_together():
    inspectors = [city(1, skills=frozenset({"食品"})), city(2, skills=frozenset({"计量"})), city(3)]
    a = assign([target(1, skills=frozenset({"食品", "计量"}))], inspectors, workload_cap=5, seed=SEED, plan_id="P")
    assert 2 in a.by_target[1]


def test_recusal_leaves_too_few():
    inspectors = [city(1, affiliation="甲"), city(2, conflicts=frozenset({1})), city(3)]
    a = assign([target(1, affiliation="甲")], inspectors, workload_cap=5, seed=SEED, plan_id="P")
    assert "回避后检查人员不足" in reasons(a, 1) and "2 needed, 1 available" in reasons(a, 1)
    b = assign([target(2, last_round_inspectors=frozenset({3}))], inspectors, workload_cap=5, seed=SEED, plan_id="P")
    assert sorted(b.by_target[2]) == [1, 2]


def test_workload_caps_reached():
    a = assign([target(n) for n in range(1, 6)], [city(1), city(2)], workload_cap=2, seed=SEED, plan_id="P")
    assert sorted(len(t) for t in a.by_target.values()) == [0, 0, 0, 2, 2]
    assert all(reasons(a, n).startswith("工作量上限已满 / workload caps reached") for n in a.unmet)
    assert a.loads() == {1: 2, 2: 2}


def test_bad_arguments():
    with pytest.raises(ValueError, match="duplicate inspector"):
        assign([], [city(1), city(1)], workload_cap=1, seed=SEED, plan_id="P")
    with pytest.raises(ValueError, match="duplicate target"):
        assign([target(1), target(1)], [city(1)], workload_cap=1, seed=SEED, plan_id="P")
    with pytest.raises(ValueError):
        assign([], [], per_target=0, workload_cap=1, seed=SEED, plan_id="P")
