"""Open data: small numbers suppressed, and nothing suppressed can be recovered.

The attack here is written independently of the suppressor: it reads only the published CSV
files and the public LSOA → ward lookup column, builds every sum a reader could build, then
(1) solves by repeated subtraction and (2) bounds each hidden cell by linear programming.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from saferplaces.reports import opendata
from saferplaces.reports.opendata import SUPPRESSED, Equation, Suppressor, recoverable

# --- the rule on a hand-made table ---------------------------------------------------------------


def _toy(values: dict[str, int], total: int) -> tuple[Suppressor, tuple]:
    s = Suppressor()
    for k, v in values.items():
        s.count(("t", k, "n"), v, protected=True)
    s.count(("tot", "all", "n"), total, protected=False)
    s.relation([("t", k, "n") for k in values], ("tot", "all", "n"))
    return s, s.run()


def test_single_small_cell_gets_a_partner() -> None:
    _, (primary, hidden) = _toy({"a": 3, "b": 40, "c": 57, "d": 0}, 100)
    assert primary == {("t", "a", "n")}
    assert ("t", "b", "n") in hidden  # the smallest non-zero partner
    assert ("t", "d", "n") not in hidden  # zero is shown


def test_two_ones_are_not_enough() -> None:
    """1 and 1 hidden with their total known: both must be 1 (each is at least 1)."""
    s, (primary, hidden) = _toy({"a": 1, "b": 1, "c": 30, "d": 50}, 82)
    assert primary == {("t", "a", "n"), ("t", "b", "n")}
    assert len(hidden) >= 3
    assert not recoverable(s.values, hidden, s.equations)


def test_relation_that_does_not_hold_is_ignored() -> None:
    s = Suppressor()
    s.count(("t", "a", "n"), 2, True)
    s.count(("t", "b", "n"), 9, True)
    s.count(("tot", "all", "n"), 20, False)
    s.relation([("t", "a", "n"), ("t", "b", "n")], ("tot", "all", "n"))
    assert s.equations == []


def test_chained_sums_are_protected() -> None:
    """LSOAs within wards within the area: hiding one LSOA must not leak through the ward."""
    s = Suppressor()
    wards = {"w1": {"l1": 2, "l2": 30}, "w2": {"l3": 25, "l4": 40}}
    for w, ls in wards.items():
        for k, v in ls.items():
            s.count(("lsoa", k, "n"), v, True)
        s.count(("ward", w, "n"), sum(ls.values()), True)
        s.relation([("lsoa", k, "n") for k in ls], ("ward", w, "n"))
    s.count(("area", "x", "n"), 97, False)
    s.relation([("ward", w, "n") for w in wards], ("area", "x", "n"))
    s.relation([("lsoa", k, "n") for ls in wards.values() for k in ls], ("area", "x", "n"))
    _, hidden = s.run()
    assert ("lsoa", "l1", "n") in hidden
    assert not recoverable(s.values, hidden, s.equations)


# --- the real data --------------------------------------------------------------------------------


def _read(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / f"{name}.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _attack(folder: Path, area_code: str) -> tuple[set, dict]:
    """Every sum a reader can form from the CSVs; returns (hidden cells, solved cells)."""
    equations: list[tuple[list, object]] = []
    ov = {(r["area_code"], r["measure"]): r for r in _read(folder, "overview")}
    cats = _read(folder, "categories")
    for col in ("count", "baseline_count"):
        equations.append(([("categories", r["category"], col) for r in cats if r["is_asb"] == "no"],
                          ("overview", (area_code, "crime"), col)))  # fmt: skip
        equations.append(([("categories", r["category"], col) for r in cats if r["is_asb"] == "yes"],
                          ("overview", (area_code, "asb"), col)))  # fmt: skip
    months = defaultdict(list)
    for r in _read(folder, "monthly"):
        months[r["category"]].append(("monthly", (r["category"], r["month"]), "count"))
    for cat, cells in months.items():
        equations.append((cells, ("categories", cat, "count")))
    outcomes = defaultdict(list)
    for r in _read(folder, "outcomes"):
        outcomes[r["category"]].append(("outcomes", (r["category"], r["outcome"]), "count"))
    for cat, cells in outcomes.items():
        equations.append((cells, ("categories", cat, "count")))
    wards, lsoas = _read(folder, "wards"), _read(folder, "lsoas")
    members = defaultdict(list)
    for r in lsoas:
        members[r["ward_code"]].append(r["code"])
    for col, measure in (("count", "crime"), ("baseline_count", "crime"), ("asb_count", "asb")):
        total_col = "baseline_count" if col == "baseline_count" else "count"
        equations.append(([("wards", r["code"], col) for r in wards],
                          ("overview", (area_code, measure), total_col)))  # fmt: skip
        equations.append(([("lsoas", r["code"], col) for r in lsoas],
                          ("overview", (area_code, measure), total_col)))  # fmt: skip
        for w, codes in members.items():
            equations.append(([("lsoas", c, col) for c in codes], ("wards", w, col)))

    tables = {
        "overview": {(r["area_code"], r["measure"]): r for r in ov.values()},
        "categories": {r["category"]: r for r in cats},
        "monthly": {(r["category"], r["month"]): r for r in _read(folder, "monthly")},
        "outcomes": {(r["category"], r["outcome"]): r for r in _read(folder, "outcomes")},
        "wards": {r["code"]: r for r in wards},
        "lsoas": {r["code"]: r for r in lsoas},
    }

    def value(cell):
        t, key, col = cell
        row = tables[t].get(key)
        if row is None:
            return None
        v = row[col]
        return None if v == SUPPRESSED else int(v)

    cells = {c for parts, total in equations for c in [*parts, total]}
    hidden = {c for c in cells if value(c) is None and tables[c[0]].get(c[1]) is not None}
    known = {c: value(c) for c in cells if c not in hidden and tables[c[0]].get(c[1]) is not None}
    # Keep only sums that hold in what is published (a reader would check).
    usable = []
    for parts, total in equations:
        members_ = [*parts, total]
        if any(tables[c[0]].get(c[1]) is None for c in members_):
            continue
        if not any(c in hidden for c in members_):
            continue
        usable.append((parts, total))
    # (1) repeated subtraction
    solved: dict = {}
    changed = True
    while changed:
        changed = False
        for parts, total in usable:
            unknown = [c for c in [*parts, total] if c in hidden and c not in solved]
            if len(unknown) != 1:
                continue
            val = lambda c: solved.get(c, known.get(c))  # noqa: E731
            u = unknown[0]
            if u == total:
                solved[u] = sum(val(c) for c in parts)
            else:
                solved[u] = val(total) - sum(val(c) for c in parts if c != u)
            changed = True
    # (2) linear programming bounds, each hidden value at least 1 (zeros are never hidden)
    from scipy.optimize import linprog

    hidden_list = sorted(hidden, key=str)
    if usable and hidden_list:
        index = {c: i for i, c in enumerate(hidden_list)}
        a = np.zeros((len(usable), len(hidden_list)))
        b = np.zeros(len(usable))
        for k, (parts, total) in enumerate(usable):
            rhs = 0.0
            for c in parts:
                if c in index:
                    a[k, index[c]] += 1
                else:
                    rhs -= known[c]
            if total in index:
                a[k, index[total]] -= 1
            else:
                rhs += known[total]
            b[k] = rhs
        for c, i in index.items():
            cost = np.zeros(len(hidden_list))
            cost[i] = 1
            lo = linprog(cost, A_eq=a, b_eq=b, bounds=[(1, None)] * len(cost), method="highs")
            hi = linprog(-cost, A_eq=a, b_eq=b, bounds=[(1, None)] * len(cost), method="highs")
            assert lo.status == 0, "the published sums are inconsistent"
            if hi.status == 0 and -hi.fun - lo.fun < 0.5:
                solved.setdefault(c, round(lo.fun))
    return hidden, solved


def _render(json_path: Path, workspace: Path, out: Path) -> Path:
    from saferplaces.reports import render_formats

    written = render_formats(json_path, "csv,xlsx", out, workspace=workspace)
    return next(p for p in written if p.is_dir())


@pytest.mark.slow
@pytest.mark.parametrize("which", ["tamworth_json", "castle_json"])
def test_no_suppressed_count_can_be_recovered(which, request, workspace, tmp_path) -> None:
    json_path = request.getfixturevalue(which)
    from saferplaces.reports.load import load_assessment

    a = load_assessment(json_path)
    folder = _render(json_path, workspace, tmp_path)
    hidden, solved = _attack(folder, a.area.code)
    assert hidden, "expected some suppression in real data"
    assert not solved, f"recovered: {list(solved.items())[:5]}"


@pytest.mark.slow
def test_small_area_rule_and_derived_columns(castle_json, workspace, tmp_path) -> None:
    """Castle ward: every count of 1–4 is hidden, with the rates and tests made from it."""
    from saferplaces.reports.load import load_assessment

    a = load_assessment(castle_json)
    folder = _render(castle_json, workspace, tmp_path)
    cats = {r["category"]: r for r in _read(folder, "categories")}
    for c in a.categories:
        row = cats[c.category]
        if 1 <= c.count <= 4:
            assert row["count"] == SUPPRESSED
        if row["count"] == SUPPRESSED:
            for col in ("rate_per_1000", "share", "percent_change", "p_value", "change"):
                assert row[col] == SUPPRESSED, (c.category, col)
    for r in _read(folder, "monthly"):
        if r["count"] != SUPPRESSED:
            assert not 1 <= int(r["count"]) <= 4  # small area: every category protected
    for r in _read(folder, "lsoas"):
        if r["count"] == SUPPRESSED:
            assert r["rate_per_1000"] == SUPPRESSED and r["p_value"] == SUPPRESSED
    readme = (folder / "README.md").read_text()
    assert "Counts of 1 to 4 are suppressed" in readme and "[c]" in readme
    assert not (folder / "hotspots.csv").exists()
    hot = _read(folder, "hotspot_cells")
    assert hot and set(hot[0]) == {
        "easting",
        "northing",
        "cell_size_m",
        "gi_star",
        "space_time_class",
    }


@pytest.mark.slow
def test_xlsx_matches_csv(rendered) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(rendered["xlsx"], read_only=True)
    assert wb.sheetnames[0] == "Cover"
    rows = list(wb["lsoas"].iter_rows(min_row=5, values_only=True))
    csv_rows = _read(rendered["csv"], "lsoas")
    assert len(rows) == len(csv_rows)
    for x, c in zip(rows, csv_rows, strict=True):
        assert (x[3] == SUPPRESSED) == (c["count"] == SUPPRESSED)


@pytest.mark.slow
def test_opendata_module_agrees_with_the_independent_attack(tamworth, rendered) -> None:
    data = opendata.build(tamworth)
    assert not recoverable(data.values, data.suppressed, data.equations)
    for cell in data.primary:
        assert data.published(cell) == SUPPRESSED
    assert all(isinstance(e, Equation) for e in data.equations)
