"""The composition root: ``create_app(settings, ...)`` wires the features into one ASGI application.

Nothing here runs at import time; ``zhiliang serve`` and the tests call :func:`create_app`.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from zhiliang.kernel.clock import Clock
from zhiliang.kernel.config import Settings
from zhiliang.kernel.db import Database, make_engine
from zhiliang.kernel.http import problems
from zhiliang.kernel.http.context import check_csrf
from zhiliang.kernel.http.limits import BodyLimit
from zhiliang.kernel.runtime import Runtime


def create_app(settings: Settings, *, db: Database | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the application. ``db`` and ``clock`` default to the configured database and the system clock;
    tests pass their own (a rolled-back connection, a fixed clock). The schema must already be migrated."""
    from zhiliang.registry import api as registry_api
    from zhiliang.registry import web as registry_web
    from zhiliang.web import admin, pages, portal

    database = db or Database(make_engine(settings.resolved_database_url()))
    app = FastAPI(
        dependencies=[Depends(check_csrf)],
        title="Zhiliang 质量 API", version="0.1.0", docs_url="/api/docs", redoc_url=None,
        openapi_url="/api/openapi.json",
        description="质量基础设施平台 JSON API. Errors are RFC 9457 problem+json with zh and en messages.",
    )
    app.state.runtime = Runtime.build(settings, database, clock)
    problems.install(app)
    # Multipart framing adds a little to the file itself; the route checks the file's exact size.
    app.add_middleware(BodyLimit, max_bytes=(settings.upload_max_mb << 20) + (1 << 20))
    app.mount("/static", StaticFiles(directory=str(files("zhiliang.web") / "static")), name="static")
    for router in (pages.router, portal.router, admin.router, registry_web.router, registry_api.router):
        app.include_router(router)
    return app


def asgi() -> FastAPI:
    """Entry point for ``uvicorn --factory zhiliang.app:asgi``: settings from the environment."""
    return create_app(Settings())
