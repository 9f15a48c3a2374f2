"""Quality-tools pages: an enterprise's workspace (upload process data and chart it in one step, its datasets and
analyses), the report page of an analysis (chart, key figures, signals, capability; PNG, SVG and PDF links), and
the public acceptance-sampling calculator. Bad input re-shows the form with the error naming the cell or field."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from zhiliang.kernel.errors import DomainError, invalid, unauthenticated
from zhiliang.kernel.http.context import Id, in_transaction, resolve, runtime
from zhiliang.kernel.http.render import render
from zhiliang.kernel.http.uploads import save_upload
from zhiliang.tqm import policy, queries, report, service
from zhiliang.tqm.analysis import CHARTS, TITLES, Params, sampling

router = APIRouter(include_in_schema=False)
FIELDS = ("chart", "columns", "subgroup_column", "subgroup_size", "size_column", "size", "category_column", "lsl",
          "usl", "target", "rules")
NUMBERS = {"lsl": ("规格下限", "LSL"), "usl": ("规格上限", "USL"), "target": ("目标值", "target"),
           "size": ("样本量", "sample size"), "subgroup_size": ("子组大小", "subgroup size")}


def _number(form: dict[str, str], field: str) -> float | None:
    text = (form.get(field) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        zh, en = NUMBERS[field]
        raise invalid("tqm.form", f"{zh}应为数值:{text}", f"the {en} is a number: {text}", field)
    return value


def params_of(form: dict[str, str]) -> Params:
    """Form fields → :class:`Params` (blank = not given); 422 naming a field that is not a number."""
    size = _number(form, "subgroup_size")
    if size is not None and size != int(size):
        raise invalid("tqm.form", "子组大小应为整数", "the subgroup size is a whole number", "subgroup_size")
    columns = tuple(c.strip() for c in (form.get("columns") or "").replace(",", ",").split(",") if c.strip())
    text = {f: (form.get(f) or "").strip() or None for f in ("subgroup_column", "size_column", "category_column")}
    return Params(chart=(form.get("chart") or "").strip(), columns=columns, subgroup_size=None if size is None
                  else int(size), size=_number(form, "size"), lsl=_number(form, "lsl"), usl=_number(form, "usl"),
                  target=_number(form, "target"), rules=form.get("rules") or "nelson", **text)


def _viewer(request: Request) -> Any:
    actor = resolve(request).actor
    if actor.user_id is None:
        raise unauthenticated()
    return actor


def _workspace(request: Request, *, form: dict[str, str] | None = None, error: DomainError | None = None,
               status: int = 200) -> Response:
    rt, actor = runtime(request), _viewer(request)
    with rt.db.read() as session:
        datasets = [queries.dataset_out(d) for d in queries.datasets(session, actor)]
        made = [queries.analysis_out(a, with_result=False) for a in queries.analyses(session, actor)]
    return render(request, "tqm/index.html", {"datasets": datasets, "analyses": made, "charts": CHARTS,
                                               "titles": TITLES, "form": form or {}, "error": error,
                                               "can_write": policy.can_write(actor)}, status=status)


@router.get("/tqm", name="tqm.index")
def index(request: Request) -> Response:
    """The enterprise's workspace. Twin: ``GET /api/v1/tqm/datasets`` and ``/analyses``."""
    return _workspace(request)


@router.post("/tqm/analyses", name="tqm.upload")
async def upload(request: Request, file: Annotated[UploadFile, File()],
                 name: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Upload a file and chart it at once; both are stored or, on bad input, neither (the form comes back with
    the error). Twin: ``POST /api/v1/tqm/datasets`` then ``POST /api/v1/tqm/datasets/{id}/analyses``."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str) and k in FIELDS}
    form["name"] = name
    try:
        service.require_writer(resolve(request).actor)
        params = params_of(form)
        path = await save_upload(request, file)

        def work(session, actor, rt):  # noqa: ANN001, ANN202
            return service.upload_and_analyse(session, actor, rt.clock.now(), Path(path), params, name=name,
                                              file_name=file.filename or path.name).id

        made = await run_in_threadpool(in_transaction, request, work)
    except DomainError as error:
        if error.status not in (400, 413, 422):
            raise
        failed = error
        return await run_in_threadpool(lambda: _workspace(request, form=form, error=failed, status=failed.status))
    return RedirectResponse(f"/tqm/analyses/{made}", status_code=303)


@router.post("/tqm/datasets/{dataset_id}/analyses", name="tqm.reanalyse")
async def reanalyse(request: Request, dataset_id: Id) -> Response:
    """Chart a stored dataset again with other parameters."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str) and k in FIELDS}
    try:
        params = params_of(form)

        def work(session, actor, rt):  # noqa: ANN001, ANN202
            return service.analyse_dataset(session, actor, rt.clock.now(), dataset_id, params).id

        made = await run_in_threadpool(in_transaction, request, work)
    except DomainError as error:
        if error.status != 422:
            raise
        failed = error
        return await run_in_threadpool(lambda: _workspace(request, form=form, error=failed, status=422))
    return RedirectResponse(f"/tqm/analyses/{made}", status_code=303)


@router.get("/tqm/analyses/{analysis_id}", name="tqm.report")
def report_page(request: Request, analysis_id: Id) -> Response:
    """The one-page report of an analysis. Twin: ``GET /api/v1/tqm/analyses/{id}`` (and ``report.pdf``)."""
    rt, actor = runtime(request), _viewer(request)
    with rt.db.read() as session:
        found = queries.analysis(session, actor, analysis_id)
        data = queries.dataset(session, actor, found.dataset_id)
        doc, dataset_doc = queries.analysis_out(found), queries.dataset_out(data)
    return render(request, "tqm/report.html", {"a": doc, "r": doc["result"], "dataset": dataset_doc,
                                                **report.context(doc["result"]), "charts": CHARTS,
                                                "titles": TITLES, "form": doc["params"]})


@router.get("/tqm/aql", name="tqm.aql")
def aql_page(request: Request, lot: Annotated[str, Query(max_length=12)] = "",
             aql: Annotated[str, Query(max_length=8)] = "", level: Annotated[str, Query(max_length=4)] = "II",
             severity: Annotated[str, Query(max_length=10)] = "normal") -> Response:
    """The public acceptance-sampling calculator (GB/T 2828.1). Twin: ``GET /api/v1/tqm/aql``."""
    plan, error, status = None, None, 200
    if lot or aql:
        try:
            size = int(lot.replace(",", "").strip()) if lot.strip().isdigit() else None
            if size is None:
                raise invalid("tqm.form", f"批量应为正整数:{lot}", f"the lot size is a whole number: {lot}", "lot")
            plan = sampling(size, level, aql.strip(), severity)
        except DomainError as e:
            error, status = e, e.status
    return render(request, "tqm/aql.html", {"plan": plan, "error": error, "form": {
        "lot": lot, "aql": aql, "level": level, "severity": severity}}, status=status)
