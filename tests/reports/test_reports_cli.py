"""`saferplaces report`: renders, and refuses a bad file with one clear message."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from saferplaces.cli import app


def test_report_refuses_other_schema_version(tmp_path) -> None:
    path = tmp_path / "assessment.json"
    path.write_text(json.dumps({"schema_version": 99}))
    result = CliRunner().invoke(app, ["report", str(path), "--format", "html"])
    assert result.exit_code == 1
    assert "schema version 99" in result.output
    assert not list(tmp_path.glob("*.html"))


@pytest.mark.slow
def test_report_renders_html_and_csv(tamworth_json, workspace, tmp_path) -> None:
    result = CliRunner().invoke(app, ["-w", str(workspace), "report", str(tamworth_json),
                                      "--format", "html,csv", "--out", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "tamworth-strategic-assessment.html").is_file()
    assert (tmp_path / "tamworth-open-data" / "README.md").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
