"""The one-page analysis report (分析报告): what was analysed, the charts, the key figures, the signals with the rule
each breaks, the capability indices with confidence intervals and the warnings — as the context of the HTML page and
as an A4 PDF page drawn by matplotlib (``PdfPages``, the shipped CJK font embedded as TrueType)."""

from __future__ import annotations

import io
from typing import Any

from zhiliang.tqm import render

RULE_TEXT = {
    "N1": ("1 点落在 3σ 控制限以外", "1 point beyond 3σ"),
    "N2": ("连续 9 点落在中心线同一侧", "9 points in a row on one side of the centre line"),
    "N3": ("连续 6 点递增或递减", "6 points in a row steadily increasing or decreasing"),
    "N4": ("连续 14 点中相邻点交替上下", "14 points in a row alternating up and down"),
    "N5": ("连续 3 点中有 2 点落在中心线同一侧的 2σ 以外", "2 of 3 points beyond 2σ on one side"),
    "N6": ("连续 5 点中有 4 点落在中心线同一侧的 1σ 以外", "4 of 5 points beyond 1σ on one side"),
    "N7": ("连续 15 点落在中心线两侧的 1σ 以内", "15 points in a row within 1σ on both sides"),
    "N8": ("连续 8 点落在中心线两侧且无一在 1σ 以内", "8 points in a row beyond 1σ on both sides"),
    "WE1": ("1 点落在 3σ 控制限以外", "1 point beyond 3σ"),
    "WE2": ("连续 3 点中有 2 点落在同侧 2σ 以外", "2 of 3 points beyond 2σ on one side"),
    "WE3": ("连续 5 点中有 4 点落在同侧 1σ 以外", "4 of 5 points beyond 1σ on one side"),
    "WE4": ("连续 8 点落在中心线同一侧", "8 points in a row on one side"),
    "EWMA": ("EWMA 统计量超出控制限", "EWMA statistic beyond its limits"),
    "CUSUM": ("累积和超过决策区间 h", "a CUSUM beyond the decision interval h"),
}
INDICES = ("cp", "cpl", "cpu", "cpk", "cpm", "pp", "ppl", "ppu", "ppk", "ppm")
MAX_SIGNALS = 12  # listed on the page; the JSON has them all


def signals(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Every (panel, point, rule) with the subgroup label and the rule's wording, in point order."""
    out = []
    for panel in result["panels"]:
        for index, rule in panel["violations"]:
            out.append({"panel": panel["name"], "point": index + 1, "label": result["labels"][index], "rule": rule,
                        "text": RULE_TEXT.get(rule, (rule, rule)), "value": panel["statistic"][index]})
    return sorted(out, key=lambda s: (s["point"], s["rule"]))


def capability_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    cap = result.get("capability")
    if not cap:
        return []
    return [{"name": key.capitalize(), **cap[key]} for key in INDICES if cap.get(key)]


def context(result: dict[str, Any]) -> dict[str, Any]:
    """What the report page shows beside the chart."""
    found = signals(result)
    return {"signals": found[:MAX_SIGNALS], "signals_total": len(found), "capability_rows": capability_rows(result),
            "summary": result["summary"], "warnings": result["warnings"], "rule_text": RULE_TEXT}


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _text_block(result: dict[str, Any], meta: list[tuple[str, str]]) -> list[str]:
    lines = [f"{label}: {value}" for label, value in meta]
    lines.append("")
    lines += [f"{zh} / {en}: {_fmt(value)}" for zh, en, value in result["summary"]]
    cap = capability_rows(result)
    if cap:
        lines.append("")
        level = result["capability"]["confidence"]
        lines.append(f"能力指数({level:.0%} 置信区间)/ capability indices ({level:.0%} confidence interval)")
        lines += [f"  {r['name']} = {r['value']:.3f}  [{r['lower']:.3f}, {r['upper']:.3f}]" for r in cap]
    found = signals(result)
    lines.append("")
    lines.append(f"判异 / signals: {len(found)}")
    lines += [f"  #{s['label']} {s['rule']}: {s['text'][0]} / {s['text'][1]}" for s in found[:MAX_SIGNALS]]
    if len(found) > MAX_SIGNALS:
        lines.append(f"  … 另有 {len(found) - MAX_SIGNALS} 处 / {len(found) - MAX_SIGNALS} more")
    for zh, en in result["warnings"]:
        lines.append(f"注意 / note: {zh} / {en}")
    return lines


def pdf(result: dict[str, Any], meta: list[tuple[str, str]], *, title: str | None = None) -> bytes:
    """The report as one A4 page: title, ``meta`` (label, value) lines, the charts, key figures and signals."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    heading = title or f"{render.bilingual(result['title'])} 分析报告 / report"
    out = io.BytesIO()
    with matplotlib.rc_context(render.style()):
        fig = Figure(figsize=(8.27, 11.69), layout="constrained")
        fig.suptitle(heading, fontsize=12)
        grid = fig.add_gridspec(2, 1, height_ratios=[1.5, 1])
        render.draw(fig, result, grid[0])
        ax = fig.add_subplot(grid[1])
        ax.axis("off")
        lines = _text_block(result, meta)[:48]
        ax.text(0, 1, "\n".join(lines), va="top", ha="left", fontsize=7, transform=ax.transAxes, linespacing=1.35)
        with PdfPages(out, metadata={"Title": heading, "Creator": "Zhiliang tqm", "CreationDate": None}) as pages:
            pages.savefig(fig)
    return out.getvalue()
