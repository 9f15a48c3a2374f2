"""The demo city's random inspections (双随机、一公开): an item list, a year of plans, and their published results.

What it builds, all through the inspections' use cases (``create_item``, ``create_plan``, ``commit``, ``fix_seed``,
``run_draw``, ``record_finding``, ``approve``, ``publish``):

* the item list (抽查事项清单, :data:`ITEMS`) of 沙坪坝区市场监督管理局 and the city bureau's enforcement corps,
  each with its legal basis, department, method, entity types and the inspector skills it needs;
* a risk mix: credit scoring does not exist yet, so every enterprise is class B except a deterministic few
  (about 8 % A, 6 % C, 2 % D, by a hash of seed and USCC), written with one UPDATE per class, one audit entry
  (``demo:enterprise:risk_class``) and a ``credit.ClassChanged`` event per enterprise (model ``demo``); only
  rows still at the default B are changed, and only until the credit module's first reclassification
  (:mod:`zhiliang.demo.credit`), whose classes rule after it;
* the plans of the current year (:func:`plans`): district plans of 沙坪坝区 (the ``demo-district`` login's) and
  九龙坡区, a joint plan of two city departments (国发〔2019〕5号) and a city-wide ad hoc plan; each is run through
  commit → seed (the first checkpoint covering the commitment: the ledger is caught up in between) → draw; results
  are recorded for every staffed target (mostly 未发现问题, worse findings more often for classes C and D), approved
  by another regulator (four eyes) and published. One plan stays drawn with part of its results recorded (work in
  progress on the console) and one stays a draft.

Where the scaled-down directory leaves one of a plan's departments with fewer than :data:`MIN_STAFF` inspectors
who cover its whole jurisdiction and hold a skill it needs, the bureau's missing inspectors are registered (at
small scales, where ten inspectors serve sixteen bureaus; at scale 1, seed 2026, two city inspectors).

Every timestamp is the build's clock: the draws are real, so a commitment, its seed checkpoint and the results
cannot be dated in the past; the year shows in the plans' codes and titles.

Deterministic for a seed as far as the platform allows: items, plans, risk classes and each drawn entity's
findings are; which entities are drawn depends on the seed checkpoint's root, which covers salted (random)
commitments to personal data, so two fresh builds draw different targets. Idempotent: plans are resumed from
their status and never run past their stage, so a rebuild writes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from zhiliang.demo import words
from zhiliang.demo.draw import Weighted, id_number, person_name, phone, rng_for
from zhiliang.demo.generate import unit
from zhiliang.inspections import results, service
from zhiliang.inspections.models import InspectionFinding, InspectionItem, InspectionPlan, InspectionTarget
from zhiliang.kernel import audit, events
from zhiliang.kernel.auth import Actor, User
from zhiliang.kernel.events import Event
from zhiliang.kernel.policy import covers
from zhiliang.kernel.runtime import Runtime
from zhiliang.ledger import service as ledger
from zhiliang.registry import directory, queries, refdata
from zhiliang.registry.models import Enterprise, Person

__all__ = ["ITEMS", "ItemSpec", "PlanSpec", "Tally", "load", "plans", "risk_class"]

DISTRICT, OTHER_DISTRICT = "500106", "500107"  # 沙坪坝区 (the demo-district login's), 九龙坡区
MIN_STAFF = 3
RISK_SHARES = (("A", 0.08), ("C", 0.06), ("D", 0.02))  # the rest stay B
_RISK_FACTOR = {"A": 0.5, "B": 1.0, "C": 2.0, "D": 3.5}  # how much likelier a problem is than in class B
_UNREACHABLE = 0.02  # class-B share of targets not found at their registered address

CREDIT, FOOD, PRODUCT, QUALITY, CERT, CORPS = ("信用监督管理科", "食品生产安全监督管理科", "产品质量安全监督管理科",
                                               "质量监督科", "认证监督管理科", "执法稽查支队")


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    legal_basis: str
    department: str
    method: str
    entity_types: tuple[str, ...]
    skills: tuple[str, ...]
    problems: tuple[tuple[str, int], ...]  # finding codes other than NO_PROBLEM, per 1,000 class-B checks


_DISCLOSURE = (("NOT_PUBLICISED", 70), ("CORRECTED", 40))
_SITE = (("CORRECTED", 110), ("NONCONFORMING", 25))
_PRODUCT = (("CORRECTED", 90), ("NONCONFORMING", 60))
_FOOD_LAW = "《中华人民共和国食品安全法》第一百一十条;《食品生产经营监督检查管理办法》"

ITEMS = (
    ItemSpec("SX-SPB-01", "企业公示信息情况检查(年度报告、即时信息)", "《企业信息公示暂行条例》第十四条", CREDIT,
             "书面检查、网络监测", ("enterprise", "cooperative"), (), _DISCLOSURE),
    ItemSpec("SX-SPB-02", "登记事项检查(住所、经营范围、注册资本实缴等)",
             "《中华人民共和国市场主体登记管理条例》第三十八条", CREDIT, "书面检查、实地检查",
             ("enterprise", "individual", "cooperative"), (), (("CORRECTED", 50),)),
    ItemSpec("SX-SPB-03", "生产企业产品质量检查", "《中华人民共和国产品质量法》第十五条", PRODUCT, "实地检查、抽样检验",
             ("enterprise",), ("工业产品",), _PRODUCT),
    ItemSpec("SX-SPB-04", "工业产品生产许可证获证企业检查", "《中华人民共和国工业产品生产许可证管理条例》", PRODUCT,
             "实地检查", ("enterprise",), ("工业产品",), _SITE),
    ItemSpec("SX-SPB-05", "食品生产者监督检查", _FOOD_LAW, FOOD, "实地检查",
             ("enterprise", "cooperative"), ("食品生产",), _PRODUCT),
    ItemSpec("SX-SPB-06", "食品经营者监督检查", _FOOD_LAW, FOOD, "实地检查",
             ("enterprise", "individual"), ("食品生产",), _SITE),
    ItemSpec("SX-SPB-07", "强制检定计量器具使用情况检查", "《中华人民共和国计量法》第九条", QUALITY, "实地检查",
             ("enterprise", "individual"), ("计量",), _SITE),
    ItemSpec("SX-SPB-08", "定量包装商品净含量检查", "《中华人民共和国计量法》;《定量包装商品计量监督管理办法》",
             QUALITY, "实地检查、抽样检验", ("enterprise",), ("计量",), _PRODUCT),
    ItemSpec("SX-SPB-09", "特种设备使用单位检查", "《中华人民共和国特种设备安全法》第五十七条", QUALITY, "实地检查",
             ("enterprise",), ("特种设备",), _SITE),
    ItemSpec("SX-SPB-10", "认证证书和认证标志使用情况检查",
             "《中华人民共和国认证认可条例》;《认证证书和认证标志管理办法》", CERT, "书面检查、实地检查",
             ("enterprise",), ("认证活动",), _SITE),
    ItemSpec("SX-SPB-11", "强制性产品认证(CCC)获证产品检查",
             "《中华人民共和国认证认可条例》;《强制性产品认证管理规定》", CERT, "实地检查、抽样检验",
             ("enterprise",), ("认证活动",), _PRODUCT),
    ItemSpec("SX-SPB-12", "广告发布行为检查", "《中华人民共和国广告法》第四十九条", CORPS, "网络监测、书面检查",
             ("enterprise", "individual"), ("广告",), (("CORRECTED", 80), ("NONCONFORMING", 20))),
    ItemSpec("SX-SPB-13", "明码标价检查", "《中华人民共和国价格法》第十三条;《明码标价和禁止价格欺诈规定》", CORPS,
             "实地检查、网络监测", ("enterprise", "individual"), ("价格",), (("CORRECTED", 100),)),
)
_BY_CODE = {i.code: i for i in ITEMS}

NOTES = {
    "CORRECTED": "检查发现问题,已当场责令改正",
    "NONCONFORMING": "检查或抽样检验不合格,已移交执法稽查机构依法处理",
    "NOT_PUBLICISED": "未按规定公示年度报告信息,已责令限期履行公示义务",
    "UNREACHABLE": "通过登记的住所或者经营场所无法联系,拟列入经营异常名录",
}


@dataclass(frozen=True)
class PlanSpec:
    """One plan of the demo year; ``stage`` is how far the demo runs it: draft, drawn (part recorded) or published."""

    code: str
    title: str
    kind: str
    jurisdiction: str
    departments: tuple[str, ...]
    items: tuple[str, ...]
    filters: dict[str, str]
    ratios: dict[str, str]
    stage: str
    min_per_stratum: int = 1
    workload_cap: int = 50

    @property
    def skills(self) -> frozenset[str]:
        return frozenset(s for code in self.items for s in _BY_CODE[code].skills)


def _ratios(a: str, b: str, c: str, d: str) -> dict[str, str]:
    return {"A": a, "B": b, "C": c, "D": d}


def plans(year: int) -> list[PlanSpec]:
    """The demo year's plans, in the order they are run. Higher-risk classes are drawn at higher ratios
    (信用风险分类监管: A low, D high)."""
    spb, jlp, city = f"{DISTRICT}-{year}", f"{OTHER_DISTRICT}-{year}", f"500000-{year}"
    return [
        PlanSpec(f"{spb}-01", f"{year}年度沙坪坝区企业公示信息和登记事项抽查", "annual", DISTRICT, (CREDIT,),
                 ("SX-SPB-01", "SX-SPB-02"), {"entity_type": "enterprise"}, _ratios("0.02", "0.04", "0.1", "0.25"),
                 "published"),
        PlanSpec(f"{spb}-02", f"{year}年度沙坪坝区食品生产企业监督抽查", "annual", DISTRICT, (FOOD,),
                 ("SX-SPB-05",), {"industry": "14", "licence": "food_production"},
                 _ratios("0.05", "0.1", "0.2", "0.5"), "published"),
        PlanSpec(f"{spb}-03", f"{year}年度沙坪坝区工业产品生产企业质量抽查", "annual", DISTRICT, (PRODUCT,),
                 ("SX-SPB-03", "SX-SPB-04"), {"industry": "3"}, _ratios("0.03", "0.06", "0.15", "0.3"), "published"),
        PlanSpec(f"{spb}-04", f"{year}年度沙坪坝区计量器具和定量包装商品抽查", "annual", DISTRICT, (QUALITY,),
                 ("SX-SPB-07",), {}, _ratios("0.01", "0.02", "0.05", "0.1"), "published"),
        PlanSpec(f"{jlp}-01", f"{year}年度九龙坡区企业公示信息抽查", "annual", OTHER_DISTRICT, (CREDIT,),
                 ("SX-SPB-01",), {"entity_type": "enterprise"}, _ratios("0.02", "0.03", "0.08", "0.2"), "published"),
        PlanSpec(f"{city}-01", f"{year}年度电气产品质量和强制性产品认证部门联合抽查", "annual", "500000",
                 (PRODUCT, CERT), ("SX-SPB-03", "SX-SPB-11"), {"industry": "38"},
                 _ratios("0.05", "0.1", "0.25", "0.5"), "published"),
        PlanSpec(f"{city}-02", f"{year}年广告发布和明码标价专项抽查", "ad_hoc", "500000", (CORPS,),
                 ("SX-SPB-12", "SX-SPB-13"), {"industry": "52"}, _ratios("0.02", "0.04", "0.1", "0.2"), "published"),
        PlanSpec(f"{spb}-05", f"{year}年沙坪坝区特种设备使用单位专项抽查", "ad_hoc", DISTRICT, (QUALITY,),
                 ("SX-SPB-09",), {"entity_type": "enterprise"}, _ratios("0.02", "0.04", "0.1", "0.2"), "drawn"),
        PlanSpec(f"{spb}-06", f"{year}年沙坪坝区个体工商户食品经营专项抽查", "ad_hoc", DISTRICT, (FOOD,),
                 ("SX-SPB-06",), {"entity_type": "individual", "licence": "food_business"},
                 _ratios("0.02", "0.05", "0.1", "0.2"), "draft"),
    ]


def risk_class(seed: int, uscc: str) -> str:
    """The demo's credit-risk class of an enterprise: A, C or D for a deterministic few (:data:`RISK_SHARES`),
    else B."""
    u, edge = unit("zhiliang-demo", seed, f"risk:{uscc}"), 0.0
    for letter, share in RISK_SHARES:
        edge += share
        if u < edge:
            return letter
    return "B"


def findings(seed: int, plan: str, uscc: str, risk: str, items: Iterable[str]) -> list[tuple[str, str]]:
    """(item code, finding code) for one drawn entity: UNREACHABLE on every item for a target not found at its
    address, else per item NO_PROBLEM or one of the item's problems, likelier by :data:`_RISK_FACTOR`."""
    rng, factor = rng_for(seed, f"inspections:{plan}:{uscc}"), _RISK_FACTOR[risk]
    if rng.random() < _UNREACHABLE * factor:
        return [(code, "UNREACHABLE") for code in items]
    out = []
    for code in items:
        problems = [(f, w * factor) for f, w in _BY_CODE[code].problems]
        out.append((code, Weighted([("NO_PROBLEM", 1000 - sum(w for _, w in problems)), *problems]).pick(rng)))
    return out


