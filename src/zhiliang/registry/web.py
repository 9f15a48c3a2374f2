"""Registry pages: public enterprise search and profile; console lists, import and its error report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from zhiliang.kernel.errors import not_found
from zhiliang.kernel.http.context import After, Id, resolve, runtime, signed_in
from zhiliang.kernel.http.render import render
from zhiliang.kernel.policy import require
from zhiliang.registry import api, importing, policy, queries, refdata, views
from zhiliang.registry.domain import ENTITY_TYPES, STATUS_LABELS

router = APIRouter(include_in_schema=False)
Filter = Annotated[queries.EnterpriseFilter, Depends(api.enterprise_filter)]


def _staff(request: Request) -> None:
    require(policy.can_export_lists(signed_in(request)))


def _choices() -> dict[str, object]:
    return {"statuses": STATUS_LABELS, "entity_types": ENTITY_TYPES,
            "provinces_and_cities": [c for c in refdata.divisions().values() if c.level <= 2],
            "industry_sections": [c for c in refdata.industries().values() if c.level == 2]}


@router.get("/enterprises", name="registry.search")
def search_page(request: Request, f: Filter, after: After = None,
                limit: Annotated[int, Query(ge=1, le=100)] = 20) -> Response:
    """Twin: ``GET /api/v1/enterprises``."""
    with runtime(request).db.read() as session:
        page = views.enterprise_page(session, f, after, limit) if f.q or f.division or f.industry else None
    return render(request, "registry/search.html", {"f": f, "page": page, **_choices()})


@router.get("/enterprises/{enterprise_id}", name="registry.profile")
def profile_page(request: Request, enterprise_id: Id) -> Response:
    """Twin: ``GET /api/v1/enterprises/{id}``."""
    rt = runtime(request)
    with rt.db.read() as session:
        detail = views.enterprise_detail(session, enterprise_id)
        # Sections from features above the registry (certificates held, inspection results), wired by the app:
        # the registry shows them without knowing them.
        sections = [s for s in (section(session, enterprise_id, rt.today())
                                for section in getattr(request.app.state, "profile_sections", ())) if s]
    return render(request, "registry/profile.html", {"e": detail, "sections": sections})


@router.get("/console/enterprises", name="registry.console_list")
def console_list(request: Request, f: Filter, after: After = None,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50) -> Response:
    """Twin: ``GET /api/v1/enterprises`` (with ``format=csv|xlsx`` for the export links)."""
    _staff(request)
    with runtime(request).db.read() as session:
        page = views.enterprise_page(session, f, after, limit)
    return render(request, "registry/console_list.html", {"f": f, "page": page, **_choices()})


@router.get("/console/import", name="registry.import_form")
def import_form(request: Request) -> Response:
    _staff(request)
    require(policy.can_import(resolve(request).actor))
    with runtime(request).db.read() as session:
        jobs = queries.import_jobs(session)
    return render(request, "registry/import.html", {"jobs": jobs})


@router.post("/console/import", name="registry.import_submit")
async def import_submit(request: Request, file: Annotated[UploadFile, File()]) -> Response:
    """Twin: ``POST /api/v1/imports/enterprises``."""
    _staff(request)
    actor = resolve(request).actor
    require(policy.can_import(actor))
    path = await api.save_upload(request, file)
    outcome = await run_in_threadpool(importing.import_enterprises, runtime(request), path, actor,
                                      file_name=file.filename or path.name)
    return RedirectResponse(f"/console/import/{outcome.job_id}", status_code=303)


@router.get("/console/import/{job_id}", name="registry.import_job")
def import_job_page(request: Request, job_id: Id) -> Response:
    """Twin: ``GET /api/v1/imports/{id}`` and ``/api/v1/imports/{id}/errors``."""
    _staff(request)
    with runtime(request).db.read() as session:
        job = queries.import_job(session, job_id)
        if job is None:
            raise not_found("导入任务", "Import job", job_id)
        errors = queries.import_errors(session, job_id, limit=200)
    return render(request, "registry/import_job.html", {"job": job, "errors": errors})


@router.get("/console/{kind}", name="registry.console_other")
def console_other(request: Request, kind: str, after: After = None) -> Response:
    """Declared last: ``/console/{kind}`` would otherwise shadow ``/console/import``.

    Twins: ``GET /api/v1/cbs``, ``/labs``, ``/people``, ``/products``."""
    if kind not in views.LISTS:
        raise not_found("页面", "Page", kind)
    _staff(request)
    with runtime(request).db.read() as session:
        page = views.simple_page(session, resolve(request).actor, kind, after, 50, {})
    return render(request, "registry/console_other.html",
                  {"kind": kind, "page": page, "labels": views.COLUMN_LABELS})
