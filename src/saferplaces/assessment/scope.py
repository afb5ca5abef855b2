"""What is being assessed: the area, the periods, the months compared, built once.

A :class:`Scope` is made by :func:`build_scope` before any section runs and is frozen: every
section reads the same area, the same months and the same comparison. The one thing sections
add to is ``caveats`` (notes for the data-quality section).

Like for like. A change compares only *matched months*: a month of the period whose
counterpart — the same calendar month a year earlier (``previous-year``) or the aligned month
of the previous period (``previous-period``) — is loaded for every force of the area. Twelve
months of 2025 against four months of 2024 is therefore January–April 2025 against
January–April 2024, and the sentence says so. Comparing the whole period with a partial
baseline is only done when asked (``baseline_basis="whole-period-seasonal"``), scaled by a
seasonal share estimated from complete years (see
:func:`saferplaces.analysis.change.seasonally_adjusted_change`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from saferplaces.assessment import model as m
from saferplaces.assessment.inputs import (
    HarmWeights,
    PriorityInputs,
    load_harm_weights,
    load_priority_inputs,
)
from saferplaces.assessment.parameters import (
    BASELINE_BASES,
    LOCALITY_THRESHOLD,
    MATCHED_MONTHS,
    PEERS_K,
    WHOLE_PERIOD_SEASONAL,
)
from saferplaces.assessment.periods import (
    PeriodError,
    Window,
    add_months,
    baseline_window,
    fmt,
    months_label,
    parse_month,
)
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.statements import missing_months_sentence
from saferplaces.warehouse import forces as force_list


class AssessmentError(ValueError):
    """A problem with the request (area, period, data coverage); the message says what to do."""


@dataclass
class Request:
    area: str
    start: str
    end: str
    baseline: str = "previous-year"
    allow_gaps: bool = False
    cell_size_m: float | None = None
    harm_weights: Path | None = None
    priority_inputs: Path | None = None
    locality_threshold: float = LOCALITY_THRESHOLD
    peers_k: int = PEERS_K
    baseline_basis: str = MATCHED_MONTHS
    # Priority-localities domain weights (domain → weight); None: equal (composite's default).
    locality_weights: dict[str, float] | None = None


@dataclass
class Coverage:
    """Months present for a set of forces within a window."""

    window: Window
    present: list[date]
    missing: dict[str, list[str]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.present)


@dataclass(frozen=True)
class Comparison:
    """How the period is compared with its baseline, for one set of forces.

    ``months`` are the period months compared and ``baseline_months`` their counterparts,
    pair by pair. For ``whole-period-seasonal`` ``months`` is the whole period and
    ``baseline_months`` the baseline months present; ``reference_months`` are the complete
    years whose seasonal pattern scales the baseline up.
    """

    basis: str  # matched-months | whole-period-seasonal | none
    months: tuple[date, ...]
    baseline_months: tuple[date, ...]
    baseline_window: Window
    reference_months: tuple[date, ...] = ()
    forces: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return len(self.months)

    @property
    def label(self) -> str | None:
        """'January–April 2025 against January–April 2024' (None without a baseline)."""
        if self.basis == "none":
            return None
        if self.basis == WHOLE_PERIOD_SEASONAL:
            return (f"{months_label(list(self.months))} against "
                    f"{months_label(self.baseline_window.months)}, estimated from "
                    f"{months_label(list(self.baseline_months))} and the seasonal pattern in "
                    f"{self.reference_label}")  # fmt: skip
        return f"{months_label(list(self.months))} against {months_label(list(self.baseline_months))}"

    @property
    def reference_years(self) -> list[int]:
        return sorted({d.year for d in self.reference_months})

    @property
    def reference_label(self) -> str:
        """Whose records and which years give the seasonal pattern, e.g. "Staffordshire
        Police's records for 2025"."""
        years = [str(y) for y in self.reference_years] or ["no complete year"]
        text = ", ".join(years[:-1]) + (" and " if len(years) > 1 else "") + years[-1]
        names = [force_list.BY_SLUG[f].name if f in force_list.BY_SLUG else f for f in self.forces]
        who = (names[0] if len(names) == 1 else f"{len(names)} forces") if names else "the force"
        return f"{who}'s records for {text}"


