"""Tests for saferplaces.analysis.composite (VLI-style composite, MoRiLE-style matrix)."""

from __future__ import annotations

import numpy as np
import pytest

from saferplaces.analysis.composite import (
    CRITERIA,
    priority_matrix,
    score_by_rank,
    score_by_thresholds,
    score_trend,
    vulnerable_localities_index,
)

# ---------------------------------------------------------------------------------------------
# VLI
# ---------------------------------------------------------------------------------------------


def test_vli_hand_derived():
    # Two indicators over three areas; means 20 and 0.2.
    # indices: area1 (50, 100), area2 (100, 50), area3 (150, 150); composite 75, 75, 150.
    x = [[10, 0.2], [20, 0.1], [30, 0.3]]
    r = vulnerable_localities_index(x, ["burglary", "income"], threshold=150)
    np.testing.assert_allclose(r.indices, [[50, 100], [100, 50], [150, 150]])
    np.testing.assert_allclose(r.composite, [75, 75, 150])
    assert list(r.flagged) == [False, False, True]  # ">= 150" includes exactly 150
    assert list(r.rank) == [2, 2, 1]  # tied areas share a rank
    assert r.rule == "composite >= 150"


def test_vli_default_threshold_reference_domains_and_top_n():
    x = np.array(
        [
            # burglary, damage, income, employment
            [40.0, 20.0, 0.40, 0.30],
            [10.0, 10.0, 0.10, 0.10],
            [10.0, 10.0, 0.10, 0.10],
            [20.0, 20.0, 0.20, 0.10],
        ]
    )
    names = ["burglary", "damage", "income", "employment"]
    domains = {"crime": ["burglary", "damage"], "deprivation": ["income", "employment"]}
    r = vulnerable_localities_index(x, names, domains=domains)
    # means: 20, 15, 0.2, 0.15 -> area1 indices 200, 133.3, 200, 200;
    # crime domain = 166.67, deprivation = 200, composite = 183.33 (< 200 default threshold)
    assert r.domain_names == ("crime", "deprivation")
    np.testing.assert_allclose(r.domain_scores[0], [(200 + 400 / 3) / 2, 200])
    assert r.composite[0] == pytest.approx(((200 + 400 / 3) / 2 + 200) / 2)
    assert not r.flagged.any()
    # Against national reference rates (half the local means) area 1 doubles and is flagged.
    rn = vulnerable_localities_index(x, names, domains=domains, reference=[10, 7.5, 0.1, 0.075])
    assert rn.flagged[0] and rn.composite[0] == pytest.approx(2 * r.composite[0])
    top = vulnerable_localities_index(x, names, top_n=1)
    assert list(top.flagged) == [True, False, False, False]
    with pytest.raises(ValueError):
        vulnerable_localities_index([[0, 1], [0, 2]])  # all-zero indicator has no index
    with pytest.raises(ValueError):
        vulnerable_localities_index(x, names, domains={"crime": ["burglary"]})


# ---------------------------------------------------------------------------------------------
# MoRiLE-style matrix
# ---------------------------------------------------------------------------------------------


def test_score_helpers():
    cuts = [1, 5, 10, 20]
    assert [score_by_thresholds(v, cuts) for v in (0, 1, 4.9, 5, 19, 20, 99)] == [
        1, 2, 2, 3, 4, 5, 5,
    ]  # fmt: skip
    with pytest.raises(ValueError):
        score_by_thresholds(3, [1, 5, 5, 20])
    assert score_trend(0.001, +2.5) == 5
    assert score_trend(0.03, +1) == 4
    assert score_trend(0.2, +9) == 3
    assert score_trend(0.03, -1) == 2
    assert score_trend(0.001, -3) == 1
    ranks = score_by_rank({f"t{i}": float(i) for i in range(1, 11)})
    assert [ranks[f"t{i}"] for i in range(1, 11)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_priority_matrix_ranking_breakdown_and_weights():
    themes = {
        "Domestic abuse": {"harm": 5, "volume": 4, "trend": 3, "vulnerability": 5},
        "Shoplifting": {"harm": 1, "volume": 5, "trend": 5, "vulnerability": 1},
        "Burglary": {"harm": 3, "volume": 3, "trend": 3, "vulnerability": 3},
        "ASB": {"harm": 2, "volume": 5, "trend": 2, "vulnerability": 2, "public_concern": 5},
    }
    rows = priority_matrix(themes)
    # equal weights: DA 17/4 = 4.25; ASB 16/5 = 3.2; Shoplifting 12/4 = 3.0; Burglary 3.0
    assert [r.theme for r in rows] == ["Domestic abuse", "ASB", "Burglary", "Shoplifting"]
    assert [r.rank for r in rows] == [1, 2, 3, 3]
    assert rows[0].total == pytest.approx(4.25)
    da = rows[0]
    assert {c.criterion: c.score for c in da.breakdown} == themes["Domestic abuse"]
    assert set(da.missing) == set(CRITERIA) - set(themes["Domestic abuse"])
    assert da.weighted_sum == pytest.approx(sum(c.contribution for c in da.breakdown))
    # Editable weights: make volume count 4 times and shoplifting overtakes burglary.
    rows_w = priority_matrix(themes, weights={"volume": 4})
    order = [r.theme for r in rows_w]
    assert order.index("Shoplifting") < order.index("Burglary")
    shop = next(r for r in rows_w if r.theme == "Shoplifting")
    # (1 + 4*5 + 5 + 1) / (1 + 4 + 1 + 1) = 27 / 7
    assert shop.total == pytest.approx(27 / 7)


def test_priority_matrix_validation():
    with pytest.raises(ValueError):
        priority_matrix({"x": {"harm": 6}})
    with pytest.raises(ValueError):
        priority_matrix({"x": {"severity": 3}})
    with pytest.raises(ValueError):
        priority_matrix({"x": {"harm": None}})
    with pytest.raises(ValueError):
        priority_matrix({"x": {"harm": 3}}, weights={"harm": -1})
