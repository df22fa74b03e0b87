"""Inline SVG charts for the HTML reports: drawn here, so the page needs no script or network."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04",
           "#db2777", "#4b5563", "#65a30d")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def esc(text: object) -> str:
    """HTML-escape anything: control characters and lone surrogates become U+FFFD."""
    s = str(text).encode("utf-8", "replace").decode("utf-8")
    return html.escape(_CONTROL.sub("\ufffd", s), quote=True)


@dataclass
class Series:
    name: str
    points: list[tuple[float, float]]
    color: str = PALETTE[0]
    step: bool = False  # hold each value until the next point
    dots: bool = False  # mark each point (evaluations)
    dashed: bool = False
    steps: list[int] | None = None  # the run step of each point: its dot links to #step-N
    until: float | None = None  # hold a step line to here (default: the chart's right edge)


@dataclass
class Marker:
    x: float
    label: str
    color: str = "#f59e0b"


@dataclass
class Chart:
    title: str
    x_label: str
    y_label: str
    series: list[Series]
    markers: list[Marker] = field(default_factory=list)
    y_min: float | None = None
    y_max: float | None = None
    x_min: float | None = None
    x_max: float | None = None
    width: int = 860
    height: int = 300
    percent: bool = False  # y values are shares, labelled as %


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    out: list[float] = []
    v = first
    while v <= hi + step * 1e-9:
        out.append(round(v, 10))
        v += step
    return out


def _fmt(v: float, percent: bool = False) -> str:
    if percent:
        return f"{v * 100:.0f}%"
    if abs(v) >= 1_000_000:
        return f"{v / 1_000_000:g}M" if v % 100_000 == 0 else f"{v / 1_000_000:.1f}M"
    if abs(v) >= 10000:
        return f"{v / 1000:.0f}k"
    if abs(v) >= 1000:
        return f"{v / 1000:.1f}k"
    return f"{v:g}" if v == int(v) else f"{v:.2f}"


def _thin(points: Sequence[T], limit: int = 2000) -> list[T]:
    """Keep at most ~limit points (every k-th plus the last): a page, not a data dump."""
    if len(points) <= limit:
        return list(points)
    k = math.ceil(len(points) / limit)
    out = list(points[::k])
    if out[-1] != points[-1]:
        out.append(points[-1])
    return out


#: Dots drawn (and linked to their steps) at most per series.
MAX_DOTS = 400


def line_chart(c: Chart) -> str:
    """One SVG line chart with axes, legend, optional step lines, dots and vertical markers."""
    pad_l, pad_r, pad_t, pad_b = 58, 16, PAD_T, 42
    w, h = c.width, c.height
    pw, ph = w - pad_l - pad_r, h - pad_t - pad_b
    xs = [x for s in c.series for x, _ in s.points] + [m.x for m in c.markers]
    ys = [y for s in c.series for _, y in s.points]
    x0 = c.x_min if c.x_min is not None else min(xs, default=0.0)
    x1 = c.x_max if c.x_max is not None else max(xs, default=1.0)
    y0 = c.y_min if c.y_min is not None else min(ys, default=0.0)
    y1 = c.y_max if c.y_max is not None else max(ys, default=1.0)
    if x1 <= x0:
        x1 = x0 + 1
    if y1 <= y0:
        y1 = y0 + 1

    def sx(x: float) -> float:
        return round(pad_l + (x - x0) / (x1 - x0) * pw, 2)

    def sy(y: float) -> float:
        return round(pad_t + ph - (y - y0) / (y1 - y0) * ph, 2)

    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
             f'width="{w}" height="{h}" role="img" aria-label="{esc(c.title)}">',
             f'<text x="{pad_l}" y="18" class="ct">{esc(c.title)}</text>']
    for t in _ticks(y0, y1):
        y = sy(t)
        parts.append(f'<line x1="{pad_l}" x2="{pad_l + pw}" y1="{y}" y2="{y}" class="grid"/>'
                     f'<text x="{pad_l - 6}" y="{y + 4}" class="tl" text-anchor="end">'
                     f'{_fmt(t, c.percent)}</text>')
    for t in _ticks(x0, x1, 8):
        x = sx(t)
        parts.append(f'<line x1="{x}" x2="{x}" y1="{pad_t + ph}" y2="{pad_t + ph + 4}" '
                     f'class="axis"/><text x="{x}" y="{pad_t + ph + 16}" class="tl" '
                     f'text-anchor="middle">{_fmt(t)}</text>')
    parts.append(f'<rect x="{pad_l}" y="{pad_t}" width="{pw}" height="{ph}" class="frame"/>')
    parts.append(f'<text x="{pad_l + pw / 2}" y="{h - 6}" class="al" text-anchor="middle">'
                 f'{esc(c.x_label)}</text><text x="14" y="{pad_t + ph / 2}" class="al" '
                 f'text-anchor="middle" transform="rotate(-90 14 {pad_t + ph / 2})">'
                 f'{esc(c.y_label)}</text>')
    for m in c.markers:
        x = sx(m.x)
        parts.append(f'<line x1="{x}" x2="{x}" y1="{pad_t}" y2="{pad_t + ph}" class="marker" '
                     f'stroke="{m.color}"><title>{esc(m.label)}</title></line>')
    for s in c.series:
        pts = _thin(s.points)
        if not pts:
            continue
        coords: list[str] = []
        prev_y: float | None = None
        for x, y in pts:
            if s.step and prev_y is not None:
                coords.append(f"{sx(x)},{sy(prev_y)}")
            coords.append(f"{sx(x)},{sy(y)}")
            prev_y = y
        end = x1 if s.until is None else min(x1, s.until)
        if s.step and pts[-1][0] < end:  # hold the last value to the run's (or chart's) end
            coords.append(f"{sx(end)},{sy(pts[-1][1])}")
        dash = ' stroke-dasharray="5 3"' if s.dashed else ""
        parts.append(f'<path class="series" d="M{" L".join(coords)}" stroke="{s.color}"{dash}>'
                     f'<title>{esc(s.name)}</title></path>')
        if s.dots:
            steps: list[int | None] = list(s.steps) if s.steps else [None] * len(s.points)
            marks = list(zip(s.points, steps, strict=True))
            for (x, y), step in _thin(marks, MAX_DOTS):
                value = _fmt(y, c.percent)
                dot = (f'<circle cx="{sx(x)}" cy="{sy(y)}" r="3" fill="{s.color}">'
                       f'<title>{esc(s.name)}: {value} at {_fmt(x)}'
                       f'{f" (step {step})" if step is not None else ""}</title></circle>')
                parts.append(f'<a href="#step-{int(step)}" class="pt">{dot}</a>'
                             if step is not None else dot)
    parts += _legend(c.series, pad_l, pad_t + ph)
    extra = _legend_height(len(c.series))
    if extra:  # a long legend sits below the plot: the chart grows for it
        parts[0] = parts[0].replace(f'viewBox="0 0 {w} {h}" width="{w}" height="{h}"',
                                    f'viewBox="0 0 {w} {h + extra}" width="{w}" '
                                    f'height="{h + extra}"')
    parts.append("</svg>")
    return "".join(parts)


PAD_T = 30
LEGEND_COL = 200
LEGEND_INSIDE = 10  # up to this many series, the legend sits in the plot's top-left corner


def _legend_height(n: int, cols: int = 4) -> int:
    return 0 if n <= LEGEND_INSIDE else math.ceil(n / cols) * 15 + 10


def _legend(series: Sequence[Series], pad_l: int, plot_bottom: float,
            cols: int = 4) -> list[str]:
    """Every series named: in the corner for a few, in columns below the plot for many."""
    parts: list[str] = []
    if len(series) <= LEGEND_INSIDE:
        lx = pad_l + 8
        if series:  # a pale backing so the legend stays readable over the lines
            longest = max(len(s.name) for s in series)
            parts.append(f'<rect x="{lx - 4}" y="{PAD_T + 2}" '
                         f'width="{24 + 6.2 * min(longest, 40)}" '
                         f'height="{len(series) * 15 + 4}" class="lgbg"/>')
        for i, s in enumerate(series):
            y = PAD_T + 14 + i * 15
            parts.append(f'<rect x="{lx}" y="{y - 8}" width="10" height="10" fill="{s.color}"/>'
                         f'<text x="{lx + 14}" y="{y + 1}" class="lg">{esc(s.name)}</text>')
        return parts
    for i, s in enumerate(series):
        x = pad_l + (i % cols) * LEGEND_COL
        ly = round(plot_bottom + 50 + (i // cols) * 15, 2)
        name = s.name if len(s.name) <= 30 else s.name[:29] + "…"
        parts.append(f'<rect x="{x}" y="{ly - 8}" width="10" height="10" fill="{s.color}"/>'
                     f'<text x="{x + 14}" y="{ly + 1}" class="lg">{esc(name)}'
                     f"<title>{esc(s.name)}</title></text>")
    return parts


@dataclass
class Band:
    """One bar of the step timeline."""

    label: str
    weight: float  # bar height as a share of the tallest
    fail_share: float  # the bottom part of the bar drawn red
    empty: bool = False  # no tool call: drawn grey

def timeline(bands: Sequence[Band], title: str, width: int = 860, height: int = 90) -> str:
    """A strip of bars, one per step (or bin of steps): green with failing calls in red."""
    pad_l, pad_r = 58, 16
    pw = width - pad_l - pad_r
    n = max(1, len(bands))
    bw = pw / n
    parts = [f'<svg class="chart timeline" xmlns="http://www.w3.org/2000/svg" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="{esc(title)}"><text x="{pad_l}" y="14" class="ct">{esc(title)}</text>']
    base = height - 10
    full = height - 30
    width_ = max(bw - (1 if bw > 3 else 0), 0.5)
    for i, b in enumerate(bands):
        bh = max(2.0, full * max(0.0, min(1.0, b.weight)))
        x = pad_l + i * bw
        fh = bh * max(0.0, min(1.0, b.fail_share))
        parts.append(f'<g><title>{esc(b.label)}</title><rect x="{x:.2f}" y="{base - bh:.2f}" '
                     f'width="{width_:.2f}" height="{bh:.2f}" '
                     f'fill="{"#d1d5db" if b.empty else "#22c55e"}"/>')
        if fh > 0:
            parts.append(f'<rect x="{x:.2f}" y="{base - fh:.2f}" width="{width_:.2f}" '
                         f'height="{fh:.2f}" fill="#ef4444"/>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
