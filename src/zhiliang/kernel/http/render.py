"""Jinja2 pages: one environment over every feature's ``templates/`` folder, with the request context in scope."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from zhiliang.kernel.clock import format_local
from zhiliang.kernel.http.context import resolve

FEATURES_WITH_PAGES = ("web", "ledger", "registry", "certificates", "inspections", "credit", "tqm", "sampling")


@cache
def environment() -> Environment:
    """The shared environment; autoescaping is on for every page, so stored ``<script>`` shows as text."""
    loaders = [FileSystemLoader(str(files(f"zhiliang.{name}") / "templates")) for name in FEATURES_WITH_PAGES]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["local"] = format_local
    return env


def query_with(request: Request, **changes: Any) -> str:
    """The current query string with ``changes`` applied (``None`` removes a key), for pager and filter links."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else "?"


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render ``template`` with ``context`` plus ``t`` (zh/en pair picker), ``actor``, ``csrf_token``, ``locale``."""
    ctx = resolve(request)
    page = environment().get_template(template).render(
        request=request, t=ctx.t, actor=ctx.actor, csrf_token=ctx.csrf_token, locale=ctx.locale,
        query_with=lambda **kw: query_with(request, **kw), **context,
    )
    return HTMLResponse(page, status_code=status)
