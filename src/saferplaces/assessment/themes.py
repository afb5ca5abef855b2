"""What the published police data can and cannot say about each community safety theme.

Partnership plans set priorities such as domestic abuse, hate crime, VAWG or vulnerable
persons that data.police.uk street records do not show at all: there is no domestic abuse or
hate flag, victims are not described, and fraud is not in the street data. A theme without
evidence must say so, never score low. This module holds, per theme, which police.uk categories
evidence it, what they hold, what they cannot show, and which partner data would; and the
activity caveats for counts that mostly measure police action.

Sources named here: data.police.uk (street-level crime, stop and search); Home Office police
recorded crime and hate crime statistics; ONS domestic abuse data tool; SafeLives (MARAC data);
Information Sharing to Tackle Violence (ISTV, NHS England); Action Fraud / National Fraud
Intelligence Bureau (NFIB); National Referral Mechanism (NRM) statistics (Home Office); OHID
National Drug Treatment Monitoring System (NDTMS); Home Office fire incident statistics;
NHS England Safeguarding Adults Collection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "ACTIVITY_CAVEATS",
    "DEPRIVED_CONCENTRATION_DEFINITION",
    "DEPRIVED_CONCENTRATION_KEY",
    "DEPRIVED_CONCENTRATION_NAME",
    "MEASURE_THEMES",
    "NOT_EVIDENCED_BY_CATEGORIES",
    "STOP_AND_SEARCH_CAVEAT",
    "THEMES",
    "ThemeCoverage",
    "activity_caveat",
    "coverage_for",
    "coverages_for",
    "measure_themes",
    "theme_key",
]

# --- the "vulnerability" factor, named for what it measures -----------------------------------

#: Key for the priority-matrix factor that used to be called "vulnerability".
DEPRIVED_CONCENTRATION_KEY = "deprived_concentration"
#: Its name in documents.
DEPRIVED_CONCENTRATION_NAME = "concentration in deprived neighbourhoods"
#: One-line definition for the methods appendix and score tables.
DEPRIVED_CONCENTRATION_DEFINITION = (
    "How over-represented the theme is in the area's 20% most deprived neighbourhoods (IoD2025 "
    "deciles 1–2): its share of records there divided by their share of residents, so 1.0 "
    "means in proportion. It says where the crime happens, not who the victims are."
)

# --- activity-driven counts --------------------------------------------------------------------

#: Categories whose counts mostly measure police activity rather than how much is happening.
ACTIVITY_CAVEATS: dict[str, str] = {
    "Drugs": (
        "Drug offences are mostly found by police action (stop and search, warrants, "
        "operations), so the count rises and falls with police activity more than with drug "
        "use or supply."
    ),
    "Possession of weapons": (
        "Weapon possession offences are mostly found by police action (stop and search, "
        "targeted operations), so more of them can mean more searching, not more weapons."
    ),
}

#: For stop-and-search records, wherever they are shown.
STOP_AND_SEARCH_CAVEAT = (
    "Stop and search records show where and how often police searched, which follows where "
    "officers were deployed; they are not a measure of where crime happens."
)


def activity_caveat(category: str) -> str | None:
    """The activity caveat for a police.uk category, or ``None`` if it has none."""
    return ACTIVITY_CAVEATS.get(category)


# --- themes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeCoverage:
    """What the published data holds for one theme.

    ``evidence`` is ``"direct"`` (police.uk categories measure the theme), ``"partial"`` (they
    include it among other things) or ``"none"`` (nothing in police.uk shows it).
    ``police_uk_categories`` are the categories that evidence it (empty for ``"none"``).
    """

    key: str
    title: str
    evidence: str
    police_uk_categories: tuple[str, ...]
    holds: str
    cannot_show: str
    partner_data: tuple[str, ...]
    activity_caveat: str | None = None
    patterns: tuple[str, ...] = ()

    @property
    def scoring_note(self) -> str | None:
        """For a theme police.uk cannot show: why it has no score (it is not a low one)."""
        if self.evidence != "none":
            return None
        return (f"{self.title} is not scored from police data: data.police.uk does not show it, "
                "so a missing score is not a low one.")  # fmt: skip

    @property
    def statement(self) -> str:
        """The coverage in plain English: what is held, what is not, and what would show it."""
        partners = "; ".join(self.partner_data)
        parts = [self.holds, self.cannot_show]
        if self.activity_caveat:
            parts.append(self.activity_caveat)
        if partners:
            parts.append(f"Partner data that would show it: {partners}.")
        return " ".join(parts)


VSO = "Violence and sexual offences"

THEMES: tuple[ThemeCoverage, ...] = (
    ThemeCoverage(
        key="domestic_abuse",
        title="Domestic abuse",
        evidence="none",
        police_uk_categories=(),
        holds=(
            "data.police.uk has no domestic abuse flag: domestic crimes are published under "
            "their offence type, mostly 'Violence and sexual offences', and cannot be picked out."
        ),
        cannot_show="It cannot show how much domestic abuse there is, its trend, repeat victims or stalking.",
        partner_data=(
            "police recorded crime with the domestic abuse flag (the force, or the ONS domestic "
            "abuse data tool)",
            "MARAC cases and repeat referrals (SafeLives MARAC data)",
            "referrals to the IDVA and domestic abuse support services",
        ),
        patterns=(r"domestic", r"\bda\b", r"stalking", r"coercive"),
    ),
    ThemeCoverage(
        key="hate_crime_cohesion",
        title="Hate crime and community cohesion",
        evidence="none",
        police_uk_categories=(),
        holds=(
            "data.police.uk has no hate crime flag: hate crimes are published under their "
            "offence type (often 'Public order' or 'Violence and sexual offences')."
        ),
        cannot_show="It cannot show hate crime, community tension, radicalisation or extremism.",
        partner_data=(
            "police recorded hate crime by strand (the force; Home Office 'Hate crime, England "
            "and Wales')",
            "community tension monitoring and third-party hate reporting centres",
            "Prevent referrals (Home Office statistics)",
        ),
        patterns=(r"\bhate\b", r"cohesion", r"extremis", r"radicalis", r"\bprevent\b"),
    ),
    ThemeCoverage(
        key="vawg",
        title="Violence against women and girls",
        evidence="partial",
        police_uk_categories=(VSO,),
        holds=(
            "data.police.uk publishes violence and sexual offences as one category, without "
            "the victim's sex."
        ),
        cannot_show=(
            "It cannot show which offences were against women and girls, nor separate "
            "rape, sexual assault, stalking or harassment."
        ),
        partner_data=(
            "police recorded sexual offences, stalking and harassment by victim sex (the force)",
            "sexual assault referral centre (SARC) and ISVA referrals",
            "night-time economy and public space safety reports (e.g. StreetSafe, Home Office)",
        ),
        patterns=(r"violence against women", r"\bvawg\b", r"women and girls"),
    ),
    ThemeCoverage(
        key="vulnerable_persons",
        title="Vulnerable persons",
        evidence="none",
        police_uk_categories=(),
        holds="data.police.uk describes offences and places, never victims or their circumstances.",
        cannot_show=(
            "It cannot show who is vulnerable (mental health, isolation, homelessness, "
            "exploitation risk) or harm to them."
        ),
        partner_data=(
            "police concern-for-welfare and vulnerability incidents (the force)",
            "adult safeguarding enquiries (NHS England Safeguarding Adults Collection)",
            "homelessness cases (MHCLG H-CLIC) and mental health crisis referrals",
        ),
        patterns=(r"vulnerab", r"safeguard"),
    ),
    ThemeCoverage(
        key="fraud",
        title="Fraud",
        evidence="none",
        police_uk_categories=(),
        holds="Fraud is not in data.police.uk street data: it is reported to Action Fraud, not recorded by local forces.",
        cannot_show="It cannot show fraud or scams against residents or businesses.",
        partner_data=(
            "Action Fraud / National Fraud Intelligence Bureau (NFIB) reports by force area "
            "(City of London Police)",
            "Trading Standards scam and doorstep crime referrals",
        ),
        patterns=(r"fraud", r"\bscam", r"cyber"),
    ),
    ThemeCoverage(
        key="modern_slavery",
        title="Modern slavery",
        evidence="none",
        police_uk_categories=(),
        holds="data.police.uk has no modern slavery category; such offences fall within 'Other crime' with much else.",
        cannot_show="It cannot show modern slavery or human trafficking.",
        partner_data=(
            "National Referral Mechanism referrals by local authority (Home Office NRM statistics)",
            "police modern slavery crimes (the force)",
            "Modern Slavery & Exploitation Helpline reports (Unseen)",
        ),
        patterns=(r"modern slavery", r"trafficking", r"slavery"),
    ),
    ThemeCoverage(
        key="exploitation",
        title="Exploitation (including county lines)",
        evidence="none",
        police_uk_categories=(),
        holds=(
            "data.police.uk has no exploitation flag; county lines shows at most indirectly in "
            "'Drugs', which mostly measures police activity."
        ),
        cannot_show="It cannot show child criminal or sexual exploitation, or cuckooing.",
        partner_data=(
            "National Referral Mechanism referrals with the county lines flag (Home Office)",
            "children's social care exploitation assessments and missing-from-home episodes",
            "the force's county lines and cuckooing records",
        ),
        patterns=(r"exploitation", r"county lines", r"cuckoo", r"\bcse\b", r"\bcce\b"),
    ),
    ThemeCoverage(
        key="serious_violence",
        title="Serious violence",
        evidence="partial",
        police_uk_categories=(VSO, "Robbery", "Possession of weapons"),
        holds=(
            "data.police.uk has 'Violence and sexual offences', 'Robbery' and 'Possession of "
            "weapons', but no knife flag and no split by seriousness."
        ),
        cannot_show=(
            "It cannot separate violence with injury, homicide or knife crime from "
            "common assault and harassment."
        ),
        partner_data=(
            "A&E assault attendances (Information Sharing to Tackle Violence, ISTV)",
            "police recorded violence with injury and knife or sharp instrument offences (the force)",
            "hospital admissions for assault by sharp object (NHS Hospital Episode Statistics)",
        ),
        activity_caveat=ACTIVITY_CAVEATS["Possession of weapons"],
        patterns=(r"serious\b.*\bviolen", r"knife crime"),
    ),
    ThemeCoverage(
        key="asb",
        title="Anti-social behaviour",
        evidence="direct",
        police_uk_categories=("Anti-social behaviour",),
        holds="data.police.uk has anti-social behaviour incidents reported to the police.",
        cannot_show=(
            "It cannot show ASB reported to the council or housing providers, or the "
            "type (personal, nuisance, environmental)."
        ),
        partner_data=(
            "council ASB case records",
            "social housing provider ASB reports",
            "deliberate secondary fires (fire and rescue service incident data)",
        ),
        patterns=(r"anti-?\s?social", r"\basb\b"),
    ),
    ThemeCoverage(
        key="burglary",
        title="Burglary",
        evidence="direct",
        police_uk_categories=("Burglary",),
        holds="data.police.uk has burglary by month and street.",
        cannot_show="It does not split homes from businesses and other buildings.",
        partner_data=("police recorded residential and non-residential burglary (the force)",),
        patterns=(r"burglar",),
    ),
    ThemeCoverage(
        key="vehicle_crime",
        title="Vehicle crime",
        evidence="direct",
        police_uk_categories=("Vehicle crime",),
        holds="data.police.uk has vehicle crime by month and street.",
        cannot_show="It does not split theft of, theft from and interference with vehicles.",
        partner_data=("police recorded vehicle offences by type (the force)",),
        patterns=(r"vehicle", r"\bcar crime", r"catalytic"),
    ),
    ThemeCoverage(
        key="retail_crime",
        title="Retail crime and shoplifting",
        evidence="partial",
        police_uk_categories=("Shoplifting",),
        holds="data.police.uk has shoplifting reported to the police.",
        cannot_show=(
            "It cannot show unreported theft, or violence and abuse against shop "
            "workers, which is published as violence or public order."
        ),
        partner_data=(
            "business crime reduction partnership reports",
            "police recorded offences at retail premises (the force)",
        ),
        patterns=(r"retail", r"shoplift", r"business crime"),
    ),
    ThemeCoverage(
        key="drugs",
        title="Drugs",
        evidence="partial",
        police_uk_categories=("Drugs",),
        holds="data.police.uk has drug offences (possession and supply together).",
        cannot_show="It cannot show drug use, supply networks or drug-related harm.",
        partner_data=(
            "drug treatment numbers and outcomes (OHID National Drug Treatment Monitoring System)",
            "drug-related deaths (ONS)",
            "stop and search for drugs (data.police.uk stop and search)",
        ),
        activity_caveat=ACTIVITY_CAVEATS["Drugs"],
        patterns=(r"\bdrug", r"substance"),
    ),
    ThemeCoverage(
        key="weapons",
        title="Weapons",
        evidence="partial",
        police_uk_categories=("Possession of weapons",),
        holds="data.police.uk has weapon possession offences.",
        cannot_show="It cannot show weapons used in violence, or knife crime as a whole.",
        partner_data=(
            "knife or sharp instrument offences (the force; Home Office statistics)",
            "hospital admissions for assault by sharp object (NHS Hospital Episode Statistics)",
        ),
        activity_caveat=ACTIVITY_CAVEATS["Possession of weapons"],
        patterns=(r"weapon", r"\bknife", r"\bknives"),
    ),
    ThemeCoverage(
        key="violence",
        title="Violence",
        evidence="partial",
        police_uk_categories=(VSO,),
        holds="data.police.uk has violence and sexual offences as one category.",
        cannot_show=(
            "It cannot separate violence with and without injury, sexual offences, "
            "stalking and harassment, or domestic and night-time violence."
        ),
        partner_data=(
            "A&E assault attendances (Information Sharing to Tackle Violence, ISTV)",
            "police recorded violence by offence type (the force)",
        ),
        patterns=(r"violen", r"assault"),
    ),
    ThemeCoverage(
        key="criminal_damage_arson",
        title="Criminal damage and arson",
        evidence="direct",
        police_uk_categories=("Criminal damage and arson",),
        holds="data.police.uk has criminal damage and arson as one category.",
        cannot_show="It does not separate arson, and misses fires not reported to the police.",
        partner_data=(
            "deliberate fires (Home Office fire incident statistics; the fire and rescue service)",
        ),
        patterns=(r"criminal damage", r"arson", r"graffiti", r"vandal"),
    ),
    ThemeCoverage(
        key="robbery",
        title="Robbery",
        evidence="direct",
        police_uk_categories=("Robbery",),
        holds="data.police.uk has robbery by month and street.",
        cannot_show="It does not split robbery of people from robbery of businesses.",
        partner_data=("police recorded personal and business robbery (the force)",),
        patterns=(r"robber",),
    ),
    ThemeCoverage(
        key="theft",
        title="Theft",
        evidence="direct",
        police_uk_categories=("Other theft", "Theft from the person", "Bicycle theft"),
        holds="data.police.uk has theft from the person, bicycle theft and other theft.",
        cannot_show="'Other theft' mixes many kinds of theft that cannot be told apart.",
        partner_data=("police recorded theft by offence type (the force)",),
        patterns=(r"theft", r"\bstealing"),
    ),
    ThemeCoverage(
        key="public_order",
        title="Public order",
        evidence="direct",
        police_uk_categories=("Public order",),
        holds="data.police.uk has public order offences.",
        cannot_show="It cannot show which were racially or religiously aggravated.",
        partner_data=("police recorded public order offences by type (the force)",),
        patterns=(r"public order", r"disorder"),
    ),
)

_BY_KEY = {t.key: t for t in THEMES}


def _matches(title: str) -> list[tuple[int, int, int, ThemeCoverage]]:
    text = " ".join(title.lower().replace("’", "'").split())
    found = []
    for order, theme in enumerate(THEMES):
        hits = [m for p in theme.patterns if (m := re.search(p, text))]
        if hits:
            first = min(hits, key=lambda m: (m.start(), -(m.end() - m.start())))
            found.append((first.start(), -(first.end() - first.start()), order, theme))
    found.sort(key=lambda x: x[:3])
    # A match inside a longer one is the same words ("violence" in "serious violence").
    return [f for f in found
            if not any(g is not f and g[0] <= f[0] and f[0] - f[1] <= g[0] - g[1]
                       and -g[1] > -f[1] for g in found)]  # fmt: skip


def coverages_for(title: str) -> list[ThemeCoverage]:
    """Every theme a priority title mentions, in the order the title mentions them."""
    return [m[3] for m in _matches(title)]


def coverage_for(title: str) -> ThemeCoverage:
    """The theme a plan priority title is about, and what the published data holds for it.

    The theme mentioned first in the title wins ("Drug supply and county lines" → drugs;
    "Safeguarding vulnerable persons (including alcohol, drugs …)" → vulnerable persons); when
    two start at the same word the longer phrase wins ("Violence against women and girls" →
    VAWG, not violence). A key (``"domestic_abuse"``) is accepted too. A title that matches no
    theme gets a coverage saying so, with evidence ``"none"``, rather than an error.
    """
    if title in _BY_KEY:
        return _BY_KEY[title]
    found = _matches(title)
    if found:
        return found[0][3]
    return ThemeCoverage(
        key="unmatched",
        title=title.strip(),
        evidence="none",
        police_uk_categories=(),
        holds="Safer Places does not know which published police data measures this priority.",
        cannot_show="No data.police.uk category is matched to it, so it is not scored from police data.",
        partner_data=(),
    )


# --- themes in the priority matrix -------------------------------------------------------------

#: Themes whose police.uk category is context, not evidence: 'Violence and sexual offences' has
#: no victim sex, so its count says nothing about violence against women and girls in particular.
NOT_EVIDENCED_BY_CATEGORIES = frozenset({"vawg"})

#: Partner measures (by id) and the themes they evidence, for definitions that name none.
MEASURE_THEMES: dict[str, tuple[str, ...]] = {
    "demo-ae-assault-illustrative": ("serious_violence", "violence"),
    "ae-assault-attendances": ("serious_violence", "violence"),
}
#: The same by words in a measure's title: A&E assault attendances (ISTV) evidence violence.
_MEASURE_TITLE_THEMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\ba&e\b|\bistv\b|emergency department|assault attendances", ("serious_violence", "violence")),
)


def theme_key(name: str) -> str | None:
    """A theme's key from its key or its title (exactly, or as :func:`coverage_for` reads a
    priority title); ``None`` when no theme matches."""
    if name in _BY_KEY:
        return name
    folded = " ".join(name.split()).casefold()
    exact = next((t.key for t in THEMES if t.title.casefold() == folded), None)
    if exact:
        return exact
    key = coverage_for(name).key
    return None if key == "unmatched" else key


def measure_themes(measure_id: str, title: str, declared: tuple[str, ...] | list[str] = ()) -> tuple[str, ...]:
    """The theme keys a partner measure evidences: those its definition declares, else the
    mapping by id (:data:`MEASURE_THEMES`), else by its title's words."""
    if declared:
        return tuple(dict.fromkeys(k for k in (theme_key(t) for t in declared) if k))
    if measure_id in MEASURE_THEMES:
        return MEASURE_THEMES[measure_id]
    text = title.lower()
    for pattern, keys in _MEASURE_TITLE_THEMES:
        if re.search(pattern, text):
            return keys
    return tuple(dict.fromkeys(c.key for c in coverages_for(title)))
