"""Tests for saferplaces.analysis.hotspots: grid, Gi* (vs PySAL esda), FDR, KDE, space-time."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from esda.getisord import G_Local
from hypothesis import given, settings
from hypothesis import strategies as st
from libpysal.weights import lat2W, w_subset
from scipy import stats

from saferplaces.analysis.hotspots import (
    GridSpec,
    bandwidth_nrd,
    bandwidth_nrd_2d,
    benjamini_hochberg,
    classify_significance_series,
    classify_space_time,
    count_points,
    gi_star,
    grid_for_points,
    quartic_kde,
)


def _esda_gi_star_z(values: np.ndarray) -> np.ndarray:
    rows, cols = values.shape
    w = lat2W(rows, cols, rook=False)  # binary queen contiguity, ids in row-major order
    # star=True with transform "B": esda puts 1 on the diagonal (self included).
    g = G_Local(values.ravel(), w, transform="B", star=True, permutations=0)
    return np.asarray(g.Zs).reshape(rows, cols)


# ---------------------------------------------------------------------------------------------
# Grid
# ---------------------------------------------------------------------------------------------


def test_grid_for_points_snaps_and_covers_max_edge():
    g = grid_for_points([380_010.0, 381_000.0], [290_100.0, 290_500.0], 250)
    assert (g.x0, g.y0) == (380_000.0, 290_000.0)
    # 381,000 sits exactly on a cell boundary: it must still be on the grid.
    assert g.n_cols == 5 and g.n_rows == 3
    c = count_points([380_010.0, 381_000.0], [290_100.0, 290_500.0], g)
    assert c.counts.sum() == 2 and c.n_outside == 0
    assert c.counts[0, 0] == 1 and c.counts[2, 4] == 1


def test_count_points_boundaries_outside_and_missing():
    g = GridSpec(x0=0.0, y0=0.0, cell_size=100.0, n_rows=2, n_cols=3)
    x = [0.0, 99.999, 100.0, 299.0, 300.0, -0.001, 50.0, np.nan]
    y = [0.0, 0.0, 0.0, 199.0, 50.0, 50.0, 200.0, 10.0]
    c = count_points(x, y, g)
    expected = np.array([[2, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(c.counts, expected)
    assert c.n_outside == 4  # x=300 and x<0 and y=200 are off the grid; NaN is missing
    np.testing.assert_allclose(c.x_centres, [50, 150, 250])
    np.testing.assert_allclose(c.y_centres, [50, 150])
    xx, yy = g.centres()
    assert xx.shape == (2, 3) and yy[1, 0] == 150


# ---------------------------------------------------------------------------------------------
# Gi*
# ---------------------------------------------------------------------------------------------


def test_gi_star_matches_esda_on_real_staffordshire_grid(staffordshire_jan_2025_bng):
    x, y = staffordshire_jan_2025_bng
    # The file includes crimes recorded just outside the force (Birmingham, Cheshire East):
    # keep the central 99% box so the grid is the force area, not half the Midlands.
    lo_x, hi_x = np.percentile(x, [0.5, 99.5])
    lo_y, hi_y = np.percentile(y, [0.5, 99.5])
    keep = (x >= lo_x) & (x <= hi_x) & (y >= lo_y) & (y <= hi_y)
    grid = grid_for_points(x[keep], y[keep], 250)
    counted = count_points(x, y, grid)
    assert counted.counts.sum() + counted.n_outside == x.size
    assert counted.counts.size > 40_000  # a real, mostly empty 250 m grid
    ours = gi_star(counted.counts)
    ref = _esda_gi_star_z(counted.counts.astype(float))
    np.testing.assert_allclose(ours.z, ref, rtol=0, atol=1e-9)
    assert np.nanmax(ours.z) > 10  # city-centre cells are very hot


def test_gi_star_matches_esda_on_bigger_random_grid():
    rng = np.random.default_rng(2024)
    lam = np.full((150, 200), 0.8)
    lam[40:50, 120:135] = 6.0  # a planted hot spot
    values = rng.poisson(lam).astype(float)
    ours = gi_star(values)
    np.testing.assert_allclose(ours.z, _esda_gi_star_z(values), rtol=0, atol=1e-9)
    assert ours.hot(0.05)[45, 127]


def test_gi_star_with_mask_matches_esda_subset():
    rng = np.random.default_rng(5)
    rows, cols = 30, 40
    values = rng.poisson(2.0, (rows, cols)).astype(float)
    mask = np.ones((rows, cols), dtype=bool)
    mask[:, :8] = False  # e.g. the sea, or another partnership's area
    mask[20:, 30:] = False
    w = w_subset(lat2W(rows, cols, rook=False), list(np.flatnonzero(mask.ravel())))
    g = G_Local(values.ravel()[mask.ravel()], w, transform="B", star=True, permutations=0)
    ours = gi_star(values, mask=mask)
    np.testing.assert_allclose(ours.z[mask], g.Zs, rtol=0, atol=1e-9)
    assert np.all(np.isnan(ours.z[~mask]))


def test_gi_star_edges_have_fewer_neighbours():
    res = gi_star(np.arange(20.0).reshape(4, 5))
    nb = res.n_neighbours
    assert nb[0, 0] == nb[0, -1] == nb[-1, 0] == nb[-1, -1] == 4
    assert nb[0, 2] == nb[2, 0] == 6
    assert nb[1, 1] == 9


def test_gi_star_constant_grid_has_no_hotspots():
    res = gi_star(np.full((10, 10), 3.0))
    assert np.all(res.z == 0) and np.all(res.p == 1)


def test_gi_star_p_and_q():
    rng = np.random.default_rng(9)
    res = gi_star(rng.poisson(1.0, (25, 25)))
    np.testing.assert_allclose(res.p, 2 * stats.norm.sf(np.abs(res.z)), rtol=1e-12)
    np.testing.assert_allclose(
        res.q.ravel(), stats.false_discovery_control(res.p.ravel(), method="bh"), rtol=1e-12
    )


@settings(max_examples=60, deadline=None)
@given(
    st.integers(3, 12),
    st.integers(3, 12),
    st.integers(0, 2**32 - 1),
    st.floats(-1000, 1000),
    st.floats(0.01, 100),
)
def test_gi_star_invariant_to_shift_and_scale(rows, cols, seed, shift, scale):
    # Gi*'s z-score is location and scale invariant (the mean and S move with the data).
    values = np.random.default_rng(seed).poisson(3.0, (rows, cols)).astype(float)
    if np.all(values == values.flat[0]):
        values.flat[0] += 1
    base = gi_star(values).z
    np.testing.assert_allclose(gi_star(values * scale + shift).z, base, atol=1e-7)


def test_benjamini_hochberg_matches_scipy_and_handles_nan():
    rng = np.random.default_rng(3)
    p = rng.uniform(size=500) ** 3
    np.testing.assert_allclose(
        benjamini_hochberg(p), stats.false_discovery_control(p, method="bh"), rtol=1e-12
    )
    p2 = np.array([0.01, np.nan, 0.04, 0.03])
    q2 = benjamini_hochberg(p2)
    assert math.isnan(q2[1])
    np.testing.assert_allclose(q2[[0, 2, 3]], [0.03, 0.04, 0.04])  # m = 3 non-missing


def test_gi_star_is_fast_on_100k_cells():
    values = np.random.default_rng(0).poisson(1.0, (316, 317))  # 100,172 cells
    gi_star(values)  # warm up
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        gi_star(values)
        times.append(time.perf_counter() - t0)
    # Typically ~20 ms here (half of it the FDR sort); the bound only guards against a
    # regression to per-cell Python loops, which take seconds.
    assert min(times) < 0.25


# ---------------------------------------------------------------------------------------------
# KDE
# ---------------------------------------------------------------------------------------------


def test_bandwidth_nrd_hand_derived():
    # x = 1..10: sd = sqrt(110/12) = 3.0276504; type-7 quartiles 3.25 and 7.75,
    # IQR/1.34 = 3.358209 > sd, so h = 4 * 1.06 * 3.0276504 * 10^(-1/5).
    x = np.arange(1, 11, dtype=float)
    expected = 4 * 1.06 * math.sqrt(110 / 12) * 10 ** (-0.2)
    assert bandwidth_nrd(x) == pytest.approx(expected, rel=1e-12)


def test_bandwidth_uses_both_dimensions():
    rng = np.random.default_rng(11)
    x = rng.normal(400_000, 500, 300)
    y = rng.normal(300_000, 3000, 300)
    h = bandwidth_nrd_2d(x, y)
    assert h == pytest.approx((bandwidth_nrd(x) + bandwidth_nrd(y)) / 2, rel=1e-12)
    # sfhotspot's mean(bw(x), bw(y)) returns bw(x) alone; ours differs from that ...
    assert h > 2 * bandwidth_nrd(x)
    # ... and does not change when the map is turned through 90 degrees.
    assert bandwidth_nrd_2d(y, x) == pytest.approx(h, rel=1e-12)


def test_quartic_kde_matches_brute_force():
    rng = np.random.default_rng(4)
    x = rng.uniform(1000, 3000, 150)
    y = rng.uniform(500, 2500, 150)
    w = rng.integers(1, 4, 150).astype(float)
    grid = GridSpec(x0=800.0, y0=300.0, cell_size=100.0, n_rows=24, n_cols=25)
    h = 350.0
    dens, used = quartic_kde(x, y, grid, bandwidth=h, weights=w)
    assert used == h
    cx, cy = grid.centres()
    d2 = (cx[..., None] - x) ** 2 + (cy[..., None] - y) ** 2
    k = np.where(d2 < h * h, 3 / (math.pi * h * h) * (1 - d2 / (h * h)) ** 2, 0.0)
    expected = (k * w).sum(axis=-1) * 1e6
    np.testing.assert_allclose(dens, expected, rtol=1e-12, atol=1e-12)


def test_quartic_kde_integrates_to_number_of_events():
    rng = np.random.default_rng(8)
    x = rng.normal(5000, 300, 400)
    y = rng.normal(5000, 300, 400)
    grid = GridSpec(x0=2000.0, y0=2000.0, cell_size=25.0, n_rows=240, n_cols=240)
    dens, h = quartic_kde(x, y, grid)  # automatic bandwidth
    assert h == pytest.approx(bandwidth_nrd_2d(x, y))
    total = dens.sum() * (25.0 * 25.0) / 1e6  # per km² x cell area in km²
    assert total == pytest.approx(400, rel=0.01)


# ---------------------------------------------------------------------------------------------
# Space-time classification
# ---------------------------------------------------------------------------------------------


def test_recent_window_is_exactly_the_last_k_periods():
    t, k = 10, 2
    hot = np.zeros((t, 5), dtype=bool)
    cold = np.zeros((t, 5), dtype=bool)
    hot[t - k - 1, 0] = True  # period 7: the last *older* period, not recent
    hot[t - k, 1] = True  # period 8: the first recent period
    hot[:, 2] = True  # every period
    hot[[0, 3, 8], 3] = True  # scattered
    cold[[1, 2], 4] = True
    hot[9, 4] = True
    res = classify_significance_series(hot, cold, recent_periods=k)
    assert res.recent_periods == (8, 9)
    assert res.older_periods == tuple(range(8))
    # Cell 0 was only hot in period 7. With sfhotspot's (ncol - k):ncol window it would count
    # as recent (share 1/2); here its recent share is 0 and it is a *former* hotspot.
    assert res.hot_share_recent[0] == 0 and res.hot_share_older[0] == pytest.approx(1 / 8)
    assert res.category[0] == "former hotspot"
    assert res.hot_share_recent[1] == 0.5 and res.hot_share_older[1] == 0
    assert res.category[1] == "emerging hotspot"
    assert res.category[2] == "persistent hotspot"
    assert res.hot_share[3] == pytest.approx(0.3)
    assert res.category[3] == "intermittent hotspot"
    assert res.category[4] == "mixed hot/coldspot"
    assert np.all(res.hot_share_recent <= 1)


def test_classification_no_pattern_and_cold():
    hot = np.zeros((12, 3), dtype=bool)
    cold = np.zeros((12, 3), dtype=bool)
    cold[:, 0] = True
    cold[9:, 1] = True
    res = classify_significance_series(hot, cold, recent_periods=3)
    assert list(res.category) == ["persistent coldspot", "emerging coldspot", "no pattern"]


def test_classification_rejects_bad_windows():
    a = np.zeros((4, 2), dtype=bool)
    for k in (0, 4):
        with pytest.raises(ValueError):
            classify_significance_series(a, a, recent_periods=k)


def test_classify_space_time_end_to_end():
    rng = np.random.default_rng(12)
    t, rows, cols = 12, 40, 40
    lam = np.full((t, rows, cols), 0.5)
    lam[:, 5:8, 5:8] = 8.0  # hot throughout
    lam[-3:, 30:33, 30:33] = 8.0  # hot only in the last three periods
    counts = rng.poisson(lam)
    res = classify_space_time(counts, recent_periods=3)
    assert res.category[6, 6] == "persistent hotspot"
    assert res.category[31, 31] == "emerging hotspot"
    assert res.recent_periods == (9, 10, 11)
