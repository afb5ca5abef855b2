"""Tests for saferplaces.analysis.harm."""

from __future__ import annotations

import csv
import gzip
from collections import Counter

import numpy as np
import pytest

from saferplaces.analysis.harm import (
    NO_WEIGHT_REASONS,
    HarmExclusion,
    MissingHarmWeight,
    apply_harm_weights,
    harm_matrix,
)

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


def test_asb_exclusion_is_named_with_its_reason():
    r = apply_harm_weights({"Burglary": 3, "Anti-social behaviour": 1234}, WEIGHTS)
    assert r.exclusions == (
        HarmExclusion(
            "Anti-social behaviour", 1234.0, "the Crime Severity Score has no weight for ASB"
        ),
    )
    assert r.exclusions[0].statement == (
        "Anti-social behaviour (1,234) is not in the harm total: the Crime Severity Score has no "
        "weight for ASB."
    )
    assert NO_WEIGHT_REASONS == {
        "Anti-social behaviour": "the Crime Severity Score has no weight for ASB"
    }


def test_a_category_without_a_weight_is_refused_not_counted_as_zero():
    # Finding: the engine counted a category with no weight as zero harm (weight or 0.0).
    weights = {**WEIGHTS, "Bicycle theft": None}
    with pytest.raises(MissingHarmWeight, match="Bicycle theft") as err:
        apply_harm_weights({"Bicycle theft": 5, "Burglary": 1}, weights)
    assert "harm weight left empty for categories: ['Bicycle theft']" in str(err.value)
    with pytest.raises(MissingHarmWeight, match="Bicycle theft"):
        harm_matrix(np.array([[5, 1]]), ["Bicycle theft", "Burglary"], weights)
    with pytest.raises(KeyError, match="no harm weight given for categories: \\['Drugs'\\]"):
        apply_harm_weights({"Drugs": 2}, WEIGHTS)
    # A stated reason makes an exclusion explicit rather than an error.
    r = apply_harm_weights(
        {"Bicycle theft": 5}, weights, reasons={"Bicycle theft": "not weighted locally"}
    )
    assert r.total == 0.0 and r.exclusions[0].reason == "not weighted locally"


def test_shipped_weights_cover_every_category_in_the_real_data(shared_data):
    from saferplaces.assessment.inputs import load_harm_weights

    path = shared_data / "police_uk" / "staffordshire" / "2025-12-staffordshire-street.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        counts = Counter(row["Crime type"] for row in csv.DictReader(fh))
    hw = load_harm_weights()
    r = apply_harm_weights(counts, hw.weights)
    assert set(counts) - {c.category for c in r.by_category} == {"Anti-social behaviour"}
    assert r.exclusions[0].count == counts["Anti-social behaviour"]
    assert r.total == pytest.approx(
        sum(n * hw.weights[c] for c, n in counts.items() if hw.weights[c])
    )
