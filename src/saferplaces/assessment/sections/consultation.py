"""Consultation: what residents told the partnership's survey (issue 15).

The survey's results come in the priority inputs file (``--priority-inputs``, CSV with the
optional columns ``share``, ``low``, ``high``, ``responses``, ``effective_responses``,
``question``, ``source``, ``dates``, ``weighted_by``; the consultation workspace writes them).
No file, a YAML file or a file without a ``share`` column: no section.
"""

from __future__ import annotations

from saferplaces.assessment import model as m
from saferplaces.assessment.scope import Scope

#: What a survey of residents cannot show, said beside its results.
CANNOT_SHOW = [
    "A survey measures what residents think, not how often things happen: a share calling "
    "something a big problem is perception, to be read beside the recorded crime above.",
    "Only the people who answered are counted. Weighting to the area's population corrects "
    "for who answered only in the respects weighted for; people who chose to reply may feel "
    "more strongly than those who did not.",
    "The ranges are 95% intervals: the figure for all residents is likely, not certain, to lie "
    "within them, and they are wider where fewer people answered.",
]


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def words(t: m.ConsultationTheme) -> str:
    """One theme's result in plain English."""
    text = f"{_pct(t.share)} of residents who answered called {t.theme.lower()} a big problem"
    if t.low is not None and t.high is not None:
        text += f" (the figure for all residents is likely to be between {_pct(t.low)} and {_pct(t.high)})"
    if t.responses is not None:
        text += f"; {t.responses:,} answered the question"
    return text + "."


def build(scope: Scope) -> m.Consultation | None:
    inputs = scope.inputs
    if not inputs.survey:
        return None
    first = inputs.survey[0]
    themes = []
    for r in inputs.survey:
        t = m.ConsultationTheme(
            theme=r.theme, share=round(r.share, 4),
            low=round(r.low, 4) if r.low is not None else None,
            high=round(r.high, 4) if r.high is not None else None,
            responses=r.responses,
            effective_responses=round(r.effective_responses, 1)
            if r.effective_responses is not None else None,
            question=r.question,
            public_concern=inputs.themes.get(r.theme, {}).get("public_concern"),
        )  # fmt: skip
        t.words = words(t)
        themes.append(t)
    return m.Consultation(
        source=first.source or "Residents' survey (source not named in the priority inputs file)",
        dates=first.dates, weighted_by=first.weighted_by, inputs_file=inputs.source,
        themes=themes, cannot_show=list(CANNOT_SHOW),
    )  # fmt: skip
