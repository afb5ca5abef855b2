"""What the strategic assessment document says, section by section.

Built once from the model as a :class:`~saferplaces.reports.blocks.Document`; the HTML, PDF and
Word writers lay it out. Every figure shown is a field of the model, formatted; the only
decisions taken here are which figures to show, in what order, and in which words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from saferplaces.assessment import model as m
from saferplaces.assessment import statements
from saferplaces.assessment.parameters import EMERGING_SHOWN
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
    "deprived_concentration": "Concentration in deprived neighbourhoods",
    "vulnerability": "Concentration in deprived neighbourhoods",  # its name before schema 2
    "concentration": "Concentration",
    "public_concern": "Public concern",
    "partnership_capacity": "Partnership capacity",
}
MAX_WARDS = 40
MAX_LSOAS = 20
MAX_LOCALITY_ROWS = 40
LOCALITY_SHORT = {
    "crime": "Crime",
    "anti-social behaviour": "ASB",
    "harm": "Harm",
    "persistence": "Persistence",
    "crime and disorder": "Crime and disorder",
    "deprivation": "Deprivation",
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
    # The months a change compares, named (STYLE.md: "36% more than January–April 2024").
    compared: str = ""
    comparison: str = ""
    months: int = 0
    baseline_months: int = 0

    @property
    def changes(self) -> str:
        """'changes compare January–April 2025 with January–April 2024', or why there are none."""
        if not self.baseline_months:
            return f"there is no baseline to compare with (no police data for {self.baseline} is loaded)"
        return f"changes compare {self.compared} with {self.comparison}"


def labels(a: m.Assessment) -> Labels:
    base = fmt.period(a.baseline.start, a.baseline.end)
    kind = ("the same months a year earlier" if a.baseline.kind == "previous-year"
            else "the previous period of the same length")  # fmt: skip
    basis = getattr(a.baseline, "basis", None)
    now = fmt.months_between(a.period.start, a.period.end, a.period.missing_months)
    before = fmt.months_between(a.baseline.start, a.baseline.end, a.baseline.missing_months)
    n_now, n_before = len(now), len(before)
    if basis == "matched-months" and getattr(a.baseline, "matched_months", None):
        # Like for like: only the months present in both periods are compared.
        now, before = list(a.baseline.matched_months), list(a.baseline.matched_baseline_months)
        n_now, n_before = len(now), len(before)
    elif basis == "whole-period-seasonal":
        # The whole period against the whole baseline, estimated: the same length.
        before = fmt.months_between(a.baseline.start, a.baseline.end)
        n_before = n_now
    elif basis == "none":
        n_before = 0
    return Labels(a.area.name, fmt.period(a.period.start, a.period.end), base, kind,
                  compared=fmt.months_label(now) if now else fmt.period(a.period.start, a.period.end),
                  comparison=fmt.months_label(before) if before else base,
                  months=n_now, baseline_months=n_before)  # fmt: skip


def _p(block: m.Change | m.Category) -> float | None:
    """The p-value as the words need it: the model's own flag decides significance."""
    if block.p_value is None:
        return None
    return 0.0 if block.significant else max(block.p_value, 0.05)


def compared_counts(block: m.Change | m.Category) -> tuple[float, float]:
    """The two numbers a change compares: the months compared now and then, or (seasonal
    basis) the whole period against the baseline estimated for the whole period."""
    compared = getattr(block, "compared_count", None)
    count = block.count if compared is None else compared
    if (
        getattr(block, "basis", None) == "whole-period-seasonal"
        and block.baseline_estimate is not None
    ):
        return count, block.baseline_estimate
    return count, block.baseline_count


def change_sentence(what: str, block: m.Change | m.Category, lab: Labels) -> str:
    """The change in words from the model's numbers (never the engine's stored sentence, which
    older assessment files wrote with p-values)."""
    none = getattr(block, "basis", None) == "none" or block.direction == "no baseline" or (
        lab.baseline_months == 0)  # fmt: skip
    count, base = compared_counts(block)
    return statements.change_sentence(
        what, count, None if none else base, lab.comparison, period=lab.compared,
        p_value=_p(block), direction=block.direction, months=lab.months,
        baseline_months=lab.baseline_months)  # fmt: skip


def change_brief(block: m.Change | m.Category, lab: Labels) -> str:
    """'36% more than January–April 2024, a real rise, not chance' (table cells, titles)."""
    return fmt.change_phrase(block.direction, block.percent_change, block.significant,
                             block.p_value, lab.comparison,
                             monthly=lab.months != lab.baseline_months)  # fmt: skip


def gaps_sentences(a: m.Assessment, lab: Labels) -> list[str]:
    """Missing months in words, naming the months (never the command-line option)."""
    out = []
    for which, per in (("this period", a.period), ("the baseline", a.baseline)):
        if per.missing_months:
            out.append(statements.missing_months_sentence(
                which, fmt.months_label(per.missing_months),
                fmt.months_label(fmt.months_between(per.start, per.end, per.missing_months))))  # fmt: skip
    if (
        out
        and getattr(a.baseline, "basis", None) == "matched-months"
        and lab.months < a.period.months_present
    ):
        out.append(f"Changes compare only the months with data in both periods ({lab.compared} with "
                   f"{lab.comparison}); rates and places use every month of {lab.period}.")  # fmt: skip
    if out and lab.months != lab.baseline_months:
        out.append("Because the two periods have different numbers of months, changes compare "
                   "the average a month.")  # fmt: skip
    return out


ENGINE_GAP_CAVEAT = ("Months missing from the warehouse", "No England and Wales reference point",
                     "Police data for ", "No England and Wales figure")


def plain_caveats(a: m.Assessment, lab: Labels) -> list[str]:
    """The caveats for people: missing months and the national reference are re-written from
    the model's numbers; the others are the engine's plain sentences."""
    out = gaps_sentences(a, lab)
    if not _has_ew(a):
        out.append("There is no England and Wales figure: the warehouse holds police data for "
                   "only some forces for this period.")  # fmt: skip
    out += [c for c in a.data_quality.caveats if not c.startswith(ENGINE_GAP_CAVEAT)]
    return out


