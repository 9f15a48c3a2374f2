"""The credit scoring model on worked examples, decay and class bounds at their edges, and the periods of Order 44
and credit repair (issue 6, points 2, 3 and 8). The SQL form of the model is held to the same numbers in
tests/integration/credit/test_scoring_sql.py."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import pytest

from zhiliang.credit import domain
from zhiliang.credit.domain import RecordFacts

TODAY = date(2026, 11, 22)
DEFAULT = Path(str(resources.files("zhiliang.credit") / "data" / "credit_model.toml"))


@pytest.fixture(scope="module")
def model() -> domain.CreditModel:
    return domain.load_model(DEFAULT)


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def test_the_default_model_reads_as_documented(model):
    assert model.version == "2026.1" and model.baseline == 10.0 and model.window_days == 1825
    assert [c.code for c in model.classes] == ["A", "B", "C", "D"] and model.bounds() == [5.0, 30.0, 60.0]
    assert model.indicators["admin_penalty"].half_life_days == 730
    assert model.indicators["valid_certificate"].max_count == 1


def test_worked_example(model):
    # A heavier penalty two years ago (one half-life): (20 + 15) × 0.5 = 17.5; a withdrawn certificate today: 20;
    # a valid certificate: −6. Baseline 10 → 41.5 → class C (30 ≤ 41.5 < 60).
    records = [RecordFacts(1, "admin_penalty", days_ago(730), heavier=True, label="渝市监罚〔2024〕12号"),
               RecordFacts(2, "certificate_withdrawn", TODAY), RecordFacts(3, "valid_certificate", TODAY)]
    result = domain.score(model, records, TODAY)
    assert result.score == pytest.approx(41.5) and result.risk_class == "C"
    assert [(c.record_id, round(c.value, 6)) for c in result.contributions] == [(2, 20.0), (1, 17.5), (3, -6.0)]
    assert result.contributions[1].weight == pytest.approx(0.5) and result.contributions[1].label == "渝市监罚〔2024〕12号"


@pytest.mark.parametrize("value, expected", [(4.999, "A"), (5.0, "B"), (29.999, "B"), (30.0, "C"), (59.99, "C"),
                                             (60.0, "D"), (-100.0, "A"), (1e9, "D")])
def test_class_bounds_are_exclusive_above(model, value, expected):
    assert domain.classify(model, value) == expected


@pytest.mark.parametrize("age, counted", [(0, True), (1825, True), (1826, False), (-1, False)])
def test_the_window_edges(model, age, counted):
    result = domain.score(model, [RecordFacts(1, "admin_penalty", days_ago(age))], TODAY)
    assert bool(result.contributions) is counted


@pytest.mark.parametrize("ended, counted", [(None, True), (TODAY + timedelta(days=1), True), (TODAY, False)])
def test_a_listing_counts_undecayed_until_it_ends(model, ended, counted):
    record = RecordFacts(1, "abnormal_operation", days_ago(1000), ended_on=ended)
    result = domain.score(model, [record], TODAY)
    assert result.score == (35.0 if counted else 10.0)


def test_max_count_and_unknown_indicators(model):
    records = [RecordFacts(1, "valid_certificate", TODAY), RecordFacts(2, "valid_certificate", TODAY),
               RecordFacts(3, "no_such_indicator", TODAY)]
    result = domain.score(model, records, TODAY)
    assert result.score == 4.0 and [c.record_id for c in result.contributions] == [1] and result.risk_class == "A"


@pytest.mark.parametrize("change, key", [
    (lambda d: d.pop("baseline"), "baseline"),
    (lambda d: d["classes"][1].update(below=1.0), "classes"),
    (lambda d: d["classes"][3].update(below=99.0), "classes[3].below"),
    (lambda d: d["indicators"][0].update(code="Admin Penalty"), "indicators[0].code"),
    (lambda d: d["indicators"][1].update(code="admin_penalty"), "indicators[1].code"),
    (lambda d: d["indicators"][0].update(half_life_days=0), "indicators[0].half_life_days"),
    (lambda d: d["indicators"][0].update(max_count=2), "indicators[0].max_count"),
])
def test_a_bad_model_file_is_refused_naming_the_key(change, key):
    import tomllib

    doc = tomllib.loads(DEFAULT.read_text(encoding="utf-8"))
    change(doc)
    with pytest.raises(domain.ModelError) as refused:
        domain.parse_model(doc, "m.toml")
    assert f"m.toml: {key}:" in str(refused.value) and " / " in str(refused.value)


def test_listing_needs_a_serious_violation_and_a_heavier_penalty():
    assert domain.listing_allowed(True, "licence_revoked") == []
    assert len(domain.listing_allowed(False, "heavier_fine")) == 1
    assert len(domain.listing_allowed(True, None)) == 1
    assert len(domain.listing_allowed(False, "a fine")) == 2


@pytest.mark.parametrize("listed, years, end", [(date(2026, 3, 5), 3, date(2029, 3, 5)),
                                                (date(2024, 2, 29), 3, date(2027, 2, 28)),
                                                (date(2024, 2, 29), 4, date(2028, 2, 29))])
def test_the_list_ends_on_the_same_calendar_day(listed, years, end):
    assert domain.serious_list_end(listed, years) == end


def test_early_removal_from_one_year_with_every_condition():
    ok = dict(min_years=1, obligations_fulfilled=True, harm_remedied=True, new_heavier_penalty=False,
              commitment_letter=True)
    listed = date(2025, 11, 22)
    assert domain.early_removal_problems(listed, date(2026, 11, 22), **ok) == []
    too_soon = domain.early_removal_problems(listed, date(2026, 11, 21), **ok)
    assert len(too_soon) == 1 and "2026-11-22" in too_soon[0][0]
    assert len(domain.early_removal_problems(listed, date(2027, 1, 1), **{**ok, "new_heavier_penalty": True,
                                                                          "commitment_letter": False})) == 2


@pytest.mark.parametrize("decided, special, repairable", [
    (date(2026, 1, 15), False, date(2026, 7, 15)), (date(2026, 1, 15), True, date(2027, 1, 15)),
    (date(2026, 8, 31), False, date(2027, 2, 28)), (date(2027, 8, 31), False, date(2028, 2, 29)),
    (date(2026, 12, 31), True, date(2027, 12, 31))])
def test_penalty_repair_after_6_or_12_months(decided, special, repairable):
    assert domain.penalty_repair_date(decided, special_field=special, months=6, special_months=12) == repairable
