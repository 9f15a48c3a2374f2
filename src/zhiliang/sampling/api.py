"""Sampling JSON API (``/api/v1/sampling``): plans, samples, laboratory reports, notice, objections and re-tests,
confirmation, publication, disposal, pass rates, the Pareto of failing items, an enterprise's history and the
published results. Who sees what is :mod:`zhiliang.sampling.policy`: a laboratory's token lists and reports on its
assigned samples only; the public reads published results and pass rates; staff act by jurisdiction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from zhiliang.kernel.auth import Actor
from zhiliang.kernel.errors import forbidden, invalid
from zhiliang.kernel.http.context import MAX_ID, After, Id, in_transaction, resolve, runtime
from zhiliang.kernel.http.exports import download
from zhiliang.kernel.policy import is_staff
from zhiliang.kernel.runtime import Runtime
from zhiliang.sampling import attachments, disposal, domain, policy, queries, reports, service
from zhiliang.sampling.models import SampleObjection
from zhiliang.sampling.schemas import (
    CompleteBody,
    DisposalBody,
    NotifyBody,
    ObjectionBody,
    PlanBody,
    ReportBody,
    RetestBody,
    SampleBody,
)

router = APIRouter(prefix="/api/v1/sampling", tags=["sampling 监督抽查"])
Format = Annotated[str, Query(pattern="^(json|csv|xlsx)$", description="json, csv or xlsx")]
Code = Annotated[str, Query(max_length=40)]
Division = Annotated[str | None, Query(pattern=r"^\d{6}$")]


def _read(request: Request, work: Callable[[Any, Actor, Runtime], Any]) -> Any:
    rt = runtime(request)
    with rt.db.read() as session:
        return work(session, resolve(request).actor, rt)


async def _write(request: Request, work: Callable[[Any, Actor, Runtime], Any]) -> Any:
    return await run_in_threadpool(in_transaction, request, work)


def visible_sample(session: Any, actor: Actor, sample_id: int) -> Any:
    """The sample, if ``actor`` may read it (401/403/404 otherwise)."""
    sample = service.get_sample(session, sample_id)
    retest_labs = set(session.scalars(select(SampleObjection.retest_lab_id).where(
        SampleObjection.sample_id == sample.id, SampleObjection.retest_lab_id.is_not(None))))
    policy.require_view(actor, sample, retest_labs)
    return sample


# ---------------------------------------------------------------------------------------------------- plans


@router.post("/plans", status_code=201, name="sampling.api_create_plan")
async def create_plan(request: Request, body: PlanBody) -> dict[str, Any]:
    """Create a sampling plan (regulators of its jurisdiction; national plans: admins)."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        return queries.plan_out(service.create_plan(session, actor, rt.clock.now(), **body.model_dump()))

    return await _write(request, work)


