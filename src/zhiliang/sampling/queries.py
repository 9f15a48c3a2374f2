"""Read-only queries of supervision sampling: pass rates (批次合格率) by any of product category, industry, district,
level and period with Wilson intervals and the unstable flag; the Pareto of failing items; an enterprise's history;
published results for the portal.

Only final results count: a sample whose result is confirmed (objection period over, or re-test decided) or
published. A pass rate is the share of such batches whose verdict is 合格.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Integer, String, case, cast, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session

from zhiliang.kernel.auth import Actor
from zhiliang.kernel.policy import division_prefix, is_staff
from zhiliang.sampling import domain
from zhiliang.sampling.models import (
    Sample,
    SampleDisposal,
    SampleObjection,
    SampleReport,
    SampleReportItem,
    SampleRollup,
    SamplingPlan,
)
from zhiliang.tqm.pareto import pareto

FINAL = ("confirmed", "published")
DIMENSIONS = ("category", "category_group", "industry", "district", "level", "year", "quarter")
PLACE_DIMENSIONS = {"category", "category_group", "district", "year", "quarter"}


@dataclass(frozen=True)
class Filters:
    since: date | None = None
    until: date | None = None
    category: str | None = None  # a catalogue code: itself and below
    district: str | None = None  # a division: itself and below
    level: str | None = None


def _dimension(name: str, dialect: str) -> Any:
    d = Sample.sampled_on
    if name == "category":
        return Sample.category
    if name == "category_group":
        return func.substr(Sample.category, 1, 1)
    if name == "industry":  # the GB/T 4754 division (two digits) of the producer
        return func.substr(Sample.industry_code, 1, 2)
    if name == "district":
        return Sample.division_code
    if name == "level":
        return Sample.level
    if name == "year":
        return func.to_char(d, "YYYY") if dialect == "postgresql" else func.strftime("%Y", d)
    if name == "quarter":
        if dialect == "postgresql":
            return func.to_char(d, 'YYYY-"Q"Q')
        month = cast(func.strftime("%m", d), Integer)
        return (type_coerce(func.strftime("%Y", d), String) + literal("-Q")
                + cast(cast((month + 2) / 3, Integer), String))
    raise ValueError(f"unknown dimension {name!r} (known: {', '.join(DIMENSIONS)})")


def _narrow(query: Any, f: Filters, category: Any, district: Any, level: Any) -> Any:
    if f.category:
        query = query.where(category.startswith(f.category))
    if f.district:
        query = query.where(district.startswith(division_prefix(f.district)))
    if f.level:
        query = query.where(level == f.level)
    return query


def _where(query: Any, f: Filters) -> Any:
    query = query.where(Sample.status.in_(FINAL))
    if f.since:
        query = query.where(Sample.sampled_on >= f.since)
    if f.until:
        query = query.where(Sample.sampled_on <= f.until)
    return _narrow(query, f, Sample.category, Sample.division_code, Sample.level)


def pass_rates(session: Session, by: tuple[str, ...], filters: Filters = Filters(), *, min_samples: int = 20,
               max_width: float = 0.2, source: str = "auto") -> list[dict[str, Any]]:
    """One row per group of ``by`` (dimensions of :data:`DIMENSIONS`; empty for the overall rate): the group's
    values, batches tested and passed, and the rate with its interval (``domain.pass_rate``).

    Read from the rollup (``SampleRollup``: one GROUP BY over a few thousand rows, whatever the number of samples)
    unless a date range is asked for, which needs the samples themselves (``source`` forces either)."""
    unknown = [b for b in by if b not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimension {unknown[0]!r} (known: {', '.join(DIMENSIONS)})")
    use_rollup = source == "rollup" or (source == "auto" and filters.since is None and filters.until is None)
    if use_rollup:
        # The narrow grain answers whatever needs neither the industry nor the level.
        grain = "place" if set(by) <= PLACE_DIMENSIONS and not filters.level else "full"
        keys = [_rollup_dimension(b).label(b) for b in by]
        query = _rollup_where(select(*keys, func.sum(SampleRollup.tested), func.sum(SampleRollup.passed))
                              .where(SampleRollup.grain == grain), filters)
    else:
        dialect = session.get_bind().dialect.name
        keys = [_dimension(b, dialect).label(b) for b in by]
        passed = func.sum(case((Sample.verdict == "pass", 1), else_=0))
        query = _where(select(*keys, func.count(), passed), filters)
    if keys:
        query = query.group_by(*keys).order_by(*keys)
    rows = [r for r in session.execute(query).all() if r[len(by)]]
    if not rows:
        return []
    tested = np.array([int(r[len(by)]) for r in rows])
    passed_n = np.array([int(r[len(by) + 1] or 0) for r in rows])
    lows, highs = domain.wilson_arrays(passed_n, tested)
    out = []
    for row, n, ok, low, high in zip(rows, tested.tolist(), passed_n.tolist(), lows.tolist(), highs.tolist(),
                                     strict=True):
        zh, en = domain.unstable_reason(n, low, high, min_samples, max_width)
        out.append({**{b: (str(v) if v not in (None, "") else None) for b, v in zip(by, row, strict=False)},
                    "tested": n, "passed": ok, "rate": ok / n, "low": low, "high": high, "unstable": bool(en),
                    "reason_zh": zh, "reason_en": en})
    return out


def _rollup_dimension(name: str) -> Any:
    r = SampleRollup
    return {"category": r.category, "category_group": func.substr(r.category, 1, 1), "industry": r.industry,
            "district": r.division_code, "level": r.level, "year": func.substr(r.quarter, 1, 4),
            "quarter": r.quarter}[name]


def _rollup_where(query: Any, f: Filters) -> Any:
    return _narrow(query, f, SampleRollup.category, SampleRollup.division_code, SampleRollup.level)


def failing_items(session: Session, filters: Filters = Filters(), *, threshold: float = 80.0,
                  published_only: bool = False) -> dict[str, Any] | None:
    """The Pareto of failing test items over the failed batches (the report in force of each), or None if none
    failed; ``published_only`` for the public (a narrow filter must not show an unpublished result's items).
    Items are grouped by name as the laboratories write them."""
    query = _where(select(SampleReportItem.name, func.count()).join(Sample, Sample.report_id ==
                                                                      SampleReportItem.report_id)
                   .where(Sample.verdict == "fail", SampleReportItem.verdict == "fail")
                   .group_by(SampleReportItem.name), filters)
    if published_only:
        query = query.where(Sample.status == "published")
    counts = {name: n for name, n in session.execute(query)}
    return pareto(counts, threshold=threshold).to_dict() if counts else None


def history(session: Session, enterprise_id: int, *, public: bool = False, producer: bool = False
            ) -> list[dict[str, Any]]:
    """An enterprise's samples, latest first, with the failing items of each; the public sees published results
    only; the producer itself sees a verdict once it has been notified of it."""
    query = select(Sample).where(Sample.enterprise_id == enterprise_id)
    if public:
        query = query.where(Sample.status == "published")
    samples = session.scalars(query.order_by(Sample.sampled_on.desc(), Sample.id.desc())).all()
    failing = _failing_items_of(session, [s.report_id for s in samples if s.verdict == "fail" and s.report_id])
    return [{"id": s.id, "code": s.code, "level": s.level, "category": s.category, "product": s.product,
             "brand": s.brand, "model": s.model, "batch": s.batch, "sampled_on": s.sampled_on.isoformat(),
             "status": s.status, "verdict": s.verdict if _shown(s, public, producer) else None,
             "failing_items": failing.get(s.report_id, []) if s.verdict == "fail" and _shown(s, public, producer)
             else []} for s in samples]


def _shown(s: Sample, public: bool, producer: bool) -> bool:
    if public:
        return s.status in FINAL
    return not producer or s.status not in ("registered", "tested")


def _failing_items_of(session: Session, report_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if report_ids:
        rows = session.execute(select(SampleReportItem.report_id, SampleReportItem.name).where(
            SampleReportItem.report_id.in_(report_ids), SampleReportItem.verdict == "fail")
            .order_by(SampleReportItem.report_id, SampleReportItem.seq))
        for report_id, name in rows:
            out.setdefault(report_id, []).append(name)
    return out


def published(session: Session, plan_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Published results (the portal): sample, producer id, product, verdict, failing items; latest first."""
    query = select(Sample).where(Sample.status == "published")
    if plan_id is not None:
        query = query.where(Sample.plan_id == plan_id)
    samples = session.scalars(query.order_by(Sample.published_at.desc(), Sample.id.desc()).limit(limit)).all()
    failing = _failing_items_of(session, [s.report_id for s in samples if s.verdict == "fail" and s.report_id])
    return [{"code": s.code, "enterprise_id": s.enterprise_id, "category": s.category, "product": s.product,
             "brand": s.brand, "model": s.model, "batch": s.batch, "sampled_on": s.sampled_on.isoformat(),
             "verdict": s.verdict, "failing_items": failing.get(s.report_id, [])} for s in samples]


# ------------------------------------------------------------------------------------- lists for the routes


@dataclass(frozen=True)
class SampleFilters:
    plan_id: int | None = None
    status: str | None = None
    category: str | None = None  # a catalogue code: itself and below
    district: str | None = None  # where sampled: a division and below
    verdict: str | None = None
    enterprise_id: int | None = None


def lab_visible(lab_id: int) -> Any:
    """The condition "assigned to laboratory ``lab_id``": the sample's own laboratory, or the one an objection sent
    it to for the re-test. A laboratory sees and reports on these samples only."""
    retests = select(SampleObjection.sample_id).where(SampleObjection.retest_lab_id == lab_id)
    return or_(Sample.lab_id == lab_id, Sample.id.in_(retests))


def samples(session: Session, f: SampleFilters = SampleFilters(), *, within: str | None = None,
            lab_id: int | None = None, party: int | None = None, after: int | None = None,
            limit: int | None = 100) -> list[Sample]:
    """Samples newest first (keyset on id: ``after`` is the last id of the previous page), narrowed by ``f``, to
    a jurisdiction (``within``: where sampled), to a laboratory's assignments (``lab_id``) and to an enterprise's
    samples as producer or seller (``party``)."""
    query = select(Sample)
    if party is not None:
        query = query.where(or_(Sample.enterprise_id == party, Sample.seller_id == party))
    if lab_id is not None:
        query = query.where(lab_visible(lab_id))
    if within:
        query = query.where(Sample.division_code.startswith(division_prefix(within)))
    for column, value in ((Sample.plan_id, f.plan_id), (Sample.status, f.status), (Sample.verdict, f.verdict),
                          (Sample.enterprise_id, f.enterprise_id)):
        if value is not None:
            query = query.where(column == value)
    if f.category:
        query = query.where(Sample.category.startswith(f.category))
    if f.district:
        query = query.where(Sample.division_code.startswith(division_prefix(f.district)))
    if after is not None:
        query = query.where(Sample.id < after)
    query = query.order_by(Sample.id.desc())
    return list(session.scalars(query.limit(limit) if limit else query))


def sample_out(s: Sample, plan_code: str | None = None) -> dict[str, Any]:
    return {"id": s.id, "code": s.code, "plan_id": s.plan_id, "plan": plan_code, "level": s.level,
            "enterprise_id": s.enterprise_id, "seller_id": s.seller_id, "division_code": s.division_code,
            "industry_code": s.industry_code, "category": s.category, "product": s.product, "brand": s.brand,
            "model": s.model, "batch": s.batch, "produced_on": _iso(s.produced_on),
            "sampled_on": s.sampled_on.isoformat(), "place": s.place, "place_detail": s.place_detail,
            "sampler": s.sampler, "lab_id": s.lab_id, "status": s.status, "verdict": s.verdict,
            "report_id": s.report_id, "notified_on": _iso(s.notified_on),
            "objection_deadline": _iso(s.objection_deadline), "confirmed_on": _iso(s.confirmed_on),
            "published_at": s.published_at.isoformat() if s.published_at else None}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def report_out(r: SampleReport, items: list[SampleReportItem]) -> dict[str, Any]:
    return {"id": r.id, "sample_id": r.sample_id, "kind": r.kind, "version": r.version,
            "supersedes_id": r.supersedes_id, "lab_id": r.lab_id, "report_no": r.report_no, "verdict": r.verdict,
            "correction": r.correction, "signed": r.signed_off_at is not None,
            "signed_off_at": r.signed_off_at.isoformat() if r.signed_off_at else None,
            "signed_off_by": r.signed_off_by,
            "files": [{k: f[k] for k in ("name", "sha256", "size", "content_type")} for f in r.files or []],
            "items": [{"seq": i.seq, "name": i.name, "clause": i.clause, "requirement": i.requirement,
                       "value": i.value, "unit": i.unit, "verdict": i.verdict} for i in items]}


def detail(session: Session, sample: Sample, actor: Actor | None = None) -> dict[str, Any]:
    """A sample with its report versions and items, its objections and its disposal steps. For an enterprise
    (``actor``), only signed reports, and the verdict only once notified; for a laboratory, signed reports and its
    own drafts; staff see everything."""
    plan = session.get(SamplingPlan, sample.plan_id)
    reports = session.scalars(select(SampleReport).where(SampleReport.sample_id == sample.id)
                              .order_by(SampleReport.kind, SampleReport.version)).all()
    producer = actor is not None and actor.role == "enterprise"
    if actor is not None and not is_staff(actor):
        reports = [r for r in reports if r.signed_off_at is not None
                   or (actor.role == "lab" and actor.tenant_id == r.lab_id)]
    if producer and sample.notified_on is None and sample.status in ("registered", "tested"):
        reports = []
    items: dict[int, list[SampleReportItem]] = {}
    if reports:
        for item in session.scalars(select(SampleReportItem).where(
                SampleReportItem.report_id.in_([r.id for r in reports])).order_by(SampleReportItem.seq)):
            items.setdefault(item.report_id, []).append(item)
    objections = session.scalars(select(SampleObjection).where(SampleObjection.sample_id == sample.id)
                                 .order_by(SampleObjection.id)).all()
    disposals = session.scalars(select(SampleDisposal).where(SampleDisposal.sample_id == sample.id)
                                .order_by(SampleDisposal.id)).all()
    shown = sample_out(sample, plan.code if plan else None)
    if producer and not reports:
        shown["verdict"] = None  # not yet notified to the producer
    return {**shown,
            "reports": [report_out(r, items.get(r.id, [])) for r in reports],
            "objections": [{"id": o.id, "submitted_on": o.submitted_on.isoformat(), "reason": o.reason,
                            "status": o.status, "retest_lab_id": o.retest_lab_id, "outcome": o.outcome,
                            "submitted_by": o.submitted_by, "decided_on": _iso(o.decided_on)} for o in objections],
            "disposals": [disposal_out(d) for d in disposals]}


def disposal_out(d: SampleDisposal) -> dict[str, Any]:
    return {"id": d.id, "sample_id": d.sample_id, "action": d.action, "due_on": d.due_on.isoformat(),
            "done_on": _iso(d.done_on), "note": d.note, "outcome": d.outcome, "created_by": d.created_by}


def plan_out(p: SamplingPlan) -> dict[str, Any]:
    return {"id": p.id, "code": p.code, "title": p.title, "level": p.level, "jurisdiction": p.jurisdiction,
            "period_start": p.period_start.isoformat(), "period_end": p.period_end.isoformat(),
            "categories": p.categories, "quotas": p.quotas, "status": p.status, "created_by": p.created_by}


def plans(session: Session, limit: int = 500) -> list[SamplingPlan]:
    """Plans, newest first."""
    return list(session.scalars(select(SamplingPlan).order_by(SamplingPlan.id.desc()).limit(limit)))


def plan_counts(session: Session, plan_id: int) -> dict[str, int]:
    """How many of the plan's samples are in each status."""
    return {status: n for status, n in session.execute(select(Sample.status, func.count()).where(
        Sample.plan_id == plan_id).group_by(Sample.status))}
