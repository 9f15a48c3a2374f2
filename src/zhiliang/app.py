"""The composition root: ``create_app(settings, ...)`` wires the features into one ASGI application.

Nothing here runs at import time; ``zhiliang serve`` and the tests call :func:`create_app`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

import anyio
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from zhiliang.kernel.clock import Clock
from zhiliang.kernel.config import Settings
from zhiliang.kernel.db import Database, make_engine
from zhiliang.kernel.http import problems
from zhiliang.kernel.http.context import check_csrf
from zhiliang.kernel.http.limits import BodyLimit
from zhiliang.kernel.runtime import Runtime
from zhiliang.ledger import note

log = logging.getLogger("zhiliang")


def create_app(settings: Settings, *, db: Database | None = None, clock: Clock | None = None,
               signer: note.Signer | None = None) -> FastAPI:
    """Build the application. ``db``, ``clock`` and ``signer`` default to the configured database, the system clock
    and the ledger key of the settings; tests pass their own (a rolled-back connection, a fixed clock). The schema
    must already be migrated. With ``ledger_in_process`` and a database of its own, the app runs the ledger's
    sequencer on a thread while it serves."""
    from zhiliang.certificates import api as certs_api
    from zhiliang.certificates import web as certs_web
    from zhiliang.credit import api as credit_api
    from zhiliang.credit import web as credit_web
    from zhiliang.inspections import web as inspections_web
    from zhiliang.ledger import service as ledger
    from zhiliang.ledger import web as ledger_web
    from zhiliang.registry import api as registry_api
    from zhiliang.registry import web as registry_web
    from zhiliang.sampling import api as sampling_api
    from zhiliang.sampling import web as sampling_web
    from zhiliang.sampling import web_lab as sampling_lab
    from zhiliang.sampling import web_public as sampling_public
    from zhiliang.tqm import api as tqm_api
    from zhiliang.tqm import web as tqm_web
    from zhiliang.web import admin, pages, portal

    database = db or Database(make_engine(settings.resolved_database_url()))
    runtime = Runtime.build(settings, database, clock)
    signer = signer or ledger.load_signer(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not (settings.ledger_in_process and isinstance(database.bind, Engine)):
            yield
            return
        sequencer = ledger.Sequencer(database, signer, settings.ledger_origin, runtime.clock,
                                     interval=settings.ledger_interval_ms / 1000, limit=settings.ledger_batch_size,
                                     on_error=lambda e: log.exception("ledger sequencer failed; retrying", exc_info=e))
        thread, stop = ledger.start_in_thread(sequencer)
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=10)

    app = FastAPI(
        lifespan=lifespan,
        dependencies=[Depends(check_csrf)],
        title="Zhiliang 质量 API", version="0.1.0", docs_url="/api/docs", redoc_url=None,
        openapi_url="/api/openapi.json",
        description="质量基础设施平台 JSON API. Errors are RFC 9457 problem+json with zh and en messages.",
    )
    app.state.runtime = runtime
    app.state.ledger_signer = signer
    # Public verification threads: one per core (see certificates.api.in_verify_threads).
    app.state.profile_sections = [certs_web.profile_section, inspections_web.profile_section,
                                  credit_web.profile_section_for(settings)]
    app.state.verify_limiter = anyio.CapacityLimiter(max(2, os.cpu_count() or 2))
    problems.install(app)
    # Multipart framing adds a little to the file itself; the route checks the file's exact size.
    app.add_middleware(BodyLimit, max_bytes=(settings.upload_max_mb << 20) + (1 << 20))
    app.mount("/static", StaticFiles(directory=str(files("zhiliang.web") / "static")), name="static")
    # Fixed paths before the registry's /console/{kind} lists, which would otherwise swallow /console/inspections.
    # The certificates API first: routes are matched in order, and public verification is the hottest path (each
    # router passed costs it time; benchmarks/certificates.py).
    for router in (certs_api.router, pages.router, portal.router, admin.router, ledger_web.router, certs_web.router,
                   certs_api.well_known, inspections_web.router, credit_web.router, credit_api.router,
                   registry_web.router, registry_api.router, tqm_web.router, tqm_api.router, sampling_api.router,
                   sampling_web.router, sampling_lab.router, sampling_public.router):
        app.include_router(router)
    return app


def asgi() -> FastAPI:
    """Entry point for ``uvicorn --factory zhiliang.app:asgi``: settings from the environment."""
    return create_app(Settings())


def audited_tables() -> list:
    """Every feature's :class:`~zhiliang.ledger.domain.Projection`: the tables ``zhiliang ledger audit`` checks
    against their events. A feature with tables adds its projection here."""
    from zhiliang.certificates import service as certificates
    from zhiliang.credit import projections as credit
    from zhiliang.inspections import projections as inspections
    from zhiliang.registry import directory
    from zhiliang.registry import service as registry
    from zhiliang.sampling import projections as sampling
    from zhiliang.tqm import projections as tqm

    return [registry.ledger_projection(), *directory.ledger_projections(), certificates.ledger_projection(),
            *inspections.ledger_projections(), *sampling.ledger_projections(), *credit.ledger_projections(),
            *tqm.ledger_projections()]
