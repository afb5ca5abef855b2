"""Assembling a strategic assessment from the warehouse: the pipeline.

Read it top to bottom in :func:`run`:

1. :func:`~saferplaces.assessment.scope.build_scope` resolves the area, reads its records
   once (the temp table ``a_street``) and fixes the periods and the months compared
   (like for like: months present in both periods).
2. Each section in :mod:`saferplaces.assessment.sections` builds its part of the model from
   the scope and the queries in :mod:`saferplaces.assessment.queries`.
3. The parts are put together as one :class:`~saferplaces.assessment.model.Assessment`.

The statistics are in ``saferplaces.analysis`` (pure functions); the method parameters in
:mod:`saferplaces.assessment.parameters`. Everything is ordered explicitly so the same inputs
give the same JSON byte for byte (apart from ``generated_at``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from saferplaces.assessment import model as m
from saferplaces.assessment.parameters import LOCALITY_THRESHOLD, MATCHED_MONTHS, PEERS_K
from saferplaces.assessment.periods import fmt, month_range
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import AssessmentError, Request, Scope, build_scope
from saferplaces.assessment.sections import (
    categories,
    consultation,
    county,
    emerging,
    hotspots,
    localities,
    methods,
    overview,
    partner_data,
    peers,
    places,
    priorities,
    provenance,
    quality,
)


def run(con: duckdb.DuckDBPyConnection, request: Request) -> m.Assessment:
    """The whole assessment, section by section."""
    data = Warehouse(con)
    scope = build_scope(data, request)
    overview_part = overview.build(scope, data)
    peer_part = peers.build(scope, data)
    category_part = categories.build(scope, data, peers=peer_part)
    places_part = places.build(scope, data)
    hotspot_part = hotspots.build(scope, data)
    locality_part = localities.build(scope, data)
    partner_part = partner_data.build(scope, data, locality_part)
    emerging_summary, emerging_part = emerging.build(scope, data)
    priority_part = priorities.build(scope, data, categories=category_part, partner=partner_part)
    # County only: its districts side by side, from the county's own extract.
    county_part = county.build(scope, data, localities_part=locality_part)
    # Quality last but two: it lists the caveats the sections above added.
    quality_part = quality.build(scope, data)
    return m.Assessment(
        generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        area=m.Area(
            level=scope.level, code=scope.code, name=scope.name, population=scope.population,
            area_km2=round(scope.area_km2, 3), lsoa_count=scope.lsoa_count, forces=scope.forces,
            parents=scope.parents,
        ),
        period=_period(scope),
        baseline=_baseline(scope),
        overview=overview_part,
        categories=category_part,
        peers=peer_part,
        places=places_part,
        hotspots=hotspot_part,
        priority_localities=locality_part,
        partner_data=partner_part,
        county=county_part,
        emerging_issues=emerging_part,
        emerging=emerging_summary,
        recommended_priorities=priority_part,
        consultation=consultation.build(scope),
        data_cannot_show=priorities.cannot_show(),
        data_quality=quality_part,
        methods=methods.build(scope),
        provenance=provenance.build(scope, data),
    )  # fmt: skip


def _period(scope: Scope) -> m.Period:
    return m.Period(
        start=fmt(scope.period.start), end=fmt(scope.period.end), months=len(scope.period.months),
        months_present=scope.cov_now.n,
        missing_months=sorted({x for v in scope.cov_now.missing.values() for x in v}),
    )  # fmt: skip


def _baseline(scope: Scope) -> m.Baseline:
    c = scope.comparison
    return m.Baseline(
        kind=scope.request.baseline, start=fmt(scope.base.start), end=fmt(scope.base.end),
        months=len(scope.base.months), months_present=scope.cov_base.n,
        missing_months=sorted({x for v in scope.cov_base.missing.values() for x in v}),
        basis=c.basis, comparison=c.label, matched_months=[fmt(d) for d in c.months],
        matched_baseline_months=[fmt(d) for d in c.baseline_months],
        reference_years=c.reference_years,
    )  # fmt: skip


def assess(
    area: str,
    start: str,
    end: str,
    baseline: str = "previous-year",
    *,
    workspace: str | Path | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    allow_gaps: bool = False,
    cell_size_m: float | None = None,
    harm_weights: str | Path | None = None,
    priority_inputs: str | Path | None = None,
    locality_threshold: float = LOCALITY_THRESHOLD,
    peers_k: int = PEERS_K,
    baseline_basis: str = MATCHED_MONTHS,
    locality_weights: dict[str, float] | None = None,
) -> m.Assessment:
    """Produce the strategic assessment for ``area`` over ``start``–``end`` (YYYY-MM).

    ``area`` is a CSP, district, ward, force area or locality, by code or name. Changes are
    like for like: only months present in both the period and the baseline are compared.
    ``baseline_basis="whole-period-seasonal"`` compares the whole period with a partial
    baseline scaled by the seasonal pattern of complete years instead. Raises
    :class:`AssessmentError` with a plain message for an unknown area, a bad period, or
    missing months (unless ``allow_gaps``).
    """
    from saferplaces.config import Workspace
    from saferplaces.warehouse.store import connect

    request = Request(
        area=area, start=start, end=end, baseline=baseline, allow_gaps=allow_gaps,
        cell_size_m=cell_size_m, harm_weights=Path(harm_weights) if harm_weights else None,
        priority_inputs=Path(priority_inputs) if priority_inputs else None,
        locality_threshold=locality_threshold, peers_k=peers_k, baseline_basis=baseline_basis,
        locality_weights=locality_weights,
    )  # fmt: skip
    own = con is None
    if own:
        con = connect(Workspace.resolve(workspace).warehouse_path, read_only=True)
    try:
        return run(con, request)
    finally:
        if own:
            con.close()


__all__ = ["AssessmentError", "Request", "assess", "month_range", "run"]
