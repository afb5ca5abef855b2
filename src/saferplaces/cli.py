"""The `saferplaces` command. Each command's help is its documentation.

Commands stay thin: they parse options, call the package, and print tables (Rich) or JSON.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from saferplaces import __version__, atomic
from saferplaces.config import Workspace

app = typer.Typer(
    help=(
        "Safer Places: the strategic assessment, plan and performance cycle of a Community "
        "Safety Partnership, on data.police.uk open data.\n\n"
        "State lives in a workspace folder (--workspace, or SAFERPLACES_HOME, or "
        "~/.local/share/saferplaces): warehouse.duckdb holds police data and geography."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)
load_app = typer.Typer(help="Load data into the warehouse.", no_args_is_help=True)
fetch_app = typer.Typer(help="Download data, then load it.", no_args_is_help=True)
locality_app = typer.Typer(help="Named groups of LSOAs or wards, usable wherever an area is.",
                           no_args_is_help=True)  # fmt: skip
app.add_typer(load_app, name="load")
app.add_typer(fetch_app, name="fetch")
app.add_typer(locality_app, name="locality")

from saferplaces.web.accounts.sso.cli import sso_app  # noqa: E402 - imports no Django at load

app.add_typer(sso_app, name="sso")

console = Console()
err = Console(stderr=True)


class State:
    workspace: Workspace = Workspace.resolve()


state = State()


def _version(value: bool) -> None:
    if value:
        console.print(f"saferplaces {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", help="Workspace folder.", envvar="SAFERPLACES_HOME"),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    state.workspace = Workspace.resolve(workspace)


def _fail(message: str, code: int = 1) -> typer.Exit:
    # soft_wrap: one line however long (names of files included), so logs and grep see it whole.
    err.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextlib.contextmanager
def _plain_errors(errors: tuple[type[Exception], ...] = ()):
    """Expected errors, and a full disk, a refused write or a held lock, become one plain line
    and exit 1; anything else is a bug and keeps its traceback."""
    import duckdb

    from saferplaces.warehouse.store import WarehouseError, storage_error

    try:
        yield
    except (WarehouseError, *errors) as exc:
        raise _fail(str(exc)) from exc
    except (OSError, duckdb.Error) as exc:
        problem = storage_error(exc, state.workspace.warehouse_path)
        if problem is None:
            raise
        raise _fail(str(problem)) from exc


def _close(con) -> None:
    import duckdb

    _republish_read_copy(con)

    # After a failed write DuckDB may refuse even to close; the message already said why.
    with contextlib.suppress(duckdb.Error):
        con.close()


def _republish_read_copy(con) -> None:
    """Once the web reads a published copy, every change made here is published to it too, so
    the pages never lag behind a hand-run load (the monthly refresh publishes its own)."""
    import duckdb

    from saferplaces.warehouse.refresh import publish_read_copy, read_copy_path

    path = state.workspace.warehouse_path
    if not read_copy_path(path).exists():
        return
    with contextlib.suppress(duckdb.Error):
        if con.execute("SELECT current_setting('access_mode')").fetchone()[0] == "read_only":
            return
        try:
            publish_read_copy(con, path)
        except (OSError, duckdb.Error) as exc:
            err.print(f"The web pages' copy of the warehouse was not updated: {exc}. "
                      "Run `saferplaces refresh --publish-only`.", highlight=False)  # fmt: skip


def _warehouse(read_only: bool = False):
    from saferplaces.warehouse.store import connect

    with _plain_errors():
        return connect(state.workspace.ensure().warehouse_path, read_only=read_only)


@contextlib.contextmanager
def _opened(read_only: bool = False, errors: tuple[type[Exception], ...] = ()):
    """The warehouse, closed afterwards; expected errors become a plain message and exit 1."""
    con = _warehouse(read_only=read_only)
    try:
        with _plain_errors(errors):
            yield con
    finally:
        _close(con)


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


# --- load ------------------------------------------------------------------------------------


@load_app.command("police")
def load_police_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Zips, folders or .csv/.csv.gz files.")],
    force: Annotated[
        str | None, typer.Option(help="Force slug, when the file names do not say it.")
    ] = None,
    month: Annotated[
        str | None, typer.Option(help="Month YYYY-MM, when the file names do not say it.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the load report as JSON.")] = False,
) -> None:
    """Load data.police.uk street, outcomes and stop-and-search files.

    Accepts a data.police.uk download zip (custom download or full archive), a folder of
    YYYY-MM-<force>-<kind>.csv files, or single .csv / .csv.gz files. Each (force, month, kind)
    replaces any earlier copy in one transaction. Rows that fail a check are kept in `rejects`
    with the file, line, field and reason. Exit code 1 if any file was refused.
    """
    from saferplaces.warehouse.police import load_police

    con = _warehouse()
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=as_json or not err.is_terminal,
    ) as bar:
        task = bar.add_task("Loading", total=None)

        def progress(name: str, done: int, total: int, result) -> None:
            bar.update(task, total=total, completed=done, description=f"Loading {Path(name).name}")

        try:
            with _plain_errors():
                report = load_police(con, list(paths), force=force, month=month,
                                     progress=progress)  # fmt: skip
        finally:
            _close(con)
    if as_json:
        _print_json(
            {
                "totals": report.totals(),
                "files": [r.__dict__ for r in report.results],
                "skipped": [{"name": n, "reason": r} for n, r in report.skipped],
            }
        )
    else:
        _print_load_report(report)
    if report.failed:
        raise typer.Exit(1)


def _print_load_report(report) -> None:
    table = Table(title="Police files", show_lines=False)
    for col in ("File", "Force", "Month", "Kind", "Result", "Rows", "Rejected"):
        table.add_column(col, justify="right" if col in ("Rows", "Rejected") else "left")
    for r in report.results:
        colour = {"failed": "red", "unchanged": "dim", "skipped": "dim"}.get(r.action, "green")
        table.add_row(
            Path(r.file.split("!")[-1]).name, r.force or "", r.month or "", r.kind or "",
            f"[{colour}]{r.action}[/]", f"{r.rows_accepted:,}", f"{r.rows_rejected:,}",
        )  # fmt: skip
    console.print(table)
    for r in report.results:
        if r.error and r.action == "failed":
            err.print(f"[red]Refused:[/] {r.error}", highlight=False)
        elif r.error:
            console.print(f"[dim]Skipped {r.file}: {r.error}[/]", highlight=False)
        for line in r.first_rejects:
            console.print(f"  [yellow]rejected[/] {Path(r.file).name}: {line}", highlight=False)
    for name, reason in report.skipped:
        console.print(f"[dim]Not a police file, skipped: {name} ({reason})[/]", highlight=False)
    t = report.totals()
    console.print(
        f"{t['loaded']} loaded, {t['unchanged']} unchanged, {t['failed']} refused; "
        f"{t['rows_accepted']:,} rows accepted, {t['rows_rejected']:,} rejected "
        "(see `saferplaces query \"SELECT * FROM rejects\"`)."
    )


@load_app.command("geography")
def load_geography_cmd(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Newer ONS files of the same kinds (optional)."),
    ] = None,
) -> None:
    """Load the reference data shipped with Safer Places (or newer ONS files).

    Lookups (LSOA 2011/2021, ward, district, CSP, force area), Indices of Deprivation 2019 and
    2025, Census 2021 population, rural–urban classification and boundaries. Replaces the
    earlier reference data in one transaction.
    """
    from saferplaces.warehouse.geography import load_geography

    with _opened(errors=(ValueError,)) as con, console.status("Loading reference data"):
        summary = load_geography(con, list(paths) if paths else None)
    table = Table(title="Reference data")
    table.add_column("Dataset")
    table.add_column("Rows", justify="right")
    for name, rows in sorted(summary.get("tables", {}).items()):
        table.add_row(str(name), f"{rows:,}" if isinstance(rows, int) else str(rows))
    console.print(table)


# --- fetch and localities (warehouse) ---------------------------------------------------------


@fetch_app.command("police")
def fetch_police_cmd(
    force: Annotated[
        list[str], typer.Option("--force", help="Force slug or name (repeat for several).")
    ],
    from_month: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    to_month: Annotated[str, typer.Option("--to", help="Last month, YYYY-MM.")],
    kind: Annotated[
        list[str] | None,
        typer.Option(help="street, outcomes or stop-and-search (repeat; default all)."),
    ] = None,
    base_url: Annotated[
        str, typer.Option("--base-url", help="Where the archives are (for mirrors and tests).")
    ] = "https://data.police.uk",
    retries: Annotated[int, typer.Option(help="Resume attempts after a dropped connection.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Download data.police.uk archive zips covering the months, then load the forces' files.

    Uses the archive downloads (<base-url>/data/archive/YYYY-MM.zip: all forces, 36 months up to
    that month). Downloads resume after a dropped connection (also across runs: the partial
    file is kept in the workspace's downloads folder); every member's checksum is verified and
    the archive's SHA-256 recorded before anything is loaded; a corrupt download is refused.
    Custom downloads made on data.police.uk cannot be fetched: load their zip with
    `saferplaces load police`.
    """
    from rich.progress import DownloadColumn, TransferSpeedColumn

    from saferplaces.warehouse.fetch import fetch_police

    con = _warehouse()
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=as_json or not err.is_terminal,
    ) as bar:

        def download_progress(url: str):
            task = bar.add_task(f"Downloading {url.rsplit('/', 1)[-1]}", total=None)
            return lambda done, total: bar.update(task, completed=done, total=total)

        load_task = bar.add_task("Loading", total=None, visible=False)

        def load_progress(name: str, done: int, total: int, result) -> None:
            bar.update(load_task, visible=True, total=total, completed=done,
                       description=f"Loading {Path(name).name}")  # fmt: skip

        try:
            with _plain_errors():
                report = fetch_police(
                    con, state.workspace.downloads, force, from_month, to_month, kinds=kind,
                    base_url=base_url, download_progress=download_progress,
                    load_progress=load_progress, retries=retries,
                )  # fmt: skip
        finally:
            _close(con)
    if as_json:
        _print_json(
            {
                "downloads": [d.__dict__ for d in report.downloads],
                "loads": [
                    {"totals": r.totals(), "files": [f.__dict__ for f in r.results]}
                    for r in report.loads
                ],
            }
        )
    else:
        for d in report.downloads:
            how = "already here" if d.reused else ("resumed" if d.resumed else "downloaded")
            console.print(
                f"{d.url}: {how}, {d.size:,} bytes, SHA-256 {d.sha256} → {d.path}", highlight=False
            )
        for r in report.loads:
            _print_load_report(r)
    if any(r.failed for r in report.loads):
        raise typer.Exit(1)