# ---------------------------------------------------------------------------------------------------- loading


@dataclass
class Tally:
    items: int = 0
    risk_classes: int = 0
    inspectors: int = 0
    plans: int = 0
    findings: int = 0
    published: int = 0
    stages: dict[str, str] = field(default_factory=dict)

    @property
    def added(self) -> int:
        """Rows added in this run (risk-class changes are updates, not counted)."""
        return self.items + self.inspectors + self.plans + self.findings


@dataclass(frozen=True)
class _Actors:
    """Who runs a plan in a jurisdiction, who records its findings and who approves them (never the recorder)."""

    runner: dict[str, Actor]
    recorder: dict[str, Actor]
    approver: dict[str, Actor]


def _actors(rt: Runtime) -> _Actors:
    with rt.db.read() as session:
        users = {u.username: Actor.of(u) for u in session.scalars(
            select(User).where(User.username.in_(("demo-city", "demo-district"))))}
    city = users.get("demo-city") or Actor(None, "regulator", "demo-city", None, "500000", QUALITY)
    district = users.get("demo-district") or Actor(None, "regulator", "demo-district", None, DISTRICT, QUALITY)
    jlp = Actor(None, "regulator", "demo:九龙坡区局", None, OTHER_DISTRICT, CREDIT)
    city_team = Actor(None, "regulator", "demo:市局检查组", None, "500000", CORPS)
    return _Actors(runner={DISTRICT: district, OTHER_DISTRICT: jlp, "500000": city},
                   recorder={DISTRICT: district, OTHER_DISTRICT: jlp, "500000": city_team},
                   approver={DISTRICT: city, OTHER_DISTRICT: city, "500000": city})


