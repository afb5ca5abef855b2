"""The strategic assessment on a national-size warehouse, against the first-wave engine.

Goals (issue 9): one CSP, 12 months against the previous 12, at most 1.5 s warm; all CSPs of a
force at most 20 s. The warehouse is loaded once from the national-size set that
``benchmarks/generate.py`` resamples from the real files (43 forces × 36 months, about 20
million rows; ``--quick``: 600,000 rows over 3 months) and cached under ``benchmarks/.cache/``.

The baseline is measured in the same run: the first-wave engine as it was at commit
``b8706d9`` (before the pipeline rewrite), exported once with ``git archive`` into
``benchmarks/.cache/baseline-b8706d9/`` and imported ahead of the editable install through
``PYTHONPATH``. Both engines run the same way: each in its own child process (measured by
:func:`benchmarks.run.measure`), on the same warehouse file, the same area and period, one
read-only connection; a first (cold) run, then warm runs (the second and later runs in that
process), then the whole force, one CSP after another. The children alternate (ours, first
wave, ours, first wave) so load from other work on the machine falls on both. ``ratio`` =
first-wave median / our median (> 1 means ours is faster). Every run's CPU time (user +
system, all threads of the process) is recorded beside its wall time, as the steadier figure
on a shared machine. The bare DuckDB count of the CSP's records is kept as the floor: the part
of the time that is just reading the national table.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
BASELINE_COMMIT = "b8706d9"
BASELINE_SRC = CACHE / f"baseline-{BASELINE_COMMIT}" / "src"
AREA, AREA_CODE = "Tamworth", "E22000271"
FORCE, FORCE_CODE = "Staffordshire", "E23000015"
GOAL_ONE, GOAL_FORCE = 1.5, 20.0


def warehouse(quick: bool) -> tuple[Path, int, tuple[str, str]]:
    from benchmarks.bench_load import geo_template
    from benchmarks.generate import files as generated_files
    from benchmarks.generate import generate, rows_in

    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    folder = generate(600_000, 3) if quick else generate(20_000_000, 36)
    period = ("2025-12", "2025-12") if quick else ("2025-01", "2025-12")
    db = CACHE / f"assess-{folder.name}.duckdb"
    done = db.with_suffix(".complete")
    if not done.exists():
        shutil.copy(geo_template(), db)
        con = connect(db)
        report = load_police(con, [str(f) for f in generated_files(folder)])
        con.execute("CHECKPOINT")
        con.close()
        if report.failed:
            raise SystemExit(f"loading the national set failed: {report.failed[0].error}")
        done.write_text("ok")
    return db, rows_in(folder), period


def baseline_source() -> Path:
    """The first-wave engine's ``src`` folder, exported from git once."""
    if not (BASELINE_SRC / "saferplaces" / "__init__.py").exists():
        target = BASELINE_SRC.parent
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", BASELINE_COMMIT, "src"], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return BASELINE_SRC


def _timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, all threads) for one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def child(db: str, start: str, end: str, baseline: str, warm_runs: int, force_runs: int) -> dict:
    """One engine's runs in this process: whichever ``saferplaces`` is first on the path."""
    import duckdb

    import saferplaces
    from saferplaces.assessment import assess

    con = duckdb.connect(db, read_only=True)
    try:
        one = lambda: assess(AREA, start, end, baseline, con=con)  # noqa: E731
        cold = _timed(one)
        warm = [_timed(one) for _ in range(warm_runs)]
        csps = [r[0] for r in con.execute(
            "SELECT DISTINCT csp_code FROM ref_lsoa21 WHERE pfa_code = ? ORDER BY 1",
            [FORCE_CODE],
        ).fetchall()]  # fmt: skip
        force = [
            _timed(lambda: [assess(c, start, end, baseline, con=con) for c in csps])
            for _ in range(force_runs)
        ]
    finally:
        con.close()
    return {"engine": saferplaces.__file__, "cold": cold, "warm": warm, "force": force,
            "csps": len(csps)}  # fmt: skip


def _side(db: Path, period: tuple[str, str], baseline: str, warm: int, force: int,
          pythonpath: Path | None) -> dict:  # fmt: skip
    from benchmarks.run import measure

    env = {"PYTHONPATH": str(pythonpath)} if pythonpath else {}
    if pythonpath is None:
        env["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")
    argv = [sys.executable, "-m", "benchmarks.bench_assess", "--child", str(db), *period,
            baseline, str(warm), str(force)]  # fmt: skip
    result = measure(argv, env=env)
    if result["returncode"] != 0:
        side = f"first-wave engine ({pythonpath})" if pythonpath else "our engine"
        raise SystemExit(f"{side} failed with exit code {result['returncode']}")
    out = json.loads(result["stdout"].strip().splitlines()[-1])
    expected = (pythonpath / "saferplaces") if pythonpath else (ROOT / "src" / "saferplaces")
    if Path(out["engine"]).parent.resolve() != expected.resolve():
        raise SystemExit(f"expected the engine from {expected}, imported {out['engine']}")
    out["peak_rss_mb"] = result["peak_rss_mb"]
    out["process_cpu"] = result["cpu_seconds"]
    return out


def _median(runs: list[list[float]], i: int) -> float:
    return statistics.median(r[i] for r in runs)


