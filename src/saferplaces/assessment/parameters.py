"""Every method parameter of the assessment, in one place.

The sections compute with these values and the methods appendix (``sections/methods.py``)
prints them, so the document always states the parameters that were used. Change a value
here and both follow.
"""

from __future__ import annotations

ASB = "Anti-social behaviour"

# --- change ------------------------------------------------------------------------------------
SIGNIFICANCE = 0.05  # two-sided; "significant" in the model means p < this
# How a period is compared with its baseline. The default compares only the months present in
# both (like for like); the other is asked for explicitly.
MATCHED_MONTHS = "matched-months"
WHOLE_PERIOD_SEASONAL = "whole-period-seasonal"
BASELINE_BASES = (MATCHED_MONTHS, WHOLE_PERIOD_SEASONAL)
SEASONAL_CONFIDENCE = 0.95  # interval for the seasonally adjusted rate ratio

# --- trends and seasonality --------------------------------------------------------------------
TREND_MIN_MONTHS = 24  # consecutive months before a trend and seasonal indices are fitted

# --- hotspots ----------------------------------------------------------------------------------
SNAP_FLOOR_M = 150.0  # data.police.uk snaps to map points ~150 m apart in towns
CELL_DIVISOR = 150.0  # Chainey (2013): cell size ≈ shorter side of the area's extent / 150
CELL_ROUND_M = 50.0  # the computed cell size is rounded up to this
MIN_CELL_SIZE_M = 50.0  # smallest cell a user may ask for
FDR_ALPHA = 0.05  # Benjamini–Hochberg level for Gi* cells
BANDWIDTH_CELLS = 5  # quartic kernel search radius, in cell widths
SPACE_TIME_SLICE_MONTHS = 3  # months per slice for space-time classes (1 when < 6 months)
SPACE_TIME_MIN_MONTHS = 6
SPACE_TIME_RECENT = 1
SPACE_TIME_PERSISTENT_SHARE = 0.8
SPACE_TIME_MIN_SHARE = 0.1

# --- priority localities (Vulnerable Localities Index) ----------------------------------------
LOCALITY_THRESHOLD = 150.0  # composite ≥ this (area average 100); JDI national guide is 200
LOCALITY_YEARS = 3  # yearly windows back from the period end
PERSISTENCE_QUANTILE = 0.75  # "top quarter" for crime rate in a year

# --- peers -------------------------------------------------------------------------------------
# The k nearest over every area of the level in England (England and Wales for a Welsh area),
# whatever police data is loaded; only those with data for the period are compared on.
PEERS_K = 5

# --- emerging issues ---------------------------------------------------------------------------
# Each series (a category in a ward or the whole area) is tested on its latest run of
# consecutive months: the last EMERGING_RECENT months against up to EMERGING_MAX_BASELINE
# months before them (at least EMERGING_MIN_BASELINE), with the false discovery rate held at
# EMERGING_FDR across all the series (Benjamini & Hochberg 1995).
EMERGING_RECENT = 3
EMERGING_MIN_BASELINE = 6
EMERGING_MAX_BASELINE = 12
EMERGING_FDR = 0.1  # expected share of flagged series that are chance
EMERGING_SHOWN = 5  # flags summarised in sentences; every flag stays in the table and the JSON

# --- recommended priorities (MoRiLE-style matrix) ---------------------------------------------
HARM_SHARE_CUTS = (2, 5, 10, 20)  # % of harm → scores 1–5
CRIME_SHARE_CUTS = (2, 5, 10, 20)  # % of crime (no peers) → 1–5
PEER_RATIO_CUTS = (0.8, 0.95, 1.05, 1.25)  # rate ÷ peer median → 1–5
# "Concentration in deprived neighbourhoods" (was "vulnerability"): share of records in the
# 20% most deprived LSOAs ÷ their share of residents.
DEPRIVED_CONCENTRATION_CUTS = (0.8, 1.0, 1.25, 1.5)
GINI_CUTS = (0.3, 0.4, 0.5, 0.6)  # generalised Gini over LSOAs
DEPRIVED_DECILE_MAX = 2  # IoD2025 deciles 1–2 = the 20% most deprived
MIN_FACTOR_RECORDS = 10  # fewer records than this: the two concentration factors are not scored
PRIORITIES_RECOMMENDED = 5  # the top this many themes are recommended
UNSCORED_VOLUME = 3  # mid-scale score when there is no reference for volume

IOD_EDITION = 2025

OGL = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right. Police data: data.police.uk."
)
