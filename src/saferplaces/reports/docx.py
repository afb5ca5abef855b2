"""Word (.docx) through python-docx, for officers to edit.

Real Word heading styles (Heading 1–3) so the navigation pane and the contents field work;
tables with a repeating header row and a caption; figures as PNG with alt text (title and
description), rasterised from the same SVG the HTML and PDF use. A4 with page numbers.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document as new_document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from saferplaces import atomic
from saferplaces.reports.blocks import (
    Bullets,
    Document,
    Figure,
    Finding,
    Inline,
    KeyValues,
    Para,
    Section,
    Table,
    runs,
)

INK = RGBColor(0x0B, 0x0C, 0x0C)
GREY = RGBColor(0x50, 0x5A, 0x5F)
FONT = "Arial"
SHADES = {1: "F3F2F1", 2: "D2E2F1", 3: "9FC3E7", 4: "1D70B8", 5: "003078"}
MAX_WIDTH_CM = 16.0
MAX_HEIGHT_CM = 19.0


def _styles(d) -> None:
    st = d.styles
    normal = st["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    normal.font.color.rgb = INK
    # East-Asian font slot too, or Word falls back to its theme font for some characters.
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    for name, size in (("Title", 24), ("Subtitle", 14), ("Heading 1", 17), ("Heading 2", 14),
                       ("Heading 3", 12), ("Heading 4", 11), ("Caption", 10)):  # fmt: skip
        s = st[name]
        s.font.name = FONT
        s.font.size = Pt(size)
        s.font.color.rgb = GREY if name == "Subtitle" else INK
        s.font.bold = name not in ("Subtitle",)
        s.font.italic = False
        rpr = s.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attr), FONT)
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
            fonts.attrib.pop(qn(attr), None)
    st["Heading 1"].paragraph_format.space_before = Pt(18)
    st["Heading 1"].paragraph_format.page_break_before = False
    st["Caption"].paragraph_format.keep_with_next = True
    for name in ("List Bullet", "List Number"):
        st[name].font.name = FONT
    for level in (1, 2):
        name = f"TOC {level}"
        try:
            s = st[name]
        except KeyError:
            from docx.enum.style import WD_STYLE_TYPE

            s = st.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            s.base_style = st["Normal"]
        s.paragraph_format.left_indent = Cm(0.6 * (level - 1))
        s.paragraph_format.space_after = Pt(2)


def _page(d, header: str) -> None:
    sec = d.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(sec, side, Cm(2.0))
    sec.top_margin, sec.bottom_margin = Cm(2.0), Cm(2.0)
    sec.different_first_page_header_footer = True
    hp = sec.header.paragraphs[0]
    hp.text = header
    hp.runs[0].font.size = Pt(8)
    hp.runs[0].font.color.rgb = GREY
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    r = fp.add_run("Page ")
    r.font.size = Pt(8)
    _field(fp, "PAGE", "1", size=8)
    r = fp.add_run(" of ")
    r.font.size = Pt(8)
    _field(fp, "NUMPAGES", "1", size=8)


def _field(paragraph, instruction: str, shown: str, size: int | None = None) -> None:
    """A Word field (PAGE, NUMPAGES, TOC …) with a result Word replaces when it updates."""

    def run_with(el):
        r = paragraph.add_run()
        if size:
            r.font.size = Pt(size)
        r._r.append(el)
        return r

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    r = paragraph.add_run(shown)
    if size:
        r.font.size = Pt(size)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _contents(d, doc: Document) -> None:
    """A real TOC field, pre-filled with the headings so it reads well before Word updates
    it (Word is asked to update fields on opening, which adds the page numbers)."""
    title = d.add_paragraph()
    r = title.add_run("Contents")
    r.bold = True
    r.font.size = Pt(17)
    entries = [(lvl, s) for lvl, s in doc.walk() if lvl <= 2]
    for i, (lvl, s) in enumerate(entries):
        p = d.add_paragraph(style=f"TOC {lvl}")
        if i == 0:
            begin = OxmlElement("w:fldChar")
            begin.set(qn("w:fldCharType"), "begin")
            p.add_run()._r.append(begin)
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = ' TOC \\o "1-2" \\h \\z \\u '
            p.add_run()._r.append(instr)
            sep = OxmlElement("w:fldChar")
            sep.set(qn("w:fldCharType"), "separate")
            p.add_run()._r.append(sep)
        p.add_run(s.heading)
        if i == len(entries) - 1:
            end = OxmlElement("w:fldChar")
            end.set(qn("w:fldCharType"), "end")
            p.add_run()._r.append(end)
    settings = d.settings.element
    upd = OxmlElement("w:updateFields")
    upd.set(qn("w:val"), "true")
    settings.append(upd)


def _inline(p, text: Inline) -> None:
    for r in runs(text):
        run = p.add_run(r.text)
        run.bold = r.bold or None
        if r.placeholder:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _shade(cell, hex_colour: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_colour)
    tcpr.append(shd)


def _table_props(table, caption: str, header: bool) -> None:
    tblpr = table._tbl.tblPr
    cap = OxmlElement("w:tblCaption")
    cap.set(qn("w:val"), caption[:250])
    tblpr.append(cap)
    if header:
        trpr = table.rows[0]._tr.get_or_add_trPr()
        h = OxmlElement("w:tblHeader")
        h.set(qn("w:val"), "true")
        trpr.append(h)
    for row in table.rows:
        trpr = row._tr.get_or_add_trPr()
        cs = OxmlElement("w:cantSplit")
        cs.set(qn("w:val"), "true")
        trpr.append(cs)


def _cell_text(cell, text: str, bold: bool = False, right: bool = False, size: float = 9,
               colour: RGBColor | None = None) -> None:  # fmt: skip
    p = cell.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    if right:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    r = p.add_run(text)
    r.font.size = Pt(size)
    r.bold = bold or None
    if colour is not None:
        r.font.color.rgb = colour


def _caption(d, text: str) -> None:
    p = d.add_paragraph(style="Caption")
    p.add_run(text)


def _table(d, t: Table) -> None:
    _caption(d, t.caption)
    table = d.add_table(rows=1 + len(t.rows), cols=len(t.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for j, c in enumerate(t.columns):
        cell = table.rows[0].cells[j]
        _cell_text(cell, c.label, bold=True, right=c.numeric)
        _shade(cell, "F3F2F1")
    for i in range(len(t.rows)):
        cells = table.rows[i + 1].cells
        for j, col in enumerate(t.columns):
            v = t.cell(i, j)
            white = v.shade is not None and v.shade >= 4
            _cell_text(cells[j], v.text, bold=v.bold, right=col.numeric,
                       colour=RGBColor(0xFF, 0xFF, 0xFF) if white else None)  # fmt: skip
            if v.shade:
                _shade(cells[j], SHADES[v.shade])
    _table_props(table, t.caption, header=True)
    if t.note:
        p = d.add_paragraph()
        r = p.add_run(t.note)
        r.font.size = Pt(8.5)
        r.font.color.rgb = GREY
    else:
        d.add_paragraph().paragraph_format.space_after = Pt(2)


def _keyvalues(d, kv: KeyValues) -> None:
    _caption(d, kv.caption)
    table = d.add_table(rows=len(kv.items), cols=2)
    table.style = "Table Grid"
    for i, (k, v) in enumerate(kv.items):
        _cell_text(table.rows[i].cells[0], k, bold=True)
        _cell_text(table.rows[i].cells[1], v)
        table.rows[i].cells[0].width = Cm(6)
        table.rows[i].cells[1].width = Cm(10)
    _table_props(table, kv.caption, header=False)
    d.add_paragraph().paragraph_format.space_after = Pt(2)


def _figure(d, f: Figure, n: int) -> None:
    _caption(d, f"Figure {n}: {f.title}")
    width_cm = min(MAX_WIDTH_CM, f.width_px / 96 * 2.54)
    height_cm = width_cm * f.height_px / f.width_px
    if height_cm > MAX_HEIGHT_CM:
        width_cm *= MAX_HEIGHT_CM / height_cm
    p = d.add_paragraph()
    p.paragraph_format.keep_with_next = bool(f.note)
    run = p.add_run()
    shape = run.add_picture(io.BytesIO(f.png()), width=Cm(width_cm))
    doc_pr = shape._inline.docPr
    doc_pr.set("descr", f.alt)
    doc_pr.set("title", f.title)
    if f.note:
        np_ = d.add_paragraph()
        r = np_.add_run(f.note)
        r.font.size = Pt(8.5)
        r.font.color.rgb = GREY


def _blocks(d, s: Section, counter: list[int], level: int) -> None:
    for b in s.blocks:
        if isinstance(b, Para):
            p = d.add_paragraph()
            _inline(p, b.text)
            if b.style in ("note", "small"):
                for r in p.runs:
                    r.font.size = Pt(9.5)
                    r.font.color.rgb = GREY
            elif b.style == "lead":
                for r in p.runs:
                    r.font.size = Pt(12)
        elif isinstance(b, Bullets):
            for it in b.items:
                p = d.add_paragraph(style="List Number" if b.ordered else "List Bullet")
                _inline(p, it)
        elif isinstance(b, Finding):
            d.add_heading(f"{b.number}. {b.title}", level=min(level + 1, 4))
            p = d.add_paragraph()
            r = p.add_run(b.headline)
            r.bold = True
            for c in b.context:
                _inline(d.add_paragraph(style="List Bullet"), c)
        elif isinstance(b, Table):
            _table(d, b)
        elif isinstance(b, KeyValues):
            _keyvalues(d, b)
        elif isinstance(b, Figure):
            counter[0] += 1
            _figure(d, b, counter[0])


def _section(d, s: Section, level: int, counter: list[int], page_breaks: bool) -> None:
    if level == 1 and page_breaks:
        d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    d.add_heading(s.heading, level=level)
    _blocks(d, s, counter, level)
    for c in s.children:
        _section(d, c, level + 1, counter, page_breaks)


def build_docx(doc: Document, contents: bool = True, cover: bool = True,
               page_breaks: bool = True):  # fmt: skip
    d = new_document()
    _styles(d)
    _page(d, doc.running_header)
    core = d.core_properties
    core.title = doc.title
    core.subject = doc.subtitle
    core.author = "Safer Places"
    core.keywords = "community safety; strategic assessment"
    d.add_paragraph(doc.title, style="Title")
    d.add_paragraph(doc.subtitle, style="Subtitle")
    table = d.add_table(rows=len(doc.meta), cols=2)
    for i, (k, v) in enumerate(doc.meta):
        _cell_text(table.rows[i].cells[0], k, bold=True, size=10)
        cell = table.rows[i].cells[1]
        p = cell.paragraphs[0]
        _inline(p, v)
        for r in p.runs:
            r.font.size = Pt(10)
        table.rows[i].cells[0].width = Cm(4.5)
        table.rows[i].cells[1].width = Cm(11.5)
    _table_props(table, "About this document", header=False)
    if contents:
        d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _contents(d, doc)
    counter = [0]
    for s in doc.sections:
        _section(d, s, 1, counter, page_breaks and cover)
    return d


def write_docx(doc: Document, path: Path, contents: bool = True, cover: bool = True,
               page_breaks: bool = True) -> Path:  # fmt: skip
    d = build_docx(doc, contents=contents, cover=cover, page_breaks=page_breaks)
    return atomic.write_with(path, lambda tmp: d.save(str(tmp)))


def heading_outline(path: Path) -> list[tuple[str, str]]:
    """(style, text) of every heading paragraph: what the navigation pane shows."""
    from docx import Document as open_document

    d = open_document(str(path))
    return [
        (p.style.name, p.text)
        for p in d.paragraphs
        if p.style.name.startswith(("Heading", "Title"))
    ]


__all__ = ["build_docx", "heading_outline", "write_docx"]
