"""``zhiliang inspections verify-draw PLAN``: re-run a draw from its public record alone and report match or
mismatch — what any citizen, journalist or inspected enterprise can do."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

import typer

from zhiliang.inspections import domain
from zhiliang.ledger import note

inspections_app = typer.Typer(help="双随机、一公开 / Random inspections", no_args_is_help=True)


def _fetch(url: str, plan: str) -> dict:
    address = f"{url.rstrip('/')}/api/v1/inspections/plans/{quote(plan, safe='')}/record"
    with urllib.request.urlopen(address, timeout=120) as response:  # noqa: S310 - the user's own URL
        return json.loads(response.read().decode("utf-8"))


def _local(ctx: typer.Context, plan: str) -> dict:
    from zhiliang.inspections import service

    rt = ctx.obj["runtime"]()
    with rt.db.read() as session:
        return service.public_record(session, plan)


@inspections_app.command("verify-draw")
def verify_draw(
    ctx: typer.Context, plan: str,
    url: Annotated[str | None, typer.Option(help="The platform's address, e.g. https://zhiliang.example")] = None,
    file: Annotated[Path | None, typer.Option(help="A saved public record (JSON)")] = None,
    key: Annotated[str | None, typer.Option(help="The ledger's verifier key: also check the seed's checkpoint")]
    = None,
) -> None:
    """Re-run the draw of PLAN from its public record (from --url, --file, or this platform's database)."""
    try:
        record = (json.loads(file.read_text(encoding="utf-8")) if file else _fetch(url, plan) if url
                  else _local(ctx, plan))
    except (OSError, ValueError) as error:
        typer.echo(f"错误 error: 无法读取公开记录 / cannot read the public record: {error}", err=True)
        raise typer.Exit(1) from None
    if "seed" not in record or "result" not in record:
        typer.echo(f"plan {plan} is {record.get('status')}: nothing drawn yet / 尚未抽取")
        raise typer.Exit(1)
    problems = _seed_problems(record, key)
    try:
        match, checks = domain.verify_draw(record)
    except (KeyError, ValueError, TypeError) as error:
        typer.echo(f"MISMATCH / 不一致: malformed record: {error}")
        raise typer.Exit(2) from None
    for name, ok in checks.items():
        typer.echo(f"  {name:<18} {'-' if ok is None else 'match' if ok else 'MISMATCH'}")
    for problem in problems:
        typer.echo(f"  seed               MISMATCH: {problem}")
    if not match or problems:
        typer.echo(f"MISMATCH / 不一致: the published draw of {plan} does not follow from its record")
        raise typer.Exit(2)
    targets = sum(len(v) for v in record["result"]["selected"].values())
    typer.echo(f"match / 一致: {targets} targets of {plan} follow from the committed pool, parameters and seed")


def _beacon_problems(record: dict, source: dict) -> list[str]:
    """A beacon seed: the hash of the recorded value, entered within the window the commitment states. Whether the
    value is what the beacon really published is for the reader to compare; this command makes no network call."""
    beacon = (record.get("plan_params") or {}).get("beacon")
    if not beacon:
        return ["the seed names a beacon, but the commitment has none"]
    typer.echo(f"  beacon             {beacon['source']}: value {source.get('value')!r} "
               f"(compare with the published value / 请与信标公布的数值核对)")
    problems = [] if domain.beacon_seed(str(source.get("value", ""))) == record["seed"] else [
        "the seed is not the hash of the beacon value"]
    try:
        window = domain.beacon_problems(beacon, str(source.get("value", "")),
                                        datetime.fromisoformat(source["entered_at"]),
                                        datetime.fromisoformat(source["committed_at"]))
    except (KeyError, ValueError):
        return [*problems, "the beacon value's entry or commitment time is missing"]
    return problems + [en for _, en in window]


def _seed_problems(record: dict, key: str | None) -> list[str]:
    """The seed must be the root of the signed checkpoint named as its source (checked with the key if given), or
    for a beacon plan the hash of the beacon value entered in time."""
    source = record.get("seed_source") or {}
    if "beacon" in source:
        return _beacon_problems(record, source)
    checkpoint_note = source.get("checkpoint")
    if not checkpoint_note:
        return ["no checkpoint given as the seed's source"]
    try:
        text = note.open_note(checkpoint_note, [note.Verifier.from_key(key.strip())]).text if key else \
            checkpoint_note.split("\n\n", 1)[0] + "\n"
        checkpoint = note.Checkpoint.parse(text)
    except note.NoteError as error:
        return [f"the seed's checkpoint does not verify: {error}"]
    problems = []
    if checkpoint.root_hash.hex() != record["seed"]:
        problems.append("the seed is not the checkpoint's root hash")
    if checkpoint.size <= int(source.get("ledger_index", -1)):
        problems.append("the checkpoint does not cover the commitment")
    return problems
