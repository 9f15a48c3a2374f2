"""``zhiliang ledger …``: run the sequencer, audit the log, check a proof offline, mirror a log as an outsider."""

from __future__ import annotations

import hashlib
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from zhiliang.kernel.runtime import Runtime
from zhiliang.ledger import audit as ledger_audit
from zhiliang.ledger import cosignature, note, proof, service
from zhiliang.ledger import mirror as ledger_mirror

ledger_app = typer.Typer(help="防篡改记录 / Tamper-evident ledger", no_args_is_help=True)


def _runtime(ctx: typer.Context) -> Runtime:
    return ctx.obj["runtime"]()


@ledger_app.command("run")
def run(ctx: typer.Context, once: Annotated[bool, typer.Option(help="Log what is committed now, then exit")] = False,
        ) -> None:
    """Sequence committed events into the log until stopped (one writer at a time; a restart resumes)."""
    rt = _runtime(ctx)
    signer = service.load_signer(rt.settings)
    if once:
        logged = service.catch_up(rt.db, signer, rt.settings.ledger_origin, rt.clock,
                                  limit=rt.settings.ledger_batch_size)
        typer.echo(f"logged {logged} event(s)")
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    typer.echo(f"sequencing into {rt.settings.ledger_origin}; Ctrl-C stops", err=True)
    service.Sequencer(rt.db, signer, rt.settings.ledger_origin, rt.clock,
                      interval=rt.settings.ledger_interval_ms / 1000, limit=rt.settings.ledger_batch_size).run(stop)


@ledger_app.command("key")
def key(ctx: typer.Context) -> None:
    """Print the log's verifier key (name+hexID+base64); creates the signing key on first use."""
    typer.echo(service.load_signer(_runtime(ctx).settings).verifier().key_text())


@ledger_app.command("audit")
def audit(ctx: typer.Context) -> None:
    """Recompute every logged event and the tree from the database; name each row changed outside the platform."""
    rt = _runtime(ctx)
    verifier = service.load_signer(rt.settings).verifier()
    with rt.db.read() as session:
        report = ledger_audit.run(session, verifier, ctx.obj["audited_tables"]())
    typer.echo(f"entries {report.entries_checked} · checkpoint {report.checkpoint_size} · rows {report.rows_checked}"
               f" · events not yet logged {report.events_pending}")
    for finding in report.findings:
        typer.echo(f"TAMPERED {finding.where}: {finding.zh} / {finding.en}")
    if not report.ok:
        raise typer.Exit(2)
    typer.echo("ok: the database matches the signed log / 数据库与已签名账本一致")


@ledger_app.command("proof")
def write_proof(ctx: typer.Context, seq: int,
          out: Annotated[Path | None, typer.Option("-o", "--out", help="Write the bundle here (default: stdout)")]
          = None) -> None:
    """Write the proof bundle of event SEQ against the latest checkpoint, for its holder to keep."""
    rt = _runtime(ctx)
    with rt.db.read() as session:
        text = service.proof_bundle(session, seq).format()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


@ledger_app.command("check-proof")
def check_proof(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    key: Annotated[str, typer.Option("--key", help="The log's verifier key, name+hexID+base64")],
) -> None:
    """Verify a proof bundle offline: the entry is included in a checkpoint signed by KEY."""
    try:
        verifier = note.Verifier.from_key(key.strip())
        bundle = proof.ProofBundle.parse(file.read_bytes())
        checkpoint = proof.verify_bundle(bundle, verifier)
    except note.NoteError as error:
        typer.echo(f"INVALID / 无效: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"ok: entry {bundle.index} is in {checkpoint.origin} at size {checkpoint.size} / 记录已在账本中")
    typer.echo(bundle.leaf_data.decode("utf-8", errors="replace"))


@ledger_app.command("mirror")
def mirror(
    url: Annotated[str, typer.Argument(help="The log's base URL, e.g. https://zhiliang.example/ledger")],
    key: Annotated[str, typer.Option("--key", help="The log's verifier key, name+hexID+base64")],
    state: Annotated[Path | None, typer.Option(help="Where to keep what was seen (default ~/.zhiliang/mirror/…)")]
    = None,
    entries: Annotated[bool, typer.Option("--entries/--no-entries", help="Download and check new entries")] = True,
    cosign_key: Annotated[str | None, typer.Option(help="Act as a witness: cosign with this PRIVATE+KEY")] = None,
) -> None:
    """Copy and check a log over HTTP as an outside auditor; report a fork or a rewrite (exit 2)."""
    try:
        verifier = note.Verifier.from_key(key.strip())
        cosigner = cosignature.Cosigner.from_key(cosign_key.strip()) if cosign_key else None
    except note.NoteError as error:
        typer.echo(f"错误 error: {error}", err=True)
        raise typer.Exit(1) from None
    state = state or Path.home() / ".zhiliang" / "mirror" / hashlib.sha256(url.encode()).hexdigest()[:16]
    try:
        report = ledger_mirror.run(ledger_mirror.http_fetch(url), verifier, state, check_entries=entries,
                                   cosigner=cosigner, post=ledger_mirror.http_post(url) if cosigner else None)
    except ledger_mirror.MirrorError as error:
        typer.echo(f"错误 error: {error}", err=True)
        raise typer.Exit(1) from None
    before = "first run" if report.old_size is None else f"was {report.old_size}"
    typer.echo(f"{report.origin}: size {report.new_size} ({before}); entries checked {report.entries_checked}")
    for problem in report.problems:
        typer.echo(f"MISBEHAVIOUR {problem}")
    if not report.ok:
        typer.echo(f"evidence saved in {report.evidence}")
        raise typer.Exit(2)
    typer.echo("ok: consistent with what was seen before / 与上次所见一致" + (" · cosigned" if report.cosigned else ""))