@dataclass(frozen=True)
class Scope:
    """The area and months every section works on, fixed before any section runs.

    ``cov_now``/``cov_base`` are the months present in the period and the baseline window;
    ``comparison`` the months a change compares (like for like). ``caveats`` is the one
    thing sections add to: notes for the data-quality section.
    """

    request: Request
    level: str
    code: str
    name: str
    population: int
    area_km2: float
    lsoa_count: int
    forces: list[str]
    parents: list[m.AreaRef]
    period: Window
    base: Window
    cov_now: Coverage
    cov_base: Coverage
    comparison: Comparison
    loaded: dict[str, set[date]]
    categories: list  # rows with .category, .slug, .is_asb
    harm: HarmWeights
    inputs: PriorityInputs
    caveats: list[str] = field(default_factory=list)

    def coverage(self, forces: list[str], window: Window) -> Coverage:
        return coverage(self.loaded, forces, window)

    def comparison_for(self, forces: list[str]) -> Comparison:
        """The comparison for another set of forces (a parent area, England and Wales)."""
        try:
            return compare_months(self.loaded, forces, self.period, self.base,
                                  self.request.baseline_basis)  # fmt: skip
        except AssessmentError:
            # A parent without complete years for the seasonal pattern is compared like for
            # like; its own statement names the months.
            return compare_months(self.loaded, forces, self.period, self.base, MATCHED_MONTHS)

    @property
    def history(self) -> list[date]:
        """Every month up to the period end with data for all the area's forces."""
        if not self.forces:
            return []
        common = set.intersection(*(self.loaded.get(f, set()) for f in self.forces))
        return sorted(d for d in common if d <= self.period.end)


def coverage(loaded: dict[str, set[date]], forces: list[str], window: Window) -> Coverage:
    present, missing = [], defaultdict(list)
    for month in window.months:
        ok = True
        for f in forces:
            if month not in loaded.get(f, set()):
                missing[f].append(fmt(month))
                ok = False
        if ok:
            present.append(month)
    return Coverage(window, present, dict(missing))


def _all_loaded(loaded: dict[str, set[date]], forces: list[str], month: date) -> bool:
    return all(month in loaded.get(f, set()) for f in forces)


def compare_months(
    loaded: dict[str, set[date]], forces: list[str], period: Window, base: Window, basis: str
) -> Comparison:
    """The months compared: matched pairs, or the whole period against a partial baseline."""
    if basis not in BASELINE_BASES:
        raise AssessmentError(f"--baseline-basis must be one of {', '.join(BASELINE_BASES)}.")
    offset = (period.start.year - base.start.year) * 12 + period.start.month - base.start.month
    pairs = [(d, add_months(d, -offset)) for d in period.months]
    matched = [(d, b) for d, b in pairs if _all_loaded(loaded, forces, d) and _all_loaded(loaded, forces, b)]
    base_present = [b for _, b in pairs if _all_loaded(loaded, forces, b)]
    ref = tuple(forces)
    if not base_present or (not matched and basis == MATCHED_MONTHS):
        return Comparison("none", (), (), base, forces=ref)
    if basis == MATCHED_MONTHS or len(matched) == len(pairs):
        # Every month matched: the whole period is already like for like.
        return Comparison(MATCHED_MONTHS, tuple(d for d, _ in matched), tuple(b for _, b in matched),
                          base, forces=ref)  # fmt: skip
    # Whole period against a partial baseline, scaled by the seasonal pattern.
    if len(pairs) > 12:
        raise AssessmentError("whole-period-seasonal compares periods of up to 12 months.")
    if not all(_all_loaded(loaded, forces, d) for d, _ in pairs):
        raise AssessmentError("whole-period-seasonal needs every month of the period loaded; "
                              "load them or use the default matched-months basis.")  # fmt: skip
    years = sorted({d.year for f in forces for d in loaded.get(f, set())})
    base_set = set(base_present)
    reference = []
    for y in years:
        months = [date(y, k, 1) for k in range(1, 13)]
        # Complete calendar years only, and none holding baseline months (the method assumes
        # the baseline and the reference years are separate records).
        if all(_all_loaded(loaded, forces, d) for d in months) and not base_set & set(months):
            reference += months
    if not reference:
        raise AssessmentError(
            "whole-period-seasonal needs at least one complete calendar year of data (other "
            f"than the baseline) for {', '.join(forces)}; none is loaded. Use the default "
            "matched-months basis."
        )
    return Comparison(WHOLE_PERIOD_SEASONAL, tuple(d for d, _ in pairs), tuple(base_present), base,
                      tuple(reference), ref)  # fmt: skip


def forces_for(data: Warehouse, table: str) -> list[str]:
    """The data.police.uk forces whose areas hold the LSOAs in ``table``."""
    return [force_list.BY_PFA[p].slug for p in data.pfas_of(table) if p in force_list.BY_PFA]


