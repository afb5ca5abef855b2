"""Priority localities: wards (or LSOAs) indexed to the area's own rate, one vote per domain.

The method is :func:`saferplaces.analysis.composite.locality_index` (issue 10); this section
only gathers its inputs from the warehouse and puts the result in the model:

* crime and disorder — crime, ASB and harm in the period's months (not the baseline's), as
  rates indexed to the area's rate; persistence joins it only when there are at least
  :data:`~saferplaces.analysis.composite.PERSISTENCE_MIN_COMPLETE_YEARS` complete calendar
  years, otherwise it is left out and the reason is stated;
* deprivation — IoD2025 income, employment, education, health and living environment, from
  each LSOA's score or national rank (:func:`~saferplaces.analysis.composite.iod_shares`)
  weighted by population up to the place;
* partner data — each partner measure loaded for the area that covers the whole period
  (e.g. the demo's A&E assault attendances) is a domain of its own.

Places where one non-residential map point (a prison, a hospital, …) holds a quarter of the
crime are flagged and shown again without those records; the line (150, this project's
convention against the area's own rate; the Jill Dando Institute's national line is 200) is
tested at ± 25 points and with crime-heavy and deprivation-heavy weights; places just below
the line are marked so a deprived residential ward is seen even when not selected.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date

import numpy as np

from saferplaces.analysis import composite as C
from saferplaces.assessment import model as m
from saferplaces.assessment.comparison import rnd
from saferplaces.assessment.parameters import ASB, LOCALITY_YEARS
from saferplaces.assessment.periods import fmt, months_label
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import AssessmentError, Scope

METHOD = (
    "Priority localities index after the Vulnerable Localities Index (Chainey 2008): each "
    "indicator is a place's rate as an index of the area's own rate (100 = the area), "
    "indicators are averaged within their domain and the domains combined by their weights, "
    "so each domain counts once"
)
THRESHOLD_SOURCE = (
    "{t:g} is this project's stated convention for indices against the area's own rate (a "
    "local line, not a published one); the only published line is the Jill Dando Institute's "
    "200, against national rates (Tompson, JDiBrief: Vulnerable Localities Index)"
)
PARTNER_RATE = ":rate"  # a partner domain's one indicator: the measure's rate per resident
WITHOUT_DOMINATION = "without the records at dominating non-residential locations"
# Indicator keys → plain names in the model (composite's labels, with rates spelt out).
INDICATOR_NAMES = {
    "crime": "crime",
    "asb": "anti-social behaviour",
    "harm": "harm",
    "persistence": "persistence",
    **C.IOD_LOCALITY_DOMAINS,
}


def parse_weights(text: str | None) -> dict[str, float] | None:
    """``"crime_and_disorder=2,deprivation=1"`` → domain weights (None for the default).

    A partner domain is named by its measure id. Bad input names the option and the part.
    """
    if not text:
        return None
    out: dict[str, float] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip()
        try:
            w = float(value)
        except ValueError:
            w = -1.0
        if not sep or not key or not w >= 0:
            raise AssessmentError(
                f"--locality-weights: {part.strip()!r} is not DOMAIN=WEIGHT with a weight of 0 or "
                f"more (domains: {C.CRIME_AND_DISORDER}, {C.DEPRIVATION}, or a partner measure id)."
            )
        out[key] = w
    return out


def _years(scope: Scope) -> tuple[list[int], list[bool]]:
    """Calendar years up to the period's end (at most LOCALITY_YEARS), each with whether all
    twelve months are loaded for every force of the area."""
    hist = set(scope.history)
    end = scope.period.end.year
    years = sorted({d.year for d in hist if d.year > end - LOCALITY_YEARS})
    return years, [all(date(y, k, 1) in hist for k in range(1, 13)) for y in years]


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def partner_inputs(
    scope: Scope, data: Warehouse, unit: str, places: list[str]
) -> tuple[dict, list[str]]:
    """Partner measures usable as a locality domain: measure id → (title, definition, counts per
    place); and the reasons for measures left out."""
    from saferplaces.warehouse import measures

    out: dict = {}
    left: list[str] = []
    need = set(scope.cov_now.present)
    for mid in data.measure_ids():
        defn = measures.get_definition(data.con, mid)
        held = [r for r in data.measure_periods(mid)
                if r.start >= scope.period.start and r.end <= _month_end(scope.period.end)]  # fmt: skip
        covered = {date(d.year, d.month, 1) for r in held for d in _months_between(r.start, r.end)}
        if not held:
            continue
        title = short_title(defn.title)
        if not need <= covered:
            left.append(f"{title}: its periods do not cover every month of the period "
                        f"(it covers {months_label(sorted(covered))})")  # fmt: skip
            continue
        try:
            rows = measures.aggregate(data.con, mid, unit, places, scope.period.start,
                                      _month_end(scope.period.end))  # fmt: skip
        except measures.MeasureError as exc:
            left.append(f"{title}: {exc}")
            continue
        if not rows:
            continue  # loaded, but not for this area
        counts: dict[str, int] = defaultdict(int)
        for r in rows:
            counts[r["area_code"]] += int(r["value"] or 0)
        out[mid] = (title, defn, counts)
    return out, left


def _months_between(start: date, end: date) -> list[date]:
    out, d = [], date(start.year, start.month, 1)
    while d <= end:
        out.append(d)
        d = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return out


def short_title(title: str) -> str:
    """A measure's title without its bracketed qualifier: 'A&E attendances for assault'."""
    return title.split(" (")[0].strip() or title