def load(rt: Runtime, seed: int, echo: Callable[[str], Any] = print) -> Tally:
    """Build (or complete) the demo's inspections; returns what this run added. See the module docstring.

    Cost at scale 1 on SQLite (2 cores): about 3 s of its own (about 380 targets, 560 findings, each one use-case
    call), plus logging the city's pending events, which the build's final catch-up would otherwise do.
    """
    tally, actors, at = Tally(), _actors(rt), rt.clock.now()
    ids = _items(rt, actors.runner[DISTRICT], at, tally)
    tally.risk_classes = _risk_classes(rt, seed, at)
    specs = plans(rt.today().year)
    status = _statuses(rt, [s.code for s in specs])
    todo = [s for s in specs if _behind(status.get(s.code), s.stage)]
    if todo:
        tally.inspectors = _staff(rt, seed, [s for s in todo if s.stage != "draft"], at)
    for spec in todo:
        _advance(rt, spec, ids, actors, tally)
    for spec in specs:
        if spec.stage != "draft":
            _results(rt, seed, spec, ids, actors, tally)
    tally.stages = _statuses(rt, [s.code for s in specs])
    return tally


_ORDER = ("draft", "committed", "seeded", "drawn", "published")


def _behind(status: str | None, stage: str) -> bool:
    """Whether a plan must still be created or moved towards ``stage`` (publication is part of results)."""
    goal = "drawn" if stage == "published" else stage
    return status is None or _ORDER.index(status) < _ORDER.index(goal)