@load_app.command("localities")
def load_localities_cmd(
    path: Annotated[Path, typer.Argument(help="CSV (locality,code) or GeoJSON of polygons.")],
    replace: Annotated[
        bool, typer.Option(help="Redefine localities that already exist.")
    ] = False,
) -> None:
    """Define localities from a file: a CSV with columns locality,code (LSOA 2021 or ward codes)
    or a GeoJSON of polygons in WGS84 (members: the LSOAs whose centroid falls inside)."""
    from saferplaces.warehouse.localities import load_localities

    with _opened() as con:
        locs = load_localities(con, path, replace=replace)
    for loc in locs:
        console.print(f"{loc.code}  {loc.name}: {len(loc.lsoas)} LSOAs", highlight=False)


@load_app.command("measure")
def load_measure_cmd(
    path: Annotated[
        Path | None, typer.Argument(help="CSV or XLSX of counts: area_code, period, count.")
    ] = None,
    definition: Annotated[
        Path | None,
        typer.Option(help="The measure's definition (.toml, .json or .yaml); default: FILE's "
                     "name ending .toml, .yaml, .yml or .json."),
    ] = None,
    template: Annotated[
        bool, typer.Option("--template", help="Print a definition template (TOML) and stop.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the load report as JSON.")] = False,
) -> None:
    """Load a partner's counts by period (month or quarter) and area (LSOA 2021, ward,
    district, CSP, force area or postcode sector), with the measure's definition.

    The definition declares id, title, unit, source organisation, licence or sharing basis,
    small-number rule, period type, area level and what counts. Each (measure, period) in the
    file replaces the one loaded before, in one transaction; other periods are kept. A file with
    a structural fault (bad header, mixed or unfinished periods, negative or non-whole counts,
    an area and period twice, many unknown area codes) is refused whole, and the message names
    the file, line, field and value. See README "Partner data".
    """
    from saferplaces.warehouse.measures import TEMPLATE, load_measure

    if template:
        sys.stdout.write(TEMPLATE)
        return
    if path is None:
        raise _fail("Give FILE (CSV or XLSX), or --template for a definition template.")
    with _opened() as con:
        report = load_measure(con, path, definition)
    if as_json:
        _print_json(report.__dict__ | {"periods": [p.__dict__ for p in report.periods]})
    else:
        for line in report.summary():
            console.print(line, highlight=False, soft_wrap=True)


