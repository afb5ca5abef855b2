"""Partnership workspace at national scale: dashboard and work plan, 20 users, both backends.

A workspace of 300 partnerships, 30,000 actions and 12,000 indicators × 36 months (432,000
values), derived from real data:

- the partnerships are the first 300 Community Safety Partnerships (by code) of the ONS
  LAD–CSP–PFA lookup shipped in ``src/saferplaces/data/lad_csp_pfa.parquet``, each with its
  CSP code as its area; population from ``lsoa21.parquet`` (ONS mid-year, summed by CSP);
- every partnership has the demo's Tamworth plan (``web/demo.py``: its seven priorities and
  definitions) and its twelve illustrative actions, repeated with their priority, owner role,
  status, RAG, due date and last update as the demo has them, to 100 actions;
- 40 indicators each: police-recorded counts of the 14 data.police.uk categories and all
  crime, the same 15 as rates per 1,000 residents (source: warehouse), and 10 entered by hand;
  the demo's category → priority links (ASB, violence, vehicle crime, drugs), others "beyond
  the priorities";
- the monthly values are real data.police.uk street counts (``$SAFERPLACES_SHARED_DATA/
  police_uk``: Staffordshire, West Mercia and Surrey, 2024-01..04 and 2025-01..12), counted by
  CSP and category through the ONS LSOA 2021 lookup. Those 25 real CSP × 15 series of 16 months
  are cycled across the 300 partnerships and each repeated to fill 36 months; rates divide by
  the partnership's own population; each value carries reference points shaped as the
  warehouse sync writes them (the force area's real rate that month, similar areas and England
  and Wales with the warehouse's own reasons for having none);
- 20 people, each the manager of 15 partnerships; one "update" audit event per action (its RAG
  set since the last meeting), so the "since the last meeting" digest has real work.

The workspace is built once with ``bulk_create`` in one transaction and cached under
``benchmarks/.cache/scale/`` (the SQLite file; for PostgreSQL a template database named
``bench_scale_<version>`` that each run copies with ``CREATE DATABASE … TEMPLATE``).

It then serves it as ``saferplaces serve`` does (waitress, one process per core, 8 threads
each) and drives it with bench_web's three load shapes (people pausing, all first clicks at
once, no pause) for each variant, one after another on the same workspace in the same run:
the cache switched off (``SAFERPLACES_INDICATOR_CACHE=0``) and on, and, with
``SAFERPLACES_BENCH_BASELINE_SRC=DIR``, the code before the change served from another copy
(``git archive HEAD src | tar -x -C /tmp/x``, then ``DIR=/tmp/x/src``), which is then the
baseline the ratio is taken against. Each server first has every person open each of their
partnerships' pages once (as a working day starts; its CPU per request is reported as the
cold-cache figure), then the shapes are measured. Besides the latencies it reports the CPU
time (user + system) the server's processes and the load generator spent per request: the
development machine is shared with other work, so wall times vary with its load while CPU per
request is steady, and it is what the arithmetic of the no-pause shape needs.

    python -m benchmarks.run scale            python benchmarks/bench_scale.py [--quick]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import bench_web  # noqa: E402 - the load shapes, sign-in and driver are shared

CACHE = ROOT / "benchmarks" / ".cache" / "scale"
VERSION = "v1"  # bump when the builder changes: the cached workspaces are rebuilt
PARTNERSHIPS, ACTIONS_EACH, INDICATORS_EACH, MONTHS = 300, 100, 40, 36
USERS = bench_web.USERS
PASSWORD = bench_web.PASSWORD
GOAL_P95_S = bench_web.GOAL_P95_S
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
CATEGORIES = [
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
]
# As web/demo.py links its police-data indicators to Tamworth's priorities.
CATEGORY_PRIORITY = {
    "Anti-social behaviour": 0,
    "Violence and sexual offences": 4,
    "Vehicle crime": 5,
    "Drugs": 3,
}
FORCES = ("staffordshire", "west-mercia", "surrey")


def shared_data() -> Path:
    return Path(os.environ.get("SAFERPLACES_SHARED_DATA", ROOT.parent / "shared" / "data"))


# Real data ---------------------------------------------------------------------------------


def real_series() -> dict:
    """Counts by CSP × category × month from the real street files, with the CSPs' and
    forces' populations; cached as JSON."""
    out = CACHE / f"series-{VERSION}.json"
    if out.exists():
        return json.loads(out.read_text())
    import duckdb

    files = sorted(
        str(p)
        for force in FORCES
        for p in (shared_data() / "police_uk" / force).glob("*-street.csv.gz")
    )
    if not files:
        raise SystemExit(f"No police street files under {shared_data() / 'police_uk'}")
    lsoa = ROOT / "src" / "saferplaces" / "data" / "lsoa21.parquet"
    con = duckdb.connect()
    con.execute(
        f'CREATE TABLE s AS SELECT "Month" AS month, "Crime type" AS cat, "LSOA code" AS lsoa '
        f"FROM read_csv({files!r}, header=true, all_varchar=true)"
    )
    counts = con.execute(
        f"SELECT l.csp_code, l.pfa_code, s.cat, s.month, count(*) FROM s "
        f"JOIN '{lsoa}' l ON l.lsoa21_code = s.lsoa "
        "GROUP BY ALL"
    ).fetchall()
    pops = dict(
        con.execute(f"SELECT csp_code, sum(population) FROM '{lsoa}' GROUP BY 1").fetchall()
    )
    pfa_pops = dict(
        con.execute(f"SELECT pfa_code, sum(population) FROM '{lsoa}' GROUP BY 1").fetchall()
    )
    pfa_names = dict(con.execute(f"SELECT DISTINCT pfa_code, pfa_name FROM '{lsoa}'").fetchall())
    months = sorted({r[3] for r in counts})
    by_csp: dict[str, dict[str, list[int]]] = {}
    csp_pfa: dict[str, str] = {}
    pfa_counts: dict[str, dict[str, dict[str, int]]] = {}
    for csp, pfa, cat, month, n in counts:
        csp_pfa[csp] = pfa
        by_csp.setdefault(csp, {c: [0] * len(months) for c in CATEGORIES})
        by_csp[csp][cat][months.index(month)] += n
        pfa_counts.setdefault(pfa, {}).setdefault(cat, {}).setdefault(month, 0)
        pfa_counts[pfa][cat][month] += n
    # Only the forces' own CSPs (each force also records a few crimes just over its border).
    home_pfas = {pfa for pfa, name in pfa_names.items() if name.lower().replace(" ", "-") in FORCES}
    series = {
        csp: cats
        for csp, cats in sorted(by_csp.items())
        if csp_pfa[csp] in home_pfas and sum(cats["Anti-social behaviour"]) > 0
    }
    data = {
        "months": months,
        "series": series,
        "csp_pfa": {c: csp_pfa[c] for c in series},
        "pfa_rates": {
            pfa: {
                cat: [pfa_counts[pfa].get(cat, {}).get(m, 0) / pfa_pops[pfa] * 1000 for m in months]
                for cat in CATEGORIES
            }
            for pfa in home_pfas
        },
        "pfa_names": {p: pfa_names[p] for p in home_pfas},
        "populations": {k: int(v) for k, v in pops.items() if k},
        "files": len(files),
    }
    CACHE.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data))
    return data