def build(scope: Scope, data: Warehouse) -> m.PriorityLocalities:
    unit = "lsoa" if scope.level in ("lsoa", "ward") else "ward"
    threshold = float(scope.request.locality_threshold)
    band = C.LOCALITY_SENSITIVITY_BAND
    months = list(scope.cov_now.present)
    years, complete = _years(scope)
    year_months = [d for d in scope.history if d.year in years]
    lsoas = data.locality_lsoas(unit)
    pop: dict[str, float] = defaultdict(float)
    names: dict[str, str] = {}
    for r in lsoas:
        pop[r.place] += r.pop or 0
        names.setdefault(r.place, r.name or r.place)
    places = sorted(p for p in pop if pop[p] > 0)
    rule = f"score of at least {threshold:g}, where 100 is the {scope.name} rate"
    empty = m.PriorityLocalities(method=METHOD, level=unit, years=[], threshold=threshold,
                                 threshold_rule=rule, localities=[],
                                 threshold_source=THRESHOLD_SOURCE.format(t=threshold), band=band)  # fmt: skip
    if len(places) < 2 or not months:
        return empty
    pos = {p: i for i, p in enumerate(places)}
    n = len(places)
    base = np.array([pop[p] for p in places])
    crime, asb, harm = np.zeros(n), np.zeros(n), np.zeros(n)
    yearly = np.zeros((n, len(years)))
    month_set = set(months)
    weights = {r.category: (scope.harm.weight(r.category) or 0.0) for r in scope.categories}
    for r in data.place_category_months(unit, sorted(month_set | set(year_months))):
        i = pos.get(r.code)
        if i is None:
            continue
        if r.category != ASB and r.month.year in years:
            yearly[i, years.index(r.month.year)] += r.n
        if r.month not in month_set:
            continue
        if r.category == ASB:
            asb[i] += r.n
        else:
            crime[i] += r.n
            harm[i] += r.n * weights.get(r.category, 0.0)

    # Deprivation: IoD domains, per LSOA, weighted by population up to the place.
    omitted: list[str] = []
    deprivation: dict = {}
    usable = [r for r in lsoas if r.place in pos]
    if all(r.income_score is not None for r in usable):
        stems = C.IOD_LOCALITY_DOMAINS
        scores = {k: [getattr(r, f"{k}_score", None) for r in usable] for k in C.IOD_RATE_DOMAINS}
        ranks = {k: [getattr(r, f"{k}_rank", None) for r in usable] for k in stems
                 if k not in C.IOD_RATE_DOMAINS}  # fmt: skip
        shares = C.iod_shares(scores, ranks, data.iod_lsoa_count())
        for k, v in shares.items():
            deprivation[k] = C.aggregate_to_places([r.place for r in usable], [r.pop or 0 for r in usable],
                                                   v, places)  # fmt: skip
    else:
        omitted.append("deprivation: no IoD2025 scores for some places (the index of deprivation "
                       "covers England only)")  # fmt: skip
        scope.caveats.append("Priority localities: deprivation left out (no IoD2025 score for "
                             "some places, e.g. in Wales).")  # fmt: skip

    # Persistence: complete calendar years only.
    pers = C.persistence(yearly, base, [str(y) for y in years], complete) if years else None
    partner, partner_left = partner_inputs(scope, data, unit, places)
    omitted += partner_left
    labels = dict(INDICATOR_NAMES)
    for mid, (title, _, _) in partner.items():
        labels[mid] = title
        labels[mid + PARTNER_RATE] = "rate"

    def domains(crime_: np.ndarray, harm_: np.ndarray, yearly_: np.ndarray) -> dict:
        cd: dict = {"crime": (crime_, base), "asb": (asb, base), "harm": (harm_, base)}
        if pers is not None and pers.mean_index is not None:
            cd["persistence"] = C.persistence(
                yearly_, base, [str(y) for y in years], complete
            ).mean_index
        out = {C.CRIME_AND_DISORDER: cd}
        if deprivation:
            out[C.DEPRIVATION] = deprivation
        for mid, (_, _, counts) in partner.items():
            out[mid] = {
                mid + PARTNER_RATE: (np.array([float(counts.get(p, 0)) for p in places]), base)
            }
        return out

    w = scope.request.locality_weights
    try:
        result = C.locality_index(
            places, domains(crime, harm, yearly), weights=w, threshold=threshold
        )
    except ValueError as exc:
        raise AssessmentError(f"Priority localities: {exc} (check --locality-weights).") from exc
    omitted += [f"{labels.get(k, k)}: {why}" for k, why in result.omitted]

    # Non-residential domination, on the period's crime.
    found, without = _domination(scope, data, unit, places, pos, months, crime, harm, yearly, years,
                                 weights, domains, w, threshold)  # fmt: skip
    sens = C.locality_sensitivity(result, band=band)
    cases = [m.LocalitySensitivityCase(name=c.name, selected=list(c.flagged), added=list(c.added),
                                       removed=list(c.removed)) for c in sens.cases]  # fmt: skip
    robust, marginal = set(sens.robust), set(sens.marginal)
    if without is not None:
        sel = {places[i] for i in np.flatnonzero(without.flagged)}
        basesel = set(sens.base)
        cases.append(m.LocalitySensitivityCase(name=WITHOUT_DOMINATION, selected=sorted(sel),
                                               added=sorted(sel - basesel), removed=sorted(basesel - sel)))  # fmt: skip
        robust &= sel
        marginal |= sel ^ basesel
        marginal -= robust
    order_ = np.argsort(-result.composite, kind="stable")
    out = []
    for i in order_:
        code = places[i]
        d = found.get(code)
        dom = None
        score_without = None
        if d is not None and d.dominated and without is not None:
            score_without = float(without.composite[i])
            lon, lat = d.point if isinstance(d.point, tuple) else (None, None)
            dom = m.LocalityDomination(location=d.location or "", lon=rnd(lon, 6), lat=rnd(lat, 6),
                                       count=int(d.count), total=int(d.total), share=rnd(d.share, 4),
                                       composite_without=rnd(score_without, 2),
                                       selected_without=bool(without.flagged[i]))  # fmt: skip
        comps = []
        for j, ind in enumerate(result.indicator_names):
            comps.append(m.LocalityComponent(
                name=labels.get(ind, ind), domain=labels.get(result.indicator_domain[j],
                                                             C.LOCALITY_LABELS.get(result.indicator_domain[j], result.indicator_domain[j])),
                value=_value(ind, i, crime, asb, harm, base, months, deprivation, partner, places),
                index=rnd(float(result.indices[i, j]), 2)))  # fmt: skip
        composite = float(result.composite[i])
        out.append(m.PriorityLocality(
            area=m.AreaRef(level=unit, code=code, name=names.get(code, code)),
            composite=rnd(composite, 2), rank=int(result.rank[i]), selected=bool(result.flagged[i]),
            components=comps,
            # Persistence left out is said once for the section, not in every rationale.
            rationale=C.locality_rationale(result, code,
                                           persistence_result=pers if pers and pers.mean_index is not None else None,
                                           domination=d if dom else None, score_without=score_without,
                                           labels={**C.LOCALITY_LABELS, **labels}),
            domain_scores={labels.get(k, C.LOCALITY_LABELS.get(k, k)): rnd(float(result.domain_scores[i, k_i]), 2)
                           for k_i, k in enumerate(result.domain_names)},
            near_line=bool(not result.flagged[i] and composite >= threshold - band),
            domination=dom,
        ))  # fmt: skip
    doms = [m.LocalityDomain(key=k, name=labels.get(k, C.LOCALITY_LABELS.get(k, k)), weight=result.weights[di],
                             indicators=[labels.get(result.indicator_names[j], result.indicator_names[j])
                                         for j in range(len(result.indicator_names))
                                         if result.indicator_domain[j] == k])
            for di, k in enumerate(result.domain_names)]  # fmt: skip
    if pers is None:
        pers_note = "Persistence is left out: no year of data is loaded."
    elif pers.reason:
        pers_note = pers.reason
    else:
        pers_note = (f"Persistence uses the complete years {', '.join(pers.years_used)}"
                     + (f"; {', '.join(pers.years_left_out)} left out (incomplete)" if pers.years_left_out else "")
                     + ".")  # fmt: skip
    return m.PriorityLocalities(
        method=METHOD, level=unit, years=[f"{fmt(months[0])} to {fmt(months[-1])} ({months_label(months)})"],
        threshold=threshold, threshold_rule=rule, localities=out,
        threshold_source=THRESHOLD_SOURCE.format(t=threshold), domains=doms, omitted=omitted,
        persistence=pers_note, band=band, sensitivity=cases, robust=sorted(robust),
        marginal=sorted(marginal),
    )  # fmt: skip