def _statuses(rt: Runtime, codes: list[str]) -> dict[str, str]:
    with rt.db.read() as session:
        return dict(session.execute(select(InspectionPlan.code, InspectionPlan.status)
                                    .where(InspectionPlan.code.in_(codes))).all())


def _items(rt: Runtime, actor: Actor, at: datetime, tally: Tally) -> dict[str, int]:
    """Create the missing items; returns item code → id for all of :data:`ITEMS`."""
    with rt.db.begin() as session:
        have = dict(session.execute(select(InspectionItem.code, InspectionItem.id)
                                    .where(InspectionItem.code.in_(list(_BY_CODE)))).all())
        for spec in ITEMS:
            if spec.code not in have:
                made = service.create_item(session, actor, at, code=spec.code, name=spec.name,
                                           legal_basis=spec.legal_basis, department=spec.department,
                                           method=spec.method, entity_types=list(spec.entity_types),
                                           skills=list(spec.skills))
                have[spec.code] = made.id
                tally.items += 1
    return have


def _risk_classes(rt: Runtime, seed: int, at: datetime) -> int:
    """Give the deterministic few their A, C or D (rows still at the default B only); returns rows changed.

    Only before the credit module has classified anyone (its classes then rule: a rebuild must not undo them)."""
    with rt.db.begin() as session:
        if session.scalar(select(Event.seq).where(Event.type == "credit.ClassChanged").limit(1)) is not None:
            return 0
        rows = session.execute(select(Enterprise.id, Enterprise.uscc).where(Enterprise.risk_class == "B")).all()
        wanted: dict[str, list[int]] = {}
        for id_, uscc in rows:
            if (letter := risk_class(seed, uscc)) != "B":
                wanted.setdefault(letter, []).append(id_)
        for letter, ids in wanted.items():
            for start in range(0, len(ids), 5000):
                session.execute(update(Enterprise).where(Enterprise.id.in_(ids[start:start + 5000]))
                                .values(risk_class=letter))
            # As the credit module records a class change, so that the ledger audit finds each class explained.
            events.emit_bulk(session, "credit.ClassChanged", at, "demo", [
                (f"enterprise:{i}", {"model": "demo"}, {"from": "B", "to": letter}) for i in ids])
        changed = sum(len(v) for v in wanted.values())
        if changed:
            audit.record(session, at=at, actor_id=None, actor_label="demo", tag="demo:enterprise:risk_class",
                         entity_type="demo_city", entity_id=seed,
                         after={"rule": "sha256(seed, uscc): 8% A, 6% C, 2% D, rest B (credit scoring pending)",
                                **{k: len(v) for k, v in sorted(wanted.items())}})
    return changed


