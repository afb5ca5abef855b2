"""Plain-English sentences for people: the one place the documents, the board pack and the
engine turn figures into words for boards and councillors.

The rules are in ``src/saferplaces/reports/STYLE.md``: significance in words, changes against
named months, trends as counts a month (never "% per month", which reads as compound growth),
and no test names, p-values or command-line flags. Those belong in the methods appendix
(``saferplaces.reports.fmt.p_value`` writes the precise form there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SIGNIFICANCE_LEVEL = 0.05
# Below this many records in the two periods together, even doubling is rarely more than chance,
# so "could be chance" would undersell how little the numbers can say.
FEW_RECORDS = 20
# A priority factor scored 4 or 5 of 5 is evidence for the priority; 3 is the mid-scale score
# given to no significant change or to a factor with no reference point.
EVIDENCE_SCORE = 4

REAL_RISE = "a real rise, not chance"
REAL_FALL = "a real fall, not chance"
REAL_CHANGE = "a real change, not chance"
COULD_BE_CHANCE = "could be chance"
TOO_FEW = "too few to tell"


def pct(value: float | None) -> str:
    """A percentage without its sign: '36%', '8.2%'."""
    if value is None:
        return "n/a"
    return f"{abs(value):.0f}%" if abs(value) >= 10 else f"{abs(value):.1f}%"


def _num(x: float) -> str:
    """A count or average as a person says it: whole numbers above 10, one decimal below."""
    if abs(x) >= 10 or float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:.1f}"


def significance_words(
    p_value: float | None,
    direction: str = "",
    count: float | None = None,
    baseline: float | None = None,
) -> str:
    """Whether a change is more than chance, in words.

    'a real rise, not chance' / 'a real fall, not chance' (p < 0.05), 'could be chance', or
    'too few to tell' (no test possible, or under 20 records in the two periods together).
    ``direction`` is 'up' or 'down' (anything else: 'a real change, not chance').
    """
    if p_value is None:
        return TOO_FEW
    if p_value < SIGNIFICANCE_LEVEL:
        return {"up": REAL_RISE, "down": REAL_FALL}.get(direction, REAL_CHANGE)
    if count is not None and baseline is not None and count + baseline < FEW_RECORDS:
        return TOO_FEW
    return COULD_BE_CHANCE


def significance_phrase(p_value: float | None) -> str:
    """Old name: significance in words, without the direction."""
    return significance_words(p_value)


def change_words(
    count: float,
    baseline: float,
    comparison: str,
    months: int = 0,
    baseline_months: int = 0,
    show_baseline: bool = False,
) -> str:
    """The size of a change against named months, e.g. '36% more than January–April 2024'.

    ``comparison`` names the months compared with (the caller knows them). When the two
    periods have different numbers of months the sentence compares monthly averages and says
    so: 'an average of 478 a month, 8.2% more than the 442 a month in January–April 2024'.
    """
    uneven = bool(months and baseline_months and months != baseline_months)
    if uneven:
        now_avg, base_avg = count / months, baseline / baseline_months
        if baseline == 0:
            return f"an average of {_num(now_avg)} a month, against none in {comparison}"
        percent = (now_avg - base_avg) / base_avg * 100
        if abs(percent) < 0.5:
            return (f"an average of {_num(now_avg)} a month, about the same as the "
                    f"{_num(base_avg)} a month in {comparison}")  # fmt: skip
        more = "more" if percent > 0 else "fewer"
        return (f"an average of {_num(now_avg)} a month, {pct(percent)} {more} than the "
                f"{_num(base_avg)} a month in {comparison}")  # fmt: skip
    if baseline == 0:
        return f"against none in {comparison}" if count else f"none, as in {comparison}"
    percent = (count - baseline) / baseline * 100
    than = f"the {_num(baseline)} in {comparison}" if show_baseline else comparison
    if abs(percent) < 0.5:
        return f"about the same as {than}"
    return f"{pct(percent)} {'more' if percent > 0 else 'fewer'} than {than}"


def change_sentence(
    what: str,
    count: float,
    baseline: float | None,
    comparison: str,
    *,
    period: str = "",
    p_value: float | None = None,
    direction: str = "",
    months: int = 0,
    baseline_months: int = 0,
) -> str:
    """One finding for people, e.g. 'Anti-social behaviour: 232 in January–April 2025, 36%
    more than the 170 in January–April 2024: a real rise, not chance.'

    ``baseline`` None means there is nothing to compare with, and the sentence says so.
    """
    head = (f"{what}: " if what else "") + _num(count) + (f" in {period}" if period else "")
    if baseline is None:
        return f"{head}; there is no baseline to compare with."
    if not direction:
        direction = "up" if count * (baseline_months or 1) > baseline * (months or 1) else "down"
    size = change_words(count, baseline, comparison, months, baseline_months, show_baseline=True)
    sig = significance_words(p_value, direction, count, baseline)
    return f"{head}, {size}: {sig}."


def change_statement(
    what: str, count: int, baseline: int, percent: float | None, p_value: float | None,
    baseline_label: str, months: int = 0, baseline_months: int = 0,
) -> str:  # fmt: skip
    """Old signature kept for the engine: the same sentence as :func:`change_sentence`, with
    ``baseline_label`` as the comparison ('the same months a year earlier'). ``percent`` is
    not needed: the sentence computes it from the counts it prints."""
    no_baseline = bool(months) and not baseline_months
    return change_sentence(what, count, None if no_baseline else baseline, baseline_label, p_value=p_value,
                           months=months, baseline_months=baseline_months)  # fmt: skip


def change_brief(
    direction: str,
    percent: float | None,
    p_value: float | None,
    comparison: str = "",
    count: float | None = None,
    baseline: float | None = None,
    *,
    monthly: bool = False,
) -> str:
    """A short change for titles and table cells: '59% more than January–April 2024, a real
    rise, not chance' (without ``comparison``: '59% more, could be chance'). ``monthly``: the
    periods differ in length and ``percent`` compares averages a month, and the words say so
    ('a monthly average 8.2% above January–April 2024's')."""
    if percent is None or direction == "no baseline":
        return "no baseline to compare with"
    sig = significance_words(p_value, direction, count, baseline)
    if direction == "no change" or abs(percent) < 0.5:
        size = "about the same" + (f" as {comparison}" if comparison else "")
        if monthly:
            size = "a monthly average " + size
    elif monthly:
        size = (f"a monthly average {pct(percent)} {'above' if percent > 0 else 'below'}"
                + (f" {comparison}'s" if comparison else " the baseline's"))  # fmt: skip
    else:
        size = f"{pct(percent)} {'more' if percent > 0 else 'fewer'}" + (
            f" than {comparison}" if comparison else "")  # fmt: skip
    return f"{size}, {sig}"


def difference_words(now: float, before: float, comparison: str, counted: bool = True) -> str:
    """A latest value against an earlier one, both named: '12 more than January 2025 (36%
    more)'; for rates and scores, '2.5 higher than January 2025'."""
    diff = now - before
    if abs(diff) < 0.005:
        return f"the same as {comparison}"
    up, down = ("more", "fewer") if counted else ("higher", "lower")
    word = up if diff > 0 else down
    text = f"{_num(abs(diff)) if counted else f'{abs(diff):,.3g}'} {word} than {comparison}"
    if counted and before:
        text += f" ({pct(diff / before * 100)} {word})"
    return text


def trend_count_words(per_month: float | None) -> str:
    """A straight-line trend in counts: 'about 8 more a month on average'."""
    if per_month is None:
        return "no trend could be fitted"
    if abs(per_month) < 0.5:
        return "about the same each month"
    # "About" a whole number: a fitted slope's decimals are not a finding.
    size = f"{abs(per_month):,.0f}" if abs(per_month) >= 1.5 else f"{abs(per_month):.1f}"
    return f"about {size} {'more' if per_month > 0 else 'fewer'} a month on average"


def trend_share_words(percent_of_average: float | None) -> str:
    """A trend relative to the average level: 'rising by about 8% of the average level each
    month'. Never '8% per month', which readers take as compound growth."""
    if percent_of_average is None:
        return "no trend could be fitted"
    if abs(percent_of_average) < 0.05:
        return "level, month on month"
    verb = "rising" if percent_of_average > 0 else "falling"
    x = abs(percent_of_average)
    size = f"{x:.0f}%" if x >= 1.5 else f"{x:.1f}%"
    return f"{verb} by about {size} of the average level each month"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def ordinal_word(n: int) -> str:
    """'highest', '2nd highest'."""
    return "highest" if n == 1 else f"{ordinal(n)} highest"


def rank_words(rank: int | None, of: int | None, what: str = "rate") -> str:
    """'the 2nd highest rate of 6' (1 = highest)."""
    if rank is None:
        return "not ranked"
    return f"the {ordinal_word(rank)} {what}" + (f" of {of}" if of else "")


def times(ratio: float | None) -> str:
    """'3.0 times' (followed by what it is compared with), or 'about the same as'."""
    if ratio is None:
        return "n/a"
    if ratio >= 1.05 or ratio <= 0.95:
        return f"{ratio:.1f} times"
    return "about the same as"


# --- recommended priorities --------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """One scored factor of a theme, as the rationale may cite it.

    ``words`` says what the score rests on in plain English ('a real rise, not chance').
    ``evidence`` False marks a score that carries no evidence even if high (e.g. a trend whose
    change could be chance): such a factor is never cited as a reason.
    """

    name: str
    score: float | None
    words: str
    evidence: bool = True


def factor_carries_evidence(f: Factor) -> bool:
    return f.evidence and f.score is not None and f.score >= EVIDENCE_SCORE


def priority_reasons(factors: Sequence[Factor], limit: int = 3) -> str:
    """'It scores high on trend: …; vulnerability: ….', citing only factors that carry evidence;
    when none do: 'No factor scores high (4 or 5), so the evidence … is weak.'"""
    cited = sorted((f for f in factors if factor_carries_evidence(f)),
                   key=lambda f: (-(f.score or 0), f.name))[:limit]  # fmt: skip
    if not cited:
        return "No factor scores high (4 or 5), so the evidence for making it a priority is weak."
    return "It scores high on " + "; ".join(f"{f.name.lower()}: {f.words}" for f in cited) + "."


def priority_rationale(theme: str, total: float, rank: int, factors: Sequence[Factor],
                       scale_max: int = 5, limit: int = 3) -> str:  # fmt: skip
    """Why a theme is recommended: its rank and score, then :func:`priority_reasons`."""
    head = f"{theme} is ranked {ordinal(rank)}, scoring {total:.1f} of {scale_max}."
    return f"{head} {priority_reasons(factors, limit)}"


def harm_share_words(share_percent: float) -> str:
    return f"{pct(share_percent)} of all the harm from crime here"


def peer_ratio_words(ratio: float) -> str:
    return f"a rate {times(ratio)} the median of similar areas"


def deprivation_words(ratio: float) -> str:
    if 0.95 < ratio < 1.05:
        return "about as common in the most deprived fifth of neighbourhoods as elsewhere"
    return (f"{ratio:.1f} times as common in the most deprived fifth of neighbourhoods as their "
            "share of residents")  # fmt: skip


def concentration_words(score: float | None) -> str:
    if score is None:
        return "too few records to tell how concentrated it is"
    return "concentrated in a few neighbourhoods" if score >= EVIDENCE_SCORE else (
        "spread across many neighbourhoods")  # fmt: skip


# --- other findings ----------------------------------------------------------------------------


def emerging_sentence(category: str, place: str, count: int, month: str, expected: float,
                      above_usual: bool, sustained: bool, *, months: int = 1) -> str:  # fmt: skip
    """'Other theft in Stonydelph: 10 in November 2025, against about 1.4 a month before —
    well above its usual range, and a sustained rise.'

    ``expected`` is the usual count a month. With ``months`` > 1, ``count`` is the total over
    the months named in ``month`` and the sentence gives its monthly average too: 'Other theft
    in Stonydelph: 30 in October–December 2025 (10 a month), against about 1.4 a month before —
    a rise more than chance would explain'.
    """
    signs = []
    if above_usual:
        # Over several months the screen tests the total against the months before: a rise may
        # be modest (20%) yet more than chance on a large count, so it is not called "well above".
        signs.append("a rise more than chance would explain" if months > 1 else "well above its usual range")
    if sustained:
        signs.append("a sustained rise")
    tail = (" — " + ", and ".join(signs)) if signs else ""
    average = f" ({_num(count / months)} a month)" if months > 1 else ""
    return (f"{category} in {place}: {count:,} in {month}{average}, against about "
            f"{_num(expected)} a month before{tail}.")  # fmt: skip


def locality_sentence(name: str, rank: int, of: int, unit: str, index: float, area: str,
                      parts: Sequence[tuple[str, float]]) -> str:  # fmt: skip
    """Why a locality is a priority: 'Castle is ranked 1st of 10 wards on the combined index
    (242, where the Tamworth average is 100): crime 3.0 times the Tamworth average, …'.
    ``parts`` are (what, index) with 100 = the area average."""
    head = (f"{name} is ranked {ordinal(rank)} of {of} {unit}s on the combined index "
            f"({index:,.0f}, where the {area} average is 100)")  # fmt: skip
    said = [f"{what} {times(i / 100)} the {area} average" for what, i in parts]
    if not said:
        return head + "."
    listed = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    return f"{head}: {listed}."


def missing_months_sentence(which: str, missing: str, compared: str) -> str:
    """'Police data for May to December 2024 is not loaded, so the baseline uses January–April
    2024 only.'"""
    if not compared or compared == "no months":
        return f"Police data for {missing} is not loaded, so {which} has no data to use."
    return f"Police data for {missing} is not loaded, so {which} uses {compared} only."


WHAT_THE_DATA_CANNOT_SHOW = (
    "What these figures cannot show: crime and anti-social behaviour that is not reported to "
    "the police; who the victims and offenders are (the open data has no age, sex or "
    "ethnicity); or exact places, because each record is moved to a nearby anonymous map point."
)
