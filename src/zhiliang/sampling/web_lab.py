"""The laboratory's pages: the samples assigned to it, and the report form of one — items as rows (add a row,
save the draft, sign it off; a signed report is corrected by a new version with the reason). A bad row re-shows the
form with every value kept and the row marked. Twins: ``GET /api/v1/sampling/lab/samples``,
``POST /api/v1/sampling/samples/{id}/reports``, ``POST /api/v1/sampling/reports/{id}/sign``."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from zhiliang.kernel.errors import DomainError, invalid, unauthenticated
from zhiliang.kernel.http.context import Id, in_transaction, resolve
from zhiliang.kernel.http.render import render
from zhiliang.sampling import api, policy, reports
from zhiliang.sampling.labels import names

router = APIRouter(include_in_schema=False)
FIELDS = ("name", "clause", "requirement", "value", "unit", "verdict")
MAX_ROWS = reports.MAX_ITEMS


def _lab(request: Request) -> int:
    actor = resolve(request).actor
    if actor.user_id is None:
        raise unauthenticated()
    return policy.require_lab(actor)


@router.get("/lab/sampling", name="sampling.lab")
def lab_list(request: Request) -> Response:
    """The samples assigned to this laboratory, newest first."""
    _lab(request)
    return render(request, "sampling/lab.html", {"doc": api.lab_samples(request, limit=500), **names()})


def _draft_rows(doc: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The open draft (if any) and the rows the form starts from: the draft's items, else the last signed
    report's (to correct), else three blank rows."""
    mine = [r for r in doc["reports"] if r["kind"] == ("retest" if doc["status"] == "retesting" else "initial")]
    draft = next((r for r in reversed(mine) if not r["signed"]), None)
    source = draft or (mine[-1] if mine else None)
    rows = [dict(i) for i in source["items"]] if source else [{} for _ in range(3)]
    return draft, rows


def _form(request: Request, sample_id: int, *, rows: list[dict[str, Any]] | None = None, report_no: str = "",
          correction: str = "", error: DomainError | None = None, error_row: int | None = None) -> Response:
    doc = api.sample(request, sample_id)
    draft, start = _draft_rows(doc)
    signed = [r for r in doc["reports"] if r["signed"]]
    return render(request, "sampling/report_form.html", {
        "s": doc, "draft": draft, "rows": rows if rows is not None else start, "signed": signed,
        "report_no": report_no or (draft or (signed[-1] if signed else {})).get("report_no", ""),
        "correction": correction, "needs_correction": draft is None and bool(signed) and doc["status"] != "retesting",
        "can_enter": doc["status"] in ("registered", "tested", "notified", "retesting"),
        "error": error, "error_row": error_row, **names()}, status=error.status if error else 200)


@router.get("/lab/sampling/samples/{sample_id}", name="sampling.lab_form")
def lab_form(request: Request, sample_id: Id) -> Response:
    _lab(request)
    return _form(request, sample_id)


def rows_of(form: dict[str, str]) -> list[dict[str, str]]:
    """The item rows of the form (``name_1``, ``value_1`` …, up to ``rows``), in order, as typed."""
    count = form.get("rows", "0")
    if not re.fullmatch(r"[0-9]{1,4}", count) or not 0 < int(count) <= MAX_ROWS:
        raise invalid("sampling.form", f"行数应为 1–{MAX_ROWS}", f"rows must be 1–{MAX_ROWS}", "rows")
    return [{f: (form.get(f"{f}_{n}") or "").strip() for f in FIELDS} for n in range(1, int(count) + 1)]


@router.post("/lab/sampling/samples/{sample_id}", name="sampling.lab_save")
async def lab_save(request: Request, sample_id: Id) -> Response:
    """``action=add_row`` shows one more blank row (nothing saved); ``action=save`` saves the draft: rows left
    wholly blank are skipped, a bad row re-shows the form marking it."""
    _lab(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    rows, report_no, correction = rows_of(form), form.get("report_no", ""), form.get("correction", "")
    if form.get("action") == "add_row":
        rows = rows if len(rows) >= MAX_ROWS else [*rows, {}]
        return await run_in_threadpool(lambda: _form(request, sample_id, rows=rows, report_no=report_no,
                                                     correction=correction))
    kept = [n for n, r in enumerate(rows, 1) if any(r.values())]
    items = [reports.ItemIn(**{**rows[n - 1], "unit": rows[n - 1]["unit"] or None}) for n in kept]

    def work(session, actor, rt):  # noqa: ANN001, ANN202
        reports.save_draft(session, actor, rt.clock.now(), sample_id, report_no, items,
                           correction=correction or None)

    try:
        await run_in_threadpool(in_transaction, request, work)
    except DomainError as error:
        if error.status != 422:
            raise
        found = re.fullmatch(r"items/(\d+)/\w+", error.field or "")
        row = kept[int(found.group(1)) - 1] if found and int(found.group(1)) <= len(kept) else None
        failed = error
        return await run_in_threadpool(lambda: _form(request, sample_id, rows=rows, report_no=report_no,
                                                     correction=correction, error=failed, error_row=row))
    return RedirectResponse(f"/lab/sampling/samples/{sample_id}", status_code=303)


@router.post("/lab/sampling/reports/{report_id}/sign", name="sampling.lab_sign")
async def lab_sign(request: Request, report_id: Id) -> Response:
    _lab(request)
    signed = await api.sign(request, report_id)
    return RedirectResponse(f"/lab/sampling/samples/{signed['sample_id']}", status_code=303)


