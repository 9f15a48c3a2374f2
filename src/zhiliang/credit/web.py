"""Credit pages: the public serious-violation list and credit section of an enterprise's profile; the console's
class distribution, repair applications, and one screen per enterprise that says why it has its class."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from zhiliang.credit import api, domain, institutions, queries, service
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.config import Settings
from zhiliang.kernel.errors import invalid
from zhiliang.kernel.http.context import Id, in_transaction, runtime, staff_member
from zhiliang.kernel.http.render import render

router = APIRouter(include_in_schema=False)


def profile_section_for(settings: Settings) -> Any:
    """The credit section of the public enterprise profile (wired by the app): a listing in force and the
    penalties still within their publication period; the class only when configured public."""
    def section(session: Any, enterprise_id: int, today: date) -> dict[str, Any] | None:
        doc = queries.profile(session, settings, enterprise_id, today, Actor.public())
        rows = [[(f"严重违法失信名单 / serious-violation list ({x['listed_on']} – {x['ends_on']})", "/credit/list"),
                 (x["basis"], None), (x["listed_on"], None)] for x in doc["serious_list"]]
        rows += [[(r["decision_no"] or r["indicator"], None), (r["legal_basis"] or r["summary"] or "", None),
                  (r["occurred_on"], None)] for r in doc["published_records"]]
        if "risk_class" in doc:
            rows.insert(0, [(f"信用风险分类 / credit-risk class {doc['risk_class']}", None), ("", None), ("", None)])
        if not rows:
            return None
        return {"title_zh": "信用档案", "title_en": "Credit profile",
                "columns": [("事项", "Item"), ("依据", "Basis"), ("日期", "Date")], "rows": rows}
    return section


@router.get("/credit/list", name="credit.list_page")
def list_page(request: Request) -> Response:
    """Twin: ``GET /api/v1/credit/listings``."""
    with runtime(request).db.read() as session:
        return render(request, "credit/list.html", {"items": queries.current_listings(session)})


_staff = staff_member


@router.get("/console/credit", name="credit.console")
def console(request: Request) -> Response:
    """Class distribution by district and industry, and the repair applications awaiting review."""
    _staff(request)
    rt = runtime(request)
    with rt.db.read() as session:
        return render(request, "credit/console.html", {
            "divisions": queries.distribution(session, "division"), "industries": queries.distribution(session,
                                                                                                       "industry"),
            "pending": api.repairs(request)["items"], "model": service.model(rt.settings)})


@router.get("/console/credit/enterprises/{enterprise_id}", name="credit.console_enterprise")
def console_enterprise(request: Request, enterprise_id: Id) -> Response:
    """Why this enterprise has its class, on one screen: score, every contribution, records, listings, repairs."""
    _staff(request)
    doc = api.enterprise(request, enterprise_id)
    return render(request, "credit/enterprise.html", {
        "d": doc, "model": service.model(runtime(request).settings), "heavier_kinds": domain.HEAVIER_PENALTIES})


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise invalid("credit.form", f"日期格式应为 YYYY-MM-DD:{value}", f"Dates are YYYY-MM-DD: {value}",
                      field) from None


@router.post("/console/credit/enterprises/{enterprise_id}/records", name="credit.console_add_record")
async def console_add_record(
    request: Request, enterprise_id: Id, indicator: Annotated[str, Form()], occurred_on: Annotated[str, Form()],
    decision_no: Annotated[str, Form()] = "", legal_basis: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "", heavier: Annotated[bool, Form()] = False,
    heavier_penalty: Annotated[str, Form()] = "", serious: Annotated[bool, Form()] = False,
    special_field: Annotated[bool, Form()] = False, summary: Annotated[str, Form()] = "",
) -> Response:
    try:
        fine = Decimal(amount.replace(",", "").strip()) if amount.strip() else None
    except InvalidOperation:
        raise invalid("credit.form", f"金额应为数字:{amount}", f"The amount is a number: {amount}", "amount") from None
    item = service.RecordIn(indicator=indicator, occurred_on=_date(occurred_on, "occurred_on"), heavier=heavier,
                            decision_no=decision_no.strip() or None, legal_basis=legal_basis.strip() or None,
                            amount=fine, heavier_penalty=heavier_penalty or None, serious=serious,
                            special_field=special_field, summary=summary.strip())

    def work(session, actor, rt):  # noqa: ANN001, ANN202
        service.add_record(session, actor, rt.clock.now(), rt.today(), service.model(rt.settings), enterprise_id,
                           item)

    await run_in_threadpool(in_transaction, request, work)
    return RedirectResponse(f"/console/credit/enterprises/{enterprise_id}", status_code=303)


@router.post("/console/credit/enterprises/{enterprise_id}/listings", name="credit.console_list")
async def console_list(request: Request, enterprise_id: Id, record_id: Annotated[int, Form()],
                       basis: Annotated[str, Form()]) -> Response:
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        service.list_serious(session, actor, rt.clock.now(), rt.today(), rt.settings, record_id, basis)

    await run_in_threadpool(in_transaction, request, work)
    return RedirectResponse(f"/console/credit/enterprises/{enterprise_id}", status_code=303)


@router.post("/console/credit/repairs", name="credit.console_apply")
async def console_apply(request: Request, enterprise_id: Annotated[int, Form()],
                        listing_id: Annotated[int | None, Form()] = None,
                        record_id: Annotated[int | None, Form()] = None,
                        obligations_fulfilled: Annotated[bool, Form()] = False,
                        harm_remedied: Annotated[bool, Form()] = False,
                        commitment_letter: Annotated[str, Form()] = "") -> Response:
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        service.apply_repair(session, actor, rt.clock.now(), listing_id=listing_id, record_id=record_id,
                             obligations_fulfilled=obligations_fulfilled, harm_remedied=harm_remedied,
                             commitment_letter=commitment_letter, decide_by=api.review_deadline(rt))

    await run_in_threadpool(in_transaction, request, work)
    return RedirectResponse(f"/console/credit/enterprises/{enterprise_id}", status_code=303)


@router.post("/console/credit/repairs/{application_id}/review", name="credit.console_review")
async def console_review(request: Request, application_id: Id, enterprise_id: Annotated[int, Form()],
                         decision: Annotated[str, Form()], note: Annotated[str, Form()] = "") -> Response:
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        service.review_repair(session, actor, rt.clock.now(), rt.today(), rt.settings, application_id,
                              decision == "grant", note)

    await run_in_threadpool(in_transaction, request, work)
    return RedirectResponse(f"/console/credit/enterprises/{enterprise_id}", status_code=303)


@router.post("/console/credit/reclassify", name="credit.console_reclassify")
async def console_reclassify(request: Request) -> Response:
    await api.reclassify(request)
    return RedirectResponse("/console/credit", status_code=303)


@router.get("/console/credit/institutions", name="credit.console_institutions")
def console_institutions(request: Request, kind: str = "cb") -> Response:
    """Twin: ``GET /api/v1/credit/institutions?kind=cb|lab``."""
    _staff(request)
    return render(request, "credit/institutions.html", {"doc": api.institutions_list(request, kind),
                                                        "kinds": institutions.KINDS})
