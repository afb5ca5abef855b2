"""The HTML: one self-contained file, accessible (axe-core in headless Chromium), printable."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from saferplaces.reports import fmt

pytestmark = pytest.mark.slow


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))


def _scan(html: str) -> list[tuple[str, dict]]:
    s = _Scan()
    s.feed(html)
    return s.tags


def test_html_is_self_contained(rendered) -> None:
    html = rendered["html"].read_text(encoding="utf-8")
    tags = _scan(html)
    for tag, attrs in tags:
        for key in ("src", "href", "data", "poster", "srcset"):
            v = attrs.get(key)
            if v is None:
                continue
            assert v.startswith(("data:", "#")), (
                f"<{tag} {key}={v[:60]}> needs something outside the file"
            )
        assert tag not in ("link", "iframe", "object", "embed")
    assert "@import" not in html
    assert not re.search(r"url\((?!['\"]?data:)", html)


def test_html_structure(rendered, tamworth) -> None:
    html = rendered["html"].read_text(encoding="utf-8")
    tags = _scan(html)
    assert ("html", {"lang": "en-GB"}) in tags
    assert sum(t == "h1" for t, _ in tags) == 1
    imgs = [a for t, a in tags if t == "img"]
    assert len(imgs) >= 20
    assert all(a.get("alt") and a.get("aria-describedby") for a in imgs)
    assert sum(t == "caption" for t, _ in tags) >= 20
    assert all(a.get("scope") in ("col", "row") for t, a in tags if t == "th")
    assert fmt.count(tamworth.overview.crime.count) in html
    assert "@media print" in html


@pytest.mark.browser
def test_html_passes_axe_offline(rendered, browser, axe_js) -> None:
    page = browser.new_page()
    outside: list[str] = []

    def only_local(route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(rendered["html"].as_uri())
    page.add_script_tag(content=axe_js)
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag', values:
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"""
    )
    bad = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]
           if v["impact"] in ("serious", "critical")]  # fmt: skip
    assert not bad, bad
    assert not outside, f"the page asked the network for {outside[:3]}"
    assert len(result["passes"]) > 20  # axe really ran
    # The map zoom controls work from the keyboard.
    button = page.locator(".zoom-controls button[data-zoom=in]").first
    button.focus()
    page.keyboard.press("Enter")
    assert "scale(1.5)" in page.locator(".viewport img").first.get_attribute("style")
    page.close()


@pytest.mark.browser
def test_html_prints(rendered, browser, tmp_path) -> None:
    page = browser.new_page()
    page.goto(rendered["html"].as_uri())
    page.emulate_media(media="print")
    assert page.locator(".zoom-controls").first.is_hidden()
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF"
    page.close()
