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

Schema 2, figures a councillor can rely on: peers are the nearest over every area of the level
nationally (``Peers.pool``), ranks use only those with police data (``Peer.has_data``,
``PeerRank.text``); ``EmergingIssue`` is now a series flagged over its recent months with the
false discovery rate controlled (``upper_limit``, ``cusum``, ``cusum_signal``,
``exceeds_limit`` and ``score`` removed; ``months``, ``recent``, ``baseline_mean``, ``ratio``,
``p_value``, ``q_value`` added), every flag listed, with ``Assessment.emerging``;
``Overview.england_and_wales`` (month by month) and ``harm_exclusions``; the priority factor
``vulnerability`` is ``deprived_concentration``; ``ThemeScore.value``/``name``/``applies``;
coverage and caveats per theme and category; ``Assessment.data_cannot_show``.

Schema 2, issue 10 (priority localities, partner data, counties): ``PriorityLocalities`` is the
domain-balanced index against the area's own rate — ``LocalityComponent.name`` is now the
indicator's plain name ("crime", "income", …) with its ``domain``, and ``index`` is against the
area's rate (it was the mean of the place rates); new ``domains``, ``domain_scores``,
``threshold_source``, ``persistence``, ``sensitivity``, ``robust``/``marginal``,
``near_line`` and ``domination``. New ``Assessment.partner_data`` and, for a county,
``Assessment.county`` (its districts side by side).

Schema 2, issue 10 (priority themes): ``RecommendedPriorities`` ranks community safety
*themes* (``RecommendedPriority.theme`` is a theme title such as "Retail crime and shoplifting",
``key`` its key), each scored from its evidence: its police.uk ``categories`` (their own
scores kept in ``evidence_rows``) and the ``partner_measures`` declared to evidence it; each
``ThemeScore`` names its ``sources``. Themes nothing loaded evidences are in
``without_evidence``, never scored or ranked.

Schema 2, issue 15 (added, optional): ``Assessment.consultation``, what residents told a
survey whose results came in the priority inputs file (each theme's weighted share with its
interval, the responses and the source); ``None`` without one.
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
    months_used: list[str] = Field(
        default_factory=list, description="England and Wales: the period months with data for every force"
    )


class HarmExclusion(Model):
    """A category left out of the harm total, with the reason (ASB: no Crime Severity weight)."""

    category: str
    count: int
    reason: str
    statement: str


