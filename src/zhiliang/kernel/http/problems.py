"""Turn domain errors into RFC 9457 problem+json (API) or an error page (HTML); never a bare 500 for bad input."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from zhiliang.kernel.errors import DomainError
from zhiliang.kernel.http.render import render

PROBLEM = "application/problem+json"


# Machine protocols outside /api/: the ledger's C2SP endpoints (checkpoint, tiles, cosignature), read by mirrors.
MACHINE_PREFIXES = ("/api/", "/ledger/")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(MACHINE_PREFIXES) or "application/json" in request.headers.get("accept", "")


def respond(request: Request, error: DomainError) -> Response:
    if _wants_json(request):
        return JSONResponse(error.problem(request.url.path), status_code=error.status, media_type=PROBLEM)
    if error.status == 401:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    try:
        return render(request, "error.html", {"error": error}, status=error.status)
    except DomainError:  # the context itself failed (e.g. a revoked token on a page): answer plainly
        return JSONResponse(error.problem(request.url.path), status_code=error.status, media_type=PROBLEM)


def _validation(request: Request, exc: RequestValidationError) -> Response:
    first = exc.errors()[0] if exc.errors() else {}
    where = "/".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
    error = DomainError(
        "request.invalid", f"请求参数无效:{where} {first.get('msg', '')}",
        f"Invalid request: {where} {first.get('msg', '')}", where or None, 422,
        {"errors": [{"field": "/".join(map(str, e.get("loc", ()))), "en": e.get("msg")} for e in exc.errors()]},
    )
    return respond(request, error)


def _http(request: Request, exc: HTTPException) -> Response:
    zh = {404: "页面不存在", 405: "不支持此请求方法", 413: "上传的文件过大"}.get(exc.status_code, "请求失败")
    return respond(request, DomainError(f"http.{exc.status_code}", zh, str(exc.detail), None, exc.status_code))


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, respond)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http)  # type: ignore[arg-type]