def csps() -> list[tuple[str, str]]:
    import duckdb

    path = ROOT / "src" / "saferplaces" / "data" / "lad_csp_pfa.parquet"
    rows = duckdb.sql(
        f"SELECT DISTINCT csp_code, csp_name FROM '{path}' ORDER BY csp_code"
    ).fetchall()
    return rows[:PARTNERSHIPS]


# Building the workspace ----------------------------------------------------------------------


def build(home: str) -> dict:
    """In a process whose Django points at the target database: creates everything in bulk."""
    from saferplaces.web import commands

    commands.setup(home)
    commands.migrate()
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from saferplaces.web import demo, integrations
    from saferplaces.web.accounts.models import Organisation, User
    from saferplaces.web.audit.models import AuditEvent
    from saferplaces.web.partnerships.models import Membership, Partnership, PartnershipArea
    from saferplaces.web.performance.models import Indicator, IndicatorValue
    from saferplaces.web.plans.models import Action, Priority

    data = real_series()
    pool = sorted(data["series"])
    real_months = data["months"]
    today = timezone.localdate()
    now = timezone.now()
    months = []
    d = today.replace(day=1)
    for _ in range(MONTHS):
        d = (d - dt.timedelta(days=1)).replace(day=1)
        months.append(d)
    months.reverse()
    started = time.perf_counter()
    with transaction.atomic():
        orgs = {
            kind: Organisation.objects.create(name=name, kind=kind)
            for name, kind, _ in demo.ORGS[:2]
        }
        council, police = orgs[Organisation.Kind.COUNCIL], orgs[Organisation.Kind.POLICE]
        pw = make_password(PASSWORD)
        users = User.objects.bulk_create(
            [
                User(
                    email=f"user{i}@bench.example",
                    password=pw,
                    job_title="Community safety manager",
                    organisation=council if i % 2 else police,
                )
                for i in range(USERS)
            ]
        )
        ps = Partnership.objects.bulk_create(
            [
                Partnership(
                    name=f"{name} Community Safety Partnership",
                    slug=f"p{i}",
                    plan_title=f"{name} Community Safety Plan 2023–2026",
                    plan_start=demo.PLAN_START,
                    plan_end=demo.PLAN_END,
                )
                for i, (code, name) in enumerate(csps())
            ]
        )
        codes = [c for c, _ in csps()]
        PartnershipArea.objects.bulk_create(
            [PartnershipArea(partnership=p, code=codes[i], name=p.name) for i, p in enumerate(ps)]
        )
        Membership.objects.bulk_create(
            [
                Membership(partnership=p, user=users[i % USERS], role="manager")
                for i, p in enumerate(ps)
            ]
            + [
                Membership(partnership=p, user=users[(i + 1) % USERS], role="lead_officer")
                for i, p in enumerate(ps)
            ]
        )
        n_prio = len(demo.TAMWORTH_PRIORITIES)
        prios = Priority.objects.bulk_create(
            [
                Priority(
                    partnership=p,
                    title=title,
                    definition=definition,
                    position=j,
                    governance_group=f"{p.name} board",
                    lead_officer=users[(i + 1) % USERS],
                    lead_organisation=council,
                )
                for i, p in enumerate(ps)
                for j, (title, definition) in enumerate(demo.TAMWORTH_PRIORITIES)
            ]
        )
        acts = []
        for i, _p in enumerate(ps):
            owners = {
                "lead": users[(i + 1) % USERS],
                "manager": users[i % USERS],
                "police": users[(i + 2) % USERS],
            }
            for k in range(ACTIONS_EACH):
                pi, title, owner_key, due, status, rag, updated = demo.TAMWORTH_ACTIONS[
                    k % len(demo.TAMWORTH_ACTIONS)
                ]
                # The same twelve, spread over the plan's three years.
                shift = 30 * (k // len(demo.TAMWORTH_ACTIONS)) - 120
                acts.append(
                    Action(
                        priority=prios[i * n_prio + pi],
                        title=title,
                        owner=owners[owner_key],
                        organisation=police if owner_key == "police" else council,
                        due_date=today + dt.timedelta(days=due + shift),
                        status=status,
                        rag=rag,
                        last_update_at=now - dt.timedelta(days=updated) if updated else None,
                    )
                )
        acts = Action.objects.bulk_create(acts, batch_size=2000)
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    actor=a.owner,
                    actor_label=a.owner.email,
                    partnership_id=a.priority.partnership_id,
                    verb="update",
                    object_type="action",
                    object_id=str(a.pk),
                    object_label=a.title,
                    before={"rag": ""},
                    after={"rag": a.rag, "status": a.status},
                )
                for a in acts
                if a.rag
            ],
            batch_size=2000,
        )
        specs = (
            [(f"{c} (count)", "count", c) for c in CATEGORIES]
            + [("All crime (count)", "count", "")]
            + [(f"{c} per 1,000 residents", "rate", c) for c in CATEGORIES]
            + [("All crime per 1,000 residents", "rate", "")]
        )
        manual = INDICATORS_EACH - len(specs)
        inds = []
        for i, p in enumerate(ps):
            for k, (name, measure, cat) in enumerate(specs):
                pi = CATEGORY_PRIORITY.get(cat)
                inds.append(
                    Indicator(
                        partnership=p,
                        priority=prios[i * n_prio + pi] if pi is not None else None,
                        name=name,
                        source=Indicator.Source.WAREHOUSE,
                        measure=measure,
                        category=cat,
                        unit="crimes" if measure == "count" else "per 1,000 residents",
                        owner=users[i % USERS],
                        direction=Indicator.Direction.DOWN,
                        position=k,
                    )
                )
            for k in range(manual):
                inds.append(
                    Indicator(
                        partnership=p,
                        priority=prios[i * n_prio + 1] if k % 2 == 0 else None,
                        name=f"Repeat referrals to MARAC ({k + 1})"
                        if k % 2 == 0
                        else f"Reports to the partnership's hotline ({k + 1})",
                        source=Indicator.Source.MANUAL,
                        unit="referrals" if k % 2 == 0 else "reports",
                        owner=users[(i + 1) % USERS],
                        direction=Indicator.Direction.DOWN,
                        baseline_value=31,
                        baseline_label="2022-23 average",
                        position=len(specs) + k,
                    )
                )
        inds = Indicator.objects.bulk_create(inds, batch_size=2000)
        n_real = len(real_months)
        values = []
        for i in range(len(ps)):
            own = codes[i]
            src = own if own in data["series"] else pool[i % len(pool)]
            series = data["series"][src]
            pfa = data["csp_pfa"][src]
            pfa_label = f"{data['pfa_names'][pfa]} police force area"
            pop = data["populations"].get(own) or data["populations"][src]
            for ind in inds[i * INDICATORS_EACH : (i + 1) * INDICATORS_EACH]:
                cat = ind.category
                if ind.source == Indicator.Source.MANUAL:
                    # Entered figures: a real count series of another category, so the
                    # figures are real sizes (not random numbers).
                    counts = series[CATEGORIES[ind.position % len(CATEGORIES)]]
                else:
                    counts = (
                        series[cat]
                        if cat
                        else [
                            sum(series[c][m] for c in CATEGORIES if c != "Anti-social behaviour")
                            for m in range(n_real)
                        ]
                    )
                # Targets and thresholds as the demo sets them: 5% below the first year's
                # average a month.
                base = sum(counts[m % n_real] for m in range(12)) / 12
                if ind.measure == Indicator.Measure.RATE:
                    base = base / pop * 1000
                ind.target_value = round(base * 0.95, 4)
                ind.green_at = ind.target_value
                ind.red_at = round(base * 1.05, 4)
                for k, month in enumerate(months):
                    count = counts[k % n_real]
                    rate = count / pop * 1000
                    if ind.source == Indicator.Source.MANUAL:
                        values.append(
                            IndicatorValue(
                                indicator=ind, period=month, value=count, source="manual",
                                note="Entered from the coordinator's monthly return",
                                entered_by=ind.owner,
                            )
                        )  # fmt: skip
                        continue
                    pfa_rate = (
                        data["pfa_rates"][pfa][cat][k % n_real]
                        if cat
                        else sum(
                            data["pfa_rates"][pfa][c][k % n_real]
                            for c in CATEGORIES
                            if c != "Anti-social behaviour"
                        )
                    )
                    values.append(
                        IndicatorValue(
                            indicator=ind,
                            period=month,
                            value=count if ind.measure == "count" else round(rate, 4),
                            reference_value=round(pfa_rate, 4),
                            reference_label=pfa_label,
                            rate=round(rate, 4) if ind.measure == "count" else None,
                            reference_points=[
                                {"kind": "parent", "label": pfa_label, "value": round(pfa_rate, 4), "reason": ""},
                                {"kind": "peers", "label": "Similar areas", "value": None, "reason": integrations.PEERS_UNAVAILABLE},
                                {"kind": "england_wales", "label": "England and Wales", "value": None, "reason": integrations.EW_NOT_LOADED},
                            ],
                            source="warehouse",
                        )
                    )  # fmt: skip
        Indicator.objects.bulk_update(inds, ["target_value", "green_at", "red_at"], batch_size=2000)
        IndicatorValue.objects.bulk_create(values, batch_size=5000)
    return {
        "partnerships": Partnership.objects.count(),
        "actions": Action.objects.count(),
        "indicators": Indicator.objects.count(),
        "values": IndicatorValue.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "real_series": len(pool),
        "real_months": len(real_months),
        "police_files": data["files"],
        "seconds": round(time.perf_counter() - started, 1),
    }


