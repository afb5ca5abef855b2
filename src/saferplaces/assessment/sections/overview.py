"""Overview: crime and ASB against the baseline, with parent areas and England and Wales."""

from __future__ import annotations

from datetime import date

from saferplaces.analysis.reference import (
    ENGLAND_AND_WALES_FORCES,
    ReferenceRate,
    england_and_wales_rate,
)
from saferplaces.assessment import model as m
from saferplaces.assessment.comparison import (
    change_block,
    harm_exclusions,
    harm_series,
    measure,
    reference_for,
    rnd,
)
from saferplaces.assessment.periods import fmt, months_label
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import Scope, forces_for


def area_months(scope: Scope) -> list[date]:
    """Every month any section reads for the area: the history, the period, the baseline."""
    return sorted(set(scope.history) | set(scope.cov_now.present) | set(scope.cov_base.present))


def build(scope: Scope, data: Warehouse) -> m.Overview:
    monthly = data.area_monthly(area_months(scope))
    ref = reference_for(data, scope.comparison)
    crime, asb = measure(monthly, "crime"), measure(monthly, "asb")
    return m.Overview(
        crime=change_block("Recorded crime (excluding ASB)", crime, scope.comparison,
                           scope.cov_now.present, scope.population,
                           reference=measure(ref, "crime"), harm=harm_series(monthly, scope.harm)),
        asb=change_block("Anti-social behaviour", asb, scope.comparison, scope.cov_now.present,
                         scope.population, reference=measure(ref, "asb")),
        comparators=comparators(scope, data),
        england_and_wales=england_and_wales(scope, data),
        harm_exclusions=harm_exclusions(monthly, scope.cov_now.present, scope.harm),
        monthly=_months(crime, asb, scope.cov_now.present),
        baseline_monthly=_months(crime, asb, scope.cov_base.present),
    )  # fmt: skip


def _months(crime: dict, asb: dict, months: list[date]) -> list[m.OverviewMonth]:
    return [m.OverviewMonth(month=fmt(d), crime=crime.get(d, 0), asb=asb.get(d, 0)) for d in months]


def _read_months(scope: Scope, forces: list[str]) -> list[date]:
    """The months a comparator reads: its period months present and its months compared."""
    comparison = scope.comparison_for(forces)
    cov_now = scope.coverage(forces, scope.period)
    return sorted(set(cov_now.present) | set(comparison.months) | set(comparison.baseline_months))


# Comparators built, shared by the areas assessed in one process: a force's CSPs all compare
# with the same force area and with England and Wales, whose exact tests on national counts
# are slow. The key holds every input of the comparator; the counts are keyed as the parent
# counts are (the warehouse's loads, the parent, the months read).
_COMPARATORS: dict[tuple, m.Comparator] = {}


def _comparator(scope: Scope, data: Warehouse, ref: m.AreaRef, forces: list[str], table: str | None,
                population: int) -> m.Comparator:  # fmt: skip
    comparison = scope.comparison_for(forces)
    cov_now = scope.coverage(forces, scope.period)
    read = _read_months(scope, forces)
    key = (data.state(), repr(ref), tuple(forces), table is None, population, repr(comparison),
           tuple(cov_now.present), scope.cov_now.n, tuple(read),
           tuple(sorted(scope.harm.weights.items())))  # fmt: skip
    if key not in _COMPARATORS:
        if len(_COMPARATORS) > 256:  # a long-running server must not grow without bound
            _COMPARATORS.clear()
        _COMPARATORS[key] = _build_comparator(scope, data, ref, forces, table, population, read)
    return _COMPARATORS[key].model_copy(deep=True)


