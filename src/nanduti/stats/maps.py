"""A choropleth of Paraguay's 18 units as a schematic tile map (server-rendered SVG).

No open-licensed department boundaries could be had from the package registries (GADM
files may not be redistributed), so each unit is one square placed roughly where it
lies: the Chaco to the west, the north-east, the centre and the south. See
``stats/data/README.md`` for the source and licence of the layout.
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from pathlib import Path

from nanduti.taxonomy import vocab

LAYOUT_FILE = Path(__file__).resolve().parent / "data" / "paraguay_tiles.json"
# Sequential palette (light to dark), readable in print and by people with colour-blindness.
PALETTE = ["#fde0c5", "#facba6", "#f8b58b", "#f59e72", "#f2855d", "#ef6a4c", "#c8423b"]
EMPTY, HIDDEN = "#eeeeee", "#bdbdbd"
TILE, GAP = 84, 6


@cache
def layout() -> dict[str, dict]:
    return json.loads(LAYOUT_FILE.read_text(encoding="utf-8"))["tiles"]


def _colour(value: int, top: int) -> str:
    if top <= 0 or value <= 0:
        return EMPTY
    index = min(len(PALETTE) - 1, int((len(PALETTE) - 1) * value / top + 0.5))
    return PALETTE[max(1, index) if value else 0]


def tile_map_svg(values: dict, title: str = "", language: str = "es", mark: str = "—") -> str:
    """SVG map: ``values`` maps department codes to a count or to the suppression mark."""
    dv = vocab.get("department")
    es = not language.startswith("en")
    tiles = layout()
    numbers = [v for v in values.values() if isinstance(v, int)]
    top = max(numbers, default=0)
    cols = 1 + max(t["col"] for t in tiles.values())
    rows = 1 + max(t["row"] for t in tiles.values())
    width, height = cols * (TILE + GAP) + GAP, rows * (TILE + GAP) + GAP + 60
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tile-map" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{GAP}" y="{height - 40}" font-size="11" fill="#444">'
        + escape(
            "Mapa esquemático: un cuadro por departamento"
            if es
            else "Schematic tile map: one square per department"
        )
        + "</text>",
    ]
    for code, tile in tiles.items():
        value = values.get(code, 0)
        hidden = not isinstance(value, int)  # suppressed (the mark) or a small "<5"
        fill = HIDDEN if hidden else _colour(value, top)
        x, y = GAP + tile["col"] * (TILE + GAP), GAP + tile["row"] * (TILE + GAP)
        name = dv.label(code, language)
        shown = str(value)
        dark = not hidden and fill in PALETTE[4:]
        ink = "#ffffff" if dark else "#222222"
        out.append(
            f'<g class="tile" data-department="{code}" data-value="{escape(shown)}">'
            f"<title>{escape(name)}: {escape(shown)}</title>"
            f'<rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" rx="6" fill="{fill}"'
            f' stroke="#7a5c48" stroke-width="1"/>'
            f'<text x="{x + TILE / 2}" y="{y + 22}" text-anchor="middle" font-size="12"'
            f' font-weight="bold" fill="{ink}">{escape(tile["abbr"])}</text>'
            f'<text x="{x + TILE / 2}" y="{y + 52}" text-anchor="middle" font-size="20"'
            f' fill="{ink}">{escape(shown)}</text>'
            f'<text x="{x + TILE / 2}" y="{y + 72}" text-anchor="middle" font-size="9"'
            f' fill="{ink}">{escape(_short(name))}</text></g>'
        )
    lx, ly = GAP, height - 26
    for i, colour in enumerate(PALETTE):
        out.append(f'<rect x="{lx + i * 22}" y="{ly}" width="22" height="12" fill="{colour}"/>')
    out.append(
        f'<text x="{lx}" y="{ly + 24}" font-size="10" fill="#444">0</text>'
        f'<text x="{lx + 7 * 22}" y="{ly + 24}" font-size="10" fill="#444"'
        f' text-anchor="end">{top}</text>'
        f'<rect x="{lx + 7 * 22 + 16}" y="{ly}" width="22" height="12" fill="{HIDDEN}"/>'
        f'<text x="{lx + 7 * 22 + 42}" y="{ly + 10}" font-size="10" fill="#444">'
        + escape(f"{mark} suprimido" if es else f"{mark} suppressed")
        + "</text></svg>"
    )
    return "".join(out)


def _short(name: str) -> str:
    return name if len(name) <= 14 else name[:13] + "…"
