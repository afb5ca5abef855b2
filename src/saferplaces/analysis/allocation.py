"""Splitting a sum of money by formula, in whole pence, so the parts add up exactly.

Pure functions on integers: no I/O, no floating point. Exact shares are kept as
:class:`fractions.Fraction` and only the final amounts are whole pence.

Method (:func:`allocate`)
-------------------------
A funder splits a total ``T`` (pence) among ``n`` recipients by a formula of measures
(resident population, police-recorded crime, anti-social behaviour …) with weights ``w_k``
(non-negative whole numbers, e.g. 50, 25, 25; only their proportions matter):

1. **Base.** Each recipient first gets the same fixed ``base`` (may be 0). The pool left for
   the formula is ``P = T − n × base``.
2. **Formula share.** For each measure ``k`` a recipient's share is its value over the total of
   all recipients, ``m_k,i / Σ_j m_k,j``; its weighted share is
   ``s_i = Σ_k w_k × m_k,i / Σ_j m_k,j ÷ Σ_k w_k`` (the shares sum to 1). A measure whose total is
   zero cannot share anything and is refused if it has a weight.
3. **Floor.** ``floor`` is the least any recipient may get in all (base included). The exact
   amount ``base + P × s_i`` of every recipient below the floor is set to the floor; the rest of
   the pool is shared again among the others in proportion to their shares, and this repeats
   until nobody is below the floor. (A floor above ``T / n`` cannot be met and is refused.)
4. **Whole pence: largest remainder** (Hamilton's method). Each formula amount is rounded down to
   whole pence; the pence left over (fewer than the number of recipients) go one each to the
   recipients with the largest fractional parts. Ties go to the larger exact amount, then to the
   recipient listed first. Rounding down never takes anyone below the floor (the floor is a whole
   number of pence), and the amounts sum to ``T`` exactly.

:func:`split` divides one amount by whole-number proportions the same way (the payment schedule,
e.g. 80% up front and 20% on evaluation, or a recipient's amount phased over years or quarters),
so every phase is whole pence and the phases add up to the amount.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction


@dataclass(frozen=True)
class Recipient:
    key: str
    name: str
    measures: Mapping[str, int]


@dataclass
class Line:
    """One recipient's calculation, every step kept so the page can show it."""

    key: str
    name: str
    measures: dict[str, int]
    shares: dict[str, Fraction]  # share of each measure's total
    weighted_share: Fraction  # s_i
    at_floor: bool
    exact_pence: Fraction  # base + formula amount before rounding
    rounded_down_pence: int
    extra_penny: bool  # given one of the pence left over by largest remainder
    amount_pence: int
    phases: list[int] = field(default_factory=list)


@dataclass
class Result:
    total_pence: int
    weights: dict[str, int]
    base_pence: int
    floor_pence: int
    pool_pence: int  # T − n × base
    measure_totals: dict[str, int]
    lines: list[Line]
    phasing: list[tuple[str, int]]
    pence_left_over: int  # the pence given out by largest remainder

    @property
    def allocated_pence(self) -> int:
        return sum(x.amount_pence for x in self.lines)


def largest_remainder(total: int, exact: Sequence[Fraction]) -> tuple[list[int], list[bool]]:
    """Rounds exact amounts that sum to ``total`` to whole numbers that sum to it exactly.

    Each is rounded down; the units left over go one each to the largest fractional parts, ties
    to the larger exact amount, then to the earlier position. Returns the amounts and which got
    an extra unit."""
    if sum(exact, Fraction(0)) != total:
        raise ValueError("The exact amounts must add up to the total")
    down = [x.numerator // x.denominator for x in exact]
    left = total - sum(down)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - down[i]), -exact[i], i))
    extra = [False] * len(exact)
    for i in order[:left]:
        extra[i] = True
    return [d + (1 if e else 0) for d, e in zip(down, extra, strict=True)], extra


