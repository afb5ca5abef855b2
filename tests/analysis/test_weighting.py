"""Raking and weighted proportions against a case worked by hand."""

from __future__ import annotations

import pytest

from saferplaces.analysis.weighting import (
    WeightingError,
    distribution,
    kish,
    rake,
    weighted_proportion,
    wilson,
)

# Six respondents; age and sex are independent in the sample (2 young, 4 old; half men in each).
SAMPLE = [
    {"age": "young", "sex": "m"},
    {"age": "young", "sex": "f"},
    {"age": "old", "sex": "m"},
    {"age": "old", "sex": "m"},
    {"age": "old", "sex": "f"},
    {"age": "old", "sex": "f"},
]
MARGINS = {"age": {"young": 60, "old": 40}, "sex": {"m": 45, "f": 55}}


def test_rake_matches_hand_computed_case():
    # Age step: young hold 2 of 6, should hold 0.6 x 6 = 3.6 -> factor 1.8;
    #           old hold 4, should hold 2.4 -> factor 0.6.
    #   weights: ym 1.8, yf 1.8, om 0.6, 0.6, of 0.6, 0.6
    # Sex step: men hold 1.8 + 0.6 + 0.6 = 3.0, should hold 0.45 x 6 = 2.7 -> factor 0.9;
    #           women hold 3.0, should hold 3.3 -> factor 1.1.
    #   weights: ym 1.62, yf 1.98, om 0.54, 0.54, of 0.66, 0.66
    # Check age again: young 1.62 + 1.98 = 3.6, old 2 x 0.54 + 2 x 0.66 = 2.4: converged in one
    # cycle (the sample's margins are independent). The weights add to 6, so no rescaling.
    r = rake(SAMPLE, MARGINS)
    assert r.converged and r.iterations == 1
    assert r.weights == pytest.approx([1.62, 1.98, 0.54, 0.54, 0.66, 0.66], abs=1e-9)
    # Kish: sum w = 6; sum w^2 = 1.62^2 + 1.98^2 + 2(0.54^2) + 2(0.66^2)
    #   = 2.6244 + 3.9204 + 0.5832 + 0.8712 = 7.9992; n_eff = 36 / 7.9992 = 4.50045;
    #   deff = 6 / 4.50045 = 1.33320
    assert r.n_eff == pytest.approx(4.50045, abs=1e-5)
    assert r.deff == pytest.approx(1.33320, abs=1e-5)
    assert kish(r.weights) == pytest.approx((r.deff, r.n_eff))


def test_weighted_proportion_and_kish_wilson_interval_by_hand():
    w = [1.62, 1.98, 0.54, 0.54, 0.66, 0.66]
    yes = [True, False, True, False, True, False]
    # p = (1.62 + 0.54 + 0.66) / 6 = 2.82 / 6 = 0.47
    # Wilson on n_eff = 4.50045, z = 1.959964, z^2 = 3.841459:
    #   z^2/n = 0.853572; denominator 1.853572
    #   centre = (0.47 + 0.426786) / 1.853572 = 0.483815
    #   half = z * sqrt(0.47 x 0.53 / 4.50045 + 3.841459 / (4 x 4.50045^2)) / 1.853572
    #        = 1.959964 x sqrt(0.055350 + 0.047416) / 1.853572 = 0.338972
    #   interval 0.144843 to 0.822787
    p = weighted_proportion(yes, w)
    assert p.share == pytest.approx(0.47)
    assert p.n == 6 and p.weighted_count == pytest.approx(2.82)
    assert p.low == pytest.approx(0.144843, abs=2e-6)
    assert p.high == pytest.approx(0.822787, abs=2e-6)


def test_wilson_unweighted_textbook_value():
    # 10 of 20: Wilson 95% interval 0.2993 to 0.7007 (Newcombe 1998, table I method 3 style).
    low, high = wilson(0.5, 20)
    assert (round(low, 4), round(high, 4)) == (0.2993, 0.7007)


def test_three_margins_converge_to_population_shares():
    sample = [
        {"age": a, "sex": s, "area": g}
        for a, s, g, k in [
            ("16-34", "f", "A", 2),
            ("16-34", "m", "B", 1),
            ("35-64", "f", "A", 5),
            ("35-64", "m", "B", 4),
            ("65+", "f", "B", 9),
            ("65+", "m", "A", 7),
            ("65+", "f", "A", 3),
            ("35-64", "m", "A", 2),
        ]
        for _ in range(k)
    ]
    margins = {
        "age": {"16-34": 30, "35-64": 45, "65+": 25},
        "sex": {"f": 51, "m": 49},
        "area": {"A": 60, "B": 40},
    }
    r = rake(sample, margins)
    assert r.converged
    for name, target in margins.items():
        tot = sum(target.values())
        for cat, pop in target.items():
            got = sum(w for w, s in zip(r.weights, sample, strict=True) if s[name] == cat)
            assert got / len(sample) == pytest.approx(pop / tot, abs=1e-6)
    assert sum(r.weights) == pytest.approx(len(sample))
    assert r.deff > 1


def test_missing_category_keeps_weight_and_unknown_population_is_refused():
    r = rake([{"age": "young"}, {"age": ""}, {"age": "old"}], {"age": {"young": 1, "old": 3}})
    assert r.converged
    with pytest.raises(WeightingError, match="no population"):
        rake([{"age": "child"}], {"age": {"young": 1}})


def test_distribution_leaves_out_blanks():
    d = distribution(["yes", "", "no", "yes"], [1, 5, 1, 2])
    assert set(d) == {"yes", "no"}
    assert d["yes"].share == pytest.approx(0.75)


def test_codebook_themes_counts_and_uncoded():
    from saferplaces.analysis.themes_text import code, parse_keywords, suggest

    answers = [
        "More police patrols in the town centre",
        "Better street lighting on the footpaths",
        "Police presence, and better lighting",
        "",
        "Stop the speeding cars",
        "Patrolling at night would help",
    ]
    coding = code(
        answers,
        {
            "Visible policing": parse_keywords("police\npatrol*, bobbies"),
            "Street lighting": ["lighting", "street lights"],
        },
    )
    got = {t.name: (t.count, t.answers) for t in coding.themes}
    assert got == {"Visible policing": (3, [0, 2, 5]), "Street lighting": (2, [1, 2])}
    assert coding.answered == 5 and coding.uncoded == [4]
    assert ("police", 2) in suggest(answers)