def score_cell(score: float | None) -> Cell:
    if score is None:
        return Cell("–")
    return Cell(f"{score:g}", shade=max(1, min(5, round(score))))


def _sig(block: m.Change | m.Category) -> str:
    return fmt.significance(block.significant, block.p_value, block.direction, block.count,
                            block.baseline_count)  # fmt: skip


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
                     attr: str, peer_measure: str, lab: Labels) -> Finding:  # fmt: skip
    ctx: list = [Run("Change: ", bold=True), Run(change_sentence("", block, lab))]
    context: list = [ctx]
    for comp in comparators(a):
        cb = getattr(comp, attr)
        if cb is None:
            continue
        context.append([
            Run(f"{comp.area.name}: ", bold=True),
            Run(f"{fmt.rate(cb.rate_per_1000)} per 1,000 residents a year; "
                f"{change_brief(cb, lab)}"
                + (f" ({comp.coverage_note})" if comp.coverage_note else "") + "."),
        ])  # fmt: skip
    if not _has_ew(a):
        context.append([Run("England and Wales: ", bold=True),
                        Run("not available — the warehouse does not hold every force's data for "
                            "the period (section 9).")])  # fmt: skip
    rank = next((r for r in (a.peers.ranks if a.peers else []) if r.measure == peer_measure), None)
    if rank and rank.rank:
        # The rank says how many areas it is among and from which end ("2nd highest of 4").
        context.append([
            Run("Similar areas: ", bold=True),
            Run(f"{rank.text or statements.rank_words(rank.rank, rank.of)} (the median of the "
                f"similar areas is {fmt.rate(rank.peer_median)} per 1,000)."),
        ])  # fmt: skip
    else:
        context.append([Run("Similar areas: ", bold=True),
                        Run(f"not compared. {a.peers.statement}" if a.peers and a.peers.statement
                            else "not available for this area.")])  # fmt: skip
    headline = (f"{fmt.count(block.count)} {noun} in {fmt.period(a.period.start, a.period.end)}: "
                f"{fmt.rate(block.rate_per_1000)} per 1,000 residents a year")  # fmt: skip
    return Finding(n, title, headline, context)


def summary(a: m.Assessment, lab: Labels) -> Section:
    s = Section("summary", "Executive summary")
    s.add(Para(
        f"This strategic assessment covers {lab.area} ({LEVELS.get(a.area.level, a.area.level)}, "
        f"{fmt.count(a.area.population)} residents) for {lab.period}; {lab.changes}. It uses "
        "police-recorded crime and anti-social behaviour (ASB) published on data.police.uk. Every figure below comes with its reference point: the change since "
        "the baseline and whether it is more than chance, similar areas, the wider area, and "
        "England and Wales where the data is loaded.", style="lead"))  # fmt: skip
    s.add(_measure_finding(1, a, "Crime", a.overview.crime, "crimes (excluding ASB)", "crime",
                           "crime rate per 1,000", lab))  # fmt: skip
    s.add(_measure_finding(2, a, "Anti-social behaviour", a.overview.asb, "ASB incidents", "asb",
                           "ASB rate per 1,000", lab))  # fmt: skip
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
        headline = "Real changes, not chance: " + "; ".join(parts)
    else:
        headline = "No category changed by more than chance would explain"
    ctx = [change_sentence(c.category, c, lab) for c in rises + falls]
    if a.emerging_issues:
        ctx.append([Run("Emerging issues: ", bold=True),
                    Run(f"{fmt.count(len(a.emerging_issues))} flagged (see section 7); the "
                        f"clearest: {emerging_sentence(a.emerging_issues[0])}")])  # fmt: skip
    s.add(Finding(3, "What is changing", headline, ctx))
    sel = [loc for loc in a.priority_localities.localities if loc.selected]
    conc = a.places.concentration[0] if a.places.concentration else None
    where_ctx: list = []
    if conc and conc.share_of_places_for_half is not None:
        where_ctx.append(f"Half of crime happens in {fmt.share(conc.share_of_places_for_half, 0)} "
                         f"of {conc.unit}s ({fmt.count(conc.places_for_half)} of "
                         f"{fmt.count(conc.places)}).")  # fmt: skip
    where_ctx.append(f"{fmt.count(a.hotspots.hot_cells)} squares of "
                     f"{fmt.count(a.hotspots.cell_size_m)} m hold more crime, with their "
                     "neighbours, than chance would explain: the crime hotspots (section 5).")  # fmt: skip
    for loc in sel[:3]:
        where_ctx.append(locality_sentence(a, loc))
    if len(sel) > 3:
        where_ctx.append("The other priority localities are listed in section 6.")
    s.add(Finding(
        4, "Where", ("Priority localities: " + fmt.join_names([x.area.name for x in sel], 6))
        if sel else "No locality passes the priority threshold", where_ctx))  # fmt: skip
    rec = [p for p in a.recommended_priorities.priorities if p.recommended]
    s.add(Finding(
        5, "What to prioritise",
        "Recommended priorities: " + (fmt.join_names([p.theme for p in rec], 8) or "none"),
        [priority_rationale(a, p) for p in rec] + [
            f"Scored on a {a.recommended_priorities.scale} scale (section 8); the partnership "
            "adds public concern and its own capacity before deciding."]
        + ([f"Not ranked, for want of evidence in the loaded data: "
            f"{fmt.join_names([t.theme for t in a.recommended_priorities.without_evidence], 10)}. "
            "A missing score is not a low one (section 8 lists the data that would show them)."]
           if a.recommended_priorities.without_evidence else []),
    ))  # fmt: skip
    caveats = plain_caveats(a, lab)
    if caveats:
        s.add(Para([Run("How firm these figures are: ", bold=True),
                    Run(" ".join(gaps_sentences(a, lab)) or caveats[0])], style="note"))  # fmt: skip
    s.add(Para(statements.WHAT_THE_DATA_CANNOT_SHOW, style="note"))
    return s


