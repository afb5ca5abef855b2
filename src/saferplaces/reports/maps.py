"""Maps drawn as SVG from boundaries in British National Grid, with no tiles and no network.

BNG is already a flat projection in metres, so a map is the boundary coordinates scaled to the
page with y flipped (SVG's y runs down). Every map has a scale bar, a north arrow (grid north,
within a degree or two of true north in England), a legend and the OS/ONS attribution.

Word gets PNG copies rasterised from the same SVG by vl-convert's ``svg_to_png`` (resvg, bundled
with vl-convert, no system libraries), so Word and PDF show the same map; WeasyPrint draws SVG
but does not produce images.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from shapely.geometry.base import BaseGeometry

from saferplaces.assessment import model as m
from saferplaces.reports import fmt
from saferplaces.reports.blocks import Figure
from saferplaces.reports.boundaries import LSOA_ATTRIBUTION, AreaGeometry
from saferplaces.reports.charts import FUNNEL_COLOURS, FUNNEL_LABELS

FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"
INK = "#0b0c0c"
WIDTH = 640
MAX_MAP_HEIGHT = 520
PAD = 14

# Sequential, colour-blind safe (viridis, light to dark) for five classes.
SEQUENTIAL = ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"]

HOTSPOT_CLASSES = {
    "persistent hotspot": ("#D55E00", "Persistent hotspot (hot in most sub-periods)"),
    "emerging hotspot": ("#E69F00", "Emerging hotspot (hot recently, not before)"),
    "intermittent hotspot": ("#CC79A7", "Intermittent hotspot (hot in some sub-periods)"),
    "former hotspot": ("#56B4E9", "Former hotspot (hot before, not recently)"),
    "persistent coldspot": ("#0072B2", "Persistent coldspot"),
    "emerging coldspot": ("#0072B2", "Emerging coldspot"),
    "intermittent coldspot": ("#0072B2", "Intermittent coldspot"),
    "former coldspot": ("#0072B2", "Former coldspot"),
    "mixed hot/coldspot": ("#009E73", "Mixed hot and cold"),
}
HOT = "#D55E00"
COLD = "#0072B2"


@dataclass
class Frame:
    """BNG metres → SVG pixels."""

    x0: float
    y1: float
    scale: float
    width: float
    height: float

    @classmethod
    def fit(cls, bounds: Sequence[float], width: float = WIDTH,
            max_height: float = MAX_MAP_HEIGHT) -> Frame:  # fmt: skip
        x0, y0, x1, y1 = bounds
        w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
        scale = min((width - 2 * PAD) / w, (max_height - 2 * PAD) / h)
        # Centre horizontally when the height limits the scale.
        ox = x0 - ((width - 2 * PAD) / scale - w) / 2
        return cls(x0=ox - PAD / scale, y1=y1 + PAD / scale, scale=scale, width=width,
                   height=h * scale + 2 * PAD)  # fmt: skip

    def xy(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (x - self.x0) * self.scale, (self.y1 - y) * self.scale

    def path(self, geom: BaseGeometry) -> str:
        parts = []
        for poly in getattr(geom, "geoms", [geom]):
            if poly.is_empty or poly.geom_type not in ("Polygon",):
                if hasattr(poly, "geoms"):
                    parts.append(self.path(poly))
                continue
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords)
                px, py = self.xy(xy[:, 0], xy[:, 1])
                pts = " ".join(f"{a:.1f} {b:.1f}" for a, b in zip(px, py, strict=True))
                parts.append(f"M{pts}Z")
        return "".join(parts)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _text(x: float, y: float, text: str, size: float = 11, anchor: str = "start",
          weight: str = "normal", halo: bool = False) -> str:  # fmt: skip
    t = _esc(text)
    common = (f'x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
              f'font-weight="{weight}" font-family="{FONT}"')  # fmt: skip
    out = ""
    if halo:  # a white copy underneath keeps labels readable over any fill
        out += (
            f'<text {common} fill="white" stroke="white" stroke-width="3" '
            f'stroke-linejoin="round">{t}</text>'
        )
    return out + f'<text {common} fill="{INK}">{t}</text>'


def _scale_bar(frame: Frame, x: float, y: float) -> str:
    metres_wide = frame.width / frame.scale
    nice = [100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000]
    length = max([n for n in nice if n <= metres_wide / 4] or [nice[0]])
    px = length * frame.scale
    label = f"{length // 1000:g} km" if length >= 1000 else f"{length} m"
    half = px / 2
    return (
        f'<g aria-hidden="true"><rect x="{x:.1f}" y="{y:.1f}" width="{half:.1f}" height="6" '
        f'fill="{INK}"/><rect x="{x + half:.1f}" y="{y:.1f}" width="{half:.1f}" height="6" '
        f'fill="white" stroke="{INK}"/>'
        + _text(x, y - 4, "0", 10, "middle", halo=True)
        + _text(x + px, y - 4, label, 10, "middle", halo=True)
        + "</g>"
    )


def _north_arrow(x: float, y: float) -> str:
    return (
        f'<g aria-hidden="true"><path d="M{x:.1f} {y:.1f} l9 24 l-9 -6 l-9 6 Z" fill="{INK}"/>'
        + _text(x, y + 38, "N", 12, "middle", "bold", halo=True)
        + "</g>"
    )


@dataclass
class LegendItem:
    colour: str
    label: str
    outline: bool = False  # drawn as an outline (e.g. priority localities)
    dashed: bool = False


def _legend(items: Sequence[LegendItem], y: float, title: str | None) -> tuple[str, float]:
    out = []
    if title:
        out.append(_text(PAD, y + 13, title, 13, weight="bold"))
        y += 22
    for it in items:
        if it.outline:
            dash = ' stroke-dasharray="5 3"' if it.dashed else ""
            out.append(f'<rect x="{PAD}" y="{y:.1f}" width="22" height="14" fill="none" '
                       f'stroke="{it.colour}" stroke-width="2.5"{dash}/>')  # fmt: skip
        else:
            out.append(f'<rect x="{PAD}" y="{y:.1f}" width="22" height="14" fill="{it.colour}" '
                       'stroke="#505a5f" stroke-width="0.5"/>')  # fmt: skip
        out.append(_text(PAD + 30, y + 12, it.label, 12))
        y += 21
    return "".join(out), y


def _svg(frame: Frame, title: str, body: list[str], legend: Sequence[LegendItem],
         legend_title: str | None, attribution: str) -> str:  # fmt: skip
    map_h = frame.height
    parts = [f'<rect x="0" y="0" width="{frame.width}" height="{map_h:.1f}" fill="white"/>']
    parts += body
    parts.append(_north_arrow(frame.width - 30, 12))
    parts.append(_scale_bar(frame, PAD + 4, map_h - 14))
    parts.append(f'<rect x="0.5" y="0.5" width="{frame.width - 1}" height="{map_h - 1:.1f}" '
                 'fill="none" stroke="#b1b4b6"/>')  # fmt: skip
    leg, y = _legend(legend, map_h + 10, legend_title)
    parts.append(leg)
    # Attribution wraps onto short lines so it stays legible at print size.
    words, line, lines = attribution.split(), "", []
    for w in words:
        if len(line) + len(w) > 95:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    y += 6
    for ln in lines:
        parts.append(_text(PAD, y + 11, ln, 10))
        y += 14
    total = y + 6
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{frame.width}" height="{total:.0f}" '
        f'viewBox="0 0 {frame.width} {total:.0f}" role="img"><title>{_esc(title)}</title>'
        + "".join(parts)
        + "</svg>"
    )


def _figure(id: str, title: str, alt: str, svg: str, note: str | None) -> Figure:
    cached: dict[str, bytes] = {}

    def png() -> bytes:
        if "png" not in cached:
            import vl_convert

            cached["png"] = vl_convert.svg_to_png(svg, scale=2.0)
        return cached["png"]

    w = float(svg.split('width="', 1)[1].split('"', 1)[0])
    h = float(svg.split('height="', 1)[1].split('"', 1)[0])
    return Figure(id=id, title=title, alt=alt, svg=svg, png=png, width_px=w, height_px=h,
                  note=note, figure_kind="map")  # fmt: skip


def _classes(values: list[tuple[str, float]], n: int = 5) -> tuple[dict[str, int], list[str]]:
    """Equal-count classes by rank order (sorting, not arithmetic on the figures).

    Returns code → class index and one legend label per class made of the smallest and
    largest value in it.
    """
    ordered = sorted(values, key=lambda kv: (kv[1], kv[0]))
    k = min(n, len(ordered))
    if k == 0:
        return {}, []
    groups = [list(g) for g in np.array_split(np.arange(len(ordered)), k)]
    out, labels = {}, []
    for ci, idx in enumerate(groups):
        for i in idx:
            out[ordered[i][0]] = ci
        lo, hi = ordered[idx[0]][1], ordered[idx[-1]][1]
        labels.append(f"{fmt.rate(lo)} to {fmt.rate(hi)}" if lo != hi else fmt.rate(lo))
    return out, labels


def _palette(k: int) -> list[str]:
    if k == 0:
        return []
    if k >= 5:
        return SEQUENTIAL
    return [SEQUENTIAL[i] for i in {1: [2], 2: [0, 3], 3: [0, 2, 4], 4: [0, 1, 3, 4]}[k]]


def _outline_paths(frame: Frame, geo: AreaGeometry, codes: Sequence[str], level: str) -> str:
    shapes = _shapes(geo, level)
    return "".join(
        f'<path d="{frame.path(shapes[c][1])}" fill="none" stroke="{INK}" stroke-width="2.6" '
        'stroke-dasharray="6 3" stroke-linejoin="round"/>'
        for c in codes
        if c in shapes
    )


def _shapes(geo: AreaGeometry, level: str) -> dict[str, tuple[str, BaseGeometry]]:
    if level == "ward":
        return geo.wards
    return {c: (c, g) for c, g in geo.simplified.items()}


def _labels(frame: Frame, shapes: dict[str, tuple[str, BaseGeometry]], codes: Sequence[str],
            names: dict[str, str], size: float = 12) -> str:  # fmt: skip
    """Place names at a point inside each shape; a name that would overlap one already placed
    is left off (the tables and the text description carry every name)."""
    out, placed = [], []
    for c in codes:
        if c not in shapes:
            continue
        p = shapes[c][1].representative_point()
        x, y = frame.xy(np.array([p.x]), np.array([p.y]))
        label = names.get(c, c)
        half_w = len(label) * size * 0.3
        box = (
            float(x[0]) - half_w,
            float(y[0]) - size * 0.6,
            float(x[0]) + half_w,
            float(y[0]) + size * 0.6,
        )
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
            continue
        placed.append(box)
        out.append(_text(float(x[0]), float(y[0]) + size * 0.35, label, size, "middle",
                         halo=True))  # fmt: skip
    return "".join(out)


def _base(frame: Frame, geo: AreaGeometry, ward_lines: bool = True) -> list[str]:
    body = []
    if ward_lines:
        body.append('<g fill="none" stroke="#505a5f" stroke-width="1">' + "".join(
            f'<path d="{frame.path(g)}"/>' for _, g in geo.wards.values()) + "</g>")  # fmt: skip
    body.append(f'<path d="{frame.path(geo.outline)}" fill="none" stroke="{INK}" '
                'stroke-width="1.6" stroke-linejoin="round"/>')  # fmt: skip
    return body


def choropleth(
    id: str,
    geo: AreaGeometry,
    places: Sequence[m.Place],
    level: str,
    title: str,
    value: Callable[[m.Place], float | None],
    legend_title: str,
    outline_codes: Sequence[str] = (),
    label_codes: Sequence[str] | None = None,
    note: str | None = None,
) -> Figure:
    """Wards or LSOAs shaded in five equal-count classes of ``value``."""
    frame = Frame.fit(geo.bounds)
    shapes = _shapes(geo, level)
    vals = [(p.code, value(p)) for p in places if value(p) is not None and p.code in shapes]
    cls, labels = _classes(vals)  # type: ignore[arg-type]
    pal = _palette(len(labels))
    body = ['<g stroke="white" stroke-width="0.6" stroke-linejoin="round">']
    for code, (_, g) in shapes.items():
        colour = pal[cls[code]] if code in cls else "#f3f2f1"
        body.append(f'<path d="{frame.path(g)}" fill="{colour}"/>')
    body.append("</g>")
    body += _base(frame, geo, ward_lines=level != "ward")
    if level == "ward":
        body.append('<g fill="none" stroke="white" stroke-width="1.2">' + "".join(
            f'<path d="{frame.path(g)}"/>' for _, g in geo.wards.values()) + "</g>")  # fmt: skip
        body.append(f'<path d="{frame.path(geo.outline)}" fill="none" stroke="{INK}" '
                    'stroke-width="1.6"/>')  # fmt: skip
    if outline_codes:
        body.append(_outline_paths(frame, geo, outline_codes, level))
    names = {p.code: p.name for p in places}
    if label_codes is None:
        label_codes = [p.code for p in places] if len(places) <= 30 else list(outline_codes)
    body.append(_labels(frame, shapes, label_codes, names))
    legend = [LegendItem(pal[i], labels[i]) for i in reversed(range(len(labels)))]
    if any(code not in cls for code in shapes):
        legend.append(LegendItem("#f3f2f1", "No figure"))
    if outline_codes:
        legend.append(LegendItem(INK, "Priority locality", outline=True, dashed=True))
    ranked = sorted(vals, key=lambda kv: (-kv[1], kv[0]))  # type: ignore[operator]
    alt = (f"Map of the area's {level if level == 'ward' else 'LSOA'}s shaded by "
           f"{legend_title.lower()} in five classes from {labels[0] if labels else 'n/a'} (lightest) "
           f"to {labels[-1] if labels else 'n/a'} (darkest). Highest: "
           + "; ".join(f"{names.get(c, c)} {fmt.rate(v)}" for c, v in ranked[:5]) + "."
           + (" Priority localities are outlined with a dashed line: "
              + fmt.join_names([names.get(c, c) for c in outline_codes], 8) + "."
              if outline_codes else ""))  # fmt: skip
    svg = _svg(frame, title, body, legend, legend_title, LSOA_ATTRIBUTION)
    return _figure(id, title, alt, svg, note)


def funnel_map(id: str, geo: AreaGeometry, places: Sequence[m.Place], level: str, title: str,
               outline_codes: Sequence[str] = (), note: str | None = None) -> Figure:  # fmt: skip
    """Places coloured by the model's funnel flag (above/below the area average)."""
    frame = Frame.fit(geo.bounds)
    shapes = _shapes(geo, level)
    flags = {p.code: p.funnel for p in places}
    body = ['<g stroke="white" stroke-width="0.5" stroke-linejoin="round">']
    for code, (_, g) in shapes.items():
        body.append(
            f'<path d="{frame.path(g)}" fill="{FUNNEL_COLOURS.get(flags.get(code, ""), "#f3f2f1")}"/>'
        )
    body.append("</g>")
    body += _base(frame, geo, ward_lines=True)
    if outline_codes:
        body.append(_outline_paths(frame, geo, outline_codes, "ward"))
    present = [k for k in FUNNEL_COLOURS if k in set(flags.values())]
    legend = [LegendItem(FUNNEL_COLOURS[k], FUNNEL_LABELS[k]) for k in present]
    legend.append(LegendItem("#505a5f", "Ward boundary", outline=True))
    if outline_codes:
        legend.append(LegendItem(INK, "Priority locality", outline=True, dashed=True))
    names = {p.code: p.name for p in places}
    alt = ("Map of the area's LSOAs coloured by how their crime rate compares with "
           "the area average. Well above average: "
           + (fmt.join_names([names[c] for c, f in flags.items() if f == "above 99.8%"], 10)
              or "none") + ". Well below average: "
           + (fmt.join_names([names[c] for c, f in flags.items() if f == "below 99.8%"], 10)
              or "none") + ".")  # fmt: skip
    svg = _svg(
        frame, title, body, legend, "Crime rate compared with the area average", LSOA_ATTRIBUTION
    )
    return _figure(id, title, alt, svg, note)


