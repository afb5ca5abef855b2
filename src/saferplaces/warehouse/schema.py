"""The warehouse schema: tables that hold data, and the documented views people query.

Tables are private (prefixed ``ref_`` for reference data, ``police_`` for police files,
``measure_`` for partners' measures); the views are the public contract that ``saferplaces
query``, the assessment engine and the web app read. README.md documents every view column by
column; keep the two in step.

British National Grid (EPSG:27700) coordinates are stored as ``easting``/``northing`` in metres.
Geometries are stored as WKB in British National Grid.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

# Categories published by data.police.uk for street records. The first 14 are current; the last
# two were retired in 2013 and may appear in old archives, so they are accepted and kept apart.
CATEGORIES: list[tuple[str, str, bool, bool]] = [
    # (category, slug, is_asb, current)
    ("Anti-social behaviour", "anti-social-behaviour", True, True),
    ("Bicycle theft", "bicycle-theft", False, True),
    ("Burglary", "burglary", False, True),
    ("Criminal damage and arson", "criminal-damage-arson", False, True),
    ("Drugs", "drugs", False, True),
    ("Other crime", "other-crime", False, True),
    ("Other theft", "other-theft", False, True),
    ("Possession of weapons", "possession-of-weapons", False, True),
    ("Public order", "public-order", False, True),
    ("Robbery", "robbery", False, True),
    ("Shoplifting", "shoplifting", False, True),
    ("Theft from the person", "theft-from-the-person", False, True),
    ("Vehicle crime", "vehicle-crime", False, True),
    ("Violence and sexual offences", "violent-crime", False, True),
    ("Violent crime", "violent-crime-pre-2013", False, False),
    ("Public disorder and weapons", "public-disorder-weapons", False, False),
]

TABLES = """
CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);

CREATE TABLE IF NOT EXISTS ref_categories (
    category VARCHAR PRIMARY KEY,
    slug VARCHAR NOT NULL,
    is_asb BOOLEAN NOT NULL,
    current BOOLEAN NOT NULL
);

-- One row per LSOA 2021 with its full chain of parent areas.
CREATE TABLE IF NOT EXISTS ref_lsoa21 (
    lsoa21_code VARCHAR PRIMARY KEY,
    lsoa21_name VARCHAR NOT NULL,
    ward_code VARCHAR,
    ward_name VARCHAR,
    lad_code VARCHAR,
    lad_name VARCHAR,
    csp_code VARCHAR,
    csp_name VARCHAR,
    csp_method VARCHAR,          -- 'lad' (one CSP in the LAD) or 'former-district'
    pfa_code VARCHAR,
    pfa_name VARCHAR,
    country VARCHAR,             -- 'E' or 'W'
    ruc21_code VARCHAR,
    ruc21_class VARCHAR,         -- e.g. 'Urban: Nearer to a major town or city'
    is_urban BOOLEAN,
    population INTEGER,          -- Census 2021 usual residents
    area_km2 DOUBLE,             -- from the generalised (BSC) boundary
    easting DOUBLE,              -- centroid of the boundary, BNG metres
    northing DOUBLE
);

-- Two-tier areas: each non-metropolitan district and its county (ONS LAD -> county lookup).
-- Unitary, metropolitan, London and Welsh districts are their own upper tier and have no row.
CREATE TABLE IF NOT EXISTS ref_lad_county (
    lad_code VARCHAR PRIMARY KEY,
    lad_name VARCHAR,
    cty_code VARCHAR NOT NULL,
    cty_name VARCHAR NOT NULL
);

-- Official LSOA 2011 -> 2021 best-fit lookup (change codes U, S, M, X).
CREATE TABLE IF NOT EXISTS ref_lsoa11_lsoa21 (
    lsoa11_code VARCHAR NOT NULL,
    lsoa11_name VARCHAR,
    change_code VARCHAR NOT NULL,
    lsoa21_code VARCHAR NOT NULL
);