def emerging_sentence(x: m.EmergingIssue) -> str:
    return x.statement


def _basis_number(sc: m.ThemeScore) -> float | None:
    """The figure a factor was scored on: the model carries it (``ThemeScore.value``)."""
    return sc.value


def factor_words(a: m.Assessment, theme: str, sc: m.ThemeScore) -> statements.Factor:
    """One priority factor in plain English, from the model's numbers."""
    name = FACTORS.get(sc.factor, sc.factor)
    if sc.words:
        # A theme's factor carries its own words, from the evidence it was computed on.
        return statements.Factor(name, sc.score, sc.words, sc.cited)
    cats = [c for c in a.categories if c.category == theme]
    c = cats[0] if cats else None
    words, evidence = f"scored {sc.score:g} of 5" if sc.score is not None else "not scored", True
    if not sc.applies:
        words, evidence = "does not apply: " + sc.basis.removeprefix("no weight: "), False
    elif sc.factor == "harm" and c is not None and c.harm is not None:
        total = sum(x.harm or 0 for x in a.categories)
        if total:
            words = statements.harm_share_words(c.harm / total * 100)
    elif sc.factor == "volume" and c is not None:
        if c.peer_rate_median and c.rate_per_1000 is not None:
            words = statements.peer_ratio_words(c.rate_per_1000 / c.peer_rate_median)
        else:
            words, evidence = "no similar area with police data to compare with", False
    elif sc.factor == "trend" and c is not None:
        words = change_brief(c, labels(a))
        # Only a change that is more than chance is evidence, whatever the score.
        evidence = bool(c.significant and c.direction == "up")
    elif sc.factor in ("deprived_concentration", "vulnerability"):
        ratio = _basis_number(sc)
        if ratio is not None:
            words = statements.deprivation_words(ratio)
    elif sc.factor == "concentration":
        words = statements.concentration_words(sc.score)
    elif sc.factor in ("public_concern", "partnership_capacity"):
        words = (f"scored {sc.score:g} of 5 by the partnership" if sc.score is not None
                 else "not yet scored by the partnership")  # fmt: skip
    return statements.Factor(name, sc.score, words, evidence)


def theme_evidence_sentence(p: m.RecommendedPriority) -> str:
    """What a theme was scored from, in words: its crime types and partner data with counts."""
    police = [f"{e.name} ({fmt.count(e.count)})" for e in p.evidence_rows if e.kind == "police category"]
    partner = [f"{e.name} ({fmt.count(e.count)})" for e in p.evidence_rows if e.kind == "partner measure"]
    parts = []
    if police:
        parts.append("police-recorded " + fmt.join_names(police, 10))
    if partner:
        parts.append("partner data: " + fmt.join_names(partner, 10))
    return "Scored from " + "; ".join(parts) + " in the period."


def priority_reasons(a: m.Assessment, p: m.RecommendedPriority) -> str:
    return statements.priority_reasons([factor_words(a, p.theme, sc) for sc in p.scores])


def priority_rationale(a: m.Assessment, p: m.RecommendedPriority) -> str:
    """Why a theme is recommended, naming only the factors that carry evidence."""
    return statements.priority_rationale(p.theme, p.total, p.rank,
                                         [factor_words(a, p.theme, sc) for sc in p.scores])  # fmt: skip


# --- overview ------------------------------------------------------------------------------------


def _reference_table(a: m.Assessment, attr: str, caption: str, lab: Labels) -> Table:
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
         Column("Likely range", True), Column("Baseline per 1,000", True),
         Column("Change", True), Column("Is the change more than chance?")],
        rows,
        note=(f"Change: {lab.compared} against {lab.comparison}"
              + ("; when the two have different numbers of months, the change compares the "
                 "average a month" if lab.months != lab.baseline_months else "")
              + ". Likely range: where the true rate lies, allowing for chance (95 times in 100)."),
    )  # fmt: skip


