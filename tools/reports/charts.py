"""Inline SVG charts for the reports: values over sessions, one line per series, and a
dot plot of a cohort. SVG inline keeps the page one file that any browser draws and
prints, with no plotting dependency; every text drawn is escaped."""

from __future__ import annotations

import html

e = html.escape
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#b07aa1",
    "#76b7b2",
    "#9c755f",
    "#edc948",
    "#bab0ac",
    "#ff9da7",
)


def line_chart(
    series: dict[str, list[tuple[int, float]]],
    x_labels: list[str],
    y_low: float,
    y_high: float,
    y_title: str,
    *,
    shade_below: float | None = None,
    line_at: float | None = None,
    line_label: str = "",
    whole: bool = True,
    width: int = 900,
    height: int = 260,
) -> str:
    """Points (x index into x_labels, y) joined per series, with a legend. `shade_below`
    tints the not-acceptable band; `line_at` draws a dashed standard line."""
    left, right, top, bottom = 56, 170, 14, 46
    pw, ph = width - left - right, height - top - bottom
    n = max(len(x_labels), 1)
    span = (y_high - y_low) or 1.0

    def x(i: float) -> float:
        return left + (pw * (i + 0.5) / n)

    def y(v: float) -> float:
        return top + ph * (1 - (min(max(v, y_low), y_high) - y_low) / span)

    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="sans-serif" role="img" aria-label="{e(y_title)}">',
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#fafafa" stroke="#ccc"/>',
    ]
    if shade_below is not None and shade_below > y_low:
        y0 = y(shade_below)
        out.append(
            f'<rect x="{left}" y="{y0:.1f}" width="{pw}" height="{top + ph - y0:.1f}" '
            'fill="#fdecea"><title>below the standard</title></rect>'
        )
    if whole:
        ticks = [float(v) for v in range(int(y_low), int(y_high) + 1)]
    else:
        step = _nice_step(span / 5)
        ticks = [y_low + k * step for k in range(int(span / step) + 1)]
    for v in ticks:
        out.append(
            f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + pw}" y2="{y(v):.1f}" stroke="#e4e4e4"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#555">{v:g}</text>'
        )
    if line_at is not None:
        out.append(
            f'<line x1="{left}" y1="{y(line_at):.1f}" x2="{left + pw}" y2="{y(line_at):.1f}" '
            f'stroke="#b3261e" stroke-dasharray="5,3"/><text x="{left + pw - 4}" '
            f'y="{y(line_at) - 4:.1f}" font-size="10" text-anchor="end" fill="#b3261e">'
            f"{e(line_label)}</text>"
        )
    every = max(1, round(n / 12))  # at most about a dozen labels
    for i, label in enumerate(x_labels):
        if i % every == 0:
            out.append(
                f'<text x="{x(i):.1f}" y="{top + ph + 16}" font-size="10" text-anchor="middle" '
                f'fill="#555">{e(label)}</text>'
            )
    out.append(
        f'<text x="14" y="{top + ph / 2:.1f}" font-size="11" fill="#333" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + ph / 2:.1f})">{e(y_title)}</text>'
    )
    for k, (name, points) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        pts = sorted(points)
        if len(pts) > 1:
            path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in pts)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for i, v in pts:
            out.append(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" fill="{colour}">'
                f"<title>{e(name)}: {v:g} ({e(x_labels[i] if i < len(x_labels) else '')})"
                "</title></circle>"
            )
        ly = top + 6 + 16 * k
        if ly < height - 8:
            out.append(
                f'<rect x="{left + pw + 12}" y="{ly}" width="10" height="10" fill="{colour}"/>'
                f'<text x="{left + pw + 26}" y="{ly + 9}" font-size="11" fill="#333">'
                f"{e(_short(name, 24))}</text>"
            )
    if not any(series.values()):
        out.append(
            f'<text x="{left + pw / 2}" y="{top + ph / 2}" font-size="13" fill="#777" '
            'text-anchor="middle">no data yet</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def dot_plot(
    rows: list[tuple[str, list[tuple[str, float]]]],
    x_low: float,
    x_high: float,
    *,
    standard: float | None = None,
    width: int = 900,
) -> str:
    """One row per category (a competency), a dot per member (name, value) and a bar at
    the median: a cohort's spread at a glance."""
    left, right, row_h, top = 220, 30, 28, 10
    pw = width - left - right
    height = top + row_h * max(len(rows), 1) + 30
    span = (x_high - x_low) or 1.0

    def x(v: float) -> float:  # 14 px in from the labels: a dot at the lowest level clears them
        return left + 14 + (pw - 14) * (min(max(v, x_low), x_high) - x_low) / span

    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'font-family="sans-serif" role="img" aria-label="cohort levels">'
    ]
    if standard is not None:
        out.append(
            f'<rect x="{left}" y="{top}" width="{x(standard) - left:.1f}" '
            f'height="{row_h * len(rows)}" fill="#fdecea"/>'
        )
    for v in range(int(x_low), int(x_high) + 1):
        out.append(
            f'<line x1="{x(v):.1f}" y1="{top}" x2="{x(v):.1f}" y2="{top + row_h * len(rows)}" '
            f'stroke="#e4e4e4"/><text x="{x(v):.1f}" y="{top + row_h * len(rows) + 16}" '
            f'font-size="11" text-anchor="middle" fill="#555">{v}</text>'
        )
    for r, (label, members) in enumerate(rows):
        cy = top + row_h * r + row_h / 2
        out.append(
            f'<text x="{left - 8}" y="{cy + 4:.1f}" font-size="12" text-anchor="end" '
            f'fill="#333">{e(_short(label, 30))}</text>'
        )
        values = sorted(v for _, v in members)
        if values:
            mid = (
                values[len(values) // 2]
                if len(values) % 2
                else sum(values[len(values) // 2 - 1 : len(values) // 2 + 1]) / 2
            )
            out.append(
                f'<line x1="{x(mid):.1f}" y1="{cy - 10:.1f}" x2="{x(mid):.1f}" '
                f'y2="{cy + 10:.1f}" stroke="#222" stroke-width="3"><title>median {mid:g}'
                "</title></line>"
            )
        seen: dict[float, int] = {}
        for name, v in members:
            k = seen[v] = seen.get(v, -1) + 1  # equal values side by side, not on top
            out.append(
                f'<circle cx="{x(v) + 7 * k:.1f}" cy="{cy:.1f}" r="5" fill="{PALETTE[0]}" '
                f'fill-opacity="0.75"><title>{e(name)}: {v:g}</title></circle>'
            )
    out.append("</svg>")
    return "\n".join(out)


def _nice_step(raw: float) -> float:
    for step in (0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100):
        if step >= raw:
            return step
    return 100.0


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
