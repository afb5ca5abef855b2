"""Downloading data.police.uk archives, resumably, then loading the wanted part of them.

What is supported: the **archive downloads** at ``<base>/data/archive/YYYY-MM.zip``. The archive
for month M holds every force's street, outcomes and stop-and-search files for the 36 months
ending in M (members ``YYYY-MM/YYYY-MM-<force>-<kind>.csv``), about 1.5–2 GB. data.police.uk
redirects these to its file store; redirects are followed.

What is not: **custom downloads** (the form at data.police.uk/data/) are generated on the site
for one request and have no stable address, so they cannot be fetched here. Download one in a
browser and give the zip to ``saferplaces load police`` instead; the loader accepts it as is.

How it works: the archive is written to ``<workspace>/downloads/YYYY-MM.zip.part``. If the
connection drops, the download resumes from the bytes already on disk with an HTTP Range
request (a server that ignores Range makes it start again). When all bytes are there, the zip is
checked member by member (``zipfile.testzip``: every CRC), its SHA-256 is computed, and only then
is it renamed to ``YYYY-MM.zip`` with a ``YYYY-MM.zip.json`` record beside it (URL, size,
SHA-256, time). A corrupt download is deleted and refused, and nothing is loaded. data.police.uk
publishes MD5 sums on its archive page, but not in a machine-readable form, so they are not
checked here; the CRC check of every member catches a damaged transfer.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from saferplaces import __version__
from saferplaces.warehouse import forces as force_list
from saferplaces.warehouse.police import LoadReport, Progress, load_police
from saferplaces.warehouse.sources import KINDS, PoliceFile
from saferplaces.warehouse.store import WarehouseError

DEFAULT_BASE_URL = "https://data.police.uk"
ARCHIVE_PATH = "/data/archive/{month}.zip"
ARCHIVE_MONTHS = 36  # months held by one archive, ending with the archive's own month
CHUNK = 1 << 20

# (bytes so far, total bytes or None) for the download progress bar.
DownloadProgress = Callable[[int, int | None], None]


class FetchError(WarehouseError):
    pass


@dataclass
class Download:
    url: str
    path: Path
    size: int
    sha256: str
    resumed: bool = False  # some bytes came from an earlier, interrupted attempt
    reused: bool = False  # already downloaded and checked earlier; nothing fetched
    attempts: int = 1


@dataclass
class FetchReport:
    downloads: list[Download]
    loads: list[LoadReport] = field(default_factory=list)


def parse_month(text: str, what: str = "month") -> date:
    try:
        year, month = (int(x) for x in text.strip().split("-"))
        return date(year, month, 1)
    except ValueError:
        raise FetchError(f"{what} {text!r} is not a month; write it as YYYY-MM.") from None


def _add_months(d: date, n: int) -> date:
    k = d.year * 12 + d.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def archives_for(first: date, last: date) -> list[date]:
    """Archive months whose 36-month windows together cover ``first`` … ``last``, newest first."""
    if first > last:
        raise FetchError(f"--from {first:%Y-%m} is after --to {last:%Y-%m}.")
    out = []
    end = last
    while end >= first:
        out.append(end)
        end = _add_months(end, -ARCHIVE_MONTHS)
    return out


def archive_url(base_url: str, month: date) -> str:
    return base_url.rstrip("/") + ARCHIVE_PATH.format(month=f"{month:%Y-%m}")


def download(
    url: str,
    dest: Path,
    progress: DownloadProgress | None = None,
    retries: int = 5,
    timeout: float = 60.0,
    backoff: float = 1.0,
) -> Download:
    """Download ``url`` to ``dest``, resuming into ``dest.part``; verify it is a sound zip.

    Raises FetchError if the server refuses, if the download keeps failing after ``retries``
    resumptions (the ``.part`` file is kept, so running again resumes), or if the finished file
    is not a sound zip (then the ``.part`` file is deleted).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    record = dest.with_name(dest.name + ".json")
    if dest.exists() and record.exists():
        with contextlib.suppress(ValueError, OSError):
            info = json.loads(record.read_text())
            if info.get("url") == url and info.get("size") == dest.stat().st_size:
                return Download(url, dest, info["size"], info["sha256"], reused=True, attempts=0)
    part = dest.with_name(dest.name + ".part")
    resumed = part.exists() and part.stat().st_size > 0
    attempts = 0
    total: int | None = None
    last_error: Exception | None = None
    while True:
        attempts += 1
        try:
            total = _get(url, part, timeout, progress)
            break
        except _Retryable as exc:
            last_error = exc.__cause__ or exc
            if attempts > retries:
                raise FetchError(
                    f"{url}: the download failed {attempts} times ({last_error}). "
                    f"{part.stat().st_size if part.exists() else 0:,} bytes are kept in {part}; "
                    "run the same command again to resume."
                ) from exc
            resumed = True
            time.sleep(backoff * attempts)
    size = part.stat().st_size
    if total is not None and size != total:
        part.unlink(missing_ok=True)
        raise FetchError(f"{url}: got {size:,} bytes but the server said {total:,}; run again.")
    sha = _check_zip(part, url)
    part.replace(dest)
    record.write_text(
        json.dumps(
            {
                "url": url,
                "size": size,
                "sha256": sha,
                "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "software_version": __version__,
            },
            indent=2,
        )
    )
    return Download(url, dest, size, sha, resumed=resumed, attempts=attempts)


