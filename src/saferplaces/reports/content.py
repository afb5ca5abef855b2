"""What the strategic assessment document says, section by section.

Built once from the model as a :class:`~saferplaces.reports.blocks.Document`; the HTML, PDF and
Word writers lay it out. Every figure shown is a field of the model, formatted; the only
decisions taken here are which figures to show, in what order, and in which words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from saferplaces.assessment import model as m
from saferplaces.reports import charts, fmt, maps
from saferplaces.reports.blocks import (
    Bullets,
    Cell,
    Column,
    Document,
    Finding,
    KeyValues,
    Para,
    Run,
    Section,
    Table,
)
from saferplaces.reports.boundaries import WARD_NOTE, AreaGeometry

LEVELS = {
    "csp": "Community Safety Partnership area",
    "lad": "local authority district",
    "pfa": "police force area",
    "ward": "ward",
    "lsoa": "LSOA",
    "locality": "locality",
    "country": "country",
}
FACTORS = {
    "harm": "Harm",
    "volume": "Volume",
    "trend": "Trend",
    "vulnerability": "Vulnerability",
    "concentration": "Concentration",
    "public_concern": "Public concern",
    "partnership_capacity": "Partnership capacity",
}
MAX_WARDS = 40
MAX_LSOAS = 20
MAX_LOCALITY_ROWS = 40
LOCALITY_SHORT = {
    "crime rate per 1,000 a year": "Crime",
    "ASB rate per 1,000 a year": "ASB",
    "harm per 1,000 a year": "Harm",
    "IoD2025 score (population-weighted)": "Deprivation",
    "persistence (share of years in the top quarter)": "Persistence",
}
SMALL_NUMBERS_NOTE = (
    "This document shows counts for small areas without suppression, for use within the "
    "partnership. For publication, use the open data files, which suppress small numbers."
)


@dataclass
class Labels:
    area: str
    period: str
    baseline: str
    baseline_label: str


def labels(a: m.Assessment) -> Labels:
    base = fmt.period(a.baseline.start, a.baseline.end)
    kind = ("the same months a year earlier" if a.baseline.kind == "previous-year"
            else "the previous period of the same length")  # fmt: skip
    return Labels(a.area.name, fmt.period(a.period.start, a.period.end), base, kind)


def score_cell(score: float | None) -> Cell:
    if score is None:
        return Cell("–")
    return Cell(f"{score:g}", shade=max(1, min(5, round(score))))


def _sig(block: m.Change | m.Category) -> str:
    return f"{fmt.significance(block.significant, block.p_value)} ({fmt.p_value(block.p_value)})"


def _ci(c: m.Change) -> str:
    if c.rate_ci_low is None or c.rate_ci_high is None:
        return fmt.NA
    return f"{fmt.rate(c.rate_ci_low)} to {fmt.rate(c.rate_ci_high)}"


def comparators(a: m.Assessment) -> list[m.Comparator]:
    """The reference areas worth showing: a parent that covers exactly the same residents and
    records as the area (a CSP that is also a district) adds nothing, so it is left out."""
    o = a.overview
    return [
        c
        for c in o.comparators
        if not (
            c.population == a.area.population
            and c.crime is not None
            and c.crime.count == o.crime.count
            and c.asb is not None
            and c.asb.count == o.asb.count
        )
    ]


def _has_ew(a: m.Assessment) -> bool:
    return any(c.area.level == "country" for c in a.overview.comparators)


# --- executive summary ---------------------------------------------------------------------------


def _measure_finding(n: int, a: m.Assessment, title: str, block: m.Change, noun: str,
                     attr: str, peer_measure: str) -> Finding:  # fmt: skip
    ctx: list = [Run("Change: ", bold=True), Run(block.statement)]
    context: list = [ctx]
    for comp in comparators(a):
        cb = getattr(comp, attr)
        if cb is None:
            continue
        context.append([
            Run(f"{comp.area.name}: ", bold=True),
            Run(f"{fmt.rate(cb.rate_per_1000)} per 1,000 residents a year; "
                f"{fmt.change_phrase(cb.direction, cb.percent_change, cb.significant, cb.p_value)}"
                + (f" ({comp.coverage_note})" if comp.coverage_note else "") + "."),
        ])  # fmt: skip
    if not _has_ew(a):
        context.append([Run("England and Wales: ", bold=True),
                        Run("not available — the warehouse does not hold every force's data for "
                            "the period (section 9).")])  # fmt: skip
    rank = next((r for r in (a.peers.ranks if a.peers else []) if r.measure == peer_measure), None)
    if rank and rank.rank:
        context.append([
            Run("Similar areas: ", bold=True),
            Run(f"{fmt.ordinal_word(rank.rank)} rate of {rank.of} (median of the similar areas "
                f"{fmt.rate(rank.peer_median)} per 1,000)."),
        ])  # fmt: skip
    else:
        context.append([Run("Similar areas: ", bold=True), Run("not available for this area.")])
    headline = (f"{fmt.count(block.count)} {noun} in {fmt.period(a.period.start, a.period.end)}: "
                f"{fmt.rate(block.rate_per_1000)} per 1,000 residents a year")  # fmt: skip
    return Finding(n, title, headline, context)


def summary(a: m.Assessment, lab: Labels) -> Section:
    s = Section("summary", "Executive summary")
    s.add(Para(
        f"This strategic assessment covers {lab.area} ({LEVELS.get(a.area.level, a.area.level)}, "
        f"{fmt.count(a.area.population)} residents) for {lab.period}, compared with "
        f"{lab.baseline}. It uses police-recorded crime and anti-social behaviour (ASB) published "
        "on data.police.uk. Every figure below comes with its reference point: the change since "
        "the baseline and whether it is more than chance, similar areas, the wider area, and "
        "England and Wales where the data is loaded.", style="lead"))  # fmt: skip
    s.add(_measure_finding(1, a, "Crime", a.overview.crime, "crimes (excluding ASB)", "crime",
                           "crime rate per 1,000"))  # fmt: skip
    s.add(_measure_finding(2, a, "Anti-social behaviour", a.overview.asb, "ASB incidents", "asb",
                           "ASB rate per 1,000"))  # fmt: skip
    rises = sorted([c for c in a.categories if c.significant and c.direction == "up"],
                   key=lambda c: (-c.sqrt_z, c.category))  # fmt: skip
    falls = sorted([c for c in a.categories if c.significant and c.direction == "down"],
                   key=lambda c: (c.sqrt_z, c.category))  # fmt: skip
    if rises or falls:
        parts = []
        if rises:
            parts.append(
                "rises in "
                + fmt.join_names([c.category.lower() if not c.is_asb else "ASB" for c in rises], 5)
            )
        if falls:
            parts.append(
                ("a fall in " if len(falls) == 1 else "falls in ")
                + fmt.join_names([c.category.lower() for c in falls], 5)
            )
        headline = "Statistically significant " + "; ".join(parts)
    else:
        headline = "No category changed by more than chance would explain"
    ctx = [c.statement for c in rises + falls]
    if a.emerging_issues:
        top = a.emerging_issues[0]
        ctx.append([Run("Emerging issues: ", bold=True),
                    Run(f"see section 7; the strongest signal: {top.statement}")])  # fmt: skip
    s.add(Finding(3, "What is changing", headline, ctx))
    sel = [loc for loc in a.priority_localities.localities if loc.selected]
    conc = a.places.concentration[0] if a.places.concentration else None
    where_ctx: list = []
    if conc and conc.share_of_places_for_half is not None:
        where_ctx.append(f"Half of crime happens in {fmt.share(conc.share_of_places_for_half, 0)} "
                         f"of {conc.unit}s ({fmt.count(conc.places_for_half)} of "
                         f"{fmt.count(conc.places)}).")  # fmt: skip
    where_ctx.append(f"{fmt.count(a.hotspots.hot_cells)} grid cells of "
                     f"{fmt.count(a.hotspots.cell_size_m)} m are statistically significant "
                     "crime hotspots (section 5).")  # fmt: skip
    for loc in sel[:3]:
        where_ctx.append(loc.rationale)
    if len(sel) > 3:
        where_ctx.append("The other priority localities are listed in section 6.")
    s.add(Finding(
        4, "Where", ("Priority localities: " + fmt.join_names([x.area.name for x in sel], 6))
        if sel else "No locality passes the priority threshold", where_ctx))  # fmt: skip
    rec = [p for p in a.recommended_priorities.priorities if p.recommended]
    s.add(Finding(
        5, "What to prioritise",
        "Recommended priorities: " + (fmt.join_names([p.theme for p in rec], 8) or "none"),
        [p.rationale for p in rec] + [
            f"Scored on a {a.recommended_priorities.scale} scale (section 8); the partnership "
            "adds public concern and its own capacity before deciding."],
    ))  # fmt: skip
    gaps = a.period.missing_months or a.baseline.missing_months
    if gaps or a.data_quality.caveats:
        s.add(Para([Run("How firm these figures are: ", bold=True),
                    Run(a.data_quality.caveats[0] if a.data_quality.caveats else "")
                    ], style="note"))  # fmt: skip
    return s


# --- overview ------------------------------------------------------------------------------------


def _reference_table(a: m.Assessment, attr: str, caption: str) -> Table:
    rows = []
    entries = [(a.area.name, getattr(a.overview, attr), None)] + [
        (c.area.name, getattr(c, attr), c.coverage_note) for c in comparators(a)
    ]
    for name, block, note in entries:
        if block is None:
            continue
        rows.append([
            Cell(name, bold=name == a.area.name), fmt.count(block.count),
            fmt.rate(block.rate_per_1000), _ci(block), fmt.rate(block.baseline_rate_per_1000),
            fmt.signed_pct(block.percent_change), _sig(block) + (f"; {note}" if note else ""),
        ])  # fmt: skip
    if not _has_ew(a):
        rows.append(["England and Wales", fmt.NA, fmt.NA, fmt.NA, fmt.NA, fmt.NA,
                     "not available (see section 9)"])  # fmt: skip
    return Table(
        caption,
        [Column("Area"), Column("This period", True), Column("Per 1,000 a year", True),
         Column("95% interval", True), Column("Baseline per 1,000", True),
         Column("Change", True), Column("Is the change more than chance?")],
        rows,
        note="Change is per month when the two periods have different numbers of months with data.",
    )  # fmt: skip


def overview(a: m.Assessment, lab: Labels) -> Section:
    s = Section("overview", "Crime and anti-social behaviour overview")
    s.add(Para(a.overview.crime.statement), Para(a.overview.asb.statement))
    ref = s.sub(Section("reference-points", "Reference points"))
    ref.add(charts.comparators("fig-comparators", lab.area, a.overview, comparators(a)))
    ref.add(_reference_table(a, "crime", f"Crime (excluding ASB): {lab.area} and reference areas"))
    ref.add(_reference_table(a, "asb", f"Anti-social behaviour: {lab.area} and reference areas"))
    if a.overview.crime.harm is not None:
        ref.add(Para(
            f"Harm-weighted crime: {fmt.whole(a.overview.crime.harm)} in this period, "
            f"{fmt.whole(a.overview.crime.baseline_harm)} in the baseline (weights in Appendix A; "
            "ASB has no weight)."))  # fmt: skip
    peers = s.sub(Section("peers", "Similar areas"))
    if a.peers and a.peers.areas:
        peers.add(Para(
            f"{a.peers.method}. Features: {', '.join(a.peers.features)}. {fmt.count(a.peers.k)} "
            f"nearest of {fmt.count(a.peers.candidates)} candidates."))  # fmt: skip
        peers.add(Table(
            f"The areas most similar to {lab.area}",
            [Column("Area"), Column("Residents", True), Column("Distance (smaller is more similar)", True),
             Column("Crime per 1,000 a year", True), Column("ASB per 1,000 a year", True)],
            [[p.area.name, fmt.count(p.population), fmt.number(p.distance),
              fmt.rate(p.crime_rate_per_1000), fmt.rate(p.asb_rate_per_1000)]
             for p in a.peers.areas],
        ))  # fmt: skip
        peers.add(Bullets([
            f"{r.measure[0].upper() + r.measure[1:]}: {fmt.rate(r.value)}, "
            f"{fmt.rank(r.rank, r.of)} (1 = highest); median of similar areas {fmt.rate(r.peer_median)}."
            for r in a.peers.ranks]))  # fmt: skip
        peers.add(charts.peers("fig-peers", lab.area, a.peers))
    else:
        peers.add(Para("No similar areas could be compared for this area: "
                       + next((c for c in a.data_quality.caveats if "peers" in c.lower()),
                              "peers are compared for wards, districts, CSPs and force areas.")))  # fmt: skip
    cats = s.sub(Section("by-category", "By category"))
    cats.add(Table(
        f"Crime and ASB by category, {lab.period} against {lab.baseline}",
        [Column("Category"), Column("This period", True), Column("Baseline", True),
         Column("Change", True), Column("Significance", True), Column("Per 1,000 a year", True),
         Column("Median of similar areas", True), Column("Share", True)],
        [[c.category, fmt.count(c.count), fmt.count(c.baseline_count),
          fmt.signed_pct(c.percent_change), fmt.p_value(c.p_value) + (" *" if c.significant else ""),
          fmt.rate(c.rate_per_1000), fmt.rate(c.peer_rate_median), fmt.share(c.share)]
         for c in a.categories],
        note="* statistically significant (Poisson E-test, p < 0.05). Share: of all crime "
             "excluding ASB, or of ASB for ASB.",
    ))  # fmt: skip
    cats.add(charts.category_rates("fig-category-rates", lab.area, a.categories))
    cats.add(charts.category_changes("fig-category-changes", a.categories, lab.baseline_label))
    return s


# --- categories --------------------------------------------------------------------------------


def category_sections(a: m.Assessment, lab: Labels) -> Section:
    s = Section("categories", "Crime and ASB by category")
    s.add(Para("One section per category, largest first (ASB last). Each gives the count, the "
               "change against the baseline with its significance, the rate per 1,000 residents "
               "with the median of similar areas, the monthly pattern and, for crimes, the latest "
               "outcomes recorded."))  # fmt: skip
    baseline_series = None
    for _i, c in enumerate(a.categories):
        sub = s.sub(Section(f"cat-{c.slug}", c.category))
        sub.add(Para(c.statement))
        items = [
            ("Recorded in this period", fmt.count(c.count)),
            ("Baseline", fmt.count(c.baseline_count)),
            ("Change", f"{fmt.signed_pct(c.percent_change)}, {_sig(c)}"),
            ("Per 1,000 residents a year", fmt.rate(c.rate_per_1000)),
            ("Median of similar areas", fmt.rate(c.peer_rate_median)),
            ("Share of " + ("ASB" if c.is_asb else "all crime"), fmt.share(c.share)),
        ]
        if c.harm_weight is not None:
            items.append(("Harm weight (harm in this period)",
                          f"{fmt.number(c.harm_weight)} ({fmt.whole(c.harm)})"))  # fmt: skip
        if c.trend:
            items.append(("Long-run trend", f"{fmt.signed_pct(c.trend.percent_per_year)} a year, "
                          f"{fmt.p_value(c.trend.p_value)} ({c.trend.method})"))  # fmt: skip
        if c.seasonality:
            items.append(("Seasonality", f"peak in {fmt.MONTHS[int(c.seasonality.peak_month) - 1]}, "
                          f"trough in {fmt.MONTHS[int(c.seasonality.trough_month) - 1]}"))  # fmt: skip
        sub.add(KeyValues(f"{c.category}: key figures", items))
        baseline_series = getattr(c, "baseline_monthly", None)
        title = f"{c.category} {fmt.change_phrase(c.direction, c.percent_change, c.significant, c.p_value)}"
        sub.add(charts.monthly(f"fig-monthly-{c.slug}", c.category, c.monthly, title,
                               baseline=baseline_series,
                               colour=charts.SKY if c.is_asb else charts.BLUE))  # fmt: skip
        if c.outcomes:
            sub.add(Table(
                f"{c.category}: latest outcome recorded", [Column("Outcome"), Column("Number", True),
                                                          Column("Share", True)],
                [[o.outcome, fmt.count(o.count), fmt.share(o.share)] for o in c.outcomes],
                compact=True,
            ))  # fmt: skip
    if baseline_series is None and a.categories:
        s.blocks.append(Para("The monthly charts show this period only: the assessment file does "
                             "not carry the baseline months' series.", style="note"))  # fmt: skip
    return s


# --- places ----------------------------------------------------------------------------------------


def _place_rows(places: list[m.Place], limit: int) -> list[list]:
    return [[p.name if p.name != p.code else p.code, fmt.count(p.population), fmt.count(p.count),
             fmt.count(p.baseline_count), fmt.count(p.asb_count), fmt.rate(p.rate_per_1000),
             fmt.rate(p.smoothed_rate_per_1000),
             str(p.imd_decile) if p.imd_decile is not None else fmt.NA,
             charts.FUNNEL_LABELS[p.funnel]] for p in places[:limit]]  # fmt: skip


PLACE_COLUMNS = [Column("Name"), Column("Residents", True), Column("Crimes", True),
                 Column("Baseline", True), Column("ASB", True), Column("Per 1,000 a year", True),
                 Column("Smoothed per 1,000", True), Column("IMD decile", True),
                 Column("Compared with the area average")]  # fmt: skip


def places(a: m.Assessment, lab: Labels, geo: AreaGeometry | None) -> Section:
    s = Section("places", "Places")
    sel = maps.locality_codes(a.priority_localities)
    ward_level = a.priority_localities.level == "ward"
    s.add(Para("Rates per 1,000 residents are smoothed by empirical Bayes (Marshall 1991) so that "
               "small places with few residents do not top the list by chance; places are "
               "listed by the smoothed rate, highest first. 'Compared with the area average' is "
               "the funnel-plot test with exact Poisson limits. IMD decile: 1 = the most "
               "deprived tenth of England (IoD2025)."))  # fmt: skip
    wards = s.sub(Section("wards", "Wards"))
    if a.places.ward_note:
        wards.add(Para(a.places.ward_note, style="note"))
    shown = min(len(a.places.wards), MAX_WARDS)
    wards.add(Table(
        f"Wards of {lab.area}, {lab.period}" + (f" (the {shown} with the highest smoothed rates; "
                                                "all wards are in the open data)"
                                                if shown < len(a.places.wards) else ""),
        PLACE_COLUMNS, _place_rows(a.places.wards, MAX_WARDS)))  # fmt: skip
    if geo is not None and len(a.places.wards) > 1:
        top = a.places.wards[0]
        wards.add(maps.choropleth(
            "map-wards", geo, a.places.wards, "ward",
            f"{top.name} has the highest smoothed crime rate: {fmt.rate(top.smoothed_rate_per_1000)} "
            "per 1,000 residents a year",
            lambda p: p.smoothed_rate_per_1000, "Crimes per 1,000 residents a year (smoothed)",
            outline_codes=sel if ward_level else (), note=WARD_NOTE))  # fmt: skip
    if len(a.places.wards) > 1:
        wards.add(charts.funnel("fig-funnel-wards", a.places.wards, "ward", lab.area,
                                a.overview.crime.rate_per_1000,
                                getattr(a.places, "ward_funnel_limits", None)))  # fmt: skip
    lsoas = s.sub(Section("lsoas", "Neighbourhoods (LSOAs)"))
    lsoas.add(Para("Lower layer super output areas (LSOAs, Census 2021) have about 1,500 "
                   "residents each. The map shows which are beyond the funnel limits, rather than "
                   "ranking raw rates, which are unstable for small populations."))  # fmt: skip
    if geo is not None and a.places.lsoas:
        high = [p.name for p in a.places.lsoas if p.funnel == "above 99.8%"]
        lsoas.add(maps.funnel_map(
            "map-lsoas", geo, a.places.lsoas, "lsoa",
            (f"LSOAs with crime rates well above the {lab.area} average: "
             f"{fmt.join_names(high, 3)}") if high
            else f"No LSOA has a crime rate far above the {lab.area} average",
            outline_codes=sel if ward_level else (), note=WARD_NOTE if ward_level else None))  # fmt: skip
    shown = min(len(a.places.lsoas), MAX_LSOAS)
    lsoas.add(Table(
        f"The {shown} LSOAs with the highest smoothed crime rates"
        + (f" (of {fmt.count(a.area.lsoa_count)}; all are in the open data)"
           if shown < len(a.places.lsoas) else ""),
        PLACE_COLUMNS, _place_rows(a.places.lsoas, MAX_LSOAS)))  # fmt: skip
    if len(a.places.lsoas) > 1:
        lsoas.add(charts.funnel("fig-funnel-lsoas", a.places.lsoas, "LSOA", lab.area,
                                a.overview.crime.rate_per_1000,
                                getattr(a.places, "lsoa_funnel_limits", None)))  # fmt: skip
    conc = s.sub(Section("concentration", "How concentrated crime is"))
    conc.add(Para("The Lorenz curve and Gini coefficient show how unevenly crime is spread over "
                  "places: 0 is an even spread, 1 all crime in one place. The generalised Gini "
                  "(Bernasco and Steenbeek 2017) corrects for there being more places than "
                  "crimes."))  # fmt: skip
    conc.add(Table(
        "Concentration of crime (excluding ASB)",
        [Column("Places"), Column("Number", True), Column("Crimes", True), Column("Gini", True),
         Column("Generalised Gini", True), Column("Places holding half of crime", True)],
        [[c.unit[0].upper() + c.unit[1:] + "s", fmt.count(c.places), fmt.count(c.events),
          fmt.number(c.gini), fmt.number(c.generalised_gini),
          f"{fmt.count(c.places_for_half)} ({fmt.share(c.share_of_places_for_half)})"]
         for c in a.places.concentration],
    ))  # fmt: skip
    if any(c.lorenz for c in a.places.concentration):
        conc.add(charts.lorenz("fig-lorenz", [c for c in a.places.concentration if c.lorenz]))
    if geo is None:
        s.add(Para("Maps are not available: no boundaries were found for this area's LSOAs in "
                   "the warehouse or the packaged reference data.", style="note"))  # fmt: skip
    return s


# --- hotspots -----------------------------------------------------------------------------------


def hotspots(a: m.Assessment, lab: Labels, geo: AreaGeometry | None) -> Section:
    h = a.hotspots
    s = Section("hotspots", "Hotspots")
    s.add(Para(f"Crime (excluding ASB) is counted on a regular grid of {fmt.count(h.cell_size_m)} m "
               "cells in British National Grid. A cell is a hotspot when it and its eight "
               "neighbours hold more crime than chance would explain (Getis–Ord Gi*), with the "
               "false discovery rate controlled across all cells (Benjamini–Hochberg). The "
               "space-time classes compare the sub-periods to show which hotspots persist, "
               "emerge or fade."))  # fmt: skip
    s.add(KeyValues("Hotspot analysis", [
        ("Hotspot cells", fmt.count(h.hot_cells)),
        ("Coldspot cells", fmt.count(h.cold_cells)),
        ("Cell size", f"{fmt.count(h.cell_size_m)} m ({h.cell_size_rule})"),
        ("Grid", f"{fmt.count(h.rows)} rows by {fmt.count(h.cols)} columns"),
        ("Kernel density bandwidth", f"{fmt.count(h.bandwidth_m)} m"),
        ("False discovery rate", fmt.share(h.fdr_alpha, 0)),
        ("Sub-periods", "; ".join(h.sub_periods) or fmt.NA),
        ("Crimes placed on the grid", fmt.count(h.events)),
        ("Crimes without a location", fmt.count(h.events_without_location)),
    ]))  # fmt: skip
    if geo is not None:
        sel = maps.locality_codes(a.priority_localities)
        names = {loc.area.code: loc.area.name for loc in a.priority_localities.localities}
        level = "ward" if a.priority_localities.level == "ward" else "lsoa"
        label_sel = sel if len(sel) <= 12 else []
        s.add(maps.hotspot_map(
            "map-hotspots", geo, h, "gi",
            f"{fmt.count(h.hot_cells)} grid cells are crime hotspots"
            + (f" and {fmt.count(h.cold_cells)} are coldspots" if h.cold_cells else ""),
            outline_codes=sel, outline_level=level, names={c: names[c] for c in label_sel},
            note="Cells are drawn only where significant. " + WARD_NOTE))  # fmt: skip
        if len(h.sub_periods) >= 2:
            s.add(maps.hotspot_map(
                "map-space-time", geo, h, "space-time",
                "How the hotspots changed from one sub-period to the next",
                note="Classes after Chainey's space-time hotspot method, as in sfhotspot."))  # fmt: skip
    s.add(Para("data.police.uk moves every location to one of about 750,000 anonymous map points, "
               "so single cells smaller than about 150 m mostly show those points, not streets or "
               "premises.", style="note"))  # fmt: skip
    return s


# --- priority localities -----------------------------------------------------------------------------


def localities(a: m.Assessment, lab: Labels, geo: AreaGeometry | None) -> Section:
    pl = a.priority_localities
    s = Section("localities", "Priority localities")
    s.add(Para(f"{pl.method}. Threshold: {pl.threshold_rule}. Years used: "
               f"{'; '.join(pl.years) or fmt.NA}."))  # fmt: skip
    sel = [x for x in pl.localities if x.selected]
    s.add(Para([Run("Selected: ", bold=True),
                Run(fmt.join_names([x.area.name for x in sel], 50) or "none") ]))  # fmt: skip
    if geo is not None and pl.localities:
        s.add(maps.localities_map(
            "map-localities", geo, pl,
            (f"{fmt.join_names([x.area.name for x in sel], 4)} "
             f"{'is' if len(sel) == 1 else 'are'} above the priority threshold") if sel
            else "No locality is above the priority threshold",
            note=WARD_NOTE if pl.level == "ward" else None))  # fmt: skip
    names = [c.name for c in pl.localities[0].components] if pl.localities else []
    shown = pl.localities[:MAX_LOCALITY_ROWS]
    s.add(Table(
        f"{pl.level.capitalize() if pl.level != 'lsoa' else 'LSOA'}s ranked by the composite index"
        + (f" (the first {len(shown)}; all are in the open data)"
           if len(shown) < len(pl.localities) else ""),
        [Column("Rank", True), Column("Locality"), Column("Composite", True), Column("Selected")]
        + [Column(LOCALITY_SHORT.get(n, n), True) for n in names],
        [[str(x.rank), Cell(x.area.name, bold=x.selected), fmt.number(x.composite, 0),
          "yes" if x.selected else "no"]
         + [fmt.number(next((c.index for c in x.components if c.name == n), None), 0) for n in names]
         for x in shown],
        note="Indices: 100 = the area average. Components: " + "; ".join(
            f"{LOCALITY_SHORT.get(n, n)} = {n}" for n in names) + ".",
        row_headers=False,
    ))  # fmt: skip
    if sel:
        s.add(Para([Run("Why these localities", bold=True)]))
        s.add(Bullets([x.rationale for x in sel]))
    return s


# --- emerging issues ------------------------------------------------------------------------------


def emerging(a: m.Assessment, lab: Labels) -> Section:
    s = Section("emerging", "Emerging issues")
    method = next((x for x in a.methods if x.used_for == "Emerging issues"), None)
    s.add(Para("An emerging issue is a category in a ward (or the whole area) whose count in one "
               "of the latest three months is above its 99% Poisson control limit on the trailing "
               "12-month mean, or where a CUSUM has signalled a sustained rise"
               + (f" ({method.reference})" if method else "") + "."))  # fmt: skip
    if not a.emerging_issues:
        s.add(Para("No emerging issues were flagged. " + next(
            (c for c in a.data_quality.caveats if c.startswith("Emerging issues")), "")))  # fmt: skip
        return s
    s.add(Table(
        "Emerging issues, strongest signal first",
        [Column("Category"), Column("Where"), Column("Month"), Column("Count", True),
         Column("Expected", True), Column("Upper limit", True), Column("Above limit"),
         Column("CUSUM signal")],
        [[x.category, x.area.name, fmt.short_month(x.month), fmt.count(x.count),
          fmt.number(x.expected, 1), fmt.count(x.upper_limit), "yes" if x.exceeds_limit else "no",
          "yes" if x.cusum_signal else "no"] for x in a.emerging_issues],
    ))  # fmt: skip
    s.add(Bullets([x.statement for x in a.emerging_issues[:5]]))
    return s


# --- recommended priorities ---------------------------------------------------------------------


def priorities(a: m.Assessment, lab: Labels) -> Section:
    rp = a.recommended_priorities
    s = Section("priorities", "Recommended priorities")
    s.add(Para(f"{rp.method}. Scale: {rp.scale}. The weights are the partnership's to change "
               + (f"(from {rp.inputs_file})." if rp.inputs_file else
                  "(defaults; public concern and partnership capacity are optional inputs that "
                  "the partnership supplies with --priority-inputs).")))  # fmt: skip
    s.add(
        KeyValues("Factor weights", [(FACTORS.get(k, k), f"{v:g}") for k, v in rp.weights.items()])
    )
    factors = [f for f in FACTORS if any(sc.factor == f for p in rp.priorities for sc in p.scores)]
    s.add(Table(
        "Priority matrix: scores by factor (1 low to 5 high; – not scored)",
        [Column("Rank", True), Column("Theme")] + [Column(FACTORS[f], True) for f in factors]
        + [Column("Total", True), Column("Recommended")],
        [[str(p.rank), Cell(p.theme, bold=p.recommended)]
         + [score_cell(next((sc.score for sc in p.scores if sc.factor == f), None)) for f in factors]
         + [Cell(fmt.number(p.total), bold=p.recommended), "yes" if p.recommended else "no"]
         for p in rp.priorities],
        note="Total: the weighted mean of the factors scored, as computed in the assessment.",
        row_headers=False,
    ))  # fmt: skip
    for p in [x for x in rp.priorities if x.recommended]:
        sub = s.sub(Section(f"priority-{fmt.slug(p.theme)}", p.theme))
        sub.add(Para(p.rationale))
        sub.add(Table(
            f"{p.theme}: score breakdown",
            [Column("Factor"), Column("Score", True), Column("Weight", True), Column("Basis")],
            [[FACTORS.get(sc.factor, sc.factor), score_cell(sc.score), f"{sc.weight:g}", sc.basis]
             for sc in p.scores],
            compact=True,
        ))  # fmt: skip
    return s


# --- data quality -------------------------------------------------------------------------------------


def quality(a: m.Assessment, lab: Labels) -> Section:
    q = a.data_quality
    s = Section("quality", "Data quality and caveats")
    items = [
        ("Months with data, this period", f"{a.period.months_present} of {a.period.months}"),
        ("Months with data, baseline", f"{a.baseline.months_present} of {a.baseline.months}"),
    ]
    for force, months in q.missing_months.items():
        items.append((f"Months missing ({force})", ", ".join(fmt.short_month(x) for x in months)))
    items += [
        ("Records in the area (both periods)", fmt.count(q.records)),
        ("Rows rejected at load", fmt.count(q.rejected_rows)),
        ("Records of the force(s) with no location", fmt.count(q.without_location)),
        ("Records of the force(s) with no LSOA", fmt.count(q.without_lsoa)),
        ("Records recorded by another force", fmt.count(q.cross_border)),
        ("Records placed from a 2011 LSOA code", fmt.count(q.harmonised_2011)),
        ("How records were placed in LSOAs", "; ".join(f"{k}: {fmt.count(v)}"
                                                       for k, v in q.lsoa_methods.items()) or fmt.NA),
        ("Gaps allowed (--allow-gaps)", "yes" if q.allow_gaps else "no"),
    ]  # fmt: skip
    s.add(KeyValues("Data quality", items))
    s.add(Para([Run("Caveats", bold=True)]))
    s.add(Bullets(list(q.caveats)))
    s.add(Para(SMALL_NUMBERS_NOTE, style="note"))
    return s


# --- appendices --------------------------------------------------------------------------------------


def _params(p: dict) -> str:
    return "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in p.items()) or "–"


def methods(a: m.Assessment) -> Section:
    s = Section("methods", "Method and references", appendix=True)
    s.add(Para("The published methods behind each figure, with the parameters used in this "
               "assessment."))  # fmt: skip
    s.add(Table("Methods used", [Column("Method"), Column("Used for"), Column("Parameters")],
                [[x.name, x.used_for, _params(x.parameters)] for x in a.methods]))  # fmt: skip
    refs = sorted({x.reference for x in a.methods})
    s.add(Para([Run("References", bold=True)]))
    s.add(Bullets(refs))
    if a.provenance.harm_weights:
        s.add(Table(
            "Harm weights used",
            [Column("Category"), Column("Weight", True), Column("Status"), Column("Source")],
            [[str(h.get("category") or ""), fmt.number(h.get("weight")),  # type: ignore[arg-type]
              str(h.get("status") or ""), str(h.get("source") or "–")]
             for h in a.provenance.harm_weights],
        ))  # fmt: skip
    return s


def provenance(a: m.Assessment) -> Section:
    p = a.provenance
    s = Section("provenance", "Licence and provenance", appendix=True)
    s.add(Para(p.licence))
    s.add(Para("The police data is published by the police forces of England and Wales on "
               "data.police.uk under the Open Government Licence v3.0 "
               "(nationalarchives.gov.uk/doc/open-government-licence/version/3). Maps: "
               "Contains OS data © Crown copyright and database right 2021; boundaries from the "
               "Office for National Statistics."))  # fmt: skip
    s.add(KeyValues("How this document was produced", [
        ("Produced", fmt.timestamp(a.generated_at) + f" ({a.generated_at})"),
        ("Software", f"Safer Places {p.software_version}"),
        ("Warehouse", p.warehouse),
        ("Assessment schema", f"version {a.schema_version} ({a.schema_id})"),
    ]))  # fmt: skip
    s.add(Table(
        "Police data files used",
        [Column("File"), Column("Force"), Column("Month"), Column("SHA-256 (first 16 characters)")],
        [[x.file_name, x.force, x.month, x.sha256[:16]] for x in p.loads],
        compact=True,
    ))  # fmt: skip
    s.add(Table(
        "Reference data",
        [Column("Dataset"), Column("Title"), Column("Licence"), Column("Rows", True)],
        [[str(r.get("dataset") or ""), str(r.get("title") or ""), str(r.get("licence") or ""),
          fmt.count(r.get("rows"))] for r in p.reference_data],  # type: ignore[arg-type]
        compact=True,
    ))  # fmt: skip
    return s


# --- the whole document --------------------------------------------------------------------------


def build(a: m.Assessment, geo: AreaGeometry | None) -> Document:
    lab = labels(a)
    sections: list[Section] = []
    builders: list[Callable[[], Section]] = [
        lambda: summary(a, lab),
        lambda: overview(a, lab),
        lambda: category_sections(a, lab),
        lambda: places(a, lab, geo),
        lambda: hotspots(a, lab, geo),
        lambda: localities(a, lab, geo),
        lambda: emerging(a, lab),
        lambda: priorities(a, lab),
        lambda: quality(a, lab),
        lambda: methods(a),
        lambda: provenance(a),
    ]
    for b in builders:
        sections.append(b())
    meta = [
        ("Area", f"{a.area.name} ({a.area.code}), {LEVELS.get(a.area.level, a.area.level)}"),
        ("Residents", f"{fmt.count(a.area.population)} (Census 2021)"),
        ("Period", lab.period),
        ("Compared with", f"{lab.baseline} ({lab.baseline_label})"),
        ("Police data", ", ".join(a.area.forces) + " (data.police.uk)"),
        (
            "Produced",
            f"{fmt.timestamp(a.generated_at)} with Safer Places {a.provenance.software_version}",
        ),
    ]
    return Document(
        title=f"{a.area.name} community safety strategic assessment",
        subtitle=f"{lab.period}, compared with {lab.baseline}",
        running_header=f"{a.area.name} strategic assessment, {lab.period}",
        meta=meta,
        sections=sections,
    ).number()
