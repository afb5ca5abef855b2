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


@dataclass
class PriorityInputs:
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    themes: dict[str, dict[str, float]] = field(default_factory=dict)
    source: str | None = None


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
