"""`fetch police`, offline: a local HTTP server on 127.0.0.1 serves a small archive built from
the real files, in data.police.uk's archive layout. The server honours Range requests and can
be told to drop the connection after N bytes, to ignore Range, or to serve corrupt bytes.
Nothing here talks to any address but 127.0.0.1.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import json
import os
import shutil
import threading
import zipfile
from datetime import date
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("SAFERPLACES_SHARED_DATA", "/work/shared/data"))
POLICE = SHARED / "police_uk"

pytestmark = pytest.mark.skipif(
    not (POLICE / "staffordshire").is_dir(), reason=f"real data not found at {SHARED}"
)

TODAY = date(2026, 3, 1)


class ArchiveServer(http.server.ThreadingHTTPServer):
    """Serves ``files`` ({url path: bytes}) with Range support and injectable failures."""

    daemon_threads = True

    def __init__(self, files: dict[str, bytes]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files = files
        self.drop_after: int | None = None  # close the connection after this many body bytes
        self.drops_left = 0
        self.ignore_range = False
        self.corrupt_at: int | None = None  # flip one byte at this offset
        self.requests: list[tuple[str, str | None]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: ArchiveServer

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        srv = self.server
        rng = self.headers.get("Range")
        srv.requests.append((self.path, rng))
        data = srv.files.get(self.path)
        if data is None:
            self.send_error(404, "Not Found")
            return
        if srv.corrupt_at is not None:
            data = bytearray(data)
            data[srv.corrupt_at] ^= 0xFF
            data = bytes(data)
        start = 0
        if rng and not srv.ignore_range:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/zip")
        self.end_headers()
        if srv.drop_after is not None and srv.drops_left > 0:
            srv.drops_left -= 1
            self.wfile.write(body[: srv.drop_after])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


def _archive(tmp: Path) -> bytes:
    """A small archive in data.police.uk's layout, from the real files (two forces, kinds)."""
    path = tmp / "archive.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for m in ("2025-10", "2025-11", "2025-12"):
            for force in ("staffordshire", "surrey"):
                src = POLICE / force / f"{m}-{force}-street.csv.gz"
                zf.writestr(f"{m}/{m}-{force}-street.csv", gzip.decompress(src.read_bytes()))
        for m in ("2024-11", "2024-12"):
            src = POLICE / "staffordshire" / f"{m}-staffordshire-stop-and-search.csv.gz"
            zf.writestr(
                f"{m}/{m}-staffordshire-stop-and-search.csv", gzip.decompress(src.read_bytes())
            )
    return path.read_bytes()


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> bytes:
    return _archive(tmp_path_factory.mktemp("archive"))


@pytest.fixture
def server(archive):
    srv = ArchiveServer({"/data/archive/2025-12.zip": archive})
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def geo_template(tmp_path_factory) -> Path:
    geo = pytest.importorskip("saferplaces.warehouse.geography")
    from saferplaces.warehouse.store import connect

    path = tmp_path_factory.mktemp("geo") / "template.duckdb"
    con = connect(path)
    geo.load_geography(con)
    con.close()
    return path


@pytest.fixture
def warehouse(geo_template, tmp_path):
    from saferplaces.warehouse.store import connect

    path = tmp_path / "warehouse.duckdb"
    shutil.copy(geo_template, path)
    con = connect(path)
    yield con
    con.close()


def _fetch(con, server, tmp_path, **kw):
    from saferplaces.warehouse.fetch import fetch_police

    args = dict(forces=["staffordshire"], first="2025-11", last="2025-12", base_url=server.base_url,
                backoff=0.01, today=TODAY)  # fmt: skip
    args.update(kw)
    return fetch_police(con, tmp_path / "downloads", **args)


def test_archive_months_cover_the_range():
    from saferplaces.warehouse.fetch import archive_url, archives_for

    assert archives_for(date(2023, 1, 1), date(2025, 12, 1)) == [date(2025, 12, 1)]
    assert archives_for(date(2022, 12, 1), date(2025, 12, 1)) == [
        date(2025, 12, 1),
        date(2022, 12, 1),
    ]
    assert archive_url("https://data.police.uk/", date(2025, 12, 1)) == (
        "https://data.police.uk/data/archive/2025-12.zip"
    )


def test_fetch_downloads_checks_records_and_loads_only_what_was_asked(
    warehouse, server, tmp_path, archive
):
    report = _fetch(warehouse, server, tmp_path)
    (d,) = report.downloads
    assert d.size == len(archive) and d.sha256 == hashlib.sha256(archive).hexdigest()
    assert not d.resumed
    record = json.loads((tmp_path / "downloads" / "2025-12.zip.json").read_text())
    assert record["sha256"] == d.sha256 and record["url"].endswith("/data/archive/2025-12.zip")
    assert not (tmp_path / "downloads" / "2025-12.zip.part").exists()
    (load,) = report.loads
    assert sorted((r.force, r.month, r.kind, r.action) for r in load.results) == [
        ("staffordshire", "2025-11", "street", "new"),
        ("staffordshire", "2025-12", "street", "new"),
    ]
    assert load.not_selected == 6  # 2025-10, Surrey, stop and search: not asked for
    assert warehouse.execute("SELECT count(*) FROM crimes").fetchone()[0] == 7921 + 8611
    # Running again reuses the checked download and finds the units unchanged.
    again = _fetch(warehouse, server, tmp_path)
    assert again.downloads[0].reused
    assert {r.action for r in again.loads[0].results} == {"unchanged"}
    assert len(server.requests) == 1


