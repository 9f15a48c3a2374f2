"""Random inspections over HTTP: public pages and JSON for the item list, plans, draws and results; the regulator's
workflow (create, commit, seed, draw, record, approve, publish) as JSON endpoints and a console page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from zhiliang.inspections import results, service
from zhiliang.inspections.models import InspectionFinding, InspectionItem, InspectionPlan, InspectionTarget
from zhiliang.kernel.errors import invalid, not_found
from zhiliang.kernel.http.context import Id, in_transaction, runtime, signed_in
from zhiliang.kernel.http.exports import download
from zhiliang.kernel.http.render import render
from zhiliang.registry import queries as registry
from zhiliang.registry import refdata as registry_refdata
from zhiliang.registry.domain import ENTITY_TYPES, STATUS_LABELS

router = APIRouter(tags=["inspections 双随机"])


class BeaconIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=200)
    after: str = Field(max_length=40)  # ISO 8601 with a zone
    by: str = Field(max_length=40)


class SeedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    beacon_value: str | None = Field(None, max_length=1000)


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=200)
    kind: str = Field("annual", pattern="^(annual|ad_hoc)$")
    jurisdiction: str = Field(pattern=r"^\d{6}$")
    departments: list[str] = Field(default_factory=list, max_length=10)  # none: every department
    item_ids: list[int] = Field(min_length=1, max_length=100)
    filters: dict[str, str | list[str]] = Field(default_factory=dict)  # see params.pool_filters
    ratios: dict[str, str]
    min_per_stratum: int = Field(0, ge=0, le=1000)
    per_target: int = Field(2, ge=2, le=10)
    workload_cap: int = Field(50, ge=1, le=100000)
    beacon: BeaconIn | None = None  # seed from an external beacon instead of the ledger


class FindingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: int
    code: str
    note: str | None = Field(None, max_length=2000)


def _plan_out(plan: InspectionPlan) -> dict[str, Any]:
    return {"code": plan.code, "title": plan.title, "kind": plan.kind, "jurisdiction": plan.jurisdiction,
            "departments": plan.departments, "status": plan.status, "filters": plan.filters, "ratios": plan.ratios,
            "beacon": plan.beacon, "seed_rule": plan.seed_rule,
            "pool_size": plan.pool_size, "pool_digest": plan.pool_digest, "commitment": plan.commitment,
            "committed_at": plan.committed_at, "seed": plan.seed, "seed_source": plan.seed_source,
            "result": {k: v for k, v in (plan.result or {}).items() if k != "selected"} or None,
            "unmet": plan.unmet, "publish_by": plan.publish_by, "published_at": plan.published_at}


def _targets(session, plan: InspectionPlan, public: bool) -> list[dict[str, Any]]:  # noqa: ANN001
    query = select(InspectionTarget).where(InspectionTarget.plan_id == plan.id).order_by(InspectionTarget.rank)
    if public:
        query = query.where(InspectionTarget.status == "published")
    rows = session.scalars(query.limit(2000)).all()
    names = {i: e.name for i, e in registry.enterprises_by_id(session, [r.entity_id for r in rows]).items()}
    return [{"id": r.id, "entity_id": r.entity_id, "name": names.get(r.entity_id), "risk_class": r.risk_class,
             "status": r.status, "outcome": r.outcome, "outcome_zh": results.FINDINGS.get(r.outcome, ("", ""))[0],
             "outcome_en": results.FINDINGS.get(r.outcome, ("", ""))[1], "inspectors": r.inspectors}
            for r in rows]


_staff = signed_in


# ---------------------------------------------------------------------------------------------------- public


@router.get("/api/v1/inspections/items", name="inspections.api_items")
def items(request: Request) -> dict[str, Any]:
    """The published inspection item list (抽查事项清单)."""
    with runtime(request).db.read() as session:
        rows = session.scalars(select(InspectionItem).order_by(InspectionItem.code)).all()
        return {"items": [{"id": i.id, "code": i.code, "name": i.name, "legal_basis": i.legal_basis,
                           "department": i.department, "method": i.method, "entity_types": i.entity_types}
                          for i in rows]}


@router.get("/api/v1/inspections/plans", name="inspections.api_plans")
def plans(request: Request) -> dict[str, Any]:
    """Committed plans, newest first (drafts are internal)."""
    with runtime(request).db.read() as session:
        rows = session.scalars(select(InspectionPlan).where(InspectionPlan.status != "draft")
                               .order_by(InspectionPlan.id.desc()).limit(200)).all()
        return {"items": [_plan_out(p) for p in rows]}


@router.get("/api/v1/inspections/plans/{code}", name="inspections.api_plan")
def plan(request: Request, code: str) -> dict[str, Any]:
    """A plan's commitment, seed and result, and its published results."""
    with runtime(request).db.read() as session:
        found = service.get_plan(session, code)
        return {**_plan_out(found), "targets": _targets(session, found, public=True)}