def overview(a: m.Assessment, lab: Labels) -> Section:
    s = Section("overview", "Crime and anti-social behaviour overview")
    s.add(Para(change_sentence("Recorded crime (excluding ASB)", a.overview.crime, lab)),
          Para(change_sentence("Anti-social behaviour", a.overview.asb, lab)))  # fmt: skip
    ref = s.sub(Section("reference-points", "Reference points"))
    ref.add(charts.comparators("fig-comparators", lab.area, a.overview, comparators(a)))
    ref.add(
        _reference_table(a, "crime", f"Crime (excluding ASB): {lab.area} and reference areas", lab)
    )
    ref.add(
        _reference_table(a, "asb", f"Anti-social behaviour: {lab.area} and reference areas", lab)
    )
    if a.overview.crime.harm is not None:
        ref.add(Para(
            f"Harm-weighted crime: {fmt.whole(a.overview.crime.harm)} in this period, "
            f"{fmt.whole(a.overview.crime.baseline_harm)} in the baseline (weights in Appendix A). "
            + (" ".join(x.statement for x in a.overview.harm_exclusions)
               or "ASB has no weight.")))  # fmt: skip
    peers = s.sub(Section("peers", "Similar areas"))
    if a.peers and a.peers.areas:
        peers.add(Para(
            f"The {fmt.count(a.peers.k)} areas most like {lab.area}, chosen from "
            f"{a.peers.pool or fmt.count(a.peers.candidates)} on "
            f"{fmt.join_names(list(a.peers.features), 8)}, whatever police data is loaded (how, "
            f"in Appendix A). {a.peers.statement}"))  # fmt: skip
        peers.add(Table(
            f"The areas most similar to {lab.area}",
            [Column("Area"), Column("Residents", True), Column("Distance (smaller is more similar)", True),
             Column("Police data for the period"),
             Column("Crime per 1,000 a year", True), Column("ASB per 1,000 a year", True)],
            [[p.area.name, fmt.count(p.population), fmt.number(p.distance),
              "yes" if p.has_data else "not loaded",
              fmt.rate(p.crime_rate_per_1000), fmt.rate(p.asb_rate_per_1000)]
             for p in a.peers.areas],
        ))  # fmt: skip
        if any(r.rank for r in a.peers.ranks):
            peers.add(Bullets([
                f"{r.measure[0].upper() + r.measure[1:]}: {fmt.rate(r.value)}, "
                f"{r.text or statements.rank_words(r.rank, r.of)}; median of the similar areas "
                f"with police data {fmt.rate(r.peer_median)}."
                for r in a.peers.ranks]))  # fmt: skip
            peers.add(charts.peers("fig-peers", lab.area, a.peers))
    else:
        peers.add(Para("No similar areas could be compared for this area: "
                       + next((c for c in a.data_quality.caveats if "peers" in c.lower()),
                              "peers are compared for wards, districts, CSPs and force areas.")))  # fmt: skip
    cats = s.sub(Section("by-category", "By category"))
    cats.add(Table(
        f"Crime and ASB by category, {lab.period} (change: {lab.compared} against {lab.comparison})",
        [Column("Category"), Column("This period", True), Column("Baseline", True),
         Column("Change", True), Column("More than chance?"), Column("Per 1,000 a year", True),
         Column("Median of similar areas", True), Column("Share", True)],
        [[c.category, fmt.count(c.count), fmt.count(c.baseline_count),
          fmt.signed_pct(c.percent_change), _sig(c),
          fmt.rate(c.rate_per_1000), fmt.rate(c.peer_rate_median), fmt.share(c.share)]
         for c in a.categories],
        note=(f"Change: {lab.compared} against {lab.comparison}. Share: of all crime excluding "
              "ASB, or of ASB for ASB. The tests behind 'more than chance' are in Appendix A."),
    ))  # fmt: skip
    cats.add(charts.category_rates("fig-category-rates", lab.area, a.categories))
    cats.add(charts.category_changes("fig-category-changes", a.categories, lab.comparison))
    return s


# --- categories --------------------------------------------------------------------------------


