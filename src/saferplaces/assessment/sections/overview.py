"""Overview: crime and ASB against the baseline, with parent areas and England and Wales."""

from __future__ import annotations

from datetime import date

from saferplaces.assessment import model as m
from saferplaces.assessment.comparison import change_block, harm_series, measure, reference_for
from saferplaces.assessment.periods import fmt
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import Scope, forces_for
from saferplaces.warehouse import forces as force_list


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
        monthly=_months(crime, asb, scope.cov_now.present),
        baseline_monthly=_months(crime, asb, scope.cov_base.present),
    )  # fmt: skip


def _months(crime: dict, asb: dict, months: list[date]) -> list[m.OverviewMonth]:
    return [m.OverviewMonth(month=fmt(d), crime=crime.get(d, 0), asb=asb.get(d, 0)) for d in months]


def _comparator(scope: Scope, data: Warehouse, ref: m.AreaRef, forces: list[str], table: str | None,
                population: int) -> m.Comparator:  # fmt: skip
    comparison = scope.comparison_for(forces)
    cov_now = scope.coverage(forces, scope.period)
    months = sorted(set(cov_now.present) | set(comparison.months) | set(comparison.baseline_months))
    monthly = data.parent_monthly((ref.level, ref.code), table, months)
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
    ew = _england_and_wales(scope, data)
    if ew is not None:
        out.append(ew)
    return out


def _england_and_wales(scope: Scope, data: Warehouse) -> m.Comparator | None:
    forces = [f.slug for f in force_list.FORCES if f.pfa_code]
    cov_now = scope.coverage(forces, scope.period)
    if cov_now.n < len(scope.period.months):
        lacking = sorted(cov_now.missing)
        scope.caveats.append(
            "No England and Wales reference point: the warehouse lacks data for "
            f"{len(lacking)} of {len(forces)} forces in the period"
            + (f" ({', '.join(lacking[:6])}{' …' if len(lacking) > 6 else ''})" if lacking else "")
            + ". Load the national archive to add it."
        )
        return None
    ref = m.AreaRef(level="country", code="K04000001", name="England and Wales")
    return _comparator(scope, data, ref, forces, None, data.england_wales_population())
