"""Shared test data for the workspace tests: a small partnership with a person in every role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

PASSWORD = "correct-horse-battery-staple"


@dataclass
class World:
    partnership: object
    other: object
    county: object
    users: dict[str, object]
    priorities: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    indicators: list = field(default_factory=list)
    own_action: object = None
    others_action: object = None
    own_indicator: object = None


def make_world(n_priorities: int = 2, n_actions: int = 2) -> World:
    from saferplaces.web.accounts import services as acc
    from saferplaces.web.partnerships import services as ps
    from saferplaces.web.partnerships.models import Partnership, Role
    from saferplaces.web.performance import services as perf
    from saferplaces.web.performance.models import Indicator
    from saferplaces.web.plans import services as plan

    org = acc.organisation_get_or_create("Testshire Borough Council", "council")
    police = acc.organisation_get_or_create("Testshire Police", "police")
    county = ps.partnership_create(
        actor=None,
        name="Testshire County Agreement",
        slug="testshire",
        kind=Partnership.Kind.COUNTY,
        plan_start=dt.date(2023, 4, 1),
        plan_end=dt.date(2026, 3, 31),
    )
    p = ps.partnership_create(
        actor=None,
        name="Borough Partnership",
        slug="borough",
        county=county,
        plan_start=dt.date(2023, 4, 1),
        plan_end=dt.date(2026, 3, 31),
        board_name="Borough board",
    )
    other = ps.partnership_create(actor=None, name="Other Partnership", slug="other")
    ps.area_add(actor=None, partnership=p, code="E22000271", name="Tamworth")
    ps.partner_add(actor=None, partnership=p, organisation=org, is_statutory=True)
    users = {}
    for role in Role.values:
        u = acc.user_create(
            email=f"{role}@example.org",
            password=PASSWORD,
            job_title=role.replace("_", " ").title(),
            organisation=org,
            check_password=False,
        )
        ps.membership_add(actor=None, partnership=p, user=u, role=role)
        users[role] = u
    users["lead_officer_2"] = acc.user_create(
        email="lead2@example.org",
        password=PASSWORD,
        job_title="Other lead",
        organisation=police,
        check_password=False,
    )
    ps.membership_add(
        actor=None, partnership=p, user=users["lead_officer_2"], role=Role.LEAD_OFFICER
    )
    users["outsider"] = acc.user_create(
        email="outsider@example.org", password=PASSWORD, job_title="Outsider", check_password=False
    )
    ps.membership_add(actor=None, partnership=other, user=users["outsider"], role=Role.MANAGER)
    users["superuser"] = acc.user_create(
        email="root@example.org", password=PASSWORD, is_superuser=True, check_password=False
    )
    w = World(partnership=p, other=other, county=county, users=users)
    plan.priority_create(actor=None, partnership=county, title="County-wide fraud", scope="county")
    for i in range(n_priorities):
        pr = plan.priority_create(
            actor=None,
            partnership=p,
            title=f"Priority {i + 1}",
            position=i,
            lead_officer=users["lead_officer"],
        )
        w.priorities.append(pr)
        for j in range(n_actions):
            owner = users["lead_officer"] if j % 2 == 0 else users["lead_officer_2"]
            a = plan.action_create(
                actor=None,
                priority=pr,
                title=f"Action {i + 1}.{j + 1}",
                owner=owner,
                organisation=org,
                due_date=dt.date.today() + dt.timedelta(days=30 - 60 * (j % 2)),
                status="in_progress",
            )
            w.actions.append(a)
    w.own_action = w.actions[0]
    w.others_action = w.actions[1]
    for i, pr in enumerate(w.priorities):
        ind = perf.indicator_create(
            actor=None,
            partnership=p,
            name=f"Indicator {i + 1}",
            source=Indicator.Source.MANUAL,
            priority=pr,
            owner=users["lead_officer"] if i == 0 else users["lead_officer_2"],
            target_value=10,
            green_at=10,
            red_at=12,
        )
        w.indicators.append(ind)
        for m in range(1, 4):
            perf.value_set(
                actor=users["analyst"], indicator=ind, period=dt.date(2025, m, 1), value=9 + m
            )
    w.indicators.append(
        perf.indicator_create(
            actor=None,
            partnership=p,
            name="ASB incidents",
            source=Indicator.Source.WAREHOUSE,
            measure="count",
            category="Anti-social behaviour",
        )
    )
    w.own_indicator = w.indicators[0]
    return w
