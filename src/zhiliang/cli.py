"""The ``zhiliang`` command: composed from each feature's Typer sub-app, settings from the environment."""

from __future__ import annotations

from functools import cache
from typing import Annotated

import typer

from zhiliang.kernel.config import Settings
from zhiliang.kernel.db import Database, make_engine
from zhiliang.kernel.errors import DomainError
from zhiliang.kernel.runtime import Runtime

app = typer.Typer(help="质量 Zhiliang — quality-infrastructure platform", no_args_is_help=True,
                  pretty_exceptions_enable=False)
user_app = typer.Typer(help="用户与令牌 / Users and API tokens", no_args_is_help=True)
db_app = typer.Typer(help="数据库 / Database", no_args_is_help=True)


@app.callback()
def main_callback(ctx: typer.Context) -> None:
    @cache
    def runtime() -> Runtime:
        from zhiliang.kernel.migrate import upgrade

        settings = Settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url())
        upgrade(engine)  # migrations are applied automatically, on SQLite and PostgreSQL alike
        return Runtime.build(settings, Database(engine))

    def audited_tables() -> list:
        from zhiliang.app import audited_tables as tables

        return tables()

    ctx.obj = {"runtime": runtime, "audited_tables": audited_tables}


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply all migrations (also done automatically by every command)."""
    ctx.obj["runtime"]()
    typer.echo("database is at the newest schema")


@app.command()
def serve(ctx: typer.Context, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the web server (migrations first)."""
    import uvicorn

    ctx.obj["runtime"]()
    if workers > 1:
        _serve_workers(host, port, workers)
        return
    uvicorn.run("zhiliang.app:asgi", factory=True, host=host, port=port, workers=workers)


def _serve_workers(host: str, port: int, workers: int) -> None:
    """Several worker processes on one shared socket, with TCP_NODELAY on every connection.

    uvicorn's multi-process mode hands the workers a socket object whose protocol field is 0, so its transports
    never set TCP_NODELAY and each keep-alive answer after the first waits ~40 ms for a delayed ACK (uvicorn issue
    #3149; measured by benchmarks/certificates.py: every server capped near 360 requests/s). Re-wrapping the bound
    socket as IPPROTO_TCP makes uvicorn set the option, as it does with one worker.
    """
    import socket

    from uvicorn import Config
    from uvicorn.supervisors import Multiprocess

    config = Config("zhiliang.app:asgi", factory=True, host=host, port=port, workers=workers)
    bound = config.bind_socket()
    tcp = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
    Multiprocess(config, sockets=[tcp]).run()


@app.command()
def demo(
    ctx: typer.Context, seed: int = 2026, scale: Annotated[float, typer.Option(help="1 = 20,000 enterprises")] = 1.0,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the server afterwards")] = False,
    port: int = 8000,
) -> None:
    """Build the demo city (deterministic for a seed) and print one login per role."""
    from zhiliang import demo as demo_city

    rt = ctx.obj["runtime"]()
    logins = demo_city.build(rt, seed=seed, scale=scale, echo=typer.echo)
    for role, username, password in logins:
        typer.echo(f"  {role:<10} {username:<16} {password}")
    if serve_after:
        serve(ctx, port=port)


@user_app.command("create")
def user_create(
    ctx: typer.Context, username: str,
    role: Annotated[str, typer.Option(help="public|enterprise|cb|lab|regulator|admin")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    name: str = "", tenant: Annotated[int | None, typer.Option(help="enterprise / CB / laboratory id")] = None,
    jurisdiction: str | None = None, department: str | None = None,
) -> None:
    """Create a user bound to its tenant (enterprise, CB, lab) or jurisdiction and department (regulator)."""
    from zhiliang import accounts

    rt = ctx.obj["runtime"]()
    user_id = accounts.create_user(rt, username=username, display_name=name or username, role=role,
                                   password=password, tenant_id=tenant, jurisdiction=jurisdiction,
                                   department=department)
    typer.echo(f"user {username} created (id {user_id})")


@user_app.command("token")
def user_token(ctx: typer.Context, username: str, name: str = "cli") -> None:
    """Issue an API token for a user; it is printed once and only its hash is stored."""
    from zhiliang import accounts

    typer.echo(accounts.issue_token(ctx.obj["runtime"](), username, name))


@user_app.command("revoke-token")
def user_revoke_token(ctx: typer.Context, username: str, prefix: str) -> None:
    """Revoke a user's tokens that start with PREFIX (as shown on the tokens page, e.g. zl_AbCdEfG)."""
    from zhiliang import accounts

    typer.echo(f"revoked {accounts.revoke_token(ctx.obj['runtime'](), username, prefix)} token(s)")


def _register() -> None:
    from zhiliang.certificates.cli import certs_app
    from zhiliang.credit.cli import credit_app
    from zhiliang.inspections.cli import inspections_app
    from zhiliang.ledger.cli import ledger_app
    from zhiliang.registry.cli import export_app, import_app, registry_app
    from zhiliang.sampling.cli import sampling_app
    from zhiliang.tqm.cli import tqm_app

    if any(group.name == "user" for group in app.registered_groups):
        return
    app.add_typer(user_app, name="user")
    app.add_typer(db_app, name="db")
    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")
    app.add_typer(registry_app, name="registry")
    app.add_typer(ledger_app, name="ledger")
    app.add_typer(certs_app, name="certs")
    app.add_typer(inspections_app, name="inspections")
    app.add_typer(credit_app, name="credit")
    app.add_typer(tqm_app, name="tqm")
    app.add_typer(sampling_app, name="sampling")


def main() -> None:
    """Console entry point: domain errors print their zh/en message and exit 1, never a traceback."""
    _register()
    try:
        code = app(standalone_mode=False)  # without standalone mode, click returns typer.Exit's code
        if isinstance(code, int) and code:
            raise SystemExit(code)
    except DomainError as exc:
        typer.echo(f"错误 error: {exc.zh} / {exc.en}" + (f" [{exc.field}]" if exc.field else ""), err=True)
        raise SystemExit(1) from None
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("已中止 / aborted; re-run the same command to resume", err=True)
        raise SystemExit(130) from None
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            raise SystemExit(exc.exit_code) from None
        raise
