"""Methods appendix: every method with its reference and the parameters actually used."""

from __future__ import annotations

from pathlib import Path

from saferplaces.assessment import model as m
from saferplaces.assessment import parameters as P
from saferplaces.assessment.scope import Scope


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
        m.Method(name="Vulnerable Localities Index", used_for="Priority localities",
                 reference="Chainey, S. (2008). Identifying priority neighbourhoods using the "
                           "Vulnerable Localities Index. Policing 2(2), 196–209.",
                 parameters={"threshold": scope.request.locality_threshold,
                             "years": P.LOCALITY_YEARS,
                             "persistence_quantile": P.PERSISTENCE_QUANTILE}),
        m.Method(name="Poisson control limits and CUSUM", used_for="Emerging issues",
                 reference="Lucas, J. M. (1985). Counted data CUSUMs. Technometrics 27, 129–144.",
                 parameters={"window_months": P.EMERGING_WINDOW, "alpha": P.EMERGING_ALPHA,
                             "cusum_h": P.CUSUM_H,
                             "cusum_mu1": f"{P.CUSUM_SHIFT:g} × trailing mean"}),
        m.Method(name="Log-linear Poisson trend and seasonal indices", used_for="Categories "
                 f"with {P.TREND_MIN_MONTHS}+ consecutive months",
                 reference="McCullagh & Nelder (1989) Generalized Linear Models; classical "
                           "multiplicative decomposition."),
        m.Method(name="Most similar areas", used_for="Peers",
                 reference="Nearest neighbours on standardised population, density, "
                           "deprivation and rurality (after the Home Office most similar "
                           "groups method).", parameters={"k": scope.request.peers_k}),
        m.Method(name="MoRiLE-style priority matrix", used_for="Recommended priorities",
                 reference="Management of Risk in Law Enforcement (NPCC); a transparent "
                           "simplification. The trend factor scores the like-for-like change.",
                 parameters={k: v for k, v in sorted(scope.inputs.weights.items())}),
        m.Method(name="Harm weighting", used_for="Harm totals",
                 reference="ONS Crime Severity Score approach (sentencing-based days of "
                           "custody); weights used: " + Path(scope.harm.source).name
                           + " (see its status column)."),
    ]  # fmt: skip
    return out