@locality_app.command("add")
def locality_add(
    name: Annotated[str, typer.Argument(help='The name, e.g. "Burton Town & Uxbridge".')],
    lsoa: Annotated[list[str] | None, typer.Option(help="An LSOA 2021 code (repeat).")] = None,
    ward: Annotated[list[str] | None, typer.Option(help="A ward code (repeat).")] = None,
    description: Annotated[str | None, typer.Option(help="Why this locality.")] = None,
    replace: Annotated[bool, typer.Option(help="Redefine it if it exists.")] = False,
) -> None:
    """Define a locality from LSOA and ward codes; it is then usable wherever an area is."""
    from saferplaces.warehouse.localities import add_locality

    with _opened() as con:
        loc = add_locality(con, name, lsoa or [], ward or [], description, replace=replace)
    console.print(f"{loc.code}  {loc.name}: {len(loc.lsoas)} LSOAs", highlight=False)


@locality_app.command("list")
def locality_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """The localities defined, with their size."""
    from saferplaces.warehouse.localities import list_localities

    with _opened(read_only=True) as con:
        rows = list_localities(con)
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"{len(rows)} localities")
    for col in ("Code", "Name", "LSOAs", "Population", "Districts", "Source"):
        table.add_column(col, justify="right" if col in ("LSOAs", "Population") else "left")
    for r in rows:
        table.add_row(r["code"], r["name"], str(r["lsoa_count"]), f"{r['population'] or 0:,}",
                      r["districts"] or "", r["source"] or "")  # fmt: skip
    console.print(table)


@locality_app.command("remove")
def locality_remove(
    name: Annotated[str, typer.Argument(help="Name or LOC: code.")],
) -> None:
    """Delete a locality."""
    from saferplaces.warehouse.localities import remove_locality

    with _opened() as con:
        code = remove_locality(con, name)
    console.print(f"Removed {code}.", highlight=False)


