"""Charts of an analysis result as SVG and PNG, with Chinese and English labels, drawn by matplotlib (Agg) with no
network access.

PNG (and the PDF report) use the Noto Sans CJK SC subset shipped in ``data/fonts`` (SIL OFL 1.1; regenerate with
``data/fonts/regenerate.py``), registered with matplotlib's font manager at the first rendering, not at import. SVG
keeps text as text (``svg.fonttype = none``), so a browser draws it with its own fonts. Figures are built on
:class:`matplotlib.figure.Figure` objects, never through pyplot's global state, so concurrent requests do not
share a figure. matplotlib is imported inside the functions: importing this module costs nothing.
"""

from __future__ import annotations

import io
from functools import cache
from importlib.resources import files
from typing import Any

FONT_FILE = "NotoSansSC-zhiliang.ttf"
MANY_POINTS = 300  # above this, points are drawn as a line without markers
COLORS = {"line": "#1f4e79", "limit": "#b22222", "center": "#2e7d32", "signal": "#d62728", "bar": "#4f81bd"}


@cache
def font_family() -> str:
    """Register the shipped CJK font with matplotlib (once) and return its family name."""
    from matplotlib import font_manager

    path = str(files("zhiliang.tqm") / "data" / "fonts" / FONT_FILE)
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def style() -> dict[str, Any]:
    """matplotlib settings for our figures: the CJK font first, DejaVu Sans for what it lacks (combining marks)."""
    return {"font.family": "sans-serif", "font.sans-serif": [font_family(), "DejaVu Sans"],
            "axes.unicode_minus": False, "svg.fonttype": "none", "pdf.fonttype": 42, "font.size": 9,
            "svg.hashsalt": "zhiliang"}


def bilingual(pair: Any) -> str:
    zh, en = pair
    return zh if zh == en else f"{zh} / {en}"


def _points(ax: Any, y: list[Any], color: str) -> None:
    x = range(1, len(y) + 1)
    many = len(y) > MANY_POINTS
    ax.plot(x, [float("nan") if v is None else v for v in y], color=color, lw=0.7 if many else 1.0,
            marker=None if many else "o", ms=3)


def _steps(ax: Any, y: list[Any], color: str, style_: str, label: str) -> None:
    values = [float("nan") if v is None else v for v in y]
    if len(set(v for v in values if v == v)) <= 1:
        value = next((v for v in values if v == v), None)
        if value is not None:
            ax.axhline(value, color=color, ls=style_, lw=1)
            ax.annotate(f"{label} {value:.4g}", xy=(1.0, value), xycoords=("axes fraction", "data"), xytext=(3, 0),
                        textcoords="offset points", va="center", fontsize=7, color=color)
        return
    ax.step(range(1, len(values) + 1), values, where="mid", color=color, ls=style_, lw=1)


def draw_panel(ax: Any, panel: dict[str, Any], labels: list[str]) -> None:
    """One control chart on ``ax``: the statistic, centre line, limits, and signalling points in red."""
    _points(ax, panel["statistic"], COLORS["line"])
    if "lower" in panel:
        _points(ax, panel["lower"], COLORS["line"])
    _steps(ax, panel["ucl"], COLORS["limit"], "--", "UCL")
    _steps(ax, panel["center"], COLORS["center"], "-", "CL")
    _steps(ax, panel["lcl"], COLORS["limit"], "--", "LCL")
    signals = sorted({v[0] for v in panel["violations"]})
    if signals:
        ax.plot([i + 1 for i in signals], [panel["statistic"][i] for i in signals], ls="none", marker="o",
                ms=5, mfc="none", mec=COLORS["signal"], mew=1.5)
    ax.set_ylabel(bilingual(panel["name"]))
    ax.grid(alpha=0.3)
    if len(labels) <= 30:
        ax.set_xticks(range(1, len(labels) + 1), labels, fontsize=6, rotation=90 if len(labels) > 15 else 0)


