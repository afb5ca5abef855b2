"""Methods appendix: every method with its reference and the parameters actually used."""

from __future__ import annotations

from pathlib import Path

from saferplaces.analysis.harm import NO_WEIGHT_REASONS
from saferplaces.assessment import model as m
from saferplaces.assessment import parameters as P
from saferplaces.assessment.scope import Scope
from saferplaces.assessment.sections import localities, priorities
from saferplaces.assessment.themes import (
    DEPRIVED_CONCENTRATION_DEFINITION,
    DEPRIVED_CONCENTRATION_NAME,
)


def build(scope: Scope) -> list[m.Method]:
    c = scope.comparison
    out = [
        m.Method(name="Like-for-like months", used_for="Which months a change compares",
                 reference="Only months present in both periods are compared: a month of the "
                           "period counts when its counterpart (the same calendar month a year "
                           "earlier, or the aligned month of the previous period) is loaded for "
                           "every force of the area. Comparing unequal sets of months mixes "
                           "seasons (Wheeler 2016, on comparing like periods).",
                 parameters={"basis": c.basis, "months_compared": c.n,
                             "compared": c.label or "no baseline to compare with"}),
        m.Method(name="Poisson E-test", used_for="Is a change more than chance?",
                 reference="Krishnamoorthy, K. & Thomson, J. (2004). A more powerful test for "
                           "comparing two Poisson means. J. Statistical Planning and Inference "
                           "119, 23–35. As ptools e_test (Wheeler).",
                 parameters={"sided": "two", "exposure": "equal: the months compared, pair by pair",
                             "alpha": P.SIGNIFICANCE}),
        m.Method(name="Square-root Poisson Z", used_for="Quick screen of change",
                 reference="Wheeler, A. P. (2016). Tables and graphs for monitoring temporal "
                           "crime trends. Policing 10(1).",
                 parameters={"formula": "2(√now − √before), months compared"}),
    ]
    if c.basis == P.WHOLE_PERIOD_SEASONAL:
        out.append(m.Method(
            name="Seasonally adjusted whole-period change",
            used_for="The whole period against a partial baseline (asked for explicitly)",
            reference="The baseline is scaled up by the share of a year's records that fall in "
                      "its months, estimated from complete years of the force's records "
                      "(Makridakis, Wheelwright & Hyndman 1998, ch. 3). The rate ratio's "
                      "log-variance adds the share's binomial sampling variance to the Poisson "
                      "terms, 1/N + 1/B + (1 − s)/(s·T), with covariance terms where the "
                      "reference years overlap the period (delta method: Oehlert 1992, The "
                      "American Statistician 46, 27–29; Rothman, Greenland & Lash 2008, Modern "
                      "Epidemiology, ch. 14). Wald interval and p-value on the log scale.",
            parameters={"reference_years": ", ".join(str(y) for y in c.reference_years),
                        "confidence": P.SEASONAL_CONFIDENCE},
        ))  # fmt: skip
    out += [
        m.Method(name="Exact Poisson (Garwood) intervals", used_for="Rates per 1,000",
                 reference="Garwood, F. (1936). Fiducial limits for the Poisson distribution. "
                           "Biometrika 28, 437–442.", parameters={"confidence": 0.95}),
        m.Method(name="Empirical Bayes rates", used_for="Ward and LSOA rates",
                 reference="Marshall, R. J. (1991). Mapping disease and mortality rates using "
                           "empirical Bayes estimators. Applied Statistics 40, 283–294.",
                 parameters={"between_area_variance": "method of moments, clamped at 0"}),
        m.Method(name="Funnel plot", used_for="Flagging places",
                 reference="Spiegelhalter, D. J. (2005). Funnel plots for comparing "
                           "institutional performance. Statistics in Medicine 24, 1185–1202.",
                 parameters={"limits": "exact Poisson 95% and 99.8%"}),
        m.Method(name="Generalised Gini and Lorenz curve", used_for="Concentration",
                 reference="Bernasco, W. & Steenbeek, W. (2017). More places than crimes. "
                           "J. Quantitative Criminology 33, 451–467."),
        m.Method(name="Getis–Ord Gi*", used_for="Hotspots on a regular grid",
                 reference="Ord, J. K. & Getis, A. (1995). Local spatial autocorrelation "
                           "statistics. Geographical Analysis 27, 286–306.",
                 parameters={"weights": "binary, cell and its 8 neighbours",
                             "fdr": "Benjamini–Hochberg", "alpha": P.FDR_ALPHA}),
        m.Method(name="Benjamini–Hochberg false discovery rate", used_for="Many cells tested",
                 reference="Benjamini, Y. & Hochberg, Y. (1995). J. Royal Statistical Society "
                           "B 57, 289–300."),
        m.Method(name="Quartic kernel density", used_for="Density surface",
                 reference="Chainey, S. & Ratcliffe, J. (2005). GIS and Crime Mapping. Wiley.",
                 parameters={"bandwidth": f"{P.BANDWIDTH_CELLS} × cell size (search radius)"}),
        m.Method(name="Space-time hotspot classes", used_for="Persistent/emerging/former",
                 reference="Chainey, S. (2014), after sfhotspot (Ashby) without its known "
                           "off-by-one in the recent window.",
                 parameters={"recent_periods": P.SPACE_TIME_RECENT,
                             "persistent_share": P.SPACE_TIME_PERSISTENT_SHARE,
                             "min_share": P.SPACE_TIME_MIN_SHARE,
                             "slice_months": P.SPACE_TIME_SLICE_MONTHS}),
        m.Method(name="Cell size", used_for="Hotspot grid",
                 reference="Chainey, S. (2013). Examining the influence of cell size and "
                           "bandwidth size on kernel density estimation crime hotspot maps. "
                           "Geomatica 67(3).",
                 parameters={"divisor": P.CELL_DIVISOR, "floor_m": P.SNAP_FLOOR_M,
                             "round_m": P.CELL_ROUND_M}),
        *localities.method_entries(scope),
        m.Method(name="Emerging issues with the false discovery rate controlled",
                 used_for="Emerging issues",
                 reference="Each category in each ward and in the whole area, on the latest run of "
                           "consecutive months (a missing month ends it): the recent months' "
                           "records against the months before, by the conditional binomial test "
                           "of two Poisson rates (Przyborowski & Wileński 1940, Biometrika 31, "
                           "313–323; Lehmann & Romano 2005, Testing Statistical Hypotheses §4.5); "
                           "series too small ever to be flagged are left out first (Bourgon, "
                           "Gentleman & Huber 2010, PNAS 107, 9546–9551); Benjamini–Hochberg "
                           "across the rest (Benjamini & Hochberg 1995, JRSS B 57, 289–300; "
                           "Benjamini & Yekutieli 2001, Annals of Statistics 29, 1165–1188). "
                           "Every flag is listed.",
                 parameters={"recent_months": P.EMERGING_RECENT,
                             "baseline_months_min": P.EMERGING_MIN_BASELINE,
                             "baseline_months_max": P.EMERGING_MAX_BASELINE,
                             "false_discovery_rate": P.EMERGING_FDR}),
        m.Method(name="Log-linear Poisson trend and seasonal indices", used_for="Categories "
                 f"with {P.TREND_MIN_MONTHS}+ consecutive months (the latest run; a gap ends it)",
                 reference="McCullagh & Nelder (1989) Generalized Linear Models; classical "
                           "multiplicative decomposition."),
        m.Method(name="Most similar areas", used_for="Peers",
                 reference="Nearest neighbours on z-scores of log population, log density, "
                           "IoD2025 mean score and rural share, standardised over every area "
                           "of the level in England (England and Wales, without deprivation, for "
                           "a Welsh area) whatever police data is loaded; only the peers with "
                           "police data for the period are compared on, and the document names "
                           "those left out (Home Office 2012, Most similar groups: methodology; "
                           "CIPFA Nearest Neighbours Model, 2019 technical note).",
                 parameters={"k": scope.request.peers_k}),
        m.Method(name="England and Wales reference", used_for="The national comparator",
                 reference="Month by month: a month counts only when every one of the 43 forces "
                           "of England and Wales is loaded for it, and the residents' exposure is "
                           "summed over exactly those months (counts from part of the country "
                           "over all its residents would understate the rate). Exact Poisson "
                           "interval (Garwood 1936).",
                 parameters={"forces": 43}),
        m.Method(name="MoRiLE-style priority matrix", used_for="Recommended priorities",
                 reference="Management of Risk in Law Enforcement (MoRiLE; National Police "
                           "Chiefs' Council and College of Policing); a transparent "
                           "simplification. Community safety themes are the unit: each is scored "
                           "from its evidence, named per factor: its police.uk categories (harm "
                           "and volume summed over them, the two concentration factors over their "
                           "records), the partner measures declared to evidence it, and the "
                           "partnership's public concern score. The trend factor scores the "
                           "like-for-like change of the theme's records combined, averaged with "
                           "each partner measure's own; a partner count adds no volume score "
                           "(no similar area to compare with) and is stated beside it. A category "
                           "can evidence more than one theme (violence and sexual offences: "
                           "violence and serious violence). Themes nothing loaded evidences are "
                           "listed with the data that would evidence them and are not scored or "
                           "ranked; only evidenced themes are ranked, among themselves. Each "
                           "category keeps its own scores on the same matrix. "
                           f"{DEPRIVED_CONCENTRATION_NAME.capitalize()}: "
                           f"{DEPRIVED_CONCENTRATION_DEFINITION} A factor that does not apply "
                           "(ASB has no harm weight) is left out and the total is the weighted "
                           "average over the factors that apply and are scored, as the table "
                           "states. Volume is compared with the median of the similar areas "
                           "with police data; without one it is the share of the area's crime "
                           "and is not cited as a reason.",
                 parameters={k: v for k, v in sorted(priorities.weights(scope).items())}),
        m.Method(name="Harm weighting", used_for="Harm totals",
                 reference="ONS Crime Severity Score approach (sentencing-based days of "
                           "custody); weights used: " + Path(scope.harm.source).name
                           + " (see its status column). Every category must have a weight; "
                           + " ".join(f"{c} is excluded: {r}." for c, r in NO_WEIGHT_REASONS.items()),
                 parameters={"excluded": ", ".join(NO_WEIGHT_REASONS)}),
        m.Method(name="What police.uk can show", used_for="Coverage of each theme",
                 reference="Street-level records have no domestic abuse or hate crime flag, no "
                           "victim details and no fraud; Drugs and Possession of weapons mostly "
                           "measure police activity, as does stop and search. Themes the data "
                           "cannot evidence are listed with the partner data that would "
                           "(data.police.uk; Home Office police recorded crime and hate crime "
                           "statistics; ONS domestic abuse data tool; SafeLives; ISTV; NRM "
                           "statistics; Action Fraud/NFIB)."),
    ]  # fmt: skip
    return out
