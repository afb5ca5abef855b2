"""Inputs an analyst can edit: harm weights, priority-matrix weights and local scores.

* Harm weights: ``harm_weights.csv`` beside this module (documented in ``harm_weights.md``),
  or a copy passed with ``--harm-weights``.
* Priority inputs (``--priority-inputs FILE``, YAML or CSV): public concern and partnership
  capacity scores per theme (1–5), and the factor weights. YAML form::

      weights: {harm: 3, volume: 2, trend: 2, deprived_concentration: 2, concentration: 1,
                public_concern: 1, partnership_capacity: 1}
      themes:
        Anti-social behaviour: {public_concern: 5, partnership_capacity: 4}
        Vehicle crime: {public_concern: 3}

  CSV form: columns ``theme,public_concern,partnership_capacity`` (a row with theme
  ``weights`` may set factor weights in the same columns plus ``harm,volume,trend,...``).

  Survey results (optional; the consultation workspace writes them): columns ``share``,
  ``low``, ``high`` (the weighted share of residents saying the theme is a big problem and its
  95% interval, as proportions 0-1), ``responses``, ``effective_responses``, ``question``,
  ``source`` (the survey's title), ``dates`` and ``weighted_by``. A theme row with a share
  becomes a line of the assessment's consultation section; a two-column file gives none.

  A theme is named by its title or key in ``saferplaces.assessment.themes`` ("Retail crime and
  shoplifting", ``retail_crime``); a police.uk category's name counts for the theme it
  evidences ("Shoplifting"), and also scores that category's own row. A theme with no evidence
  in the loaded data (domestic abuse, say) keeps its public concern score beside it but is not
  scored or ranked on it alone.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

HARM_WEIGHTS = Path(__file__).with_name("harm_weights.csv")

FACTORS = (
    "harm",
    "volume",
    "trend",
    "vulnerability",
    "concentration",
    "public_concern",
    "partnership_capacity",
)
DEFAULT_WEIGHTS: dict[str, float] = {
    "harm": 3.0,
    "volume": 2.0,
    "trend": 2.0,
    "vulnerability": 2.0,
    "concentration": 1.0,
    "public_concern": 1.0,
    "partnership_capacity": 1.0,
}


#: The factor "vulnerability" measured concentration in deprived neighbourhoods and is now named
#: for that; files may use either name, and the matrix keeps its original key.
FACTOR_ALIASES = {"deprived_concentration": "vulnerability"}


class InputError(ValueError):
    pass


def _factor(key: str) -> str:
    return FACTOR_ALIASES.get(key, key)


@dataclass(frozen=True)
class HarmWeights:
    weights: dict[str, float | None]
    rows: list[dict[str, str]]
    source: str

    def weight(self, category: str) -> float | None:
        return self.weights.get(category)


def load_harm_weights(path: Path | None = None) -> HarmWeights:
    path = Path(path) if path else HARM_WEIGHTS
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not {"category", "weight"} <= set(reader.fieldnames):
                raise InputError(f"{path}: needs columns 'category' and 'weight'.")
            rows = list(reader)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc}).") from exc
    weights: dict[str, float | None] = {}
    for line, row in enumerate(rows, start=2):
        text = (row.get("weight") or "").strip()
        if text == "":
            weights[row["category"]] = None
            continue
        try:
            value = float(text)
        except ValueError:
            raise InputError(f"{path}, line {line}, field weight: {text!r} is not a number.") from None
        if value < 0:
            raise InputError(f"{path}, line {line}, field weight: weights cannot be negative.")
        weights[row["category"]] = value
    return HarmWeights(weights, rows, str(path))


#: Optional survey-result columns of the CSV form: text, numbers (proportions 0-1 for the
#: share and its interval), and whole numbers.
SURVEY_TEXT = ("question", "source", "dates", "weighted_by")
SURVEY_SHARES = ("share", "low", "high")
SURVEY_COUNTS = ("responses", "effective_responses")
SURVEY_COLUMNS = SURVEY_TEXT + SURVEY_SHARES + SURVEY_COUNTS


@dataclass(frozen=True)
class SurveyResult:
    """One theme's survey result as given in the priority inputs file."""

    theme: str
    share: float
    low: float | None = None
    high: float | None = None
    responses: int | None = None
    effective_responses: float | None = None
    question: str = ""
    source: str = ""
    dates: str = ""
    weighted_by: str = ""


