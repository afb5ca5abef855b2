""" "Most similar" areas by nearest neighbours on standardised features.

Official Community Safety Partnership family groups are not published, so peers are found
the way the Home Office/CIPFA "most similar" groups are built: put each feature (population,
density, deprivation, rurality, …) on a common scale, then take the nearest areas in that
space.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "PEER_FEATURES",
    "NationalPeers",
    "Peer",
    "PeerComparison",
    "PeerFeatureTable",
    "PeerResult",
    "build_peer_features",
    "most_similar",
    "national_peers",
    "peers_with_data",
    "rank_text",
    "standardise",
]


def standardise(features: ArrayLike, weights: ArrayLike | None = None) -> NDArray[np.float64]:
    r"""Column z-scores across the candidate set, times the square root of each weight.

    :math:`z_{ij} = \sqrt{w_j}\,(x_{ij} - \bar x_j)/s_j` with :math:`s_j` the population SD
    (``ddof=0``) over the rows given. Scaling by :math:`\sqrt{w_j}` makes the Euclidean
    distance on ``z`` equal :math:`\sqrt{\sum_j w_j (\Delta z_j)^2}`. A column with no spread
    carries no information and becomes all zeros.
    """
    x = np.asarray(features, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError("features must be 2-D (areas × features)")
    if not np.all(np.isfinite(x)):
        raise ValueError("features must be finite (impute or drop missing values first)")
    sd = x.std(axis=0)
    z = np.zeros_like(x)
    spread = sd > 0
    z[:, spread] = (x[:, spread] - x[:, spread].mean(axis=0)) / sd[spread]
    if weights is not None:
        w = np.asarray(weights, dtype=float).ravel()
        if w.size != x.shape[1]:
            raise ValueError("one weight per feature column is needed")
        if np.any(w < 0) or not np.all(np.isfinite(w)):
            raise ValueError("weights must be finite and non-negative")
        z = z * np.sqrt(w)
    return z


@dataclass(frozen=True)
class PeerResult:
    """Nearest peers of every area: ``indices[i]`` (row numbers, nearest first) and their
    ``distances[i]`` in standardised units, each shaped ``(n_areas, k)``."""

    indices: NDArray[np.int64]
    distances: NDArray[np.float64]


def most_similar(
    features: ArrayLike,
    k: int = 5,
    weights: ArrayLike | None = None,
    targets: ArrayLike | None = None,
) -> PeerResult:
    """``k`` most similar areas for each target area, excluding the area itself.

    Features are standardised with :func:`standardise` over *all* rows (the candidate set),
    then ranked by Euclidean distance. Ties are broken by row order, so results are
    deterministic. ``targets`` (row numbers) limits the rows returned; by default every area.
    """
    z = standardise(features, weights)
    n = z.shape[0]
    if not 1 <= k <= n - 1:
        raise ValueError(f"k must be between 1 and {n - 1}")
    rows = np.arange(n) if targets is None else np.asarray(targets, dtype=np.int64).ravel()
    if rows.size and (rows.min() < 0 or rows.max() >= n):
        raise ValueError("targets out of range")
    indices = np.empty((rows.size, k), dtype=np.int64)
    distances = np.empty((rows.size, k))
    # Blocks of rows keep memory at block × n × features even for all 33,000 LSOAs.
    block = 256
    for start in range(0, rows.size, block):
        r = rows[start : start + block]
        diff = z[r, None, :] - z[None, :, :]
        d = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
        d[np.arange(r.size), r] = np.inf  # never your own peer
        order = np.argsort(d, axis=1, kind="stable")[:, :k]
        indices[start : start + r.size] = order
        distances[start : start + r.size] = np.take_along_axis(d, order, axis=1)
    return PeerResult(indices=indices, distances=distances)


# --- national peers ------------------------------------------------------------------------

#: Feature names in column order, as a report states them.
PEER_FEATURES = (
    "log population",
    "log density (people per km²)",
    "IoD2025 mean score (population-weighted)",
    "rural share of residents",
)

_LEVEL_NOUN = {
    "csp": ("Community Safety Partnership", "Community Safety Partnerships"),
    "lad": ("local authority district", "local authority districts"),
    "pfa": ("police force area", "police force areas"),
    "ward": ("ward", "wards"),
}


@dataclass(frozen=True)
class PeerFeatureTable:
    """One row per area of a level with the four peer features (see :data:`PEER_FEATURES`).

    ``imd`` is ``NaN`` where no LSOA of the area has an IoD2025 score (Wales: the English
    Indices do not cover it). ``pfas`` lists each area's police force area codes, so a caller
    can tell whether the area's police data is loaded.
    """

    level: str
    codes: tuple[str, ...]
    names: tuple[str, ...]
    population: NDArray[np.float64]
    density: NDArray[np.float64]
    imd: NDArray[np.float64]
    rural_share: NDArray[np.float64]
    pfas: tuple[tuple[str, ...], ...]

    def index(self, code: str) -> int:
        try:
            return self.codes.index(code)
        except ValueError:
            raise KeyError(f"{code!r} is not a {self.level} in the reference data") from None


def build_peer_features(
    rows: Iterable[Mapping[str, object]], level: str = "csp"
) -> PeerFeatureTable:
    r"""Aggregate LSOA reference rows into the peer features of every area of ``level``.

    Each row is one LSOA 2021 with ``{level}_code``, ``{level}_name``, ``pfa_code``,
    ``population`` (Census 2021 usual residents), ``area_km2``, ``is_urban`` (ONS RUC 2021)
    and ``imd_score`` (IoD2025 score, ``None`` outside England). Per area :math:`a` over its
    LSOAs :math:`i`:

    * population :math:`P_a = \sum_i p_i`, feature :math:`\ln P_a`;
    * density :math:`D_a = P_a / \sum_i \text{km}^2_i`, feature :math:`\ln D_a`;
    * deprivation :math:`\sum_i p_i s_i / \sum_{i: s_i \text{ known}} p_i` (IoD2025 score);
    * rural share :math:`\sum_{i \text{ rural}} p_i / P_a`.

    These are the features the assessment engine used for its peers; this builder takes them
    from the whole reference table, not only the areas whose police data happens to be loaded.
    Rows without a code for ``level`` are skipped; an area with no residents is an error.
    """
    key, name_key = f"{level}_code", f"{level}_name"
    acc: dict[str, dict] = {}
    for n, row in enumerate(rows):
        code = row.get(key)
        if not code:
            continue
        a = acc.setdefault(
            str(code),
            {"name": row.get(name_key) or code, "pop": 0.0, "km2": 0.0, "rural": 0.0,
             "imd_num": 0.0, "imd_pop": 0.0, "pfas": set()},
        )  # fmt: skip
        try:
            pop = float(row["population"])  # type: ignore[arg-type]
            km2 = float(row["area_km2"])  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"reference row {n} ({row.get('lsoa21_code')}): population and "
                             f"area_km2 must be numbers ({exc})") from None  # fmt: skip
        a["pop"] += pop
        a["km2"] += km2
        if not row.get("is_urban"):
            a["rural"] += pop
        score = row.get("imd_score")
        if score is not None and not (isinstance(score, float) and math.isnan(score)):
            a["imd_num"] += pop * float(score)  # type: ignore[arg-type]
            a["imd_pop"] += pop
        if row.get("pfa_code"):
            a["pfas"].add(str(row["pfa_code"]))
    codes = tuple(sorted(acc))
    for c in codes:
        if acc[c]["pop"] <= 0 or acc[c]["km2"] <= 0:
            raise ValueError(f"{level} {c}: no residents or no area in the reference rows")
    return PeerFeatureTable(
        level=level,
        codes=codes,
        names=tuple(str(acc[c]["name"]) for c in codes),
        population=np.array([acc[c]["pop"] for c in codes]),
        density=np.array([acc[c]["pop"] / acc[c]["km2"] for c in codes]),
        imd=np.array(
            [acc[c]["imd_num"] / acc[c]["imd_pop"] if acc[c]["imd_pop"] else np.nan for c in codes]
        ),
        rural_share=np.array([acc[c]["rural"] / acc[c]["pop"] for c in codes]),
        pfas=tuple(tuple(sorted(acc[c]["pfas"])) for c in codes),
    )


@dataclass(frozen=True)
class Peer:
    code: str
    name: str
    distance: float
    pfas: tuple[str, ...]


@dataclass(frozen=True)
class NationalPeers:
    """The ``k`` most similar areas to ``code`` among every area of the level in the pool.

    ``pool`` holds the codes the features were standardised over (the area itself included);
    ``pool_description`` says which areas those are, in words; ``features`` the feature names.
    """

    code: str
    name: str
    level: str
    peers: tuple[Peer, ...]
    pool: tuple[str, ...]
    pool_description: str
    features: tuple[str, ...]

    @property
    def method(self) -> str:
        return (f"Nearest neighbours: Euclidean distance on z-scores of {', '.join(self.features)}, "
                f"standardised over {self.pool_description}.")  # fmt: skip


def national_peers(
    table: PeerFeatureTable, code: str, k: int = 5, weights: ArrayLike | None = None
) -> NationalPeers:
    r"""The ``k`` most similar areas to ``code`` over the whole country, whatever is loaded.

    Features (:data:`PEER_FEATURES`) are standardised over the national pool with
    :func:`standardise` and ranked by :func:`most_similar`. The pool is every area of the level
    with the features the target has: an English area (it has an IoD2025 score) is compared
    with every English area on all four features; a Welsh area, which has no IoD2025 score, with
    every area of England and Wales on the other three. Which police data is loaded plays no
    part here — see :func:`peers_with_data` for that.

    References
    ----------
    Home Office (2012). *Most similar groups: methodology* (nearest neighbours on standardised
    socio-demographic features); CIPFA Nearest Neighbours Model (2019 technical note).
    """
    me = table.index(code)
    use_imd = bool(np.isfinite(table.imd[me]))
    pool = np.flatnonzero(np.isfinite(table.imd)) if use_imd else np.arange(len(table.codes))
    cols = [np.log(table.population[pool]), np.log(table.density[pool])]
    if use_imd:
        cols.append(table.imd[pool])
    cols.append(table.rural_share[pool])
    x = np.column_stack(cols)
    if not 1 <= k <= pool.size - 1:
        raise ValueError(f"k must be between 1 and {pool.size - 1}")
    target = int(np.flatnonzero(pool == me)[0])
    res = most_similar(x, k=k, weights=weights, targets=[target])
    names = PEER_FEATURES if use_imd else tuple(f for f in PEER_FEATURES if "IoD" not in f)
    many = _LEVEL_NOUN.get(table.level, (table.level, table.level + "s"))[1]
    where = "England" if use_imd else "England and Wales"
    chosen = [int(pool[j]) for j in res.indices[0]]
    return NationalPeers(
        code=code,
        name=table.names[me],
        level=table.level,
        peers=tuple(
            Peer(table.codes[i], table.names[i], float(d), table.pfas[i])
            for i, d in zip(chosen, res.distances[0], strict=True)
        ),
        pool=tuple(table.codes[i] for i in pool),
        pool_description=f"all {pool.size} {many} in {where}",
        features=tuple(names),
    )


@dataclass(frozen=True)
class PeerComparison:
    """The national peers that can be compared on, and a sentence saying so.

    ``compare_on`` keeps the nearest-first order; ``without_data`` are the peers left out.
    """

    compare_on: tuple[Peer, ...]
    without_data: tuple[Peer, ...]
    statement: str


def _names(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def peers_with_data(
    found: NationalPeers, has_data: Callable[[Peer], bool], period: str
) -> PeerComparison:
    """Split the national peers into those with police data for ``period`` and the rest.

    ``has_data(peer)`` says whether the peer's police data covers the period (typically: every
    force in ``peer.pfas`` is loaded for every month used). The peers are never replaced by
    nearer-loaded areas further down the list, so the set compared on does not depend on what
    happens to be loaded — only how many of them can be shown. The statement reads, e.g.,
    "3 of the 5 most similar areas have police data for 2025: A, B and C. Not compared, as their
    police data is not loaded: D and E."
    """
    ok = tuple(p for p in found.peers if has_data(p))
    missing = tuple(p for p in found.peers if p not in ok)
    k = len(found.peers)
    if not ok:
        text = (f"None of the {k} most similar areas has police data for {period}, so no peer "
                f"comparison is made. Load their forces' data to compare: "
                f"{_names([p.name for p in missing])}.")  # fmt: skip
    elif not missing:
        text = (f"All {k} most similar areas have police data for {period}: "
                f"{_names([p.name for p in ok])}.")  # fmt: skip
    else:
        text = (f"{len(ok)} of the {k} most similar areas {'has' if len(ok) == 1 else 'have'} "
                f"police data for {period}: {_names([p.name for p in ok])}. Not compared, as their "
                f"police data is not loaded: {_names([p.name for p in missing])}.")  # fmt: skip
    return PeerComparison(compare_on=ok, without_data=missing, statement=text)


def rank_text(value: float, others: Sequence[float], noun: str = "similar areas") -> str:
    """Where ``value`` stands among itself and ``others``, with the pool size and direction.

    Rank 1 is the highest value. The first half of the group is described from the top
    ("2nd highest"), the second half from the bottom ("lowest"); equal values share a rank
    ("joint 2nd highest"). E.g. ``rank_text(40, [50, 30, 20, 10, 5])`` →
    "2nd highest of 6 areas (this area and 5 similar areas)".
    """
    from saferplaces.assessment.statements import ordinal  # here: assessment imports analysis

    vals = [float(v) for v in others]
    if not all(math.isfinite(v) for v in [*vals, float(value)]):
        raise ValueError("rank_text needs finite values")
    n = len(vals) + 1
    above = sum(v > value for v in vals)
    below = sum(v < value for v in vals)
    tied = n - 1 - above - below
    joint = "joint " if tied else ""
    from_top, from_bottom = above + 1, below + 1
    if from_top <= from_bottom:
        where = f"{joint}{'' if from_top == 1 else ordinal(from_top) + ' '}highest"
    else:
        where = f"{joint}{'' if from_bottom == 1 else ordinal(from_bottom) + ' '}lowest"
    return f"{where} of {n} areas (this area and {n - 1} {noun})"
