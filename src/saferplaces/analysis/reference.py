"""The England and Wales reference rate, from complete months only.

A national figure is only a figure when every force in England and Wales is in it. The
warehouse usually holds some forces for some months, so the rule is month by month: a month
counts only if every England and Wales force is loaded for it, and the population exposure is
summed over exactly those months. Months left out are listed, with the forces they lack.
Using the whole population for a month where only some forces are loaded would understate
the rate (counts from part of the country over all of its residents).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from saferplaces.analysis.rates import rate_per_1000
from saferplaces.warehouse.forces import BY_SLUG, FORCES

__all__ = ["ENGLAND_AND_WALES_FORCES", "ReferenceRate", "england_and_wales_rate"]

#: The 43 territorial forces of England and Wales (data.police.uk slugs). British Transport
#: Police and the Police Service of Northern Ireland have no police force area here.
ENGLAND_AND_WALES_FORCES: tuple[str, ...] = tuple(f.slug for f in FORCES if f.pfa_code)


def _month(d: date) -> date:
    return date(d.year, d.month, 1)


def _span(months: Iterable[date]) -> str:
    ms = sorted(months)
    if not ms:
        return "no months"
    if len(ms) == 1:
        return f"{ms[0]:%B %Y}"
    a, b = ms[0], ms[-1]
    joined = f"{a:%B}–{b:%B %Y}" if a.year == b.year else f"{a:%B %Y}–{b:%B %Y}"
    consecutive = (b.year - a.year) * 12 + b.month - a.month + 1 == len(ms)
    return joined if consecutive else f"{len(ms)} months between {joined.replace('–', ' and ')}"


def _force_names(slugs: Iterable[str]) -> str:
    names = [BY_SLUG[s].name if s in BY_SLUG else s for s in sorted(slugs)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class ReferenceRate:
    """The England and Wales rate and how it was made.

    ``rate`` is per ``per`` residents a year (``None`` when no month is usable, with ``reason``
    saying why); ``lower``/``upper`` its exact 95% interval; ``monthly`` the rate per ``per``
    residents for each month used (not annualised), for month-by-month charts.
    ``months_excluded`` maps each month left out to the forces it lacks.
    """

    rate: float | None
    lower: float | None
    upper: float | None
    count: float
    population: float
    person_years: float
    months_used: tuple[date, ...]
    months_excluded: dict[date, tuple[str, ...]]
    monthly: dict[date, float] = field(default_factory=dict)
    per: float = 1000.0
    reason: str | None = None

    @property
    def statement(self) -> str:
        """Which months the figure rests on, in words (or why there is none)."""
        if self.reason:
            return self.reason
        n_all = len(self.months_used) + len(self.months_excluded)
        text = (f"England and Wales figure from {len(self.months_used)} of {n_all} months "
                f"({_span(self.months_used)}), the months with data for every force")  # fmt: skip
        if not self.months_excluded:
            return text + "."
        return (text + f"; {_span(self.months_excluded)} left out because some forces' data is "
                "not loaded.")  # fmt: skip


def england_and_wales_rate(
    counts_by_month: Mapping[date, float],
    loaded: Mapping[str, Collection[date]],
    months: Iterable[date],
    population: float,
    *,
    forces: Collection[str] = ENGLAND_AND_WALES_FORCES,
    per: float = 1000.0,
) -> ReferenceRate:
    r"""England and Wales rate over the months of ``months`` that every force covers.

    ``counts_by_month`` holds the national count for each month (records from every force);
    ``loaded`` maps each force slug to the months loaded for it (the engine's
    ``police_loads`` view); ``population`` is the resident population of England and Wales.
    With :math:`U` the months where every force in ``forces`` is loaded,

    .. math:: \text{rate} = \frac{\sum_{m \in U} n_m}{P \cdot |U| / 12} \times \text{per}

    a rate per ``per`` residents a year, with the exact Poisson (Garwood) interval of
    :func:`saferplaces.analysis.rates.rate_per_1000` on the person-years :math:`P|U|/12`.
    Months outside :math:`U` are excluded and listed with the forces they lack; when
    :math:`U` is empty ``rate`` is ``None`` and ``reason`` says which forces are missing.
    """
    if not population > 0:
        raise ValueError("population must be positive")
    wanted = sorted({_month(d) for d in months})
    have = {f: {_month(d) for d in loaded.get(f, ())} for f in forces}
    used: list[date] = []
    excluded: dict[date, tuple[str, ...]] = {}
    for d in wanted:
        lacking = tuple(sorted(f for f in forces if d not in have[f]))
        if lacking:
            excluded[d] = lacking
        else:
            used.append(d)
    if not used:
        if not wanted:
            reason = "No England and Wales figure: no months were asked for."
        else:
            worst = min(excluded.items(), key=lambda kv: (len(kv[1]), kv[0]))
            reason = (f"No England and Wales figure for {_span(wanted)}: no month has data for "
                      f"all {len(forces)} forces. The nearest, {worst[0]:%B %Y}, lacks "
                      f"{len(worst[1])}: {_force_names(worst[1])}.")  # fmt: skip
        return ReferenceRate(
            rate=None, lower=None, upper=None, count=0.0, population=float(population),
            person_years=0.0, months_used=(), months_excluded=excluded, per=per, reason=reason,
        )  # fmt: skip
    count = float(sum(counts_by_month.get(d, 0) for d in used))
    person_years = float(population) * len(used) / 12.0
    ri = rate_per_1000(count, person_years, per=per)
    return ReferenceRate(
        rate=float(ri.rate), lower=float(ri.lower), upper=float(ri.upper), count=count,
        population=float(population), person_years=person_years, months_used=tuple(used),
        months_excluded=excluded,
        monthly={d: float(counts_by_month.get(d, 0)) / float(population) * per for d in used},
        per=per,
    )  # fmt: skip
