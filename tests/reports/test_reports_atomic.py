"""No output is ever half-written: temporary name, then rename."""

from __future__ import annotations

from pathlib import Path

import pytest

from saferplaces import atomic


def test_failed_write_leaves_previous_file_and_no_temporaries(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old complete file")

    def half_then_fail(tmp: Path) -> None:
        tmp.write_bytes(b"%PDF-1.7 half")
        raise RuntimeError("renderer crashed")

    with pytest.raises(RuntimeError):
        atomic.write_with(target, half_then_fail)
    assert target.read_bytes() == b"old complete file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_new_file_is_readable_by_others(tmp_path: Path) -> None:
    path = atomic.write_text(tmp_path / "a.html", "<p>x</p>")
    assert path.stat().st_mode & 0o044  # not the 0600 of mkstemp


def test_directory_swapped_whole(tmp_path: Path) -> None:
    folder = tmp_path / "open-data"
    with atomic.directory(folder) as tmp:
        (tmp / "a.csv").write_text("1")
    with pytest.raises(ValueError), atomic.directory(folder) as tmp:
        (tmp / "b.csv").write_text("2")
        raise ValueError("stopped half-way")
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["open-data"]
    with atomic.directory(folder) as tmp:
        (tmp / "c.csv").write_text("3")
    assert sorted(p.name for p in folder.iterdir()) == ["c.csv"]


@pytest.mark.slow
def test_pdf_failure_does_not_replace_document(
    tamworth_json: Path, tmp_path: Path, monkeypatch
) -> None:
    from saferplaces.reports import render_formats

    out = tmp_path / "out"
    out.mkdir()
    target = out / "tamworth-strategic-assessment.pdf"
    target.write_bytes(b"previous version")

    import weasyprint

    def broken(self, target=None, **kwargs):
        Path(target).write_bytes(b"%PDF-1.7 partial")
        raise OSError("disk full")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
    with pytest.raises(OSError, match="disk full"):
        render_formats(tamworth_json, "pdf", out)
    assert target.read_bytes() == b"previous version"
    assert [p.name for p in out.iterdir()] == ["tamworth-strategic-assessment.pdf"]