def hotspot_map(id: str, geo: AreaGeometry, hs: m.Hotspots, mode: str, title: str,
                outline_codes: Sequence[str] = (), outline_level: str = "ward",
                names: dict[str, str] | None = None, note: str | None = None) -> Figure:  # fmt: skip
    """Grid cells over the area: ``mode`` 'gi' (hot/cold over the whole period) or
    'space-time' (the model's space-time class of each cell)."""
    frame = Frame.fit(geo.bounds)
    half = hs.cell_size_m / 2
    size_px = hs.cell_size_m * frame.scale
    cells: list[str] = []
    used: dict[str, str] = {}
    for c in hs.cells:
        if not c.in_area:
            continue
        if mode == "gi":
            if c.q_value >= hs.fdr_alpha or c.gi_z == 0:
                continue
            key = "hot" if c.gi_z > 0 else "cold"
            colour = HOT if key == "hot" else COLD
        else:
            if c.space_time_class not in HOTSPOT_CLASSES:
                continue
            key = c.space_time_class
            colour = HOTSPOT_CLASSES[key][0]
        used[key] = colour
        x, y = frame.xy(np.array([c.easting - half]), np.array([c.northing + half]))
        cells.append(f'<rect x="{x[0]:.1f}" y="{y[0]:.1f}" width="{size_px:.2f}" '
                     f'height="{size_px:.2f}" fill="{colour}"/>')  # fmt: skip
    body = _base(frame, geo, ward_lines=True)
    body.insert(0, '<g stroke="none">' + "".join(cells) + "</g>")
    if outline_codes:
        body.append(_outline_paths(frame, geo, outline_codes, outline_level))
        if names:
            body.append(_labels(frame, _shapes(geo, outline_level), outline_codes, names))
    legend: list[LegendItem] = []
    if mode == "gi":
        if "hot" in used:
            legend.append(
                LegendItem(
                    HOT,
                    "Hotspot: more crime, with its neighbours, than chance would explain",
                )
            )
        if "cold" in used:
            legend.append(
                LegendItem(
                    COLD, "Coldspot: less crime, with its neighbours, than chance would explain"
                )
            )
    else:
        for key, (colour, label) in HOTSPOT_CLASSES.items():
            if key in used:
                legend.append(LegendItem(colour, label))
    if not legend:
        legend.append(LegendItem("#f3f2f1", "No hotspots or coldspots"))
    legend.append(LegendItem("#505a5f", "Ward boundary", outline=True))
    if outline_codes:
        legend.append(LegendItem(INK, "Priority locality", outline=True, dashed=True))
    grid = f"{fmt.count(hs.cell_size_m)} m"
    if mode == "gi":
        alt = (f"Map of the area on a {grid} grid. {fmt.count(hs.hot_cells)} cells are crime "
               f"hotspots and {fmt.count(hs.cold_cells)} are coldspots: squares with more or "
               "less crime, with their neighbours, than chance would explain.")  # fmt: skip
    else:
        alt = (f"Map of the area on a {grid} grid showing how hotspots changed across the "
               f"sub-periods {', '.join(hs.sub_periods)}. Classes shown: "
               + (", ".join(HOTSPOT_CLASSES[k][1].split(" (")[0].lower() for k in used) or "none")
               + ".")  # fmt: skip
    if outline_codes and names:
        alt += (
            " Priority localities are outlined: "
            + fmt.join_names([names.get(c, c) for c in outline_codes], 8)
            + "."
        )
    svg = _svg(frame, title, body, legend, None, LSOA_ATTRIBUTION)
    return _figure(id, title, alt, svg, note)


