"""Use cases of supervision sampling: plans, sample registration, the result notice, objections, confirmation and
publication. Laboratory reports are in :mod:`zhiliang.sampling.reports`, disposal in :mod:`.disposal`.

Each change writes its row, an audit entry and a domain event (``sampling.*`` on ``sampling_plan:<id>`` or
``sample:<id>``) in the caller's transaction. A confirmed result (``sampling.ResultConfirmed``) is what other
modules read: the credit module turns a confirmed failure into a credit record.

A sample's life: registered → tested (a signed report) → notified (the producer received the result; the 15-day
objection window runs) → objected → retesting → confirmed (window over without objection, or re-test decided)
→ published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from zhiliang.kernel import audit, events
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.clock import local
from zhiliang.kernel.errors import conflict, forbidden, invalid, not_found
from zhiliang.kernel.policy import covers, require_regulator
from zhiliang.registry import queries as registry
from zhiliang.sampling import domain
from zhiliang.sampling.models import Sample, SampleObjection, SamplingPlan

NATIONAL = "000000"
DIVISION = re.compile(r"[0-9]{6}")  # the jurisdiction of a national plan: only admins act for it


def log(session: Session, actor: Actor, at: datetime, entity: str, type_: str, tag: str,
        payload: dict[str, Any]) -> None:
    kind, _, id_ = entity.partition(":")
    audit.record(session, at=at, actor_id=actor.user_id, actor_label=actor.label, tag=tag, entity_type=kind,
                 entity_id=int(id_), before=None, after=payload)
    events.emit(session, type_, entity, payload, at=at, actor=actor.label)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# ---------------------------------------------------------------------------------------------------- plans


def create_plan(session: Session, actor: Actor, at: datetime, *, code: str, title: str, level: str,
                jurisdiction: str, period_start: date, period_end: date, categories: list[str],
                quotas: dict[str, int] | None = None, catalogue: dict[str, domain.Category] | None = None
                ) -> SamplingPlan:
    """A sampling plan of a level (national … district) for a period, product categories and quotas per
    district. Raises 403 (outside the actor's jurisdiction), 409 (code taken), 422 naming the field."""
    code, title = code.strip(), title.strip()
    if not code or len(code) > 40:
        raise invalid("sampling.code", "计划编号须为 1–40 个字符", "The plan code must be 1–40 characters", "code")
    if not title or len(title) > 200:
        raise invalid("sampling.title", "计划名称须为 1–200 个字符", "The title must be 1–200 characters", "title")
    if not DIVISION.fullmatch(jurisdiction or ""):
        raise invalid("sampling.jurisdiction", "辖区应为 6 位行政区划代码",
                      "The jurisdiction is a 6-digit division code", "jurisdiction")
    if level not in domain.LEVELS:
        raise invalid("sampling.level", f"抽查级别应为 {'、'.join(domain.LEVELS)}",
                      f"level must be one of {', '.join(domain.LEVELS)}", "level")
    if level == "national" and jurisdiction != NATIONAL:
        raise invalid("sampling.jurisdiction", f"国家监督抽查的辖区代码为 {NATIONAL}",
                      f"a national plan's jurisdiction is {NATIONAL}", "jurisdiction")
    if jurisdiction == NATIONAL:
        if actor.role != "admin":
            raise forbidden("只有管理员可以登记国家监督抽查计划", "Only admins enter national plans")
    else:
        require_regulator(actor, jurisdiction)
    if period_end < period_start:
        raise invalid("sampling.period", "计划期间的结束日期早于开始日期", "The period ends before it starts",
                      "period_end")
    cats = catalogue or domain.catalogue()
    unknown = [c for c in categories if c not in cats]
    if not categories or unknown:
        raise invalid("sampling.categories", f"产品分类未知:{'、'.join(unknown)}" if unknown else "请选择产品分类",
                      f"unknown categories: {', '.join(unknown)}" if unknown else "Choose product categories",
                      "categories")
    for district, n in (quotas or {}).items():
        if not DIVISION.fullmatch(str(district)):
            raise invalid("sampling.quota", f"配额的区划代码“{district}”应为 6 位数字",
                          f"the quota's division {district!r} must be 6 digits", "quotas")
        if not isinstance(n, int) or n < 0:
            raise invalid("sampling.quota", f"{district} 的批次数应为非负整数",
                          f"the quota of {district} must be a whole number ≥ 0", "quotas")
        if jurisdiction != NATIONAL and not covers(jurisdiction, district):
            raise invalid("sampling.quota", f"{district} 不在计划辖区 {jurisdiction} 内",
                          f"{district} lies outside the plan's jurisdiction {jurisdiction}", "quotas")
    if session.scalar(select(SamplingPlan.id).where(SamplingPlan.code == code)):
        raise conflict("sampling.plan_exists", f"计划编号已存在:{code}", f"Plan code exists: {code}", "code")
    plan = SamplingPlan(code=code, title=title, level=level, jurisdiction=jurisdiction, period_start=period_start,
                        period_end=period_end, categories=sorted(set(categories)), quotas=dict(quotas or {}),
                        status="active", created_by=actor.label, created_at=at)
    session.add(plan)
    session.flush()
    log(session, actor, at, f"sampling_plan:{plan.id}", "sampling.PlanCreated", "sampling:plan:create",
        {"code": code, "title": title, "level": level, "jurisdiction": jurisdiction,
         "period_start": period_start.isoformat(), "period_end": period_end.isoformat(),
         "categories": plan.categories, "quotas": plan.quotas})
    return plan


def get_plan(session: Session, code: str) -> SamplingPlan:
    plan = session.scalars(select(SamplingPlan).where(SamplingPlan.code == code)).first()
    if plan is None:
        raise not_found("抽查计划", "Sampling plan", code)
    return plan


def _require_organiser(actor: Actor, plan: SamplingPlan) -> None:
    if plan.jurisdiction == NATIONAL:
        if actor.role != "admin":
            raise forbidden()
    else:
        require_regulator(actor, plan.jurisdiction)


# ---------------------------------------------------------------------------------------------------- samples


@dataclass(frozen=True)
class SampleIn:
    code: str
    enterprise_id: int
    category: str
    product: str
    sampled_on: date
    place: str  # producer | market
    sampler: str
    lab_id: int
    division_code: str | None = None  # where sampled; the producer's district when omitted
    seller_id: int | None = None
    brand: str | None = None
    model: str | None = None
    batch: str | None = None
    produced_on: date | None = None
    place_detail: str = ""


def _normal(text: str | None) -> str:
    return "".join((text or "").split()).casefold()


def register_sample(session: Session, actor: Actor, at: datetime, plan_code: str, item: SampleIn,
                    catalogue: dict[str, domain.Category] | None = None) -> Sample:
    """Register a sample taken under a plan. Checks the plan's period and categories, the producer and the
    laboratory, and the repeat-sampling rule: a product of a producer that a higher level's plan sampled in an
    overlapping period is not sampled again (409 naming that plan). Raises 403, 404, 409, 422."""
    plan = get_plan(session, plan_code)
    if plan.status != "active":
        raise conflict("sampling.plan_closed", "计划已结束", "The plan is closed", "plan")
    enterprise = registry.enterprise(session, item.enterprise_id)
    if enterprise is None:
        raise not_found("生产企业", "Producer", item.enterprise_id)
    division = item.division_code or enterprise.division_code
    if plan.jurisdiction != NATIONAL and not covers(plan.jurisdiction, division):
        raise invalid("sampling.division", f"抽样地 {division} 不在计划辖区 {plan.jurisdiction} 内",
                      f"the sampling place {division} lies outside the plan's jurisdiction", "division_code")
    _require_organiser(actor, plan)  # the organising bureau (or one above it) registers the plan's samples
    _check_sample(session, plan, item, catalogue or domain.catalogue())
    if enterprise.status != "active":
        raise invalid("sampling.enterprise", "生产企业不在营业状态", "The producer is not active", "enterprise_id")
    if item.seller_id is not None and registry.enterprise(session, item.seller_id) is None:
        raise not_found("销售者", "Seller", item.seller_id)
    higher = _sampled_above(session, plan, item)
    if higher is not None:
        raise conflict("sampling.repeat", f"该企业的该产品已在同期的上级抽查“{higher.code}”中抽样,下级不得重复抽查"
                       "(产品质量法第十五条)", f"A higher-level plan of the same period ({higher.code}) already "
                       "sampled this product of this producer; it is not sampled again (Product Quality Law, "
                       "Article 15)", "enterprise_id")
    sample = Sample(plan_id=plan.id, code=item.code.strip(), level=plan.level, enterprise_id=enterprise.id,
                    seller_id=item.seller_id, division_code=division, industry_code=enterprise.industry_code,
                    category=item.category, product=item.product.strip(), brand=item.brand, model=item.model,
                    batch=item.batch, produced_on=item.produced_on, sampled_on=item.sampled_on, place=item.place,
                    place_detail=item.place_detail, sampler=item.sampler.strip(), lab_id=item.lab_id,
                    status="registered", created_by=actor.label, created_at=at)
    session.add(sample)
    session.flush()
    log(session, actor, at, f"sample:{sample.id}", "sampling.SampleRegistered", "sampling:sample:register",
        {"code": sample.code, "plan": plan.code, "level": plan.level, "enterprise_id": enterprise.id,
         "seller_id": item.seller_id, "division_code": division, "category": item.category,
         "product": sample.product, "brand": item.brand, "model": item.model, "batch": item.batch,
         "produced_on": _iso(item.produced_on), "sampled_on": item.sampled_on.isoformat(), "place": item.place,
         "lab_id": item.lab_id, "status": sample.status})
    return sample


def _check_sample(session: Session, plan: SamplingPlan, item: SampleIn,
                  catalogue: dict[str, domain.Category]) -> None:
    if not item.code.strip() or len(item.code.strip()) > 40:
        raise invalid("sampling.sample_code", "样品编号须为 1–40 个字符", "The sample code must be 1–40 characters",
                      "code")
    if session.scalar(select(Sample.id).where(Sample.code == item.code.strip())):
        raise conflict("sampling.sample_exists", f"样品编号已存在:{item.code}", f"Sample code exists: {item.code}",
                       "code")
    if item.category not in catalogue or not any(item.category.startswith(c) for c in plan.categories):
        raise invalid("sampling.category", f"产品分类“{item.category}”不在本计划的分类中",
                      f"category {item.category!r} is not among the plan's", "category")
    if any(c.parent == item.category for c in catalogue.values()):  # a product is of one leaf category
        raise invalid("sampling.category", f"请选择具体产品分类,“{item.category}”是大类",
                      f"choose a product category: {item.category!r} is a group", "category")
    if not plan.period_start <= item.sampled_on <= plan.period_end:
        raise invalid("sampling.sampled_on", f"抽样日期须在计划期间 {plan.period_start}–{plan.period_end} 内",
                      f"the sampling date must lie in the plan's period {plan.period_start}–{plan.period_end}",
                      "sampled_on")
    if item.produced_on and item.produced_on > item.sampled_on:
        raise invalid("sampling.produced_on", "生产日期晚于抽样日期", "Produced after it was sampled", "produced_on")
    if item.place not in ("producer", "market"):
        raise invalid("sampling.place", "抽样地点类型应为 producer(生产企业)或 market(市场)",
                      "place is producer or market", "place")
    if not item.product.strip() or not item.sampler.strip():
        field = "product" if not item.product.strip() else "sampler"
        raise invalid("sampling.required", "请填写产品名称与抽样人员", "Enter the product and the sampler", field)
    lab = registry.laboratory(session, item.lab_id)
    if lab is None or lab.status != "active":
        raise invalid("sampling.lab", "承检机构不存在或不在有效状态", "The laboratory is unknown or not active",
                      "lab_id")


def _sampled_above(session: Session, plan: SamplingPlan, item: SampleIn) -> SamplingPlan | None:
    rows = session.execute(select(SamplingPlan, Sample.product).join(Sample, Sample.plan_id == SamplingPlan.id)
                           .where(Sample.enterprise_id == item.enterprise_id, Sample.category == item.category,
                                  SamplingPlan.period_start <= plan.period_end,
                                  SamplingPlan.period_end >= plan.period_start)).all()
    above = {p.level for p, product in rows if _normal(product) == _normal(item.product)}
    for level in domain.higher_levels(plan.level, above):
        return next(p for p, product in rows if p.level == level and _normal(product) == _normal(item.product))
    return None


def get_sample(session: Session, sample_id: int, *, lock: bool = False) -> Sample:
    sample = session.get(Sample, sample_id, with_for_update=lock)
    if sample is None:
        raise not_found("样品", "Sample", sample_id)
    return sample


def set_status(session: Session, actor: Actor, at: datetime, sample: Sample, status: str, tag: str, type_: str,
               **facts: Any) -> None:
    """Move ``sample`` to ``status`` and log it (with ``facts``, JSON-plain)."""
    sample.status = status
    log(session, actor, at, f"sample:{sample.id}", type_, tag, {"code": sample.code, "status": status, **facts})


# ------------------------------------------------------------------------------------- notice and objection


def notify(session: Session, actor: Actor, at: datetime, sample_id: int, received_on: date, calendar: Any) -> Sample:
    """Record the day the producer received the result: the 15-day objection window starts (产品质量法 第十五条)."""
    sample = get_sample(session, sample_id, lock=True)
    require_regulator(actor, sample.division_code)
    if sample.status != "tested":
        raise conflict("sampling.status", f"样品当前状态为 {sample.status},不能送达结果",
                       f"The sample is {sample.status}; a result is notified once tested", "status")
    if received_on < sample.sampled_on:
        raise invalid("sampling.received_on", "送达日期早于抽样日期", "Received before it was sampled", "received_on")
    if received_on > local(at).date():
        raise invalid("sampling.received_on", "送达日期不能晚于今天", "The result cannot be received in the future",
                      "received_on")
    sample.notified_on = received_on
    sample.objection_deadline = domain.objection_deadline(received_on, calendar)
    set_status(session, actor, at, sample, "notified", "sampling:sample:notify", "sampling.ResultNotified",
               verdict=sample.verdict, notified_on=received_on.isoformat(),
               objection_deadline=sample.objection_deadline.isoformat())
    return sample


def object_to(session: Session, actor: Actor, at: datetime, today: date, sample_id: int, reason: str
              ) -> SampleObjection:
    """An objection (复检申请) by the producer or seller (or a regulator on their behalf), on or before the
    deadline. Raises 403, 409 (not notified, too late, already objected), 422 (no reason)."""
    sample = get_sample(session, sample_id, lock=True)
    own = actor.role == "enterprise" and actor.tenant_id in (sample.enterprise_id, sample.seller_id)
    if not own:
        require_regulator(actor, sample.division_code)
    if sample.status != "notified":
        raise conflict("sampling.status", "只能对已送达的检验结果提出异议", "Only a notified result can be objected to",
                       "status")
    if today > sample.objection_deadline:
        raise conflict("sampling.objection_late", f"异议期已于 {sample.objection_deadline} 届满",
                       f"The objection period ended on {sample.objection_deadline}", "submitted_on")
    if not reason.strip():
        raise invalid("sampling.reason", "请写明异议理由", "State the grounds of the objection", "reason")
    objection = SampleObjection(sample_id=sample.id, submitted_on=today, reason=reason.strip()[:5000],
                                status="submitted", submitted_by=actor.label)
    session.add(objection)
    session.flush()
    set_status(session, actor, at, sample, "objected", "sampling:sample:object", "sampling.ObjectionFiled",
               objection_id=objection.id, submitted_on=today.isoformat())
    return objection


def assign_retest(session: Session, actor: Actor, at: datetime, objection_id: int, lab_id: int) -> SampleObjection:
    """Send an objected sample to another laboratory for the re-test (复检)."""
    objection = session.get(SampleObjection, objection_id, with_for_update=True)
    if objection is None:
        raise not_found("异议", "Objection", objection_id)
    sample = get_sample(session, objection.sample_id, lock=True)
    require_regulator(actor, sample.division_code)
    if objection.status != "submitted" or sample.status != "objected":
        raise conflict("sampling.objection_status", "该异议已安排复检或已决定", "The objection is already in hand",
                       "status")
    lab = registry.laboratory(session, lab_id)
    if lab is None or lab.status != "active":
        raise invalid("sampling.lab", "复检机构不存在或不在有效状态", "The re-test laboratory is unknown or not active",
                      "lab_id")
    if lab_id == sample.lab_id:
        raise invalid("sampling.retest_lab", "复检须由原承检机构以外的机构进行",
                      "The re-test must be done by another laboratory than the first", "lab_id")
    objection.status, objection.retest_lab_id = "retesting", lab_id
    set_status(session, actor, at, sample, "retesting", "sampling:sample:retest", "sampling.RetestAssigned",
               objection_id=objection.id, retest_lab_id=lab_id)
    return objection


# ---------------------------------------------------------------------------------------- confirmation


_COUNT = text(
    "INSERT INTO sample_rollup (grain, category, division_code, quarter, industry, level, tested, passed) "
    "VALUES ('place', :category, :division, :quarter, '', '', 1, :passed), "
    "('full', :category, :division, :quarter, :industry, :level, 1, :passed) "
    "ON CONFLICT (grain, category, division_code, quarter, industry, level) DO UPDATE SET "
    "tested = sample_rollup.tested + 1, passed = sample_rollup.passed + excluded.passed")


def confirm(session: Session, actor: Actor, at: datetime, sample: Sample, on: date, how: str) -> None:
    """The result stands: counted in the pass-rate rollup (``SampleRollup``) and logged as
    ``sampling.ResultConfirmed`` with the verdict, producer and category, in one transaction."""
    sample.confirmed_on = on
    session.execute(_COUNT, {"category": sample.category, "division": sample.division_code or "",
                             "industry": (sample.industry_code or "")[:2], "level": sample.level,
                             "quarter": domain.quarter_of(sample.sampled_on),
                             "passed": 1 if sample.verdict == "pass" else 0})
    set_status(session, actor, at, sample, "confirmed", "sampling:sample:confirm", "sampling.ResultConfirmed",
               verdict=sample.verdict, enterprise_id=sample.enterprise_id, category=sample.category,
               confirmed_on=on.isoformat(), how=how, report_id=sample.report_id)


def confirm_due(session: Session, at: datetime, today: date, *, backdated: bool = False) -> int:
    """Confirm every notified result whose objection period has ended without an objection (the daily job);
    with ``backdated``, each on the day after its window (rebuilding a history, as the demo does). Returns how
    many."""
    system = Actor.system("sampling")
    due = session.scalars(select(Sample).where(Sample.status == "notified", Sample.objection_deadline < today)
                          .order_by(Sample.id).with_for_update()).all()
    for sample in due:
        on = sample.objection_deadline + timedelta(days=1) if backdated else today
        confirm(session, system, at, sample, on, "no_objection")
    return len(due)


def publish(session: Session, actor: Actor, at: datetime, plan_code: str) -> int:
    """Publish the plan's confirmed results (enterprise, product, verdict, failing items) on the portal; only
    results past their objection period or decided on re-test are confirmed. Returns how many."""
    plan = get_plan(session, plan_code)
    _require_organiser(actor, plan)
    ready = session.scalars(select(Sample).where(Sample.plan_id == plan.id, Sample.status == "confirmed")
                            .order_by(Sample.id).with_for_update()).all()
    for sample in ready:
        sample.published_at = at
        set_status(session, actor, at, sample, "published", "sampling:sample:publish", "sampling.ResultPublished",
                   verdict=sample.verdict, enterprise_id=sample.enterprise_id)
    return len(ready)
