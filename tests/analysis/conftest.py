"""Shared fixtures for the statistics-layer tests (tests may read the real data; src may not)."""

from __future__ import annotations

import csv
import gzip
import os
from pathlib import Path

import numpy as np
import pytest


def _shared_data() -> Path:
    env = os.environ.get("SAFERPLACES_SHARED_DATA")
    if env:
        return Path(env)
    # tests/analysis/conftest.py -> repository root -> ../shared/data (the Makefile default)
    return Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = _shared_data()
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path} (set SAFERPLACES_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def staffordshire_jan_2025_bng(shared_data: Path) -> tuple[np.ndarray, np.ndarray]:
    """Eastings/northings (EPSG:27700) of every located crime/ASB in Staffordshire, Jan 2025."""
    pyproj = pytest.importorskip("pyproj")
    src = shared_data / "police_uk" / "staffordshire" / "2025-01-staffordshire-street.csv.gz"
    if not src.exists():
        pytest.skip(f"{src} missing")
    lon: list[float] = []
    lat: list[float] = []
    with gzip.open(src, "rt", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["Longitude"] and row["Latitude"]:
                lon.append(float(row["Longitude"]))
                lat.append(float(row["Latitude"]))
    transformer = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    x, y = transformer.transform(np.array(lon), np.array(lat))
    return np.asarray(x), np.asarray(y)