-- Indices of Deprivation, long by edition. Scores/ranks/deciles; 1 = most deprived.
CREATE TABLE IF NOT EXISTS ref_deprivation (
    edition INTEGER NOT NULL,    -- 2019 or 2025
    lsoa_code VARCHAR NOT NULL,
    lsoa_vintage INTEGER NOT NULL, -- 2011 or 2021
    imd_score DOUBLE,
    imd_rank INTEGER,
    imd_decile INTEGER,
    -- Domains: housing = barriers to housing and services; environment = living environment.
    -- Income and employment scores are rates (0.07 = 7%). IoD2019 has no other domain scores.
    income_score DOUBLE,
    income_rank INTEGER,
    income_decile INTEGER,
    employment_score DOUBLE,
    employment_rank INTEGER,
    employment_decile INTEGER,
    education_score DOUBLE,
    education_rank INTEGER,
    education_decile INTEGER,
    health_score DOUBLE,
    health_rank INTEGER,
    health_decile INTEGER,
    crime_score DOUBLE,
    crime_rank INTEGER,
    crime_decile INTEGER,
    housing_score DOUBLE,
    housing_rank INTEGER,
    housing_decile INTEGER,
    environment_score DOUBLE,
    environment_rank INTEGER,
    environment_decile INTEGER
);

