"""Priority localities: a Vulnerable Localities Index style composite of wards or LSOAs."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from saferplaces.analysis import composite
from saferplaces.assessment import model as m
from saferplaces.assessment.comparison import rnd
from saferplaces.assessment.parameters import ASB, LOCALITY_YEARS, PERSISTENCE_QUANTILE
from saferplaces.assessment.periods import fmt
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import Scope
from saferplaces.assessment.sections.places import decile_of_score
from saferplaces.assessment.statements import ordinal, times


def build(scope: Scope, data: Warehouse) -> m.PriorityLocalities:
    unit = "lsoa" if scope.level in ("lsoa", "ward") else "ward"
    hist = scope.history
    end = scope.period.end
    years = []
    for y in range(LOCALITY_YEARS):
        lo = end.replace(year=end.year - y - 1)
        window = [d for d in hist if lo < d <= end.replace(year=end.year - y)]
        if window:
            years.append(window)
    all_months = sorted({d for w in years for d in w})
    weights = {r.category: (scope.harm.weight(r.category) or 0.0) for r in scope.categories}
    info: dict[str, list] = {}
    crime = defaultdict(lambda: defaultdict(int))  # code -> year index -> count
    asb = defaultdict(int)
    harm = defaultdict(float)
    for r in data.locality_rows(unit, all_months):
        info.setdefault(r.code, [r.name, r.pop or 0, r.imd])
        if r.category is None:
            continue
        if r.category == ASB:
            asb[r.code] += r.n
            continue
        harm[r.code] += r.n * weights.get(r.category, 0.0)
        for yi, w in enumerate(years):
            if r.month in w:
                crime[r.code][yi] += r.n
    codes = sorted(c for c in info if info[c][1] > 0)
    scale = 12.0 / max(len(all_months), 1)
    crime_rate = np.array([sum(crime[c].values()) / info[c][1] * 1000 * scale for c in codes])
    asb_rate = np.array([asb[c] / info[c][1] * 1000 * scale for c in codes])
    harm_rate = np.array([harm[c] / info[c][1] * 1000 * scale for c in codes])
    imd = np.array([info[c][2] if info[c][2] is not None else np.nan for c in codes], float)
    # Persistence: share of years a place was in the area's top quarter for crime rate.
    top = np.zeros(len(codes))
    for yi in range(len(years)):
        r = np.array([crime[c].get(yi, 0) / info[c][1] for c in codes])
        top += r >= np.quantile(r, PERSISTENCE_QUANTILE) if len(r) else 0
    persistence = top / max(len(years), 1)
    columns = [("crime rate per 1,000 a year", crime_rate), ("ASB rate per 1,000 a year", asb_rate),
               ("harm per 1,000 a year", harm_rate)]  # fmt: skip
    if np.isfinite(imd).all():
        columns.append(("IoD2025 score (population-weighted)", imd))
    else:
        scope.caveats.append("Priority localities: deprivation left out (no IoD2025 score for "
                             "some places, e.g. in Wales).")  # fmt: skip
    columns.append(("persistence (share of years in the top quarter)", persistence))
    usable = [(nm, col) for nm, col in columns if col.mean() > 0]
    threshold = scope.request.locality_threshold
    rule = (f"composite ≥ {threshold:g} (the area average is 100); the JDI's national guide is "
            "200, lowered because the reference here is the area itself")  # fmt: skip
    if len(codes) < 2 or not usable:
        return m.PriorityLocalities(method="Vulnerable Localities Index style composite",
                                    level=unit, years=[], threshold=threshold,
                                    threshold_rule=rule, localities=[])  # fmt: skip
    vli = composite.vulnerable_localities_index(
        np.column_stack([c for _, c in usable]), indicator_names=[n for n, _ in usable],
        threshold=threshold,
    )  # fmt: skip
    order = np.argsort(-vli.composite, kind="stable")
    out = []
    for rank_i, i in enumerate(order, start=1):
        comps = [
            m.LocalityComponent(name=nm, value=rnd(float(col[i]), 4), index=rnd(float(vli.indices[i, j]), 2))
            for j, (nm, col) in enumerate(usable)
        ]  # fmt: skip
        out.append(
            m.PriorityLocality(
                area=m.AreaRef(level=unit, code=codes[i], name=info[codes[i]][0] or codes[i]),
                composite=rnd(float(vli.composite[i]), 2), rank=rank_i,
                selected=bool(vli.flagged[i]), components=comps,
                rationale=_rationale(scope, data, codes[i], info[codes[i]][0], rank_i, len(codes),
                                     vli.composite[i], comps, persistence[i], len(years), unit),
            )
        )  # fmt: skip
    return m.PriorityLocalities(
        method=("Vulnerable Localities Index style composite (Chainey 2008): each indicator as "
                "an index of the area average (100), combined by their mean"),
        level=unit, years=[f"{fmt(w[0])} to {fmt(w[-1])}" for w in years],
        threshold=threshold, threshold_rule=rule, localities=out,
    )  # fmt: skip


def _rationale(scope, data, code, name, rank, of, score, comps, persist, n_years, unit) -> str:
    parts = [f"{name or code} ranks {ordinal(rank)} of {of} {unit}s on the composite ({score:.0f})."]
    by = {c.name: c for c in comps}
    for key, label in (("crime rate per 1,000 a year", "Crime rate"),
                       ("ASB rate per 1,000 a year", "ASB rate"),
                       ("harm per 1,000 a year", "Harm")):  # fmt: skip
        c = by.get(key)
        if c and c.index is not None:
            parts.append(f"{label} is {times(c.index / 100)} the {scope.name} average.")
    dep = by.get("IoD2025 score (population-weighted)")
    if dep and dep.value is not None:
        decile = decile_of_score(data, [dep.value])[0]
        if decile is not None and decile <= 3:
            parts.append(f"Its deprivation score ranks amongst the {decile * 10}% most deprived "
                         "nationally (IoD2025).")  # fmt: skip
    if n_years > 1:
        parts.append(f"In the area's top quarter for crime in {round(persist * n_years)} of "
                     f"{n_years} years.")  # fmt: skip
    return " ".join(parts)
