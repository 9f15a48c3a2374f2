"""``zhiliang tqm``: chart a data file (no database: nothing is stored) and look up acceptance-sampling plans.

    zhiliang tqm chart FILE --type xbar-r [--columns B,C,D] [--lsl 73.95 --usl 74.05] [--out PREFIX]
    zhiliang tqm aql --lot 1000 --level II --aql 0.65

Bad input exits 1 with the message naming the file cell (第 12 行 C 列 / row 12, column C) or the option.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

tqm_app = typer.Typer(help="质量工具 / Quality tools: SPC charts, capability, acceptance sampling",
                      no_args_is_help=True)
FORMATS = ("svg", "png", "pdf")


def _split(text: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in text.replace(",", ",").split(",") if c.strip())


@tqm_app.command("chart")
def chart(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help=".csv or .xlsx")],
    type_: Annotated[str, typer.Option("--type", help="xbar-r|xbar-s|i-mr|ewma|cusum|capability|p|np|c|u|pareto")],
    columns: Annotated[str, typer.Option(help="data columns, names or letters, comma-separated (default: every "
                                              "numeric column for X̄ charts, else the first)")] = "",
    subgroup_size: Annotated[int | None, typer.Option(help="group consecutive rows of one column")] = None,
    subgroup_column: Annotated[str | None, typer.Option(help="the column naming each row's subgroup")] = None,
    size_column: Annotated[str | None, typer.Option(help="sample sizes (p, np, u)")] = None,
    size: Annotated[float | None, typer.Option(help="a constant sample size (p, np, u)")] = None,
    category_column: Annotated[str | None, typer.Option(help="categories (Pareto)")] = None,
    lsl: Annotated[float | None, typer.Option(help="lower specification limit")] = None,
    usl: Annotated[float | None, typer.Option(help="upper specification limit")] = None,
    target: Annotated[float | None, typer.Option(help="target value")] = None,
    rules: Annotated[str, typer.Option(help="nelson (all eight) or we (Western Electric)")] = "nelson",
    out: Annotated[Path | None, typer.Option(help="prefix of the files written (default: FILE without suffix)")]
    = None,
    formats: Annotated[str, typer.Option("--format", help="comma-separated: svg,png,pdf")] = "svg,png,pdf",
    as_json: Annotated[bool, typer.Option("--json", help="print the whole result as JSON")] = False,
) -> None:
    """Chart a data file: key figures and signals are printed; the chart (SVG, PNG) and the one-page report (PDF)
    are written beside it."""
    from zhiliang.kernel.errors import invalid
    from zhiliang.tqm import render, report
    from zhiliang.tqm.analysis import Params, analyse
    from zhiliang.tqm.importing import read_table

    wanted = _split(formats)
    if bad := [f for f in wanted if f not in FORMATS]:
        raise invalid("tqm.format", f"未知的输出格式 {bad[0]}(可选 svg、png、pdf)",
                      f"unknown format {bad[0]!r} (svg, png, pdf)", "--format")
    prefix = out or file.with_suffix("")
    if not prefix.parent.is_dir():
        raise invalid("tqm.out", f"输出目录不存在:{prefix.parent}",
                      f"the output folder does not exist: {prefix.parent}", "--out")
    table = read_table(file, max_cells=None)
    chosen = _split(columns) or _default_columns(table, type_)
    params = Params(chart=type_, columns=chosen, subgroup_size=subgroup_size, subgroup_column=subgroup_column,
                    size_column=size_column, size=size, category_column=category_column, lsl=lsl, usl=usl,
                    target=target, rules=rules)
    result = analyse(table, params)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        _print(result)
    meta = [("文件 / file", f"{file.name} ({len(table.rows)} 行 / rows)")]
    writers = {"svg": lambda: render.svg(result), "png": lambda: render.png(result),
               "pdf": lambda: report.pdf(result, meta)}
    for fmt in wanted:
        target_path = Path(f"{prefix}.{fmt}")
        target_path.write_bytes(writers[fmt]())
        typer.echo(f"wrote {target_path}", err=as_json)


def _default_columns(table, chart: str) -> tuple[str, ...]:  # noqa: ANN001
    numeric = [c.name for c in table.columns if c.kind == "number"]
    if chart == "pareto":
        return ()
    if chart in ("xbar-r", "xbar-s"):
        return tuple(numeric)
    return tuple(numeric[:1])


def _print(result: dict) -> None:
    from zhiliang.tqm.report import signals

    zh, en = result["title"]
    typer.echo(f"{zh} / {en}: {len(result['labels'])} points")
    for zh, en, value in result["summary"]:
        shown = f"{value:.6g}" if isinstance(value, float) else value
        typer.echo(f"  {zh} / {en}: {shown}")
    found = signals(result)
    typer.echo(f"signals 判异: {len(found)}")
    for s in found[:20]:
        typer.echo(f"  point {s['label']} {s['rule']}: {s['text'][0]} / {s['text'][1]}")
    for zh, en in result["warnings"]:
        typer.echo(f"注意 / note: {zh} / {en}")


@tqm_app.command("aql")
def aql(
    lot: Annotated[int, typer.Option(help="lot size N")],
    aql_: Annotated[str, typer.Option("--aql", help="acceptance quality limit, e.g. 0.65")],
    level: Annotated[str, typer.Option(help="inspection level: S-1..S-4, I, II, III")] = "II",
    severity: Annotated[str, typer.Option(help="normal|tightened|reduced")] = "normal",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The GB/T 2828.1 (ISO 2859-1) single sampling plan for a lot: code letter, n, Ac, Re."""
    from zhiliang.tqm.analysis import sampling

    plan = sampling(lot, level, aql_, severity)
    if as_json:
        typer.echo(json.dumps(plan, ensure_ascii=False))
        return
    arrow = f" -> {plan['plan_letter']}" if plan["plan_letter"] != plan["code_letter"] else ""
    typer.echo(f"lot {lot}, level {level}, AQL {plan['aql']}, {severity}: code letter {plan['code_letter']}{arrow}, "
               f"n={plan['n']} Ac={plan['ac']} Re={plan['re']}" + (" (100%)" if plan["hundred_percent"] else ""))
    typer.echo(f"  P(accept)=95% at {plan['p95']:.4%}, 10% at {plan['p10']:.4%}")