@router.get("/plans", name="sampling.api_plans")
def plans(request: Request) -> dict[str, Any]:
    """Every plan, newest first, with its samples counted by status (staff)."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        policy.require_staff(actor)
        return {"items": [{**queries.plan_out(p), "counts": queries.plan_counts(session, p.id)}
                          for p in queries.plans(session)]}

    return _read(request, work)


@router.get("/plans/{code}", name="sampling.api_plan")
def plan(request: Request, code: str) -> dict[str, Any]:
    """A plan with its samples (those in the asking regulator's jurisdiction; staff)."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        policy.require_staff(actor)
        found = service.get_plan(session, code)
        rows = queries.samples(session, queries.SampleFilters(plan_id=found.id), within=policy.scope(actor).within,
                               limit=None)
        return {**queries.plan_out(found), "counts": queries.plan_counts(session, found.id),
                "samples": [queries.sample_out(s, found.code) for s in rows]}

    return _read(request, work)


@router.post("/plans/{code}/samples", status_code=201, name="sampling.api_register")
async def register(request: Request, code: str, body: SampleBody) -> dict[str, Any]:
    """Register a sample taken under the plan (409 when a higher level already sampled it: 产品质量法 第十五条)."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        made = service.register_sample(session, actor, rt.clock.now(), code, service.SampleIn(**body.model_dump()))
        return queries.sample_out(made, code)

    return await _write(request, work)


@router.post("/plans/{code}/publish", name="sampling.api_publish")
async def publish(request: Request, code: str) -> dict[str, Any]:
    """Publish the plan's confirmed results on the portal; returns how many."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        return {"plan": code, "published": service.publish(session, actor, rt.clock.now(), code)}

    return await _write(request, work)


@router.post("/confirm-due", name="sampling.api_confirm_due")
async def confirm_due(request: Request) -> dict[str, Any]:
    """Confirm every result whose objection period ended without objection (the daily job; admins)."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        if actor.role != "admin":
            raise forbidden("只有管理员可以运行确认任务", "Only admins run the confirmation job")
        return {"confirmed": service.confirm_due(session, rt.clock.now(), rt.today()), "on": rt.today().isoformat()}

    return await _write(request, work)


# ---------------------------------------------------------------------------------------------------- samples

SAMPLE_HEADER = ("样品编号 Sample", "计划 Plan", "级别 Level", "生产者 Producer id", "区划 Division", "分类 Category",
                 "产品 Product", "商标 Brand", "型号 Model", "批号 Batch", "抽样日期 Sampled on", "承检机构 Lab id",
                 "状态 Status", "结论 Verdict", "送达 Notified on", "异议期限 Objection deadline",
                 "确认 Confirmed on")


def sample_rows(session: Any, rows: list[Any]) -> list[tuple[Any, ...]]:
    codes = {p.id: p.code for p in queries.plans(session, limit=100_000)}
    return [(s.code, codes.get(s.plan_id, ""), s.level, s.enterprise_id, s.division_code or "", s.category,
             s.product, s.brand or "", s.model or "", s.batch or "", s.sampled_on.isoformat(), s.lab_id, s.status,
             s.verdict or "", s.notified_on or "", s.objection_deadline or "", s.confirmed_on or "") for s in rows]


@router.get("/samples", name="sampling.api_samples", response_model=None)
def samples(request: Request, plan: Code | None = None, status: Annotated[str | None, Query(max_length=16)] = None,
            category: Annotated[str | None, Query(max_length=12)] = None, district: Division = None,
            verdict: Annotated[str | None, Query(pattern="^(pass|fail)$")] = None,
            enterprise_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None, after: After = None,
            limit: Annotated[int, Query(ge=1, le=500)] = 100, format: Format = "json") -> Any:
    """Samples newest first, as each actor may see them (regulators: their jurisdiction; a laboratory: its
    assignments; an enterprise: its own); ``format=csv|xlsx`` exports every match (staff)."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        scope = policy.scope(actor)
        plan_id = service.get_plan(session, plan).id if plan else None
        f = queries.SampleFilters(plan_id=plan_id, status=status, category=category, district=district,
                                  verdict=verdict, enterprise_id=enterprise_id)
        if format != "json":
            policy.require_staff(actor)
            return sample_rows(session, queries.samples(session, f, within=scope.within, limit=None))
        rows = queries.samples(session, f, within=scope.within, lab_id=scope.lab_id, party=scope.enterprise_id,
                               after=after, limit=limit)
        return {"items": [queries.sample_out(s) for s in rows],
                "next": rows[-1].id if len(rows) == limit else None}

    out = _read(request, work)
    return out if format == "json" else download(format, "sampling-samples", SAMPLE_HEADER, out)


@router.get("/lab/samples", name="sampling.api_lab_samples")
def lab_samples(request: Request, status: Annotated[str | None, Query(max_length=16)] = None,
                after: After = None, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    """The samples assigned to the asking laboratory (its own, and those sent to it for a re-test)."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        lab_id = policy.require_lab(actor)
        rows = queries.samples(session, queries.SampleFilters(status=status), lab_id=lab_id, after=after,
                               limit=limit)
        return {"lab_id": lab_id, "items": [queries.sample_out(s) for s in rows],
                "next": rows[-1].id if len(rows) == limit else None}

    return _read(request, work)


@router.get("/samples/{sample_id}", name="sampling.api_sample")
def sample(request: Request, sample_id: Id) -> dict[str, Any]:
    """A sample with its report versions and items, objections and disposal (those who may see it)."""
    return _read(request, lambda s, actor, rt: queries.detail(s, visible_sample(s, actor, sample_id), actor))


@router.post("/samples/{sample_id}/reports", status_code=201, name="sampling.api_save_report")
async def save_report(request: Request, sample_id: Id, body: ReportBody) -> dict[str, Any]:
    """Enter or replace the draft report (the assigned laboratory only); with ``correction``, a new version of a
    signed report. Bad items are refused naming the item and field (``items/2/value``), nothing saved."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        items = [reports.ItemIn(**i.model_dump()) for i in body.items]
        made = reports.save_draft(session, actor, rt.clock.now(), sample_id, body.report_no, items,
                                  correction=body.correction)
        return queries.report_out(made, reports.items_of(session, made.id))

    return await _write(request, work)


@router.post("/reports/{report_id}/sign", name="sampling.api_sign")
async def sign(request: Request, report_id: Id) -> dict[str, Any]:
    """Sign a draft off (the laboratory that entered it): immutable from now on."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        signed = reports.sign_off(session, actor, rt.clock.now(), rt.today(), report_id)
        return {**queries.report_out(signed, reports.items_of(session, signed.id)),
                "sample_status": service.get_sample(session, signed.sample_id).status}

    return await _write(request, work)


@router.post("/reports/{report_id}/files", status_code=201, name="sampling.api_attach")
async def attach(request: Request, report_id: Id, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Attach a file (PDF, JPEG or PNG, at most ``ZHILIANG_ATTACHMENT_MAX_MB``) to a draft report: its laboratory
    only, before sign-off."""
    limit = runtime(request).settings.attachment_max_mb << 20
    data = await file.read(limit + 1)

    def work(session, actor, rt):  # noqa: ANN001, ANN202
        return attachments.attach(session, actor, rt.clock.now(), report_id, file.filename or "", data,
                                  rt.settings.data_dir / "attachments", limit)

    return await _write(request, work)


@router.get("/reports/{report_id}/files/{sha256}", name="sampling.api_file")
def report_file(request: Request, report_id: Id, sha256: Annotated[str, Path(pattern="^[0-9a-f]{64}$")]
                ) -> Response:
    """A report's file (the laboratory that wrote it, and staff)."""
    rt = runtime(request)
    with rt.db.read() as session:
        entry, path = attachments.file_of(session, resolve(request).actor, report_id, sha256,
                                          rt.settings.data_dir / "attachments")
    return FileResponse(path, media_type=entry["content_type"], filename=entry["name"])


@router.post("/samples/{sample_id}/notify", name="sampling.api_notify")
async def notify(request: Request, sample_id: Id, body: NotifyBody) -> dict[str, Any]:
    """Record the day the producer received the result; the 15-day objection window starts."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        return queries.sample_out(service.notify(session, actor, rt.clock.now(), sample_id, body.received_on,
                                                 rt.calendar))

    return await _write(request, work)


@router.post("/samples/{sample_id}/objections", status_code=201, name="sampling.api_object")
async def object_to(request: Request, sample_id: Id, body: ObjectionBody) -> dict[str, Any]:
    """Object to a result (the producer or seller, or a regulator for them) until the window's last day."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        made = service.object_to(session, actor, rt.clock.now(), rt.today(), sample_id, body.reason)
        return {"id": made.id, "sample_id": made.sample_id, "status": made.status,
                "submitted_on": made.submitted_on.isoformat()}

    return await _write(request, work)


@router.post("/objections/{objection_id}/retest", name="sampling.api_retest")
async def retest(request: Request, objection_id: Id, body: RetestBody) -> dict[str, Any]:
    """Send an objected sample to another laboratory for the re-test."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        made = service.assign_retest(session, actor, rt.clock.now(), objection_id, body.lab_id)
        return {"id": made.id, "sample_id": made.sample_id, "status": made.status,
                "retest_lab_id": made.retest_lab_id}

    return await _write(request, work)


# ---------------------------------------------------------------------------------------------------- disposal


@router.post("/samples/{sample_id}/disposals", status_code=201, name="sampling.api_add_disposal")
async def add_disposal(request: Request, sample_id: Id, body: DisposalBody) -> dict[str, Any]:
    """Order a disposal step for a confirmed failure, with its deadline."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        return queries.disposal_out(disposal.add(session, actor, rt.clock.now(), rt.today(), sample_id,
                                                 body.action, body.due_on, body.note))

    return await _write(request, work)