-- Boundaries in British National Grid, WKB.
CREATE TABLE IF NOT EXISTS ref_boundaries (
    level VARCHAR NOT NULL,      -- 'lsoa' | 'ward' | 'lad' | 'pfa'
    code VARCHAR NOT NULL,
    name VARCHAR,
    vintage VARCHAR,             -- e.g. 'LSOA 2021 BSC', 'Wards 2022 BSC'
    geometry BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS ref_sources (
    dataset VARCHAR PRIMARY KEY,
    title VARCHAR,
    publisher VARCHAR,
    licence VARCHAR,
    attribution VARCHAR,
    file_name VARCHAR,
    sha256 VARCHAR,
    rows BIGINT,
    loaded_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS localities (
    locality_id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL UNIQUE,
    code VARCHAR NOT NULL UNIQUE, -- 'LOC:' + slug, usable wherever an area code is
    description VARCHAR,
    source VARCHAR,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS locality_members (
    locality_id INTEGER NOT NULL,
    lsoa21_code VARCHAR NOT NULL
);

-- Every police file load, successful or not.
CREATE SEQUENCE IF NOT EXISTS load_ids START 1;
CREATE TABLE IF NOT EXISTS police_loads (
    load_id INTEGER PRIMARY KEY,
    file_name VARCHAR NOT NULL,  -- the path given, with '!member' for a zip member
    sha256 VARCHAR NOT NULL,     -- of the CSV bytes (decompressed)
    force VARCHAR NOT NULL,
    month DATE NOT NULL,
    kind VARCHAR NOT NULL,       -- 'street' | 'outcomes' | 'stop-and-search'
    rows_read BIGINT NOT NULL,
    rows_accepted BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    action VARCHAR NOT NULL,     -- 'new' | 'replaced' | 'unchanged'
    replaced_load_id INTEGER,
    is_current BOOLEAN NOT NULL,
    lsoa_methods VARCHAR,        -- JSON object: method -> rows
    software_version VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS police_rejects (
    load_id INTEGER NOT NULL,
    file_name VARCHAR NOT NULL,
    line BIGINT,                 -- line in the file (the header is line 1)
    field VARCHAR,
    value VARCHAR,
    reason VARCHAR NOT NULL,
    raw VARCHAR
);

-- Distinct published coordinates ("snap points") with their BNG projection, computed once.
CREATE TABLE IF NOT EXISTS police_points (
    lon DOUBLE NOT NULL,
    lat DOUBLE NOT NULL,
    easting DOUBLE NOT NULL,
    northing DOUBLE NOT NULL,
    PRIMARY KEY (lon, lat)
);

CREATE TABLE IF NOT EXISTS police_street (
    load_id INTEGER NOT NULL,
    line INTEGER NOT NULL,       -- line in the file (the header is line 1)
    force VARCHAR NOT NULL,
    month DATE NOT NULL,
    crime_id VARCHAR,
    reported_by VARCHAR,
    falls_within VARCHAR,
    lon DOUBLE,
    lat DOUBLE,
    easting DOUBLE,
    northing DOUBLE,
    location VARCHAR,
    lsoa_code_published VARCHAR,
    lsoa_name_published VARCHAR,
    lsoa21_code VARCHAR,
    lsoa_method VARCHAR,
    category VARCHAR NOT NULL,
    outcome VARCHAR,
    context VARCHAR
);

CREATE TABLE IF NOT EXISTS police_outcomes (
    load_id INTEGER NOT NULL,
    line INTEGER NOT NULL,       -- line in the file (the header is line 1)
    force VARCHAR NOT NULL,
    month DATE NOT NULL,
    crime_id VARCHAR NOT NULL,
    reported_by VARCHAR,
    falls_within VARCHAR,
    lon DOUBLE,
    lat DOUBLE,
    easting DOUBLE,
    northing DOUBLE,
    location VARCHAR,
    lsoa_code_published VARCHAR,
    lsoa_name_published VARCHAR,
    lsoa21_code VARCHAR,
    lsoa_method VARCHAR,
    outcome_type VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS police_stop_search (
    load_id INTEGER NOT NULL,
    line INTEGER NOT NULL,       -- line in the file (the header is line 1)
    force VARCHAR NOT NULL,
    month DATE NOT NULL,
    search_type VARCHAR,
    searched_at TIMESTAMPTZ,
    part_of_operation BOOLEAN,
    operation VARCHAR,
    lon DOUBLE,
    lat DOUBLE,
    easting DOUBLE,
    northing DOUBLE,
    lsoa21_code VARCHAR,
    lsoa_method VARCHAR,
    gender VARCHAR,
    age_range VARCHAR,
    self_defined_ethnicity VARCHAR,
    officer_defined_ethnicity VARCHAR,
    legislation VARCHAR,
    object_of_search VARCHAR,
    outcome VARCHAR,
    outcome_linked_to_object BOOLEAN,
    removal_of_more_than_outer_clothing BOOLEAN
);

-- Partners' measures (`saferplaces load measure`, warehouse/measures.py): the current
-- definition of each measure, its counts by (area, period), and one load record per
-- (measure, period) unit, which is the unit a reload replaces. Load ids share `load_ids`.
CREATE TABLE IF NOT EXISTS measure_definitions (
    measure_id VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    source VARCHAR NOT NULL,         -- the organisation that supplies the counts
    licence VARCHAR NOT NULL,        -- sharing basis: an information sharing agreement, OGL, …
    suppress_below INTEGER NOT NULL, -- small-number rule: open outputs hide counts below this
    period_type VARCHAR NOT NULL,    -- 'month' | 'quarter'
    area_level VARCHAR NOT NULL,     -- 'lsoa' | 'ward' | 'lad' | 'csp' | 'pfa' | 'postcode_sector'
    definition VARCHAR NOT NULL,     -- what counts, in a sentence
    notes VARCHAR,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS measure_loads (
    load_id INTEGER PRIMARY KEY,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,         -- of the file's bytes
    measure_id VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    rows_read BIGINT NOT NULL,       -- rows of this period in the file
    rows_accepted BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    action VARCHAR NOT NULL,         -- 'new' | 'replaced' | 'unchanged' (same counts again)
    replaced_load_id INTEGER,
    is_current BOOLEAN NOT NULL,
    content_sha256 VARCHAR NOT NULL, -- of the definition and this period's counts
    definition VARCHAR NOT NULL,     -- JSON: the definition the counts were loaded under
    software_version VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS measure_values (
    load_id INTEGER NOT NULL,
    line INTEGER NOT NULL,           -- line (CSV) or row (XLSX) in the file; the header is 1
    measure_id VARCHAR NOT NULL,
    area_level VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    value BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS measure_rejects (
    load_id INTEGER NOT NULL,
    file_name VARCHAR NOT NULL,
    line BIGINT,
    field VARCHAR,
    value VARCHAR,
    reason VARCHAR NOT NULL,
    raw VARCHAR
);
"""

# The public views. Every column is documented in README.md ("Warehouse views").
VIEWS = """
CREATE OR REPLACE VIEW areas AS
    -- Each LSOA with the county of its district (null outside two-tier areas).
    WITH r AS (
        SELECT l.*, c.cty_code AS county_code, c.cty_name AS county_name
        FROM ref_lsoa21 l LEFT JOIN ref_lad_county c USING (lad_code)
    )
    SELECT 'lsoa' AS level, lsoa21_code AS code, lsoa21_name AS name,
           ward_code AS parent_code, lad_code, csp_code, pfa_code,
           population, area_km2, 1 AS lsoa_count, county_code
    FROM r
    UNION ALL
    SELECT 'ward', ward_code, any_value(ward_name), any_value(lad_code), any_value(lad_code),
           CASE WHEN count(DISTINCT csp_code) = 1 THEN any_value(csp_code) END,
           any_value(pfa_code), sum(population), sum(area_km2), count(*),
           CASE WHEN count(DISTINCT coalesce(county_code, '')) = 1 THEN any_value(county_code) END
    FROM r WHERE ward_code IS NOT NULL GROUP BY ward_code
    UNION ALL
    -- A two-tier district's parent is its county; any other district's is its force area.
    SELECT 'lad', lad_code, any_value(lad_name),
           coalesce(any_value(county_code), any_value(pfa_code)), lad_code,
           CASE WHEN count(DISTINCT csp_code) = 1 THEN any_value(csp_code) END,
           any_value(pfa_code), sum(population), sum(area_km2), count(*), any_value(county_code)
    FROM r WHERE lad_code IS NOT NULL GROUP BY lad_code
    UNION ALL
    SELECT 'csp', csp_code, any_value(csp_name),
           coalesce(CASE WHEN count(DISTINCT coalesce(county_code, '')) = 1
                         THEN any_value(county_code) END, any_value(pfa_code)),
           CASE WHEN count(DISTINCT lad_code) = 1 THEN any_value(lad_code) END, csp_code,
           any_value(pfa_code), sum(population), sum(area_km2), count(*),
           CASE WHEN count(DISTINCT coalesce(county_code, '')) = 1 THEN any_value(county_code) END
    FROM r WHERE csp_code IS NOT NULL GROUP BY csp_code
    UNION ALL
    SELECT 'county', county_code, any_value(county_name),
           CASE WHEN count(DISTINCT pfa_code) = 1 THEN any_value(pfa_code) END, NULL,
           CASE WHEN count(DISTINCT csp_code) = 1 THEN any_value(csp_code) END,
           CASE WHEN count(DISTINCT pfa_code) = 1 THEN any_value(pfa_code) END,
           sum(population), sum(area_km2), count(*), county_code
    FROM r WHERE county_code IS NOT NULL GROUP BY county_code
    UNION ALL
    SELECT 'pfa', pfa_code, any_value(pfa_name), NULL, NULL, NULL, pfa_code,
           sum(population), sum(area_km2), count(*),
           CASE WHEN count(DISTINCT coalesce(county_code, '')) = 1 THEN any_value(county_code) END
    FROM r WHERE pfa_code IS NOT NULL GROUP BY pfa_code
    UNION ALL
    SELECT 'locality', l.code, any_value(l.name), NULL,
           CASE WHEN count(DISTINCT r.lad_code) = 1 THEN any_value(r.lad_code) END,
           CASE WHEN count(DISTINCT r.csp_code) = 1 THEN any_value(r.csp_code) END,
           CASE WHEN count(DISTINCT r.pfa_code) = 1 THEN any_value(r.pfa_code) END,
           sum(r.population), sum(r.area_km2), count(*),
           CASE WHEN count(DISTINCT coalesce(r.county_code, '')) = 1
                THEN any_value(r.county_code) END
    FROM localities l JOIN locality_members m USING (locality_id)
    JOIN r USING (lsoa21_code) GROUP BY l.code;

CREATE OR REPLACE VIEW area_lsoas AS
    SELECT 'lsoa' AS level, lsoa21_code AS code, lsoa21_code FROM ref_lsoa21
    UNION ALL SELECT 'ward', ward_code, lsoa21_code FROM ref_lsoa21 WHERE ward_code IS NOT NULL
    UNION ALL SELECT 'lad', lad_code, lsoa21_code FROM ref_lsoa21 WHERE lad_code IS NOT NULL
    UNION ALL SELECT 'csp', csp_code, lsoa21_code FROM ref_lsoa21 WHERE csp_code IS NOT NULL
    -- Only LSOAs of two-tier districts belong to a county.
    UNION ALL SELECT 'county', c.cty_code, r.lsoa21_code
              FROM ref_lsoa21 r JOIN ref_lad_county c USING (lad_code)
    UNION ALL SELECT 'pfa', pfa_code, lsoa21_code FROM ref_lsoa21 WHERE pfa_code IS NOT NULL
    UNION ALL SELECT 'locality', l.code, m.lsoa21_code
              FROM localities l JOIN locality_members m USING (locality_id);

CREATE OR REPLACE VIEW crimes AS
    SELECT s.crime_id, s.month, s.force, s.category, c.is_asb, s.outcome, s.location,
           s.lon, s.lat, s.easting, s.northing, s.lsoa21_code, r.ward_code, r.lad_code,
           r.csp_code, r.csp_name, r.pfa_code, s.load_id,
           s.lsoa_code_published, s.lsoa_method, s.context, s.reported_by, s.falls_within
    FROM police_street s
    JOIN ref_categories c USING (category)
    LEFT JOIN ref_lsoa21 r USING (lsoa21_code);

CREATE OR REPLACE VIEW outcomes AS
    SELECT o.crime_id, o.month, o.force, o.outcome_type, o.location, o.lon, o.lat,
           o.easting, o.northing, o.lsoa21_code, r.ward_code, r.lad_code, r.csp_code,
           r.pfa_code, o.load_id
    FROM police_outcomes o LEFT JOIN ref_lsoa21 r USING (lsoa21_code);

CREATE OR REPLACE VIEW stop_search AS
    SELECT s.month, s.force, s.search_type, s.searched_at, s.part_of_operation, s.operation,
           s.lon, s.lat, s.easting, s.northing, s.lsoa21_code, r.ward_code, r.lad_code,
           r.csp_code, r.pfa_code, s.gender, s.age_range, s.self_defined_ethnicity,
           s.officer_defined_ethnicity, s.legislation, s.object_of_search, s.outcome,
           s.outcome_linked_to_object, s.removal_of_more_than_outer_clothing, s.load_id
    FROM police_stop_search s LEFT JOIN ref_lsoa21 r USING (lsoa21_code);

CREATE OR REPLACE VIEW deprivation AS
    SELECT * FROM ref_deprivation;

CREATE OR REPLACE VIEW population AS
    SELECT lsoa21_code, lsoa21_name, population, 'Census 2021 usual residents' AS source
    FROM ref_lsoa21;

-- Measure loads join police loads as kind 'measure': month is the period's first day.
CREATE OR REPLACE VIEW loads AS
    SELECT load_id, file_name, sha256, force, month, kind, rows_read, rows_accepted,
           rows_rejected, action, replaced_load_id, is_current, lsoa_methods, software_version,
           started_at, finished_at, NULL::VARCHAR AS measure_id
    FROM police_loads
    UNION ALL
    SELECT load_id, file_name, sha256, NULL, period_start, 'measure', rows_read, rows_accepted,
           rows_rejected, action, replaced_load_id, is_current, NULL, software_version,
           started_at, finished_at, measure_id
    FROM measure_loads;

CREATE OR REPLACE VIEW rejects AS
    SELECT * FROM police_rejects
    UNION ALL
    SELECT load_id, file_name, line, field, value, reason, raw FROM measure_rejects;

CREATE OR REPLACE VIEW measures AS
    SELECT v.measure_id, d.title, d.unit, v.area_level, v.area_code, d.period_type,
           v.period_start, v.period_end, v.value, d.suppress_below, d.source, v.load_id
    FROM measure_values v JOIN measure_definitions d USING (measure_id);

CREATE OR REPLACE VIEW measure_catalogue AS
    SELECT d.measure_id, d.title, d.unit, d.source, d.licence, d.suppress_below,
           d.period_type, d.area_level, d.definition, d.notes,
           min(l.period_start) AS first_period, max(l.period_start) AS last_period,
           count(l.load_id) AS periods, coalesce(sum(l.rows_accepted), 0) AS rows,
           d.updated_at
    FROM measure_definitions d
    LEFT JOIN measure_loads l ON l.measure_id = d.measure_id AND l.is_current
    GROUP BY ALL;
"""

PUBLIC_VIEWS = (
    "crimes",
    "outcomes",
    "stop_search",
    "areas",
    "area_lsoas",
    "deprivation",
    "population",
    "loads",
    "rejects",
    "measures",
    "measure_catalogue",
)
