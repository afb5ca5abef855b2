"""Hotspots: Gi* on a regular grid, kernel density and space-time classes."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import shapely

from saferplaces.analysis import hotspots
from saferplaces.assessment import model as m
from saferplaces.assessment.comparison import rnd
from saferplaces.assessment.parameters import (
    BANDWIDTH_CELLS,
    CELL_DIVISOR,
    CELL_ROUND_M,
    FDR_ALPHA,
    MIN_CELL_SIZE_M,
    SNAP_FLOOR_M,
    SPACE_TIME_MIN_MONTHS,
    SPACE_TIME_RECENT,
    SPACE_TIME_SLICE_MONTHS,
)
from saferplaces.assessment.periods import fmt
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import AssessmentError, Scope


def area_geometry(data: Warehouse):
    wkb = data.lsoa_boundaries()
    if not wkb:
        return None
    return shapely.union_all(shapely.from_wkb(wkb))


def cell_size(scope: Scope, extent: tuple[float, float, float, float]) -> tuple[float, str]:
    x0, y0, x1, y1 = extent
    if scope.request.cell_size_m:
        size = float(scope.request.cell_size_m)
        if size < MIN_CELL_SIZE_M:
            raise AssessmentError(f"--cell-size must be at least {MIN_CELL_SIZE_M:.0f} metres.")
        return size, "set by the user"
    raw = min(x1 - x0, y1 - y0) / CELL_DIVISOR
    size = max(SNAP_FLOOR_M, math.ceil(raw / CELL_ROUND_M) * CELL_ROUND_M)
    return size, (f"shorter side of the area's extent / {CELL_DIVISOR:.0f} (Chainey 2013), rounded "
                  f"up to {CELL_ROUND_M:.0f} m, at least {SNAP_FLOOR_M:.0f} m because data.police.uk "
                  "snaps locations to map points")  # fmt: skip


def build(scope: Scope, data: Warehouse) -> m.Hotspots:
    geom = area_geometry(data)
    pts = data.crime_points(scope.cov_now.present)
    e, n = np.asarray(pts["easting"], float), np.asarray(pts["northing"], float)
    located = np.isfinite(e) & np.isfinite(n)
    if geom is not None:
        x0, y0, x1, y1 = geom.bounds
    else:
        x0, y0, x1, y1 = e[located].min(), n[located].min(), e[located].max(), n[located].max()
    size, rule = cell_size(scope, (x0, y0, x1, y1))
    grid = hotspots.grid_for_points([x0, x1], [y0, y1], size)
    gx, gy = grid.centres()
    in_area = shapely.contains_xy(geom, gx, gy) if geom is not None else np.ones(grid.shape, bool)
    counts = hotspots.count_points(e[located], n[located], grid).counts
    gi = hotspots.gi_star(counts, mask=in_area)
    # The normal-reference rule gives kilometres for a whole district, smoothing away the
    # street-level pattern; a stated multiple of the cell keeps the surface local.
    density, bandwidth = (
        hotspots.quartic_kde(e[located], n[located], grid, bandwidth=BANDWIDTH_CELLS * size)
        if located.sum() >= 2 else (np.zeros(grid.shape), 0.0)
    )  # fmt: skip
    months = scope.cov_now.present
    step = SPACE_TIME_SLICE_MONTHS if len(months) >= SPACE_TIME_MIN_MONTHS else 1
    slices = [months[i : i + step] for i in range(0, len(months), step)]
    labels = [f"{fmt(s[0])} to {fmt(s[-1])}" if len(s) > 1 else fmt(s[0]) for s in slices]
    classes = np.full(grid.shape, "no pattern", dtype=object)
    if len(slices) >= 2:
        month_arr = np.asarray(pts["month"])[located]
        stack = np.stack([
            hotspots.count_points(
                e[located][np.isin(month_arr, np.array(s, dtype=month_arr.dtype))],
                n[located][np.isin(month_arr, np.array(s, dtype=month_arr.dtype))], grid,
            ).counts
            for s in slices
        ])  # fmt: skip
        classes = hotspots.classify_space_time(stack, recent_periods=SPACE_TIME_RECENT, alpha=FDR_ALPHA,
                                               mask=in_area).category.astype(object)  # fmt: skip
    cells = []
    hot = cold = 0
    for r in range(grid.n_rows):
        for c in range(grid.n_cols):
            inside = bool(in_area[r, c])
            z = float(gi.z[r, c]) if inside and np.isfinite(gi.z[r, c]) else 0.0
            p = float(gi.p[r, c]) if inside and np.isfinite(gi.p[r, c]) else 1.0
            q = float(gi.q[r, c]) if inside and np.isfinite(gi.q[r, c]) else 1.0
            if inside and q < FDR_ALPHA:
                hot += z > 0
                cold += z < 0
            cells.append(
                m.Cell(
                    easting=rnd(gx[r, c], 1), northing=rnd(gy[r, c], 1), count=int(counts[r, c]),
                    gi_z=rnd(z, 6), p_value=rnd(p, 8), q_value=rnd(q, 8),
                    space_time_class=str(classes[r, c]) if inside else "outside area",
                    density=rnd(float(density[r, c]), 4), in_area=inside,
                )
            )  # fmt: skip
    return m.Hotspots(
        cell_size_m=size, cell_size_rule=rule, origin_easting=grid.x0, origin_northing=grid.y0,
        rows=grid.n_rows, cols=grid.n_cols, bandwidth_m=rnd(bandwidth, 1), fdr_alpha=FDR_ALPHA,
        sub_periods=labels, events=int(located.sum()),
        events_without_location=int((~located).sum()), cells=cells,
        hot_cells=int(hot), cold_cells=int(cold),
        class_counts=dict(sorted(Counter(c.space_time_class for c in cells if c.in_area).items())),
    )  # fmt: skip
