"""Finding data.police.uk CSV files in what users actually have.

Accepted: a data.police.uk download zip (custom download or the full archive, with members named
``YYYY-MM/YYYY-MM-<force>-<kind>.csv``), a folder of those files (searched recursively), and
single ``.csv`` or ``.csv.gz`` files. Zip members are streamed, never extracted to disk.

Each file found becomes a :class:`PoliceFile`; a (force, month, kind) is the unit the loader
replaces. Members of a zip that are not police CSVs are listed as skipped, not silently ignored.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from saferplaces.warehouse.store import WarehouseError

KINDS = ("street", "outcomes", "stop-and-search")
NAME_PATTERN = re.compile(
    r"(?P<month>\d{4}-\d{2})-(?P<force>[a-z][a-z-]*?)-(?P<kind>street|outcomes|stop-and-search)"
    r"\.csv(?:\.gz)?$"
)

# Guards against zip bombs: a single monthly CSV for the largest force (the Met) is ~40 MB, and
# CSV text compresses about 5–10 times, so these limits leave a wide margin for real files.
MAX_MEMBER_BYTES = 512 * 1024**2
MAX_COMPRESSION_RATIO = 100


class SourceError(WarehouseError):
    pass


class ZipPool:
    """Open zip files, shared by the members of one load, so the central directory of an archive
    with thousands of members is read once rather than once per member.

    ``zipfile`` serialises reads of one archive with a lock, so members may be read from a
    background thread while the loader works on earlier ones.
    """

    def __init__(self) -> None:
        self._open: dict[Path, zipfile.ZipFile] = {}
        self._lock = threading.Lock()

    def get(self, path: Path) -> zipfile.ZipFile:
        with self._lock:
            zf = self._open.get(path)
            if zf is None:
                zf = self._open[path] = zipfile.ZipFile(path)
            return zf

    def close(self) -> None:
        with self._lock:
            for zf in self._open.values():
                zf.close()
            self._open.clear()


@dataclass
class PoliceFile:
    """One CSV to load, wherever it lives."""

    display_name: str  # path, or "archive.zip!2025-01/2025-01-force-street.csv"
    path: Path  # the file on disk (the zip, for a member)
    member: str | None = None  # member name inside a zip
    name_force: str | None = None
    name_month: str | None = None
    name_kind: str | None = None
    compressed_size: int = 0
    declared_size: int = 0
    pool: ZipPool | None = field(default=None, repr=False, compare=False)
    _sha256: str | None = field(default=None, repr=False)

    @property
    def is_zip_member(self) -> bool:
        return self.member is not None

    @property
    def is_gzip(self) -> bool:
        return self.member is None and self.path.name.lower().endswith(".gz")

    def _zip(self) -> zipfile.ZipFile:
        return self.pool.get(self.path) if self.pool else zipfile.ZipFile(self.path)

    def read_bytes(self) -> bytes:
        """The CSV bytes, decompressed; guarded against zip and gzip bombs."""
        if self.member is not None:
            return _read_member(self._zip(), self.member, self.display_name, own=self.pool is None)
        if self.is_gzip:
            try:
                with gzip.open(self.path, "rb") as fh:
                    data = _read_capped(fh, self.display_name, self.path.stat().st_size)
            except (OSError, EOFError, zlib.error) as exc:
                raise SourceError(
                    f"{self.display_name}: not a readable gzip file ({exc}); "
                    "it may be truncated or damaged."
                ) from exc
        else:
            data = self.path.read_bytes()
        self._sha256 = hashlib.sha256(data).hexdigest()
        return data

    def head(self, n: int = 65536) -> bytes:
        """The first bytes of the CSV (for the header check), decompressed."""
        try:
            if self.member is not None:
                with self._zip().open(self.member) as fh:
                    return fh.read(n)
            if self.is_gzip:
                with gzip.open(self.path, "rb") as fh:
                    return fh.read(n)
            with open(self.path, "rb") as fh:
                return fh.read(n)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise SourceError(f"{self.display_name}: cannot be read ({exc}).") from exc

    def sha256(self) -> str:
        """SHA-256 of the CSV bytes (decompressed), so a month hashes the same whether it
        arrives as a .csv, a .csv.gz or a member of a download zip."""
        if self._sha256 is None:
            self._sha256 = hashlib.sha256(self.read_bytes()).hexdigest()
        return self._sha256


def _read_capped(fh: io.BufferedIOBase, name: str, compressed: int | None = None) -> bytes:
    chunks = []
    total = 0
    while True:
        chunk = fh.read(1 << 22)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > MAX_MEMBER_BYTES:
            raise SourceError(
                f"{name}: refused: it expands past {MAX_MEMBER_BYTES // 1024**2:,} MiB, far "
                "beyond any real data.police.uk file (a zip bomb or a damaged file)."
            )
        if compressed and total > 1 << 24 and total / compressed > MAX_COMPRESSION_RATIO:
            raise SourceError(
                f"{name}: refused: it expands more than {MAX_COMPRESSION_RATIO} to 1; real "
                "CSVs compress about 10 to 1 (a gzip bomb?)."
            )
    return b"".join(chunks)


def _read_member(zf: zipfile.ZipFile, member: str, name: str, own: bool = False) -> bytes:
    try:
        info = zf.getinfo(member)
        _check_ratio(info, name)
        with zf.open(info) as fh:
            data = _read_capped(fh, name)
        if len(data) != info.file_size:
            raise SourceError(
                f"{name}: the zip says {info.file_size:,} bytes but {len(data):,} were read "
                "(a damaged zip)."
            )
        return data
    except zipfile.BadZipFile as exc:
        raise SourceError(f"{name}: the zip is damaged or truncated ({exc}).") from exc
    except (OSError, EOFError, zlib.error, zipfile.LargeZipFile) as exc:
        raise SourceError(f"{name}: cannot be read from the zip ({exc}).") from exc
    finally:
        if own:
            zf.close()


def _check_ratio(info: zipfile.ZipInfo, name: str) -> None:
    if info.file_size > MAX_MEMBER_BYTES:
        raise SourceError(
            f"{name}: refused: it declares {info.file_size:,} bytes uncompressed, beyond any real "
            "data.police.uk file (a zip bomb?)."
        )
    if info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO:
        raise SourceError(
            f"{name}: refused: it compresses {info.file_size / info.compress_size:,.0f} to 1; "
            f"real CSVs compress about 10 to 1 (a zip bomb?)."
        )


@dataclass
class Discovery:
    files: list[PoliceFile]
    skipped: list[tuple[str, str]]  # (name, reason)
    pool: ZipPool = field(default_factory=ZipPool)

    def close(self) -> None:
        self.pool.close()


def parse_name(name: str) -> tuple[str, str, str] | None:
    """(month, force, kind) from a data.police.uk file name, or None."""
    match = NAME_PATTERN.search(Path(name).name.lower())
    if not match:
        return None
    return match["month"], match["force"], match["kind"]


def _police_file(
    display: str,
    path: Path,
    member: str | None,
    size: int = 0,
    declared: int = 0,
    pool: ZipPool | None = None,
) -> PoliceFile:
    parsed = parse_name(member or path.name)
    month, force, kind = parsed if parsed else (None, None, None)
    return PoliceFile(display, path, member, force, month, kind, size, declared, pool)


def discover(
    paths: Iterable[str | Path], on_skip: Callable[[str, str], None] | None = None
) -> Discovery:
    """Every police CSV in ``paths`` (zips, folders, CSV files), in a stable order."""
    files: list[PoliceFile] = []
    skipped: list[tuple[str, str]] = []
    pool = ZipPool()

    def skip(name: str, reason: str) -> None:
        skipped.append((name, reason))
        if on_skip:
            on_skip(name, reason)

    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise SourceError(f"{path}: no such file or folder.")
        if path.is_dir():
            children = sorted(p for p in path.rglob("*") if p.is_file())
            for child in children:
                lower = child.name.lower()
                if lower.endswith((".csv", ".csv.gz")):
                    files.append(_police_file(str(child), child, None))
                elif lower.endswith(".zip"):
                    files.extend(_zip_members(child, skip, pool))
                else:
                    skip(str(child), "not a CSV, CSV.GZ or ZIP file")
            continue
        lower = path.name.lower()
        if lower.endswith(".zip") or zipfile.is_zipfile(path):
            files.extend(_zip_members(path, skip, pool))
        elif lower.endswith((".csv", ".csv.gz", ".txt")):
            files.append(_police_file(str(path), path, None))
        else:
            raise SourceError(
                f"{path}: not a data.police.uk download. Give a .zip from data.police.uk, a folder "
                "of YYYY-MM-<force>-<kind>.csv files, or single .csv / .csv.gz files."
            )
    return Discovery(files, skipped, pool)


def _zip_members(path: Path, skip: Callable[[str, str], None], pool: ZipPool) -> list[PoliceFile]:
    try:
        zf = pool.get(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(
            f"{path}: not a readable zip file ({exc}). If the download was interrupted, "
            "download it again (or use `saferplaces fetch police`, which resumes)."
        ) from exc
    out = []
    bad = _first_bad_entry(zf)
    if bad is not None:
        raise SourceError(
            f"{path}: the zip is damaged or truncated (member {bad!r} runs past the end of the "
            "file). Download it again."
        )
    for info in sorted(zf.infolist(), key=lambda i: i.filename):
        if info.is_dir():
            continue
        display = f"{path}!{info.filename}"
        base = info.filename.rsplit("/", 1)[-1]
        if info.filename.startswith("__MACOSX/") or base.startswith("._"):
            skip(display, "macOS metadata, not data")
            continue
        if not info.filename.lower().endswith(".csv"):
            skip(display, "not a CSV file")
            continue
        if parse_name(info.filename) is None:
            skip(display, "name is not YYYY-MM-<force>-<street|outcomes|stop-and-search>.csv")
            continue
        out.append(
            _police_file(display, path, info.filename, info.compress_size, info.file_size, pool)
        )
    return out


def _first_bad_entry(zf: zipfile.ZipFile) -> str | None:
    """Detect a truncated archive cheaply: every member's data must lie inside the file."""
    size = zf.fp.seek(0, io.SEEK_END) if zf.fp else 0
    for info in zf.infolist():
        if info.header_offset + info.compress_size > size:
            return info.filename
    return None
