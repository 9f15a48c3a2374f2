"""Quality-tools JSON API: an enterprise's datasets and analyses, their charts (SVG, PNG) and one-page reports (PDF),
and the public acceptance-sampling calculator. Errors are problem+json; bad input names the file cell
(``field`` = ``file/<row>/<column>``, with ``row`` and ``column``) or the parameter."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from zhiliang.kernel.clock import format_local
from zhiliang.kernel.http.context import After, Id, in_transaction, resolve, runtime
from zhiliang.kernel.http.uploads import save_upload
from zhiliang.tqm import analysis as analysis_
from zhiliang.tqm import queries, render, report, service
from zhiliang.tqm.schemas import AnalysisBody

router = APIRouter(prefix="/api/v1/tqm", tags=["tqm 质量工具"])
LEVELS = "^(S-1|S-2|S-3|S-4|I|II|III)$"


@router.post("/datasets", status_code=201, name="tqm.api_upload")
async def upload(request: Request, file: Annotated[UploadFile, File()],
                 name: Annotated[str, Form(max_length=200)] = "") -> dict[str, Any]:
    """Upload process data (.csv in UTF-8 or GBK, or .xlsx): a header row, one column per characteristic (or per
    unit of a subgroup). Enterprise accounts, for their own enterprise. A non-numeric cell in a numeric column is
    refused naming it (422)."""
    service.require_writer(resolve(request).actor)
    path = await save_upload(request, file)
    table, sha256 = await run_in_threadpool(service.read_upload, path)

    def work(session, actor, rt):  # noqa: ANN001, ANN202
        dataset = service.add_dataset(session, actor, rt.clock.now(), table, name=name,
                                      file_name=file.filename or path.name, sha256=sha256)
        return queries.dataset_out(dataset)

    return await run_in_threadpool(in_transaction, request, work)


@router.get("/datasets", name="tqm.api_datasets")
def datasets(request: Request, enterprise_id: Annotated[int | None, Query(ge=1)] = None,
             after: After = None) -> dict[str, Any]:
    """The enterprise's datasets, newest first (admins: every enterprise's, or ``enterprise_id``'s)."""
    rt, actor = runtime(request), resolve(request).actor
    with rt.db.read() as session:
        items = [queries.dataset_out(d) for d in queries.datasets(session, actor, enterprise_id, after=after)]
    return {"items": items, "next": items[-1]["id"] if len(items) == queries.PAGE else None}


@router.get("/datasets/{dataset_id}", name="tqm.api_dataset")
def dataset(request: Request, dataset_id: Id) -> dict[str, Any]:
    """One dataset: its columns (name, letter, numeric or text) and its analyses."""
    rt, actor = runtime(request), resolve(request).actor
    with rt.db.read() as session:
        found = queries.dataset(session, actor, dataset_id)
        made = queries.analyses(session, actor, found.enterprise_id, dataset_id=dataset_id)
        return {**queries.dataset_out(found), "analyses": [queries.analysis_out(a, with_result=False) for a in made]}


@router.post("/datasets/{dataset_id}/analyses", status_code=201, name="tqm.api_analyse")
async def analyse(request: Request, dataset_id: Id, body: AnalysisBody) -> dict[str, Any]:
    """Chart a stored dataset: X̄-R, X̄-S, I-MR, EWMA, CUSUM, capability, p, np, c, u or Pareto; run rules (Nelson
    by default) on the location chart; capability when specification limits are given."""
    params = body.params()

    def work(session, actor, rt):  # noqa: ANN001, ANN202
        return queries.analysis_out(service.analyse_dataset(session, actor, rt.clock.now(), dataset_id, params))

    return await run_in_threadpool(in_transaction, request, work)


@router.get("/analyses", name="tqm.api_analyses")
def analyses(request: Request, enterprise_id: Annotated[int | None, Query(ge=1)] = None,
             after: After = None) -> dict[str, Any]:
    """The enterprise's analyses, newest first, without their results."""
    rt, actor = runtime(request), resolve(request).actor
    with rt.db.read() as session:
        found = queries.analyses(session, actor, enterprise_id, after=after)
        items = [queries.analysis_out(a, with_result=False) for a in found]
    return {"items": items, "next": items[-1]["id"] if len(items) == queries.PAGE else None}


@router.get("/analyses/{analysis_id}", name="tqm.api_analysis")
def analysis(request: Request, analysis_id: Id) -> dict[str, Any]:
    """One analysis with its result: per chart the statistic, centre line and limits of every point, the rule
    violations, the capability indices with confidence intervals, the key figures and the warnings."""
    rt, actor = runtime(request), resolve(request).actor
    with rt.db.read() as session:
        return queries.analysis_out(queries.analysis(session, actor, analysis_id))


def _loaded(request: Request, analysis_id: int) -> tuple[dict[str, Any], list[tuple[str, str]], str]:
    rt, actor = runtime(request), resolve(request).actor
    with rt.db.read() as session:
        found = queries.analysis(session, actor, analysis_id)
        data = queries.dataset(session, actor, found.dataset_id)
        meta = [("数据集 / dataset", f"{data.name} ({data.file_name}, {data.row_count} 行 / rows)"),
                ("企业 / enterprise", str(found.enterprise_id)),
                ("分析 / analysis", f"#{found.id} · {found.created_by} · {format_local(found.created_at)}")]
        return found.result, meta, data.name


def _file(body: bytes, media: str, name: str) -> Response:
    return Response(body, media_type=media, headers={"Content-Disposition": f'inline; filename="{name}"',
                                                     "Cache-Control": "private, max-age=3600"})


@router.get("/analyses/{analysis_id}/chart.svg", name="tqm.api_chart_svg")
async def chart_svg(request: Request, analysis_id: Id) -> Response:
    """The charts as SVG (text as text)."""
    result, _, _ = await run_in_threadpool(_loaded, request, analysis_id)
    return _file(await run_in_threadpool(render.svg, result), "image/svg+xml", f"analysis-{analysis_id}.svg")


@router.get("/analyses/{analysis_id}/chart.png", name="tqm.api_chart_png")
async def chart_png(request: Request, analysis_id: Id) -> Response:
    """The charts as PNG, with Chinese labels in the shipped font."""
    result, _, _ = await run_in_threadpool(_loaded, request, analysis_id)
    return _file(await run_in_threadpool(render.png, result), "image/png", f"analysis-{analysis_id}.png")


@router.get("/analyses/{analysis_id}/report.pdf", name="tqm.api_report_pdf")
async def report_pdf(request: Request, analysis_id: Id) -> Response:
    """The one-page analysis report as PDF (A4)."""
    result, meta, _ = await run_in_threadpool(_loaded, request, analysis_id)
    body = await run_in_threadpool(report.pdf, result, meta)
    return _file(body, "application/pdf", f"analysis-{analysis_id}.pdf")


@router.get("/aql", name="tqm.api_aql")
def aql(lot: Annotated[int, Query(ge=2, le=10**9, description="lot size")],
        aql: Annotated[str, Query(max_length=8, description="AQL, e.g. 0.65")],
        level: Annotated[str, Query(pattern=LEVELS)] = "II",
        severity: Annotated[str, Query(pattern="^(normal|tightened|reduced)$")] = "normal") -> dict[str, Any]:
    """GB/T 2828.1 (ISO 2859-1) single sampling plan for a lot, with its OC curve. Public."""
    return analysis_.sampling(lot, level, aql, severity)
