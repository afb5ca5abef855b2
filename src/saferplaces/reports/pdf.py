"""PDF through WeasyPrint: A4, running header, page numbers, contents with page numbers.

The PDF is the print-mode HTML (see ``templates/print.css``): WeasyPrint fills the contents
page numbers with ``target-counter`` and repeats table headers across pages.
"""

from __future__ import annotations

import logging
from pathlib import Path

from saferplaces import atomic
from saferplaces.reports.blocks import Document
from saferplaces.reports.html import FOOTER, render_html


def html_to_pdf(html: str, path: Path) -> Path:
    from weasyprint import HTML

    # WeasyPrint logs every CSS property it ignores; the documents use only what it supports,
    # so its warnings are noise on the user's terminal.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return atomic.write_with(path, lambda tmp: HTML(string=html, base_url=None).write_pdf(tmp))


def write_pdf(doc: Document, path: Path, template: str = "assessment.html.j2",
              footer: str = FOOTER) -> Path:  # fmt: skip
    return html_to_pdf(render_html(doc, print_mode=True, template=template, footer=footer), path)
