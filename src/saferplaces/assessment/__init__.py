"""The strategic assessment: one typed model assembled from the warehouse."""

from saferplaces.assessment.engine import AssessmentError, assess
from saferplaces.assessment.model import SCHEMA_VERSION, Assessment, json_schema

__all__ = ["SCHEMA_VERSION", "Assessment", "AssessmentError", "assess", "json_schema"]