def localities_map(id: str, geo: AreaGeometry, block: m.PriorityLocalities, title: str,
                   note: str | None = None) -> Figure:  # fmt: skip
    """Composite index by locality, the selected ones outlined and named."""
    level = "ward" if block.level == "ward" else "lsoa"
    frame = Frame.fit(geo.bounds)
    shapes = _shapes(geo, level)
    vals = [(loc.area.code, loc.composite) for loc in block.localities if loc.area.code in shapes]
    cls, labels = _classes(vals)
    pal = _palette(len(labels))
    body = ['<g stroke="white" stroke-width="0.6">']
    for code, (_, g) in shapes.items():
        body.append(
            f'<path d="{frame.path(g)}" fill="{pal[cls[code]] if code in cls else "#f3f2f1"}"/>'
        )
    body.append("</g>")
    body += _base(frame, geo, ward_lines=level != "ward")
    selected = [loc.area.code for loc in block.localities if loc.selected]
    names = {loc.area.code: loc.area.name for loc in block.localities}
    if selected:
        body.append(_outline_paths(frame, geo, selected, level))
        body.append(_labels(frame, shapes, selected, names))
    legend = [LegendItem(pal[i], labels[i]) for i in reversed(range(len(labels)))]
    if selected:
        legend.append(LegendItem(INK, f"Priority locality (composite ≥ {block.threshold:g})",
                                 outline=True, dashed=True))  # fmt: skip
    alt = (f"Map of the area's {level}s shaded by the locality composite index (100 = the area "
           "average). Selected priority localities, outlined and named: "
           + (fmt.join_names([names[c] for c in selected], 10) or "none") + ".")  # fmt: skip
    svg = _svg(frame, title, body, legend, "Composite index (area average = 100)", LSOA_ATTRIBUTION)
    return _figure(id, title, alt, svg, note)


def locality_codes(block: m.PriorityLocalities) -> list[str]:
    return [loc.area.code for loc in block.localities if loc.selected]