@router.get("/api/v1/inspections/plans/{code}/record", name="inspections.api_record")
def record(request: Request, code: str) -> dict[str, Any]:
    """The public record of the draw: re-run it with ``zhiliang inspections verify-draw``."""
    with runtime(request).db.read() as session:
        return service.public_record(session, code)


@router.get("/inspections", name="inspections.page", include_in_schema=False)
def page(request: Request) -> Response:
    """Twins: ``/api/v1/inspections/plans`` and ``/api/v1/inspections/items``."""
    return render(request, "inspections/index.html", {"plans": plans(request)["items"],
                                                      "items": items(request)["items"]})


@router.get("/inspections/plans/{code}", name="inspections.plan_page", include_in_schema=False)
def plan_page(request: Request, code: str) -> Response:
    """Twin: ``/api/v1/inspections/plans/{code}``."""
    return render(request, "inspections/plan.html", {"p": plan(request, code)})


@router.get("/inspections/plans/{code}/verify", name="inspections.verify_page", include_in_schema=False)
def verify_page(request: Request, code: str) -> Response:
    """Re-run the draw from the public record on this server and show each check (the independent way is
    ``zhiliang inspections verify-draw`` on one's own machine, which the page explains)."""
    from zhiliang.inspections import domain

    with runtime(request).db.read() as session:
        public = service.public_record(session, code)
    checks: dict[str, bool | None] = {}
    match = False
    if "seed" in public and "result" in public:
        match, checks = domain.verify_draw(public)
    return render(request, "inspections/verify.html", {"code": code, "match": match, "checks": checks,
                                                       "status": public.get("status")})


EXPORT_HEADER = ("序号 Rank", "统一社会信用代码 USCC", "名称 Name", "风险等级 Risk class", "区划 Division",
                 "检查人员 Inspectors", "状态 Status", "结果 Outcome")


@router.get("/api/v1/inspections/plans/{code}/export", name="inspections.api_export")
def export(request: Request, code: str, format: str = "csv") -> Response:
    """The draw and its results as CSV or XLSX: every target in draw order with its inspectors; an outcome only
    once published."""
    with runtime(request).db.read() as session:
        found = service.get_plan(session, code)
        if found.status == "draft":
            service.public_record(session, code)  # raises the 409 a draft deserves
        rows = session.scalars(select(InspectionTarget).where(InspectionTarget.plan_id == found.id)
                               .order_by(InspectionTarget.rank)).all()
        entities = registry.enterprises_by_id(session, [r.entity_id for r in rows])
        out = []
        for r in rows:
            entity = entities.get(r.entity_id)
            outcome = results.FINDINGS.get(r.outcome, ("", ""))[0] if r.status == "published" else ""
            out.append((r.rank + 1, entity.uscc if entity else "", entity.name if entity else "", r.risk_class,
                        r.division_code or "", " ".join(str(i) for i in r.inspectors or []), r.status, outcome))
    return download(format, f"抽查-{code}", EXPORT_HEADER, out)