# --- looking at what is there ---------------------------------------------------------------


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """What the warehouse holds: force × month × kind coverage, gaps, totals, last loads."""
    from saferplaces.warehouse.inventory import coverage

    with _opened(read_only=True) as con:
        data = coverage(con)
    data["warehouse"] = str(state.workspace.warehouse_path)
    if as_json:
        _print_json(data)
        return
    console.print(f"Warehouse: {data['warehouse']}", highlight=False)
    table = Table(title="Coverage (current loads)")
    for col in ("Force", "Kind", "From", "To", "Months", "Rows", "Rejected", "Missing", "Partial"):
        table.add_column(col, justify="right" if col in ("Months", "Rows", "Rejected") else "left")
    for c in data["coverage"]:
        missing = ", ".join(c["missing_months"]) or "none"
        table.add_row(
            c["force"], c["kind"], c["first_month"], c["last_month"], str(c["months_loaded"]),
            f"{c['rows']:,}", f"{c['rejected']:,}",
            f"[red]{missing}[/]" if c["missing_months"] else "none",
            ", ".join(c["partial_months"]) or "none",
        )  # fmt: skip
    console.print(table)
    t = data["totals"]
    console.print(
        f"Street records {t['street']:,} (no location {t['no_location']:,}, no LSOA "
        f"{t['no_lsoa']:,}); outcomes {t['outcomes']:,}; stop and search {t['stop_search']:,}; "
        f"rejected rows {t['rejects']:,}; loads {t['loads']:,}."
    )
    if data["latest_loads"]:
        recent = Table(title="Latest loads")
        for col in ("Id", "Force", "Month", "Kind", "Result", "Rows", "When"):
            recent.add_column(col)
        for r in data["latest_loads"]:
            recent.add_row(
                str(r["load_id"]), r["force"], r["month"], r["kind"], r["action"],
                f"{r['accepted']:,}", r["finished_at"],
            )  # fmt: skip
        console.print(recent)


@app.command()
def areas(
    level: Annotated[
        str,
        typer.Option(
            help="lsoa, ward, lad (district), csp, county (two-tier county), pfa (force area) "
            "or locality."
        ),
    ] = "csp",
    within: Annotated[
        str | None, typer.Option(help="Only areas inside this area (code or name).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List areas of one level, with population (Census 2021) and size."""
    from saferplaces.warehouse.inventory import list_areas

    with _opened(read_only=True, errors=(ValueError, LookupError)) as con:
        rows = list_areas(con, level, within)
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"{len(rows):,} areas ({level})")
    for col in ("Code", "Name", "District", "CSP", "Force area", "Population", "km²", "LSOAs"):
        table.add_column(col, justify="right" if col in ("Population", "km²", "LSOAs") else "left")
    for r in rows:
        table.add_row(
            r["code"], r["name"] or "", r["lad_code"] or "", r["csp_code"] or "",
            r["pfa_code"] or "", f"{r['population'] or 0:,}", f"{r['area_km2'] or 0:,.1f}",
            str(r["lsoa_count"]),
        )  # fmt: skip
    console.print(table)


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="One SELECT statement over the documented views.")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table, csv or json.")
    ] = "table",
    limit: Annotated[int, typer.Option(help="Most rows to print as a table.")] = 200,
) -> None:
    """Read-only SQL over the warehouse views, in a sandbox.

    Views: crimes, outcomes, stop_search, areas, area_lsoas, deprivation, population, loads,
    rejects (README.md documents every column). Exactly one SELECT (or WITH … SELECT) runs;
    anything else is refused, and the query cannot read or write files, change settings,
    attach databases or load extensions.
    """
    import csv

    from saferplaces.warehouse.store import WarehouseError, read_only_query

    if fmt not in ("table", "csv", "json"):
        raise _fail("--format must be table, csv or json")
    try:
        result = read_only_query(state.workspace.warehouse_path, sql)
    except WarehouseError as exc:
        raise _fail(str(exc)) from exc
    columns, rows = result.columns, result.rows
    if fmt == "json":
        _print_json([dict(zip(columns, r, strict=True)) for r in rows])
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        table = Table(caption=f"{len(rows):,} rows" + (f", first {limit} shown" if len(rows) > limit else ""))
        for c in columns:
            table.add_column(c)
        for r in rows[:limit]:
            table.add_row(*("" if v is None else str(v) for v in r))
        console.print(table)


# --- assessment --------------------------------------------------------------------------------


