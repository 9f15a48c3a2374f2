"""The demo city's supervision sampling (监督抽查): two years of plans and results, through the sampling use cases.

What it builds, for last year and this year:

* a municipal plan (重庆市 is a provincial-level city: level ``provincial``) over every catalogue category, and a
  district plan of 沙坪坝区 over electrical products and children's products;
* samples of the city's producers — per category a realistic pass rate (:data:`PASS_RATES`: electric bicycles,
  plugs and children's clothing fail more often; cement and tyres rarely), the failing item picked from the
  category's typical items — each tested by one of the demo laboratories, signed, notified, confirmed after its
  15-day objection window and published;
* two objections this year, one where the re-test by another laboratory overturns the result and one where it
  stands; an order to rectify (责令整改) for every confirmed failure, done when it is old, some of this year's
  overdue;
* the latest month still in progress: samples registered but untested (the demo laboratory's to-do list), tested
  ones not yet notified, notified ones inside their objection window.

Everything is deterministic in the seed (a hash of seed and sample number), and idempotent: a sample whose code
exists is skipped, so a rebuild adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from zhiliang.demo.generate import unit
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import DomainError
from zhiliang.kernel.runtime import Runtime
from zhiliang.registry.models import Enterprise, Laboratory
from zhiliang.sampling import disposal, domain, reports, service
from zhiliang.sampling.models import Sample, SampleDisposal, SampleObjection, SamplingPlan
from zhiliang.sampling.reports import ItemIn

PASS_RATES = {"E01": 0.95, "E02": 0.92, "E03": 0.93, "E04": 0.82, "E05": 0.88, "E06": 0.80, "E07": 0.90,
              "C01": 0.86, "C02": 0.89, "C03": 0.91, "C04": 0.90, "D01": 0.90, "D02": 0.92, "D03": 0.87,
              "D04": 0.84, "B01": 0.98, "B02": 0.96, "B03": 0.95, "B04": 0.93, "B05": 0.90, "A01": 0.88,
              "F01": 0.94, "F02": 0.95, "F03": 0.93, "M01": 0.97}
ITEMS = {"E": ("标志和说明", "对触及带电部件的防护", "泄漏电流和电气强度", "结构"),
         "C": ("甲醛含量", "pH值", "绳带要求", "可迁移元素"), "D": ("标签标识", "耐冲击性能", "热负荷", "纤维含量"),
         "B": ("强度", "安定性", "放射性核素限量", "甲醛释放量"), "A": ("总养分", "水分", "粒度"),
         "F": ("总迁移量", "高锰酸钾消耗量", "重金属"), "M": ("尺寸", "强度性能", "耐久性能")}
PER_YEAR = 400  # samples per year at scale 1


@dataclass
class SamplingTally:
    plans: int = 0
    samples: int = 0
    published: int = 0
    objections: int = 0
    disposals: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


def _plans(rt: Runtime, year: int, today: date) -> list[tuple[SamplingPlan, list[str]]]:
    admin, cats = Actor.system("demo"), domain.catalogue()
    leaves = sorted((c for c in cats.values() if c.parent), key=lambda c: c.code)
    every = ["A", "B", "C", "D", "E", "F", "M"]
    specs = [(f"渝市监抽〔{year}〕1号", f"{year}年重庆市产品质量监督抽查", "provincial", "500000", every),
             (f"沙市监抽〔{year}〕1号", f"{year}年沙坪坝区产品质量监督抽查", "district", "500106", ["C", "E"])]
    out = []
    with rt.db.begin() as session:
        for code, title, level, where, groups in specs:
            plan = session.scalars(select(SamplingPlan).where(SamplingPlan.code == code)).first()
            if plan is None:
                plan = service.create_plan(session, admin, rt.clock.now(), code=code, title=title, level=level,
                                           jurisdiction=where, period_start=date(year, 1, 1),
                                           period_end=date(year, 12, 31), categories=groups)
            out.append((plan, [c.code for c in leaves if c.parent in groups]))
            session.expunge(plan)
    return out


def _items(category: str, fails: bool, pick: float) -> list[ItemIn]:
    names = ITEMS[category[0]]
    standard = (domain.catalogue()[category].standards or ("产品标准",))[0]
    bad = int(pick * len(names)) if fails else -1
    return [ItemIn(name, f"{standard}({name})", "应符合标准要求", "不符合" if k == bad else "符合",
                   "fail" if k == bad else "pass") for k, name in enumerate(names)]


def load(rt: Runtime, seed: int, scale: float = 1.0) -> SamplingTally:
    """Build the demo's sampling (see the module docstring)."""
    today, admin, tally = rt.today(), Actor.system("demo"), SamplingTally()
    with rt.db.read() as session:
        labs = list(session.scalars(select(Laboratory.id).where(Laboratory.status == "active")
                                    .order_by(Laboratory.id)))
        rows = session.execute(select(Enterprise.id, Enterprise.division_code).where(
            Enterprise.status == "active", Enterprise.division_code.startswith("5001")).order_by(Enterprise.id)).all()
        producers = {"500000": [i for i, _ in rows], "500106": [i for i, d in rows if d == "500106"]}
        existing = set(session.scalars(select(Sample.code)))
        plans_before = session.scalar(select(func.count()).select_from(SamplingPlan))
    if len(labs) < 2 or not producers["500106"]:
        return tally
    per_year = max(20, int(PER_YEAR * scale))
    for year in (today.year - 1, today.year):
        plans = _plans(rt, year, today)
        last_day = min(date(year, 12, 31), today - timedelta(days=1))
        span = (last_day - date(year, 1, 1)).days
        for n in range(per_year):
            plan, categories = plans[0] if unit(seed, year, n, "plan") < 0.7 else plans[1]
            code = f"{plan.jurisdiction[:4]}-{year}-{n:04d}"
            if code in existing:
                continue
            category = categories[int(unit(seed, year, n, "cat") * len(categories))]
            pool = producers[plan.jurisdiction]
            producer = pool[int(unit(seed, year, n, "who") * len(pool))]
            sampled = date(year, 1, 1) + timedelta(days=int(unit(seed, year, n, "day") * span))
            lab = labs[n % len(labs)]
            try:
                with rt.db.begin() as session:
                    sample = service.register_sample(session, admin, rt.clock.now(), plan.code, service.SampleIn(
                        code=code, enterprise_id=producer, category=category, product=domain.catalogue()[category]
                        .name_zh, sampled_on=sampled, place="producer" if n % 3 else "market", sampler="监督抽查组",
                        lab_id=lab, batch=f"{sampled:%Y%m%d}-{n % 7 + 1}", division_code=None))
                    sample_id = sample.id
            except DomainError:  # e.g. the producer's product is already in the higher plan this year
                continue
            tally.samples += 1
            age = (today - sampled).days
            if age < 10 and lab == labs[0]:
                continue  # the demo laboratory's to-do list
            fails = unit(seed, year, n, "verdict") > PASS_RATES.get(category, 0.9)
            lab_actor = Actor(None, "lab", "demo-lab", lab)
            with rt.db.begin() as session:
                draft = reports.save_draft(session, lab_actor, rt.clock.now(), sample_id, f"BG{year}{n:05d}",
                                           _items(category, fails, unit(seed, year, n, "item")))
                reports.sign_off(session, lab_actor, rt.clock.now(), today, draft.id)
                if age >= 20:
                    service.notify(session, admin, rt.clock.now(), sample_id, sampled + timedelta(days=14),
                                   rt.calendar)
    with rt.db.begin() as session:
        _objections(rt, session, seed, labs, today, tally)
        service.confirm_due(session, rt.clock.now(), today, backdated=True)
        for code in session.scalars(select(SamplingPlan.code)):
            tally.published += service.publish(session, admin, rt.clock.now(), code)
        tally.disposals = _disposals(rt, session, today)
        tally.by_status = dict(session.execute(select(Sample.status, func.count()).group_by(Sample.status)).all())
        tally.plans = session.scalar(select(func.count()).select_from(SamplingPlan)) - plans_before
    return tally