def _value(ind, i, crime, asb, harm, base, months, deprivation, partner, places) -> float | None:
    """The place's own value of an indicator, in the unit people read it."""
    annual = 1000 * 12.0 / len(months)
    if ind == "crime":
        return rnd(crime[i] / base[i] * annual, 3)
    if ind == "asb":
        return rnd(asb[i] / base[i] * annual, 3)
    if ind == "harm":
        return rnd(harm[i] / base[i] * annual, 3)
    if ind in deprivation:
        num, den = deprivation[ind]
        return rnd(num[i] / den[i], 4)
    if ind.endswith(PARTNER_RATE) and ind.removesuffix(PARTNER_RATE) in partner:
        return float(partner[ind.removesuffix(PARTNER_RATE)][2].get(places[i], 0))
    return None


def _domination(scope, data, unit, places, pos, months, crime, harm, yearly, years, weights, domains,
                w, threshold):  # fmt: skip
    """Places whose crime is dominated by one non-residential map point, and the index again
    without those points' records (one recomputation for all of them, as in the analysis)."""
    labels = sorted(C.NON_RESIDENTIAL_LOCATIONS)
    rows = data.facility_rows(unit, sorted(set(months) | set(scope.history)), labels)
    month_set = set(months)
    rec_places, locs, counts, points = [], [], [], []
    facility = np.zeros(len(places))
    for r in rows:
        i = pos.get(r.code)
        if i is None or r.month not in month_set:
            continue
        rec_places.append(r.code)
        locs.append(r.location)
        counts.append(r.n)
        points.append((r.lon, r.lat))
        facility[i] += r.n
    for i, p in enumerate(places):  # the rest of each place's crime, at no facility
        rec_places.append(p)
        locs.append(None)
        counts.append(crime[i] - facility[i])
        points.append(None)
    found = C.non_residential_domination(rec_places, locs, counts=counts, points=points)
    hit = {p: d for p, d in found.items() if d.dominated}
    if not hit:
        return found, None
    crime2, harm2, yearly2 = crime.copy(), harm.copy(), yearly.copy()
    for r in rows:
        d = hit.get(r.code)
        if d is None or r.location != d.location or (r.lon, r.lat) != d.point:
            continue
        i = pos[r.code]
        if r.month in month_set:
            crime2[i] -= r.n
            harm2[i] -= r.n * weights.get(r.category, 0.0)
        if r.month.year in years:
            yearly2[i, years.index(r.month.year)] -= r.n
    without = C.locality_index(
        places, domains(crime2, harm2, yearly2), weights=w, threshold=threshold
    )
    return found, without