def _pg(sql: str, db: str = "postgres") -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{db}", autocommit=True) as con:
        con.execute(sql)


def _pg_exists(db: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as con:
        return (
            con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone() is not None
        )


def pg_available() -> bool:
    try:
        _pg("SELECT 1")
        return True
    except Exception:
        return False


def _env(home: Path, database_url: str | None) -> dict:
    env = {
        **os.environ,
        "SAFERPLACES_HOME": str(home),
        "SAFERPLACES_WAREHOUSE": str(home / "none.duckdb"),
        "SAFERPLACES_AXES_FAILURE_LIMIT": "1000",
    }
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _build_child(home: Path, database_url: str | None) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", f"import json; from benchmarks.bench_scale import build; print(json.dumps(build({str(home)!r})))"],
        env=_env(home, database_url), cwd=ROOT, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def workspace(backend: str, home: Path) -> tuple[str | None, dict]:
    """A copy of the cached scale workspace for this run: (DATABASE_URL or None, build facts)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    facts_file = CACHE / f"built-{backend}-{VERSION}.json"
    if backend == "sqlite":
        cached = CACHE / f"workspace-{VERSION}.sqlite3"
        if not cached.exists() or not facts_file.exists():
            with tempfile.TemporaryDirectory(prefix="bench-scale-build-") as tmp:
                facts = _build_child(Path(tmp), None)
                src = Path(tmp) / "workspace.sqlite3"
                import shutil
                import sqlite3

                with sqlite3.connect(src) as con:  # everything into the one file
                    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")

                shutil.copy(src, cached)
                facts_file.write_text(json.dumps(facts))
        import shutil

        shutil.copy(cached, home / "workspace.sqlite3")
        # The secret key is generated into the workspace when missing: nothing else to copy.
        return None, json.loads(facts_file.read_text())
    template = f"bench_scale_{VERSION}"
    if not _pg_exists(template) or not facts_file.exists():
        if _pg_exists(template):
            _pg(f"DROP DATABASE {template}")
        _pg(f"CREATE DATABASE {template}")
        facts = _build_child(home, f"{PG_SERVER}/{template}")
        # The planner's statistics, as autovacuum would gather them after a bulk load (until
        # then it guesses, and reads all 432,000 values for one partnership's stamps).
        _pg("ANALYZE", template)
        facts_file.write_text(json.dumps(facts))
    run_db = f"bench_scale_run_{os.getpid()}"
    if _pg_exists(run_db):
        _pg(f"DROP DATABASE {run_db}")
    _pg(f"CREATE DATABASE {run_db} TEMPLATE {template}")
    return f"{PG_SERVER}/{run_db}", json.loads(facts_file.read_text())


def _serve(home: Path, database_url: str | None, mode: str, workers: int):
    port = bench_web._free_port()
    env = _env(home, database_url) | {"SAFERPLACES_INDICATOR_CACHE": "1" if mode == "on" else "0"}
    if mode == "before":
        # The code before the change, from another copy (e.g. `git archive HEAD src`).
        env["PYTHONPATH"] = os.environ["SAFERPLACES_BENCH_BASELINE_SRC"]
    log = (home / f"server-{port}.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-c", f"from saferplaces.web import commands; commands.serve(port={port}, threads=8, workers={workers})"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    from saferplaces.web.commands import wait_until_up

    if not wait_until_up(f"{base}/sign-in/", timeout=300):
        server.kill()
        raise RuntimeError("server did not start: " + (home / log.name).read_text()[-3000:])
    return server, base, log


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server process and its worker processes so far: the
    machine is shared, so wall times vary, but the CPU a request costs is steadier."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[1] is the parent's pid; fields[11], fields[12] are utime and stime.
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _stop(server, log) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


def measure_backend(backend: str, per_user: int, workers: int) -> dict:
    """{cache on/off: {shape: (timings, wall, errors)}} plus the build facts."""
    with tempfile.TemporaryDirectory(prefix=f"bench-scale-{backend}-") as tmp:
        home = Path(tmp)
        url, facts = workspace(backend, home)
        results: dict = {}
        cold: dict = {}
        try:
            # Baseline first, then cached: the server is restarted so each starts cold.
            modes = ["off", "on"]
            if os.environ.get("SAFERPLACES_BENCH_BASELINE_SRC"):
                modes.insert(0, "before")
            for mode in modes:
                server, base, log = _serve(home, url, mode, workers)
                try:
                    sessions = [
                        bench_web._sign_in(base, f"user{i}@bench.example") for i in range(USERS)
                    ]
                    # Each person manages partnerships i, i+20, … (15 each).
                    targets = {
                        i: [f"p{k}" for k in range(i, PARTNERSHIPS, USERS)] for i in range(USERS)
                    }
                    results[mode] = {}
                    cpu = _cpu_seconds(server.pid)
                    n = _visit_all(base, sessions, targets)
                    cold[mode] = (_cpu_seconds(server.pid) - cpu) / n * 1000
                    for label, think, spread in bench_web.SHAPES:
                        cpu = _cpu_seconds(server.pid)
                        mine = time.process_time()
                        driven = bench_web._drive(base, sessions, targets, per_user, think, spread)
                        results[mode][label] = (
                            *driven,
                            _cpu_seconds(server.pid) - cpu,
                            time.process_time() - mine,
                        )
                finally:
                    _stop(server, log)
        finally:
            if url:
                _pg(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
    return {"results": results, "facts": facts, "cold": cold}


def _visit_all(base: str, sessions: list, targets: dict) -> int:
    """Each person opens each of their partnerships' dashboard and work plan once, five people
    at a time (not measured: it is how a server's day starts, and it fills its caches).
    Returns the number of requests made."""
    from concurrent.futures import ThreadPoolExecutor

    paths = [
        (i, f"/partnerships/{slug}/{page}")
        for i in range(USERS)
        for slug in targets[i]
        for page in ("", "work-plan/")
    ]

    def get(item: tuple[int, str]) -> None:
        r = sessions[item[0]].get(base + item[1], timeout=120)
        if r.status_code != 200:
            raise RuntimeError(f"{item[1]}: {r.status_code}")

    with ThreadPoolExecutor(5) as pool:
        list(pool.map(get, paths))
    return len(paths)


def _p(ts: list[float], q: float) -> float:
    ts = sorted(ts)
    return ts[max(0, round(q * len(ts)) - 1)]


def rows_for(backend: str, measured: dict, workers: int) -> list[dict]:
    facts = measured["facts"]
    res = measured["results"]
    db = "PostgreSQL" if backend == "postgres" else "SQLite"
    base_mode = "before" if "before" in res else "off"
    before = os.environ.get("SAFERPLACES_BENCH_BASELINE_LABEL", "git HEAD")
    base_words = {"before": f"before ({before})", "off": "cache off"}[base_mode]
    rows = []
    for label, _think, _spread in bench_web.SHAPES:
        for mode in res:
            if res[mode][label][2]:
                raise RuntimeError(f"failed requests ({mode}): {res[mode][label][2][:3]}")
        stats = {}
        for mode in res:
            timings, wall, _errors, cpu, client = res[mode][label]
            n = sum(len(v) for v in timings.values())
            stats[mode] = {
                "n": n,
                "rps": n / wall,
                "cpu_ms": cpu / n * 1000,
                "client_ms": client / n * 1000,
                "t": timings,
            }
        for kind in ("dashboard", "work plan"):
            b, a = stats[base_mode]["t"][kind], stats["on"]["t"][kind]
            b95, a95 = _p(b, 0.95), _p(a, 0.95)
            others = "; ".join(
                f"{m}: p50 {statistics.median(stats[m]['t'][kind]) * 1000:.0f} ms, p95 "
                f"{_p(stats[m]['t'][kind], 0.95) * 1000:.0f} ms, "
                f"{stats[m]['rps']:.1f} req/s, server CPU {stats[m]['cpu_ms']:.1f} ms/request "
                f"(first visit to each page, cold: {measured['cold'][m]:.1f}), load generator "
                f"CPU {stats[m]['client_ms']:.1f} ms/request"
                for m in res
            )
            rows.append(
                {
                    "name": f"Scale: {kind} page, {USERS} users, {label} ({db}, waitress, "
                    f"{workers} processes × 8 threads)",
                    "baseline": f"{base_words}: p50 {statistics.median(b) * 1000:.0f} ms, "
                    f"p95 {b95 * 1000:.0f} ms, {stats[base_mode]['rps']:.1f} req/s",
                    "baseline_seconds": round(b95, 4),
                    "ours": f"p50 {statistics.median(a) * 1000:.0f} ms, p95 {a95 * 1000:.0f} ms, "
                    f"{stats['on']['rps']:.1f} req/s",
                    "ours_seconds": round(a95, 4),
                    "ratio": round(b95 / a95, 2),
                    "goal": f"p95 < {GOAL_P95_S * 1000:.0f} ms",
                    "met": a95 < GOAL_P95_S,
                    "rows": len(a),
                    "backend": backend,
                    "shape": label,
                    "page": kind,
                    "server_cpu_ms": round(stats["on"]["cpu_ms"], 2),
                    "client_cpu_ms": round(stats["on"]["client_ms"], 2),
                    "mean_seconds": round(statistics.mean(a), 4),
                    "notes": (
                        f"{facts['partnerships']} partnerships, {facts['actions']:,} actions, "
                        f"{facts['indicators']:,} indicators × {MONTHS} months "
                        f"({facts['values']:,} values: real data.police.uk counts, "
                        f"{facts['real_series']} CSPs' series from {facts['police_files']} "
                        f"street files, cycled), {facts['audit_events']:,} audit events; "
                        f"built in {facts['seconds']} s. Ratio = p95 {base_words} / p95 ours. "
                        f"Per variant ({len(a)} {kind} requests each; req/s and server CPU "
                        f"over both pages): {others}"
                    ),
                }
            )
    return rows


def arithmetic(rows: list[dict], workers: int) -> list[dict]:
    """What the no-pause shape needs, from what was measured (one row per backend).

    With 20 people always waiting for a page, Little's law makes the mean latency 20 / X for
    a throughput of X pages a second, whatever the code does. A p95 under 250 ms needs the
    mean under 250 ms / r, r being the p95 / mean ratio measured in that shape, so
    X >= 20 r / 0.25 s. Each page costs c seconds of CPU on the server (measured), so that
    takes X c cores for the server alone; the load generator, here on the same two cores,
    costs its own share."""
    out = []
    shape = bench_web.SHAPES[-1][0]
    for backend in sorted({r["backend"] for r in rows}):
        mine = [r for r in rows if r["backend"] == backend and r["shape"] == shape]
        if not mine:
            continue
        cpu = statistics.mean(r["server_cpu_ms"] for r in mine) / 1000
        client = statistics.mean(r["client_cpu_ms"] for r in mine) / 1000
        ratio = statistics.mean(r["ours_seconds"] / r["mean_seconds"] for r in mine)
        need = USERS * ratio / GOAL_P95_S
        here = workers / (cpu + client)
        cores = need * cpu
        db = "PostgreSQL" if backend == "postgres" else "SQLite"
        out.append(
            {
                "name": f"Scale: what {USERS} users with no pause need for p95 < 250 ms ({db})",
                "baseline": f"needed: {need:.0f} pages/s",
                "ours": f"at most {here:.0f} pages/s on these {workers} cores",
                "ratio": round(here / need, 2),
                "goal": f"≥ {need:.0f} pages/s",
                "met": here >= need,
                "notes": (
                    f"Little's law: mean latency = {USERS} people / throughput. Measured p95 / "
                    f"mean = {ratio:.2f}, so p95 < 250 ms needs a mean under "
                    f"{GOAL_P95_S / ratio * 1000:.0f} ms, i.e. ≥ {need:.0f} pages/s. Measured "
                    f"CPU per page (cache on, warm, averaged over dashboards and work plans): server "
                    f"{cpu * 1000:.1f} ms, load generator {client * 1000:.1f} ms, so these "
                    f"{workers} shared cores serve at most {workers} / "
                    f"{(cpu + client) * 1000:.1f} ms = {here:.0f} pages/s with nothing else "
                    f"running. {need:.0f} pages/s × {cpu * 1000:.1f} ms = {cores:.1f} cores for "
                    f"the server alone: {max(1, -(-cores // 1)):.0f} waitress processes on "
                    f"{max(1, -(-cores // 1)):.0f} otherwise idle cores (e.g. two 2-core "
                    f"machines behind the proxy), with the people's browsers elsewhere."
                ),
            }
        )
    return out


def run(quick: bool = False) -> list[dict]:
    per_user = 6 if quick else 30
    workers = os.cpu_count() or 1
    backends = ["sqlite"] + (["postgres"] if pg_available() else [])
    rows = []
    for backend in backends:
        rows += rows_for(backend, measure_backend(backend, per_user, workers), workers)
    return rows + arithmetic(rows, workers)


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row))
