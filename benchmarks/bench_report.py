"""Rendering the strategic assessment into documents.

Goals (issue 4): the full assessment of one CSP to PDF under 20 s; to HTML under 5 s. The
assessment is the real one: Tamworth, January to December 2025, from the Staffordshire files in
``SAFERPLACES_SHARED_DATA`` (the warehouse cached under ``benchmarks/.cache/``; the assessment
made afresh each run, so the documents show the current model).

Each format is timed the way a user meets it: ``saferplaces report`` in a fresh process
(imports, the Vega runtime's start-up, boundaries, charts, maps, layout, the atomic write).
The in-process median (Python and Vega already warm, as in the web app or a batch of areas) is
given in the notes. There is no other tool that produces these documents, so the reference is
the goal itself: ``ratio`` = goal seconds / our median (> 1 means inside the goal).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
GOALS = {"pdf": 20.0, "html": 5.0}


def _shared() -> Path:
    return Path(os.environ.get("SAFERPLACES_SHARED_DATA", ROOT.parent / "shared" / "data"))


def assessment() -> tuple[Path, Path]:
    """(workspace, assessment.json) for Tamworth 2025: the warehouse loaded once, the
    assessment made each run."""
    from saferplaces.assessment import assess
    from saferplaces.config import Workspace
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    home = CACHE / "report-workspace"
    out = CACHE / "report-tamworth" / "assessment.json"
    done = home / ".complete"
    if not done.exists():
        src = _shared() / "police_uk" / "staffordshire"
        if not src.is_dir():
            raise SystemExit(f"real Staffordshire data not found at {src}")
        shutil.rmtree(home, ignore_errors=True)
        con = connect(Workspace.resolve(home).warehouse_path)
        try:
            report = load_police(con, [src])
            con.execute("CHECKPOINT")
        finally:
            con.close()
        if report.failed:
            raise SystemExit(f"loading Staffordshire failed: {report.failed[0].error}")
        done.write_text("ok")
    # Assessed afresh each run (a few seconds, not timed): the documents render the current
    # engine's model, never a file an older engine wrote.
    a = assess("Tamworth", "2025-01", "2025-12", workspace=home, allow_gaps=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(a.to_json(), encoding="utf-8")
    return home, out


def _fresh(fmt: str, home: Path, json_path: Path, out: Path) -> dict:
    from benchmarks.run import measure

    exe = Path(sys.executable).with_name("saferplaces")
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "saferplaces.cli"]
    result = measure([*argv, "-w", str(home), "report", str(json_path), "--format", fmt,
                      "--out", str(out)])  # fmt: skip
    if result["returncode"] != 0:
        raise SystemExit(f"saferplaces report --format {fmt} failed")
    return result


def _warm(fmt: str, home: Path, json_path: Path, out: Path, n: int) -> list[float]:
    from saferplaces.reports import render_formats

    render_formats(json_path, fmt, out, workspace=home)  # start Vega and import everything
    times = []
    for _ in range(n):
        started = time.perf_counter()
        render_formats(json_path, fmt, out, workspace=home)
        times.append(time.perf_counter() - started)
    return times


def run(quick: bool = False) -> list[dict]:
    home, json_path = assessment()
    repeats = 1 if quick else 3
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for fmt in ("pdf", "html"):
            fresh = [_fresh(fmt, home, json_path, out) for _ in range(repeats)]
            seconds = statistics.median(r["seconds"] for r in fresh)
            warm = _warm(fmt, home, json_path, out, repeats)
            goal = GOALS[fmt]
            rows.append({
                "name": f"Tamworth 2025 strategic assessment to {fmt.upper()} "
                        "(`saferplaces report`, fresh process)",
                "baseline": f"goal {goal:g} s",
                "ours": f"{seconds:.2f} s",
                "ours_seconds": round(seconds, 3),
                "baseline_seconds": goal,
                "ratio": round(goal / seconds, 2),
                "goal": f"< {goal:g} s",
                "met": seconds < goal,
                "peak_rss_mb": round(max(r["peak_rss_mb"] for r in fresh), 1),
                "notes": "fresh-process runs: " + ", ".join(f"{r['seconds']:.2f}" for r in fresh)
                + " s (median CPU time, user + system, "
                + f"{statistics.median(r['cpu_seconds'] for r in fresh):.2f} s); warm in-process "
                + f"median {statistics.median(warm):.2f} s",
            })  # fmt: skip
        every = [_fresh("all", home, json_path, out) for _ in range(repeats)]
        rows.append({
            "name": "Tamworth 2025: every format (HTML, PDF, Word, CSV, XLSX, committee report)",
            "baseline": "",
            "ours": f"{statistics.median(r['seconds'] for r in every):.2f} s",
            "ours_seconds": round(statistics.median(r["seconds"] for r in every), 3),
            "peak_rss_mb": round(max(r["peak_rss_mb"] for r in every), 1),
            "notes": "fresh-process median; CPU time (user + system) "
                     f"{statistics.median(r['cpu_seconds'] for r in every):.2f} s; for "
                     "information, no goal",
        })  # fmt: skip
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
