"""Credit JSON API: records, reclassification, explanations, the serious-violation list and credit repair."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from zhiliang.credit import importing, institutions, queries, scoring, service
from zhiliang.credit.models import RepairApplication
from zhiliang.kernel import locks
from zhiliang.kernel.errors import invalid
from zhiliang.kernel.http.context import Id, in_transaction, resolve, runtime
from zhiliang.kernel.http.uploads import save_upload
from zhiliang.registry import queries as registry

router = APIRouter(prefix="/api/v1/credit", tags=["credit 信用监管"])


class RecordBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enterprise_id: int | None = Field(None, ge=1)
    uscc: str | None = Field(None, max_length=40)  # either this or enterprise_id
    indicator: str = Field(max_length=40)
    occurred_on: date
    ended_on: date | None = None
    heavier: bool = False
    decision_no: str | None = Field(None, max_length=80)
    legal_basis: str | None = Field(None, max_length=2000)
    amount: Decimal | None = Field(None, max_digits=18, decimal_places=2)
    heavier_penalty: str | None = Field(None, max_length=32)
    serious: bool = False
    special_field: bool = False
    summary: str = Field("", max_length=2000)


class InstitutionRecordBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(pattern="^(cb|lab)$")
    institution_id: int = Field(ge=1)
    indicator: str = Field(max_length=40)
    occurred_on: date
    heavier: bool = False
    decision_no: str | None = Field(None, max_length=80)
    summary: str = Field("", max_length=2000)


class EndBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ended_on: date


class ListingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record_id: int = Field(ge=1)
    basis: str = Field(min_length=1, max_length=2000)


class RepairBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    listing_id: int | None = Field(None, ge=1)
    record_id: int | None = Field(None, ge=1)
    obligations_fulfilled: bool = False
    harm_remedied: bool = False
    commitment_letter: str = Field("", max_length=5000)


class ReviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grant: bool
    note: str = Field("", max_length=2000)


def review_deadline(rt: Any) -> Any:
    """The review deadline of an application made today, by kind, in Chinese working days (configuration)."""
    def deadline(kind: str) -> date:
        days = (rt.settings.credit_listing_review_workdays if kind == "listing"
                else rt.settings.credit_penalty_review_workdays)
        return rt.calendar.add_workdays(rt.today(), days)
    return deadline


def enterprise_id_of(session: Any, enterprise_id: int | None, uscc: str | None) -> int:
    if enterprise_id:
        return enterprise_id
    found = registry.enterprise_by_uscc(session, uscc or "")
    if found is None:
        raise invalid("credit.enterprise", f"未找到统一社会信用代码为 {uscc} 的企业", f"No enterprise with USCC {uscc}",
                      "uscc")
    return found.id


@router.post("/records", status_code=201, name="credit.api_add_record")
async def add_record(request: Request, body: RecordBody) -> dict[str, Any]:
    """Enter a credit record (regulators of the enterprise's jurisdiction): a penalty with decision number, legal
    basis, amount and 从重; an abnormal-operation listing; a licence revocation."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        item = service.RecordIn(**body.model_dump(exclude={"enterprise_id", "uscc"}))
        record = service.add_record(session, actor, rt.clock.now(), rt.today(), service.model(rt.settings),
                                    enterprise_id_of(session, body.enterprise_id, body.uscc), item)
        return queries.record_out(record)

    return await run_in_threadpool(in_transaction, request, work)


@router.post("/imports", status_code=201, name="credit.api_import")
async def import_records(request: Request, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Upload a .csv (UTF-8 or GBK) or .xlsx of credit records; good rows are added, bad rows reported in the
    import job's error report (``GET /api/v1/imports/{job_id}/errors``), a repeated file adds nothing."""
    actor = resolve(request).actor
    queries.require_staff(actor)
    path = await save_upload(request, file)
    outcome = await run_in_threadpool(importing.import_records, runtime(request), path, actor,
                                      file_name=file.filename or path.name)
    return outcome.__dict__


@router.post("/records/{record_id}/end", name="credit.api_end_record")
async def end_record(request: Request, record_id: Id, body: EndBody) -> dict[str, Any]:
    """End a record in force (an abnormal-operation listing removed)."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        return queries.record_out(service.end_record(session, actor, rt.clock.now(), record_id, body.ended_on))

    return await run_in_threadpool(in_transaction, request, work)


@router.post("/reclassify", name="credit.api_reclassify")
async def reclassify(request: Request) -> dict[str, Any]:
    """Take in new events, end listings past their period, and reclassify every enterprise now (admins)."""
    queries.require_admin(resolve(request).actor)

    def work(session, actor, rt):  # noqa: ANN001, ANN202
        now, today = rt.clock.now(), rt.today()
        while service.ingest(session, now):
            pass
        expired = service.expire_listings(session, now, today)
        result = scoring.reclassify(session, service.model(rt.settings), today, now, actor)
        return {**result.__dict__, "listings_expired": expired}

    def locked() -> Any:  # one reclassification at a time (the API, `zhiliang credit run`): 409 while one runs
        with locks.exclusive(runtime(request).db.bind, scoring.LOCK_NAME):
            return in_transaction(request, work)

    return await run_in_threadpool(locked)


@router.get("/enterprises/{enterprise_id}", name="credit.api_enterprise")
def enterprise(request: Request, enterprise_id: Id) -> dict[str, Any]:
    """The credit profile: public facts for everyone; records, class and its explanation for staff."""
    rt, actor = runtime(request), resolve(request).actor
    with rt.db.read() as session:
        out = queries.profile(session, rt.settings, enterprise_id, rt.today(), actor)
        if "records" in out:  # staff: why the class is what it is
            out["explanation"] = explanation_out(scoring.explain(session, service.model(rt.settings),
                                                                 enterprise_id, rt.today()))
        return out


def explanation_out(e: Any) -> dict[str, Any]:
    return {"model": e.model_version, "baseline": e.baseline, "score": round(e.score, 4), "class": e.risk_class,
            "bounds": e.bounds, "contributions": [
                {"record_id": c.record_id, "indicator": c.indicator, "label": c.label, "points": c.points,
                 "weight": round(c.weight, 6), "value": round(c.value, 4)} for c in e.contributions]}


@router.get("/distribution", name="credit.api_distribution")
def distribution(request: Request, by: Annotated[str, Query(pattern="^(division|industry)$")] = "division"
                 ) -> dict[str, Any]:
    """Enterprises per class by district or industry division (staff)."""
    rt, actor = runtime(request), resolve(request).actor
    queries.require_staff(actor)
    with rt.db.read() as session:
        return {"by": by, "rows": queries.distribution(session, by)}


@router.get("/listings", name="credit.api_listings")
def listings(request: Request) -> dict[str, Any]:
    """The serious-violation list as published now (严重违法失信名单)."""
    with runtime(request).db.read() as session:
        return {"items": queries.current_listings(session)}


@router.post("/listings", status_code=201, name="credit.api_list")
async def list_serious(request: Request, body: ListingBody) -> dict[str, Any]:
    """List an enterprise on the serious-violation list on the ground of a penalty record (Order 44 Article 2)."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        listing = service.list_serious(session, actor, rt.clock.now(), rt.today(), rt.settings, body.record_id,
                                       body.basis)
        return queries.listing_out(listing)

    return await run_in_threadpool(in_transaction, request, work)


@router.post("/repairs", status_code=201, name="credit.api_apply_repair")
async def apply_repair(request: Request, body: RepairBody) -> dict[str, Any]:
    """Apply for credit repair: early removal from the list, or the end of a penalty's public display."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        return queries.application_out(service.apply_repair(session, actor, rt.clock.now(), **body.model_dump(),
                                                            decide_by=review_deadline(rt)))

    return await run_in_threadpool(in_transaction, request, work)


@router.post("/repairs/{application_id}/review", name="credit.api_review_repair")
async def review_repair(request: Request, application_id: Id, body: ReviewBody) -> dict[str, Any]:
    """Grant (rules checked) or refuse an application (another regulator than the one who entered it)."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        application = service.review_repair(session, actor, rt.clock.now(), rt.today(), rt.settings,
                                            application_id, body.grant, body.note)
        return queries.application_out(application)

    return await run_in_threadpool(in_transaction, request, work)


