"""Reading assessment.json: clear errors for other schema versions and damaged files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from saferplaces.assessment.model import SCHEMA_VERSION
from saferplaces.reports import parse_formats
from saferplaces.reports.load import ReportError, load_assessment


def test_missing_file_says_run_assess(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"No assessment file.*saferplaces assess"):
        load_assessment(tmp_path / "assessment.json")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("")
    with pytest.raises(ReportError, match="is empty"):
        load_assessment(tmp_path / "a.json")


def test_not_json_names_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"schema_version": 1,\n "area": ')
    with pytest.raises(ReportError, match=r"not valid JSON: .* line 2, column \d+.*cut short"):
        load_assessment(tmp_path / "a.json")


def test_other_schema_version(tmp_path: Path) -> None:
    other = SCHEMA_VERSION + 1
    (tmp_path / "a.json").write_text(json.dumps({"schema_version": other, "area": {}}))
    with pytest.raises(
        ReportError,
        match=f"schema version {other}; this version of Safer Places reads version {SCHEMA_VERSION}",
    ):
        load_assessment(tmp_path / "a.json")


def test_not_an_assessment(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("[1, 2, 3]")
    with pytest.raises(ReportError, match="expected a JSON object, found list"):
        load_assessment(tmp_path / "a.json")
    (tmp_path / "b.json").write_text('{"type": "FeatureCollection"}')
    with pytest.raises(ReportError, match="no schema_version"):
        load_assessment(tmp_path / "b.json")


def test_folder_without_assessment(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"folder without an assessment\.json"):
        load_assessment(tmp_path)


def test_formats() -> None:
    assert parse_formats("html, PDF,docx") == ["html", "pdf", "docx"]
    assert parse_formats(["word", "excel"]) == ["docx", "xlsx"]
    assert "committee" in parse_formats("all")
    with pytest.raises(ReportError, match="Unknown format 'odt'"):
        parse_formats("html,odt")


@pytest.mark.slow
def test_damaged_field_is_named_by_path(tamworth_json: Path, tmp_path: Path) -> None:
    data = json.loads(tamworth_json.read_text())
    data["categories"][3]["monthly"][2]["count"] = "lots"
    del data["overview"]["asb"]["p_value"]
    (tmp_path / "a.json").write_text(json.dumps(data))
    with pytest.raises(ReportError) as err:
        load_assessment(tmp_path / "a.json")
    message = str(err.value)
    assert "categories[3].monthly[2].count" in message
    assert "overview.asb.p_value: Field required" in message
    assert "'lots'" in message


@pytest.mark.slow
def test_truncated_real_file(tamworth_json: Path, tmp_path: Path) -> None:
    text = tamworth_json.read_text()
    (tmp_path / "a.json").write_text(text[: len(text) // 2])
    with pytest.raises(ReportError, match="cut short"):
        load_assessment(tmp_path / "a.json")


@pytest.mark.slow
def test_folder_is_accepted(tamworth_json: Path) -> None:
    assert load_assessment(tamworth_json.parent).area.name == "Tamworth"