def _build_comparator(scope: Scope, data: Warehouse, ref: m.AreaRef, forces: list[str],
                      table: str | None, population: int, read: list[date]) -> m.Comparator:  # fmt: skip
    comparison = scope.comparison_for(forces)
    cov_now = scope.coverage(forces, scope.period)
    monthly = data.parent_monthly((ref.level, ref.code), table, read)
    refm = reference_for(data, comparison)
    return m.Comparator(
        area=ref, population=population,
        crime=change_block(f"Crime in {ref.name}", measure(monthly, "crime"), comparison,
                           cov_now.present, population, reference=measure(refm, "crime"),
                           harm=harm_series(monthly, scope.harm)),
        asb=change_block(f"ASB in {ref.name}", measure(monthly, "asb"), comparison, cov_now.present,
                         population, reference=measure(refm, "asb")),
        coverage_note=None if cov_now.n == scope.cov_now.n else
        f"{cov_now.n} months with data for every force of {ref.name}",
    )  # fmt: skip


def comparators(scope: Scope, data: Warehouse) -> list[m.Comparator]:
    out = []
    for p in scope.parents:
        if p.level not in ("lad", "csp", "pfa"):
            continue
        data.select_area(p.level, p.code, "p_lsoa")
        if data.same_lsoas("p_lsoa"):
            continue  # the same residents under another name (City of London's force area)
        forces = forces_for(data, "p_lsoa")
        out.append(_comparator(scope, data, p, forces, "p_lsoa", data.population(p.level, p.code)))
    ew = _england_and_wales_comparator(scope, data)
    if ew is not None:
        out.append(ew)
    return out


EW = m.AreaRef(level="country", code="K04000001", name="England and Wales")


def england_and_wales(scope: Scope, data: Warehouse) -> m.ReferenceRate:
    """The England and Wales reference, month by month: only the period's months with data
    for every force count, the population exposure over exactly those (one rule, shared with
    the workspace: :func:`saferplaces.analysis.reference.england_and_wales_rate`)."""
    forces = list(ENGLAND_AND_WALES_FORCES)
    usable = scope.coverage(forces, scope.period).present
    # The national records are read only when a month is usable, in the same single pass as
    # the comparator's (same months, so the cached counts are shared).
    monthly = data.parent_monthly((EW.level, EW.code), None, _read_months(scope, forces)) if usable else {}
    population = data.england_wales_population()
    crime = england_and_wales_rate(measure(monthly, "crime"), scope.loaded, scope.period.months,
                                   population)  # fmt: skip
    asb = england_and_wales_rate(measure(monthly, "asb"), scope.loaded, scope.period.months, population)
    statement = _ew_statement(crime, scope)
    if crime.reason or crime.months_excluded:
        scope.caveats.append(statement)
    return m.ReferenceRate(
        months_used=[fmt(d) for d in crime.months_used],
        months_excluded={fmt(d): list(f) for d, f in crime.months_excluded.items()},
        crime_rate_per_1000=rnd(crime.rate, 3), crime_rate_ci_low=rnd(crime.lower, 3),
        crime_rate_ci_high=rnd(crime.upper, 3), asb_rate_per_1000=rnd(asb.rate, 3),
        statement=statement,
    )  # fmt: skip


def _ew_statement(ref: ReferenceRate, scope: Scope) -> str:
    """The reference's own sentence, shortened when most forces are missing: the model keeps
    every force by month in ``months_excluded``."""
    if not ref.reason:
        return ref.statement
    n = len(ENGLAND_AND_WALES_FORCES)
    month, lacking = min(ref.months_excluded.items(), key=lambda kv: (len(kv[1]), kv[0]))
    if len(lacking) <= 6:
        return ref.reason
    return (f"No England and Wales figure for {months_label(scope.period.months)}: no month has "
            f"police data for all {n} forces (the closest, {month:%B %Y}, has {n - len(lacking)} "
            f"of the {n}).")  # fmt: skip


def _england_and_wales_comparator(scope: Scope, data: Warehouse) -> m.Comparator | None:
    """England and Wales as a comparator, on the months with data for every force."""
    forces = list(ENGLAND_AND_WALES_FORCES)
    cov_now = scope.coverage(forces, scope.period)
    if not cov_now.present:
        return None
    comp = _comparator(scope, data, EW, forces, None, data.england_wales_population())
    comp.months_used = [fmt(d) for d in cov_now.present]
    return comp
