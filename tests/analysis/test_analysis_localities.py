"""Priority localities on a sound method (issue 10): domain-balanced VLI against the area's rate.

The first tests reproduce each reviewed finding on small arrays, the later ones on the real
Staffordshire files in ../shared/data (read directly with pandas).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import saferplaces
from saferplaces.analysis import composite as C
from saferplaces.analysis.composite import (
    CRIME_AND_DISORDER,
    DEPRIVATION,
    LOCALITY_THRESHOLD,
    NON_RESIDENTIAL_LOCATIONS,
    NON_RESIDENTIAL_SHARE,
    aggregate_to_places,
    area_rate_index,
    dominating_records,
    iod_shares,
    is_non_residential,
    locality_index,
    locality_rationale,
    locality_sensitivity,
    non_residential_domination,
    persistence,
    recombine,
    vulnerable_localities_index,
)

# ---------------------------------------------------------------------------------------------
# Hand-computed case
# ---------------------------------------------------------------------------------------------


def test_hand_computed_case():
    places = ["A", "B", "C"]
    pop = [1000, 2000, 1000]
    # crime 30, 20, 50 -> area rate 100 / 4000 = 0.025; place rates 0.03, 0.01, 0.05
    #   indices 100 * rate / 0.025 = 120, 40, 200
    # ASB 10, 10, 20 -> area rate 40 / 4000 = 0.01; rates 0.01, 0.005, 0.02 -> 100, 50, 200
    # crime and disorder domain = mean(120, 100) = 110; mean(40, 50) = 45; mean(200, 200) = 200
    # income-deprived people 300, 200, 100 -> area 600 / 4000 = 0.15; rates 0.3, 0.1, 0.1
    #   -> indices 200, 66.67, 66.67 = the deprivation domain (one indicator)
    # composite, equal weights: (110 + 200) / 2 = 155; (45 + 66.67) / 2 = 55.83;
    #   (200 + 66.67) / 2 = 133.33 -> A flagged at 150, C not.
    r = locality_index(
        places,
        {
            CRIME_AND_DISORDER: {"crime": ([30, 20, 50], pop), "asb": ([10, 10, 20], pop)},
            DEPRIVATION: {"income": ([300, 200, 100], pop)},
        },
    )
    np.testing.assert_allclose(r.indices, [[120, 100, 200], [40, 50, 200 / 3], [200, 200, 200 / 3]])
    np.testing.assert_allclose(r.area_rates, [0.025, 0.01, 0.15])
    np.testing.assert_allclose(r.domain_scores, [[110, 200], [45, 200 / 3], [200, 200 / 3]])
    np.testing.assert_allclose(r.composite, [155, (45 + 200 / 3) / 2, (200 + 200 / 3) / 2])
    assert list(r.flagged) == [True, False, False]
    assert list(r.rank) == [1, 3, 2]
    assert r.threshold == LOCALITY_THRESHOLD == 150
    assert r.weights == (1.0, 1.0)
    # Crime-heavy weights 2:1: A (2*110 + 200) / 3 = 140; C (2*200 + 66.67) / 3 = 155.56.
    np.testing.assert_allclose(
        recombine(r, {CRIME_AND_DISORDER: 2, DEPRIVATION: 1}), [140, (90 + 200 / 3) / 3, 1400 / 9]
    )
    assert "Selected mainly for deprivation (income index 200)" in locality_rationale(r, "A")


def test_partner_domain_and_omissions():
    pop = [100, 100]
    r = locality_index(
        ["A", "B"],
        {
            CRIME_AND_DISORDER: {"crime": ([3, 1], pop), "harm": ([0, 0], pop)},
            DEPRIVATION: {"income": ([np.nan, 5], pop)},
            "youth_services": {"referrals": ([4, 0], pop)},
        },
        weights={CRIME_AND_DISORDER: 1, "youth_services": 0.5},
    )
    # harm: none in the area; income: missing for A; the deprivation domain is then empty.
    assert dict(r.omitted) == {
        "harm": "none recorded in the whole area, so no index",
        "income": "no value for A",
        DEPRIVATION: "no usable indicator",
    }
    assert r.domain_names == (CRIME_AND_DISORDER, "youth_services")
    # crime 150, 50; referrals 200, 0; composite (150 + 0.5 * 200) / 1.5 = 166.67
    np.testing.assert_allclose(r.composite, [250 / 1.5, 50 / 1.5])
    with pytest.raises(ValueError, match="unknown domains"):
        locality_index(["A"], {CRIME_AND_DISORDER: {"crime": ([1], [1])}}, weights={"fire": 1})
    with pytest.raises(ValueError, match="base must be positive"):
        area_rate_index([1, 2], [10, 0])
    with pytest.raises(ValueError, match=r"crime_and_disorder/crime: base \(e.g. population\) is 0 for \['B'\]"):
        locality_index(["A", "B"], {CRIME_AND_DISORDER: {"crime": ([1, 1], [10, 0])}})
    with pytest.raises(ValueError, match="used twice"):
        locality_index(["A"], {"x": {"rate": ([1], [1])}, "y": {"rate": ([1], [1])}})
    with pytest.raises(ValueError, match="unique"):
        locality_index(["A", "A"], {CRIME_AND_DISORDER: {"crime": ([1, 1], [1, 1])}})


def test_iod_shares_and_aggregation():
    # income/employment scores are shares of people; the others use the national percentile
    # (n - rank + 0.5) / n: rank 1 of 10 -> 0.95, rank 10 -> 0.05.
    scores = {"income": [0.3, 0.1], "employment": [0.2, 0.1]}
    ranks = {k: [1, 10] for k in ("education", "health", "environment")}
    s = iod_shares(scores, ranks, 10)
    np.testing.assert_allclose(s["income"], [0.3, 0.1])
    np.testing.assert_allclose(s["health"], [0.95, 0.05])
    # Two LSOAs in ward W (pop 100 and 300), none in ward V: W = (30 + 30) / 400.
    num, den = aggregate_to_places(["W", "W"], [100, 300], s["income"], ["W", "V"])
    assert num[0] == pytest.approx(60) and den[0] == 400
    assert np.isnan(num[1]) and den[1] == 0
    assert list(iod_shares(scores, ranks, 10, domains=["income", "health"])) == ["income", "health"]
    with pytest.raises(ValueError, match="share between 0 and 1"):
        iod_shares({"income": [3.0], "employment": [0.1]}, ranks, 10)


# ---------------------------------------------------------------------------------------------
# Findings on small arrays
# ---------------------------------------------------------------------------------------------


def test_finding_times_area_average_is_the_area_rate():
    # Place A: 10 crimes, 100 people (rate 0.1); B: 10 crimes, 900 people (0.0111).
    # The area's rate is 20 / 1000 = 0.02, so A is 5 times the area's rate. The old reference,
    # the unweighted mean of the two rates (0.0556), called it 1.8 times.
    old = vulnerable_localities_index([[0.1], [10 / 900]], threshold=None, top_n=1)
    assert old.indices[0, 0] == pytest.approx(180)
    idx, area = area_rate_index([10, 10], [100, 900])
    assert area == pytest.approx(0.02)
    assert idx[0] == pytest.approx(500)


def test_finding_persistence_step_and_partial_year():
    # Old: share of years in the top quarter, with a four-month 2024 and a full 2025. Ward 0
    # is in the top quarter in 2025 and, by a single crime, in the four months of 2024 too.
    pop = np.full(8, 1000.0)
    y2025 = np.array([90, 80, 60, 50, 50, 40, 40, 30], float)
    y2024 = np.array([24, 25, 24, 15, 14, 12, 12, 10], float)  # 4 months only
    imd = np.array([30, 25, 20, 20, 15, 15, 10, 10], float)

    def old_composite(y24):
        share = np.zeros(8)
        for y in (y2025, y24):
            r = y / pop
            share += r >= np.quantile(r, 0.75)  # 2024: 75th percentile is 24, so 24 is "in"
        share /= 2
        x = np.column_stack([(y2025 + y24) / pop, imd, share])
        return vulnerable_localities_index(x, threshold=150).composite, share

    before, share = old_composite(y2024)
    assert sorted(set(share)) == [0.0, 0.5, 1.0]  # a step, nothing in between
    flipped = y2024.copy()
    flipped[0] -= 1  # one crime fewer in Jan-Apr 2024: 75th percentile 23.25, ward 0 drops out
    after, share2 = old_composite(flipped)
    assert (share[0], share2[0]) == (1.0, 0.5)
    # Ward 0's persistence index: 100 * 1 / mean(share) = 100 / (2.5 / 8) = 320 before,
    # 100 * 0.5 / (2 / 8) = 200 after; a third of that is 40 points off the composite,
    # while ward 1 (untouched) rises 27 points because the mean moved.
    assert before[0] == pytest.approx(214.62, abs=0.01) and after[0] == pytest.approx(174.24, abs=0.01)
    assert after[1] - before[1] > 25

    # New: only complete years count, and with one complete year it is left out and said.
    p = persistence(np.column_stack([y2024, y2025]), pop, ["2024", "2025"], [False, True])
    assert p.mean_index is None and p.years_above is None
    assert p.years_used == ("2025",) and p.years_left_out == ("2024",)
    assert p.reason == (
        "Persistence is left out: it needs 2 complete years of data and there is only 1 "
        "complete year (2025); 2024 is incomplete."
    )
    p0 = persistence(np.column_stack([y2024]), pop, ["2024"], [False])
    assert p0.reason == (
        "Persistence is left out: it needs 2 complete years of data and there is no complete "
        "year; 2024 is incomplete."
    )
    # With complete years it is the mean yearly index: continuous, no step.
    y2023 = np.array([85, 70, 65, 55, 45, 45, 35, 30], float)
    p3 = persistence(np.column_stack([y2023, y2025]), pop, ["2023", "2025"], [True, True])
    # ward 0: 2023 index 100 * 85 / (430 / 8) = 158.14; 2025 index 100 * 90 / (440 / 8) = 163.64
    assert p3.mean_index[0] == pytest.approx((100 * 85 / (430 / 8) + 100 * 90 / (440 / 8)) / 2)
    assert p3.years_above[0] == 2
    y2023b = y2023.copy()
    y2023b[0] -= 2
    p3b = persistence(np.column_stack([y2023b, y2025]), pop, ["2023", "2025"], [True, True])
    assert abs(p3b.mean_index[0] - p3.mean_index[0]) < 3  # two crimes move it ~2 points
    # Persistence joins the crime and disorder domain, so it cannot add a step of its own.
    r = locality_index(
        [f"w{i}" for i in range(8)],
        {
            CRIME_AND_DISORDER: {"crime": (y2025, pop), "persistence": p3.mean_index},
            DEPRIVATION: {"income": (np.full(8, 100.0), pop)},
        },
    )
    assert r.indicator_domain == (CRIME_AND_DISORDER, CRIME_AND_DISORDER, DEPRIVATION)
    assert np.isnan(r.area_rates[1])  # ready index: no rate of its own


def test_finding_crime_counted_four_times():
    # Ward "centre": busy, less deprived; ward "estate": deprived, moderate crime; six others
    # average. Old layout: crime, ASB, harm and persistence against one deprivation column.
    pop = np.full(8, 1000.0)
    crime = np.array([200, 110, 100, 100, 100, 100, 100, 100], float)
    asb = np.array([80, 45, 40, 40, 40, 40, 40, 40], float)
    harm = np.array([2000, 1100, 1000, 1000, 1000, 1000, 1000, 1000], float)
    pers = np.array([1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    income = np.array([0.10, 0.40, 0.12, 0.12, 0.12, 0.12, 0.12, 0.12])
    old = vulnerable_localities_index(
        np.column_stack([crime / pop, asb / pop, harm / pop, pers, income]), threshold=150
    )
    assert list(old.flagged[:2]) == [True, False]  # the centre is picked, the estate missed
    new = locality_index(
        [f"w{i}" for i in range(8)],
        {
            CRIME_AND_DISORDER: {"crime": (crime, pop), "asb": (asb, pop), "harm": (harm, pop)},
            DEPRIVATION: {"income": (income * pop, pop)},
        },
    )
    # area crime rate 0.11 -> centre 181.8, estate 100; income area 0.155 -> 64.5, 258.1
    assert new.composite[1] > new.composite[0]
    assert list(new.flagged[:2]) == [False, True]


def test_non_residential_strings_and_domination():
    assert is_non_residential("On or near Prison")
    assert not is_non_residential("On or near Prison Lane")
    assert not is_non_residential("On or near Hospital Street")
    assert not is_non_residential("On or near Station Road")
    assert not is_non_residential("On or near Park/Open Space")
    places = ["W"] * 8 + ["V"] * 4
    locs = (["On or near Prison"] * 3 + ["On or near Supermarket"] + ["On or near High Street"] * 4
            + ["On or near Supermarket", "On or near Supermarket", "On or near A", "On or near B"])  # fmt: skip
    points = [(1, 1), (1, 1), (1, 1), (2, 2), (3, 3), (3, 3), (3, 3), (3, 3),
              (5, 5), (6, 6), (7, 7), (8, 8)]  # fmt: skip
    found = non_residential_domination(places, locs, points=points)
    # W: 3 of 8 at one prison = 37.5%; V: two supermarkets at different points, 1 of 4 each.
    assert found["W"].location == "On or near Prison" and found["W"].share == pytest.approx(0.375)
    assert found["W"].dominated
    assert found["V"].share == pytest.approx(0.25) and found["V"].dominated  # >= 25%
    strict = non_residential_domination(places, locs, points=points, share=0.3)
    assert not strict["V"].dominated
    by_label = non_residential_domination(places, locs)  # same label pooled: 2 of 4
    assert by_label["V"].share == pytest.approx(0.5)
    mask = dominating_records(places, locs, found, points=points)
    assert mask.sum() == 3 + 1 and mask[:3].all() and mask[8] and not mask[9]
    assert NON_RESIDENTIAL_SHARE == 0.25
    assert all(s.startswith("On or near ") for s in NON_RESIDENTIAL_LOCATIONS)


def test_sensitivity_band_and_weights():
    # crime-and-disorder and deprivation given as ready indices.
    places = ["a", "b", "c", "d"]
    r = locality_index(
        places,
        {CRIME_AND_DISORDER: {"crime": [260, 100, 150, 60]}, DEPRIVATION: {"income": [60, 230, 140, 60]}},
    )
    # composites 160, 165, 145, 60
    np.testing.assert_allclose(r.composite, [160, 165, 145, 60])
    s = locality_sensitivity(r)
    assert s.base == ("a", "b")
    by = {c.name: c for c in s.cases}
    assert by["line at 125"].added == ("c",)
    assert by["line at 175"].removed == ("a", "b")
    # crime-heavy: (2*260 + 60) / 3 = 193.3, (200 + 230) / 3 = 143.3 -> b drops out
    assert by["crime-heavy (crime and disorder 2, deprivation 1)"].removed == ("b",)
    # deprivation-heavy: a (260 + 120) / 3 = 126.7 drops, b (100 + 460) / 3 = 186.7 stays
    assert by["deprivation-heavy (crime and disorder 1, deprivation 2)"].removed == ("a",)
    assert s.robust == () and s.marginal == ("a", "b", "c")


def test_rationale_plain_english():
    r = locality_index(
        ["p", "q"],
        {
            CRIME_AND_DISORDER: {"crime": [104, 96]},
            DEPRIVATION: {"income": [182, 18], "health": [171, 29], "education": [120, 80]},
        },
        threshold=140,
    )
    # deprivation (182 + 171 + 120) / 3 = 157.67; composite (104 + 157.67) / 2 = 130.8
    text = locality_rationale(r, "p")
    assert text.startswith("Not selected: its score is 131, below the line of 140")
    r2 = locality_index(
        ["p", "q"],
        {
            CRIME_AND_DISORDER: {"crime": [104, 96]},
            DEPRIVATION: {"income": [182, 18], "health": [171, 29]},
        },
        threshold=140,
    )
    p = persistence([[10, 12], [10, 8]], [100, 100], ["2024", "2025"], [True, True])
    text = locality_rationale(r2, "p", persistence_result=p)
    assert text.startswith(
        "Selected mainly for deprivation (income index 182, health 171), with crime and disorder "
        "near the area's rate (104)."
    )
    assert "Crime was at or above the area's rate in 2 of 2 complete years (2024, 2025)." in text
    # Both domains lifting the score about equally (100 and 87 points above 100): both named.
    r3 = locality_index(
        ["s", "t"],
        {CRIME_AND_DISORDER: {"crime": [200, 50]}, DEPRIVATION: {"income": [187, 40]}},
    )
    assert locality_rationale(r3, "s").startswith(
        "Selected for both crime and disorder (crime index 200) and deprivation (income index 187)."
    )
    for word in ("p-value", "z-score", "quantile", "VLI"):
        assert word not in text


# ---------------------------------------------------------------------------------------------
# Findings on the real Staffordshire files
# ---------------------------------------------------------------------------------------------

N_LSOA_ENGLAND_2021 = 33755


@pytest.fixture(scope="module")
def staffs(shared_data: Path):
    pd = pytest.importorskip("pandas")
    files = sorted((shared_data / "police_uk" / "staffordshire").glob("*-street.csv.gz"))
    if len(files) != 16:
        pytest.skip("the 16 Staffordshire street files are not all there")
    cols = ["Month", "Longitude", "Latitude", "Location", "LSOA code", "Crime type"]
    rec = pd.concat([pd.read_csv(f, usecols=cols) for f in files], ignore_index=True)
    lk = pd.read_csv(shared_data / "lookups" / "lsoa21_ward24_lad24_ew.csv.gz")
    pop = pd.read_csv(shared_data / "population" / "census2021_usual_residents_lsoa21.csv")
    dep = pd.read_parquet(Path(saferplaces.__file__).parent / "data" / "deprivation.parquet")
    dep = dep[dep.edition == 2025]
    lsoa = lk.merge(pop, on="lsoa21_code").merge(dep, left_on="lsoa21_code", right_on="lsoa_code")
    rec = rec.merge(lk[["lsoa21_code", "ward24_code"]], left_on="LSOA code", right_on="lsoa21_code")
    weights = pd.read_csv(Path(saferplaces.__file__).parent / "assessment" / "harm_weights.csv")
    return rec, lsoa, dict(zip(weights.category, weights.weight, strict=True))


def _district(staffs, name: str, drop=None):
    """Ward inputs for one district, as the engine assembles them (2024 Jan-Apr + 2025)."""
    rec, lsoa, hw = staffs
    lo = lsoa[lsoa.ltla24_name == name]
    wards = sorted(lo.ward24_code.unique())
    names = dict(zip(lo.ward24_code, lo.ward24_name, strict=True))
    pop = lo.groupby("ward24_code").usual_residents_census2021.sum().reindex(wards).to_numpy(float)
    r = rec[rec.ward24_code.isin(wards)]
    if drop is not None:
        r = r[~drop.loc[r.index]]
    crime = r[r["Crime type"] != "Anti-social behaviour"]

    def per_ward(frame, col=None):
        g = frame.groupby("ward24_code")
        s = g.size() if col is None else g[col].sum()
        return s.reindex(wards, fill_value=0).to_numpy(float)

    out = {
        "wards": wards,
        "names": names,
        "pop": pop,
        "crime": per_ward(crime),
        "asb": per_ward(r[r["Crime type"] == "Anti-social behaviour"]),
        "harm": per_ward(crime.assign(h=crime["Crime type"].map(hw)), "h"),
        "y2024": per_ward(crime[crime.Month.str.startswith("2024")]),
        "y2025": per_ward(crime[crime.Month.str.startswith("2025")]),
        "imd": (lo.assign(x=lo.imd_score * lo.usual_residents_census2021)
                .groupby("ward24_code").x.sum().reindex(wards).to_numpy() / pop),
    }
    stems = C.IOD_LOCALITY_DOMAINS
    shares = iod_shares({k: lo[f"{k}_score"] for k in stems}, {k: lo[f"{k}_rank"] for k in stems},
                        N_LSOA_ENGLAND_2021)  # fmt: skip
    out["deprivation"] = {
        k: aggregate_to_places(list(lo.ward24_code), lo.usual_residents_census2021, v, wards)
        for k, v in shares.items()
    }
    return out


def _old(d):
    """The composite as the engine computed it before issue 10 (sections/localities.py)."""
    share = np.zeros(len(d["wards"]))
    for y in (d["y2025"], d["y2024"]):
        rate = y / d["pop"]
        share += rate >= np.quantile(rate, 0.75)
    share /= 2
    x = np.column_stack([d["crime"] / d["pop"], d["asb"] / d["pop"], d["harm"] / d["pop"], d["imd"], share])
    return vulnerable_localities_index(x, threshold=150), share


def _new(d, **kw):
    pop = d["pop"]
    return locality_index(
        d["wards"],
        {
            CRIME_AND_DISORDER: {"crime": (d["crime"], pop), "asb": (d["asb"], pop), "harm": (d["harm"], pop)},
            DEPRIVATION: d["deprivation"],
        },
        **kw,
    )


def _code(d, ward_name: str) -> str:
    return next(c for c, n in d["names"].items() if n == ward_name)


def test_real_deprivation_parquet_has_the_iod_2025_domains():
    pd = pytest.importorskip("pandas")
    dep = pd.read_parquet(Path(saferplaces.__file__).parent / "data" / "deprivation.parquet")
    e = dep[dep.edition == 2025]
    assert len(e) == N_LSOA_ENGLAND_2021 and set(e.lsoa_vintage) == {2021}
    for stem in C.IOD_LOCALITY_DOMAINS:
        assert e[f"{stem}_score"].notna().all() and e[f"{stem}_rank"].between(1, len(e)).all()
    assert e.income_score.between(0, 1).all() and e.employment_score.between(0, 1).all()
    assert (e.health_score < 0).any()  # a centred score: no "area average" can divide it


def test_real_persistence_partial_year_and_step(staffs):
    d = _district(staffs, "Tamworth")
    old, share = _old(d)
    # Old: 2024 has only Jan-Apr, yet it counts as a "year"; persistence is 0, 0.5 or 1 and,
    # as one of five indices of the mean, adds 0, 33 or 67 points in Tamworth.
    assert sorted(set(share)) == [0.0, 0.5, 1.0]
    added = old.indices[:, 4] / 5
    np.testing.assert_allclose(sorted(set(np.round(added, 1))), [0.0, 33.3, 66.7])
    castle = d["wards"].index(_code(d, "Castle"))
    assert share[castle] == 1.0
    # New: Jan-Apr 2024 is not a complete year, so persistence is left out and said.
    p = persistence(np.column_stack([d["y2024"], d["y2025"]]), d["pop"], ["2024", "2025"], [False, True])
    assert p.mean_index is None
    assert "only 1 complete year (2025); 2024 is incomplete" in p.reason
    new = _new(d)
    assert "persistence" not in new.indicator_names
    assert p.reason in locality_rationale(new, _code(d, "Castle"), persistence_result=p)


def test_real_crime_counted_once_stoke(staffs):
    d = _district(staffs, "Stoke-on-Trent")
    old, _ = _old(d)
    new = _new(d)
    i = d["wards"].index(_code(d, "Penkhull & Springfields"))  # IoD score 21.7, a hospital
    j = d["wards"].index(_code(d, "Bentilee, Ubberley & Townsend"))  # IoD score 50.7, residential
    assert d["imd"][j] > d["imd"][i] + 25
    # Old: the less deprived ward with the hospital is picked (159), the deprived estate is not (91).
    assert old.flagged[i] and not old.flagged[j]
    assert old.composite[i] == pytest.approx(159, abs=1) and old.composite[j] == pytest.approx(91, abs=1)
    # New: deprivation counts as much as crime and disorder; the estate ranks above it.
    assert new.composite[j] > new.composite[i]
    assert not new.flagged[i]
    # deprivation 119 (income 150, employment 146) against 87 for the hospital ward
    assert new.domain_scores[j, 1] > new.domain_scores[i, 1] + 30
    text = locality_rationale(new, _code(d, "Bentilee, Ubberley & Townsend"))
    assert text == (
        "Not selected: its score is 111, below the line of 150, with crime and disorder near "
        "the area's rate (103) and deprivation 1.2 times the area's level (119)."
    )


def test_real_prison_ward_is_dominated(staffs):
    rec = staffs[0]
    d = _district(staffs, "South Staffordshire")
    code = _code(d, "Featherstone, Sharehill & Saredon")  # HMP Featherstone, HMP Oakwood
    r = rec[rec.ward24_code.isin(d["wards"]) & (rec["Crime type"] != "Anti-social behaviour")]
    points = list(zip(r.Longitude, r.Latitude, strict=True))
    found = non_residential_domination(list(r.ward24_code), list(r.Location), points=points)
    f = found[code]
    assert f.location == "On or near Prison" and f.dominated
    assert (f.count, f.total) == (337, 869)  # 38.8% of its crime at one prison map point
    # The only other dominated ward: 29% of Lapley's crime at one petrol station.
    assert {d["names"][c] for c, v in found.items() if v.dominated} == {
        "Featherstone, Sharehill & Saredon",
        "Lapley, Stretton & Wheaton Aston",
    }
    # Old: flagged (178), a third of it from crime and persistence.
    old, _ = _old(d)
    k = d["wards"].index(code)
    assert old.flagged[k] and old.composite[k] == pytest.approx(178, abs=1)
    # New, with and without the prison's records.
    with_prison = _new(d)
    mask = dominating_records(list(r.ward24_code), list(r.Location), found, points=points)
    drop = rec.index.to_series().isin(r.index[mask])
    without = _new(_district(staffs, "South Staffordshire", drop=drop))
    # crime and disorder 125 -> 82 without the prison map point; deprivation 105 either way
    assert with_prison.composite[k] == pytest.approx(115.3, abs=0.1)
    assert without.composite[k] == pytest.approx(93.8, abs=0.1)
    assert not with_prison.flagged[k] and not without.flagged[k]
    text = locality_rationale(with_prison, code, domination=f, score_without=float(without.composite[k]))
    assert text.endswith(
        "39% of its recorded crime is at one place (prison), not where people live; without it "
        "the score is 94 (not selected)."
    )


def test_real_area_rate_not_mean_of_rates(staffs):
    d = _district(staffs, "Stafford")
    i = d["wards"].index(_code(d, "Forebridge"))  # the town centre
    rates = d["crime"] / d["pop"]
    old = 100 * rates[i] / rates.mean()
    new = _new(d)
    area = d["crime"].sum() / d["pop"].sum()
    assert new.indices[i, 0] == pytest.approx(100 * rates[i] / area)
    assert new.area_rates[0] == pytest.approx(area)
    assert new.indices[i, 0] / old > 1.05  # the old reference understated it by over 5%


def test_real_sensitivity_tamworth(staffs):
    d = _district(staffs, "Tamworth")
    new = _new(d)
    s = locality_sensitivity(new)
    castle, glascote = _code(d, "Castle"), _code(d, "Glascote")
    assert s.base == (castle,)
    by = {c.name: c for c in s.cases}
    assert glascote in by["line at 125"].added
    assert castle in s.robust
    text = locality_rationale(new, castle)
    assert text.startswith("Selected mainly for crime and disorder (crime index 302, harm 239), with "
                           "deprivation 1.2 times the area's level (116).")