@app.command()
def assess(
    area: Annotated[
        str | None, typer.Argument(help="CSP, district, county, ward, force area or locality: code or name.")
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")] = None,
    baseline: Annotated[
        str, typer.Option(help="previous-year (same months a year earlier) or previous-period.")
    ] = "previous-year",
    out: Annotated[Path | None, typer.Option(help="Folder for assessment.json.")] = None,
    allow_gaps: Annotated[
        bool, typer.Option("--allow-gaps", help="Use the months present when some are missing.")
    ] = False,
    baseline_basis: Annotated[
        str,
        typer.Option(
            "--baseline-basis",
            help="matched-months (default: compare only months present in both periods) or "
            "whole-period-seasonal (the whole period against a partial baseline scaled by the "
            "seasonal pattern of complete years).",
        ),
    ] = "matched-months",
    cell_size: Annotated[
        float | None, typer.Option("--cell-size", help="Hotspot grid cell in metres (default: from the area).")
    ] = None,
    harm_weights: Annotated[
        Path | None, typer.Option(help="CSV of harm weights per category (see harm_weights.md).")
    ] = None,
    priority_inputs: Annotated[
        Path | None,
        typer.Option(help="YAML/CSV of public concern, partnership capacity and factor weights."),
    ] = None,
    locality_weights: Annotated[
        str | None,
        typer.Option(
            "--locality-weights",
            help="Priority-localities domain weights, e.g. crime_and_disorder=2,deprivation=1 "
            "(default: equal; a partner domain is named by its measure id).",
        ),
    ] = None,
    report: Annotated[
        str | None,
        typer.Option(help="Also render documents: any of html,pdf,docx,csv,xlsx,committee."),
    ] = None,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the assessment JSON Schema and stop.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the assessment JSON.")] = False,
) -> None:
    """Produce the strategic assessment for an area and period.

    Writes OUT/assessment.json (one typed, versioned model; schema: `--schema`) and prints a
    summary: crime and ASB against the baseline with significance, peers, places, hotspots,
    priority localities, emerging issues and recommended priorities. The same inputs give the
    same JSON apart from `generated_at`.
    """
    from saferplaces.assessment import AssessmentError, json_schema
    from saferplaces.assessment import assess as run_assessment
    from saferplaces.assessment.inputs import InputError
    from saferplaces.assessment.periods import PeriodError
    from saferplaces.assessment.sections.localities import parse_weights

    if schema:
        _print_json(json_schema())
        return
    if not (area and start and end):
        raise _fail("Give AREA, --from YYYY-MM and --to YYYY-MM (or --schema).")
    errors = (AssessmentError, InputError, PeriodError)
    with _opened(read_only=True, errors=errors) as con, console.status(f"Assessing {area}"):
        result = run_assessment(
            area, start, end, baseline, con=con, allow_gaps=allow_gaps, baseline_basis=baseline_basis,
            cell_size_m=cell_size, harm_weights=harm_weights, priority_inputs=priority_inputs,
            locality_weights=parse_weights(locality_weights),
        )  # fmt: skip
    out_dir = out or Path(f"assessment-{result.area.code}-{start}-{end}")
    text = result.to_json()
    atomic.write_text(out_dir / "assessment.json", text)
    atomic.write_text(out_dir / "assessment.schema.json", json.dumps(json_schema(), indent=2))
    if as_json:
        sys.stdout.write(text + "\n")
    else:
        _print_assessment(result)
        console.print(f"\nWrote {out_dir / 'assessment.json'}", highlight=False)
    if report:
        from saferplaces.reports import render_formats

        for written in render_formats(out_dir / "assessment.json", report, out_dir,
                                      workspace=state.workspace.home):  # fmt: skip
            console.print(f"Wrote {written}", highlight=False)


def _print_assessment(a) -> None:
    o = a.overview
    console.rule(f"{a.area.name} ({a.area.code}): {a.period.start} to {a.period.end}")
    console.print(
        f"Population {a.area.population:,} · {a.area.lsoa_count} LSOAs · forces "
        f"{', '.join(a.area.forces)} · baseline {a.baseline.start} to {a.baseline.end}",
        highlight=False,
    )
    if a.baseline.comparison:
        # Say which months the changes compare: like for like, never "the same months" unless so.
        console.print(f"Changes compare {a.baseline.comparison}.", highlight=False)
    for block in (o.crime, o.asb):
        console.print(f"• {block.statement} Rate {block.rate_per_1000} per 1,000 a year.",
                      highlight=False)  # fmt: skip
    for c in o.comparators:
        if c.crime:
            console.print(f"  Reference: {c.area.name} crime rate {c.crime.rate_per_1000} per "
                          f"1,000 ({c.crime.direction}).", highlight=False)  # fmt: skip
    if a.peers:
        for r in a.peers.ranks:
            console.print(f"  Peers: {r.measure}: {r.text or 'not ranked (no similar area has police data for the period)'}.",
                          highlight=False)  # fmt: skip
    table = Table(title="By category")
    # Count is the whole period; the change compares "Compared" with "Baseline", the same months.
    for col in ("Category", "Count", "Compared", "Baseline", "Change", "p", "Rate/1,000"):
        table.add_column(col, justify="left" if col == "Category" else "right")
    for c in a.categories:
        table.add_row(
            c.category, f"{c.count:,}", f"{c.compared_count:,}", f"{c.baseline_count:,}",
            "n/a" if c.percent_change is None else f"{c.percent_change:+.1f}%",
            "n/a" if c.p_value is None else f"{c.p_value:.3f}", f"{c.rate_per_1000 or 0:.2f}",
        )  # fmt: skip
    console.print(table)
    sel = [p for p in a.priority_localities.localities if p.selected]
    console.print(f"Priority localities ({a.priority_localities.threshold_rule}): "
                  + (", ".join(p.area.name for p in sel) or "none selected"), highlight=False)  # fmt: skip
    if a.county:
        for d in a.county.districts:
            console.print(f"  {d.area.name}: crime {d.crime.count:,} ({d.crime.rate_per_1000} per 1,000); "
                          f"localities: {', '.join(x.name for x in d.priority_localities) or 'none'}",
                          highlight=False)  # fmt: skip
    console.print("Recommended priorities: " + ", ".join(
        f"{p.theme} ({p.total:.2f})" for p in a.recommended_priorities.priorities if p.recommended),
        highlight=False)  # fmt: skip
    console.print(f"Hotspots: {a.hotspots.hot_cells} hot cells of {a.hotspots.rows * a.hotspots.cols:,} "
                  f"({a.hotspots.cell_size_m:g} m grid); emerging issues: {len(a.emerging_issues)}.",
                  highlight=False)  # fmt: skip
    for caveat in a.data_quality.caveats[:2]:
        console.print(f"[yellow]Caveat:[/] {caveat}", highlight=False)


@app.command()
def report(
    assessment: Annotated[Path, typer.Argument(help="assessment.json (or the folder holding it).")],
    formats: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="Any of html,pdf,docx,csv,xlsx,committee (comma-separated), or all.",
        ),
    ] = "html,pdf,docx",
    out: Annotated[
        Path | None, typer.Option(help="Folder for the documents (default: beside the file).")
    ] = None,
) -> None:
    """Render an assessment as documents: HTML, PDF, Word, open data, committee report.

    HTML is one self-contained, accessible file; PDF is A4 with contents and page numbers; Word
    uses real heading styles; csv/xlsx are the published figures with small numbers
    suppressed; committee is a 2–4 page cover report (Word and PDF) with placeholders for the
    officer. Maps use the workspace's boundaries (else those shipped with Safer Places).
    """
    from saferplaces.reports import ReportError, render_formats

    out_dir = out or (assessment if assessment.is_dir() else assessment.parent)
    try:
        with console.status("Rendering"):
            written = render_formats(assessment, formats, out_dir, workspace=state.workspace.home)
    except ReportError as exc:
        raise _fail(str(exc)) from exc
    for path in written:
        console.print(f"Wrote {path}", highlight=False)


