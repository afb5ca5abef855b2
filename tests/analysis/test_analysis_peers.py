"""Tests for saferplaces.analysis.peers."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy.spatial.distance import cdist

from saferplaces.analysis.peers import (
    build_peer_features,
    most_similar,
    national_peers,
    peers_with_data,
    rank_text,
    standardise,
)


def test_standardise_hand_computed():
    # Column 1: 1, 2, 3 -> mean 2, population SD sqrt(2/3); column 2 constant -> zeros.
    z = standardise([[1, 5], [2, 5], [3, 5]])
    sd = np.sqrt(2 / 3)
    np.testing.assert_allclose(z[:, 0], [-1 / sd, 0, 1 / sd])
    np.testing.assert_array_equal(z[:, 1], [0, 0, 0])


def test_most_similar_matches_brute_force():
    rng = np.random.default_rng(3)
    # population, density (people/ha), IMD score, share rural: very different scales
    feats = np.column_stack(
        [
            rng.uniform(50_000, 500_000, 300),
            rng.uniform(0.5, 60, 300),
            rng.uniform(5, 45, 300),
            rng.uniform(0, 1, 300),
        ]
    )
    w = np.array([1.0, 2.0, 1.0, 0.5])
    res = most_similar(feats, k=5, weights=w)
    z = (feats - feats.mean(axis=0)) / feats.std(axis=0)
    d = cdist(z, z, metric="euclidean", w=w)
    np.fill_diagonal(d, np.inf)
    order = np.argsort(d, axis=1, kind="stable")[:, :5]
    np.testing.assert_array_equal(res.indices, order)
    np.testing.assert_allclose(res.distances, np.take_along_axis(d, order, axis=1), rtol=1e-12)
    assert not np.any(res.indices == np.arange(300)[:, None])  # never itself


def test_most_similar_targets_weights_and_ties():
    feats = np.array([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 10.0]])
    res = most_similar(feats, k=2, targets=[0])
    # rows 1 and 2 are equally near row 0: ties go by row order.
    np.testing.assert_array_equal(res.indices, [[1, 2]])
    # With zero weight on the first feature, rows 1 and 2 are identical to row 0.
    res0 = most_similar(feats, k=2, weights=[0.0, 1.0], targets=[0])
    np.testing.assert_allclose(res0.distances, [[0.0, 0.0]])
    with pytest.raises(ValueError):
        most_similar(feats, k=4)
    with pytest.raises(ValueError):
        most_similar([[1.0], [np.nan]], k=1)


# --- national peers on the shipped reference data -------------------------------------------

DATA = Path(__file__).resolve().parents[2] / "src" / "saferplaces" / "data"
TAMWORTH = "E22000271"
# Staffordshire, Surrey, West Mercia: the forces whose 2025 data the demo warehouse holds.
LOADED_PFAS = {"E23000015", "E23000031", "E23000016"}


@functools.cache
def _reference_rows() -> tuple[dict, ...]:
    """LSOA rows straight from the shipped Parquet files (no Safer Places reader)."""
    lsoa = pq.read_table(DATA / "lsoa21.parquet").to_pylist()
    dep = pq.read_table(DATA / "deprivation.parquet", columns=["edition", "lsoa_code", "imd_score"])
    imd = {r["lsoa_code"]: r["imd_score"] for r in dep.to_pylist() if r["edition"] == 2025}
    return tuple({**r, "imd_score": imd.get(r["lsoa21_code"])} for r in lsoa)


def test_tamworth_features_from_reference_rows():
    rows = [r for r in _reference_rows() if r["csp_code"] == TAMWORTH]
    table = build_peer_features(_reference_rows())
    i = table.index(TAMWORTH)
    pop = sum(r["population"] for r in rows)
    assert table.names[i] == "Tamworth" and table.population[i] == pop == 78_653
    assert table.density[i] == pytest.approx(pop / sum(r["area_km2"] for r in rows))
    assert table.imd[i] == pytest.approx(sum(r["population"] * r["imd_score"] for r in rows) / pop)
    assert round(table.imd[i], 1) == 20.4 and table.rural_share[i] == 0.0
    assert table.pfas[i] == ("E23000015",)
    # 314 CSPs in England and Wales; the Welsh ones have no IoD2025 score.
    assert len(table.codes) == 314
    welsh = [c for c in table.codes if c.startswith("W")]
    assert welsh and all(np.isnan(table.imd[table.index(c)]) for c in welsh)


def test_loaded_only_peers_reproduce_the_finding():
    # What the engine did: the pool is only the CSPs whose forces are loaded.
    rows = [r for r in _reference_rows() if r["pfa_code"] in LOADED_PFAS]
    found = national_peers(build_peer_features(rows), TAMWORTH, k=5)
    assert [p.name for p in found.peers] == [
        "Cannock Chase", "Spelthorne", "Runnymede", "Woking", "Epsom and Ewell",
    ]  # fmt: skip
    table = build_peer_features(rows)
    assert round(table.imd[table.index(found.peers[4].code)], 1) == 8.0
    assert found.pool_description == "all 25 Community Safety Partnerships in England"


def test_tamworth_national_peers():
    table = build_peer_features(_reference_rows())
    found = national_peers(table, TAMWORTH, k=5)
    assert [p.name for p in found.peers] == [
        "Harlow", "Stevenage", "Castle Point", "Gosport", "Broxbourne",
    ]  # fmt: skip
    np.testing.assert_allclose(
        [p.distance for p in found.peers], [0.3547, 0.3660, 0.4338, 0.4466, 0.5304], atol=5e-5
    )
    assert found.pool_description == "all 293 Community Safety Partnerships in England"
    assert len(found.pool) == 293 and TAMWORTH in found.pool
    assert "IoD2025" in found.method and "all 293" in found.method
    # None of them is in a loaded force: the old list was an artefact of what was loaded.
    assert not {p.pfas[0] for p in found.peers} & LOADED_PFAS
    # Standardised over the national pool: recompute by hand over the 293 English CSPs.
    eng = [table.index(c) for c in found.pool]
    x = np.column_stack([np.log(table.population[eng]), np.log(table.density[eng]),
                         table.imd[eng], table.rural_share[eng]])  # fmt: skip
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    me = found.pool.index(TAMWORTH)
    d = np.sqrt(((z - z[me]) ** 2).sum(axis=1))
    d[me] = np.inf
    assert [found.pool[j] for j in np.argsort(d, kind="stable")[:5]] == [
        p.code for p in found.peers
    ]


def test_welsh_area_compared_without_deprivation():
    table = build_peer_features(_reference_rows())
    cardiff = table.codes[table.names.index("Cardiff")]
    found = national_peers(table, cardiff, k=3)
    assert "IoD2025 mean score (population-weighted)" not in found.features
    assert found.pool_description == "all 314 Community Safety Partnerships in England and Wales"


def test_peers_with_data_statement():
    found = national_peers(build_peer_features(_reference_rows()), TAMWORTH, k=5)
    loaded = {"E23000027"}  # pretend only Hertfordshire is loaded
    cmp = peers_with_data(found, lambda p: set(p.pfas) <= loaded, "2025")
    assert [p.name for p in cmp.compare_on] == ["Stevenage", "Broxbourne"]
    assert cmp.statement == (
        "2 of the 5 most similar areas have police data for 2025: Stevenage and Broxbourne. "
        "Not compared, as their police data is not loaded: Harlow, Castle Point and Gosport."
    )
    none = peers_with_data(found, lambda p: False, "2025")
    assert none.compare_on == () and none.statement.startswith(
        "None of the 5 most similar areas has police data for 2025"
    )
    every = peers_with_data(found, lambda p: True, "2025")
    assert every.statement.startswith("All 5 most similar areas have police data for 2025: Harlow")


def test_rank_text():
    assert (
        rank_text(40, [50, 30, 20, 10, 5])
        == "2nd highest of 6 areas (this area and 5 similar areas)"
    )
    assert rank_text(60, [50, 30]) == "highest of 3 areas (this area and 2 similar areas)"
    assert rank_text(1, [50, 30, 20, 10, 5]) == "lowest of 6 areas (this area and 5 similar areas)"
    assert (
        rank_text(8, [50, 30, 20, 10, 5]) == "2nd lowest of 6 areas (this area and 5 similar areas)"
    )
    assert rank_text(30, [50, 30, 20]).startswith("joint 2nd highest of 4 areas")
    with pytest.raises(ValueError):
        rank_text(float("nan"), [1.0])


def test_reader_matches_the_parquet_rows(tmp_path):
    geo = pytest.importorskip("saferplaces.warehouse.geography")
    from saferplaces.assessment.peer_features import national_peer_table
    from saferplaces.warehouse.store import connect

    con = connect(tmp_path / "warehouse.duckdb")
    geo.load_geography(con)
    table = national_peer_table(con, "csp")
    con.close()
    expected = build_peer_features(_reference_rows())
    assert table.codes == expected.codes and table.names == expected.names
    np.testing.assert_allclose(table.imd, expected.imd, equal_nan=True)
    np.testing.assert_allclose(table.density, expected.density)
    assert [p.name for p in national_peers(table, TAMWORTH).peers][:2] == ["Harlow", "Stevenage"]