class _Retryable(Exception):
    pass


def _get(url: str, part: Path, timeout: float, progress: DownloadProgress | None) -> int | None:
    """One attempt: fetch the bytes missing from ``part``. Returns the full size if known."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": f"saferplaces/{__version__}"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            # Nothing left to fetch: the part file already holds every byte.
            total = _total_from_range(exc.headers.get("Content-Range"))
            if total is None or total == have:
                return have
            part.unlink()
            raise _Retryable(
                "the partial download does not match the file; starting again"
            ) from exc
        if exc.code in (408, 429, 500, 502, 503, 504):
            raise _Retryable(f"HTTP {exc.code}") from exc
        hint = (
            " data.police.uk keeps archives for past months only; try an earlier --to, or see "
            "https://data.police.uk/data/archive/ for the list."
            if exc.code == 404
            else ""
        )
        raise FetchError(f"{url}: the server answered HTTP {exc.code} {exc.reason}.{hint}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise _Retryable(str(getattr(exc, "reason", exc))) from exc
    with response:
        if have and response.status == 206:
            total = _total_from_range(response.headers.get("Content-Range"))
            mode = "ab"
        else:
            # A 200 to a Range request means the server ignored it: start again from byte 0.
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            have, mode = 0, "wb"
        try:
            with open(part, mode) as out:
                while True:
                    chunk = response.read(CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    have += len(chunk)
                    if progress:
                        progress(have, total)
        except (http.client.IncompleteRead, ConnectionError, TimeoutError, OSError) as exc:  # fmt: skip
            raise _Retryable(f"the connection dropped after {have:,} bytes") from exc
    if total is not None and have < total:
        raise _Retryable(f"the connection closed after {have:,} of {total:,} bytes")
    return total


def _total_from_range(header: str | None) -> int | None:
    # "bytes 100-199/1000" or "bytes */1000"
    if header and "/" in header:
        tail = header.rsplit("/", 1)[1].strip()
        if tail.isdigit():
            return int(tail)
    return None


def _check_zip(part: Path, url: str) -> str:
    """SHA-256 of a finished download, after checking every member's CRC."""
    try:
        with zipfile.ZipFile(part) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        part.unlink(missing_ok=True)
        raise FetchError(
            f"{url}: the download is not a readable zip ({exc}); it was deleted. Run again to "
            "download it afresh."
        ) from exc
    if bad is not None:
        part.unlink(missing_ok=True)
        raise FetchError(
            f"{url}: the download is corrupt (member {bad!r} fails its CRC check); it was "
            "deleted and nothing was loaded. Run again to download it afresh."
        )
    digest = hashlib.sha256()
    with open(part, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_police(
    con: duckdb.DuckDBPyConnection,
    downloads: Path,
    forces: list[str],
    first: str,
    last: str,
    kinds: list[str] | None = None,
    base_url: str = DEFAULT_BASE_URL,
    download_progress: Callable[[str], DownloadProgress] | None = None,
    load_progress: Progress | None = None,
    retries: int = 5,
    backoff: float = 1.0,
    today: date | None = None,
) -> FetchReport:
    """Download the archives covering ``first`` … ``last`` and load the given forces' files."""
    slugs = []
    for name in forces:
        found = force_list.force_for(name)
        if found is None:
            raise FetchError(
                f"{name!r} is not a data.police.uk force. Known forces: "
                + ", ".join(f.slug for f in force_list.FORCES)
            )
        slugs.append(found.slug)
    kinds = kinds or list(KINDS)
    for kind in kinds:
        if kind not in KINDS:
            raise FetchError(f"{kind!r} is not a kind of file; use {', '.join(KINDS)}.")
    start, end = parse_month(first, "--from"), parse_month(last, "--to")
    archives = archives_for(start, end)
    report = FetchReport([])
    for month in archives:
        url = archive_url(base_url, month)
        report.downloads.append(
            download(
                url,
                Path(downloads) / f"{month:%Y-%m}.zip",
                progress=download_progress(url) if download_progress else None,
                retries=retries,
                backoff=backoff,
            )
        )
    window_start = {d.path: _add_months(m, 1 - ARCHIVE_MONTHS) for d, m in
                    zip(report.downloads, archives, strict=True)}  # fmt: skip

    for d in report.downloads:
        low = max(start, window_start[d.path])
        # An earlier archive only fills the months the newer ones do not hold.
        high = min(end, _add_months(window_start[d.path], ARCHIVE_MONTHS - 1))
        if d is not report.downloads[0]:
            newer = report.downloads[report.downloads.index(d) - 1]
            high = min(high, _add_months(window_start[newer.path], -1))

        def wanted(pf: PoliceFile, low: date = low, high: date = high) -> bool:
            if pf.name_force not in slugs or pf.name_kind not in kinds or not pf.name_month:
                return False
            return f"{low:%Y-%m}" <= pf.name_month <= f"{high:%Y-%m}"

        report.loads.append(
            load_police(con, [d.path], progress=load_progress, select=wanted, today=today)
        )
    return report


__all__ = [
    "DEFAULT_BASE_URL",
    "Download",
    "FetchError",
    "FetchReport",
    "archive_url",
    "archives_for",
    "download",
    "fetch_police",
]
