"""The statistics layer: pure functions on numbers, no I/O.

Each module does one job and cites the published method it implements:

* :mod:`.change` — E-test, square-root Poisson Z, WDD, percent change
* :mod:`.rates` — exact rate intervals, empirical Bayes, funnel plots
* :mod:`.concentration` — Lorenz curve, (generalised) Gini, share of places
* :mod:`.hotspots` — grid counts, Gi*, FDR, quartic KDE, space-time classification
* :mod:`.emerging` — Poisson control limits, Poisson CUSUM
* :mod:`.timeseries` — linear/Poisson trend, seasonal indices
* :mod:`.peers` — most similar areas
* :mod:`.composite` — VLI-style composite, MoRiLE-style priority matrix
* :mod:`.harm` — harm weighting
"""

from . import (
    change,
    composite,
    concentration,
    emerging,
    harm,
    hotspots,
    peers,
    rates,
    timeseries,
)

__all__ = [
    "change",
    "composite",
    "concentration",
    "emerging",
    "harm",
    "hotspots",
    "peers",
    "rates",
    "timeseries",
]
