"""A neutral document structure that every format renders.

The content of a document is decided once (``content.py``, ``committee.py``) as a tree of
sections and blocks; the HTML/PDF and Word writers only lay it out. That keeps the formats
saying the same thing and lets tests check content without parsing PDFs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Run:
    """A piece of inline text. ``placeholder`` marks text the officer must replace."""

    text: str
    bold: bool = False
    placeholder: bool = False


Inline = str | list[Run]


def normalise(inline: Inline | list) -> Inline:
    """Lists may mix plain strings and runs; make every item a Run."""
    if isinstance(inline, str):
        return inline
    return [r if isinstance(r, Run) else Run(str(r)) for r in inline]


def plain(inline: Inline) -> str:
    return inline if isinstance(inline, str) else "".join(r.text for r in inline)


def runs(inline: Inline) -> list[Run]:
    return [Run(inline)] if isinstance(inline, str) else inline


@dataclass
class Para:
    text: Inline
    style: str = "body"  # body | lead | note | small
    kind: str = field(default="para", init=False)

    def __post_init__(self) -> None:
        self.text = normalise(self.text)


@dataclass
class Bullets:
    items: list[Inline]
    ordered: bool = False
    kind: str = field(default="bullets", init=False)

    def __post_init__(self) -> None:
        self.items = [normalise(x) for x in self.items]


@dataclass
class Finding:
    """One of the 'things a chair must know': a headline and its reference points."""

    number: int
    title: str
    headline: str
    context: list[Inline]
    kind: str = field(default="finding", init=False)

    def __post_init__(self) -> None:
        self.context = [normalise(x) for x in self.context]


@dataclass
class Cell:
    text: str
    shade: int | None = None  # 1–5 for score shading
    bold: bool = False


@dataclass
class Column:
    label: str
    numeric: bool = False


@dataclass
class Table:
    caption: str
    columns: list[Column]
    rows: list[list[Cell | str]]
    note: str | None = None
    row_headers: bool = True  # the first column names the row
    compact: bool = False
    kind: str = field(default="table", init=False)

    def cell(self, r: int, c: int) -> Cell:
        v = self.rows[r][c]
        return v if isinstance(v, Cell) else Cell(v)


@dataclass
class Figure:
    """A chart or map. ``svg`` for HTML/PDF; ``png()`` (lazy) for Word."""

    id: str
    title: str
    alt: str
    svg: str
    png: Callable[[], bytes]
    width_px: float
    height_px: float
    note: str | None = None
    figure_kind: str = "chart"  # chart | map
    kind: str = field(default="figure", init=False)


@dataclass
class KeyValues:
    """A short two-column list of facts (definition list in HTML, table in Word)."""

    caption: str
    items: list[tuple[str, str]]
    kind: str = field(default="keyvalues", init=False)


Block = Para | Bullets | Finding | Table | Figure | KeyValues


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)
    number: str = ""
    appendix: bool = False

    def add(self, *blocks: Block) -> Section:
        self.blocks.extend(blocks)
        return self

    def sub(self, section: Section) -> Section:
        self.children.append(section)
        return section

    @property
    def heading(self) -> str:
        if self.appendix and self.number:
            return f"{self.number}: {self.title}"
        return f"{self.number} {self.title}".strip()


@dataclass
class Document:
    title: str
    subtitle: str
    running_header: str
    meta: list[tuple[str, str]]
    sections: list[Section]
    kind_label: str = "Strategic assessment"

    def walk(self) -> list[tuple[int, Section]]:
        out: list[tuple[int, Section]] = []

        def visit(s: Section, level: int) -> None:
            out.append((level, s))
            for c in s.children:
                visit(c, level + 1)

        for s in self.sections:
            visit(s, 1)
        return out

    def number(self) -> Document:
        """Number sections 1, 1.1 … and appendices A, B …"""
        n = a = 0
        for s in self.sections:
            if s.appendix:
                s.number = f"Appendix {'ABCDEFGHIJ'[a]}"
                a += 1
            else:
                n += 1
                s.number = str(n)
            for i, c in enumerate(s.children, start=1):
                c.number = f"{s.number}.{i}" if not s.appendix else f"{'ABCDEFGHIJ'[a - 1]}.{i}"
        return self

    def figures(self) -> list[Figure]:
        return [b for _, s in self.walk() for b in s.blocks if isinstance(b, Figure)]
