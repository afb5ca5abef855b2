"""Free-text answers grouped into themes by a codebook an officer can read and edit.

Method: a codebook lists themes, each with words or phrases. An answer belongs to every theme one
of whose phrases it contains as whole words (case and punctuation ignored; a phrase ending in
``*`` matches any word starting with it, so ``patrol*`` finds "patrols" and "patrolling").
Nothing is learned or hidden: each count can be checked by reading the answers listed under it,
answers matching no theme are counted and shown as "not coded", and :func:`suggest` lists the
commonest words and two-word phrases among them so the officer can add a theme or a phrase.
This is deductive content coding with a keyword dictionary (see e.g. Braun and Clarke's
"codebook" approaches to thematic analysis; the officer's review replaces a second coder).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

_WORD = re.compile(r"[a-z0-9']+")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "do",
        "for",
        "from",
        "get",
        "go",
        "had",
        "has",
        "have",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "like",
        "make",
        "more",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "out",
        "so",
        "some",
        "than",
        "that",
        "the",
        "their",
        "them",
        "there",
        "they",
        "this",
        "to",
        "too",
        "up",
        "us",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
        "feel",
        "safer",
        "area",
        "people",
    ]
)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def _compile(phrase: str) -> re.Pattern[str] | None:
    parts = words(phrase.rstrip("*"))
    if not parts:
        return None
    stem = phrase.strip().endswith("*")
    body = r"\s+".join(re.escape(p) for p in parts)
    return re.compile(r"(?<![a-z0-9'])" + body + (r"[a-z0-9']*" if stem else r"(?![a-z0-9'])"))


@dataclass
class CodedTheme:
    name: str
    count: int
    answers: list[int] = field(default_factory=list)  # indexes of the answers in it


@dataclass
class Coding:
    themes: list[CodedTheme]
    answered: int
    uncoded: list[int]


def code(answers: Sequence[str], codebook: Mapping[str, Iterable[str]]) -> Coding:
    """Which answers fall in which theme. ``codebook``: theme name -> phrases."""
    norm = [" ".join(words(a)) for a in answers]
    compiled = {
        name: [p for p in (_compile(x) for x in phrases if x.strip()) if p is not None]
        for name, phrases in codebook.items()
    }
    themes, coded = [], set()
    for name, pats in compiled.items():
        hits = [i for i, a in enumerate(norm) if a and any(p.search(a) for p in pats)]
        coded.update(hits)
        themes.append(CodedTheme(name, len(hits), hits))
    answered = [i for i, a in enumerate(norm) if a]
    return Coding(
        themes=sorted(themes, key=lambda t: (-t.count, t.name)),
        answered=len(answered),
        uncoded=[i for i in answered if i not in coded],
    )


def suggest(answers: Iterable[str], top: int = 15) -> list[tuple[str, int]]:
    """The commonest words and two-word phrases (stopwords left out), each counted once per
    answer: candidates for new themes or phrases."""
    c: Counter[str] = Counter()
    for a in answers:
        ws = [w for w in words(a) if w not in STOPWORDS and len(w) > 2]
        c.update(set(ws) | {f"{x} {y}" for x, y in pairwise(ws)})
    return [(k, n) for k, n in c.most_common() if n > 1][:top]


def parse_keywords(text: str) -> list[str]:
    """An officer's phrase list: one per line (commas also separate)."""
    return [p.strip() for line in text.splitlines() for p in line.split(",") if p.strip()]
