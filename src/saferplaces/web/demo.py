"""Demo data: a Staffordshire-like county agreement spanning eight district partnerships.

Built from the public partnership papers in shared/seeds (the Staffordshire Community Safety
Agreement 2023–2026 and Tamworth's Community Safety Partnership Plan 2023–2026): their
priorities, definitions, governance table, priority localities and partner plans. People are
named by ROLE TITLE only; no real person's name from the papers is used. Actions, manual
indicator values and meetings are illustrative and say so.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from saferplaces.web import integrations
from saferplaces.web.accounts import services as account_services
from saferplaces.web.accounts.models import Organisation, User
from saferplaces.web.consultation import demo as consultation_demo
from saferplaces.web.funds import demo as funds_demo
from saferplaces.web.meetings import demo as meetings_demo
from saferplaces.web.partnerships import services as p_services
from saferplaces.web.partnerships.models import Partnership, PartnershipArea, Role
from saferplaces.web.performance import services as perf_services
from saferplaces.web.performance.models import Indicator
from saferplaces.web.plans import services as plan_services
from saferplaces.web.plans.models import Action, ActionUpdate, Priority
from saferplaces.web.reviews import demo as reviews_demo

DEMO_PASSWORD = "safer-places-demo"
# The illustrative partner measure `saferplaces demo` loads (saferplaces.warehouse.measures).
DEMO_MEASURE = "demo-ae-assault-illustrative"
EMAIL_DOMAIN = "demo.saferplaces.example"
PLAN_START, PLAN_END = dt.date(2023, 4, 1), dt.date(2026, 3, 31)

ORGS: list[tuple[str, str, bool]] = [
    ("Staffordshire County Council", Organisation.Kind.COUNCIL, True),
    ("Staffordshire Police", Organisation.Kind.POLICE, True),
    ("Staffordshire Fire and Rescue Service", Organisation.Kind.FIRE, True),
    ("Probation Service (Staffordshire and Stoke-on-Trent)", Organisation.Kind.PROBATION, True),
    ("NHS Staffordshire and Stoke-on-Trent Integrated Care Board", Organisation.Kind.HEALTH, True),
    ("Office of the Staffordshire Commissioner", Organisation.Kind.PCC, False),
    ("Support Staffordshire", Organisation.Kind.VOLUNTARY, False),
]

# (slug, name, council, CSP code) — codes from the ONS LAD–CSP–PFA lookup (2024).
DISTRICTS: list[tuple[str, str, str, str]] = [
    (
        "cannock-chase",
        "Cannock Chase Community Safety Partnership",
        "Cannock Chase District Council",
        "E22000263",
    ),
    (
        "east-staffordshire",
        "East Staffordshire Community Safety Partnership",
        "East Staffordshire Borough Council",
        "E22000264",
    ),
    (
        "lichfield",
        "Lichfield District Community Safety Partnership",
        "Lichfield District Council",
        "E22000265",
    ),
    (
        "newcastle-under-lyme",
        "Newcastle-under-Lyme Community Safety Partnership",
        "Newcastle-under-Lyme Borough Council",
        "E22000266",
    ),
    (
        "south-staffordshire",
        "South Staffordshire Community Safety Partnership",
        "South Staffordshire Council",
        "E22000267",
    ),
    (
        "stafford",
        "Stafford Borough Community Safety Partnership",
        "Stafford Borough Council",
        "E22000268",
    ),
    (
        "staffordshire-moorlands",
        "Staffordshire Moorlands Community Safety Partnership",
        "Staffordshire Moorlands District Council",
        "E22000269",
    ),
    ("tamworth", "Tamworth Community Safety Partnership", "Tamworth Borough Council", "E22000271"),
]

ASB_DEFINITION = (
    "Anti-social behaviour is defined as:\n"
    "- conduct that has caused, or is likely to cause, harassment, alarm or distress to any person,\n"
    "- conduct capable of causing nuisance or annoyance to a person in relation to that person's occupation of residential premises, or\n"
    "- conduct capable of causing housing-related nuisance or annoyance to any person."
)
DA_DEFINITION = (
    "Behaviour of a person (A) towards another person (B) is domestic abuse if A and B are each aged 16 or over and are "
    "personally connected to each other and the behaviour is abusive: physical or sexual abuse; violent or threatening "
    "behaviour; controlling or coercive behaviour; economic abuse; psychological, emotional or other abuse. It does not "
    "matter whether the behaviour is a single incident or a course of conduct (Domestic Abuse Act 2021)."
)

# County-wide priorities and the governance table of the Community Safety Agreement, section 7.
COUNTY_PRIORITIES: list[dict[str, Any]] = [
    {
        "title": "Anti-social behaviour",
        "definition": ASB_DEFINITION,
        "governance_group": "Safer and Stronger Communities Strategy Group (ASB Partnership Task and Finish group reporting into the Community Safety Strategic Forum)",
        "lead": "police_lead",
        "org": "Staffordshire Police",
        "objectives": ["Prevent harm and protect people."],
    },
    {
        "title": "Community cohesion and tackling extremism",
        "definition": "Prevent: Staffordshire County Council is the specified authority under the Prevent Duty. Community cohesion: the ability of all communities to function and grow in harmony together rather than in conflict.",
        "governance_group": "Prevent – Staffordshire Prevent Board (CONTEST Board); Community cohesion – Safer and Stronger Communities Strategy Group",
        "lead": "prevent_lead",
        "org": "Staffordshire County Council",
        "objectives": ["Prevent harm and protect people."],
    },
    {
        "title": "Domestic abuse",
        "definition": DA_DEFINITION,
        "governance_group": "Domestic Abuse Commissioning and Development Board",
        "lead": "da_lead",
        "org": "Staffordshire County Council",
        "objectives": ["Support victims and witnesses", "Prevent harm and protect people."],
    },
    {
        "title": "Drug supply and county lines",
        "definition": "A national approach via the National Crime Agency, with local strategic ownership at Detective Chief Superintendent level. Police led; partners engaged as appropriate.",
        "governance_group": "National Crime Agency national approach; local ownership at Detective Chief Superintendent level",
        "lead": "police_lead",
        "org": "Staffordshire Police",
        "objectives": ["Reduce offending and reoffending."],
    },
    {
        "title": "Fraud",
        "definition": "",
        "governance_group": "Safer and Stronger Communities Strategy Group",
        "lead": "police_lead",
        "org": "Staffordshire Police",
        "objectives": ["Support victims and witnesses"],
    },
    {
        "title": "Serious violence and violence against women and girls",
        "definition": "Serious violence as defined locally under the Serious Violence Duty (Police, Crime, Sentencing and Courts Act 2022), including violence against women and girls.",
        "governance_group": "The Violence Reduction Executive Board",
        "lead": "police_lead",
        "org": "Staffordshire Police",
        "objectives": ["Prevent harm and protect people.", "Reduce offending and reoffending."],
    },
    {
        "title": "Safeguarding vulnerable persons (including alcohol, drugs and mental health) and child exploitation",
        "definition": "",
        "governance_group": "Drug and Alcohol Executive Board / Health and Wellbeing Board; Child Exploitation Task Group / Children's Safeguarding Board",
        "lead": "safeguarding_lead",
        "org": "Staffordshire County Council",
        "objectives": ["Prevent harm and protect people."],
    },
]

# Section 6 of the agreement: force-wide priority localities and the rationale given.
LOCALITIES: list[tuple[str, str, list[str], str]] = [
    (
        "east-staffordshire",
        "Burton Town and Uxbridge",
        [],
        "As one of the largest urban areas in Staffordshire and Stoke-on-Trent, these neighbourhoods have experienced a number of challenges relating to crime and vulnerability over a period of time.",
    ),
    (
        "east-staffordshire",
        "Burton Urban",
        [],
        "As one of the largest urban areas in Staffordshire and Stoke-on-Trent, these neighbourhoods have experienced a number of challenges relating to crime and vulnerability over a period of time.",
    ),
    (
        "east-staffordshire",
        "Winshill and Stapenhill",
        ["E05014488", "E05014484"],
        "As one of the largest urban areas in Staffordshire and Stoke-on-Trent, these neighbourhoods have experienced a number of challenges relating to crime and vulnerability over a period of time.",
    ),
    (
        "stafford",
        "Stafford Town",
        [],
        "The most central part of the force experiences some high levels of crime and vulnerability – particularly around the town centre and some vulnerable communities in the immediate vicinity.",
    ),
    (
        "stafford",
        "Stafford South",
        [],
        "The most central part of the force experiences some high levels of crime and vulnerability – particularly around the town centre and some vulnerable communities in the immediate vicinity.",
    ),
    (
        "newcastle-under-lyme",
        "Newcastle Town",
        ["E05011432"],
        "Similarly to other town centre areas, the neighbourhood experiences a disproportionate volume of crime (including some which is high risk) in addition to public space ASB.",
    ),
    (
        "cannock-chase",
        "Cannock South and West",
        [],
        "These neighbourhoods experience some high levels of crime and vulnerability – particularly around the town centre and some vulnerable residential areas, which rank amongst the 30% most deprived nationally.",
    ),
    (
        "cannock-chase",
        "Cannock East and North",
        [],
        "These neighbourhoods experience some high levels of crime and vulnerability – particularly around the town centre and some vulnerable residential areas, which rank amongst the 30% most deprived nationally.",
    ),
]

# Tamworth's 2023–2026 priorities and definitions (Tamworth CSP Plan report, March 2023).
TAMWORTH_PRIORITIES: list[tuple[str, str]] = [
    ("Anti-social behaviour", ASB_DEFINITION),
    ("Domestic abuse (including stalking and harassment)", DA_DEFINITION),
    (
        "Community cohesion",
        "Community cohesion describes the ability of all communities to function and grow in harmony together rather than conflict. This priority includes seeking to prevent radicalisation, extremism and hate crime.",
    ),
    (
        "Drugs crime and related harm",
        "To seek to prevent harm from the supply and sale of illegal substances, including the criminal exploitation of young people (county lines) and other vulnerable people at risk.",
    ),
    (
        "Serious and public place violence",
        "Serious and public place violence, to include violence against women and girls (VAWG).",
    ),
    ("Vehicle crime", "The theft of and theft from vehicles."),
    (
        "Vulnerable persons",
        "To seek to prevent harm to persons at risk of criminal exploitation or becoming victims due to mental health, social isolation, financial exclusion, homelessness or other external concerns and influences.",
    ),
]

# Illustrative work plan, drawn from the activity the Tamworth plan lists. (priority index,
# action, owner key, due in days from today, status, RAG, days since the last update or None)
TAMWORTH_ACTIONS: list[tuple[int, str, str, int, str, str, int | None]] = [
    (
        0,
        "Run the weekly ASB meeting to assess emerging issues, hotspots, enforcement and reactive interventions",
        "lead",
        130,
        "in_progress",
        "green",
        12,
    ),
    (
        0,
        "Deliver the ASB early intervention project funded by the Locality Deal Fund",
        "lead",
        -20,
        "in_progress",
        "amber",
        40,
    ),
    (
        0,
        "Publish the ASB Case Review (Community Trigger) procedure and timescales",
        "manager",
        45,
        "not_started",
        "",
        None,
    ),
    (
        1,
        "Manage high-risk domestic abuse cases through the weekly MARAC and report repeat referrals",
        "police",
        200,
        "in_progress",
        "green",
        9,
    ),
    (
        1,
        "Deliver stalking and harassment awareness sessions to front-line staff",
        "lead",
        -45,
        "in_progress",
        "red",
        120,
    ),
    (
        2,
        "Attend the Staffordshire Prevent board and complete Prevent awareness training for front-line staff",
        "manager",
        60,
        "in_progress",
        "green",
        30,
    ),
    (
        2,
        "Promote hate crime reporting with the voluntary sector",
        "lead",
        90,
        "not_started",
        "",
        None,
    ),
    (
        3,
        "Joint visits with the police to addresses at risk of cuckooing linked to county lines",
        "police",
        75,
        "in_progress",
        "amber",
        100,
    ),
    (
        4,
        "Map public place violence in the night-time economy and agree a patrol plan with licensed premises",
        "police",
        30,
        "in_progress",
        "green",
        20,
    ),
    (
        5,
        "Vehicle crime prevention campaign in the car parks with the most thefts",
        "police",
        -10,
        "not_started",
        "red",
        None,
    ),
    (
        6,
        "Hold the weekly vulnerability meeting for complex cases",
        "lead",
        150,
        "in_progress",
        "green",
        5,
    ),
    (
        6,
        "Oversee Domestic Homicide Review action plans with the county team",
        "manager",
        120,
        "complete",
        "green",
        60,
    ),
]


def _email(key: str, district: str | None = None) -> str:
    return f"{key}.{district}@{EMAIL_DOMAIN}" if district else f"{key}@{EMAIL_DOMAIN}"


def _user(email: str, title: str, org: Organisation, password: str) -> User:
    u = User.objects.filter(email=email).first()
    if u is None:
        u = account_services.user_create(
            email=email, password=password, job_title=title, organisation=org, check_password=False
        )
    return u


def _month_starts(n: int) -> list[dt.date]:
    d = timezone.localdate().replace(day=1)
    out = []
    for _ in range(n):
        d = (d - dt.timedelta(days=1)).replace(day=1)
        out.append(d)
    return list(reversed(out))


@transaction.atomic
def load(password: str = DEMO_PASSWORD, home: Path | None = None) -> dict[str, Any]:
    """Creates the demo partnerships and people. Does nothing if they are already there.

    If ``saferplaces demo`` has assessed Tamworth in this workspace (``demo/tamworth``), that
    assessment and its report are added to Tamworth's assessments, ready to adopt.
    """
    if Partnership.objects.filter(slug="staffordshire").exists():
        return summary(password, created=False)

    orgs = {name: account_services.organisation_get_or_create(name, kind) for name, kind, _ in ORGS}
    statutory = {name for name, _, s in ORGS if s}
    for _, _, council, _ in DISTRICTS:
        orgs[council] = account_services.organisation_get_or_create(
            council, Organisation.Kind.COUNCIL
        )
    scc, police = orgs["Staffordshire County Council"], orgs["Staffordshire Police"]

    people = {
        "admin": _user(_email("administrator"), "Workspace Administrator", scc, password),
        "county_manager": _user(
            _email("community-safety-manager.county"), "Community Safety Manager", scc, password
        ),
        "analyst": _user(_email("analyst"), "Community Safety Analyst", police, password),
        "police_lead": _user(
            _email("partnerships-superintendent"), "Partnerships Superintendent", police, password
        ),
        "prevent_lead": _user(_email("prevent-lead"), "Prevent Lead", scc, password),
        "da_lead": _user(
            _email("domestic-abuse-lead"), "Domestic Abuse Commissioning Lead", scc, password
        ),
        "safeguarding_lead": _user(
            _email("safeguarding-lead"), "Public Health Commissioning Lead", scc, password
        ),
        "fire_member": _user(
            _email("fire-member"),
            "Community Safety Station Manager",
            orgs["Staffordshire Fire and Rescue Service"],
            password,
        ),
    }

    county = p_services.partnership_create(
        actor=None,
        name="Staffordshire Community Safety Agreement",
        slug="staffordshire",
        kind=Partnership.Kind.COUNTY,
        plan_title="Staffordshire Community Safety Agreement 2023–2026",
        plan_start=PLAN_START,
        plan_end=PLAN_END,
        lead_organisation=scc,
        board_name="Safer and Stronger Communities Strategy Group",
        scrutiny_body="County council overview and scrutiny committee",
        description="Mandatory for two-tier areas. Stoke-on-Trent City Council is not part of this agreement.",
    )
    for name in orgs:
        if name in dict((n, 1) for n, _, _ in ORGS) or name.endswith("Council"):
            p_services.partner_add(
                actor=None,
                partnership=county,
                organisation=orgs[name],
                is_statutory=name in statutory or name.endswith("Council"),
            )
    pcp = p_services.partner_plan_create(
        actor=None,
        partnership=county,
        title="Police and Crime Plan for Staffordshire 2021–2024",
        owner="Staffordshire Commissioner",
        objectives=[
            "A flexible and responsive service",
            "Support victims and witnesses",
            "Prevent harm and protect people.",
            "Reduce offending and reoffending.",
            "A more effective criminal justice system",
        ],
    )
    p_services.partner_plan_create(
        actor=None,
        partnership=county,
        title="Staffordshire Fire and Rescue Service Safety Plan 2020–2024",
        owner="Staffordshire Fire and Rescue Service",
        objectives=[
            "Prevention and early intervention",
            "Protecting Staffordshire and its people",
            "Public confidence",
            "Service reform",
        ],
    )
    objectives = {o.title: o for o in pcp.objectives.all()}
    for role, key in [
        (Role.ADMINISTRATOR, "admin"),
        (Role.MANAGER, "county_manager"),
        (Role.ANALYST, "analyst"),
        (Role.MEMBER, "fire_member"),
        (Role.LEAD_OFFICER, "police_lead"),
        (Role.LEAD_OFFICER, "prevent_lead"),
        (Role.LEAD_OFFICER, "da_lead"),
        (Role.LEAD_OFFICER, "safeguarding_lead"),
    ]:
        p_services.membership_add(actor=None, partnership=county, user=people[key], role=role)
    for i, spec in enumerate(COUNTY_PRIORITIES):
        plan_services.priority_create(
            actor=None,
            partnership=county,
            title=spec["title"],
            definition=spec["definition"],
            scope=Priority.Scope.COUNTY_WIDE,
            governance_group=spec["governance_group"],
            lead_officer=people[spec["lead"]],
            lead_organisation=orgs[spec["org"]],
            position=i,
            objectives=[objectives[t] for t in spec["objectives"]],
        )

    districts: dict[str, Partnership] = {}
    for slug, name, council, code in DISTRICTS:
        d = p_services.partnership_create(
            actor=None,
            name=name,
            slug=slug,
            kind=Partnership.Kind.DISTRICT,
            county=county,
            plan_title=f"{name.replace(' Community Safety Partnership', '')} Community Safety Partnership Plan 2023–2026",
            plan_start=PLAN_START,
            plan_end=PLAN_END,
            lead_organisation=orgs[council],
            board_name=f"{name} board",
            scrutiny_body=f"{council} scrutiny committee",
        )
        districts[slug] = d
        p_services.area_add(
            actor=None,
            partnership=d,
            code=code,
            level=PartnershipArea.Level.CSP,
            name=name.replace(" Community Safety Partnership", ""),
        )
        p_services.area_add(
            actor=None,
            partnership=county,
            code=code,
            level=PartnershipArea.Level.CSP,
            name=name.replace(" Community Safety Partnership", ""),
        )
        for org_name in [
            council,
            "Staffordshire Police",
            "Staffordshire Fire and Rescue Service",
            "Probation Service (Staffordshire and Stoke-on-Trent)",
            "NHS Staffordshire and Stoke-on-Trent Integrated Care Board",
        ]:
            p_services.partner_add(
                actor=None, partnership=d, organisation=orgs[org_name], is_statutory=True
            )
        manager = _user(
            _email("community-safety-manager", slug),
            "Community Safety Manager",
            orgs[council],
            password,
        )
        lead = _user(
            _email("community-safety-officer", slug),
            "Community Safety Officer",
            orgs[council],
            password,
        )
        people[f"manager:{slug}"], people[f"lead:{slug}"] = manager, lead
        for role, user in [
            (Role.MANAGER, manager),
            (Role.LEAD_OFFICER, lead),
            (Role.ANALYST, people["analyst"]),
            (Role.ADMINISTRATOR, people["admin"]),
            (Role.LEAD_OFFICER, people["police_lead"]),
            (Role.MEMBER, people["fire_member"]),
        ]:
            p_services.membership_add(actor=None, partnership=d, user=user, role=role)

    for slug, name, codes, rationale in LOCALITIES:
        for p in (county, districts[slug]):
            plan_services.locality_create(
                actor=None,
                partnership=p,
                name=name,
                area_codes=codes,
                priority_type="High – force-wide",
                rationale=rationale,
            )

    scrutiny = _user(
        _email("scrutiny-member", "tamworth"),
        "Scrutiny Committee Member",
        orgs["Tamworth Borough Council"],
        password,
    )
    p_services.membership_add(
        actor=None, partnership=districts["tamworth"], user=scrutiny, role=Role.SCRUTINY
    )
    people["scrutiny"] = scrutiny

    _tamworth(districts["tamworth"], people, orgs)
    _cannock(districts["cannock-chase"], people, orgs)
    # A year of board and committee meetings, with resolutions and a matter arising.
    meetings_demo.load(districts["tamworth"], county, people)
    # Tamworth's Locality Deal Fund at the seed's figures; the county fund shared by formula.
    funds_demo.load(districts["tamworth"], county, people)
    # Two invented statutory review cases, seen only by their case team (counts for others).
    reviews_demo.load(districts["tamworth"], people)
    # A weighted residents' survey feeding public concern; Tamworth's public pages switched on.
    consultation_demo.load(districts["tamworth"], people)
    for slug in (
        "east-staffordshire",
        "lichfield",
        "newcastle-under-lyme",
        "south-staffordshire",
        "stafford",
        "staffordshire-moorlands",
    ):
        d = districts[slug]
        for i, (title, definition) in enumerate(
            [
                TAMWORTH_PRIORITIES[0],
                ("Vehicle crime" if slug != "staffordshire-moorlands" else "Rural crime", ""),
                ("Modern slavery", ""),
            ][:2]
        ):
            plan_services.priority_create(
                actor=None,
                partnership=d,
                title=title,
                definition=definition,
                position=i,
                lead_officer=people[f"lead:{slug}"],
            )
        _warehouse_indicators(d, people[f"manager:{slug}"], None)

    if perf_services.warehouse_sync(force=True) is not None:
        _demo_targets()
    if home is not None:
        _demo_assessment(districts["tamworth"], Path(home) / "demo" / "tamworth")
    return summary(password, created=True)


def _demo_assessment(p: Partnership, folder: Path) -> None:
    path = folder / "assessment.json"
    if not path.exists():
        return
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    html = next(iter(sorted(folder.glob("*-strategic-assessment.html"))), None)
    area = (result.get("area") or {}).get("code") or "E22000271"
    plan_services.assessment_store(
        actor=None,
        partnership=p,
        area_code=area,
        start=None,
        end=None,
        result=result,
        report_html=html.read_text(encoding="utf-8") if html else "",
        imported=True,
    )


def _demo_targets() -> None:
    """Illustrative targets for police-data counts: 5% below the like-for-like baseline (the
    average a month over the baseline year's months matched to the latest year's)."""
    from django.core.exceptions import ValidationError

    for ind in Indicator.objects.filter(
        source=Indicator.Source.WAREHOUSE,
        measure=Indicator.Measure.COUNT,
        target_value__isnull=True,
    ).prefetch_related("partnership__areas"):
        last = ind.values.order_by("-period").values_list("period", flat=True).first()
        if last is None:
            continue
        start = dt.date(last.year - 1, last.month, 1) + dt.timedelta(days=31)
        try:
            perf_services.indicator_baseline_like_for_like(
                actor=None,
                indicator=ind,
                start=start.replace(day=1),
                end=last,
                target_change=-0.05,
            )
        except ValidationError:  # no matched months: the demo simply sets none
            continue


def _warehouse_indicators(
    d: Partnership, owner: User, priorities: dict[str, Priority] | None
) -> None:
    p = priorities or {x.title: x for x in d.priorities.all()}
    specs = [
        (
            "Anti-social behaviour incidents",
            "count",
            "Anti-social behaviour",
            "Anti-social behaviour",
        ),
        (
            "Violence and sexual offences per 1,000 residents",
            "rate",
            "Violence and sexual offences",
            "Serious and public place violence",
        ),
        ("Vehicle crime", "count", "Vehicle crime", "Vehicle crime"),
        ("Drug offences", "count", "Drugs", "Drugs crime and related harm"),
        ("Shoplifting", "count", "Shoplifting", None),
        ("Burglary", "count", "Burglary", None),
        (
            "Criminal damage and arson per 1,000 residents",
            "rate",
            "Criminal damage and arson",
            None,
        ),
        ("All crime per 1,000 residents", "rate", "", None),
    ]
    for i, (name, measure, category, prio) in enumerate(specs):
        perf_services.indicator_create(
            actor=None,
            partnership=d,
            name=name,
            source=Indicator.Source.WAREHOUSE,
            measure=measure,
            category=category,
            priority=p.get(prio) if prio else None,
            owner=owner,
            direction=Indicator.Direction.DOWN,
            position=i,
            definition=f"Police-recorded {category.lower() or 'crime (excluding anti-social behaviour)'} in the partnership's area from data.police.uk, computed each month from the warehouse.",
        )


def _tamworth(d: Partnership, people: dict[str, User], orgs: dict[str, Organisation]) -> None:
    council = orgs["Tamworth Borough Council"]
    prios = []
    for i, (title, definition) in enumerate(TAMWORTH_PRIORITIES):
        prios.append(
            plan_services.priority_create(
                actor=None,
                partnership=d,
                title=title,
                definition=definition,
                position=i,
                governance_group="Tamworth Community Safety Partnership board",
                lead_officer=people["lead:tamworth"],
                lead_organisation=council,
            )
        )
    owners = {
        "lead": people["lead:tamworth"],
        "manager": people["manager:tamworth"],
        "police": people["police_lead"],
    }
    today = timezone.localdate()
    now = timezone.now()
    for pi, title, owner_key, due_days, status, rag, updated_days in TAMWORTH_ACTIONS:
        owner = owners[owner_key]
        a = plan_services.action_create(
            actor=None,
            priority=prios[pi],
            title=title,
            owner=owner,
            organisation=owner.organisation,
            due_date=today + dt.timedelta(days=due_days),
            status=Action.Status.NOT_STARTED,
            rag="",
        )
        created = now - dt.timedelta(days=200)
        Action.objects.filter(pk=a.pk).update(created_at=created)
        if updated_days is not None:
            when = now - dt.timedelta(days=updated_days)
            ActionUpdate.objects.create(
                action=a,
                author=owner,
                created_at=when,
                note="Illustrative demo update.",
                status=status,
                rag=rag,
            )
            Action.objects.filter(pk=a.pk).update(status=status, rag=rag, last_update_at=when)
        else:
            Action.objects.filter(pk=a.pk).update(status=status, rag=rag)
    _warehouse_indicators(d, people["manager:tamworth"], {p.title: p for p in prios})
    # A partner measure as an indicator: the illustrative A&E assault measure that
    # `saferplaces demo` loads into the warehouse (derived from police.uk; not health data).
    known = integrations.partner_measures()
    if known is None or DEMO_MEASURE in known:
        perf_services.indicator_create(
            actor=None,
            partnership=d,
            name="A&E attendances for assault (illustrative)",
            source=Indicator.Source.PARTNER,
            partner_measure=DEMO_MEASURE,
            priority=prios[4],
            owner=people["manager:tamworth"],
            direction=Indicator.Direction.DOWN,
            definition="Illustrative only: derived from police.uk violence counts, not real "
            "health data. Shows how a partner's measure loaded into the warehouse becomes an "
            "indicator.",
            position=19,
        )
    marac = perf_services.indicator_create(
        actor=None,
        partnership=d,
        name="Repeat referrals to MARAC",
        source=Indicator.Source.MANUAL,
        unit="% of referrals",
        priority=prios[1],
        owner=people["lead:tamworth"],
        direction=Indicator.Direction.DOWN,
        target_value=28,
        green_at=28,
        red_at=35,
        definition="Share of MARAC referrals that are repeats within 12 months. Entered monthly by the lead officer from the MARAC coordinator's return. Demo values are illustrative.",
        baseline_value=31,
        baseline_label="2022-23 average",
        position=20,
    )
    for m, v in zip(_month_starts(6), [33, 31, 30, 32, 29, 27], strict=True):
        perf_services.value_set(
            actor=people["lead:tamworth"],
            indicator=marac,
            period=m,
            value=v,
            note="Illustrative demo figure",
        )
    perf_services.indicator_create(
        actor=None,
        partnership=d,
        name="Residents who feel safe in the town centre after dark",
        source=Indicator.Source.MANUAL,
        unit="% of respondents",
        priority=None,
        owner=people["manager:tamworth"],
        direction=Indicator.Direction.UP,
        target_value=60,
        green_at=60,
        red_at=50,
        definition="From the partnership's public consultation on perceptions of crime.",
        position=21,
    )


def _cannock(d: Partnership, people: dict[str, User], orgs: dict[str, Organisation]) -> None:
    council = orgs["Cannock Chase District Council"]
    titles = [
        ("Anti-social behaviour", ASB_DEFINITION),
        ("Vehicle crime", "The theft of and theft from vehicles."),
        ("Modern slavery", ""),
    ]
    prios = [
        plan_services.priority_create(
            actor=None,
            partnership=d,
            title=t,
            definition=df,
            position=i,
            lead_officer=people["lead:cannock-chase"],
            lead_organisation=council,
        )
        for i, (t, df) in enumerate(titles)
    ]
    today = timezone.localdate()
    plan_services.action_create(
        actor=None,
        priority=prios[0],
        title="Targeted patrols and youth outreach in Cannock town centre",
        owner=people["lead:cannock-chase"],
        organisation=council,
        due_date=today + dt.timedelta(days=90),
        status="in_progress",
        rag="green",
    )
    plan_services.action_create(
        actor=None,
        priority=prios[1],
        title="Crime prevention marking events for catalytic converters",
        owner=people["police_lead"],
        organisation=orgs["Staffordshire Police"],
        due_date=today - dt.timedelta(days=15),
        status="in_progress",
        rag="amber",
    )
    _warehouse_indicators(d, people["manager:cannock-chase"], {p.title: p for p in prios})


def summary(password: str, created: bool) -> dict[str, Any]:
    accounts = [
        ("Community safety manager, Tamworth", _email("community-safety-manager", "tamworth")),
        (
            "Lead officer (Community Safety Officer), Tamworth",
            _email("community-safety-officer", "tamworth"),
        ),
        ("Analyst (all partnerships)", _email("analyst")),
        ("Scrutiny viewer, Tamworth", _email("scrutiny-member", "tamworth")),
        ("Member (fire service), all partnerships", _email("fire-member")),
        ("Administrator (all partnerships)", _email("administrator")),
        ("County community safety manager", _email("community-safety-manager.county")),
    ]
    return {
        "created": created,
        "password": password,
        "accounts": accounts,
        "partnerships": Partnership.objects.count(),
        "start_page": "/partnerships/tamworth/",
    }