def run(quick: bool = False) -> list[dict]:
    import duckdb

    db, rows, period = warehouse(quick)
    start, end = period
    old_src = baseline_source()
    baseline = "previous-period" if quick else "previous-year"
    warm_runs, force_runs, rounds = (3, 1, 1) if quick else (3, 2, 2)
    sides: dict[str, list[dict]] = {"ours": [], "first": []}
    for _ in range(rounds):  # alternate, so a busy spell on the machine hits both
        sides["ours"].append(_side(db, period, baseline, warm_runs, force_runs, None))
        sides["first"].append(_side(db, period, baseline, warm_runs, force_runs, old_src))
    con = duckdb.connect(str(db), read_only=True)
    try:
        floor = statistics.median(
            _timed(lambda: con.execute(
                "SELECT count(*) FROM police_street s JOIN area_lsoas a USING (lsoa21_code) "
                "WHERE a.level = 'csp' AND a.code = ?", [AREA_CODE]
            ).fetchall())[0]
            for _ in range(5)
        )  # fmt: skip
    finally:
        con.close()

    def pooled(side: str, key: str) -> list[list[float]]:
        return [r for child_out in sides[side] for r in child_out[key]]

    def colds(side: str) -> list[list[float]]:
        return [c["cold"] for c in sides[side]]

    csps = sides["ours"][0]["csps"]
    warm_ours, warm_first = pooled("ours", "warm"), pooled("first", "warm")
    force_ours, force_first = pooled("ours", "force"), pooled("first", "force")
    one, one_first = _median(warm_ours, 0), _median(warm_first, 0)
    one_cpu, one_first_cpu = _median(warm_ours, 1), _median(warm_first, 1)
    all_, all_first = _median(force_ours, 0), _median(force_first, 0)
    all_cpu, all_first_cpu = _median(force_ours, 1), _median(force_first, 1)
    peak = max(c["peak_rss_mb"] for c in sides["ours"])
    peak_first = max(c["peak_rss_mb"] for c in sides["first"])
    caveat = (
        f"The first-wave engine (git {BASELINE_COMMIT}) computes less: no national peers over "
        "every CSP, no false-discovery-controlled emerging issues, no counties, no partner "
        "data, no like-for-like month matching (it compared the whole period with the whole "
        "baseline, months matched or not); so the ratio is the cost of the new sections net of "
        "the rewrite's speed work, not like for like."
    )
    pair = lambda runs: ", ".join(f"{w:.2f}/{c:.2f}" for w, c in runs)  # noqa: E731
    return [
        {
            "name": f"Assess one CSP ({AREA}), {start} to {end} vs {baseline}, "
            f"{rows:,}-row warehouse",
            "baseline": f"first-wave engine (git {BASELINE_COMMIT}) {one_first:.2f} s warm "
            f"(cold {_median(colds('first'), 0):.2f} s); bare DuckDB count of the CSP's "
            f"records {floor:.2f} s",
            "ours": f"{one:.2f} s warm (cold {_median(colds('ours'), 0):.2f} s)",
            "ours_seconds": round(one, 3),
            "baseline_seconds": round(one_first, 3),
            "ratio": round(one_first / one, 2),
            "goal": f"≤ {GOAL_ONE:g} s warm",
            "met": one <= GOAL_ONE,
            "peak_rss_mb": round(peak, 1),
            "baseline_peak_rss_mb": round(peak_first, 1),
            "notes": (
                f"median of {len(warm_ours)} warm runs per engine from {rounds} alternating "
                f"child processes each; median CPU time (user + system) ours {one_cpu:.2f} s, "
                f"first wave {one_first_cpu:.2f} s (CPU ratio "
                f"{one_first_cpu / one_cpu:.2f}); warm runs wall/CPU s, ours: "
                f"{pair(warm_ours)}; first wave: {pair(warm_first)}; cold runs, ours: "
                f"{pair(colds('ours'))}; first wave: {pair(colds('first'))}. Ours keeps the "
                "force area's records on the connection once read, so its warm runs and a "
                "force's other CSPs do not read the national table again; its cold run does. "
                f"{caveat}"
            ),
        },
        {
            "name": f"Assess all {csps} CSPs of {FORCE}, {start} to {end} vs {baseline}, "
            f"{rows:,}-row warehouse",
            "baseline": f"first-wave engine (git {BASELINE_COMMIT}) {all_first:.1f} s",
            "ours": f"{all_:.1f} s",
            "ours_seconds": round(all_, 2),
            "baseline_seconds": round(all_first, 2),
            "ratio": round(all_first / all_, 2),
            "goal": f"≤ {GOAL_FORCE:g} s",
            "met": all_ <= GOAL_FORCE,
            "peak_rss_mb": round(peak, 1),
            "baseline_peak_rss_mb": round(peak_first, 1),
            "notes": (
                f"one CSP after another on one read-only connection, after the single-CSP "
                f"runs in the same process; median of {len(force_ours)} runs per engine; "
                f"median CPU time ours {all_cpu:.1f} s, first wave {all_first_cpu:.1f} s (CPU "
                f"ratio {all_first_cpu / all_cpu:.2f}); runs wall/CPU s, ours: "
                f"{pair(force_ours)}; first wave: {pair(force_first)}. Peak memory of the "
                f"child processes: ours {peak:,.0f} MB, first wave {peak_first:,.0f} MB."
            ),
        },
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        db, start, end, baseline, warm, force = sys.argv[2:8]
        print(json.dumps(child(db, start, end, baseline, int(warm), int(force))))
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row)
