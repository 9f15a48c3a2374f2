"""``zhiliang credit …``: take in events, end expired listings, reclassify, explain one enterprise's class."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from zhiliang.credit import importing, scoring, service
from zhiliang.kernel import locks
from zhiliang.kernel.clock import local

credit_app = typer.Typer(help="信用监管 / Credit supervision", no_args_is_help=True)


def _daily(rt) -> dict:  # noqa: ANN001 - the CLI's Runtime
    now, today = rt.clock.now(), rt.today()
    with locks.exclusive(rt.db.bind, scoring.LOCK_NAME), rt.db.begin() as session:
        taken = 0
        while read := service.ingest(session, now):
            taken += read
        expired = service.expire_listings(session, now, today)
        result = scoring.reclassify(session, service.model(rt.settings), today, now)
    return {"events_read": taken, "listings_expired": expired, **result.__dict__}


@credit_app.command("reclassify")
def reclassify(ctx: typer.Context) -> None:
    """Take in new events, end listings past their period, and reclassify every enterprise (A–D) now."""
    typer.echo(json.dumps(_daily(ctx.obj["runtime"]()), ensure_ascii=False))


@credit_app.command("run")
def run(ctx: typer.Context,
        every: Annotated[float, typer.Option(help="Seconds between event intakes")] = 60.0,
        at: Annotated[str, typer.Option(help="Daily reclassification time, HH:MM (Beijing time)")] = "02:00") -> None:
    """Keep credit current: take in other modules' events every EVERY seconds, and once a day at AT end expired
    listings and reclassify every enterprise (the schedule; POST /api/v1/credit/reclassify runs it on demand)."""
    rt = ctx.obj["runtime"]()
    hour, minute = (int(x) for x in at.split(":"))
    last_day = None
    while True:
        local_now = local(rt.clock.now())
        if last_day != local_now.date() and (local_now.hour, local_now.minute) >= (hour, minute):
            typer.echo(json.dumps(_daily(rt), ensure_ascii=False))
            last_day = local_now.date()
        else:
            with rt.db.begin() as session:
                service.ingest(session, rt.clock.now())
        time.sleep(every)


@credit_app.command("import")
def import_records(ctx: typer.Context,
                   file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Import credit records from .csv (UTF-8/GBK) or .xlsx; rejected rows are listed with their reasons."""
    from zhiliang.kernel.auth import Actor
    from zhiliang.registry import queries as registry

    rt = ctx.obj["runtime"]()
    outcome = importing.import_records(rt, file, Actor.system("cli"))
    typer.echo(f"job {outcome.job_id}: created {outcome.created}, unchanged {outcome.unchanged}, "
               f"rejected {outcome.rejected}")
    with rt.db.read() as session:
        for error in registry.import_errors(session, outcome.job_id):
            typer.echo(f"  row {error.row} {error.column}: {error.reason_zh} / {error.reason_en}")


@credit_app.command("explain")
def explain(ctx: typer.Context, uscc: str) -> None:
    """Why the enterprise with USCC has its class: the score and every record's contribution."""
    from zhiliang.registry import queries as registry

    rt = ctx.obj["runtime"]()
    with rt.db.read() as session:
        enterprise = registry.enterprise_by_uscc(session, uscc)
        if enterprise is None:
            typer.echo(f"未找到企业 / no enterprise with USCC {uscc}", err=True)
            raise typer.Exit(1)
        result = scoring.explain(session, service.model(rt.settings), enterprise.id, rt.today())
    typer.echo(f"{enterprise.name} {enterprise.uscc}: class {result.risk_class}, score {result.score:.2f} "
               f"(baseline {result.baseline}, model {result.model_version}; stored class {enterprise.risk_class})")
    for c in result.contributions:
        typer.echo(f"  {c.value:+8.2f}  {c.indicator:<24} {c.label}  ({c.points:+g} x {c.weight:.3f})")
