"""Charts and maps: findings in the titles, colour-blind-safe colours, map furniture, and
boundaries from the warehouse or, without one, from the packaged reference data."""

from __future__ import annotations

import re

import pytest

from saferplaces.reports import charts, content, maps
from saferplaces.reports.boundaries import load_area_geometry

pytestmark = pytest.mark.slow

OKABE_ITO = {"#0072B2", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#F0E442"}


def test_chart_titles_state_the_finding(tamworth) -> None:
    lab = content.labels(tamworth)
    fig = charts.category_changes("x", tamworth.categories, lab.baseline_label)
    assert "significantly" in fig.title or "chance" in fig.title
    c = tamworth.categories[0]
    title = content.category_sections(tamworth, lab).children[0].blocks[2].title
    assert title.startswith(c.category) and "chance" in title
    assert fig.svg.startswith("<svg") and fig.png()[:8] == b"\x89PNG\r\n\x1a\n"


def test_charts_use_the_safe_palette(tamworth) -> None:
    fig = charts.category_changes("x", tamworth.categories, "the same months a year earlier")
    fills = {f.upper() for f in re.findall(r'fill="(#[0-9a-fA-F]{6})"', fig.svg)}
    used = fills - {"#FFFFFF", "#000000", "#0B0C0C", "#BFC1C3", "#505A5F", "#DDDDDD"}
    assert used and used <= {c.upper() for c in OKABE_ITO}


def test_maps_have_furniture_and_outlines(tamworth, workspace) -> None:
    geo = load_area_geometry([p.code for p in tamworth.places.lsoas], workspace)
    assert geo is not None and geo.source.startswith("warehouse") and not geo.missing
    assert set(geo.wards) == {p.code for p in tamworth.places.wards}
    sel = maps.locality_codes(tamworth.priority_localities)
    fig = maps.choropleth("m", geo, tamworth.places.wards, "ward", "t",
                          lambda p: p.smoothed_rate_per_1000, "Rate", outline_codes=sel)  # fmt: skip
    assert "km</text>" in fig.svg and ">N</text>" in fig.svg
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fig.svg))
    assert "Crown copyright" in words and "Office for National Statistics" in words
    assert fig.svg.count('stroke-dasharray="6 3"') == len(sel)
    assert "Priority locality" in fig.svg
    hot = maps.hotspot_map("h", geo, tamworth.hotspots, "gi", "t")
    assert hot.svg.count("<rect") >= tamworth.hotspots.hot_cells
    assert fig.png()[:4] == b"\x89PNG"


def test_packaged_boundaries_without_a_warehouse(tamworth, tmp_path) -> None:
    geo = load_area_geometry([p.code for p in tamworth.places.lsoas], tmp_path / "no-workspace")
    assert geo is not None and geo.source == "packaged reference data"
    assert len(geo.lsoas) == len(tamworth.places.lsoas)
    assert set(geo.wards) == {p.code for p in tamworth.places.wards}
