"""Run the benchmarks and rewrite BENCHMARKS.md.

    python -m benchmarks.run [--quick] [NAME ...]        (``make bench`` runs all, in full)
    python -m benchmarks.run --report                    (only rewrite BENCHMARKS.md)

NAME picks benchmark modules by name (``load`` or ``bench_load``); without names every
``benchmarks/bench_*.py`` runs. ``--quick`` asks each for a small, fast version (for CI and
smoke tests); quick results are marked as such in the report.

The contract for a benchmark module ``benchmarks/bench_<name>.py``:

* it defines ``run(quick: bool) -> list[dict]``, one dict per line of the report table;
* each dict has ``name`` (what was measured) and ``ratio`` (how many times better than the
  baseline: throughput ratio or time ratio, > 1 means ours is faster), and may have
  ``baseline`` (text: what we compare with, and its time), ``ours`` (a number or text),
  ``baseline_seconds`` / ``ours_seconds`` (medians), ``unit``, ``goal`` (text), ``met``
  (bool: goal met), ``peak_rss_mb`` (ours), ``baseline_peak_rss_mb``, ``rows``, ``notes``;
* it reads real data from ``SAFERPLACES_SHARED_DATA`` and caches anything it generates under
  ``benchmarks/.cache/`` (gitignored).

Each module runs in its own Python process, so one benchmark's memory does not inflate the
next. A module that needs the peak memory of one step runs that step with :func:`measure`,
which reports the wall time and peak resident memory of a child process.

Results are kept per module in ``benchmarks/results.json``, so running one module updates its
rows and keeps the others; BENCHMARKS.md is rewritten from that file each time.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results.json"
REPORT = ROOT / "BENCHMARKS.md"


def measure(argv: list[str], env: dict | None = None, timeout: float | None = None) -> dict:
    """Run a command; its wall time, CPU time (user + system, all threads), peak resident
    memory (MB), exit code and stdout."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, env={**os.environ, **(env or {})}, cwd=ROOT)
        deadline = None if timeout is None else started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline and time.perf_counter() > deadline:
                proc.kill()
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        return {
            "seconds": seconds,
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": usage.ru_maxrss / 1024,  # ru_maxrss is in KiB on Linux
            "returncode": proc.returncode,
            "stdout": out.read(),
        }


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024**2:.0f} GiB"
    except OSError:
        pass
    versions = {}
    for mod in ("duckdb", "numpy", "pyarrow", "shapely"):
        with contextlib.suppress(ImportError):
            versions[mod] = importlib.import_module(mod).__version__
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        **versions,
    }


def modules(names: list[str]) -> list[str]:
    found = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if not names:
        return found
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in names]
    unknown = [w for w in wanted if w not in found]
    if unknown:
        raise SystemExit(f"No benchmark {', '.join(unknown)}; there are: {', '.join(found)}")
    return wanted


def _child(module: str, quick: bool, out: Path) -> None:
    rows = importlib.import_module(f"benchmarks.{module}").run(quick=quick)
    out.write_text(json.dumps(rows, default=str))


def run_module(module: str, quick: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rows.json"
        argv = [sys.executable, "-m", "benchmarks.run", "--child", module, str(out)]
        result = measure(argv + (["--quick"] if quick else []))
        if result["returncode"] != 0 or not out.exists():
            return {"module": module, "error": f"exit code {result['returncode']}",
                    "rows": [], "quick": quick}  # fmt: skip
        rows = json.loads(out.read_text())
    return {
        "module": module,
        "rows": rows,
        "quick": quick,
        "seconds": round(result["seconds"], 1),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _fmt(value, digits: int = 2) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_report(results: dict, info: dict) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m benchmarks.run`); do not edit by hand. "
        "Ratio > 1 means ours is faster than the baseline (for throughput benchmarks: "
        "our rows per second over the baseline's). The development machine is shared, so wall "
        "times vary between runs; where a benchmark reports CPU time (user + system, all "
        "threads) it is in the notes, as a steadier measure.",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory']} memory; {info['os']}; "
        f"Python {info['python']}"
        + "".join(
            f", {k} {v}"
            for k, v in info.items()
            if k not in ("cpu", "cores", "memory", "os", "python")
        )
        + ".",
        "",
        "| Benchmark | Baseline | Ours | Ratio | Goal | Met | Peak memory (ours) | Run |",
        "|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for module in sorted(results):
        entry = results[module]
        if entry.get("error"):
            lines.append(
                f"| {module} | | | | | failed: {entry['error']} | | {entry.get('date', '')} |"
            )
            continue
        for row in entry["rows"]:
            ours = row.get("ours")
            if isinstance(ours, (int, float)) and row.get("unit"):
                ours = f"{_fmt(ours, 3)} {row['unit']}"
            met = row.get("met")
            lines.append(
                "| "
                + " | ".join(
                    [
                        row["name"],
                        _fmt(row.get("baseline")),
                        _fmt(ours),
                        _fmt(row.get("ratio")),
                        _fmt(row.get("goal")),
                        "" if met is None else ("yes" if met else "**no**"),
                        f"{row['peak_rss_mb']:,.0f} MB" if row.get("peak_rss_mb") else "",
                        f"{entry['date']}{' (quick)' if entry.get('quick') else ''}",
                    ]
                )
                + " |"
            )
            if row.get("notes"):
                notes.append(f"- **{row['name']}**: {row['notes']}")
    if notes:
        lines += ["", "## Notes", "", *notes]
    lines += [
        "",
        "## Running",
        "",
        "`make bench` runs every benchmark in full; `python -m benchmarks.run --quick load` runs "
        "a small version of one. Each benchmark module documents what it measures and how.",
        "",
    ]
    REPORT.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run benchmarks; rewrite BENCHMARKS.md.")
    parser.add_argument("names", nargs="*")
    parser.add_argument("--quick", action="store_true", help="small, fast versions")
    parser.add_argument("--report", action="store_true", help="only rewrite BENCHMARKS.md")
    parser.add_argument("--child", nargs=2, metavar=("MODULE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], args.quick, Path(args.child[1]))
        return
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if args.report:
        write_report(results, machine())
        return
    for module in modules(args.names):
        print(f"running {module}{' (quick)' if args.quick else ''} …", flush=True)
        entry = run_module(module, args.quick)
        results[module] = entry
        for row in entry["rows"]:
            print(f"  {row['name']}: ratio {row.get('ratio')}  {row.get('notes', '')}", flush=True)
        if entry.get("error"):
            print(f"  failed: {entry['error']}", flush=True)
        RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
        write_report(results, machine())
    print(f"wrote {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