def draw_histogram(ax: Any, values: list[float], cap: dict[str, Any]) -> None:
    """Histogram of the values with the specification limits and the fitted normal curve (within σ)."""
    import numpy as np

    ax.hist(values, bins="auto", color=COLORS["bar"], alpha=0.7, density=True)
    mean, sigma = cap["mean"], cap["sigma_within"]
    lo = min([min(values)] + [v for v in (cap["lsl"],) if v is not None])
    hi = max([max(values)] + [v for v in (cap["usl"],) if v is not None])
    xs = np.linspace(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo), 200)
    ax.plot(xs, np.exp(-0.5 * ((xs - mean) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi)), color=COLORS["line"])
    for key, label in (("lsl", "LSL"), ("usl", "USL"), ("target", "T")):
        if cap.get(key) is not None:
            ax.axvline(cap[key], color=COLORS["limit"] if key != "target" else COLORS["center"], ls="--")
            ax.annotate(f"{label} {cap[key]:.4g}", xy=(cap[key], 1.0), xycoords=("data", "axes fraction"),
                        xytext=(2, -10), textcoords="offset points", fontsize=7)
    ax.set_ylabel("密度 / density")
    ax.grid(alpha=0.3)


def draw_pareto(ax: Any, table: dict[str, Any]) -> None:
    """Bars by descending frequency with the cumulative percentage on a second axis."""
    rows = table["rows"]
    x = range(1, len(rows) + 1)
    ax.bar(x, [r["freq"] for r in rows], color=COLORS["bar"])
    ax.set_xticks(list(x), [r["category"] for r in rows], rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("频数 / frequency")
    twin = ax.twinx()
    twin.plot(list(x), [r["cum_pct"] for r in rows], color=COLORS["limit"], marker="o", ms=3)
    twin.axhline(table["threshold"], color=COLORS["center"], ls=":", lw=1)
    twin.set_ylim(0, 105)
    twin.set_ylabel("累计百分比 / cumulative %")


def axes_count(result: dict[str, Any]) -> int:
    return len(result["panels"]) + (1 if result.get("capability") else 0) + (1 if result.get("pareto") else 0)


def draw(fig: Any, result: dict[str, Any], spec: Any = None) -> None:
    """Draw every part of ``result`` on ``fig`` (or inside the gridspec cell ``spec``), one row each."""
    count = axes_count(result)
    grid = spec.subgridspec(count, 1) if spec is not None else fig.add_gridspec(count, 1)
    row = 0
    for panel in result["panels"]:
        ax = fig.add_subplot(grid[row])
        draw_panel(ax, panel, result["labels"])
        row += 1
    if result["panels"]:
        ax.set_xlabel(bilingual(result.get("label_kind") or ("子组", "subgroup")))
    if result.get("capability"):
        draw_histogram(fig.add_subplot(grid[row]), result["values"], result["capability"])
        row += 1
    if result.get("pareto"):
        draw_pareto(fig.add_subplot(grid[row]), result["pareto"])


def figure(result: dict[str, Any], title: str | None = None) -> Any:
    from matplotlib.figure import Figure

    count = axes_count(result)
    fig = Figure(figsize=(8, 0.6 + 2.2 * count), layout="constrained")
    fig.suptitle(title or bilingual(result["title"]), fontsize=11)
    draw(fig, result)
    return fig


def _save(result: dict[str, Any], fmt: str, title: str | None, **kw: Any) -> bytes:
    import matplotlib

    with matplotlib.rc_context(style()):
        fig = figure(result, title)
        out = io.BytesIO()
        fig.savefig(out, format=fmt, **kw)
    return out.getvalue()


def svg(result: dict[str, Any], title: str | None = None) -> bytes:
    """The charts as SVG, text kept as text (``metadata`` without a date, so the same result gives the same bytes)."""
    return _save(result, "svg", title, metadata={"Date": None})


def png(result: dict[str, Any], title: str | None = None, *, dpi: int = 120) -> bytes:
    """The charts as PNG, Chinese labels drawn with the shipped CJK font."""
    return _save(result, "png", title, dpi=dpi)
