"""Copies the front-end files the web app needs from node_modules into static/vendor/.

Run after ``npm install`` (the Makefile does): ``python -m saferplaces.web.assets``.
GOV.UK Frontend's stylesheet is rewritten on the way: its GDS Transport font is for GOV.UK
only, so the @font-face rules are dropped and a system font stack takes its place.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parent
VENDOR = WEB / "static" / "vendor"
SYSTEM_FONTS = 'system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif'


def find_node_modules(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for d in [here, *here.parents, *WEB.parents]:
        if (d / "node_modules" / "govuk-frontend").is_dir():
            return d / "node_modules"
    return None


def rewrite_govuk_css(css: str) -> str:
    css = re.sub(r"@font-face\{font-family:GDS Transport;[^}]*\}", "", css)
    css = css.replace("font-family:GDS Transport,arial,sans-serif", f"font-family:{SYSTEM_FONTS}")
    css = css.replace("font-family:GDS Transport", f"font-family:{SYSTEM_FONTS}")
    # Image URLs are absolute in the distributed file; make them relative to the vendor folder.
    return css.replace("url(/assets/", "url(assets/")


def copy_assets(node_modules: Path, dest: Path = VENDOR) -> list[Path]:
    govuk = node_modules / "govuk-frontend" / "dist" / "govuk"
    written: list[Path] = []
    g = dest / "govuk-frontend"
    (g / "assets" / "images").mkdir(parents=True, exist_ok=True)
    css = rewrite_govuk_css((govuk / "govuk-frontend.min.css").read_text(encoding="utf-8"))
    (g / "govuk-frontend.min.css").write_text(css, encoding="utf-8")
    written.append(g / "govuk-frontend.min.css")
    shutil.copy2(govuk / "govuk-frontend.min.js", g / "govuk-frontend.min.js")
    written.append(g / "govuk-frontend.min.js")
    for img in ("favicon.ico", "favicon.svg"):
        src = govuk / "assets" / "images" / img
        if src.exists():
            shutil.copy2(src, g / "assets" / "images" / img)
            written.append(g / "assets" / "images" / img)
    h = dest / "htmx"
    h.mkdir(parents=True, exist_ok=True)
    shutil.copy2(node_modules / "htmx.org" / "dist" / "htmx.min.js", h / "htmx.min.js")
    written.append(h / "htmx.min.js")
    # axe-core is only for the accessibility tests, which read it from node_modules directly.
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--node-modules", type=Path, default=None)
    args = ap.parse_args(argv)
    nm = args.node_modules or find_node_modules()
    if nm is None:
        print(
            "node_modules with govuk-frontend not found: run `npm install` first", file=sys.stderr
        )
        return 1
    for p in copy_assets(nm):
        print(f"wrote {p.relative_to(WEB)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