def _shortfall(people: list[Person], spec: PlanSpec, department: str) -> int:
    """How many inspectors ``department`` lacks for the plan: of those who may inspect anywhere in its jurisdiction,
    fewer than :data:`MIN_STAFF` hold some skill the plan needs (or at all, for a plan without skills)."""
    staff = [set(p.skills or ()) for p in people
             if p.department == department and covers(p.jurisdiction, spec.jurisdiction)]
    held = [sum(skill in s for s in staff) for skill in spec.skills] or [len(staff)]
    return max(0, MIN_STAFF - min(held))


def _staff(rt: Runtime, seed: int, specs: list[PlanSpec], at: datetime) -> int:
    """Register the inspectors a plan's bureau lacks (:func:`_shortfall`), holding all the plan's skills; returns
    how many were registered."""
    added = 0
    with rt.db.begin() as session:
        taken = set(session.scalars(select(Person.enforcement_cert_no).where(Person.enforcement_cert_no.isnot(None))))
        taken |= set(session.scalars(select(Person.id_number).where(Person.id_number.isnot(None))))
        for spec in specs:
            people = queries.people(session, kind="inspector", within=spec.jurisdiction)
            for department in spec.departments:
                for n in range(_shortfall(people, spec, department)):
                    _register(session, rng_for(seed, f"inspections:staff:{spec.code}:{department}:{n}"), spec,
                              department, taken, at)
                    added += 1
            session.flush()
    return added