def _parents(data: Warehouse, level: str, code: str) -> list[m.AreaRef]:
    row = data.single_parents()
    # The county (two-tier areas only) sits between the CSP and the force area: Staffordshire's
    # districts agree the county's Community Safety Agreement.
    order = {"lsoa": 0, "ward": 1, "lad": 2, "csp": 3, "county": 4, "pfa": 5, "locality": 0}
    out = []
    for lvl, c in zip(("ward", "lad", "csp", "county", "pfa"), row, strict=True):
        if c is None or c == code:
            continue
        if order[lvl] <= order.get(level, 0) and not (level == "csp" and lvl == "lad"):
            continue
        # A LAD that holds several CSPs is a real parent of a CSP; a LAD equal to it is not.
        if lvl == "lad" and level == "csp" and data.csps_in_lad(c) <= 1:
            continue
        name = data.area_name(lvl, c)
        if name:
            out.append(m.AreaRef(level=lvl, code=c, name=name))
    return out


def _check_gaps(request: Request, name: str, forces: list[str], now: Coverage, base: Coverage,
                comparison: Comparison, caveats: list[str]) -> None:  # fmt: skip
    missing = defaultdict(list)
    for cov in (now, base):
        for f, ms in cov.missing.items():
            missing[f].extend(ms)
    if not now.present:
        raise AssessmentError(
            f"No police data for {name} in {now.window.label()}: load "
            + ", ".join(forces) + " street files for those months first."
        )
    listing = "; ".join(f"{f}: {', '.join(sorted(set(ms)))}" for f, ms in sorted(missing.items()))
    if missing and not request.allow_gaps:
        raise AssessmentError(
            f"Months are missing for the forces covering {name} ({listing}). Load them, or "
            "give --allow-gaps to compute rates on the months present (the caveat is "
            "recorded in the assessment)."
        )
    if missing:
        compared = (f"changes compare {comparison.label}" if comparison.label
                    else "there is no baseline to compare with")  # fmt: skip
        # In words first (the months, not the forces' file names); the flag only at the end,
        # for the appendix's record of how the assessment was run.
        said = [missing_months_sentence(which, months_label(sorted(set(cov.window.months) - set(cov.present))),
                                        months_label(cov.present))
                for which, cov in (("this period", now), ("the baseline", base))
                if cov.missing]  # fmt: skip
        caveats.append(" ".join(said) + f" Rates use the {now.n} months present; {compared}. "
                       "(Missing months were allowed with --allow-gaps.)")  # fmt: skip
    if not base.present:
        caveats.append(
            f"No baseline data ({base.window.label()}): changes and significance cannot be judged."
        )


def _harm_weights(path: Path | None, data: Warehouse) -> HarmWeights:
    """The harm weights, refused up front when a police.uk category has none (it would count
    as no harm); ASB may have none, for its stated reason."""
    from saferplaces.analysis.harm import MissingHarmWeight, apply_harm_weights

    harm = load_harm_weights(path)
    try:
        apply_harm_weights({r.category: 0 for r in data.categories()}, harm.weights)
    except MissingHarmWeight as exc:
        raise AssessmentError(f"Harm weights file {harm.source}: {exc}.") from None
    return harm


def build_scope(data: Warehouse, request: Request) -> Scope:
    """Resolve the area, read its records once (``a_street``) and fix the months compared."""
    try:
        level, code, name = data.resolve(request.area)
    except LookupError as exc:
        raise AssessmentError(str(exc)) from exc
    if request.baseline_basis not in BASELINE_BASES:
        raise AssessmentError(f"--baseline-basis must be one of {', '.join(BASELINE_BASES)}.")
    period = Window(parse_month(request.start, "--from"), parse_month(request.end, "--to"))
    period.months  # noqa: B018 — validates the order of the months
    try:
        base = baseline_window(period, request.baseline)
    except PeriodError as exc:
        raise AssessmentError(str(exc)) from exc
    data.select_area(level, code, "a_lsoa")
    row = data.area_row(level, code)
    forces = forces_for(data, "a_lsoa")
    if not forces:
        raise AssessmentError(f"{name} ({code}) lies in no police force area in the warehouse.")
    loaded = data.loaded_months()
    cov_now, cov_base = coverage(loaded, forces, period), coverage(loaded, forces, base)
    comparison = compare_months(loaded, forces, period, base, request.baseline_basis)
    caveats: list[str] = []
    _check_gaps(request, name, forces, cov_now, cov_base, comparison, caveats)
    return Scope(
        request=request, level=level, code=code, name=name,
        population=int(row.population or 0), area_km2=float(row.area_km2 or 0.0),
        lsoa_count=int(row.lsoa_count or 0), forces=forces, parents=_parents(data, level, code),
        period=period, base=base, cov_now=cov_now, cov_base=cov_base, comparison=comparison,
        loaded=loaded, categories=data.categories(),
        harm=_harm_weights(request.harm_weights, data), inputs=load_priority_inputs(request.priority_inputs),
        caveats=caveats,
    )  # fmt: skip
