"""Formula allocation in whole pence: hand-computed cases, to the penny, summing exactly."""

from __future__ import annotations

from fractions import Fraction

import pytest

from saferplaces.analysis.allocation import Recipient, allocate, largest_remainder, split


def _r(key: str, **m: int) -> Recipient:
    return Recipient(key, key.title(), m)


def test_weighted_formula_matches_hand_computation_to_the_penny():
    # 50% population, 25% crime, 25% ASB. Shares: A 1/4, B 1/3, C 5/12 of £100.00:
    # exact 2500, 3333⅓, 4166⅔ pence; rounded down 9,999; the penny left goes to C (⅔ > ⅓).
    res = allocate(
        10_000,
        [
            _r("a", pop=100, crime=10, asb=0),
            _r("b", pop=100, crime=10, asb=1),
            _r("c", pop=100, crime=10, asb=2),
        ],
        {"pop": 50, "crime": 25, "asb": 25},
    )
    assert [x.weighted_share for x in res.lines] == [
        Fraction(1, 4),
        Fraction(1, 3),
        Fraction(5, 12),
    ]
    assert [x.amount_pence for x in res.lines] == [2500, 3333, 4167]
    assert [x.extra_penny for x in res.lines] == [False, False, True]
    assert res.allocated_pence == 10_000 and res.pence_left_over == 1
    assert res.measure_totals == {"pop": 300, "crime": 30, "asb": 3}


def test_ties_go_to_the_larger_exact_amount_then_the_first_listed():
    equal = allocate(100, [_r("a", n=1), _r("b", n=1), _r("c", n=1)], {"n": 1})
    assert [x.amount_pence for x in equal.lines] == [34, 33, 33]
    # Exact 2.5, 3.5 and 4 pence: A and B tie on the half penny; B's exact amount is larger.
    half = allocate(10, [_r("a", n=25), _r("b", n=35), _r("c", n=40)], {"n": 1})
    assert [x.amount_pence for x in half.lines] == [2, 4, 4]
    assert sum(x.amount_pence for x in half.lines) == 10


def test_floor_lifts_the_smallest_and_reshares_the_rest():
    # Exact 500, 3000, 6500: A is below the £10 floor, so gets £10; the £90 left is shared 30:65,
    # B 2842.105…, C 6157.894…; the penny left over goes to C.
    res = allocate(10_000, [_r("a", n=5), _r("b", n=30), _r("c", n=65)], {"n": 1}, floor_pence=1000)
    assert [x.amount_pence for x in res.lines] == [1000, 2842, 6158]
    assert [x.at_floor for x in res.lines] == [True, False, False]
    assert res.allocated_pence == 10_000
    # A floor that lifts one recipient can push another below it: both end at the floor.
    res = allocate(10_000, [_r("a", n=1), _r("b", n=9), _r("c", n=90)], {"n": 1}, floor_pence=2000)
    assert [x.amount_pence for x in res.lines] == [2000, 2000, 6000]


def test_base_then_formula_and_phasing():
    res = allocate(
        10_000,
        [_r("a", n=1), _r("b", n=1), _r("c", n=2)],
        {"n": 1},
        base_pence=1000,
        phasing=[("Up front", 80), ("On evaluation", 20)],
    )
    assert res.pool_pence == 7000
    assert [x.amount_pence for x in res.lines] == [2750, 2750, 4500]
    assert [x.phases for x in res.lines] == [[2200, 550], [2200, 550], [3600, 900]]


def test_split_sums_exactly():
    # Tamworth's Locality Deal Fund, £61,394 a year: 80% up front, 20% on evaluation.
    assert split(6_139_400, [80, 20]) == [4_911_520, 1_227_880]
    assert split(10_000, [1, 1, 1]) == [3334, 3333, 3333]
    assert sum(split(7_139_401, [3, 3, 3, 1])) == 7_139_401


def test_largest_remainder_refuses_parts_that_do_not_add_up():
    with pytest.raises(ValueError):
        largest_remainder(10, [Fraction(3), Fraction(3)])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"floor_pence": 4000}, "floor"),
        ({"base_pence": 4000}, "base"),
    ],
)
def test_impossible_floors_and_bases_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        allocate(10_000, [_r("a", n=1), _r("b", n=1), _r("c", n=1)], {"n": 1}, **kwargs)


def test_a_weighted_measure_that_is_zero_everywhere_is_refused():
    with pytest.raises(ValueError, match="zero"):
        allocate(100, [_r("a", n=0, m=1), _r("b", n=0, m=1)], {"n": 1, "m": 1})
