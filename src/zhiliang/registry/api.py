"""Registry JSON API under ``/api/v1``: the twin of every registry page, with CSV/XLSX export of every list."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from pydantic import BaseModel

from zhiliang.kernel.errors import forbidden, not_found
from zhiliang.kernel.http.context import MAX_ID, After, Id, resolve, runtime
from zhiliang.kernel.http.exports import download
from zhiliang.kernel.http.uploads import save_upload
from zhiliang.kernel.policy import require
from zhiliang.kernel.runtime import Runtime
from zhiliang.registry import directory, importing, policy, queries, refdata, service, views
from zhiliang.registry.schemas import (
    CertificationBodyIn,
    CertificationBodyOut,
    EnterpriseDetail,
    EnterprisePatch,
    ImportJobOut,
    LaboratoryIn,
    LaboratoryOut,
    PageOut,
    PersonIn,
    PersonOut,
    ProductIn,
    ProductOut,
    RowErrorOut,
)

router = APIRouter(prefix="/api/v1", tags=["registry 主体库"])
Format = Literal["json", "csv", "xlsx"]


def enterprise_filter(
    q: str = "", division: str = "", industry: str = "", status: str = "", entity_type: str = "",
    warning_only: bool = False,
) -> queries.EnterpriseFilter:
    return queries.EnterpriseFilter(q, division, industry, status, entity_type, warning_only)


@router.get("/enterprises", name="registry.api_enterprises", response_model=PageOut)
def list_enterprises(
    request: Request, f: Annotated[queries.EnterpriseFilter, Depends(enterprise_filter)],
    after: After = None, limit: Annotated[int, Query(ge=1, le=200)] = 20, format: Format = "json",
) -> object:
    """Search and list enterprises: ``q`` is a USCC, a name substring (≥ 2 characters) or pinyin initials."""
    rt = runtime(request)
    if format != "json":
        require(policy.can_export_lists(resolve(request).actor))
        return download(format, "enterprises", [h for _, h in views.ENTERPRISE_EXPORT], _export(rt, f))
    with rt.db.read() as session:
        return views.enterprise_page(session, f, after, limit)


def _export(rt: Runtime, f: queries.EnterpriseFilter) -> Iterator[list[object]]:
    # The session lives as long as the streamed download, row chunks fetched by keyset as it goes.
    with rt.db.read() as session:
        yield from views.export_rows(session, f)


@router.get("/enterprises/{enterprise_id}", name="registry.api_enterprise", response_model=EnterpriseDetail)
def get_enterprise(request: Request, enterprise_id: Id) -> EnterpriseDetail:
    with runtime(request).db.read() as session:
        return views.enterprise_detail(session, enterprise_id)


@router.get("/divisions", name="registry.api_divisions", tags=["reference 参考数据"])
def divisions(parent: str | None = None) -> list[dict[str, object]]:
    """GB/T 2260 divisions: provinces, or the children of ``parent``."""
    codes = refdata.children(parent) if parent else [c for c in refdata.divisions().values() if c.level == 1]
    return [{"code": c.code, "name": c.name, "level": c.level, "parent_code": c.parent_code} for c in codes]


@router.get("/industries", name="registry.api_industries", tags=["reference 参考数据"])
def industries() -> list[dict[str, object]]:
    """GB/T 4754-2017 sections and divisions."""
    return [{"code": c.code, "name": c.name, "level": c.level, "parent_code": c.parent_code}
            for c in refdata.industries().values()]


@router.patch("/enterprises/{enterprise_id}", name="registry.api_enterprise_edit", response_model=EnterpriseDetail)
def edit_enterprise(request: Request, enterprise_id: Id, body: EnterprisePatch) -> EnterpriseDetail:
    """Change fields of an enterprise: regulators in their jurisdiction and admins; the enterprise itself may
    correct its address and legal representative. Values are read as the import reads them."""
    rt = runtime(request)
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    with rt.db.begin() as session:
        service.edit_enterprise(session, enterprise_id, changes, resolve(request).actor, rt.clock.now(), rt.today())
    with rt.db.read() as session:
        return views.enterprise_detail(session, enterprise_id)


def _list_route(kind: str) -> Callable[..., object]:
    def route(
        request: Request, after: After = None, limit: Annotated[int, Query(ge=1, le=200)] = 20,
        format: Format = "json", status: str = "", person_kind: str = "", jurisdiction: str = "",
        department: str = "", enterprise_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ) -> object:
        actor = resolve(request).actor
        if kind == "people":
            require(policy.can_list_people(actor))
        filters = {"status": status, "kind": person_kind, "jurisdiction": jurisdiction, "department": department,
                   "enterprise_id": enterprise_id}
        rt = runtime(request)
        if format == "json":
            with rt.db.read() as session:
                return views.simple_page(session, actor, kind, after, limit, filters)
        require(policy.can_export_lists(actor))
        keys = list(views.list_schema(actor, kind).model_fields)
        header = [views.COLUMN_LABELS.get(k, (k, k))[0] for k in keys]

        def rows() -> Iterator[list[object]]:
            with rt.db.read() as session:
                for item in views.iter_simple(session, actor, kind, filters):
                    yield [item[k] for k in keys]

        return download(format, kind, header, rows())

    return route


for _kind, _title in (("cbs", "Certification bodies 认证机构"), ("labs", "Laboratories 检验检测机构"),
                      ("people", "People: inspectors, experts, auditors 人员"), ("products", "Products 产品")):
    router.add_api_route(f"/{_kind}", _list_route(_kind), name=f"registry.api_{_kind}", response_model=PageOut,
                         summary=_title, methods=["GET"])




@router.post("/imports/enterprises", name="registry.api_import", response_model=ImportJobOut, status_code=201)
async def import_enterprises(request: Request, file: Annotated[UploadFile, File()]) -> object:
    """Upload a .csv (UTF-8 or GBK) or .xlsx of enterprises; good rows are upserted, bad rows reported."""
    actor = resolve(request).actor
    require(policy.can_import(actor))
    path = await save_upload(request, file)
    from starlette.concurrency import run_in_threadpool

    outcome = await run_in_threadpool(importing.import_enterprises, runtime(request), path, actor,
                                      file_name=file.filename or path.name)
    return _job(request, outcome.job_id)


def _job(request: Request, job_id: int) -> ImportJobOut:
    with runtime(request).db.read() as session:
        job = queries.import_job(session, job_id)
        if job is None:
            raise not_found("导入任务", "Import job", job_id)
        return ImportJobOut.model_validate(job)


@router.get("/imports", name="registry.api_imports", response_model=list[ImportJobOut])
def import_jobs(request: Request, format: Format = "json", limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
                ) -> object:
    """Recent import jobs, newest first, with their counts (JSON, CSV or XLSX)."""
    require(policy.can_import(resolve(request).actor))
    with runtime(request).db.read() as session:
        jobs = [ImportJobOut.model_validate(j) for j in queries.import_jobs(session, limit)]
    if format == "json":
        return jobs
    keys = list(ImportJobOut.model_fields)
    return download(format, "imports", keys, ([getattr(j, k) for k in keys] for j in jobs))


@router.get("/imports/{job_id}", name="registry.api_import_job", response_model=ImportJobOut)
def import_job(request: Request, job_id: Id) -> ImportJobOut:
    require(policy.can_import(resolve(request).actor))
    return _job(request, job_id)


@router.get("/imports/{job_id}/errors", name="registry.api_import_errors", response_model=list[RowErrorOut])
def import_errors(request: Request, job_id: Id, format: Format = "json") -> object:
    """The row-level error report of an import, as JSON, CSV or XLSX."""
    if not policy.can_import(resolve(request).actor):
        raise forbidden()
    _job(request, job_id)
    with runtime(request).db.read() as session:
        errors = queries.import_errors(session, job_id)
        if format == "json":
            return [RowErrorOut.model_validate(e) for e in errors]
        rows = list(importing.error_report_rows(errors))
    return download(format, f"import-{job_id}-errors", importing.REPORT_HEADER, rows)



def _register(request: Request, use_case: Callable[..., Any], body: BaseModel, out: type[BaseModel]) -> Any:
    rt = runtime(request)
    with rt.db.begin() as session:
        row = use_case(session, resolve(request).actor, rt.clock.now(), **body.model_dump())
        return out.model_validate(row)


def _create_route(use_case: Callable[..., Any], body_type: type[BaseModel], out: type[BaseModel]) -> Callable:
    def route(request: Request, body: BaseModel) -> Any:
        return _register(request, use_case, body, out)

    # Postponed annotations are strings; FastAPI needs the real body class to parse and document it.
    route.__annotations__ = {"request": Request, "body": body_type, "return": Any}
    return route


for _path, _use_case, _in, _out, _doc in (
    ("cbs", directory.register_cb, CertificationBodyIn, CertificationBodyOut, "Register a certification body (staff)."),
    ("labs", directory.register_lab, LaboratoryIn, LaboratoryOut, "Register a laboratory (staff)."),
    ("people", directory.register_person, PersonIn, PersonOut,
     "Register an inspector, expert or CB auditor (staff in the jurisdiction). Phone and ID number are never "
     "returned here."),
    ("products", directory.register_product, ProductIn, ProductOut,
     "Register a product (staff, or the enterprise for its own products)."),
):
    router.add_api_route(f"/{_path}", _create_route(_use_case, _in, _out), methods=["POST"], status_code=201,
                         name=f"registry.api_{_path}_create", response_model=_out, description=_doc)