@app.command()
def compare(
    areas_: Annotated[list[str], typer.Argument(metavar="AREA...", help="Two or more areas.")],
    start: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    end: Annotated[str, typer.Option("--to", help="Last month, YYYY-MM.")],
    baseline: Annotated[str, typer.Option(help="previous-year or previous-period.")] = "previous-year",
    allow_gaps: Annotated[bool, typer.Option("--allow-gaps")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Headline figures for several areas side by side."""
    from saferplaces.assessment import AssessmentError
    from saferplaces.assessment.compare import compare_areas

    with _opened(read_only=True, errors=(AssessmentError,)) as con:
        rows = compare_areas(con, areas_, start, end, baseline, allow_gaps=allow_gaps)
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"{start} to {end} against {baseline}")
    for col in ("Area", "Population", "Crime", "Change", "p", "Crime/1,000", "ASB", "ASB change",
                "ASB/1,000", "Harm/1,000"):  # fmt: skip
        table.add_column(col, justify="left" if col == "Area" else "right")
    for r in rows:
        table.add_row(
            f"{r['name']} ({r['code']})", f"{r['population']:,}", f"{r['crime']:,}",
            _pct(r["crime_change_percent"]), _p(r["crime_p_value"]), f"{r['crime_rate_per_1000']}",
            f"{r['asb']:,}", _pct(r["asb_change_percent"]), f"{r['asb_rate_per_1000']}",
            f"{r['harm_per_1000']}",
        )  # fmt: skip
    console.print(table)


def _pct(v) -> str:
    return "n/a" if v is None else f"{v:+.1f}%"


def _p(v) -> str:
    return "n/a" if v is None else f"{v:.3f}"


@app.command()
def demo(
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the web app at the end.")
    ] = True,
    port: Annotated[int, typer.Option(help="Port for the web app.")] = 8000,
) -> None:
    """Load the bundled real Staffordshire data, assess Tamworth, render the documents, load
    the demo partnership records and start the web app.

    Pass --no-serve to stop before starting the web app.
    """
    from saferplaces.demo import run_demo

    home = state.workspace.ensure().home
    console.print(f"Workspace: {home}", highlight=False)
    done = run_demo(home, say=lambda s: console.print(s, highlight=False))
    from saferplaces.warehouse.measures import load_demo_measure  # illustrative partner measure

    console.print("\n".join(load_demo_measure(state.workspace.warehouse_path)), highlight=False)
    _print_assessment(done["result"])
    written = [done["assessment"]]
    try:
        from saferplaces.reports import render_formats
    except ImportError:
        render_formats = None
    if render_formats is not None:
        with console.status("Rendering the assessment (HTML, PDF, Word, open data)"):
            written += render_formats(done["assessment"], "html,pdf,docx,csv,committee",
                                      done["out"], workspace=home)  # fmt: skip
    console.rule("Where to look")
    for path in written:
        console.print(f"  {path}", highlight=False)
    console.print(f"  Query the warehouse: .venv/bin/saferplaces -w {home} query "
                  "\"SELECT csp_name, count(*) FROM crimes GROUP BY 1 ORDER BY 2 DESC\"",
                  highlight=False)  # fmt: skip
    from saferplaces.web import commands as web

    console.rule("The partnership workspace")
    web.load_demo(workspace=home)
    if serve:
        console.print(f"Starting the web app on http://127.0.0.1:{port}/partnerships/ "
                      "(Ctrl+C to stop).", highlight=False)  # fmt: skip
        web.serve(port=port, workspace=home)


@app.command()
def refresh(
    base_url: Annotated[
        str, typer.Option(help="Address of data.police.uk (or a mirror serving its archives).")
    ] = "https://data.police.uk",
    publish_only: Annotated[
        bool,
        typer.Option(help="Only publish the read-only copy the web pages read (after a load)."),
    ] = False,
) -> None:
    """The scheduled refresh, now: fetch and load months data.police.uk has published since
    the latest here (for the forces loaded), load partner files dropped in
    <workspace>/drop/measures/, publish the read-only copy, recompute indicators, flag new
    emerging issues and tell the owners. Does nothing (and says so) when nothing is new;
    resumes a refresh that stopped part-way; refuses to run beside another refresh."""
    from saferplaces.warehouse import refresh as wr

    if publish_only:  # the warehouse alone: no workspace records are read or written
        with _plain_errors((wr.RefreshBusy,)):
            published = wr.publish_now(state.workspace.ensure().warehouse_path)
        console.print(f"Published {published}", highlight=False)
        return
    from saferplaces.web import commands as web

    web.setup(state.workspace.ensure().home)
    web.migrate()
    from saferplaces.web.refresh.services import refresh as run_refresh

    with _plain_errors((wr.RefreshBusy,)):
        run = run_refresh(
            base_url=base_url,
            progress=lambda done, total, msg: err.print(f"[{done}/{total}] {msg}"),
        )
    if run.error:
        raise _fail(run.error)
    console.print(run.message, highlight=False)


@app.command()
def remind(
    now: Annotated[
        str | None,
        typer.Option(help="Evaluate as at this moment (ISO date-time, e.g. 2026-12-07T08:00)."),
    ] = None,
) -> None:
    """Send the reminders that are due (actions, quarterly reviews, statutory deadlines) and
    the e-mail digests. The background worker does this hourly; run it from cron where there
    is no worker. Safe to repeat: nobody is reminded of the same thing twice."""
    import datetime as dt

    from saferplaces.web import commands as web

    web.setup(state.workspace.ensure().home)
    web.migrate()
    from django.utils import timezone

    from saferplaces.web.notifications.services import send_due

    if now:
        try:
            at = dt.datetime.fromisoformat(now)
        except ValueError:
            raise _fail(f"--now {now!r} is not a date and time such as 2026-12-07T08:00") from None
        at = timezone.make_aware(at) if timezone.is_naive(at) else at
    else:
        at = timezone.now()
    done = send_due(at)
    console.print(
        f"Reminders as at {timezone.localtime(at):%d %B %Y %H:%M}: "
        f"{done['action_updates']} about actions, {done['quarterly_review']} about quarterly "
        f"reviews, {done['deadlines']} about deadlines, {done['statutory_reviews']} about "
        f"statutory review cases; {done['immediate']} e-mails sent "
        f"straight away, {done['digests']} digests ({done['digest_items']} items).",
        highlight=False, soft_wrap=True,
    )  # fmt: skip


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Run the partnership workspace web app (plan, work plan, performance, board pack).

    Migrates the workspace database first. Records go to workspace.sqlite3 in the workspace
    folder, or to PostgreSQL when DATABASE_URL says so.
    """
    from saferplaces.web import commands as web

    web.serve(host=host, port=port, workspace=state.workspace.ensure().home)


@app.command()
def worker(
    processes: Annotated[
        int, typer.Option("--processes", "-n", min=1, help="Worker processes on this machine.")
    ] = 1,
) -> None:
    """Run background jobs (assessments, board packs, large imports, refreshes, reminders).

    `serve` starts one worker itself; in production run this on one or more machines against
    the same PostgreSQL database (DATABASE_URL). Creates the daily refresh and hourly
    reminders schedules once. Stop with Ctrl+C or SIGTERM.
    """
    from saferplaces.web import commands as web

    web.job_worker(state.workspace.ensure().home, processes)


@app.command("jobs")
def jobs_list(
    limit: Annotated[int, typer.Option(min=1, help="How many of the latest jobs.")] = 30,
) -> None:
    """List the latest background jobs with their status and progress."""
    from saferplaces.web import commands as web

    web.setup(state.workspace.ensure().home)
    web.migrate()
    from django.utils import timezone

    from saferplaces.web.jobs.selectors import recent

    rows = list(recent(limit))
    table = Table(title=f"{len(rows)} latest background jobs")
    for col in ("#", "job", "partnership", "asked", "status", "tries", "progress"):
        table.add_column(col)
    for j in rows:
        if j.status == j.Status.FAILED:
            note = j.error
        elif j.finished:
            note = ", ".join(f["name"] for f in j.result.get("files", [])) or "done"
        else:
            note = f"{j.percent}% {j.progress_message}"
        table.add_row(str(j.pk), j.label, j.partnership.name if j.partnership else "",
                      f"{timezone.localtime(j.created_at):%d %b %H:%M}", j.get_status_display(),
                      f"{j.attempts}/{j.max_attempts}", note)  # fmt: skip
    console.print(table)


@app.command()
def backup(
    to: Annotated[
        Path | None,
        typer.Option("--to", help="Archive file (.tar), or folder for a dated name. Default: here."),
    ] = None,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for a warehouse load in progress.")
    ] = 600.0,
) -> None:
    """Back up the workspace database, the warehouse and stored papers into one archive.

    Safe while the app runs: SQLite through its online backup API, PostgreSQL through pg_dump,
    the warehouse copied once no load is writing it. The archive holds personal data.
    """
    from saferplaces import backup as bk
    from saferplaces.web import commands as web

    web.setup(state.workspace.ensure().home)
    from django.conf import settings

    target = to if to is not None else Path.cwd()
    with _plain_errors((bk.BackupError,)):
        manifest = bk.backup(target, settings.DATABASES["default"],
                             settings.SAFERPLACES_WAREHOUSE_PATH, settings.SAFERPLACES_MEDIA_ROOT,
                             wait=wait, say=lambda s: err.print(s, highlight=False))  # fmt: skip
    db = manifest["workspace_database"]
    wh = manifest["warehouse"]
    console.print(
        f"Backed up to {manifest['archive']} ({manifest['archive_size'] / 1e6:.1f} MB): "
        f"workspace database ({db['engine']}, {len(db['tables'])} tables, "
        f"{sum(db['tables'].values())} rows), "
        + (f"warehouse ({sum(t['rows'] for t in wh['tables'].values())} rows), " if wh else "no warehouse, ")
        + f"{manifest['media_files']} stored papers.",
        highlight=False, soft_wrap=True,
    )  # fmt: skip
    console.print(
        "Not in the archive, on purpose: the secret key, and the key that encrypts statutory "
        "review case details (field_key.txt in the workspace, or SAFERPLACES_FIELD_KEY). Keep a "
        "copy of that key safe and apart from the backups: without it the case details in a "
        "restored workspace cannot be read.",
        highlight=False, soft_wrap=True,
    )  # fmt: skip


@app.command()
def restore(
    archive: Annotated[Path, typer.Argument(help="An archive made by `saferplaces backup`.")],
    workspace: Annotated[
        Path | None, typer.Option("--workspace", "-w", help="Workspace folder to restore into.")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace a workspace (or database) that has data.")
    ] = False,
) -> None:
    """Restore a backup into a new, empty workspace (and the database DATABASE_URL names).

    Checks every file in the archive first. With --replace the previous workspace is kept
    aside until the restore has succeeded.
    """
    import os
    import secrets

    from saferplaces import backup as bk
    from saferplaces.web import commands as web

    home = (workspace.expanduser().resolve() if workspace else state.workspace.home)
    # Settings would otherwise write a new secret key into the (still empty) workspace.
    os.environ.setdefault("SECRET_KEY", "restore-" + secrets.token_urlsafe(32))
    web.setup(home)
    from django.conf import settings
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    with _plain_errors((bk.BackupError,)):
        manifest = bk.restore(archive, home, settings.DATABASES["default"],
                              warehouse=settings.SAFERPLACES_WAREHOUSE_PATH,
                              media=settings.SAFERPLACES_MEDIA_ROOT, replace=replace,
                              known_migrations=known,
                              say=lambda s: err.print(s, highlight=False))  # fmt: skip
    db = manifest["workspace_database"]
    console.print(
        f"Restored the backup of {manifest['created']} into {home}: "
        f"{sum(db['tables'].values())} workspace rows in {len(db['tables'])} tables"
        + (", the warehouse" if manifest["warehouse"] else "")
        + f", {manifest['media_files']} stored papers. Every table matches the backup. "
        "`saferplaces serve` applies any newer migrations.",
        highlight=False, soft_wrap=True,
    )  # fmt: skip
    if not os.environ.get("SAFERPLACES_FIELD_KEY") and not (home / "field_key.txt").exists():
        err.print(
            f"Put the field key kept from the original workspace into {home / 'field_key.txt'} "
            "(or set SAFERPLACES_FIELD_KEY) before serving: statutory review case details are "
            "encrypted with it.",
            highlight=False, soft_wrap=True,
        )  # fmt: skip


@app.command()
def createuser(
    email: Annotated[str, typer.Argument(help="Sign-in e-mail address.")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ],
    full_name: Annotated[str, typer.Option(help="Name shown in the app.")] = "",
    job_title: Annotated[str, typer.Option(help="Role title, e.g. Community Safety Manager.")] = "",
    organisation: Annotated[str, typer.Option(help="Organisation the person works for.")] = "",
    administrator: Annotated[
        bool, typer.Option("--administrator", help="Can see and manage every partnership.")
    ] = False,
) -> None:
    """Add a person who can sign in to the web app."""
    from saferplaces.web import commands as web

    pk = web.createuser(email, password, full_name=full_name, job_title=job_title,
                        organisation=organisation, superuser=administrator,
                        workspace=state.workspace.ensure().home)  # fmt: skip
    console.print(f"Created {email} (id {pk}).", highlight=False)


if __name__ == "__main__":  # pragma: no cover
    app()
