"""Published sampling results and pass rates: the portal's list of published results (with each failure's
failing items) and its pass rates by category (trend and Pareto charts), and the console's pass-rate table with
every filter, the Wilson interval, the unstable flag and CSV/XLSX export. Charts are inline SVG drawn on the
server (:mod:`zhiliang.sampling.charts`): no script, no request to anywhere."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from zhiliang.kernel.http.context import resolve, runtime
from zhiliang.kernel.http.render import render
from zhiliang.registry import queries as registry
from zhiliang.sampling import api, charts, domain, policy, queries
from zhiliang.sampling.labels import names

router = APIRouter(include_in_schema=False)
CHART_ROWS = 30
Division = Annotated[str | None, Query(pattern=r"^\d{6}$|^$")]


@router.get("/sampling", name="sampling.portal")
def portal(request: Request, plan: Annotated[str | None, Query(max_length=40)] = None) -> Response:
    """Published results, latest first. Twin: ``GET /api/v1/sampling/published``."""
    items = api.published(request, plan=plan or None, limit=500)["items"]
    with runtime(request).db.read() as session:
        producers = registry.enterprises_by_id(session, [i["enterprise_id"] for i in items])
    return render(request, "sampling/portal.html", {
        "items": items, "producers": {k: v.name for k, v in producers.items()}, **names()})


def _label(row: dict[str, Any], by: tuple[str, ...], locale: str) -> str:
    cats = domain.catalogue()
    parts = []
    for d in by:
        value = row[d] or "—"
        if d in ("category", "category_group") and value in cats:
            value = cats[value].name_zh if locale == "zh" else cats[value].name_en
        elif d == "level" and value in domain.LEVEL_NAMES:
            value = domain.LEVEL_NAMES[value][0 if locale == "zh" else 1]
        parts.append(value)
    return " · ".join(parts) or ("全部" if locale == "zh" else "all")


def bar(row: dict[str, Any], label: str) -> charts.Bar:
    return charts.Bar(label, row["rate"], row["low"], row["high"], row["unstable"], f"n={row['tested']}")


def _page(request: Request, template: str, by: str, f: queries.Filters, extra: dict[str, Any]) -> Response:
    ctx = resolve(request)
    t = ctx.t
    dims = api.dimensions_of(by)
    rows = api.rates(request, by, f)
    for r in rows:
        r["label"] = _label(r, dims, ctx.locale)
    trend = api.rates(request, "quarter", f)
    pareto_table = api.failing_items(request, category=f.category, district=f.district, level=f.level,
                                     since=f.since, until=f.until)["pareto"]
    svg = {
        "bars": charts.rate_bars([bar(r, r["label"]) for r in rows[:CHART_ROWS]], t("批次合格率(95% 置信区间)",
                                 "Batch pass rate (95% interval)"), legend=t("* 结果不稳定(批次少或区间宽)",
                                                                             "* unstable (few batches or wide)")),
        "trend": charts.trend([bar(r, r["quarter"] or "—") for r in trend], t("合格率趋势(按季度)",
                                                                               "Pass rate by quarter")),
        "pareto": charts.pareto(pareto_table, t("不合格项目帕累托图", "Pareto of failing items"))}
    return render(request, template, {"rows": rows, "dims": dims, "by": by, "f": f, "pareto": pareto_table,
                                      "svg": {k: Markup(v) for k, v in svg.items()},  # noqa: S704 - built escaped
                                      "dimensions": queries.DIMENSIONS, **names(), **extra})


@router.get("/sampling/rates", name="sampling.portal_rates")
def portal_rates(request: Request, category: Annotated[str | None, Query(max_length=12)] = None,
                 year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> Response:
    """Pass rates by category (and the trend and the Pareto of failing items), for everyone. Twin:
    ``GET /api/v1/sampling/pass-rates?by=category``."""
    f = api.filters_of(category or None, None, None, date(year, 1, 1) if year else None,
                       date(year, 12, 31) if year else None)
    return _page(request, "sampling/portal_rates.html", "category", f, {"year": year})


@router.get("/console/sampling/rates", name="sampling.console_rates")
def console_rates(request: Request, by: Annotated[str, Query(max_length=100)] = "category",
                  category: Annotated[str | None, Query(max_length=12)] = None, district: Division = None,
                  level: Annotated[str | None, Query(max_length=16)] = None, since: date | None = None,
                  until: date | None = None) -> Response:
    """Pass rates by any dimensions with every filter, CSV/XLSX export. Twin: ``GET /api/v1/sampling/pass-rates``."""
    policy.require_staff(resolve(request).actor)  # the anonymous get 401: the login page
    f = api.filters_of(category or None, district or None, level or None, since, until)
    return _page(request, "sampling/rates.html", by, f, {})
