"""The bench's chart as a small, self-contained SVG: ratios per scale, and growth with length.

Left: each measure's ratio to its yardstick (bars) against its target (a tick), per scale.
Right: seconds against length (1x, 10x, 40x, logarithmic both ways) for the pipeline's
PDF and EPUB and for bare WeasyPrint and Pandoc; a line parallel to the dotted one grows
linearly with the length.
"""

from __future__ import annotations

import math
from html import escape

WIDTH, HEIGHT = 980, 420
COLOURS = {"PDF": "#1f5f8b", "EPUB": "#8b4a1f", "memory": "#4a7d3a"}
LINES = {"pipeline PDF": ("#1f5f8b", "pdf", "pipeline"), "bare weasyprint": ("#1f5f8b", "pdf", "peer"),
         "pipeline EPUB": ("#8b4a1f", "epub", "pipeline"), "Pandoc EPUB": ("#8b4a1f", "epub", "peer")}


def _ratios(results: dict) -> dict[str, dict[str, tuple[float, float]]]:
    """scale -> label -> (ratio, target)."""
    from engines import verdict  # the targets live with the measurements

    out = {}
    for scale_name, r in sorted(results["scales"].items(), key=lambda item: _length(item[0])):
        scale = int(scale_name.rstrip("x"))
        out[scale_name] = {
            "PDF": (r["pdf"]["ratio"], verdict("pdf", scale, 0)[0]),
            "EPUB": (r["epub"]["ratio"], verdict("epub", scale, 0)[0]),
            "memory": (r["pdf"]["pipeline_mib"] / r["pdf"]["peer_mib"], verdict("memory", scale, 0)[0]),
        }
    return out


def _bars(results: dict) -> list[str]:
    ratios = _ratios(results)
    left, top, width, height = 60, 50, 420, 300
    top_value = max(2.0, max(max(r, t) for per in ratios.values() for r, t in per.values()) * 1.1)
    y = lambda v: top + height - v / top_value * height  # noqa: E731
    parts = [f'<text x="{left}" y="30" class="h">Ratio to the yardstick (lower is better; tick = target)</text>']
    for value in (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0):
        if value <= top_value:
            parts.append(f'<line x1="{left}" x2="{left + width}" y1="{y(value):.1f}" y2="{y(value):.1f}" class="grid"/>'
                         f'<text x="{left - 6}" y="{y(value) + 4:.1f}" class="axis" text-anchor="end">{value:g}×</text>')
    group = width / max(1, len(ratios))
    bar = group / (len(COLOURS) + 1)
    for g, (scale, per) in enumerate(ratios.items()):
        x0 = left + g * group + bar / 2
        for b, (label, (ratio, target)) in enumerate(per.items()):
            x = x0 + b * bar
            parts.append(f'<rect x="{x:.1f}" y="{y(ratio):.1f}" width="{bar - 2:.1f}" '
                         f'height="{top + height - y(ratio):.1f}" fill="{COLOURS[label]}">'
                         f'<title>{escape(scale)} {escape(label)}: {ratio:.2f}× (target {target:g}×)</title></rect>'
                         f'<line x1="{x - 1:.1f}" x2="{x + bar - 1:.1f}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
                         'class="target"/>')
        parts.append(f'<text x="{left + g * group + group / 2:.1f}" y="{top + height + 18}" class="axis" '
                     f'text-anchor="middle">{escape(scale)}</text>')
    for i, (label, colour) in enumerate(COLOURS.items()):
        parts.append(f'<rect x="{left + i * 84}" y="{top + height + 32}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{left + i * 84 + 14}" y="{top + height + 41}" class="axis">{escape(label)}</text>')
    return parts


def _growth(results: dict) -> list[str]:
    left, top, width, height = 580, 50, 360, 300
    scales = sorted(_length(s) for s in results["scales"])
    values = [results["scales"][f"{s}x"][key][side] for s in scales for _, key, side in LINES.values()]
    lo, hi = math.log10(min(values) * 0.8), math.log10(max(values) * 1.25)
    smin, smax = math.log10(min(scales)), math.log10(max(max(scales), 2))
    x = lambda s: left + (math.log10(s) - smin) / (smax - smin or 1) * width  # noqa: E731
    y = lambda v: top + height - (math.log10(v) - lo) / (hi - lo or 1) * height  # noqa: E731
    parts = [f'<text x="{left}" y="30" class="h">Seconds against length (log–log)</text>']
    for s in scales:
        parts.append(f'<line x1="{x(s):.1f}" x2="{x(s):.1f}" y1="{top}" y2="{top + height}" class="grid"/>'
                     f'<text x="{x(s):.1f}" y="{top + height + 18}" class="axis" text-anchor="middle">{s}×</text>')
    for decade in range(math.floor(lo), math.ceil(hi) + 1):
        for mult in (1, 3):
            v = mult * 10 ** decade
            if lo <= math.log10(v) <= hi:
                parts.append(f'<line x1="{left}" x2="{left + width}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
                             f'<text x="{left - 6}" y="{y(v) + 4:.1f}" class="axis" text-anchor="end">{v:g} s</text>')
    for i, (label, (colour, key, side)) in enumerate(LINES.items()):
        points = [(x(s), y(results["scales"][f"{s}x"][key][side])) for s in scales]
        dash = ' stroke-dasharray="6 4"' if side == "peer" else ""
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} points="'
                     + " ".join(f"{px:.1f},{py:.1f}" for px, py in points) + f'"><title>{escape(label)}</title></polyline>')
        parts.append(f'<line x1="{left + (i % 2) * 180}" x2="{left + (i % 2) * 180 + 24}" '
                     f'y1="{top + height + 36 + (i // 2) * 16}" y2="{top + height + 36 + (i // 2) * 16}" '
                     f'stroke="{colour}" stroke-width="2"{dash}/>'
                     f'<text x="{left + (i % 2) * 180 + 30}" y="{top + height + 40 + (i // 2) * 16}" '
                     f'class="axis">{escape(label)}</text>')
    # Linear growth from the smallest scale's pipeline PDF time, for comparison.
    base = results["scales"][f"{scales[0]}x"]["pdf"]["pipeline"]
    parts.append(f'<polyline fill="none" stroke="#888" stroke-dasharray="2 3" points="'
                 + " ".join(f"{x(s):.1f},{y(base * s / scales[0]):.1f}" for s in scales
                            if lo <= math.log10(base * s / scales[0]) <= hi) + '"><title>linear growth</title></polyline>')
    return parts


def _length(scale_name: str) -> int:
    """'10x' -> 10: scales in order of length (results.json keeps its keys sorted as text)."""
    return int(scale_name.rstrip("x"))


def draw_chart(results: dict) -> str:
    body = _bars(results) + _growth(results)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="t">\n'
            '<title id="t">press benchmark: ratios to WeasyPrint and Pandoc, and growth with length</title>\n'
            # Longhand font properties: some SVG renderers (WeasyPrint) misread the `font` shorthand.
            '<style>.h{font-weight:600;font-size:14px;font-family:sans-serif}'
            '.axis{font-size:11px;font-family:sans-serif;fill:#333}'
            '.grid{stroke:#ddd}.target{stroke:#c00;stroke-width:2}</style>\n'
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>\n' + "\n".join(body) + "\n</svg>\n")
