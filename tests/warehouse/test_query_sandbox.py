"""`saferplaces query` is a sandbox: one SELECT over the views, and nothing else, ever.

Each escape attempt below runs through the real CLI against a real warehouse (Staffordshire
street and stop-and-search files, City of London outcomes, the shipped geography). After each
one the warehouse, the partnership database beside it and a canary folder elsewhere on disk
must be exactly as they were, and nothing secret may appear in what was printed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

SHARED = Path(os.environ.get("SAFERPLACES_SHARED_DATA", "/work/shared/data"))
POLICE = SHARED / "police_uk"

pytestmark = pytest.mark.skipif(not POLICE.is_dir(), reason=f"real data not found at {SHARED}")

SECRET = "CANARY-d41c7e0b-never-printed"
FILES = "Reading or writing files is not allowed in `saferplaces query`"
NOT_ALLOWED = "is not allowed in `saferplaces query`, which only reads"


def run(home: Path, *args: str):
    from saferplaces.cli import app

    return CliRunner().invoke(app, ["--workspace", str(home), *args])


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, Path]:
    """A workspace with a real warehouse, a partnership database and a secret key, plus a
    canary folder outside it that holds a secret file and an IMPORT DATABASE bait."""
    from saferplaces.warehouse.geography import load_geography
    from saferplaces.warehouse.store import connect

    root = tmp_path_factory.mktemp("sandbox")
    ws = root / "ws"
    con = connect(ws / "warehouse.duckdb")
    load_geography(con)
    con.close()
    files = [POLICE / "staffordshire" / f"2025-0{m}-staffordshire-street.csv.gz" for m in (1, 2)]
    files += [POLICE / "staffordshire" / "2024-12-staffordshire-stop-and-search.csv.gz",
              POLICE / "city-of-london" / "2024-11-city-of-london-outcomes.csv.gz"]  # fmt: skip
    loaded = run(ws, "load", "police", *map(str, files), "--json")
    assert loaded.exit_code == 0, loaded.output
    db = sqlite3.connect(ws / "workspace.sqlite3")
    db.execute("CREATE TABLE plan (title TEXT)")
    db.execute("INSERT INTO plan VALUES ('Community safety plan 2025 to 2028')")
    db.commit()
    db.close()
    (ws / "secret_key.txt").write_text(SECRET + "-web-key\n")
    canary = root / "canary"
    (canary / "export").mkdir(parents=True)
    (canary / "secret.txt").write_text(SECRET + "\n")
    (canary / "secret.csv").write_text(f"a\n{SECRET}\n")
    (canary / "import").mkdir()
    # Parsing IMPORT DATABASE reads these; a parse error would quote the first word.
    (canary / "import" / "schema.sql").write_text(f"{SECRET} CREATE TABLE x (a INT);\n")
    (canary / "import" / "load.sql").write_text("")
    return {"ws": ws, "canary": canary, "warehouse": ws / "warehouse.duckdb"}


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "dir"
        for p in sorted(folder.rglob("*"))
    }


def _tables(warehouse: Path) -> dict[str, tuple]:
    # A fresh connection: row count and a hash of every row of every table.
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]  # fmt: skip
        return {
            n: con.execute(f'SELECT count(*), coalesce(sum(hash(t)), 0) FROM "{n}" t').fetchone()
            for n in names
        }
    finally:
        con.close()


def _state(places: dict[str, Path]) -> dict:
    return {"workspace": _tree(places["ws"]), "canary": _tree(places["canary"]),
            "tables": _tables(places["warehouse"])}  # fmt: skip


@pytest.fixture(scope="module")
def before(places) -> dict:
    state = _state(places)
    assert state["tables"]["police_street"][0] == 14407
    assert state["tables"]["police_stop_search"][0] == 616
    return state


HOME = str(Path.home())

# (what it tries, SQL with {ws} and {canary} filled in, what the refusal must say)
# fmt: off
ATTEMPTS = [
    # The findings, as they were seen.
    ("read /etc/passwd", "SELECT * FROM read_csv('/etc/passwd')", FILES + ": read_csv('/etc/passwd')"),
    ("read the web secret key", "SELECT content FROM read_text('{ws}/secret_key.txt')", FILES),
    ("glob a home folder", f"SELECT * FROM glob('{HOME}/*')", FILES),
    ("COPY over the partnership database behind /**/",
     "/**/ COPY (SELECT 'x' AS a) TO '{ws}/workspace.sqlite3'", "COPY (reading or writing files) " + NOT_ALLOWED),
    ("quote in a -- comment hides ATTACH and DELETEs",
     "SELECT 1 -- it's only a look\n; DETACH warehouse; ATTACH '{ws}/warehouse.duckdb' AS w; "
     "DELETE FROM w.police_street; DELETE FROM w.police_loads",
     "Only one SELECT statement is allowed; this text holds 5 statements"),
    ("INSTALL httpfs", "INSTALL httpfs", "INSTALL or LOAD (DuckDB extensions) " + NOT_ALLOWED),
    # Several statements, however disguised.
    ("two statements", "SELECT 1; SELECT 2", "this text holds 2 statements"),
    ("; inside a string then DELETE", "SELECT 'a;b' AS s; DELETE FROM police_loads", "holds 2 statements"),
    ("; inside a block comment then DROP", "SELECT 1 /* ; */ ; DROP VIEW crimes", "holds 2 statements"),
    ("quote in a block comment", "SELECT 1 /* it's */; UPDATE police_loads SET is_current = false", "holds 2 statements"),
    ("dollar quotes", "SELECT $$;$$ AS s; DELETE FROM police_street", "holds 2 statements"),
    ("nothing but a comment", "-- SELECT 1", "this text holds no statement"),
    ("nothing but semicolons", " ; ; ", "this text holds no statement"),
    # One statement that is not a SELECT.
    ("/**/ DELETE", "/**/ DELETE FROM police_street", "DELETE or TRUNCATE (removing rows) " + NOT_ALLOWED),
    ("/* SELECT */ UPDATE", "/* SELECT */ UPDATE police_loads SET is_current = false", "UPDATE (changing rows)"),
    ("no-break space DELETE", "DELETE\u00a0FROM police_street", "DELETE or TRUNCATE"),
    ("byte-order mark DELETE", "\ufeffDELETE FROM police_street", "DELETE or TRUNCATE"),
    ("TRUNCATE", "TRUNCATE police_street", "DELETE or TRUNCATE"),
    ("CTE-wrapped DELETE", "WITH x AS (SELECT 1) DELETE FROM police_street", "DELETE or TRUNCATE"),
    ("CTE-wrapped INSERT", "WITH x AS (SELECT 1) INSERT INTO police_loads SELECT * FROM police_loads", "INSERT (adding rows)"),
    ("MERGE", "MERGE INTO police_loads USING (SELECT 1 AS load_id) s USING (load_id) WHEN MATCHED THEN DELETE", "MERGE"),
    ("DROP VIEW", "DROP VIEW crimes", "DROP"),
    ("ALTER VIEW", "ALTER VIEW crimes RENAME TO c2", "ALTER (changing tables)"),
    ("CREATE TEMP TABLE", "CREATE TEMP TABLE t AS SELECT 1 AS a", "CREATE (making tables"),
    ("CREATE TEMP MACRO", "CREATE TEMP MACRO m() AS 1", "CREATE"),
    ("CREATE SECRET", "CREATE SECRET s (TYPE s3, KEY_ID 'k', SECRET 'v')", "CREATE"),
    ("PIVOT that needs a type", "PIVOT police_loads ON kind", "holds 2 statements"),
    ("COPY TO the canary", "COPY (SELECT * FROM crimes) TO '{canary}/export/crimes.csv'", "COPY"),
    ("COPY FROM a file", "COPY police_loads FROM '{canary}/secret.csv'", "COPY"),
    ("EXPORT DATABASE", "EXPORT DATABASE '{canary}/export'", "EXPORT DATABASE (writing files)"),
    ("IMPORT DATABASE", "IMPORT DATABASE '{canary}/import'", FILES),
    ("PRAGMA import_database", "PRAGMA import_database('{canary}/import')", FILES),
    ("ATTACH :memory:", "ATTACH ':memory:' AS m", "ATTACH (opening another database)"),
    ("ATTACH the partnership database", "ATTACH '{ws}/workspace.sqlite3' AS s (TYPE sqlite)", "ATTACH"),
    ("DETACH", "DETACH warehouse", "DETACH"),
    ("LOAD", "LOAD httpfs", "INSTALL or LOAD"),
    ("UPDATE EXTENSIONS", "UPDATE EXTENSIONS", "This kind of statement " + NOT_ALLOWED),
    ("SET external access back on", "SET enable_external_access = true", "SET, RESET or USE (changing settings)"),
    ("RESET external access", "RESET enable_external_access", "SET, RESET or USE"),
    ("unlock the configuration", "SET lock_configuration = false", "SET, RESET or USE"),
    ("USE another catalog", "USE memory", "SET, RESET or USE"),
    ("SET VARIABLE", "SET VARIABLE x = 1", "SET"),
    ("PRAGMA enable_profiling", "PRAGMA enable_profiling", "PRAGMA (changing settings)"),
    ("PRAGMA profiling to a file", "PRAGMA profiling_output = '{canary}/profile.txt'", "SET, RESET or USE"),
    ("PRAGMA threads", "PRAGMA threads = 1", "SET, RESET or USE"),
    ("CALL", "CALL dbgen(sf = 0.01)", "CALL or CHECKPOINT"),
    ("CHECKPOINT", "CHECKPOINT", "CALL or CHECKPOINT"),
    ("FORCE CHECKPOINT", "FORCE CHECKPOINT", "CALL or CHECKPOINT"),
    ("VACUUM", "VACUUM ANALYZE police_street", "VACUUM or ANALYZE"),
    ("BEGIN", "BEGIN TRANSACTION", "BEGIN, COMMIT or ROLLBACK"),
    ("COMMIT", "COMMIT", "BEGIN, COMMIT or ROLLBACK"),
    ("EXPLAIN ANALYZE a DELETE", "EXPLAIN ANALYZE DELETE FROM police_street", "EXPLAIN"),
    ("PREPARE a DELETE", "PREPARE p AS DELETE FROM police_street", "PREPARE"),
    ("EXECUTE", "EXECUTE p", "EXECUTE"),
    # A SELECT that reaches for files or the network.
    ("read_csv_auto", "SELECT * FROM read_csv_auto('{canary}/secret.csv')", FILES),
    ("read_csv of a list", "SELECT * FROM read_csv(['{canary}/secret.csv'])", FILES),
    ("read_parquet", "SELECT * FROM read_parquet('{canary}/secret.txt')", FILES),
    ("parquet_scan", "SELECT * FROM parquet_scan('{canary}/secret.txt')", FILES),
    ("read_json", "SELECT * FROM read_json('{canary}/secret.txt')", FILES),
    ("read_blob of the warehouse's own log", "SELECT * FROM read_blob('{ws}/warehouse.duckdb.wal')", FILES),
    ("read_blob of the warehouse itself", "SELECT content FROM read_blob('{ws}/warehouse.duckdb')", FILES),
    ("sniff_csv", "SELECT * FROM sniff_csv('{canary}/secret.csv')", FILES),
    ("replacement scan of a file", "SELECT * FROM '{canary}/secret.csv'", FILES),
    ("FROM-first read_text", "FROM read_text('{canary}/secret.txt')", FILES),
    ("read_text in a subquery", "SELECT (SELECT content FROM read_text('{canary}/secret.txt')) AS c", FILES),
    ("read_text in a CTE", "WITH t AS (SELECT * FROM read_text('{canary}/secret.txt')) SELECT * FROM t", FILES),
    ("DESCRIBE a file read", "DESCRIBE SELECT * FROM read_csv('{canary}/secret.csv')", FILES),
    ("secrets on disk", "SELECT * FROM duckdb_secrets()", FILES),
    ("an https read", "SELECT * FROM read_csv('https://example.invalid/x.csv')", "not allowed"),
    ("sqlite_scan of the partnership database", "SELECT * FROM sqlite_scan('{ws}/workspace.sqlite3', 'plan')", "The query failed"),
    ("query() running a DELETE", "SELECT * FROM query('DELETE FROM police_street')", "Expected a single SELECT statement"),
]
# fmt: on


@pytest.mark.parametrize(("what", "sql", "says"), ATTEMPTS, ids=[a[0] for a in ATTEMPTS])
def test_escape_attempt_is_refused_and_changes_nothing(places, before, what, sql, says):
    text = sql.format(ws=places["ws"], canary=places["canary"])
    result = run(places["ws"], "query", "--", text)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.output.startswith("Error: ") and says in result.output, result.output
    assert "Traceback" not in result.output and SECRET not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert _state(places) == before


def test_corpus_is_large_enough():
    assert len(ATTEMPTS) >= 40


def test_the_copy_of_the_finding_fails_in_a_real_process_too(places, before):
    sql = f"/**/ COPY (SELECT 'x' AS a) TO '{places['ws']}/workspace.sqlite3'"
    done = subprocess.run(
        [sys.executable, "-m", "saferplaces.cli", "--workspace", str(places["ws"]), "query", sql],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1 and "COPY (reading or writing files) is not allowed" in done.stderr
    assert "Traceback" not in done.stderr
    assert _state(places) == before
    assert sqlite3.connect(places["ws"] / "workspace.sqlite3").execute(
        "SELECT title FROM plan").fetchall() == [("Community safety plan 2025 to 2028",)]  # fmt: skip


def _json(places, sql: str) -> list[dict]:
    result = run(places["ws"], "query", sql, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ordinary_selects_still_work_with_real_counts(places, before):
    assert _json(places, "SELECT count(*) AS n FROM crimes") == [{"n": 14407}]
    by_month = _json(places, "WITH m AS (SELECT month, count(*) AS n FROM crimes GROUP BY 1) "
                     "SELECT strftime(month, '%Y-%m') AS month, n FROM m ORDER BY 1")  # fmt: skip
    assert by_month == [{"month": "2025-01", "n": 7522}, {"month": "2025-02", "n": 6885}]
    # A trailing ;, a quote in a comment and a ; in a string are all one SELECT.
    assert _json(places, "SELECT count(*) AS n FROM stop_search;") == [{"n": 616}]
    assert _json(places, "SELECT count(*) AS n FROM crimes -- the month's total\n;") == [
        {"n": 14407}
    ]
    assert _json(places, "SELECT 'a;b' AS s /* it's; fine */") == [{"s": "a;b"}]
    tamworth = _json(places, "SELECT count(*) AS n FROM crimes WHERE csp_name = 'Tamworth'")
    assert tamworth[0]["n"] > 500
    # PRAGMAs that DuckDB itself turns into a SELECT only read.
    assert _json(places, "PRAGMA table_info('loads')")[0]["name"] == "load_id"
    assert _state(places) == before


def test_every_documented_view_reads_in_the_sandbox(places):
    from saferplaces.warehouse.schema import PUBLIC_VIEWS

    counts = _json(places, "SELECT " + ", ".join(
        f"(SELECT count(*) FROM {v}) AS {v}" for v in PUBLIC_VIEWS))[0]  # fmt: skip
    assert counts["crimes"] == 14407 and counts["stop_search"] == 616
    assert counts["outcomes"] > 0 and counts["loads"] == 4 and counts["rejects"] >= 0
    assert all(counts[v] > 0 for v in ("areas", "area_lsoas", "deprivation", "population"))


def test_a_bad_query_is_reported_plainly(places):
    bad = run(places["ws"], "query", "SELECT nonsense FROM crimes")
    assert bad.exit_code == 1 and bad.output.startswith("Error: The query failed: Binder Error")
    missing = run(places["ws"], "query", "SELECT * FROM police_data")
    assert missing.exit_code == 1 and "Give one SELECT" in missing.output
    typo = run(places["ws"], "query", "SELEC 1")
    assert typo.exit_code == 1 and "The query could not be read: syntax error" in typo.output
