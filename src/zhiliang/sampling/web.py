"""Sampling console pages for regulators: the plans (and the plan form), a plan's samples (the registration form,
publication), a sample with its report versions and items, the notice, objection and re-test, disposal; and the
overdue disposals. Each page has a JSON twin in :mod:`zhiliang.sampling.api`; bad input answers with the error
page naming the field, in Chinese and English, and writes nothing."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from zhiliang.kernel.errors import invalid
from zhiliang.kernel.http.context import MAX_ID, Id, in_transaction, runtime, staff_member
from zhiliang.kernel.http.render import render
from zhiliang.registry import queries as registry
from zhiliang.sampling import api, disposal, domain, service
from zhiliang.sampling.labels import names

router = APIRouter(include_in_schema=False)
DIGITS = re.compile(r"[0-9]+")  # ASCII digits only: str.isdigit() accepts '²', which int() refuses


staff = staff_member


def day(value: str, field: str, *, required: bool = True) -> date | None:
    """A form's YYYY-MM-DD date; 422 naming ``field`` when unreadable (or missing and ``required``)."""
    if not value.strip():
        if required:
            raise invalid("sampling.form", "请填写日期", "Enter the date", field)
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise invalid("sampling.form", f"日期格式应为 YYYY-MM-DD:{value}", f"Dates are YYYY-MM-DD: {value}",
                      field) from None


async def write(request: Request, work: Any, to: str) -> Response:
    await run_in_threadpool(in_transaction, request, work)
    return RedirectResponse(to, status_code=303)


@router.get("/console/sampling/plans", name="sampling.console")
def console(request: Request) -> Response:
    """The plans with their samples counted by status, and the plan form. Twin: ``GET /api/v1/sampling/plans``."""
    actor = staff(request)
    return render(request, "sampling/plans.html", {"plans": api.plans(request)["items"], "me": actor, **names()})


@router.post("/console/sampling/plans", name="sampling.console_create")
async def console_create(request: Request, code: Annotated[str, Form()], title: Annotated[str, Form()],
                         level: Annotated[str, Form()], jurisdiction: Annotated[str, Form()],
                         period_start: Annotated[str, Form()], period_end: Annotated[str, Form()],
                         categories: Annotated[list[str] | None, Form()] = None,
                         quotas: Annotated[str, Form()] = "") -> Response:
    quota: dict[str, int] = {}
    for part in quotas.replace(",", ",").split(","):
        district, _, n = part.partition(":")
        if part.strip():
            if not (DIGITS.fullmatch(district.strip()) and DIGITS.fullmatch(n.strip())):
                raise invalid("sampling.form", f"配额格式应为 区划:批次数,例如 500106:50(“{part}”)",
                              f"quotas are division:batches, e.g. 500106:50 ({part!r})", "quotas")
            quota[district.strip()] = int(n)
    start, end = day(period_start, "period_start"), day(period_end, "period_end")

    def work(session, actor, rt):  # noqa: ANN001, ANN202
        service.create_plan(session, actor, rt.clock.now(), code=code, title=title, level=level,
                            jurisdiction=jurisdiction.strip(), period_start=start, period_end=end,
                            categories=categories or [], quotas=quota)

    return await write(request, work, f"/console/sampling/plans/{code.strip()}")


@router.get("/console/sampling/plans/{code}", name="sampling.console_plan")
def console_plan(request: Request, code: str) -> Response:
    """A plan: its samples, the registration form, publication. Twin: ``GET /api/v1/sampling/plans/{code}``."""
    staff(request)
    doc = api.plan(request, code)
    rt = runtime(request)
    with rt.db.read() as session:
        labs = [lab for lab in registry.laboratories(session) if lab.status == "active"]
        producers = registry.enterprises_by_id(session, [s["enterprise_id"] for s in doc["samples"]])
    cats = domain.catalogue()
    choices = [c for c in cats.values() if any(c.code.startswith(p) for p in doc["categories"])]
    return render(request, "sampling/plan.html", {"p": doc, "labs": labs, "choices": choices,
                                                  "producers": {k: v.name for k, v in producers.items()}, **names()})


def _producer(session: Any, text: str) -> int:
    text = text.strip()
    found = (registry.enterprise(session, int(text)) if DIGITS.fullmatch(text) and len(text) < 18
             else registry.enterprise_by_uscc(session, text))
    if found is None:
        raise invalid("sampling.form", f"未找到生产者:{text}(请填写统一社会信用代码或企业编号)",
                      f"No producer {text!r} (enter its USCC or enterprise id)", "producer")
    return found.id


