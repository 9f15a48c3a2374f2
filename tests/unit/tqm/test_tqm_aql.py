"""ISO 2859-1 / GB/T 2828.1 tables against spc_reference.json, arrow following, switching rules on scripted lot
sequences (and Hypothesis-generated ones), and OC curves."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from tqm_ref import REF

from zhiliang.tqm import aql
from zhiliang.tqm.errors import TqmInputError

ISO = REF["iso2859_1"]
LETTERS = list(ISO["normal_master_table_2A"])


def test_code_letters_match_table_1_at_both_ends_of_every_range() -> None:
    for row in ISO["code_letter_table"]:
        for size in (row["min"], row["max"] or 10**7):
            for level in ISO["levels"]:
                assert aql.code_letter(size, level) == row[level], (size, level)


def test_normal_table_matches_reference_cell_by_cell() -> None:
    table = aql._tables()["tables"]["normal"]
    for letter in LETTERS:
        for j, column in enumerate(ISO["aql_columns"]):
            want = ISO["normal_master_table_2A"][letter][column]
            got = table[letter][j]
            assert got == (want if isinstance(want, str) else [want["Ac"], want["Re"]]), (letter, column)


def test_arrows_lead_to_the_first_plan_in_that_direction() -> None:
    for letter in LETTERS:
        for column in ISO["aql_columns"]:
            p = aql.plan(column, code=letter)
            cell = ISO["normal_master_table_2A"][letter][column]
            if isinstance(cell, dict):
                assert (p.plan_letter, p.ac, p.re) == (letter, cell["Ac"], cell["Re"])
            else:
                rows = LETTERS[LETTERS.index(letter) + 1:] if cell == "down" else LETTERS[:LETTERS.index(letter)][::-1]
                first = next(r for r in rows if isinstance(ISO["normal_master_table_2A"][r][column], dict))
                assert p.plan_letter == first
            assert p.n == ISO["sample_size_by_letter"][p.plan_letter]


def test_master_table_rules_of_the_reference() -> None:
    rule = ISO["normal_master_table_rule"]
    for i, letter in enumerate(LETTERS):
        row = ISO["normal_master_table_2A"][letter]
        for column in ISO["aql_columns"]:
            cell = row[column]
            if isinstance(cell, dict):
                assert cell["Re"] == cell["Ac"] + 1
        zero = [c for c in ISO["aql_columns"] if row[c] == {"Ac": 0, "Re": 1}]
        if zero:
            assert ISO["aql_columns"].index(zero[0]) == 14 - i, rule["Ac0_column_index"]


def test_tightened_is_never_looser_than_normal_at_equal_sample_size() -> None:
    for letter in LETTERS:
        for column in ISO["aql_columns"]:
            normal, tight = aql.plan(column, code=letter), aql.plan(column, code=letter, severity="tightened")
            if normal.n == tight.n:
                assert tight.ac <= normal.ac
            p = np.linspace(0.001, 0.3, 5)
            assert np.all(tight.oc(p, model="poisson") <= normal.oc(p, model="poisson") + 0.25)


def test_worked_lookup() -> None:
    # lot of 1000, level II → J (n = 80); AQL 1.0: normal 2/3, tightened 1/2 (same n)
    assert aql.code_letter(1000) == "J"
    normal = aql.plan("1.0", lot_size=1000)
    assert (normal.n, normal.ac, normal.re) == (80, 2, 3)
    tight = aql.plan(1.0, lot_size=1000, severity="tightened")
    assert (tight.n, tight.ac, tight.re) == (80, 1, 2)
    assert aql.plan("0.10", lot_size=10).hundred_percent


def test_oc_curves() -> None:
    p = np.linspace(0, 0.2, 21)
    pa = aql.oc_curve(80, 2, p)
    np.testing.assert_allclose(pa, stats.binom.cdf(2, 80, p))
    assert pa[0] == 1 and np.all(np.diff(pa) <= 0)
    hyper = aql.oc_curve(80, 2, p, model="hypergeometric", lot_size=1000)
    assert hyper[0] == 1 and np.all(np.diff(hyper) <= 1e-12)
    assert aql.plan("25", code="C").oc([0.1])[0] == pytest.approx(stats.poisson.cdf(3, 0.5))


def _run(outcomes: list[bool], **kwargs: object) -> aql.SwitchingRun:
    """Lots of 1000 at AQL 1.0 (code J: normal 80 2/3, tightened 80 1/2, reduced 32 1/3): 0 = accepted, 5 = not."""
    return aql.run_switching([0 if ok else 5 for ok in outcomes], aql="1.0", lot_size=1000, **kwargs)


def test_two_of_five_not_accepted_tightens() -> None:
    run = _run([True, False, True, True, False, True])
    assert [lot.switch for lot in run.lots] == [None, None, None, None, "normal->tightened", None]
    assert run.lots[5].severity == "tightened"
    assert _run([False, True, True, True, True, False]).next_severity == "normal"  # 6 lots apart


def test_five_accepted_on_tightened_restores_normal() -> None:
    run = _run([False, False] + [True] * 5)
    assert run.lots[6].switch == "tightened->normal" and run.next_severity == "normal"


def test_five_not_accepted_on_tightened_discontinues() -> None:
    run = _run([False, False] + [False, True, False, True, False, False, True, False] + [True] * 3)
    assert run.discontinued_after == 9 and run.next_severity == "discontinued" and len(run.lots) == 10
    assert run.lots[9].switch == "tightened->discontinued"


def test_switching_score_reaches_reduced_and_back() -> None:
    run = _run([True] * 12 + [False])
    # Ac = 2 ≥ 2: +3 per lot accepted at the tighter AQL (0.65: 1/2) → 30 after the tenth lot
    assert run.lots[9].switching_score == 30 and run.lots[9].switch == "normal->reduced"
    assert run.lots[10].severity == "reduced" and run.lots[10].plan.n == 32
    assert run.lots[12].switch == "reduced->normal"
    assert _run([True] * 12, reduced_allowed=False).next_severity == "normal"
    assert _run([True] * 12, steady=[True] * 9 + [False] * 3).next_severity == "normal"
    assert _run([True] * 12, steady=[False] * 3 + [True] * 9).lots[9].switch == "normal->reduced"


def test_score_resets_when_not_accepted_at_the_tighter_aql() -> None:
    counts = [0] * 5 + [2] + [0] * 5  # 2 nonconforming: accepted at 1.0 (Ac 2) but not at 0.65 (Ac 1)
    run = aql.run_switching(counts, aql="1.0", lot_size=1000)
    assert [lot.switching_score for lot in run.lots][4:8] == [15, 0, 3, 6]


def test_small_acceptance_numbers_score_two() -> None:
    run = aql.run_switching([0] * 16, aql="0.65", lot_size=1000)  # J at 0.65: 80, 1/2
    assert run.lots[0].plan.ac == 1 and run.lots[14].switching_score == 30
    assert run.lots[14].switch == "normal->reduced"


def test_reduced_gap_accepts_but_reinstates_normal() -> None:
    counts = [0] * 10 + [2]  # reduced J at 1.0 is 32, Ac 1, Re 3
    run = aql.run_switching(counts, aql="1.0", lot_size=1000)
    assert run.lots[10].accepted and run.lots[10].switch == "reduced->normal"


@settings(max_examples=80, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=60), st.booleans())
def test_switching_invariants(outcomes: list[bool], allowed: bool) -> None:
    run = _run(outcomes, reduced_allowed=allowed)
    legal = {"normal->tightened", "tightened->normal", "normal->reduced", "reduced->normal", "tightened->discontinued"}
    severity = "normal"
    for lot in run.lots:
        assert lot.severity == severity and lot.accepted == outcomes[lot.index]
        if lot.switch:
            assert lot.switch in legal and lot.switch.startswith(severity)
            severity = lot.switch.split("->")[1]
        if lot.switch == "reduced->normal":
            assert not lot.accepted
        if lot.switch == "normal->reduced":
            assert allowed and lot.switching_score >= 30
    assert run.next_severity == severity
    assert (run.discontinued_after is not None) == (severity == "discontinued")


def test_aql_input_errors() -> None:
    cases = [
        (lambda: aql.plan("0.3", code="J"), "aql"),
        (lambda: aql.plan("1.0", code="I"), "code"),
        (lambda: aql.code_letter(1, "II"), "lot_size"),
        (lambda: aql.code_letter(100, "IV"), "level"),
        (lambda: aql.plan("1.0", code="J", severity="strict"), "severity"),
        (lambda: aql.run_switching([0, -1], aql="1.0", lot_size=1000), "nonconforming/1"),
        (lambda: aql.run_switching([0, 1], aql="1.0", lot_size=[1000]), "lot_size"),
        (lambda: aql.oc_curve(80, 2, [0.1, 1.5]), "p/1"),
    ]
    for call, where in cases:
        with pytest.raises(TqmInputError) as e:
            call()
        assert e.value.where == where and e.value.zh and e.value.en