@router.post("/disposals/{disposal_id}/complete", name="sampling.api_complete_disposal")
async def complete_disposal(request: Request, disposal_id: Id, body: CompleteBody) -> dict[str, Any]:
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        return queries.disposal_out(disposal.complete(session, actor, rt.clock.now(), disposal_id, body.done_on,
                                                      body.outcome, rt.today()))

    return await _write(request, work)


@router.get("/disposals/overdue", name="sampling.api_overdue")
def overdue(request: Request) -> dict[str, Any]:
    """Disposal steps past their deadline and not done (staff; regulators: their jurisdiction)."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        policy.require_staff(actor)
        rows = disposal.overdue(session, rt.today(), within=policy.scope(actor).within)
        return {"today": rt.today().isoformat(),
                "items": [{**queries.disposal_out(d), "sample": queries.sample_out(s)} for d, s in rows]}

    return _read(request, work)


# ---------------------------------------------------------------------------------------------------- statistics

RATE_HEADER = ("批次数 Tested", "合格 Passed", "合格率 Rate", "下限 Low (95%)", "上限 High (95%)",
               "不稳定 Unstable", "说明 Reason")


def filters_of(category: str | None, district: str | None, level: str | None, since: date | None,
               until: date | None) -> queries.Filters:
    if level and level not in domain.LEVELS:
        raise invalid("sampling.level", f"抽查级别应为 {'、'.join(domain.LEVELS)}",
                      f"level must be one of {', '.join(domain.LEVELS)}", "level")
    if since and until and until < since:
        raise invalid("sampling.period", "结束日期早于开始日期", "until is before since", "until")
    return queries.Filters(since=since, until=until, category=category or None, district=district or None,
                           level=level or None)


def dimensions_of(by: str) -> tuple[str, ...]:
    dims = tuple(d.strip() for d in by.split(",") if d.strip())
    unknown = [d for d in dims if d not in queries.DIMENSIONS]
    if unknown or len(set(dims)) != len(dims):
        raise invalid("sampling.by", f"分组维度无效:{'、'.join(unknown) or by};可选 {'、'.join(queries.DIMENSIONS)}",
                      f"unknown or repeated dimension {', '.join(unknown) or by}; known: "
                      f"{', '.join(queries.DIMENSIONS)}", "by")
    return dims


def rates(request: Request, by: str, f: queries.Filters) -> list[dict[str, Any]]:
    dims = dimensions_of(by)
    return _read(request, lambda s, actor, rt: queries.pass_rates(s, dims, f))


@router.get("/pass-rates", name="sampling.api_pass_rates", response_model=None)
def pass_rates(request: Request, by: Annotated[str, Query(max_length=100)] = "category",
               category: Annotated[str | None, Query(max_length=12)] = None, district: Division = None,
               level: Annotated[str | None, Query(max_length=16)] = None, since: date | None = None,
               until: date | None = None, format: Format = "json") -> Any:
    """批次合格率 by ``by`` (comma-separated: category, category_group, industry, district, level, year, quarter)
    with the 95 % Wilson interval and the unstable flag (public); ``format=csv|xlsx`` for staff."""
    f = filters_of(category, district, level, since, until)
    if format != "json":
        policy.require_staff(resolve(request).actor)
    rows = rates(request, by, f)
    if format == "json":
        return {"by": list(dimensions_of(by)), "rows": rows}
    dims = dimensions_of(by)
    return download(format, "sampling-pass-rates", [*dims, *RATE_HEADER],
                    ([*(r[d] or "" for d in dims), r["tested"], r["passed"], round(r["rate"], 4), round(r["low"], 4),
                      round(r["high"], 4), "是 yes" if r["unstable"] else "", r["reason_zh"]] for r in rows))


@router.get("/failing-items", name="sampling.api_failing_items")
def failing_items(request: Request, category: Annotated[str | None, Query(max_length=12)] = None,
                  district: Division = None, level: Annotated[str | None, Query(max_length=16)] = None,
                  since: date | None = None, until: date | None = None) -> dict[str, Any]:
    """The Pareto of failing test items over failed results: published ones for the public, every final one for
    staff."""
    f = filters_of(category, district, level, since, until)
    return {"pareto": _read(request, lambda s, actor, rt: queries.failing_items(
        s, f, published_only=not is_staff(actor)))}


@router.get("/enterprises/{enterprise_id}/history", name="sampling.api_history")
def history(request: Request, enterprise_id: Id) -> dict[str, Any]:
    """An enterprise's samples, latest first, with failing items: published ones for the public, all of them
    for staff in whose jurisdiction it was sampled and for the enterprise itself."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        own = actor.role == "enterprise" and actor.tenant_id == enterprise_id
        rows = queries.history(session, enterprise_id, public=not (own or actor.role in ("regulator", "admin")),
                               producer=own)
        if actor.role == "regulator":  # theirs in full; elsewhere, what the public sees
            rows = [r for r in rows if r["status"] == "published" or policy.can_view(
                actor, service.get_sample(session, r["id"]))]
        return {"enterprise_id": enterprise_id, "items": rows}

    return _read(request, work)


@router.get("/published", name="sampling.api_published")
def published(request: Request, plan: Code | None = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict[str, Any]:
    """Published results (public): sample, producer, product, verdict and failing items, latest first."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        plan_id = service.get_plan(session, plan).id if plan else None
        return {"items": queries.published(session, plan_id, limit)}

    return _read(request, work)