def split(amount: int, proportions: Sequence[int]) -> list[int]:
    """``amount`` (whole pence) in parts proportional to whole numbers, summing exactly."""
    if not proportions or any(p < 0 for p in proportions) or sum(proportions) <= 0:
        raise ValueError("The proportions must be whole numbers, not negative, not all zero")
    whole = sum(proportions)
    parts, _ = largest_remainder(amount, [Fraction(amount * p, whole) for p in proportions])
    return parts


def allocate(
    total_pence: int,
    recipients: Sequence[Recipient],
    weights: Mapping[str, int],
    *,
    base_pence: int = 0,
    floor_pence: int = 0,
    phasing: Sequence[tuple[str, int]] = (),
) -> Result:
    """Splits ``total_pence`` among ``recipients`` by the weighted formula (see the module's
    method). ``phasing`` ((label, proportion), …) splits each recipient's amount into phases."""
    n = len(recipients)
    if n == 0:
        raise ValueError("There is nobody to allocate to")
    if total_pence < 0 or base_pence < 0 or floor_pence < 0:
        raise ValueError("Amounts cannot be negative")
    if len({r.key for r in recipients}) != n:
        raise ValueError("Each recipient must be listed once")
    used = {k: int(w) for k, w in weights.items() if w}
    if any(w < 0 for w in used.values()) or not used:
        raise ValueError("The weights must be whole numbers, not negative, not all zero")
    pool = total_pence - n * base_pence
    if pool < 0:
        raise ValueError("The base amounts come to more than the total")
    if floor_pence * n > total_pence:
        raise ValueError("The floor for every recipient comes to more than the total")
    totals: dict[str, int] = {}
    for k in used:
        vals = [r.measures.get(k) for r in recipients]
        if any(v is None or v < 0 for v in vals):
            raise ValueError(f"Every recipient needs a value of {k}, not negative")
        totals[k] = sum(v for v in vals if v is not None)
        if totals[k] == 0:
            raise ValueError(f"{k} is zero for every recipient, so it cannot share the money")
    wsum = sum(used.values())
    shares = [{k: Fraction(r.measures[k], totals[k]) for k in used} for r in recipients]
    s = [sum((used[k] * sh[k] for k in used), Fraction(0)) / wsum for sh in shares]

    at_floor = [False] * n
    exact: list[Fraction] = [Fraction(0)] * n
    while True:
        free = [i for i in range(n) if not at_floor[i]]
        fixed_formula = sum(floor_pence - base_pence for i in range(n) if at_floor[i])
        left = pool - fixed_formula
        s_free = sum((s[i] for i in free), Fraction(0))
        for i in range(n):
            if at_floor[i]:
                exact[i] = Fraction(floor_pence - base_pence)
            elif s_free == 0:
                exact[i] = Fraction(left, len(free))  # nobody free has a share: equal parts
            else:
                exact[i] = left * s[i] / s_free
        below = [i for i in free if base_pence + exact[i] < floor_pence]
        if not below:
            break
        for i in below:
            at_floor[i] = True
    amounts, extra = largest_remainder(pool, exact)
    phase_props = [p for _, p in phasing]
    lines = [
        Line(
            key=r.key,
            name=r.name,
            measures={k: int(r.measures.get(k, 0)) for k in used},
            shares=shares[i],
            weighted_share=s[i],
            at_floor=at_floor[i],
            exact_pence=base_pence + exact[i],
            rounded_down_pence=base_pence + amounts[i] - (1 if extra[i] else 0),
            extra_penny=extra[i],
            amount_pence=base_pence + amounts[i],
            phases=split(base_pence + amounts[i], phase_props) if phase_props else [],
        )
        for i, r in enumerate(recipients)
    ]
    return Result(
        total_pence=total_pence,
        weights=used,
        base_pence=base_pence,
        floor_pence=floor_pence,
        pool_pence=pool,
        measure_totals=totals,
        lines=lines,
        phasing=list(phasing),
        pence_left_over=sum(extra),
    )
