"""The strategic assessment: one typed model assembled from the warehouse.

The engine (and scipy with it) is imported on first use, so code that only reads an
assessment file, like the renderers, stays quick to start.
"""

from saferplaces.assessment.model import SCHEMA_VERSION, Assessment, json_schema

__all__ = [
    "SCHEMA_VERSION",
    "Assessment",
    "AssessmentError",
    "assess",
    "json_schema",
    "like_for_like",
]


def __getattr__(name: str):
    if name in ("assess", "AssessmentError"):
        from saferplaces.assessment import engine

        return getattr(engine, name)
    if name == "like_for_like":
        from saferplaces.assessment.comparison import like_for_like

        return like_for_like
    raise AttributeError(name)