@router.get("/api/v1/inspections/overdue", name="inspections.api_overdue")
def overdue(request: Request) -> dict[str, Any]:
    """Plans past their publication deadline (working days after the draw) with results still unpublished."""
    rt = runtime(request)
    _staff(request)
    with rt.db.read() as session:
        return {"items": [_plan_out(p) for p in results.overdue(session, rt.today())]}


@router.get("/console/inspections", name="inspections.console_list", include_in_schema=False)
def console_list(request: Request) -> Response:
    """Every plan for staff, drafts included, overdue ones flagged. Twin: ``/api/v1/inspections/overdue``."""
    _staff(request)
    rt = runtime(request)
    with rt.db.read() as session:
        rows = session.scalars(select(InspectionPlan).order_by(InspectionPlan.id.desc()).limit(500)).all()
        late = {p.code for p in results.overdue(session, rt.today())}
        plans_ = [{**_plan_out(p), "overdue": p.code in late} for p in rows]
    return render(request, "inspections/console_list.html", {"plans": plans_})


def profile_section(session: Any, enterprise_id: int, today: Any = None) -> dict[str, Any] | None:
    """Published inspection results of one enterprise, for its public profile (a section the app wires in)."""
    rows = session.execute(select(InspectionPlan.code, InspectionPlan.title, InspectionTarget.outcome,
                                  InspectionTarget.published_at)
                           .join(InspectionTarget, InspectionTarget.plan_id == InspectionPlan.id)
                           .where(InspectionTarget.entity_id == enterprise_id,
                                  InspectionTarget.status == "published")
                           .order_by(InspectionTarget.published_at.desc()).limit(50)).all()
    if not rows:
        return None
    return {"title_zh": "双随机抽查结果", "title_en": "Random inspection results",
            "columns": [("计划", "Plan"), ("结果", "Outcome"), ("公示时间", "Published")],
            "rows": [[(r.title, f"/inspections/plans/{r.code}"),
                      (results.FINDINGS.get(r.outcome, ("", ""))[0], None), (r.published_at.date().isoformat(), None)]
                     for r in rows]}


# ---------------------------------------------------------------------------------------------------- workflow


def _write(request: Request, work: Any) -> Any:
    return in_transaction(request, work, _staff(request))


@router.post("/api/v1/inspections/plans", name="inspections.api_create", status_code=201)
async def create(request: Request, body: PlanIn) -> dict[str, Any]:
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        made = service.create_plan(session, actor, rt.clock.now(), origin=rt.settings.ledger_origin,
                                   **body.model_dump())
        return _plan_out(made)

    return await run_in_threadpool(_write, request, work)


STEPS = ("commit", "seed", "draw", "publish")


def _local_time(value: str) -> str:
    """A datetime-local form value (no zone) read as Beijing time; ISO text with a zone passes unchanged."""
    value = value.strip()
    if value and len(value) <= 19 and "+" not in value and not value.endswith("Z"):
        return value + "+08:00"
    return value


def _step(request: Request, code: str, step: str, beacon_value: str | None = None) -> dict[str, Any]:
    if step not in STEPS:
        raise not_found("步骤", "Step", step)

    def work(session, actor, rt):  # noqa: ANN001, ANN202
        now = rt.clock.now()
        if step == "commit":
            done = service.commit(session, actor, code, now)
        elif step == "seed":
            done = service.fix_seed(session, actor, code, now, beacon_value)
        elif step == "draw":
            deadline = rt.calendar.add_workdays(rt.today(), rt.settings.inspections_publish_workdays)
            done = service.run_draw(session, actor, code, now, deadline)
        else:
            results.publish(session, actor, code, now)
            done = service.get_plan(session, code)
        return _plan_out(done)

    return _write(request, work)


@router.post("/api/v1/inspections/plans/{code}/{step}", name="inspections.api_step")
async def step(request: Request, code: str, step: str, body: SeedIn | None = None) -> dict[str, Any]:
    """Run a step: ``commit``, ``seed``, ``draw`` or ``publish`` (in that order). A beacon plan's ``seed`` step
    takes ``{"beacon_value": "…"}``, entered within the window its commitment states."""
    return await run_in_threadpool(_step, request, code, step, body.beacon_value if body else None)


