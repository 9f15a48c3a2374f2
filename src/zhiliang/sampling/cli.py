"""``zhiliang sampling …``: the daily confirmation job and the pass-rate table."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date
from typing import Annotated

import typer

from zhiliang.kernel.errors import invalid
from zhiliang.sampling import queries, service

sampling_app = typer.Typer(help="监督抽查 / Supervision sampling", no_args_is_help=True)


@sampling_app.command("confirm-due")
def confirm_due(ctx: typer.Context) -> None:
    """Confirm every notified result whose 15-day objection period ended without an objection (the daily job);
    prints how many."""
    rt = ctx.obj["runtime"]()
    with rt.db.begin() as session:
        n = service.confirm_due(session, rt.clock.now(), rt.today())
    typer.echo(f"confirmed {n} (确认 {n} 个结果) on {rt.today().isoformat()}")


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid("sampling.cli", f"日期格式应为 YYYY-MM-DD:{value}", f"dates are YYYY-MM-DD: {value}",
                      name) from None


@sampling_app.command("pass-rates")
def pass_rates(ctx: typer.Context,
               by: Annotated[str, typer.Option(help="Comma-separated: " + ", ".join(queries.DIMENSIONS))] = "category",
               category: Annotated[str | None, typer.Option(help="Catalogue code (and below)")] = None,
               district: Annotated[str | None, typer.Option(help="Division code (and below)")] = None,
               since: Annotated[str | None, typer.Option(help="Sampled on or after YYYY-MM-DD")] = None,
               until: Annotated[str | None, typer.Option(help="Sampled on or before YYYY-MM-DD")] = None,
               format: Annotated[str, typer.Option(help="table, csv or json")] = "table") -> None:
    """批次合格率 with the 95 % Wilson interval and the unstable flag, grouped by BY."""
    dims = tuple(d.strip() for d in by.split(",") if d.strip())
    unknown = [d for d in dims if d not in queries.DIMENSIONS]
    if unknown:
        known = ", ".join(queries.DIMENSIONS)
        raise invalid("sampling.by", f"未知的分组维度 {unknown[0]}(可选 {known})",
                      f"unknown dimension {unknown[0]!r} (known: {known})", "--by")
    if format not in ("table", "csv", "json"):
        raise invalid("sampling.format", "输出格式应为 table、csv 或 json", "--format is table, csv or json",
                      "--format")
    filters = queries.Filters(since=_date(since, "--since"), until=_date(until, "--until"), category=category,
                              district=district)
    rt = ctx.obj["runtime"]()
    with rt.db.read() as session:
        rows = queries.pass_rates(session, dims, filters)
    columns = [*dims, "tested", "passed", "rate", "low", "high", "unstable"]
    if format == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False))
    elif format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            writer.writerow([*(r[d] or "" for d in dims), r["tested"], r["passed"], f"{r['rate']:.4f}",
                             f"{r['low']:.4f}", f"{r['high']:.4f}", "yes" if r["unstable"] else ""])
    else:
        for r in rows:
            key = " ".join(f"{r[d] or '—'}" for d in dims) or "all"
            flag = f"  unstable: {r['reason_en']}" if r["unstable"] else ""
            typer.echo(f"{key:<28} {r['passed']:>6}/{r['tested']:<6} {r['rate']:7.1%}  "
                       f"[{r['low']:.1%}, {r['high']:.1%}]{flag}")
        if not rows:
            typer.echo("没有已确认的结果 / no confirmed results")