@router.post("/console/sampling/plans/{code}/samples", name="sampling.console_register")
async def console_register(
    request: Request, code: str, sample_code: Annotated[str, Form()], producer: Annotated[str, Form()],
    category: Annotated[str, Form()], product: Annotated[str, Form()], sampled_on: Annotated[str, Form()],
    place: Annotated[str, Form()], sampler: Annotated[str, Form()], lab_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    brand: Annotated[str, Form(max_length=120)] = "", model: Annotated[str, Form(max_length=120)] = "",
    batch: Annotated[str, Form(max_length=120)] = "", produced_on: Annotated[str, Form()] = "",
    place_detail: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Register a sample. Twin: ``POST /api/v1/sampling/plans/{code}/samples``."""
    sampled, produced = day(sampled_on, "sampled_on"), day(produced_on, "produced_on", required=False)
    for field, value, most in (("product", product, 200), ("sampler", sampler, 120)):
        if len(value.strip()) > most:
            raise invalid("sampling.form", f"{field} 超过 {most} 个字符", f"{field} is longer than {most}", field)

    def work(session, actor, rt):  # noqa: ANN001, ANN202
        item = service.SampleIn(code=sample_code, enterprise_id=_producer(session, producer), category=category,
                                product=product, sampled_on=sampled, place=place, sampler=sampler, lab_id=lab_id,
                                brand=brand.strip() or None, model=model.strip() or None,
                                batch=batch.strip() or None, produced_on=produced, place_detail=place_detail)
        return service.register_sample(session, actor, rt.clock.now(), code, item).id

    made = await run_in_threadpool(in_transaction, request, work)
    return RedirectResponse(f"/console/sampling/samples/{made}", status_code=303)


@router.post("/console/sampling/plans/{code}/publish", name="sampling.console_publish")
async def console_publish(request: Request, code: str) -> Response:
    staff(request)
    await api.publish(request, code)
    return RedirectResponse(f"/console/sampling/plans/{code}", status_code=303)


@router.get("/console/sampling/samples/{sample_id}", name="sampling.console_sample")
def console_sample(request: Request, sample_id: Id) -> Response:
    """A sample: report versions and items, notice, objection and re-test, disposal. Twin:
    ``GET /api/v1/sampling/samples/{id}``."""
    staff(request)
    doc = api.sample(request, sample_id)
    with runtime(request).db.read() as session:
        labs = {lab.id: lab for lab in registry.laboratories(session)}
        producer = registry.enterprise_name(session, doc["enterprise_id"])
    return render(request, "sampling/sample.html", {"s": doc, "labs": labs, "producer": producer,
                                                    "today": runtime(request).today().isoformat(), **names()})


@router.post("/console/sampling/samples/{sample_id}/notify", name="sampling.console_notify")
async def console_notify(request: Request, sample_id: Id, received_on: Annotated[str, Form()]) -> Response:
    received = day(received_on, "received_on")

    def work(session, actor, rt):  # noqa: ANN001, ANN202
        service.notify(session, actor, rt.clock.now(), sample_id, received, rt.calendar)

    return await write(request, work, f"/console/sampling/samples/{sample_id}")


@router.post("/console/sampling/samples/{sample_id}/objections", name="sampling.console_object")
async def console_object(request: Request, sample_id: Id,
                         reason: Annotated[str, Form(max_length=5000)] = "") -> Response:
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        service.object_to(session, actor, rt.clock.now(), rt.today(), sample_id, reason)

    return await write(request, work, f"/console/sampling/samples/{sample_id}")


@router.post("/console/sampling/objections/{objection_id}/retest", name="sampling.console_retest")
async def console_retest(request: Request, objection_id: Id, lab_id: Annotated[int, Form(ge=1, le=MAX_ID)],
                         sample_id: Annotated[int, Form(ge=1, le=MAX_ID)]) -> Response:
    def work(session, actor, rt):  # noqa: ANN001, ANN202
        service.assign_retest(session, actor, rt.clock.now(), objection_id, lab_id)

    return await write(request, work, f"/console/sampling/samples/{sample_id}")


@router.post("/console/sampling/samples/{sample_id}/disposals", name="sampling.console_dispose")
async def console_dispose(request: Request, sample_id: Id, action: Annotated[str, Form()],
                          due_on: Annotated[str, Form()], note: Annotated[str, Form(max_length=5000)] = "") -> Response:
    due = day(due_on, "due_on")

    def work(session, actor, rt):  # noqa: ANN001, ANN202
        disposal.add(session, actor, rt.clock.now(), rt.today(), sample_id, action, due, note)

    return await write(request, work, f"/console/sampling/samples/{sample_id}")


@router.post("/console/sampling/disposals/{disposal_id}/complete", name="sampling.console_complete")
async def console_complete(request: Request, disposal_id: Id, sample_id: Annotated[int, Form(ge=1, le=MAX_ID)],
                           done_on: Annotated[str, Form()], outcome: Annotated[str, Form(max_length=5000)] = ""
                           ) -> Response:
    done = day(done_on, "done_on")

    def work(session, actor, rt):  # noqa: ANN001, ANN202
        disposal.complete(session, actor, rt.clock.now(), disposal_id, done, outcome, rt.today())

    return await write(request, work, f"/console/sampling/samples/{sample_id}")


@router.get("/console/sampling/overdue", name="sampling.console_overdue")
def console_overdue(request: Request) -> Response:
    """Disposal steps past their deadline. Twin: ``GET /api/v1/sampling/disposals/overdue``."""
    staff(request)
    return render(request, "sampling/overdue.html", {"doc": api.overdue(request), **names()})