def method_entries(scope: Scope) -> list[m.Method]:
    """The methods appendix entries for priority localities (called by sections/methods.py)."""
    t = float(scope.request.locality_threshold)
    w = scope.request.locality_weights or C.LOCALITY_DOMAIN_WEIGHTS
    return [
        m.Method(
            name="Priority localities index (after the Vulnerable Localities Index)",
            used_for="Priority localities",
            reference="Chainey, S. (2008). Identifying priority neighbourhoods using the Vulnerable "
                      "Localities Index. Policing 2(2), 196–209; Tompson, L. JDiBrief: Vulnerable "
                      "Localities Index, UCL Jill Dando Institute. Each indicator is 100 × the "
                      "place's rate ÷ the area's rate (total count ÷ total residents); indicators "
                      "are averaged within their domain (crime and disorder: crime, ASB, harm and, "
                      "with two complete years, persistence; deprivation: IoD2025 income, "
                      "employment, education, health, living environment; each partner measure "
                      "loaded for the whole period) and the domains combined by their weights.",
            parameters={
                "threshold": t,
                "threshold_source": THRESHOLD_SOURCE.format(t=t),
                "national_line_jdi": C.VLI_PRIORITY_THRESHOLD,
                "domain_weights": ", ".join(f"{k} {v:g}" for k, v in w.items())
                + f" (partner domains {C.PARTNER_DOMAIN_WEIGHT:g})",
                "sensitivity_band": C.LOCALITY_SENSITIVITY_BAND,
                "alternative_weights": "; ".join(C.LOCALITY_ALTERNATIVE_WEIGHTS),
                "persistence_min_complete_years": C.PERSISTENCE_MIN_COMPLETE_YEARS,
                "non_residential_share": C.NON_RESIDENTIAL_SHARE,
                "non_residential_labels": len(C.NON_RESIDENTIAL_LOCATIONS),
            },
        ),
        m.Method(
            name="Priority localities: worked example",
            used_for="How a score is made",
            reference="Three wards of 1,000, 2,000 and 1,000 residents with 30, 20 and 50 crimes: "
                      "the area's rate is 100 ÷ 4,000 = 0.025, so the crime indices are 120, 40 "
                      "and 200. ASB 10, 10 and 20 gives 100, 50 and 200, so crime and disorder is "
                      "(120 + 100) ÷ 2 = 110 for the first ward. Its income-deprived residents "
                      "(300 of 1,000 against 600 of 4,000) give deprivation 200. With equal "
                      "weights its score is (110 + 200) ÷ 2 = 155: at or above 150, it is "
                      "selected; with crime counted twice it would be (2 × 110 + 200) ÷ 3 = 140.",
            parameters={"example_score": 155.0, "example_line": 150.0},
        ),
    ]  # fmt: skip