@router.post("/api/v1/inspections/targets/{target_id}/findings", name="inspections.api_finding")
async def finding(request: Request, target_id: Id, body: FindingIn) -> dict[str, Any]:
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        row = results.record_finding(session, actor, target_id, body.item_id, body.code, body.note, rt.clock.now())
        return {"target_id": target_id, "item_id": row.item_id, "code": row.code}

    return await run_in_threadpool(_write, request, work)


@router.post("/api/v1/inspections/targets/{target_id}/approve", name="inspections.api_approve")
async def approve(request: Request, target_id: Id) -> dict[str, Any]:
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        target = results.approve(session, actor, target_id, rt.clock.now())
        return {"target_id": target.id, "status": target.status}

    return await run_in_threadpool(_write, request, work)


@router.post("/api/v1/inspections/targets/{target_id}/attachments", name="inspections.api_attach", status_code=201)
async def attach(request: Request, target_id: Id, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Attach evidence (PDF, JPEG or PNG, at most ``ZHILIANG_ATTACHMENT_MAX_MB``) to a target's findings."""
    rt = runtime(request)
    limit = rt.settings.attachment_max_mb << 20
    data = await file.read(limit + 1)

    def work(session, actor, rt):  # noqa: ANN001, ANN202
        row = results.add_attachment(session, actor, target_id, file.filename or "", data,
                                     rt.settings.data_dir / "attachments", rt.clock.now(), limit)
        return {"id": row.id, "file_name": row.file_name, "content_type": row.content_type, "size": row.size,
                "sha256": row.sha256}

    return await run_in_threadpool(_write, request, work)


@router.get("/api/v1/inspections/attachments/{attachment_id}", name="inspections.api_attachment")
def download_attachment(request: Request, attachment_id: Id) -> Response:
    """The evidence file itself (staff of the plan's jurisdiction)."""
    rt, actor = runtime(request), _staff(request)
    with rt.db.read() as session:
        row = results.attachment(session, actor, attachment_id)
    path = rt.settings.data_dir / "attachments" / row.sha256[:2] / row.sha256
    return FileResponse(path, media_type=row.content_type, filename=row.file_name)


@router.post("/console/inspections/targets/{target_id}/attachments", name="inspections.console_attach",
             include_in_schema=False)
async def console_attach(request: Request, target_id: Id, code: Annotated[str, Form()],
                         file: Annotated[UploadFile, File()]) -> Response:
    await attach(request, target_id, file)
    return RedirectResponse(f"/console/inspections/{code}", status_code=303)


@router.get("/console/inspections/new", name="inspections.console_new", include_in_schema=False)
def console_new(request: Request) -> Response:
    """The form to build a plan: items from the list, filters, ratios per risk class, team size, workload cap."""
    actor = _staff(request)
    with runtime(request).db.read() as session:
        all_items = session.scalars(select(InspectionItem).order_by(InspectionItem.code)).all()
    return render(request, "inspections/new.html", {
        "items": all_items, "me": actor, "entity_types": ENTITY_TYPES, "statuses": STATUS_LABELS,
        "licence_kinds": list(registry_refdata.licence_kinds().values())})


@router.post("/console/inspections/new", name="inspections.console_create", include_in_schema=False)
async def console_create(
    request: Request, code: Annotated[str, Form()], title: Annotated[str, Form()],
    jurisdiction: Annotated[str, Form()], departments: Annotated[str, Form()] = "",
    item_ids: Annotated[list[int] | None, Form()] = None, kind: Annotated[str, Form()] = "annual",
    division: Annotated[str, Form()] = "", industry: Annotated[str, Form()] = "",
    entity_type: Annotated[str, Form()] = "", status: Annotated[str, Form()] = "active",
    licence: Annotated[str, Form()] = "", tags: Annotated[str, Form()] = "",
    beacon_source: Annotated[str, Form()] = "", beacon_after: Annotated[str, Form()] = "",
    beacon_by: Annotated[str, Form()] = "",
    ratio_a: Annotated[str, Form()] = "0.02", ratio_b: Annotated[str, Form()] = "0.05",
    ratio_c: Annotated[str, Form()] = "0.1", ratio_d: Annotated[str, Form()] = "0.2",
    min_per_stratum: Annotated[int, Form()] = 0, per_target: Annotated[int, Form()] = 2,
    workload_cap: Annotated[int, Form()] = 50,
) -> Response:
    """Create the draft plan and go to its workflow page (where the pool preview shows)."""
    try:
        body = PlanIn(code=code.strip(), title=title.strip(), kind=kind, jurisdiction=jurisdiction.strip(),
                      departments=[d.strip() for d in departments.replace("、", ",").split(",") if d.strip()],
                      item_ids=item_ids or [], filters={k: v.strip() for k, v in (
                          ("division", division), ("industry", industry), ("entity_type", entity_type),
                          ("status", status), ("licence", licence), ("tags", tags)) if v.strip()},
                      ratios={"A": ratio_a, "B": ratio_b, "C": ratio_c, "D": ratio_d},
                      min_per_stratum=min_per_stratum, per_target=per_target, workload_cap=workload_cap,
                      beacon=BeaconIn(source=beacon_source.strip(), after=_local_time(beacon_after),
                                      by=_local_time(beacon_by)) if beacon_source.strip() else None)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise invalid("inspections.form", f"计划表单有误:{where}", f"Check the plan form: {where} "
                      f"({first['msg']})", where) from None

    def work(session, actor, rt):  # noqa: ANN001, ANN202
        return service.create_plan(session, actor, rt.clock.now(), origin=rt.settings.ledger_origin,
                                   **body.model_dump()).code

    made = await run_in_threadpool(_write, request, work)
    return RedirectResponse(f"/console/inspections/{made}", status_code=303)


@router.get("/console/inspections/{code}", name="inspections.console", include_in_schema=False)
def console(request: Request, code: str) -> Response:
    """The plan's workflow for regulators: the next step's button, the targets, findings to record."""
    _staff(request)
    rt = runtime(request)
    with rt.db.read() as session:
        found = service.get_plan(session, code)
        targets = _targets(session, found, public=False)
        plan_items = session.scalars(select(InspectionItem).where(InspectionItem.id.in_(found.item_ids))).all()
        recorded = {(f.target_id, f.item_id): f.code for f in session.scalars(select(InspectionFinding).join(
            InspectionTarget, InspectionTarget.id == InspectionFinding.target_id).where(
            InspectionTarget.plan_id == found.id))}
        overdue = found.status == "drawn" and found.publish_by is not None and found.publish_by < rt.today()
        out = _plan_out(found)
        pool = service.preview(session, code) if found.status == "draft" else None
    return render(request, "inspections/console.html", {"p": out, "targets": targets, "items": plan_items,
                                                        "recorded": recorded, "findings": results.FINDINGS,
                                                        "overdue": overdue, "pool": pool})


@router.post("/console/inspections/{code}/step", name="inspections.console_step", include_in_schema=False)
async def console_step(request: Request, code: str, step: Annotated[str, Form()],
                       beacon_value: Annotated[str | None, Form()] = None) -> Response:
    await run_in_threadpool(_step, request, code, step, beacon_value)
    return RedirectResponse(f"/console/inspections/{code}", status_code=303)


@router.post("/console/inspections/targets/{target_id}", name="inspections.console_target",
             include_in_schema=False)
async def console_target(request: Request, target_id: Id, code: Annotated[str, Form()],
                         action: Annotated[str, Form()], item_id: Annotated[int | None, Form()] = None,
                         finding_code: Annotated[str | None, Form()] = None) -> Response:
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        if action == "approve":
            results.approve(session, actor, target_id, rt.clock.now())
        else:
            results.record_finding(session, actor, target_id, item_id or 0, finding_code or "", None, rt.clock.now())

    await run_in_threadpool(_write, request, work)
    return RedirectResponse(f"/console/inspections/{code}", status_code=303)
