"""Background jobs: throughput of a representative job per worker process, and how it scales
from 1 to 2 to 4 processes, on SQLite and on PostgreSQL.

The job is the board performance pack (PDF and Word) of the demo's Tamworth partnership, run by
real `saferplaces worker --processes N` processes (django-q2, ORM broker). Each size first
runs one warm-up job per process (WeasyPrint's first PDF in a process is several times
slower), then times a batch from queueing to the last job recorded complete.

    python -m benchmarks.run jobs            (about 4 minutes; --quick about 1.5)
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "jobs"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
SLUG = "tamworth"


def _child(n_jobs: int, sizes: list[int]) -> dict:
    """In a process whose environment names the workspace and database: load the demo, then
    time batches of pack jobs for each number of worker processes."""
    from saferplaces.web import commands

    if not os.environ.get("BENCH_JOBS_DEMO_LOADED"):
        commands.load_demo(quiet=True)
    else:
        commands.setup()
        commands.migrate()
    from saferplaces.web.jobs.models import Job
    from saferplaces.web.jobs.services import enqueue
    from saferplaces.web.partnerships.models import Partnership

    p = Partnership.objects.get(slug=SLUG)
    params = {"partnership_id": p.pk, "formats": ["pdf", "docx"]}
    cli = str(Path(sys.executable).parent / "saferplaces")

    def batch(n: int, timeout: float) -> tuple[float, list[float]]:
        t0 = time.perf_counter()
        ids = [enqueue("pack", params=params, partnership=p).pk for _ in range(n)]
        deadline = time.monotonic() + timeout
        while Job.objects.filter(pk__in=ids, finished_at__isnull=True).exists():
            if time.monotonic() > deadline:
                raise RuntimeError("jobs did not finish in time")
            time.sleep(0.05)
        seconds = time.perf_counter() - t0
        jobs = Job.objects.filter(pk__in=ids)
        bad = [j.error for j in jobs if j.status != "succeeded"]
        if bad:
            raise RuntimeError(f"jobs failed: {bad[:2]}")
        return seconds, [(j.finished_at - j.started_at).total_seconds() for j in jobs]

    out = {}
    for procs in sizes:
        worker = subprocess.Popen(
            [cli, "worker", "--processes", str(procs)], env=os.environ,
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            batch(procs, 180)  # warm-up: one job per process
            load = os.getloadavg()[0]
            seconds, each = batch(n_jobs, 600)
        finally:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        out[procs] = {
            "seconds": seconds,
            "jobs_per_minute": 60 * n_jobs / seconds,
            "median_job_seconds": statistics.median(each),
            "load": (load + os.getloadavg()[0]) / 2,
        }
    return out


def _pg_admin():
    try:
        import psycopg

        return psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=3, **PG)
    except Exception:
        return None


def _backend(name: str, n_jobs: int, sizes: list[int]) -> dict | None:
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp:
        env = {
            **os.environ,
            "SAFERPLACES_HOME": tmp,
            "SAFERPLACES_WAREHOUSE": str(Path(tmp) / "no-warehouse.duckdb"),
            "SECRET_KEY": "bench-jobs-only",
            "SAFERPLACES_JOBS_INLINE": "0",
            "SAFERPLACES_LOG_LEVEL": "WARNING",
        }
        env.pop("DATABASE_URL", None)
        admin = db = None
        if name == "postgresql":
            admin = _pg_admin()
            if admin is None:
                return None
            db = f"bench_jobs_{uuid.uuid4().hex[:10]}"
            admin.execute(f'CREATE DATABASE "{db}"')
            env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db}"
        else:
            cached = CACHE / "workspace.sqlite3"
            if cached.exists():  # the demo takes most of a minute to load
                shutil.copy(cached, Path(tmp) / "workspace.sqlite3")
                env["BENCH_JOBS_DEMO_LOADED"] = "1"
        try:
            code = (
                f"import json, sys; sys.path.insert(0, {str(HERE)!r}); "
                f"from bench_jobs import _child; print('RESULT', json.dumps(_child({n_jobs}, {sizes!r})))"
            )
            proc = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True,
                timeout=900, check=False,
            )  # fmt: skip
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr[-2000:])
            if name == "sqlite" and "BENCH_JOBS_DEMO_LOADED" not in env:
                CACHE.mkdir(parents=True, exist_ok=True)
                import sqlite3

                src = sqlite3.connect(Path(tmp) / "workspace.sqlite3")
                dst = sqlite3.connect(CACHE / "workspace.sqlite3")
                src.backup(dst)
                dst.close()
                src.close()
            line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
            return {int(k): v for k, v in json.loads(line[7:]).items()}
        finally:
            if admin is not None:
                admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
                admin.close()


def run(quick: bool = False) -> list[dict]:
    n_jobs, sizes = (4, [1, 2]) if quick else (8, [1, 2, 4])
    cores = os.cpu_count() or 1
    rows = []
    for backend in ("sqlite", "postgresql"):
        res = _backend(backend, n_jobs, sizes)
        if res is None:
            rows.append({"name": f"Board pack jobs on {backend}", "ratio": None,
                         "notes": "skipped: no PostgreSQL on 127.0.0.1:5432"})  # fmt: skip
            continue
        one = res[sizes[0]]
        for procs in sizes:
            r = res[procs]
            rows.append({
                "name": f"Board pack jobs (Tamworth demo, PDF + Word), {backend}, "
                        f"{procs} worker process{'es' if procs > 1 else ''}",
                "baseline": f"1 process: {one['jobs_per_minute']:.1f} jobs/min",
                "ours": f"{r['jobs_per_minute']:.1f} jobs/min",
                "ours_seconds": round(r["seconds"], 2),
                "unit": "jobs/min",
                "ratio": round(r["jobs_per_minute"] / one["jobs_per_minute"], 2),
                "notes": f"{n_jobs} jobs queued at once, {r['seconds']:.1f} s from queueing to "
                         f"the last recorded complete; median job {r['median_job_seconds']:.2f} s; "
                         f"after one warm-up job per process; this machine has {cores} cores, "
                         f"load average about {r['load']:.1f} (shared with other work)",
            })  # fmt: skip
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
