"""Documents from the strategic assessment model: HTML, PDF, Word, committee report, open data.

The renderers read ``assessment.json`` (validated against the model) and compute no figure of
their own: they format, order and choose what to show. The only arithmetic on figures is the
small-number suppression of the open data, a publishing rule (``opendata.py``).

    render_formats("out/assessment.json", "html,pdf,docx", "out")

Every file is written under a temporary name and renamed into place, so a failure never
leaves a half-written document.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from saferplaces.reports.load import ReportError, load_assessment

FORMATS = ("html", "pdf", "docx", "csv", "xlsx", "committee")
_ALIASES = {"word": "docx", "excel": "xlsx", "open-data": "csv", "all": ",".join(FORMATS)}


def parse_formats(formats: str | Iterable[str]) -> list[str]:
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    out: list[str] = []
    for raw in items:
        name = raw.strip().lower()
        if not name:
            continue
        name = _ALIASES.get(name, name)
        for part in name.split(","):
            if part not in FORMATS:
                raise ReportError(
                    f"Unknown format {raw.strip()!r}: choose from {', '.join(FORMATS)} (or all)."
                )
            if part not in out:
                out.append(part)
    if not out:
        raise ReportError(f"No format given: choose from {', '.join(FORMATS)}.")
    return out


def output_names(area_name: str) -> dict[str, str]:
    from saferplaces.reports.fmt import slug

    s = slug(area_name)
    return {
        "html": f"{s}-strategic-assessment.html",
        "pdf": f"{s}-strategic-assessment.pdf",
        "docx": f"{s}-strategic-assessment.docx",
        "csv": f"{s}-open-data",
        "xlsx": f"{s}-open-data.xlsx",
        "committee-docx": f"{s}-committee-report.docx",
        "committee-pdf": f"{s}-committee-report.pdf",
    }


def render_formats(
    assessment_json: Path,
    formats: str | list[str],
    out_dir: Path,
    workspace: Path | None = None,
) -> list[Path]:
    """Render ``assessment_json`` in each of ``formats`` into ``out_dir``; return the paths.

    ``workspace`` is where to find the warehouse for map boundaries; without one (or if it
    lacks them) the boundaries packaged with Safer Places are used.
    """
    wanted = parse_formats(formats)
    a = load_assessment(assessment_json)
    out_dir = Path(out_dir)
    names = output_names(a.area.name)
    written: list[Path] = []

    from saferplaces.reports.boundaries import load_area_geometry

    geo = load_area_geometry([p.code for p in a.places.lsoas], workspace)

    if {"html", "pdf", "docx"} & set(wanted):
        from saferplaces.reports import content

        doc = content.build(a, geo)
        if "html" in wanted:
            from saferplaces.reports.html import write_html

            written.append(write_html(doc, out_dir / names["html"]))
        if "pdf" in wanted:
            from saferplaces.reports.pdf import write_pdf

            written.append(write_pdf(doc, out_dir / names["pdf"]))
        if "docx" in wanted:
            from saferplaces.reports.docx import write_docx

            written.append(write_docx(doc, out_dir / names["docx"]))

    if {"csv", "xlsx"} & set(wanted):
        from saferplaces.reports import opendata

        lsoa_ward = {k: v[0] for k, v in geo.lsoa_ward.items()} if geo else None
        data = opendata.build(a, lsoa_ward)
        if "csv" in wanted:
            written.append(opendata.write_csv(data, out_dir / names["csv"]))
        if "xlsx" in wanted:
            written.append(opendata.write_xlsx(
                data, out_dir / names["xlsx"],
                f"{a.area.name} strategic assessment: open data"))  # fmt: skip

    if "committee" in wanted:
        from saferplaces.reports.committee import build_committee
        from saferplaces.reports.docx import write_docx
        from saferplaces.reports.pdf import write_pdf

        # The appendices are named whether or not they were rendered in this run: the officer
        # attaches them to the agenda.
        cdoc = build_committee(a, {"pdf": names["pdf"], "xlsx": names["xlsx"]})
        written.append(write_docx(cdoc, out_dir / names["committee-docx"], contents=False,
                                  page_breaks=False))  # fmt: skip
        written.append(write_pdf(cdoc, out_dir / names["committee-pdf"],
                                 template="committee.html.j2"))  # fmt: skip
    return written


__all__ = ["FORMATS", "ReportError", "load_assessment", "parse_formats", "render_formats"]