def test_a_dropped_connection_resumes_with_a_range_request(warehouse, server, tmp_path, archive):
    server.drop_after = len(archive) // 3
    server.drops_left = 2
    report = _fetch(warehouse, server, tmp_path, kinds=["street", "stop-and-search"],
                    first="2024-11", last="2025-12")  # fmt: skip
    (d,) = report.downloads
    assert d.resumed and d.attempts == 3
    assert d.sha256 == hashlib.sha256(archive).hexdigest()
    ranges = [r for _, r in server.requests]
    assert ranges == [None, f"bytes={len(archive) // 3}-", f"bytes={2 * (len(archive) // 3)}-"]
    assert {r.kind for r in report.loads[0].results} == {"street", "stop-and-search"}
    assert warehouse.execute("SELECT count(*) FROM stop_search").fetchone()[0] == 510 + 616


def test_an_interrupted_run_is_resumed_by_the_next_run(warehouse, server, tmp_path, archive):
    from saferplaces.warehouse.fetch import FetchError

    server.drop_after = 100_000
    server.drops_left = 10
    with pytest.raises(FetchError, match="run the same command again to resume"):
        _fetch(warehouse, server, tmp_path, retries=1)
    part = tmp_path / "downloads" / "2025-12.zip.part"
    assert part.stat().st_size == 200_000
    assert warehouse.execute("SELECT count(*) FROM police_loads").fetchone()[0] == 0
    server.drops_left = 0
    report = _fetch(warehouse, server, tmp_path)
    assert report.downloads[0].resumed
    assert server.requests[-1][1] == "bytes=200000-"
    assert report.downloads[0].sha256 == hashlib.sha256(archive).hexdigest()


def test_a_server_that_ignores_range_restarts_cleanly(warehouse, server, tmp_path, archive):
    server.drop_after = 50_000
    server.drops_left = 1
    server.ignore_range = True
    report = _fetch(warehouse, server, tmp_path)
    assert report.downloads[0].sha256 == hashlib.sha256(archive).hexdigest()


def test_a_corrupt_download_is_refused_and_nothing_is_loaded(warehouse, server, tmp_path, archive):
    from saferplaces.warehouse.fetch import FetchError

    server.corrupt_at = len(archive) // 2  # inside a member's compressed data
    with pytest.raises(FetchError, match=r"corrupt|not a readable zip"):
        _fetch(warehouse, server, tmp_path)
    downloads = tmp_path / "downloads"
    assert not (downloads / "2025-12.zip").exists()
    assert not (downloads / "2025-12.zip.part").exists()
    assert warehouse.execute("SELECT count(*) FROM police_loads").fetchone()[0] == 0


def test_a_missing_archive_says_so(warehouse, server, tmp_path):
    from saferplaces.warehouse.fetch import FetchError

    with pytest.raises(FetchError, match=r"HTTP 404.*earlier --to"):
        _fetch(warehouse, server, tmp_path, first="2026-01", last="2026-01")


def test_unknown_force_and_bad_months_are_named(warehouse, server, tmp_path):
    from saferplaces.warehouse.fetch import FetchError

    with pytest.raises(FetchError, match=r"'gotham' is not a data\.police\.uk force"):
        _fetch(warehouse, server, tmp_path, forces=["gotham"])
    with pytest.raises(FetchError, match="--from '2025/01' is not a month"):
        _fetch(warehouse, server, tmp_path, first="2025/01")
    assert server.requests == []


def test_the_fetch_command_downloads_and_loads(geo_template, server, tmp_path, archive):
    from typer.testing import CliRunner

    from saferplaces.cli import app

    home = tmp_path / "ws"
    home.mkdir()
    shutil.copy(geo_template, home / "warehouse.duckdb")
    server.drop_after = len(archive) // 2
    server.drops_left = 1
    result = CliRunner().invoke(
        app,
        ["--workspace", str(home), "fetch", "police", "--force", "Staffordshire Police",
         "--from", "2025-12", "--to", "2025-12", "--kind", "street", "--base-url",
         server.base_url, "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (d,) = report["downloads"]
    assert d["resumed"] and d["sha256"] == hashlib.sha256(archive).hexdigest()
    (load,) = report["loads"]
    assert [(f["force"], f["month"], f["action"]) for f in load["files"]] == [
        ("staffordshire", "2025-12", "new")
    ]
    assert (home / "downloads" / "2025-12.zip").exists()