def _register(session: Session, rng: random.Random, spec: PlanSpec, department: str, taken: set[str],
              at: datetime) -> None:
    """One inspector of the plan's bureau; ``taken`` holds the certificate and ID numbers in use (updated)."""
    where = spec.jurisdiction
    number = f"50{rng.randrange(10**6):06d}"
    while number in taken:
        number = f"50{(int(number[2:]) + 1) % 10**6:06d}"
    person_id = id_number(rng, DISTRICT if where == words.CITY else where)
    while person_id in taken:
        person_id = id_number(rng, DISTRICT if where == words.CITY else where)
    taken |= {number, person_id}
    bureau = words.CITY_BUREAU if where == words.CITY else f"{refdata.division(where).name}市场监督管理局"
    directory.register_person(session, Actor.system("demo"), at, kind="inspector", name=person_name(rng),
                              enforcement_cert_no=number, department=department, jurisdiction=where,
                              skills=sorted(spec.skills) or [rng.choice(words.SKILLS)], affiliation=bureau,
                              phone=phone(rng), id_number=person_id)


def _advance(rt: Runtime, spec: PlanSpec, ids: dict[str, int], actors: _Actors, tally: Tally) -> None:
    """Create the plan if missing and run it up to its stage: commit, catch the ledger up, seed, draw."""
    actor, at = actors.runner[spec.jurisdiction], rt.clock.now()
    with rt.db.begin() as session:
        plan = session.scalars(select(InspectionPlan).where(InspectionPlan.code == spec.code)).first()
        if plan is None:
            plan = service.create_plan(
                session, actor, at, code=spec.code, title=spec.title, kind=spec.kind,
                jurisdiction=spec.jurisdiction, departments=list(spec.departments),
                item_ids=[ids[c] for c in spec.items], filters=dict(spec.filters), ratios=dict(spec.ratios),
                min_per_stratum=spec.min_per_stratum, workload_cap=spec.workload_cap,
                origin=rt.settings.ledger_origin)
            tally.plans += 1
        if spec.stage == "draft" or plan.status != "draft":
            return
        service.commit(session, actor, spec.code, at)
    ledger.catch_up(rt.db, ledger.load_signer(rt.settings), rt.settings.ledger_origin, rt.clock,
                    limit=rt.settings.ledger_batch_size)
    publish_by = rt.calendar.add_workdays(rt.today(), rt.settings.inspections_publish_workdays)
    with rt.db.begin() as session:
        if session.scalar(select(InspectionPlan.status).where(InspectionPlan.code == spec.code)) == "committed":
            service.fix_seed(session, actor, spec.code, at)
        service.run_draw(session, actor, spec.code, at, publish_by)


def _results(rt: Runtime, seed: int, spec: PlanSpec, ids: dict[str, int], actors: _Actors, tally: Tally) -> None:
    """Record, approve and (stage ``published``) publish the plan's results. A plan left ``drawn`` gets findings
    for its first 40 % of targets by rank and approval for the first 20 %, so the console shows work in progress."""
    recorder, approver, at = actors.recorder[spec.jurisdiction], actors.approver[spec.jurisdiction], rt.clock.now()
    with rt.db.begin() as session:
        plan = session.scalars(select(InspectionPlan).where(InspectionPlan.code == spec.code)).first()
        if plan is None or plan.status != "drawn":
            return
        rows = session.execute(select(InspectionTarget.id, InspectionTarget.status, InspectionTarget.rank,
                                      InspectionTarget.risk_class, Enterprise.uscc)
                               .join(Enterprise, Enterprise.id == InspectionTarget.entity_id)
                               .where(InspectionTarget.plan_id == plan.id).order_by(InspectionTarget.rank)).all()
        total = len(rows)
        record_upto, approve_upto = (total, total) if spec.stage == "published" else (total * 2 // 5, total // 5)
        for row in rows:
            if row.status == "assigned" and row.rank < record_upto:
                for item, code in findings(seed, spec.code, row.uscc, row.risk_class, spec.items):
                    results.record_finding(session, recorder, row.id, ids[item], code, NOTES.get(code), at)
                    tally.findings += 1
            if row.status in ("assigned", "recorded") and row.rank < min(record_upto, approve_upto):
                results.approve(session, approver, row.id, at)
        if spec.stage == "published":
            tally.published += results.publish(session, approver, spec.code, at)


def counts(rt: Runtime) -> dict[str, int]:
    """Rows shown in the demo's summary line: inspection plans and recorded findings."""
    with rt.db.read() as session:
        return {"inspection plans": session.scalar(select(func.count()).select_from(InspectionPlan)) or 0,
                "inspection findings": session.scalar(select(func.count()).select_from(InspectionFinding)) or 0}
