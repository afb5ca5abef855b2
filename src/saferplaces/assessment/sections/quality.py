"""Data quality: missing months, rejected rows, records without place, and the caveats."""

from __future__ import annotations

from collections import defaultdict

from saferplaces.assessment import model as m
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import Scope


def build(scope: Scope, data: Warehouse) -> m.DataQuality:
    forces = scope.forces
    months = scope.cov_now.present + scope.cov_base.present
    q = data.area_quality(forces, months)
    f = data.force_unplaced(forces, months)
    missing: dict[str, list[str]] = defaultdict(list)
    for cov in (scope.cov_now, scope.cov_base):
        for force, ms in cov.missing.items():
            missing[force].extend(ms)
    caveats = [
        *scope.caveats,
        "Locations are anonymised: data.police.uk moves each record to the nearest of about "
        "750,000 map points, so patterns finer than about 150 m are artefacts and 'repeat "
        "locations' may be several places.",
        f"{f.without_location:,} records of the area's force(s) in these months have no location "
        "and cannot be placed in any area; they are not in the area's counts.",
        "data.police.uk revises outcomes and sometimes records after publication; figures "
        "are as loaded (see provenance for the files).",
        "Rates use Census 2021 usual residents; places with many visitors (town centres, "
        "the City of London) have high rates per resident.",
        "ASB counts are incidents recorded by the police, not all ASB reported to partners.",
    ]
    return m.DataQuality(
        missing_months={k: sorted(set(v)) for k, v in sorted(missing.items())},
        allow_gaps=scope.request.allow_gaps, rejected_rows=data.rejected_rows(forces, months),
        records=int(q.records), without_location=int(f.without_location),
        without_lsoa=int(f.without_lsoa), cross_border=int(q.cross_border),
        harmonised_2011=int(q.harmonised_2011), lsoa_methods=data.lsoa_methods(months),
        caveats=caveats,
    )  # fmt: skip
