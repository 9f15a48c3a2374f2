"""Server-side SVG charts of pass rates and failing items: a bar chart with the 95 % Wilson interval of each bar,
a trend line with its interval band, and a Pareto chart (bars by frequency, cumulative percentage line).

Written by hand rather than through matplotlib (``zhiliang.tqm.render``): these are a few rectangles and lines,
the page inlines them (no request, no script, no network), and plain SVG renders in well under a millisecond where
a matplotlib figure takes tens. Text is escaped; the output is deterministic for the same input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

WIDTH = 640
BLUE, GREY, RED, GREEN, INK = "#1f4e79", "#9aa7b5", "#b22222", "#2e7d32", "#333"


@dataclass(frozen=True)
class Bar:
    label: str
    rate: float  # 0..1
    low: float
    high: float
    unstable: bool = False
    note: str = ""  # shown on hover (the number of batches …)


def _svg(height: int, title: str, body: list[str], testid: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
            f'data-testid={quoteattr(testid)} style="max-width:{WIDTH}px;font-family:sans-serif" '
            f'aria-label={quoteattr(title)}><title>{escape(title)}</title>{"".join(body)}</svg>')


def _text(x: float, y: float, text: str, size: int = 11, anchor: str = "start", fill: str = INK) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}">{escape(text)}</text>')


def rate_bars(bars: Sequence[Bar], title: str, *, legend: str = "") -> str:
    """Horizontal bars of pass rates (0–100 %), each with its interval as a whisker; unstable rates are drawn
    grey and marked with an asterisk."""
    left, right, row = 170, 60, 24
    height = 44 + row * max(1, len(bars)) + (18 if legend else 0)
    span = WIDTH - left - right
    body = [_text(8, 18, title, 13)]
    for pct in (0, 50, 100):
        x = left + span * pct / 100
        body.append(f'<line x1="{x:.1f}" y1="26" x2="{x:.1f}" y2="{height - 14 - (18 if legend else 0)}" '
                    f'stroke="#ddd"/>')
        body.append(_text(x, 36 + row * max(1, len(bars)) + 6, f"{pct}%", 9, "middle"))
    for n, bar in enumerate(bars):
        y = 30 + n * row
        color = GREY if bar.unstable else BLUE
        label = bar.label[:22] + ("*" if bar.unstable else "")
        body.append(_text(left - 6, y + 13, label, 11, "end"))
        body.append(f'<rect x="{left}" y="{y + 3}" width="{span * bar.rate:.1f}" height="{row - 8}" fill="{color}">'
                    f'<title>{escape(f"{bar.label} {bar.rate:.1%} ({bar.low:.1%}–{bar.high:.1%}) {bar.note}")}'
                    f'</title></rect>')
        lo, hi, mid = left + span * bar.low, left + span * bar.high, y + row / 2 - 1
        body.append(f'<path d="M{lo:.1f} {mid:.1f}H{hi:.1f}M{lo:.1f} {mid - 4:.1f}V{mid + 4:.1f}'
                    f'M{hi:.1f} {mid - 4:.1f}V{mid + 4:.1f}" stroke="{INK}" fill="none"/>')
        body.append(_text(left + span + 4, y + 13, f"{bar.rate:.1%}", 10))
    if legend:
        body.append(_text(8, height - 6, legend, 10, fill="#666"))
    return _svg(height, title, body, "chart-bars")


def trend(points: Sequence[Bar], title: str) -> str:
    """A pass rate over periods: the line, a dot per period (hollow when unstable) and the interval as a band."""
    height, left, right, top, bottom = 240, 46, 20, 28, 40
    span_x, span_y = WIDTH - left - right, height - top - bottom
    body = [_text(8, 18, title, 13)]
    for pct in (0, 50, 100):
        y = top + span_y * (1 - pct / 100)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="#ddd"/>')
        body.append(_text(left - 4, y + 4, f"{pct}%", 9, "end"))
    if points:
        step = span_x / max(1, len(points) - 1) if len(points) > 1 else 0
        xs = [left + (step * n if len(points) > 1 else span_x / 2) for n in range(len(points))]

        def ys(v: float) -> float:
            return top + span_y * (1 - v)

        band = [f"{x:.1f},{ys(p.high):.1f}" for x, p in zip(xs, points, strict=True)]
        band += [f"{x:.1f},{ys(p.low):.1f}" for x, p in reversed(list(zip(xs, points, strict=True)))]
        body.append(f'<polygon points="{" ".join(band)}" fill="{BLUE}" fill-opacity="0.15"/>')
        line = " ".join(f"{x:.1f},{ys(p.rate):.1f}" for x, p in zip(xs, points, strict=True))
        body.append(f'<polyline points="{line}" fill="none" stroke="{BLUE}" stroke-width="2"/>')
        for x, p in zip(xs, points, strict=True):
            fill = "#fff" if p.unstable else BLUE
            body.append(f'<circle cx="{x:.1f}" cy="{ys(p.rate):.1f}" r="4" fill="{fill}" stroke="{BLUE}">'
                        f'<title>{escape(f"{p.label} {p.rate:.1%} ({p.low:.1%}–{p.high:.1%}) {p.note}")}</title>'
                        f'</circle>')
            body.append(_text(x, height - bottom + 16, p.label, 9, "middle"))
    return _svg(height, title, body, "chart-trend")


def pareto(table: dict | None, title: str, *, top: int = 12) -> str:
    """The Pareto chart of ``tqm.pareto.pareto(...).to_dict()``: bars by descending frequency (the first ``top``),
    the cumulative percentage as a red line, the threshold (80 %) dotted."""
    height, left, right, upper, bottom = 280, 40, 40, 28, 90
    span_x, span_y = WIDTH - left - right, height - upper - bottom
    body = [_text(8, 18, title, 13)]
    rows = (table or {}).get("rows", [])[:top]
    if not rows:
        body.append(_text(WIDTH / 2, height / 2, "—", 14, "middle"))
        return _svg(height, title, body, "chart-pareto")
    most = max(r["freq"] for r in rows) or 1
    width = span_x / len(rows)
    points = []
    for n, r in enumerate(rows):
        x = left + n * width
        h = span_y * r["freq"] / most
        body.append(f'<rect x="{x + 3:.1f}" y="{upper + span_y - h:.1f}" width="{width - 6:.1f}" height="{h:.1f}" '
                    f'fill="{BLUE}"><title>{escape(str(r["category"]))}: {r["freq"]}</title></rect>')
        cx = x + width / 2
        body.append(f'<text x="{cx:.1f}" y="{upper + span_y + 12:.1f}" font-size="9" text-anchor="end" '
                    f'transform="rotate(-40 {cx:.1f} {upper + span_y + 12:.1f})">{escape(str(r["category"])[:16])}'
                    f'</text>')
        points.append(f"{cx:.1f},{upper + span_y * (1 - r['cum_pct'] / 100):.1f}")
    threshold = upper + span_y * (1 - float(table.get("threshold", 80)) / 100)
    body.append(f'<line x1="{left}" y1="{threshold:.1f}" x2="{WIDTH - right}" y2="{threshold:.1f}" '
                f'stroke="{GREEN}" stroke-dasharray="3 3"/>')
    body.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{RED}" stroke-width="2"/>')
    body.append(_text(left - 4, upper + 8, str(most), 9, "end"))
    body.append(_text(WIDTH - right + 4, upper + 8, "100%", 9))
    return _svg(height, title, body, "chart-pareto")