class ReferenceRate(Model):
    """The England and Wales reference, month by month: a month counts only when every force
    of England and Wales is loaded for it (:func:`saferplaces.analysis.reference.england_and_wales_rate`)."""

    months_used: list[str] = Field(description="Period months with data for every force (YYYY-MM)")
    months_excluded: dict[str, list[str]] = Field(
        description="Period months left out → the forces whose data is not loaded"
    )
    crime_rate_per_1000: float | None
    crime_rate_ci_low: float | None = None
    crime_rate_ci_high: float | None = None
    asb_rate_per_1000: float | None = None
    statement: str = Field(description="Which months the figure rests on, or why there is none")


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
    england_and_wales: ReferenceRate | None = Field(
        default=None, description="The England and Wales reference and the months it rests on"
    )
    harm_exclusions: list[HarmExclusion] = Field(
        default_factory=list, description="Categories not in the harm total, and why"
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
    peer_rate_median: float | None = Field(
        default=None, description="Median rate of the similar areas with police data for the period"
    )
    statement: str
    coverage: str = Field(default="", description="What police.uk holds for this category and what it cannot show")
    caveats: list[str] = Field(
        default_factory=list, description="What the count mostly measures (e.g. police activity)"
    )


class Peer(Model):
    area: AreaRef
    distance: float
    population: int
    crime_rate_per_1000: float | None
    asb_rate_per_1000: float | None
    months_present: int
    has_data: bool = Field(default=True, description="Police data loaded for every month of the period")


class PeerRank(Model):
    measure: str
    value: float | None
    rank: int | None = Field(
        description="1 = highest rate among the area and its peers with police data for the period"
    )
    of: int
    peer_median: float | None
    text: str | None = Field(default=None, description="e.g. '2nd highest of 6 areas (this area and 5 similar areas)'")


class Peers(Model):
    """The ``k`` most similar areas over every area of the level in England (and Wales), whatever
    police data is loaded; rates and ranks use only the peers with police data for the period."""

    method: str
    features: list[str]
    k: int
    candidates: int = Field(description="Areas the peers were chosen from (the area excluded)")
    areas: list[Peer]
    ranks: list[PeerRank]
    pool: str = Field(default="", description="The areas the features are standardised over, in words")
    compared: int = Field(default=0, description="Peers with police data for the period")
    statement: str = Field(default="", description="Which peers are compared on, in plain English")


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
    value: float | None = Field(description="The place's own value: a rate per 1,000 a year, a "
                                "share of residents, or a count in the period (partner data)")
    index: float | None = Field(description="100 = the area's own rate (total count / total base)")
    domain: str | None = Field(default=None, description="The domain the indicator belongs to")


class LocalityDomain(Model):
    """A domain of the priority-localities index: it counts once, with its weight."""

    key: str
    name: str
    weight: float
    indicators: list[str]


class LocalityDomination(Model):
    """One non-residential map point (a prison, a hospital) holding a large share of a place's crime."""

    location: str = Field(description="The data.police.uk label, e.g. 'On or near Prison'")
    lon: float | None = None
    lat: float | None = None
    count: int
    total: int
    share: float
    composite_without: float = Field(description="The composite recomputed without its records")
    selected_without: bool


class LocalitySensitivityCase(Model):
    name: str
    selected: list[str] = Field(description="Codes selected in this case")
    added: list[str]
    removed: list[str]


class PriorityLocality(Model):
    area: AreaRef
    composite: float
    rank: int
    selected: bool
    components: list[LocalityComponent]
    rationale: str
    domain_scores: dict[str, float] = Field(default_factory=dict, description="domain → score (100 = the area)")
    near_line: bool = Field(default=False, description="Not selected but within the band below the line")
    domination: LocalityDomination | None = None


class PriorityLocalities(Model):
    method: str
    level: str
    years: list[str]
    threshold: float
    threshold_rule: str
    localities: list[PriorityLocality]
    threshold_source: str = ""
    domains: list[LocalityDomain] = Field(default_factory=list)
    omitted: list[str] = Field(default_factory=list, description="Indicators or domains left out, with why")
    persistence: str | None = Field(default=None, description="Complete years used, or why persistence is left out")
    band: float = Field(default=25.0, description="Sensitivity band and 'just below the line' band, in points")
    sensitivity: list[LocalitySensitivityCase] = Field(default_factory=list)
    robust: list[str] = Field(default_factory=list, description="Codes selected in every case")
    marginal: list[str] = Field(default_factory=list, description="Codes selected in some cases only")


class PartnerMeasure(Model):
    """A partner's measure loaded for the area and period, with its declared definition."""

    measure_id: str
    title: str
    unit: str
    source: str
    licence: str = Field(description="Licence or sharing basis, as declared")
    definition: str
    notes: str | None = None
    suppress_below: int = Field(description="Counts from 1 to this − 1 are not shown or published")
    periods: list[str] = Field(description="The measure's periods used, e.g. 2025-Q1")
    change: Change = Field(description="Count, rate per 1,000 and the like-for-like change (quarters "
                           "matched to the same quarters of the baseline)")
    in_localities: bool = Field(default=False, description="Used as a priority-localities domain")


class PartnerData(Model):
    measures: list[PartnerMeasure]
    note: str


class CountyDistrict(Model):
    area: AreaRef
    population: int
    crime: Change
    asb: Change
    top_priorities: list[str]
    priority_localities: list[AreaRef]
    near_line_localities: list[AreaRef] = Field(default_factory=list)


class CountyLocality(Model):
    area: AreaRef
    district: str
    district_composite: float
    county_composite: float | None
    county_selected: bool


class CountyTheme(Model):
    theme: str
    districts: list[str] = Field(description="Districts where the theme is recommended")


class County(Model):
    """A county's districts side by side, and their localities and priorities rolled up."""

    districts: list[CountyDistrict]
    localities: list[CountyLocality]
    priorities: list[CountyTheme]
    statement: str


class EmergingIssue(Model):
    """One series (a category in a ward or the whole area) whose recent months are higher than
    its baseline months can explain by chance, with the false discovery rate controlled."""

    category: str
    area: AreaRef
    month: str = Field(description="Last month tested, YYYY-MM")
    months: list[str] = Field(description="The recent months tested (YYYY-MM)")
    count: int = Field(description="Records in the recent months")
    recent: list[int] = Field(description="Records in each recent month")
    expected: float = Field(description="Expected in the recent months at the baseline rate")
    baseline_mean: float = Field(description="Records a month in the baseline months")
    ratio: float | None = Field(description="count ÷ expected; None when the baseline had none")
    p_value: float = Field(description="One-sided conditional binomial test of two Poisson rates")
    q_value: float = Field(description="Benjamini–Hochberg adjusted over the series tested")
    statement: str


class Emerging(Model):
    """How the emerging issues were screened and how far the list can be trusted."""

    method: str
    fdr: float = Field(description="Stated error rate: the expected share of flags that are chance")
    recent_months: list[str]
    baseline_months: list[str]
    tested: int = Field(description="Series tested")
    not_testable: int = Field(description="Series with too few records ever to be flagged")
    flagged: int = Field(description="Series flagged; every one is in emerging_issues (no cap)")
    expected_false_alarms: float = Field(description="fdr × flagged: at most this many are expected to be chance")
    reason: str | None = Field(default=None, description="Why nothing was tested (history too short)")
    statement: str


class ThemeScore(Model):
    factor: str
    name: str = Field(default="", description="The factor in words")
    score: float | None
    weight: float
    basis: str
    value: float | None = Field(
        default=None, description="The figure scored (share of harm %, rate ÷ peer median, share of "
        "crime %, p-value, over-representation ratio, generalised Gini); None when not scored"
    )
    applies: bool = Field(default=True, description="False: the factor does not apply (e.g. ASB has no harm weight)")
    sources: list[str] = Field(
        default_factory=list, description="The evidence the factor came from: police.uk categories, "
        "partner measures, or the priority inputs file"
    )
    words: str = Field(default="", description="What the score rests on, in plain English")
    cited: bool = Field(default=False, description="Carries evidence: may be cited as a reason when it scores 4 or 5")


class ThemeEvidence(Model):
    """One measure evidencing a priority theme: a police.uk category (with its own scores on
    the matrix, as each category was scored before themes) or a partner measure."""

    kind: Literal["police category", "partner measure"]
    name: str
    measure_id: str | None = Field(default=None, description="Partner measures: the measure's id")
    count: int = Field(description="Records (or the partner's unit) in the period")
    change: Change | None = Field(default=None, description="Partner measures: the like-for-like change")
    total: float | None = Field(default=None, description="Police categories: the category's own weighted total")
    scores: list[ThemeScore] = Field(
        default_factory=list, description="Police categories: the category's own factor scores"
    )


class ThemeWithoutEvidence(Model):
    """A priority theme nothing loaded evidences: listed, never scored or ranked."""

    key: str
    theme: str
    status: str = Field(description="'no evidence in the loaded data'")
    statement: str = Field(description="Why, and what would evidence it, in plain English")
    partner_data: list[str] = Field(description="Partner data that would evidence it")
    public_concern: float | None = Field(default=None, description="As given in the priority inputs, if any")


class RecommendedPriority(Model):
    theme: str
    categories: list[str] = Field(description="The police.uk categories evidencing the theme")
    total: float
    rank: int
    recommended: bool
    scores: list[ThemeScore]
    rationale: str
    key: str = Field(default="", description="The theme's key (assessment/themes.py); a category's "
                     "slug for a category no theme covers")
    partner_measures: list[str] = Field(default_factory=list, description="Ids of partner measures evidencing it")
    evidence_rows: list[ThemeEvidence] = Field(
        default_factory=list, description="Each measure evidencing the theme, with its own figures"
    )
    change: Change | None = Field(
        default=None, description="The like-for-like change of the theme's police.uk records combined"
    )
    total_note: str | None = Field(
        default=None, description="When the total is over fewer factors, which and why"
    )
    evidence: str = Field(default="direct", description="direct | partial | none: what police.uk holds for the theme")
    coverage: str = Field(default="", description="What the published data holds for the theme and what it cannot show")
    caveats: list[str] = Field(default_factory=list)


class RecommendedPriorities(Model):
    method: str
    scale: str
    weights: dict[str, float]
    inputs_file: str | None
    priorities: list[RecommendedPriority] = Field(
        description="Evidenced themes only, ranked among themselves (issue 10: themes are the unit)"
    )
    unit: Literal["theme", "category"] = Field(default="theme", description="What the matrix ranks")
    without_evidence: list[ThemeWithoutEvidence] = Field(
        default_factory=list, description="Themes nothing loaded evidences: not scored, not ranked"
    )
    ranking_note: str = Field(default="", description="What the ranking covers, in plain English")


class UnevidencedTheme(Model):
    """A community safety theme data.police.uk cannot show, and the partner data that would."""

    key: str
    theme: str
    holds: str
    cannot_show: str
    partner_data: list[str]
    statement: str


class ConsultationTheme(Model):
    """One theme's survey result: the weighted share of residents calling it a big problem."""

    theme: str = Field(description="As named in the priority inputs file")
    share: float = Field(description="Weighted share (0-1) saying it is a big problem")
    low: float | None = Field(default=None, description="95% interval, lower end (0-1)")
    high: float | None = Field(default=None, description="95% interval, upper end (0-1)")
    responses: int | None = Field(default=None, description="Residents who answered the question")
    effective_responses: float | None = Field(
        default=None, description="Effective sample size after weighting (Kish)"
    )
    question: str = ""
    public_concern: float | None = Field(
        default=None, description="The public concern score (1-5) the file gives the theme"
    )
    words: str = Field(default="", description="The result in plain English")


class Consultation(Model):
    """What residents told the partnership's survey (issue 15), from the priority inputs file."""

    source: str = Field(description="The survey's title (and how many responded)")
    dates: str = Field(default="", description="When it ran, as given")
    weighted_by: str = Field(default="", description="What the responses were weighted to")
    inputs_file: str | None = Field(default=None, description="The priority inputs file")
    themes: list[ConsultationTheme] = Field(default_factory=list)
    cannot_show: list[str] = Field(
        default_factory=list, description="What a survey of this kind cannot show, in plain English"
    )


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
    partner_data: PartnerData | None = None
    county: County | None = Field(default=None, description="County assessments only: the districts side by side")
    emerging_issues: list[EmergingIssue] = Field(description="Every series flagged (no cap)")
    emerging: Emerging | None = None
    recommended_priorities: RecommendedPriorities
    consultation: Consultation | None = Field(
        default=None, description="Survey results from the priority inputs file, when it gives them"
    )
    data_cannot_show: list[UnevidencedTheme] = Field(
        default_factory=list, description="Themes police.uk cannot evidence, with the partner data that would"
    )
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
