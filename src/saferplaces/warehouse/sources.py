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
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from saferplaces.warehouse.store import WarehouseError

KINDS = ("street", "outcomes", "stop-and-search")
NAME_PATTERN = re.compile(
    r"(?P<month>\d{4}-\d{2})-(?P<force>[a-z][a-z-]*?)-(?P<kind>street|outcomes|stop-and-search)"
    r"\.csv(?:\.gz)?$"
)

# Guards against zip bombs: a single monthly CSV for the largest force is ~40 MB, and CSV text
# compresses about 5–10 times, so these limits leave a wide margin for real files.
MAX_MEMBER_BYTES = 2 * 1024**3
MAX_COMPRESSION_RATIO = 200


class SourceError(WarehouseError):
    pass


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
    _sha256: str | None = field(default=None, repr=False)

    @property
    def is_zip_member(self) -> bool:
        return self.member is not None

    @property
    def is_gzip(self) -> bool:
        return self.member is None and self.path.name.lower().endswith(".gz")

    def read_bytes(self) -> bytes:
        """The CSV bytes, decompressed; guarded against zip bombs."""
        if self.member is not None:
            return _read_member(self.path, self.member, self.display_name)
        if self.is_gzip:
            try:
                with gzip.open(self.path, "rb") as fh:
                    return _read_capped(fh, self.display_name)
            except (OSError, EOFError) as exc:
                raise SourceError(f"{self.display_name}: not a readable gzip file ({exc}).") from exc
        return self.path.read_bytes()

    def head(self, n: int = 65536) -> bytes:
        """The first bytes of the CSV (for the header check), decompressed."""
        try:
            if self.member is not None:
                with zipfile.ZipFile(self.path) as zf, zf.open(self.member) as fh:
                    return fh.read(n)
            if self.is_gzip:
                with gzip.open(self.path, "rb") as fh:
                    return fh.read(n)
            with open(self.path, "rb") as fh:
                return fh.read(n)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise SourceError(f"{self.display_name}: cannot be read ({exc}).") from exc

    def sha256(self) -> str:
        """SHA-256 of the file as stored: the file on disk, or the zip member's CSV bytes."""
        if self._sha256 is None:
            digest = hashlib.sha256()
            if self.member is not None:
                digest.update(self.read_bytes())
            else:
                with open(self.path, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(chunk)
            self._sha256 = digest.hexdigest()
        return self._sha256


def _read_capped(fh: io.BufferedIOBase, name: str) -> bytes:
    buf = io.BytesIO()
    while True:
        chunk = fh.read(1 << 20)
        if not chunk:
            break
        buf.write(chunk)
        if buf.tell() > MAX_MEMBER_BYTES:
            raise SourceError(
                f"{name}: refused: it expands past {MAX_MEMBER_BYTES // 1024**3} GiB, far beyond "
                "any real data.police.uk file (a zip bomb or a damaged file)."
            )
    return buf.getvalue()


def _read_member(path: Path, member: str, name: str) -> bytes:
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(member)
            _check_ratio(info, name)
            with zf.open(info) as fh:
                return _read_capped(fh, name)
    except zipfile.BadZipFile as exc:
        raise SourceError(f"{name}: the zip is damaged or truncated ({exc}).") from exc
    except (OSError, EOFError, zipfile.LargeZipFile) as exc:
        raise SourceError(f"{name}: cannot be read from the zip ({exc}).") from exc


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


def parse_name(name: str) -> tuple[str, str, str] | None:
    """(month, force, kind) from a data.police.uk file name, or None."""
    match = NAME_PATTERN.search(Path(name).name.lower())
    if not match:
        return None
    return match["month"], match["force"], match["kind"]


def _police_file(display: str, path: Path, member: str | None, size: int = 0, declared: int = 0):
    parsed = parse_name(member or path.name)
    month, force, kind = parsed if parsed else (None, None, None)
    return PoliceFile(display, path, member, force, month, kind, size, declared)


def discover(
    paths: Iterable[str | Path], on_skip: Callable[[str, str], None] | None = None
) -> Discovery:
    """Every police CSV in ``paths`` (zips, folders, CSV files), in a stable order."""
    files: list[PoliceFile] = []
    skipped: list[tuple[str, str]] = []

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
                    files.extend(_zip_members(child, skip))
                else:
                    skip(str(child), "not a CSV, CSV.GZ or ZIP file")
            continue
        lower = path.name.lower()
        if lower.endswith(".zip") or zipfile.is_zipfile(path):
            files.extend(_zip_members(path, skip))
        elif lower.endswith((".csv", ".csv.gz", ".txt")):
            files.append(_police_file(str(path), path, None))
        else:
            raise SourceError(
                f"{path}: not a data.police.uk download. Give a .zip from data.police.uk, a folder "
                "of YYYY-MM-<force>-<kind>.csv files, or single .csv / .csv.gz files."
            )
    return Discovery(files, skipped)


def _zip_members(path: Path, skip: Callable[[str, str], None]) -> list[PoliceFile]:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise SourceError(
            f"{path}: not a readable zip file ({exc}). If the download was interrupted, "
            "download it again (or use `saferplaces fetch police`, which resumes)."
        ) from exc
    out = []
    with zf:
        bad = _first_bad_entry(zf)
        if bad is not None:
            raise SourceError(f"{path}: the zip is damaged or truncated (member {bad!r}).")
        for info in sorted(zf.infolist(), key=lambda i: i.filename):
            if info.is_dir():
                continue
            display = f"{path}!{info.filename}"
            if not info.filename.lower().endswith(".csv"):
                skip(display, "not a CSV file")
                continue
            if parse_name(info.filename) is None:
                skip(display, "name is not YYYY-MM-<force>-<street|outcomes|stop-and-search>.csv")
                continue
            out.append(_police_file(display, path, info.filename, info.compress_size, info.file_size))
    return out


def _first_bad_entry(zf: zipfile.ZipFile) -> str | None:
    """Detect a truncated archive cheaply: every member's data must lie inside the file."""
    size = zf.fp.seek(0, io.SEEK_END) if zf.fp else 0
    for info in zf.infolist():
        if info.header_offset + info.compress_size > size:
            return info.filename
    return None