def category_sections(a: m.Assessment, lab: Labels) -> Section:
    s = Section("categories", "Crime and ASB by category")
    s.add(Para("One section per category, largest first (ASB last). Each gives the count, the "
               "change against the baseline and whether it is more than chance, the rate per 1,000 residents "
               "with the median of similar areas, the monthly pattern and, for crimes, the latest "
               "outcomes recorded."))  # fmt: skip
    baseline_series = None
    for _i, c in enumerate(a.categories):
        sub = s.sub(Section(f"cat-{c.slug}", c.category))
        sub.add(Para(change_sentence(c.category, c, lab)))
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
            items.append(("Long-run trend", f"{statements.trend_count_words(c.trend.slope_per_month)} "
                          f"({statements.significance_words(c.trend.p_value, 'up' if c.trend.slope_per_month > 0 else 'down')})"))  # fmt: skip
        if c.seasonality:
            items.append(("Seasonality", f"peak in {fmt.MONTHS[int(c.seasonality.peak_month) - 1]}, "
                          f"trough in {fmt.MONTHS[int(c.seasonality.trough_month) - 1]}"))  # fmt: skip
        sub.add(KeyValues(f"{c.category}: key figures", items))
        for caveat in c.caveats:
            sub.add(Para(caveat, style="note"))
        baseline_series = getattr(c, "baseline_monthly", None)
        title = f"{c.category}: {change_brief(c, lab)}"
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
    s.add(Para("Rates per 1,000 residents are smoothed (pulled towards the area average, more "
               "so for places with few residents) so that small places do not top the list by "
               "chance; places are listed by the smoothed rate, highest first. 'Compared with "
               "the area average' says whether a place's rate is further from the average than "
               "chance would explain for its size (method in Appendix A). IMD decile: 1 = the "
               "most deprived tenth of England (Indices of Deprivation 2025)."))  # fmt: skip
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
    conc.add(Para("How unevenly crime is spread over places: the chart shows what share of "
                  "crime the places with most crime hold. The concentration score runs from 0 "
                  "(an even spread) to 1 (all crime in one place); the adjusted score allows "
                  "for there being more places than crimes (Appendix A)."))  # fmt: skip
    conc.add(Table(
        "Concentration of crime (excluding ASB)",
        [Column("Places"), Column("Number", True), Column("Crimes", True),
         Column("Concentration (0 to 1)", True), Column("Adjusted concentration", True),
         Column("Places holding half of crime", True)],
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
               "squares. A square is a hotspot when it and its eight neighbours hold more crime "
               "than chance would explain, allowing for the many squares looked at, so that few "
               "hotspots are false alarms. Comparing the parts of the period shows which "
               "hotspots persist, emerge or fade. The methods and their settings are in "
               "Appendix A."))  # fmt: skip
    s.add(KeyValues("Hotspot analysis", [
        ("Hotspot squares", fmt.count(h.hot_cells)),
        ("Squares with less crime than chance would explain", fmt.count(h.cold_cells)),
        ("Square size", f"{fmt.count(h.cell_size_m)} m"),
        ("Grid", f"{fmt.count(h.rows)} rows by {fmt.count(h.cols)} columns"),
        ("Parts of the period compared", "; ".join(h.sub_periods) or fmt.NA),
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
            f"{fmt.count(h.hot_cells)} squares are crime hotspots"
            + (f" and {fmt.count(h.cold_cells)} have less crime than chance would explain"
               if h.cold_cells else ""),
            outline_codes=sel, outline_level=level, names={c: names[c] for c in label_sel},
            note="Squares are drawn only where they differ by more than chance. " + WARD_NOTE))  # fmt: skip
        if len(h.sub_periods) >= 2:
            s.add(maps.hotspot_map(
                "map-space-time", geo, h, "space-time",
                "How the hotspots changed from one sub-period to the next",
                note="Classes as in Chainey's space-time hotspot method (Appendix A)."))  # fmt: skip
    s.add(Para("data.police.uk moves every location to one of about 750,000 anonymous map points, "
               "so single cells smaller than about 150 m mostly show those points, not streets or "
               "premises.", style="note"))  # fmt: skip
    return s


# --- priority localities -----------------------------------------------------------------------------


def localities(a: m.Assessment, lab: Labels, geo: AreaGeometry | None) -> Section:
    pl = a.priority_localities
    s = Section("localities", "Priority localities")
    unit = pl.level if pl.level != "lsoa" else "neighbourhood"
    doms = [d.name for d in pl.domains]
    weights = {d.weight for d in pl.domains}
    s.add(Para(f"Each {unit} gets a score from {fmt.join_names(doms, 6) or 'its figures'}, each "
               f"as an index where 100 is the {lab.area} rate. Each of these counts once"
               + (", with equal weight" if len(weights) <= 1 else ", with the weights in Appendix A")
               + f". A {unit} is a priority when its score is at least {fmt.number(pl.threshold, 0)}, "
               f"{statements.times(pl.threshold / 100)} the {lab.area} level. Period: "
               f"{'; '.join(pl.years) or fmt.NA}. "
               + (pl.persistence + " " if pl.persistence else "") + "Method in Appendix A."))  # fmt: skip
    sel = [x for x in pl.localities if x.selected]
    near = [x for x in pl.localities if x.near_line]
    s.add(Para([Run("Selected: ", bold=True),
                Run(fmt.join_names([x.area.name for x in sel], 50) or "none") ]))  # fmt: skip
    s.add(Para([Run(f"Just below the line (within {fmt.number(pl.band, 0)} points): ", bold=True),
                Run(fmt.join_names([x.area.name for x in near], 50) or "none")]))  # fmt: skip
    if geo is not None and pl.localities:
        s.add(maps.localities_map(
            "map-localities", geo, pl,
            (f"{fmt.join_names([x.area.name for x in sel], 4)} "
             f"{'is' if len(sel) == 1 else 'are'} above the priority threshold") if sel
            else "No locality is above the priority threshold",
            note=WARD_NOTE if pl.level == "ward" else None))  # fmt: skip
    shown = pl.localities[:MAX_LOCALITY_ROWS]
    s.add(Table(
        f"{pl.level.capitalize() if pl.level != 'lsoa' else 'LSOA'}s ranked by their score"
        + (f" (the first {len(shown)}; all are in the open data)"
           if len(shown) < len(pl.localities) else ""),
        [Column("Rank", True), Column("Locality"), Column("Score", True), Column("Selected")]
        + [Column(LOCALITY_SHORT.get(n, n[:1].upper() + n[1:]), True) for n in doms]
        + [Column("Note")],
        [[str(x.rank), Cell(x.area.name, bold=x.selected), fmt.number(x.composite, 0),
          "yes" if x.selected else "no"]
         + [fmt.number(x.domain_scores.get(n), 0) for n in doms]
         + [_locality_note(x, pl)]
         for x in shown],
        note=f"Scores: 100 = the {lab.area} rate. "
             + "; ".join(f"{d.name}: {fmt.join_names(d.indicators, 8)}" for d in pl.domains) + ".",
        row_headers=False,
    ))  # fmt: skip
    if sel:
        s.add(Para([Run("Why these localities", bold=True)]))
        s.add(Bullets([f"{x.area.name}: {x.rationale}" for x in sel]))
    if near:
        s.add(Para([Run("Close to the line", bold=True)]))
        s.add(Bullets([f"{x.area.name}: {x.rationale}" for x in near]))
    dominated = [x for x in pl.localities if x.domination]
    if dominated:
        s.add(Para([Run("Places where one non-residential site holds much of the crime", bold=True)]))
        s.add(Bullets([
            f"{x.area.name}: {fmt.share(x.domination.share, 0)} of its recorded crime is at one "
            f"{x.domination.location.removeprefix('On or near ').lower()} map point. Its score is "
            f"{fmt.number(x.composite, 0)} with it and {fmt.number(x.domination.composite_without, 0)} "
            f"without it ({'selected' if x.domination.selected_without else 'not selected'} without it)."
            for x in dominated]))  # fmt: skip
    s.add(Para([Run("How firm the selection is", bold=True)]))
    s.add(Bullets(_sensitivity_lines(pl) or ["No locality is selected under any of the checks."]))
    if pl.omitted:
        s.add(Para("Left out: " + "; ".join(pl.omitted) + ".", style="note"))
    return s


def _locality_note(x: m.PriorityLocality, pl: m.PriorityLocalities) -> str:
    notes = []
    if x.domination:
        notes.append(f"{x.domination.location.removeprefix('On or near ').lower()}: "
                     f"{fmt.number(x.domination.composite_without, 0)} without it")  # fmt: skip
    if x.near_line:
        notes.append("just below the line")
    if x.selected and x.area.code in pl.marginal:
        notes.append("not selected under every check")
    return "; ".join(notes) or "–"


def _sensitivity_lines(pl: m.PriorityLocalities) -> list[str]:
    """Which localities change with the line or the weights, in words."""
    names = {x.area.code: x.area.name for x in pl.localities}

    def listed(codes: list[str]) -> str:
        return fmt.join_names([names.get(c, c) for c in codes], 20)

    lines = []
    if pl.robust:
        lines.append(f"Selected under every check: {listed(pl.robust)}.")
    for c in pl.sensitivity:
        change = []
        if c.added:
            change.append(f"adds {listed(c.added)}")
        if c.removed:
            change.append(f"drops {listed(c.removed)}")
        what = (f"With the {c.name}" if c.name.startswith("line") else
                f"Counted {c.name}" if c.name.startswith("without") else f"With {c.name} weights")  # fmt: skip
        lines.append(f"{what}: " + (" and ".join(change) if change else "no change") + ".")
    return lines


def locality_sentence(a: m.Assessment, x: m.PriorityLocality) -> str:
    """Why a locality is a priority: its rank and the rationale from its components."""
    pl = a.priority_localities
    unit = "neighbourhood" if pl.level == "lsoa" else pl.level
    return (f"{x.area.name} (ranked {statements.ordinal(x.rank)} of {len(pl.localities)} {unit}s): "
            f"{x.rationale}")


# --- partner data and the county's districts ----------------------------------------------------


def partner_section(a: m.Assessment, lab: Labels) -> Section | None:
    pd = a.partner_data
    if pd is None or not pd.measures:
        return None
    s = Section("partner-data", "Partner data")
    s.add(Para(pd.note))
    for x in pd.measures:
        c = x.change
        small = 0 < c.count < x.suppress_below
        s.add(Para([Run(x.title, bold=True)]))
        s.add(KeyValues(x.title, [
            ("What counts", x.definition),
            ("Source", x.source),
            ("Sharing basis", x.licence),
            ("Periods", ", ".join(x.periods)),
            ("Count", f"fewer than {x.suppress_below}" if small else fmt.count(c.count)),
            ("Rate per 1,000 residents a year", "–" if small else fmt.rate(c.rate_per_1000)),
            ("Change", "–" if small or c.compared_count < x.suppress_below
             or c.baseline_count < x.suppress_below
             else fmt.change_phrase(c.direction, c.percent_change, c.significant, c.p_value,
                                    (c.compared or "").split(" against ")[-1], monthly=False)),
            ("Used for priority localities", "yes" if x.in_localities else "no"),
        ]))  # fmt: skip
        if not small and c.compared_count >= x.suppress_below and c.baseline_count >= x.suppress_below:
            s.add(Para(c.statement))
        if x.notes:
            s.add(Para(x.notes, style="note"))
    return s


def county_section(a: m.Assessment, lab: Labels) -> Section | None:
    cty = a.county
    if cty is None:
        return None
    s = Section("districts", f"The districts of {a.area.name}")
    s.add(Para(cty.statement))
    s.add(Table(
        "Districts side by side",
        [Column("District"), Column("Crime", True), Column("Crime per 1,000 a year", True),
         Column("Change in crime"), Column("ASB", True), Column("ASB per 1,000 a year", True),
         Column("Top priorities"), Column("Priority localities")],
        [[d.area.name, fmt.count(d.crime.count), fmt.rate(d.crime.rate_per_1000),
          change_brief(d.crime, lab), fmt.count(d.asb.count), fmt.rate(d.asb.rate_per_1000),
          fmt.join_names(d.top_priorities[:3], 3) or "none",
          fmt.join_names([x.name for x in d.priority_localities], 6) or "none"]
         for d in cty.districts],
        note="Each district's localities are scored against its own rate; its priorities on the "
             "same scale as the county's, without similar areas.",
        row_headers=False,
    ))  # fmt: skip
    if cty.localities:
        s.add(Table(
            "Priority localities of the districts",
            [Column("Locality"), Column("District"), Column("Score in its district", True),
             Column("Score against the county", True), Column("Selected against the county")],
            [[x.area.name, x.district, fmt.number(x.district_composite, 0),
              fmt.number(x.county_composite, 0), "yes" if x.county_selected else "no"]
             for x in cty.localities],
            row_headers=False,
        ))  # fmt: skip
    if cty.priorities:
        s.add(Para([Run("Priorities across the districts", bold=True)]))
        s.add(Bullets([f"{t.theme}: {len(t.districts)} of {len(cty.districts)} districts "
                       f"({fmt.join_names(t.districts, 8)})" for t in cty.priorities]))  # fmt: skip
    return s


# --- emerging issues ------------------------------------------------------------------------------


def emerging(a: m.Assessment, lab: Labels) -> Section:
    s = Section("emerging", "Emerging issues")
    e = a.emerging
    method = next((x for x in a.methods if x.used_for == "Emerging issues"), None)
    s.add(Para("An emerging issue is a crime type in a ward (or the whole area) with more records "
               "in the latest three months than the months before them can explain by chance. "
               "Many wards and crime types are checked at once, so a few flags would appear by "
               "chance alone; the list is set so that no more than "
               f"{fmt.share(e.fdr if e else 0.1, 0)} of what it shows is expected to be chance"
               + (" (method in Appendix A)" if method else "") + "."))  # fmt: skip
    if e is not None:
        s.add(Para(e.statement))
    if not a.emerging_issues:
        return s
    s.add(Table(
        f"Emerging issues, clearest first (all {fmt.count(len(a.emerging_issues))})",
        [Column("Category"), Column("Where"), Column("Months"), Column("Count", True),
         Column("Usual a month before", True), Column("Times the usual", True)],
        [[x.category, x.area.name, fmt.months_label(x.months), fmt.count(x.count),
          fmt.number(x.baseline_mean, 1), fmt.number(x.ratio, 1) if x.ratio is not None else "new"]
         for x in a.emerging_issues],
    ))  # fmt: skip
    shown = a.emerging_issues[:EMERGING_SHOWN]
    s.add(Bullets([emerging_sentence(x) for x in shown]
                  + ([f"…and {fmt.count(len(a.emerging_issues) - len(shown))} more in the table."]
                     if len(a.emerging_issues) > len(shown) else [])))  # fmt: skip
    return s


# --- recommended priorities ---------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return fmt.NA if x is None else f"{x * 100:.0f}%"


def consultation_section(a: m.Assessment, lab: Labels) -> Section | None:
    """What residents told the partnership's survey, when the priority inputs file gives it."""
    c = a.consultation
    if c is None or not c.themes:
        return None
    s = Section("consultation", "What residents told us")
    about = f"From {c.source}"
    if c.dates:
        about += f", run {c.dates}"
    about += ("; the answers were weighted so the results reflect the area's residents "
              + (f"by {c.weighted_by}" if c.weighted_by else "as a whole") + ". ")  # fmt: skip
    about += ("These shares are the public concern scores in the priority matrix below"
              + (f" (from {PurePath(c.inputs_file).name})." if c.inputs_file else "."))
    s.add(Para(about))
    s.add(Table(
        "Share of residents saying each is a big problem",
        [Column("Theme"), Column("Say it is a big problem", True),
         Column("Likely range for all residents", True), Column("Answered", True),
         Column("Public concern score (1 to 5)", True)],
        [[t.theme, _pct(t.share),
          f"between {_pct(t.low)} and {_pct(t.high)}" if t.low is not None and t.high is not None
          else fmt.NA,
          fmt.count(t.responses) if t.responses is not None else fmt.NA,
          fmt.number(t.public_concern) if t.public_concern is not None else fmt.NA]
         for t in c.themes],
        note="Likely range: the figure for all residents is likely (95 times in 100) to lie "
             "within it; it is wider where fewer people answered.",
    ))  # fmt: skip
    s.add(Para([Run("What a survey cannot show: ", bold=True), " ".join(c.cannot_show)],
               style="note"))  # fmt: skip
    return s


def priorities(a: m.Assessment, lab: Labels) -> Section:
    rp = a.recommended_priorities
    s = Section("priorities", "Recommended priorities")
    s.add(Para("Each community safety theme is scored from the evidence loaded for it: the "
               "police-recorded crime types that show it and any partner data that does. It is "
               "scored from 1 (low) to 5 (high) on harm, volume against similar areas, trend, how "
               "much more it falls on the most deprived neighbourhoods, and how concentrated it "
               "is; the total is the weighted average of the scores (a risk matrix in the style "
               "police forces use; details in Appendix A). The weights are the partnership's to "
               "change "
               + (f"(from {PurePath(rp.inputs_file).name})." if rp.inputs_file else
                  "(these are the defaults; the partnership adds public concern and its own "
                  "capacity in a priority inputs file).")))  # fmt: skip
    if rp.ranking_note:
        s.add(Para(rp.ranking_note))
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
        note="Total: the weighted mean of the factors that apply and are scored, as computed in "
             "the assessment (– not scored, or does not apply: ASB has no harm weight).",
        row_headers=False,
    ))  # fmt: skip
    for p in [x for x in rp.priorities if x.recommended]:
        sub = s.sub(Section(f"priority-{fmt.slug(p.theme)}", p.theme))
        sub.add(Para(priority_rationale(a, p)))
        if p.evidence_rows:
            sub.add(Para(theme_evidence_sentence(p)))
        for text in [p.total_note, p.coverage, *p.caveats]:
            if text and (text not in p.coverage or text == p.coverage):
                sub.add(Para(text, style="note"))
        sub.add(Table(
            f"{p.theme}: score breakdown",
            [Column("Factor"), Column("Score", True), Column("Weight", True), Column("Based on")],
            [[FACTORS.get(sc.factor, sc.factor), score_cell(sc.score), f"{sc.weight:g}",
              factor_words(a, p.theme, sc).words] for sc in p.scores],
            compact=True,
            note="The scoring rules and the figures behind each score are in Appendix A.",
        ))  # fmt: skip
    if rp.without_evidence:
        none = s.sub(Section("no-evidence", "Themes with no evidence in the loaded data"))
        none.add(Para("These themes have no evidence in the loaded data, so they are not scored "
                      "or ranked; they are not less important for that. Loading the partner data "
                      "listed would let them be scored beside the others."))  # fmt: skip
        none.add(Table(
            "Themes with no evidence in the loaded data, and what would evidence them",
            [Column("Theme"), Column("Status"), Column("What would evidence it")],
            [[t.theme, t.status + (f" (public concern scored {t.public_concern:g} of 5)"
                                   if t.public_concern is not None else ""),
              "; ".join(t.partner_data)] for t in rp.without_evidence],
            compact=True, row_headers=False,
        ))  # fmt: skip
    if a.data_cannot_show:
        gap = s.sub(Section("cannot-show", "What this data cannot show"))
        gap.add(Para("Some community safety themes cannot be evidenced from published police "
                     "data at all, or only mixed with much else. A theme with no evidence in the "
                     "loaded data is not scored (a missing score is not a low one); one the data "
                     "shows only mixed with much else is scored from what it holds, with that "
                     "caveat. The partner data that would show them:"))  # fmt: skip
        gap.add(Table(
            "Themes police.uk cannot show, and the data that would",
            [Column("Theme"), Column("What police.uk cannot show"), Column("Partner data")],
            [[t.theme, t.cannot_show, "; ".join(t.partner_data)] for t in a.data_cannot_show],
            compact=True, row_headers=False,
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
        items.append((f"Months missing ({force.replace('-', ' ').title()})",
                      fmt.months_label(list(months))))  # fmt: skip
    items += [
        ("Records in the area (both periods)", fmt.count(q.records)),
        ("Rows rejected at load", fmt.count(q.rejected_rows)),
        ("Records of the force(s) with no location", fmt.count(q.without_location)),
        ("Records of the force(s) with no LSOA", fmt.count(q.without_lsoa)),
        ("Records recorded by another force", fmt.count(q.cross_border)),
        ("Records placed from a 2011 LSOA code", fmt.count(q.harmonised_2011)),
        ("How records were placed in LSOAs", "; ".join(f"{k}: {fmt.count(v)}"
                                                       for k, v in q.lsoa_methods.items()) or fmt.NA),
        ("Missing months left out rather than stopping the assessment",
         "yes" if q.allow_gaps else "no"),
    ]  # fmt: skip
    s.add(KeyValues("Data quality", items))
    s.add(Para([Run("Caveats", bold=True)]))
    s.add(Bullets([*plain_caveats(a, lab), statements.WHAT_THE_DATA_CANNOT_SHOW]))
    s.add(Para(SMALL_NUMBERS_NOTE, style="note"))
    return s


# --- appendices --------------------------------------------------------------------------------------


def locality_worked_example(a: m.Assessment) -> str:
    """The first-ranked locality's score, worked through from its domain scores."""
    pl = a.priority_localities
    if not pl.localities or not pl.domains:
        return "Priority localities: no locality to work through."
    x = pl.localities[0]
    total = sum(d.weight for d in pl.domains) or 1.0
    terms = " + ".join(f"{d.weight:g} × {fmt.number(x.domain_scores.get(d.name), 1)} ({d.name})"
                       for d in pl.domains)  # fmt: skip
    return (f"Worked example: {x.area.name}'s score is ({terms}) ÷ {total:g} = "
            f"{fmt.number(x.composite, 1)}, against a line of {fmt.number(pl.threshold, 0)}.")


def _params(p: dict) -> str:
    return "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in p.items()) or "–"


def methods(a: m.Assessment) -> Section:
    s = Section("methods", "Method and references", appendix=True)
    s.add(Para("The published methods behind each figure, with the parameters used in this "
               "assessment."))  # fmt: skip
    s.add(Table("Methods used", [Column("Method"), Column("Used for"), Column("Parameters")],
                [[x.name, x.used_for, _params(x.parameters)] for x in a.methods]))  # fmt: skip
    # The precision the body leaves out (STYLE.md): tests, p-values, thresholds and options.
    lab = labels(a)
    s.add(Table(
        f"Change tests: {lab.compared} against {lab.comparison}",
        [Column("Measure"), Column("Now", True), Column("Baseline", True), Column("Change", True),
         Column("E-test p-value", True), Column("Square-root Z", True), Column("p < 0.05")],
        [[name, *(fmt.whole(x) for x in compared_counts(b)),
          fmt.signed_pct(b.percent_change), fmt.p_value(b.p_value), fmt.number(b.sqrt_z),
          "yes" if b.significant else "no"]
         for name, b in [("Crime (excluding ASB)", a.overview.crime),
                         ("Anti-social behaviour", a.overview.asb)]
         + [(c.category, c) for c in a.categories]],
        compact=True,
    ))  # fmt: skip
    trends = [c for c in a.categories if c.trend]
    if trends:
        s.add(Table(
            "Long-run trends",
            [Column("Category"), Column("Slope (records a month)", True),
             Column("Change a year", True), Column("p-value", True), Column("Method")],
            [[c.category, fmt.number(c.trend.slope_per_month), fmt.signed_pct(c.trend.percent_per_year),
              fmt.p_value(c.trend.p_value), c.trend.method] for c in trends],
            compact=True,
        ))  # fmt: skip
    if a.peers and a.peers.areas:
        s.add(Para(f"Similar areas: {a.peers.method}."))
    pl = a.priority_localities
    s.add(Para(f"Priority localities: {pl.method}. Threshold: {pl.threshold_rule}; "
               f"{pl.threshold_source}. Sensitivity: the line moved by {fmt.number(pl.band, 0)} points "
               "either way and crime-heavy and deprivation-heavy weights."))  # fmt: skip
    s.add(Para(locality_worked_example(a)))
    h = a.hotspots
    s.add(Para(f"Hotspots: Getis–Ord Gi* on {fmt.count(h.cell_size_m)} m cells ({h.cell_size_rule}); "
               f"Benjamini–Hochberg false discovery rate {fmt.share(h.fdr_alpha, 0)}; quartic "
               f"kernel density bandwidth {fmt.count(h.bandwidth_m)} m."))  # fmt: skip
    if a.emerging is not None:
        s.add(Para(f"Emerging issues: {a.emerging.method} Series tested: {a.emerging.tested}; "
                   f"too small ever to be flagged: {a.emerging.not_testable}; flagged: "
                   f"{a.emerging.flagged}, of which about {a.emerging.expected_false_alarms:.1f} "
                   "are expected to be chance."))  # fmt: skip
    rp = a.recommended_priorities
    if rp.priorities:
        s.add(Para(f"Recommended priorities: {rp.method}. Scale: {rp.scale}. A factor is cited "
                   "as a reason only when it scores 4 or 5 and, for the trend, when the change "
                   "is significant (p < 0.05)."))  # fmt: skip
        s.add(Table(
            "Priority scores and what each rests on",
            [Column("Theme"), Column("Factor"), Column("Score", True), Column("Basis")],
            [[p.theme, FACTORS.get(sc.factor, sc.factor), score_cell(sc.score), sc.basis]
             for p in rp.priorities if p.recommended for sc in p.scores],
            compact=True, row_headers=False,
        ))  # fmt: skip
        cats = {e.name: e for p in rp.priorities for e in p.evidence_rows if e.kind == "police category"}
        if cats:
            factors = [f for f in FACTORS if any(sc.factor == f for e in cats.values() for sc in e.scores)]
            s.add(Table(
                "Each police-recorded crime type on the same matrix (the evidence under the themes)",
                [Column("Crime type")] + [Column(FACTORS[f], True) for f in factors] + [Column("Total", True)],
                [[name] + [score_cell(next((sc.score for sc in e.scores if sc.factor == f), None))
                           for f in factors] + [fmt.number(e.total)]
                 for name, e in sorted(cats.items(), key=lambda kv: -(kv[1].total or 0))],
                compact=True,
            ))  # fmt: skip
    s.add(KeyValues("Options used", [
        ("--allow-gaps (use the months present when some are missing)",
         "yes" if a.data_quality.allow_gaps else "no"),
        ("--priority-inputs", rp.inputs_file or "not given"),
    ]))  # fmt: skip
    s.add(Para([Run("Caveats as recorded by the assessment", bold=True)]))
    s.add(Bullets(list(a.data_quality.caveats)))
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
        lambda: partner_section(a, lab),
        lambda: county_section(a, lab),
        lambda: emerging(a, lab),
        lambda: consultation_section(a, lab),
        lambda: priorities(a, lab),
        lambda: quality(a, lab),
        lambda: methods(a),
        lambda: provenance(a),
    ]
    for b in builders:
        section = b()
        if section is not None:  # partner data and the districts appear only when there are some
            sections.append(section)
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