def _objections(rt: Runtime, session: Any, seed: int, labs: list[int], today: date, tally: SamplingTally) -> None:
    """Two of this year's failures still inside their window are objected to; the re-test overturns the first.
    Once only: a rebuild adds no objection."""
    if session.scalar(select(SampleObjection.id).limit(1)) is not None:
        return
    open_failures = session.scalars(select(Sample).where(Sample.status == "notified", Sample.verdict == "fail",
                                                         Sample.objection_deadline >= today)
                                    .order_by(Sample.id).limit(2)).all()
    for k, sample in enumerate(open_failures):
        owner = Actor(None, "enterprise", "demo", sample.enterprise_id)
        objection = service.object_to(session, owner, rt.clock.now(), today, sample.id, "对标志和说明项目的判定有异议")
        other = next(lab for lab in labs if lab != sample.lab_id)
        service.assign_retest(session, Actor.system("demo"), rt.clock.now(), objection.id, other)
        retester = Actor(None, "lab", "demo-lab", other)
        items = _items(sample.category, k == 1, unit(seed, sample.id, "retest"))
        draft = reports.save_draft(session, retester, rt.clock.now(), sample.id, f"FJ{sample.id:06d}", items)
        reports.sign_off(session, retester, rt.clock.now(), today, draft.id)
        tally.objections += 1


def _disposals(rt: Runtime, session: Any, today: date) -> int:
    """An order to rectify within 30 days, made on the day each failure was confirmed; those ordered more than 60
    days ago are done (five days before their deadline), the others open — overdue once 30 days have passed."""
    have = set(session.scalars(select(SampleDisposal.sample_id)))
    failed = session.scalars(select(Sample).where(Sample.verdict == "fail", Sample.status.in_(("confirmed",
                                                                                              "published")))
                             .order_by(Sample.id)).all()
    added = 0
    for sample in failed:
        if sample.id in have:
            continue
        ordered = sample.confirmed_on or today
        step = disposal.add(session, Actor.system("demo"), rt.clock.now(), ordered, sample.id, "rectify",
                            ordered + timedelta(days=30), "责令限期整改并提交整改报告")
        if (today - ordered).days > 60:
            disposal.complete(session, Actor.system("demo"), rt.clock.now(), step.id, ordered + timedelta(days=25),
                              "已整改,复查合格")
        added += 1
    return added
