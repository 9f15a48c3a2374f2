"""``zhiliang import enterprises FILE`` and ``zhiliang export enterprises``, with a Rich progress bar."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from zhiliang.kernel import tabular
from zhiliang.kernel.auth import Actor
from zhiliang.kernel.runtime import Runtime
from zhiliang.registry import importing, queries, search, views

import_app = typer.Typer(help="导入数据 / Import data", no_args_is_help=True)
export_app = typer.Typer(help="导出数据 / Export data", no_args_is_help=True)


def runtime_from(ctx: typer.Context) -> Runtime:
    return ctx.obj["runtime"]()


@import_app.command("enterprises")
def import_enterprises(
    ctx: typer.Context, file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    errors_out: Annotated[Path | None, typer.Option("--errors", help="Write the error report here (.csv/.xlsx)")]
    = None,
) -> None:
    """导入市场主体 / Import market entities from .csv (UTF-8/GBK) or .xlsx; re-run the same command to resume."""
    rt = runtime_from(ctx)
    console = Console(stderr=True)
    table = tabular.inspect(file)
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=console, disable=not console.is_terminal) as bar:
        task = bar.add_task(f"导入 {file.name}", total=table.row_count)
        outcome = importing.import_enterprises(rt, file, Actor.system("cli"),
                                               progress=lambda n: bar.advance(task, n))
    if outcome.resumed_from:
        console.print(f"从第 {outcome.resumed_from} 行继续 / resumed after row {outcome.resumed_from}")
    typer.echo(f"job {outcome.job_id}: created {outcome.created}, updated {outcome.updated}, "
               f"unchanged {outcome.unchanged}, rejected {outcome.rejected}, warnings {outcome.warnings}")
    if errors_out is not None:
        with rt.db.read() as session:
            rows = list(importing.error_report_rows(queries.import_errors(session, outcome.job_id)))
        _write(errors_out, importing.REPORT_HEADER, rows)
        typer.echo(f"error report: {errors_out}")


def _write(path: Path, header: tuple[str, ...] | list[str], rows: object) -> None:
    if path.suffix.lower() == ".xlsx":
        with path.open("wb") as fh:
            tabular.write_xlsx(fh, header, rows)  # type: ignore[arg-type]
    else:
        with path.open("w", encoding="utf-8", newline="") as fh:
            tabular.write_csv(fh, header, rows)  # type: ignore[arg-type]


registry_app = typer.Typer(help="主体库维护 / Registry maintenance", no_args_is_help=True)


@registry_app.command("reindex")
def reindex(ctx: typer.Context) -> None:
    """重建企业名称检索索引 / Rebuild the name-search index from the enterprise table."""
    rt = runtime_from(ctx)
    with rt.db.begin() as session:
        count = search.rebuild(session.connection())
    typer.echo(f"reindexed {count} enterprises")


@export_app.command("enterprises")
def export_enterprises(
    ctx: typer.Context, out: Annotated[Path, typer.Argument(help=".csv or .xlsx")],
    q: str = "", division: str = "", industry: str = "", status: str = "",
) -> None:
    """导出市场主体 / Export market entities (all, or filtered) to .csv or .xlsx."""
    rt = runtime_from(ctx)
    with rt.db.read() as session:
        rows = views.export_rows(session, queries.EnterpriseFilter(q, division, industry, status))
        _write(out, [h for _, h in views.ENTERPRISE_EXPORT], rows)
    typer.echo(f"written: {out}", file=sys.stderr)