@router.get("/repairs", name="credit.api_repairs")
def repairs(request: Request, status: str = "submitted") -> dict[str, Any]:
    """Repair applications by status (staff)."""
    rt, actor = runtime(request), resolve(request).actor
    queries.require_staff(actor)
    with rt.db.read() as session:
        rows = session.scalars(select(RepairApplication).where(RepairApplication.status == status)
                               .order_by(RepairApplication.id)).all()
        today = rt.today()
        return {"items": [{**queries.application_out(a), "overdue": a.status == "submitted" and a.decide_by < today}
                          for a in rows]}


@router.get("/repairs/overdue", name="credit.api_repairs_overdue")
def repairs_overdue(request: Request) -> dict[str, Any]:
    """Applications still undecided after their review deadline (staff)."""
    rt, actor = runtime(request), resolve(request).actor
    queries.require_staff(actor)
    with rt.db.read() as session:
        return {"items": queries.overdue_repairs(session, rt.today())}


@router.get("/institutions", name="credit.api_institutions")
def institutions_list(request: Request, kind: Annotated[str, Query(pattern="^(cb|lab)$")] = "cb") -> dict[str, Any]:
    """Credit evaluation of every certification body (``kind=cb``) or laboratory (``kind=lab``), worst first,
    with each fact's contribution (staff)."""
    rt, actor = runtime(request), resolve(request).actor
    queries.require_staff(actor)
    with rt.db.read() as session:
        return {"kind": kind, "items": institutions.evaluate(session, rt.settings, kind, rt.today())}


@router.post("/institutions/records", status_code=201, name="credit.api_institution_record")
async def institution_record(request: Request, body: InstitutionRecordBody) -> dict[str, Any]:
    """Enter a record against a CB or laboratory: a certificate the regulator withdrew, a failed proficiency
    test, a penalty, a problem found in supervision."""
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        record = institutions.add_record(session, actor, rt.clock.now(), rt.today(), institutions.model(rt.settings),
                                         **body.model_dump())
        return {"id": record.id, "kind": record.kind, "institution_id": record.institution_id,
                "indicator": record.indicator, "occurred_on": record.occurred_on.isoformat()}

    return await run_in_threadpool(in_transaction, request, work)