@dataclass
class PriorityInputs:
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    themes: dict[str, dict[str, float]] = field(default_factory=dict)
    source: str | None = None
    #: Survey results per theme (CSV form with a ``share`` column), in file order.
    survey: list[SurveyResult] = field(default_factory=list)


def _proportion(value, where: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: {value!r} is not a number.") from None
    if not 0 <= v <= 1:
        raise InputError(f"{where}: give a proportion from 0 to 1 (0.45 for 45%), got {v:g}.")
    return v


def _survey(theme: str, extra: dict[str, str], where: str) -> SurveyResult | None:
    """A theme row's survey columns, or None when it gives no share."""
    if "share" not in extra:
        if extra.keys() & set(SURVEY_SHARES + SURVEY_COUNTS):
            raise InputError(f"{where}: survey figures need a 'share' column.")
        return None
    nums: dict[str, float | None] = {}
    for key in SURVEY_SHARES:
        nums[key] = _proportion(extra[key], f"{where}, field {key}") if key in extra else None
    low, high, share = nums["low"], nums["high"], nums["share"]
    if (low is not None and low > share) or (high is not None and high < share):
        raise InputError(f"{where}: the interval (low, high) must contain the share.")
    counts: dict[str, float | None] = {}
    for key in SURVEY_COUNTS:
        if key not in extra:
            counts[key] = None
            continue
        try:
            counts[key] = float(extra[key].replace(",", ""))
        except ValueError:
            raise InputError(f"{where}, field {key}: {extra[key]!r} is not a number.") from None
        if counts[key] < 0:
            raise InputError(f"{where}, field {key}: cannot be negative.")
    return SurveyResult(
        theme=theme, share=share, low=low, high=high,
        responses=int(counts["responses"]) if counts["responses"] is not None else None,
        effective_responses=counts["effective_responses"],
        **{k: extra.get(k, "") for k in SURVEY_TEXT},
    )  # fmt: skip


def _score(value, where: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: {value!r} is not a number.") from None
    if not 1 <= v <= 5:
        raise InputError(f"{where}: scores run from 1 to 5, got {v:g}.")
    return v


def _weight(value, where: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: {value!r} is not a number.") from None
    if v < 0:
        raise InputError(f"{where}: weights cannot be negative.")
    return v


def load_priority_inputs(path: Path | None) -> PriorityInputs:
    if path is None:
        return PriorityInputs()
    path = Path(path)
    out = PriorityInputs(source=str(path))
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"{path}: cannot be read as YAML ({exc}).") from exc
        for key, value in (data.get("weights") or {}).items():
            key = _factor(key)
            if key not in FACTORS:
                raise InputError(f"{path}: weights: unknown factor {key!r}; use {', '.join(FACTORS)}.")
            out.weights[key] = _weight(value, f"{path}: weights.{key}")
        for theme, scores in (data.get("themes") or {}).items():
            for key, value in (scores or {}).items():
                if key not in ("public_concern", "partnership_capacity"):
                    raise InputError(
                        f"{path}: themes.{theme}: {key!r} is not an input; "
                        "give public_concern or partnership_capacity."
                    )
                out.themes.setdefault(theme, {})[key] = _score(value, f"{path}: themes.{theme}.{key}")
        return out
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "theme" not in reader.fieldnames:
                raise InputError(f"{path}: needs a 'theme' column.")
            for line, row in enumerate(reader, start=2):
                theme = (row.pop("theme") or "").strip()
                extra = {k: str(row.pop(k)).strip() for k in SURVEY_COLUMNS
                         if k in row and row[k] is not None and str(row[k]).strip()}  # fmt: skip
                if theme != "weights":
                    found = _survey(theme, extra, f"{path}, line {line}")
                    if found is not None:
                        out.survey.append(found)
                for key, value in row.items():
                    if value is None or not str(value).strip():
                        continue
                    key = _factor(key)
                    if key not in FACTORS:
                        raise InputError(f"{path}, line {line}: unknown column {key!r}.")
                    where = f"{path}, line {line}, field {key}"
                    if theme == "weights":
                        out.weights[key] = _weight(value, where)
                    elif key in ("public_concern", "partnership_capacity"):
                        out.themes.setdefault(theme, {})[key] = _score(value, where)
                    else:
                        raise InputError(f"{where}: only public_concern and partnership_capacity "
                                         "are set per theme; the rest come from the data.")
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc}).") from exc
    return out
