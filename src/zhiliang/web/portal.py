"""The public home page and the console dashboard (and their JSON twin, ``/api/v1/stats``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zhiliang.kernel.errors import unauthenticated
from zhiliang.kernel.http.context import resolve, runtime
from zhiliang.kernel.http.render import render
from zhiliang.kernel.policy import is_staff, require
from zhiliang.registry import queries

router = APIRouter()


@router.get("/", name="web.home", include_in_schema=False)
def home(request: Request) -> Response:
    with runtime(request).db.read() as session:
        totals = queries.totals(session)
    return render(request, "home.html", {"totals": totals})


@router.get("/api/v1/stats", name="web.api_stats", tags=["portal 门户"])
def stats(request: Request) -> dict[str, int]:
    """Headline counts shown on the home page and the console."""
    with runtime(request).db.read() as session:
        return queries.totals(session)


@router.get("/console", name="web.console", include_in_schema=False)
def console(request: Request) -> Response:
    actor = resolve(request).actor
    if actor.user_id is None:
        raise unauthenticated()
    require(is_staff(actor))
    with runtime(request).db.read() as session:
        totals = queries.totals(session)
        jobs = queries.import_jobs(session, limit=5)
    return render(request, "console.html", {"totals": totals, "jobs": jobs})
