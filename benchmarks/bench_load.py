"""Loading data.police.uk street files: ours against DuckDB's own bare ``read_csv``.

Baseline: ``CREATE TABLE t AS SELECT * FROM read_csv([files])`` into a new DuckDB file, with
type detection on and no checks at all. Ours: ``load_police`` into a warehouse that holds the
reference geography (copied from a template outside the timing), with every check and
normalisation on: header and unit checks, SHA-256, row checks with quarantine, category
vocabulary, LSOA 2011 → 2021 harmonisation (with point-in-polygon placement of split codes),
British National Grid projection, load records, one transaction per batch. Both sides end with
a CHECKPOINT, so both have written their data to the database file.

Two sets:

* **real**: every real street file in shared/data (the four force folders and the 40-force
  December 2025 set, without the three files both hold), ``.csv.gz`` as shipped; both sides run
  in this process, alternately, and the medians are reported.
* **national**: ``benchmarks.generate`` resamples the real files to 43 forces × 36 months
  (~20 million rows, plain CSV in the archive layout). Each side runs once, in its own process,
  to measure its peak resident memory. Goals: ratio ≥ 0.5, under 3 minutes, under 4 GB.

``--quick`` uses the December 2025 set only and a 600,000-row generated set.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
SHARED = Path(os.environ.get("SAFERPLACES_SHARED_DATA", HERE.parents[1] / "shared" / "data"))


# Measured once, 2026-11-22, on this machine: the first loader (commit e37b5e5, one file per
# transaction) against this one, same files, same warehouse template.
HISTORY = (
    "Before/after: the first loader (one file per transaction, per-file lookup rebuilds, zip "
    "re-opened per member) took 23.4–27.5 s for the real set (123 files, 709k rows) and 29.7 s "
    "for three generated months (1.67M rows); this one 4.6–8.8 s and 7.8 s. Its national-size "
    "load peaked at 5.8 GB until the buffer pool was capped during loads; its per-batch "
    "checkpoints were replaced by one at the end."
)


def _cpu() -> float:
    # This process and its threads (DuckDB's workers): user + system seconds.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def real_files(quick: bool) -> list[Path]:
    police = SHARED / "police_uk"
    national = sorted((police / "national-2025-12").glob("*-street.csv.gz"))
    if quick:
        return national
    forces = ["staffordshire", "surrey", "west-mercia", "city-of-london"]
    own = sorted(f for force in forces for f in (police / force).glob("*-street.csv.gz"))
    names = {f.name for f in own}
    return own + [f for f in national if f.name not in names]


def geo_template() -> Path:
    from saferplaces.warehouse.geography import load_geography
    from saferplaces.warehouse.store import connect

    CACHE.mkdir(exist_ok=True)
    path = CACHE / "geo-template.duckdb"
    if path.exists():
        path.unlink()
    con = connect(path)
    load_geography(con)
    con.execute("CHECKPOINT")
    con.close()
    return path


def baseline(files: list[Path], db: Path) -> tuple[float, int]:
    import duckdb

    if db.exists():
        db.unlink()
    con = duckdb.connect(str(db))
    con.execute("SET enable_progress_bar = false")
    started = time.perf_counter()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [[str(f) for f in files]])
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - started
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
    return seconds, rows


def ours(files: list[Path], db: Path, template: Path) -> tuple[float, int]:
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    shutil.copy(template, db)
    con = connect(db)
    started = time.perf_counter()
    report = load_police(con, [str(f) for f in files])
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - started
    if report.failed:
        raise SystemExit(f"{len(report.failed)} files failed: {report.failed[0].error}")
    rows = report.totals()["rows_accepted"] + report.totals()["rows_rejected"]
    con.close()
    return seconds, rows


def _real(quick: bool, template: Path) -> dict:
    files = real_files(quick)
    repeat = 1 if quick else 3
    t_base, t_ours, c_base, c_ours = [], [], [], []
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        for _ in range(repeat):
            c = _cpu()
            s, rows = baseline(files, Path(tmp) / "bare.duckdb")
            c_base.append(_cpu() - c)
            t_base.append(s)
            c = _cpu()
            s, our_rows = ours(files, Path(tmp) / "ours.duckdb", template)
            c_ours.append(_cpu() - c)
            t_ours.append(s)
    b, o = statistics.median(t_base), statistics.median(t_ours)
    cb, co = statistics.median(c_base), statistics.median(c_ours)
    assert rows == our_rows, (rows, our_rows)
    ratio = b / o
    return {
        "name": f"Load real street files ({len(files)} .csv.gz, {rows:,} rows)",
        "baseline": f"DuckDB read_csv {b:.2f} s ({rows / b:,.0f} rows/s)",
        "ours": f"{o:.2f} s ({rows / o:,.0f} rows/s)",
        "baseline_seconds": round(b, 3),
        "ours_seconds": round(o, 3),
        "ratio": round(ratio, 2),
        "rows": rows,
        "goal": "≥ 0.5× DuckDB's throughput",
        "met": ratio >= 0.5,
        "cpu_seconds": {"baseline": round(cb, 2), "ours": round(co, 2)},
        "notes": f"medians of {repeat} alternating runs; wall times: bare "
        + ", ".join(f"{t:.2f}" for t in t_base)
        + "; ours "
        + ", ".join(f"{t:.2f}" for t in t_ours)
        + f"; median CPU time bare {cb:.2f} s, ours {co:.2f} s (CPU ratio {cb / co:.2f})",
    }


def _national(quick: bool, template: Path) -> dict:
    from benchmarks.generate import files as generated_files
    from benchmarks.generate import generate, rows_in
    from benchmarks.run import measure

    folder = generate(600_000, 3) if quick else generate(20_000_000, 36)
    n_files = len(generated_files(folder))
    rows = rows_in(folder)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        side = {}
        for which in ("baseline", "ours"):
            argv = [sys.executable, "-m", "benchmarks.bench_load", which, str(folder),
                    str(Path(tmp) / f"{which}.duckdb"), str(template)]  # fmt: skip
            result = measure(argv)
            if result["returncode"] != 0:
                raise SystemExit(f"{which} failed with exit code {result['returncode']}")
            side[which] = {**json.loads(result["stdout"].strip().splitlines()[-1]),
                           "peak_rss_mb": result["peak_rss_mb"],
                           "cpu_seconds": result["cpu_seconds"]}  # fmt: skip
    b, o = side["baseline"]["seconds"], side["ours"]["seconds"]
    cb, co = side["baseline"]["cpu_seconds"], side["ours"]["cpu_seconds"]
    ratio = b / o
    memory = side["ours"]["peak_rss_mb"]
    met = ratio >= 0.5 and (quick or (o < 180 and memory < 4096))
    return {
        "name": f"Load national-size set ({n_files:,} files, {rows:,} rows, generated)",
        "baseline": f"DuckDB read_csv {b:.1f} s ({rows / b:,.0f} rows/s), "
        f"{side['baseline']['peak_rss_mb']:,.0f} MB",
        "ours": f"{o:.1f} s ({rows / o:,.0f} rows/s)",
        "baseline_seconds": round(b, 2),
        "ours_seconds": round(o, 2),
        "ratio": round(ratio, 2),
        "rows": rows,
        "peak_rss_mb": round(memory),
        "baseline_peak_rss_mb": round(side["baseline"]["peak_rss_mb"]),
        "goal": "≥ 0.5×; < 180 s; < 4 GB" if not quick else "≥ 0.5×",
        "met": met,
        "cpu_seconds": {"baseline": round(cb, 1), "ours": round(co, 1)},
        "notes": f"one run each, in separate processes; CPU time (user + system) bare {cb:.0f} s, "
        f"ours {co:.0f} s (CPU ratio {cb / co:.2f}); set built by benchmarks/generate.py in "
        f"{folder.name}. {HISTORY}",
    }


def run(quick: bool = False) -> list[dict]:
    template = geo_template()
    return [_real(quick, template), _national(quick, template)]


def _side(which: str, folder: str, db: str, template: str) -> None:
    from benchmarks.generate import files as generated_files

    files = generated_files(Path(folder))
    if which == "baseline":
        seconds, rows = baseline(files, Path(db))
    else:
        seconds, rows = ours(files, Path(db), Path(template))
    print(json.dumps({"seconds": seconds, "rows": rows}))


if __name__ == "__main__":
    if len(sys.argv) == 5:
        _side(*sys.argv[1:])
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row)
