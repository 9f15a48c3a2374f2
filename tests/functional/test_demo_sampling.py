"""The demo city's supervision sampling: two years of plans and results, confirmed failures carried into credit,
pass rates per category from the rollup equal to counting the samples, and an idempotent rebuild."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from zhiliang import demo
from zhiliang.credit.models import CreditRecord
from zhiliang.sampling import queries
from zhiliang.sampling.models import Sample, SampleDisposal, SamplingPlan

SEED, SCALE = 11, 0.05


@pytest.fixture
def city(rt):
    lines: list[str] = []
    demo.build(rt, seed=SEED, scale=SCALE, echo=lines.append)
    return rt, lines


def test_two_years_of_sampling_reach_credit_and_the_pass_rates(city):
    rt, lines = city
    today = rt.today()
    with rt.db.read() as s:
        plans = s.scalars(select(SamplingPlan)).all()
        statuses = dict(s.execute(select(Sample.status, func.count()).group_by(Sample.status)).all())
        failed = s.scalar(select(func.count()).select_from(Sample).where(
            Sample.verdict == "fail", Sample.status.in_(queries.FINAL)))
        credited = s.scalar(select(func.count()).select_from(CreditRecord).where(
            CreditRecord.indicator == "sampling_failed"))
        disposals = s.scalar(select(func.count()).select_from(SampleDisposal))
        done = s.scalar(select(func.count()).select_from(SampleDisposal).where(SampleDisposal.done_on.is_not(None)))
        confirmed_days = set(s.scalars(select(Sample.confirmed_on).where(Sample.confirmed_on.is_not(None))))
        rolled = queries.pass_rates(s, ("category",), source="rollup")
        counted = queries.pass_rates(s, ("category",), source="samples")
        years = {r["year"] for r in queries.pass_rates(s, ("year",))}
    assert {p.period_start.year for p in plans} == {today.year - 1, today.year}
    assert {p.level for p in plans} == {"provincial", "district"}
    assert statuses.get("published", 0) > 0 and sum(statuses.values()) >= 40
    assert failed > 0 and credited == failed and disposals == failed  # every confirmed failure: credit, disposal
    assert rolled == counted and sum(r["tested"] for r in rolled) == sum(
        statuses.get(k, 0) for k in queries.FINAL)
    assert str(today.year - 1) in years
    assert 0 < done < disposals  # last year's orders carried out, the latest still open
    assert len(confirmed_days) > 10  # each confirmed the day after its own window, not all on the build day
    assert any(line.startswith("sampling 监督抽查:") for line in lines)


def test_rebuilding_adds_no_sample(city):
    rt, _ = city
    with rt.db.read() as s:
        before = s.scalar(select(func.count()).select_from(Sample))
    lines: list[str] = []
    demo.build(rt, seed=SEED, scale=SCALE, echo=lines.append)
    with rt.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Sample)) == before
    assert any("0 samples" in line for line in lines)
