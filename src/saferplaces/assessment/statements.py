"""Plain-English sentences for findings. Numbers are formatted the way a committee reads them."""

from __future__ import annotations


def pct(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{abs(value):.0f}%" if abs(value) >= 10 else f"{abs(value):.1f}%"


def significance_phrase(p_value: float | None) -> str:
    if p_value is None:
        return "no test possible"
    if p_value < 0.001:
        return "statistically significant (p < 0.001)"
    if p_value < 0.05:
        return f"statistically significant (p = {p_value:.3f})"
    return f"not statistically significant (p = {p_value:.2f})"


def change_statement(
    what: str, count: int, baseline: int, percent: float | None, p_value: float | None,
    baseline_label: str, months: int = 0, baseline_months: int = 0,
) -> str:  # fmt: skip
    """E.g. 'Violence and sexual offences rose 12% (2,345 from 2,094) against the same months a
    year earlier: statistically significant (p = 0.003).' When the two periods have different
    numbers of months the change is per month, and the sentence says so."""
    uneven = months and baseline_months and months != baseline_months
    if percent is None and baseline == 0:
        verb, size = "rose from none", f"to {count:,}"
    elif percent is None or abs(percent) < 0.05:
        verb = "was unchanged" + (" per month" if uneven else "")
        size = f"({count:,})" if not uneven else f"({count:,} in {months} months)"
    else:
        verb = ("rose " if percent > 0 else "fell ") + pct(percent) + (" per month" if uneven else "")
        size = (
            f"({count:,} in {months} months; {baseline:,} in {baseline_months})"
            if uneven
            else f"({count:,} from {baseline:,})"
        )
    return f"{what} {verb} {size} against {baseline_label}: {significance_phrase(p_value)}."


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def times(ratio: float | None) -> str:
    if ratio is None:
        return "n/a"
    if ratio >= 1.05 or ratio <= 0.95:
        return f"{ratio:.1f} times"
    return "about the same as"
