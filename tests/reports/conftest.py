"""Fixtures for the renderer tests: a real warehouse from the Staffordshire data, real
assessments (Tamworth CSP; Castle ward, a small area), and every format rendered once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _shared_data() -> Path:
    return Path(os.environ.get("SAFERPLACES_SHARED_DATA", "/work/shared/data"))


@pytest.fixture(scope="session")
def staffordshire_files() -> Path:
    path = _shared_data() / "police_uk" / "staffordshire"
    if not path.is_dir():
        pytest.skip(f"real Staffordshire data not found at {path} (set SAFERPLACES_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory, staffordshire_files: Path) -> Path:
    """A workspace whose warehouse holds the real Staffordshire street files."""
    from saferplaces.config import Workspace
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    home = tmp_path_factory.mktemp("workspace")
    con = connect(Workspace.resolve(home).warehouse_path)
    try:
        report = load_police(con, [staffordshire_files])
        assert not report.failed
    finally:
        con.close()
    return home


def _assess(workspace: Path, out: Path, area: str) -> Path:
    from saferplaces.assessment import assess

    result = assess(area, "2025-01", "2025-12", workspace=workspace, allow_gaps=True)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "assessment.json"
    path.write_text(result.to_json(), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tamworth_json(workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _assess(workspace, tmp_path_factory.mktemp("tamworth"), "Tamworth")


@pytest.fixture(scope="session")
def castle_json(workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Castle ward, Tamworth: a small area, so every count falls under suppression."""
    return _assess(workspace, tmp_path_factory.mktemp("castle"), "E05007069")


@pytest.fixture(scope="session")
def tamworth(tamworth_json: Path):
    from saferplaces.reports.load import load_assessment

    return load_assessment(tamworth_json)


@pytest.fixture(scope="session")
def rendered(tamworth_json: Path, workspace: Path, tmp_path_factory) -> dict[str, Path]:
    """Every format for Tamworth, rendered once; format → path."""
    from saferplaces.reports import output_names, render_formats
    from saferplaces.reports.load import load_assessment

    out = tmp_path_factory.mktemp("rendered")
    written = render_formats(tamworth_json, "all", out, workspace=workspace)
    names = output_names(load_assessment(tamworth_json).area.name)
    by_name = {p.name: p for p in written}
    return {k: by_name[v] for k, v in names.items()}


@pytest.fixture(scope="session")
def pdftotext() -> str:
    exe = shutil.which("pdftotext")
    if not exe:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return exe


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def axe_path() -> Path | None:
    for candidate in (
        os.environ.get("AXE_CORE_JS"),
        REPO / "node_modules" / "axe-core" / "axe.min.js",
    ):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright; never downloads a browser."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def axe_js() -> str:
    path = axe_path()
    if path is None:
        pytest.skip("axe-core not found (npm install, or set AXE_CORE_JS to axe.min.js)")
    return path.read_text(encoding="utf-8")
