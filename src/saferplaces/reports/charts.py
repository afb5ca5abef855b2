"""Charts: Vega-Altair specifications rendered offline by vl-convert.

Each chart is rendered once to SVG (HTML and PDF) and the SVG is rasterised to PNG for Word
(``vl_convert.svg_to_png``), so the two never disagree. Titles state the finding in plain
English; the data plotted are the model's figures, unchanged. Colours are the Okabe–Ito
palette, which stays distinguishable with the common colour-vision deficiencies, and no chart
relies on colour alone (shape, position or a label carries the same information).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

import altair as alt

from saferplaces.assessment import model as m
from saferplaces.reports import fmt
from saferplaces.reports.blocks import Figure

# Okabe & Ito (2008) colour-blind-safe palette, plus GOV.UK text colours.
BLUE = "#0072B2"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
YELLOW = "#F0E442"
GREY = "#949494"
DARK = "#505a5f"
BLACK = "#0b0c0c"
FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"

# Funnel flags: a diverging red–blue scheme (ColorBrewer RdBu, colour-blind safe).
FUNNEL_COLOURS = {
    "above 99.8%": "#b2182b",
    "above 95%": "#ef8a62",
    "within": "#d9d9d9",
    "below 95%": "#67a9cf",
    "below 99.8%": "#2166ac",
}
FUNNEL_LABELS = {
    "above 99.8%": "Well above average (beyond 99.8% limit)",
    "above 95%": "Above average (beyond 95% limit)",
    "within": "Within what chance would explain",
    "below 95%": "Below average (beyond 95% limit)",
    "below 99.8%": "Well below average (beyond 99.8% limit)",
}
FUNNEL_SHAPES = {
    "above 99.8%": "triangle-up",
    "above 95%": "triangle-up",
    "within": "circle",
    "below 95%": "triangle-down",
    "below 99.8%": "triangle-down",
}

WIDTH = 560


# Vega-Lite config, applied to the finished spec: setting it through Altair's configure_*
# methods deep-copies the whole chart (data included) once per call.
CONFIG = {
    "font": FONT,
    "background": "white",
    "axis": {
        "labelFontSize": 11,
        "titleFontSize": 12,
        "labelColor": BLACK,
        "titleColor": BLACK,
        "gridColor": "#e5e5e5",
        "domainColor": DARK,
        "tickColor": DARK,
        "titleFontWeight": "normal",
    },
    "legend": {
        "labelFontSize": 11,
        "titleFontSize": 12,
        "labelColor": BLACK,
        "titleColor": BLACK,
        "orient": "bottom",
        "direction": "vertical",
        "labelLimit": 400,
    },
    "view": {"stroke": None},
    "header": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": BLACK},
}


def spec(chart: alt.TopLevelMixin) -> dict:
    out = chart.to_dict(validate=False)
    out["config"] = CONFIG
    return out


@cache
def _converter():
    import vl_convert

    return vl_convert


_SIZE = re.compile(r'<svg[^>]*?\bwidth="([\d.]+)"[^>]*?\bheight="([\d.]+)"')


def render(
    chart: alt.TopLevelMixin, id: str, title: str, alt_text: str, note: str | None = None
) -> Figure:
    """Vega-Lite → SVG now; PNG only if a Word document asks for it."""
    vlc = _converter()
    svg = vlc.vegalite_to_svg(spec(chart))
    size = _SIZE.search(svg)
    w, h = (float(size.group(1)), float(size.group(2))) if size else (WIDTH, 300.0)
    cached: dict[str, bytes] = {}

    def png() -> bytes:
        if "png" not in cached:
            cached["png"] = vlc.svg_to_png(svg, scale=2.0)
        return cached["png"]

    return Figure(id=id, title=title, alt=alt_text, svg=svg, png=png, width_px=w, height_px=h,
                  note=note, figure_kind="chart")  # fmt: skip


def _data(rows: list[dict]) -> alt.Data:
    return alt.Data(values=rows)


# --- monthly series ---------------------------------------------------------------------------


def monthly(
    id: str,
    what: str,
    series: Sequence[m.Month],
    finding: str,
    baseline: Sequence[m.Month] | None = None,
    colour: str = BLUE,
) -> Figure:
    """Monthly counts; the baseline months, when the model has them, on a shaded band."""
    # A time axis keeps months in calendar order across both series and leaves a visible gap
    # where months are missing between the baseline and this period.
    rows = [{"date": f"{x.month}-01", "count": x.count, "part": "This period"} for x in series]
    base_rows = [{"date": f"{x.month}-01", "count": x.count, "part": "Baseline"}
                 for x in (baseline or [])]  # fmt: skip
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=-45,
                                                   tickCount="month"))  # fmt: skip
    y = alt.Y("count:Q", title="Records a month", scale=alt.Scale(zero=True))
    layers: list[alt.Chart] = []
    if base_rows:
        band = alt.Chart(_data([{"start": base_rows[0]["date"], "end": base_rows[-1]["date"]}]))
        layers.append(
            band.mark_rect(color="#f3f2f1", stroke="#b1b4b6").encode(x="start:T", x2="end:T")
        )
        layers.append(
            band.mark_text(
                align="left", dx=2, dy=-6, baseline="bottom", color=DARK, fontSize=11, y=0
            ).encode(x="start:T", text=alt.value("Baseline"))
        )
    line = alt.Chart(_data(base_rows + rows)).mark_line(
        color=colour, strokeWidth=2.5, point=alt.OverlayMarkDef(color=colour, size=40, filled=True)
    )
    layers.append(
        line.encode(
            x=x,
            y=y,
            detail="part:N",
            strokeDash=alt.StrokeDash(
                "part:N",
                scale=alt.Scale(domain=["Baseline", "This period"], range=[[4, 3], [1, 0]]),
                legend=alt.Legend(title=None, orient="top") if base_rows else None,
            ),
        )
    )
    chart = alt.layer(*layers).properties(width=WIDTH - 60, height=190)
    lo = min(series, key=lambda s: (s.count, s.month)) if series else None
    hi = max(series, key=lambda s: (s.count, s.month)) if series else None
    alt_text = (
        f"Line chart of {what.lower() if what != 'ASB' else what} recorded each month, "
        f"{fmt.month(series[0].month)} to {fmt.month(series[-1].month)}. "
        f"Lowest {fmt.count(lo.count)} in {fmt.month(lo.month)}; highest {fmt.count(hi.count)} "
        f"in {fmt.month(hi.month)}."
        if series
        else f"No monthly figures for {what}."
    )
    if not base_rows:
        alt_text += " The baseline months are not in the assessment, so only this period is shown."
    return render(chart, id, finding, alt_text)


# --- categories -------------------------------------------------------------------------------


def category_rates(id: str, area: str, categories: Sequence[m.Category]) -> Figure:
    """Rate per 1,000 by category, with the peer median as a tick and the 95% interval when
    the model carries one."""
    cats = sorted(categories, key=lambda c: (-(c.rate_per_1000 or 0), c.category))
    rows = []
    for c in cats:
        lo = getattr(c, "rate_ci_low", None)
        hi = getattr(c, "rate_ci_high", None)
        rows.append({
            "category": c.category, "rate": c.rate_per_1000, "peer": c.peer_rate_median,
            "lo": lo, "hi": hi, "kind": "Anti-social behaviour" if c.is_asb else "Crime",
            "label": fmt.rate(c.rate_per_1000),
        })  # fmt: skip
    order = [r["category"] for r in rows]
    base = alt.Chart(_data(rows)).encode(
        y=alt.Y("category:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    )
    bars = base.mark_bar(height=14).encode(
        x=alt.X("rate:Q", title="Records per 1,000 residents a year"),
        color=alt.Color("kind:N", title=None,
                        scale=alt.Scale(domain=["Crime", "Anti-social behaviour"],
                                        range=[BLUE, SKY]),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
    )  # fmt: skip
    labels = base.mark_text(align="left", dx=4, fontSize=10, color=BLACK).encode(
        x="rate:Q", text="label:N"
    )
    layers = [bars, labels]
    if any(r["peer"] is not None for r in rows):
        layers.append(
            alt.Chart(_data([r for r in rows if r["peer"] is not None]))
            .mark_tick(color=ORANGE, thickness=3, size=20)
            .encode(y=alt.Y("category:N", sort=order), x="peer:Q")
        )  # fmt: skip
    if any(r["lo"] is not None for r in rows):
        layers.append(
            alt.Chart(_data([r for r in rows if r["lo"] is not None]))
            .mark_rule(color=BLACK)
            .encode(y=alt.Y("category:N", sort=order), x="lo:Q", x2="hi:Q")
        )
    chart = alt.layer(*layers).properties(width=WIDTH - 230, height=alt.Step(20))
    top = cats[0] if cats else None
    title = (f"{top.category} has the highest rate: {fmt.rate(top.rate_per_1000)} per 1,000 "
             "residents a year" if top else "No categories recorded")  # fmt: skip
    peer_note = (" An orange tick marks the median rate of the most similar areas."
                 if any(r["peer"] is not None for r in rows) else "")  # fmt: skip
    alt_text = (f"Bar chart of the rate per 1,000 residents a year for each category in {area}, "
                "highest first: " + "; ".join(f"{r['category']} {r['label']}" for r in rows)
                + "." + peer_note)  # fmt: skip
    return render(
        chart,
        id,
        title,
        alt_text,
        note=("Orange tick: the median rate of the most similar areas." if peer_note else None),
    )


def _change_class(c: m.Category) -> str:
    if c.p_value is None or c.percent_change is None:
        return "No baseline"
    if c.significant:
        return "Real rise" if c.direction == "up" else "Real fall"
    return "Could be chance"


def category_changes(id: str, categories: Sequence[m.Category], baseline_label: str) -> Figure:
    """Percentage change by category, coloured and shaped by whether it is significant."""
    cats = [c for c in categories if c.percent_change is not None]
    cats.sort(key=lambda c: (-(c.percent_change or 0), c.category))
    rows = [{"category": c.category, "pct": c.percent_change, "class": _change_class(c),
             "label": fmt.signed_pct(c.percent_change) + (" *" if c.significant else "")}
            for c in cats]  # fmt: skip
    order = [r["category"] for r in rows]
    domain = ["Real rise", "Real fall", "Could be chance"]
    base = alt.Chart(_data(rows)).encode(
        y=alt.Y("category:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    )
    bars = base.mark_bar(height=14).encode(
        x=alt.X("pct:Q", title=f"Change against {baseline_label} (%)"),
        color=alt.Color("class:N", title=None, scale=alt.Scale(domain=domain,
                        range=[VERMILLION, BLUE, "#bfc1c3"]),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
    )  # fmt: skip
    labels = base.mark_text(fontSize=10, color=BLACK, dx=4, align="left").encode(
        x=alt.value(WIDTH - 225), text="label:N"
    )
    zero = alt.Chart(_data([{"z": 0}])).mark_rule(color=DARK).encode(x="z:Q")
    chart = alt.layer(bars, zero, labels).properties(width=WIDTH - 230, height=alt.Step(20))
    ups = [c.category for c in cats if c.significant and c.direction == "up"]
    downs = [c.category for c in cats if c.significant and c.direction == "down"]
    if ups or downs:
        parts = []
        if ups:
            parts.append(f"{fmt.join_names(ups, 3)} rose by more than chance")
        if downs:
            parts.append(f"{fmt.join_names(downs, 3)} fell by more than chance")
        title = "; ".join(parts)
        title = title[0].upper() + title[1:]
    else:
        title = "No category changed by more than chance would explain"
    alt_text = ("Bar chart of the percentage change in each category against "
                f"{baseline_label}. " + "; ".join(
                    f"{r['category']} {r['label'].rstrip(' *')} ({r['class'].lower()})"
                    for r in rows) + ".")  # fmt: skip
    return render(
        chart,
        id,
        title,
        alt_text,
        note="* more than chance would explain (the test is in Appendix A).",
    )


# --- reference points --------------------------------------------------------------------------


def comparators(
    id: str, area_name: str, overview: m.Overview, shown: Sequence[m.Comparator] | None = None
) -> Figure:
    """Crime and ASB rates with 95% intervals: the area against its parent areas and England
    and Wales."""
    rows = []
    shown = overview.comparators if shown is None else shown
    entries = [(area_name, overview.crime, overview.asb, True)] + [
        (c.area.name, c.crime, c.asb, False) for c in shown
    ]
    for name, crime, asb, own in entries:
        for label, block in (("Crime (excluding ASB)", crime), ("Anti-social behaviour", asb)):
            if block is None or block.rate_per_1000 is None:
                continue
            rows.append({"area": name, "measure": label, "rate": block.rate_per_1000,
                         "lo": block.rate_ci_low, "hi": block.rate_ci_high,
                         "who": area_name if own else "Reference areas",
                         "label": fmt.rate(block.rate_per_1000)})  # fmt: skip
    order = [e[0] for e in entries]
    enc_y = alt.Y("area:N", sort=order, title=None, axis=alt.Axis(labelLimit=200))
    base = alt.Chart().encode(y=enc_y)
    points = base.mark_point(filled=True, size=90).encode(
        x=alt.X("rate:Q", title="Per 1,000 residents a year (95% interval)",
                scale=alt.Scale(zero=True)),
        color=alt.Color("who:N", title=None,
                        scale=alt.Scale(domain=[area_name, "Reference areas"],
                                        range=[VERMILLION, BLUE]),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        shape=alt.Shape("who:N", title=None,
                        scale=alt.Scale(domain=[area_name, "Reference areas"],
                                        range=["diamond", "circle"])),
    )  # fmt: skip
    whiskers = base.mark_rule(color=BLACK).encode(x="lo:Q", x2="hi:Q")
    labels = base.mark_text(dy=-11, fontSize=10, color=BLACK).encode(x="rate:Q", text="label:N")
    chart = (
        alt.layer(whiskers, points, labels, data=_data(rows))
        .properties(width=WIDTH - 220, height=alt.Step(34))
        .facet(row=alt.Row("measure:N", title=None, sort=["Crime (excluding ASB)",
                                                          "Anti-social behaviour"],
                           header=alt.Header(labelAngle=0, labelAlign="left",
                                             labelAnchor="start", labelOrient="top",
                                             labelFontWeight="bold")))
        .resolve_scale(x="independent")
    )  # fmt: skip
    crime = overview.crime
    refs = [f"{c.area.name} {fmt.rate(c.crime.rate_per_1000)}" for c in shown
            if c.crime and c.crime.rate_per_1000 is not None]  # fmt: skip
    title = (f"{area_name} had {fmt.rate(crime.rate_per_1000)} crimes per 1,000 residents a year"
             + (f"; {'; '.join(refs)}" if refs else ""))  # fmt: skip
    alt_text = ("Dot chart of crime and ASB rates per 1,000 residents a year with 95% intervals. "
                + "; ".join(f"{r['measure']}, {r['area']}: {r['label']} ({fmt.rate(r['lo'])} to "
                            f"{fmt.rate(r['hi'])})" for r in rows) + ".")  # fmt: skip
    return render(chart, id, title, alt_text)


def peers(id: str, area_name: str, block: m.Peers) -> Figure:
    """Dot plot: the area among its most similar areas, with the peer median as a rule."""
    measures = [("crime rate per 1,000", "Crime (excluding ASB) per 1,000 residents a year",
                 "crime_rate_per_1000"),
                ("ASB rate per 1,000", "ASB per 1,000 residents a year", "asb_rate_per_1000")]  # fmt: skip
    ranks = {r.measure: r for r in block.ranks}
    domain = [area_name, "Similar areas"]
    panels = []
    described = []
    for key, label, attr in measures:
        r = ranks.get(key)
        rows = [{"area": p.area.name, "rate": getattr(p, attr), "who": "Similar areas",
                 "label": fmt.rate(getattr(p, attr))}
                for p in block.areas if getattr(p, attr) is not None]  # fmt: skip
        if r and r.value is not None:
            rows.append({"area": area_name, "rate": r.value, "who": area_name,
                         "label": fmt.rate(r.value)})  # fmt: skip
        if not rows:
            continue
        rows.sort(key=lambda x: (-x["rate"], x["area"]))
        order = [x["area"] for x in rows]
        base = alt.Chart(_data(rows)).encode(
            y=alt.Y("area:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
        )
        dots = base.mark_point(filled=True, size=110, opacity=1).encode(
            x=alt.X("rate:Q", title=label, scale=alt.Scale(zero=True)),
            color=alt.Color("who:N", title=None, scale=alt.Scale(domain=domain,
                            range=[VERMILLION, BLUE]),
                            legend=alt.Legend(orient="bottom", direction="horizontal")),
            shape=alt.Shape("who:N", title=None, scale=alt.Scale(domain=domain,
                            range=["diamond", "circle"])),
        )  # fmt: skip
        text = base.mark_text(align="left", dx=9, fontSize=10, color=BLACK).encode(
            x="rate:Q", text="label:N"
        )
        layers = [dots, text]
        if r and r.peer_median is not None:
            layers.insert(0, alt.Chart(_data([{"m": r.peer_median}])).mark_rule(
                color=DARK, strokeDash=[4, 3]).encode(x="m:Q"))  # fmt: skip
        panels.append(alt.layer(*layers).properties(width=WIDTH - 260, height=alt.Step(22)))
        described.append(f"{label}: " + "; ".join(f"{x['area']} {x['label']}" for x in rows)
                         + (f" (median of similar areas {fmt.rate(r.peer_median)})"
                            if r and r.peer_median is not None else ""))  # fmt: skip
    chart = alt.vconcat(*panels, spacing=24).resolve_scale(color="shared", shape="shared")
    crime = ranks.get("crime rate per 1,000")
    if crime and crime.rank and crime.text:
        # The pool size and the direction: "2nd lowest of 4 areas (this area and 3 similar areas)".
        title = f"Crime rate: {area_name} is {crime.text}"
    elif crime and crime.rank:
        title = (f"{area_name} has the {fmt.ordinal_word(crime.rank)} crime rate of {crime.of} "
                 "similar areas")  # fmt: skip
    else:
        title = f"{area_name} and its most similar areas"
    alt_text = ("Dot plots of crime and ASB rates for "
                f"{area_name} and its most similar areas with police data for the period, "
                "highest first. "
                + ". ".join(described) + ".")  # fmt: skip
    return render(
        chart,
        id,
        title,
        alt_text,
        note=f"The dashed line is the median of the similar areas (not including {area_name}).",
    )


# --- places ----------------------------------------------------------------------------------


def funnel(id: str, places: Sequence[m.Place], unit: str, area_name: str,
           area_rate: float | None, limits: object | None = None) -> Figure:  # fmt: skip
    """Rate against population, each place marked by the model's funnel flag.

    The limit curves are drawn only when the model carries them (see ``limits``): the renderer
    does not compute them.
    """
    rows = [{"name": p.name, "population": p.population, "rate": p.rate_per_1000,
             "flag": FUNNEL_LABELS[p.funnel]} for p in places
            if p.rate_per_1000 is not None]  # fmt: skip
    labels = [FUNNEL_LABELS[k] for k in FUNNEL_COLOURS]
    points = alt.Chart(_data(rows)).mark_point(filled=True, size=60, opacity=0.85).encode(
        x=alt.X("population:Q", title="Residents (Census 2021)", scale=alt.Scale(zero=False)),
        y=alt.Y("rate:Q", title="Crimes per 1,000 residents a year"),
        color=alt.Color("flag:N", title=None, scale=alt.Scale(
            domain=labels, range=list(FUNNEL_COLOURS.values()))),
        shape=alt.Shape("flag:N", title=None, scale=alt.Scale(
            domain=labels, range=list(FUNNEL_SHAPES.values()))),
        stroke=alt.value("#505a5f"), strokeWidth=alt.value(0.5),
    )  # fmt: skip
    layers: list = [points]
    if area_rate is not None:
        layers.insert(0, alt.Chart(_data([{"r": area_rate, "t": f"{area_name} average "
                                           f"{fmt.rate(area_rate)}"}])).mark_rule(
            color=BLACK, strokeDash=[5, 3]).encode(y="r:Q"))  # fmt: skip
    if limits:
        lim = [dict(x) if isinstance(x, dict) else x.model_dump() for x in limits]  # type: ignore[union-attr]
        for key, dash in (("lower_95", [2, 2]), ("upper_95", [2, 2]), ("lower_998", [6, 2]),
                          ("upper_998", [6, 2])):  # fmt: skip
            if lim and key in lim[0]:
                layers.insert(0, alt.Chart(_data(lim)).mark_line(color=DARK, strokeDash=dash,
                                                                 strokeWidth=1)
                              .encode(x="population:Q", y=f"{key}:Q"))  # fmt: skip
    chart = alt.layer(*layers).properties(width=WIDTH - 120, height=300)
    high = [p.name for p in places if p.funnel == "above 99.8%"]
    if high:
        title = (f"{fmt.join_names(high, 3)} {'is' if len(high) == 1 else 'are'} well above the "
                 f"{area_name} average for crime")  # fmt: skip
    else:
        title = f"No {unit} is far above the {area_name} average for crime"
    alt_text = (f"Scatter plot of {unit}s: crime rate per 1,000 residents a year against "
                "population, marked by whether each is further from the average than chance would explain. "
                + "; ".join(f"{r['name']} {fmt.rate(r['rate'])} ({r['flag'].lower()})"
                            for r in rows[:40])
                + ("; …" if len(rows) > 40 else "") + ".")  # fmt: skip
    note = ("The dashed line is the area's crime rate. Points are classed by how far each place "
            "is from it, allowing for chance at its size (method in Appendix A)"
            + ("; the curves are those limits." if limits else
               "; the limit curves themselves are not in the assessment file, so are not drawn."))  # fmt: skip
    return render(chart, id, title, alt_text, note=note)


def _unit(b: m.Concentration) -> str:
    name = b.unit[0].upper() + b.unit[1:]
    return f"{name}s ({fmt.count(b.places)})"


def lorenz(id: str, blocks: Sequence[m.Concentration]) -> Figure:
    rows = []
    for b in blocks:
        for pt in b.lorenz:
            rows.append({"unit": _unit(b), "x": pt.places_share,
                         "y": pt.crime_share})  # fmt: skip
    units = [_unit(b) for b in blocks]
    line = alt.Chart(_data(rows)).mark_line(strokeWidth=2.5).encode(
        x=alt.X("x:Q", title="Share of places (most crime first)", axis=alt.Axis(format="%")),
        y=alt.Y("y:Q", title="Share of crime", axis=alt.Axis(format="%")),
        color=alt.Color("unit:N", title=None, scale=alt.Scale(domain=units,
                        range=[BLUE, VERMILLION, GREEN][: len(units)]),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        strokeDash=alt.StrokeDash("unit:N", scale=alt.Scale(domain=units,
                                  range=[[1, 0], [6, 3], [2, 2]][: len(units)]), legend=None),
    )  # fmt: skip
    diag = alt.Chart(_data([{"x": 0, "y": 0}, {"x": 1, "y": 1}])).mark_line(
        color=GREY, strokeDash=[3, 3]).encode(x="x:Q", y="y:Q")  # fmt: skip
    chart = alt.layer(diag, line).properties(width=300, height=300)
    first = blocks[0] if blocks else None
    if first and first.share_of_places_for_half is not None:
        title = (
            f"Half of crime happens in {fmt.share(first.share_of_places_for_half, 0)} of "
            f"{first.unit}s ({fmt.count(first.places_for_half)} of {fmt.count(first.places)})"
        )
    else:
        title = "How concentrated crime is"
    alt_text = ("Lorenz curves: the share of crime against the share of places, places ordered "
                "from most to least crime; the dashed diagonal is an even spread. "
                + "; ".join(f"{b.unit}s: half of crime in {fmt.share(b.share_of_places_for_half, 0)} "
                            f"of {fmt.count(b.places)} places, Gini {fmt.number(b.gini)}"
                            for b in blocks) + ".")  # fmt: skip
    return render(chart, id, title, alt_text)
