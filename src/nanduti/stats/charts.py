"""Bar and line charts as server-rendered SVG: no JavaScript, nothing from a CDN."""

from __future__ import annotations

from html import escape

COLOURS = ["#8c2d19", "#d9822b", "#3b6e8f", "#6a994e", "#7b4b94", "#c4a000", "#555555", "#b5651d"]


def nice_ticks(top: int, most: int = 6) -> list[int]:
    """Round axis ticks from 0 to at least ``top``: steps of 1, 2 or 5 × 10ⁿ, at most
    ``most`` of them (0, 5, 10, 15 rather than only 0 and 13)."""
    if top <= 0:
        return [0, 1]
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step * (most - 1) >= top:
                size = factor * step
                last = -(-top // size) * size
                return list(range(0, last + 1, size))
        step *= 10


def bar_chart_svg(labels: list[str], values: list, title: str = "", mark: str = "—") -> str:
    """Horizontal bars over a scale with round ticks; a suppressed value leaves a gap in its
    row, marked ``mark``, never a bar that could be read as a count."""
    numbers = [v for v in values if isinstance(v, int)]
    ticks = nice_ticks(max(numbers, default=0))
    top = ticks[-1]
    row, left, width = 24, 190, 640
    plot = 10 + row * len(labels)
    height = plot + 30
    span = width - left - 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bar-chart" viewBox="0 0 {width}'
        f' {height}" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in ticks:
        tx = left + span * tick / top
        out.append(
            f'<line class="tick" x1="{tx:.1f}" y1="6" x2="{tx:.1f}" y2="{plot}" stroke="#ddd"/>'
            f'<text x="{tx:.1f}" y="{plot + 16}" text-anchor="middle" font-size="11">{tick}</text>'
        )
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 10 + i * row
        out.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"{escape(_short(label, 28))}</text>"
        )
        if isinstance(value, int):
            w = max(1, int(span * value / top)) if value else 0
            out.append(
                f'<rect x="{left}" y="{y + 3}" width="{w}" height="16" fill="{COLOURS[0]}"/>'
                f'<text x="{left + w + 6}" y="{y + 15}" font-size="12">{value}</text>'
            )
        else:
            out.append(
                f'<text class="gap" x="{left + 6}" y="{y + 15}" font-size="12" fill="#555">'
                f"{escape(str(value))}</text>"
            )
    out.append(f'<line x1="{left}" y1="6" x2="{left}" y2="{plot}" stroke="#999"/></svg>')
    return "".join(out)


def line_chart_svg(years: list, series: dict[str, list], title: str = "") -> str:
    """One line per series over the years; a suppressed point is a gap in its line."""
    width, height, left, bottom, top_pad = 640, 300, 50, 40, 20
    numbers = [v for vs in series.values() for v in vs if isinstance(v, int)]
    ticks = nice_ticks(max(numbers, default=0))
    top = ticks[-1]
    span_x, span_y = width - left - 150, height - bottom - top_pad

    def x(i: int) -> float:
        return left + (span_x * i / max(1, len(years) - 1))

    def y(v: int) -> float:
        return top_pad + span_y * (1 - v / top)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart line-chart" viewBox="0 0 {width}'
        f' {height}" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{y(0)}" x2="{left + span_x}" y2="{y(0)}" stroke="#999"/>',
    ]
    for tick in ticks:
        out.append(
            f'<line class="tick" x1="{left}" y1="{y(tick):.1f}" x2="{left + span_x}"'
            f' y2="{y(tick):.1f}" stroke="#e3e3e3"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11">'
            f"{tick}</text>"
        )
    step = max(1, -(-len(years) // 12))  # at most ~12 labels on the axis
    for i, year in enumerate(years):
        if i % step and i != len(years) - 1:
            continue
        out.append(
            f'<text x="{x(i)}" y="{height - bottom + 18}" text-anchor="middle" font-size="11">'
            f"{escape(str(year))}</text>"
        )
    for k, (name, values) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        points = [(x(i), y(v)) for i, v in enumerate(values) if isinstance(v, int)]
        # A hidden point breaks the line: one polyline per run of shown points, a gap between.
        runs: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(values):
            if isinstance(v, int):
                runs[-1].append((x(i), y(v)))
            elif runs[-1]:
                runs.append([])
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{px:.1f},{py:.1f}" for px, py in run)
                out.append(
                    f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
                )
        for px, py in points:
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{colour}"/>')
        ly = top_pad + 18 * k
        out.append(
            f'<rect x="{width - 140}" y="{ly}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{width - 122}" y="{ly + 10}" font-size="11">'
            f"{escape(_short(name, 20))}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
