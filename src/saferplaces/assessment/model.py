"""The strategic assessment as one typed, versioned model.

Everything a document shows is in here: the renderers (``saferplaces.reports``) compute no
figure of their own. The model is serialised to ``assessment.json``; its JSON Schema is
published as ``assessment.schema.json`` (``saferplaces assess --schema``).

Public contract (other tools read these; do not rename): ``overview.crime`` and
``overview.asb`` with ``count``, ``baseline_count``, ``p_value``, ``rate_per_1000``;
``categories[]`` with ``category``, ``count``, ``baseline_count``, ``p_value``;
``hotspots.cell_size_m`` and ``hotspots.cells[]`` with ``easting``, ``northing``, ``count``,
``gi_z``, ``q_value``, ``class`` (every cell of the grid, zeros included).

Versioning: ``schema_version`` changes when a field is removed or changes meaning; adding a
field does not change it.

Schema 2 (issue 9, like for like): changes compare only the months present in both periods.
``count`` stays the whole period (months present); ``baseline_count`` is now the baseline's
records in the *matched* months (it was every baseline month present), ``change`` is
``compared_count − baseline_count`` on the same months (it was whole period − baseline, e.g.
5,734 − 1,767) and is ``None`` without a baseline, as are ``percent_change`` and ``p_value``;
``sqrt_z`` may be ``None``; ``direction`` may be ``"no baseline"``. New: ``compared_count``,
``basis``, ``compared`` (the months in words), ``baseline_estimate`` and
``percent_ci_low``/``percent_ci_high`` (whole-period-seasonal basis), ``compared_harm``;
``Baseline.basis``, ``comparison``, ``matched_months``, ``matched_baseline_months``,
``reference_years``; ``Place.compared_count`` (``Place.p_value`` compares the matched months).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 2
SCHEMA_ID = "https://saferplaces.org.uk/schemas/assessment-2.json"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)


class Month(Model):
    month: str = Field(description="YYYY-MM")
    count: int


class AreaRef(Model):
    level: Literal["lsoa", "ward", "lad", "csp", "county", "pfa", "locality", "country"]
    code: str
    name: str


class Area(AreaRef):
    population: int = Field(description="Census 2021 usual residents")
    area_km2: float
    lsoa_count: int
    forces: list[str] = Field(description="data.police.uk forces whose area covers this area")
    parents: list[AreaRef] = Field(description="Parent areas, smallest first")


class Period(Model):
    start: str = Field(description="First month, YYYY-MM")
    end: str = Field(description="Last month, YYYY-MM")
    months: int = Field(description="Months in the period")
    months_present: int = Field(description="Months with data for every force of the area")
    missing_months: list[str] = Field(default_factory=list)


class Baseline(Period):
    kind: Literal["previous-period", "previous-year"]
    basis: Basis = Field(default="matched-months", description="How changes are compared")
    comparison: str | None = Field(default=None, description="The months compared, in words")
    matched_months: list[str] = Field(
        default_factory=list, description="Period months compared (YYYY-MM)"
    )
    matched_baseline_months: list[str] = Field(
        default_factory=list, description="Their counterparts in the baseline, pair by pair"
    )
    reference_years: list[int] = Field(
        default_factory=list, description="whole-period-seasonal: complete years giving the seasonal share"
    )


Direction = Literal["up", "down", "no change", "no baseline"]
Basis = Literal["matched-months", "whole-period-seasonal", "none"]


class Change(Model):
    """A count now against its baseline, like for like, with its significance and rate.

    ``count`` is the whole period (months present); the comparison — ``compared_count``,
    ``baseline_count``, ``change``, ``percent_change``, ``p_value`` — is on ``basis``:
    ``matched-months`` (default) compares only the months present in both periods, named in
    ``compared``; ``whole-period-seasonal`` compares the whole period with the baseline scaled
    up by a seasonal share (``baseline_estimate``); ``none``: no baseline to compare with.
    """

    count: int = Field(description="Records in the period (every month present)")
    compared_count: int = Field(
        description="Records in the period months compared (the whole period when there is no "
        "baseline or the basis is whole-period-seasonal)"
    )
    baseline_count: int = Field(description="Records in the baseline months compared")
    baseline_estimate: float | None = Field(
        default=None, description="whole-period-seasonal: the whole baseline, estimated"
    )
    change: int | None = Field(
        description="compared_count − baseline_count (seasonal: count − baseline_estimate); "
        "None without a baseline"
    )
    percent_change: float | None = Field(description="None when the baseline is 0 or absent")
    percent_ci_low: float | None = Field(
        default=None, description="95% interval of the change (seasonal basis only)"
    )
    percent_ci_high: float | None = None
    p_value: float | None = Field(
        description="matched-months: two-sided Poisson E-test (Krishnamoorthy & Thomson 2004) on "
        "equal exposures; whole-period-seasonal: delta-method Wald test including the seasonal "
        "share's sampling error"
    )
    sqrt_z: float | None = Field(description="Square-root Poisson Z, 2(√now − √before), matched months")
    significant: bool = Field(description="p < 0.05")
    direction: Direction
    basis: Basis = "matched-months"
    compared: str | None = Field(
        default=None, description="The months compared, e.g. 'January–April 2025 against January–April 2024'"
    )
    rate_per_1000: float | None = Field(
        description="Per 1,000 residents per year (annualised when the period is not 12 months)"
    )
    rate_ci_low: float | None = None
    rate_ci_high: float | None = None
    baseline_rate_per_1000: float | None = None
    harm: float | None = Field(default=None, description="Harm-weighted total; None for ASB")
    compared_harm: float | None = Field(default=None, description="Harm in the months compared")
    baseline_harm: float | None = Field(default=None, description="Harm in the baseline months compared")
    statement: str = Field(description="The finding in plain English")


class Comparator(Model):
    area: AreaRef
    population: int
    crime: Change | None
    asb: Change | None
    coverage_note: str | None = None


class OverviewMonth(Model):
    month: str = Field(description="YYYY-MM")
    crime: int
    asb: int


class Overview(Model):
    crime: Change
    asb: Change
    monthly: list[OverviewMonth] = Field(default_factory=list, description="Months present")
    baseline_monthly: list[OverviewMonth] = Field(default_factory=list)
    comparators: list[Comparator] = Field(
        description="Parent areas (county/force) and England and Wales where the warehouse has them"
    )


class Trend(Model):
    slope_per_month: float
    percent_per_year: float | None
    p_value: float | None
    method: str


class Seasonality(Model):
    indices: dict[str, float] = Field(description="Month of year (01–12) → index, 100 = average")
    peak_month: str
    trough_month: str
    method: str


class OutcomeShare(Model):
    outcome: str
    count: int
    share: float


class Category(Model):
    """One category; the change fields mean what they mean in :class:`Change`."""

    category: str
    slug: str
    is_asb: bool
    count: int
    compared_count: int
    baseline_count: int
    baseline_estimate: float | None = None
    change: int | None
    percent_change: float | None
    percent_ci_low: float | None = None
    percent_ci_high: float | None = None
    p_value: float | None
    sqrt_z: float | None
    significant: bool
    direction: Direction
    basis: Basis = "matched-months"
    compared: str | None = None
    rate_per_1000: float | None
    rate_ci_low: float | None = None
    rate_ci_high: float | None = None
    share: float = Field(description="Share of all crime (or of ASB, for ASB)")
    harm_weight: float | None
    harm: float | None
    monthly: list[Month]
    baseline_monthly: list[Month] = Field(default_factory=list)
    trend: Trend | None = None
    seasonality: Seasonality | None = None
    outcomes: list[OutcomeShare] | None = None
    peer_rate_median: float | None = None
    statement: str


class Peer(Model):
    area: AreaRef
    distance: float
    population: int
    crime_rate_per_1000: float | None
    asb_rate_per_1000: float | None
    months_present: int


class PeerRank(Model):
    measure: str
    value: float | None
    rank: int | None = Field(description="1 = highest rate among the area and its peers")
    of: int
    peer_median: float | None


class Peers(Model):
    method: str
    features: list[str]
    k: int
    candidates: int
    areas: list[Peer]
    ranks: list[PeerRank]


class Place(Model):
    code: str
    name: str
    population: int
    count: int = Field(description="Crime in the period (every month present)")
    compared_count: int = Field(default=0, description="Crime in the period months compared")
    baseline_count: int = Field(description="Crime in the baseline months compared")
    asb_count: int
    rate_per_1000: float | None
    smoothed_rate_per_1000: float | None = Field(description="Empirical Bayes (Marshall 1991)")
    imd_decile: int | None = Field(description="IoD2025 decile, 1 = most deprived 10%")
    funnel: Literal["above 99.8%", "above 95%", "within", "below 95%", "below 99.8%"]
    p_value: float | None = Field(default=None, description="E-test, compared months")
    ward_code: str | None = Field(default=None, description="For LSOAs: the 2024 ward")


class FunnelPoint(Model):
    """Exact Poisson funnel limits at one population, rates per 1,000 a year."""

    population: float
    lower_95: float | None
    upper_95: float | None
    lower_998: float | None
    upper_998: float | None


class LorenzPoint(Model):
    places_share: float
    crime_share: float


class Concentration(Model):
    unit: str
    places: int
    events: int
    gini: float | None
    generalised_gini: float | None
    share_of_places_for_half: float | None
    places_for_half: int | None
    lorenz: list[LorenzPoint]


class Places(Model):
    wards: list[Place]
    lsoas: list[Place]
    concentration: list[Concentration]
    ward_note: str | None = None
    target_rate_per_1000: float | None = Field(
        default=None, description="The rate the funnels are centred on (the area's own)"
    )
    ward_funnel_limits: list[FunnelPoint] = Field(default_factory=list)
    lsoa_funnel_limits: list[FunnelPoint] = Field(default_factory=list)


class Cell(Model):
    easting: float = Field(description="Cell centre, British National Grid metres")
    northing: float
    count: int
    gi_z: float
    p_value: float
    q_value: float = Field(description="Benjamini–Hochberg over all cells")
    space_time_class: str = Field(alias="class")
    density: float = Field(description="Quartic kernel density, events per km²")
    in_area: bool


class Hotspots(Model):
    cell_size_m: float
    cell_size_rule: str
    origin_easting: float = Field(description="South-west corner of the grid")
    origin_northing: float
    rows: int
    cols: int
    bandwidth_m: float
    fdr_alpha: float
    sub_periods: list[str]
    events: int
    events_without_location: int
    cells: list[Cell]
    hot_cells: int
    cold_cells: int
    class_counts: dict[str, int] = Field(
        default_factory=dict, description="Cells in the area by space-time class"
    )


class LocalityComponent(Model):
    name: str
    value: float | None
    index: float | None = Field(description="100 = the area average")


class PriorityLocality(Model):
    area: AreaRef
    composite: float
    rank: int
    selected: bool
    components: list[LocalityComponent]
    rationale: str


class PriorityLocalities(Model):
    method: str
    level: str
    years: list[str]
    threshold: float
    threshold_rule: str
    localities: list[PriorityLocality]


class EmergingIssue(Model):
    category: str
    area: AreaRef
    month: str
    count: int
    expected: float
    upper_limit: int
    cusum: float
    cusum_signal: bool
    exceeds_limit: bool
    score: float
    statement: str


class ThemeScore(Model):
    factor: str
    score: float | None
    weight: float
    basis: str


class RecommendedPriority(Model):
    theme: str
    categories: list[str]
    total: float
    rank: int
    recommended: bool
    scores: list[ThemeScore]
    rationale: str


class RecommendedPriorities(Model):
    method: str
    scale: str
    weights: dict[str, float]
    inputs_file: str | None
    priorities: list[RecommendedPriority]


class DataQuality(Model):
    missing_months: dict[str, list[str]] = Field(description="force → months missing in the period")
    allow_gaps: bool
    rejected_rows: int
    records: int
    without_location: int
    without_lsoa: int
    cross_border: int = Field(description="Records in the area recorded by another force")
    harmonised_2011: int = Field(description="Records placed from a 2011 LSOA code")
    lsoa_methods: dict[str, int]
    caveats: list[str]


class Method(Model):
    name: str
    used_for: str
    reference: str
    parameters: dict[str, str | float | int | bool | None] = Field(default_factory=dict)


class LoadRef(Model):
    load_id: int
    file_name: str
    sha256: str
    force: str
    month: str
    kind: str


class Provenance(Model):
    software_version: str
    warehouse: str
    loads: list[LoadRef]
    reference_data: list[dict[str, str | int | None]]
    harm_weights: list[dict[str, str | float | None]]
    licence: str


class Assessment(Model):
    schema_id: str = Field(default=SCHEMA_ID, alias="$schema")
    schema_version: int = SCHEMA_VERSION
    generated_at: str = Field(description="The only field that differs between identical runs")
    area: Area
    period: Period
    baseline: Baseline
    overview: Overview
    categories: list[Category]
    peers: Peers | None
    places: Places
    hotspots: Hotspots
    priority_localities: PriorityLocalities
    emerging_issues: list[EmergingIssue]
    recommended_priorities: RecommendedPriorities
    data_quality: DataQuality
    methods: list[Method]
    provenance: Provenance

    def to_json(self) -> str:
        import json

        return json.dumps(self.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False)


def json_schema() -> dict:
    schema = Assessment.model_json_schema(by_alias=True)
    schema["$id"] = SCHEMA_ID
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Safer Places strategic assessment"
    return schema
