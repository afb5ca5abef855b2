"""HTML: one self-contained file (CSS, script and images inline), accessible and printable.

The same template, with ``print_mode``, is the source WeasyPrint lays out for the PDF, so the
two formats cannot drift apart.
"""

from __future__ import annotations

import base64
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2

from saferplaces import atomic
from saferplaces.reports.blocks import Document, Figure

FOOTER = (
    "Produced with Safer Places from data.police.uk open data. Contains public sector "
    "information licensed under the Open Government Licence v3.0. Contains OS data © Crown "
    "copyright and database right 2021."
)


def _read(name: str) -> str:
    return (resources.files("saferplaces.reports") / "templates" / name).read_text(encoding="utf-8")


def data_uri(fig: Figure) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(fig.svg.encode("utf-8")).decode("ascii")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("saferplaces.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=True, default=True),
        trim_blocks=False,
        lstrip_blocks=False,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["data_uri"] = data_uri
    return env


def render_html(doc: Document, print_mode: bool = False, template: str = "assessment.html.j2",
                footer: str = FOOTER) -> str:  # fmt: skip
    css = _read("style.css") + ("\n" + _read("print.css") if print_mode else "")
    return environment().get_template(template).render(
        doc=doc, print_mode=print_mode, css=jinja2.utils.markupsafe.Markup(css),
        script=jinja2.utils.markupsafe.Markup(_read("zoom.js")), footer=footer,
    )  # fmt: skip


def write_html(doc: Document, path: Path, template: str = "assessment.html.j2") -> Path:
    return atomic.write_text(path, render_html(doc, template=template))
