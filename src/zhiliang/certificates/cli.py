"""``zhiliang certs …``: check a saved verification offline; run the expiry job."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from zhiliang.certificates import service
from zhiliang.ledger import attest, note

certs_app = typer.Typer(help="认证证书 / Certificates", no_args_is_help=True)


@certs_app.command("verify-offline")
def verify_offline(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    key: Annotated[str, typer.Option("--key", help="The platform's key: /.well-known/zhiliang-verification-key")],
) -> None:
    """Check a saved verification answer with nothing but the platform's public key: no database, no network."""
    try:
        verifier = note.Verifier.from_key(key.strip())
        document = attest.verify(json.loads(file.read_text(encoding="utf-8")), verifier)
    except (note.NoteError, attest.AttestationError, ValueError) as error:
        typer.echo(f"INVALID / 无效: {error}", err=True)
        raise typer.Exit(1) from None
    cert = document.get("certificate") or {}
    typer.echo(f"ok: signed by {verifier.name} / 签名有效")
    typer.echo(f"verdict {document.get('verdict')} · number {document.get('query', {}).get('number')} · "
               f"holder {cert.get('holder_name', '—')} · checked at {document.get('checked_at')}")


@certs_app.command("expire")
def expire(ctx: typer.Context) -> None:
    """Mark certificates past their expiry date as expired (pages already show them so; this writes the events)."""
    rt = ctx.obj["runtime"]()
    total = 0
    while True:
        with rt.db.begin() as session:
            done = service.expire_due(session, rt.today(), rt.clock.now())
        total += done
        if not done:
            break
    typer.echo(f"expired {total} certificate(s)")
