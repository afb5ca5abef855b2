"""Tests for saferplaces.analysis.harm."""

from __future__ import annotations

import numpy as np
import pytest

from saferplaces.analysis.harm import apply_harm_weights, harm_matrix

WEIGHTS = {
    "Burglary": 150.0,
    "Robbery": 400.0,
    "Shoplifting": 10.0,
    "Anti-social behaviour": None,
}


def test_harm_totals_and_asb_excluded():
    counts = {"Burglary": 3, "Anti-social behaviour": 40, "Robbery": 1, "Shoplifting": 12}
    r = apply_harm_weights(counts, WEIGHTS)
    # 3*150 + 1*400 + 12*10 = 970; ASB has no weight and is reported, not counted as 0.
    assert r.total == 970.0
    assert r.excluded == {"Anti-social behaviour": 40.0}
    assert [c.category for c in r.by_category] == ["Burglary", "Robbery", "Shoplifting"]
    assert r.by_category[0].harm == 450.0 and r.by_category[0].weight == 150.0
    assert r.weighted_count == 16.0


def test_unknown_category_is_an_error():
    with pytest.raises(KeyError, match="Vehicle crime"):
        apply_harm_weights({"Vehicle crime": 2}, WEIGHTS)
    with pytest.raises(ValueError):
        apply_harm_weights({"Burglary": 1}, {"Burglary": -1.0})


def test_harm_matrix_matches_per_area():
    cats = ["Burglary", "Anti-social behaviour", "Robbery", "Shoplifting"]
    counts = np.array([[3, 40, 1, 12], [0, 5, 2, 0]])
    totals, excluded = harm_matrix(counts, cats, WEIGHTS)
    assert excluded == ("Anti-social behaviour",)
    for i in range(2):
        single = apply_harm_weights(dict(zip(cats, counts[i], strict=True)), WEIGHTS)
        assert totals[i] == pytest.approx(single.total)
