"""Provenance: the files loaded, the reference data and the harm weights used."""

from __future__ import annotations

from pathlib import Path

from saferplaces import __version__
from saferplaces.assessment import model as m
from saferplaces.assessment.parameters import OGL
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import Scope


def build(scope: Scope, data: Warehouse) -> m.Provenance:
    months = sorted(set(scope.cov_now.present + scope.cov_base.present
                        + list(scope.comparison.reference_months)))  # fmt: skip
    return m.Provenance(
        software_version=__version__,
        warehouse=f"DuckDB warehouse (schema version {data.schema_version()})",
        loads=[m.LoadRef(load_id=r.load_id, file_name=Path(r.file_name.split("!")[-1]).name,
                         sha256=r.sha256, force=r.force, month=r.month, kind=r.kind)
               for r in data.loads(months)],
        reference_data=[{"dataset": r.dataset, "title": r.title, "licence": r.licence,
                         "sha256": r.sha256, "rows": r.rows} for r in data.reference_sources()],
        harm_weights=[{k: (float(v) if k == "weight" and v else (v or None))
                       for k, v in row.items() if k in ("category", "weight", "status", "source", "year")}
                      for row in scope.harm.rows],
        licence=OGL,
    )  # fmt: skip
