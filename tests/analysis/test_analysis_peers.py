"""Tests for saferplaces.analysis.peers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from saferplaces.analysis.peers import most_similar, standardise


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
