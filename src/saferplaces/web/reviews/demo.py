"""Demo statutory review cases for Tamworth: INVENTED, clearly marked, about no real people.

One ASB Case Review taken through the threshold to a review with a recommendation (for the
case lead to make an action in the work plan), and one Domestic Abuse Related Death Review
commissioned and being written. Dates are relative to the day the demo is loaded, so the deadlines shown are live. The team is
the Tamworth community safety manager (case lead) and the Tamworth lead officer: other demo
people see only the counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from saferplaces.web.accounts.models import Organisation
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.reviews import services

INVENTED = "INVENTED DEMO CASE: no real people or events."


def load(tamworth: Partnership, people: dict[str, Any]) -> None:
    manager, lead = people["manager:tamworth"], people["lead:tamworth"]
    today = timezone.localdate()

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    asb = services.case_open(
        actor=manager,
        partnership=tamworth,
        kind="asb",
        received_on=ago(40),
        applicant_type="group",
        team=[lead],
        summary=f"{INVENTED} Residents' group reports repeated late-night gatherings and "
        "intimidation near a parade of shops.",
    )
    services.acknowledge(actor=manager, case=asb, on=ago(36))
    for behaviour, complaint in ((120, 118), (80, 75), (50, 49)):
        services.complaint_add(
            actor=lead,
            case=asb,
            behaviour_on=ago(behaviour),
            complained_on=ago(complaint),
            made_to="Tamworth Borough Council" if behaviour != 80 else "Staffordshire Police",
        )
    services.decide_threshold(actor=manager, case=asb, on=ago(30))
    services.record_review(
        actor=manager,
        case=asb,
        on=ago(20),
        outcome=f"{INVENTED} Joint patrol plan and a youth outreach session agreed.",
    )
    org = (
        Organisation.objects.filter(kind=Organisation.Kind.POLICE).order_by("name").first()
        or manager.organisation
    )
    if org is not None:
        # Left for the case lead to make an action in the work plan (the demo's work plan keeps
        # its own actions).
        services.recommendation_add(
            actor=manager,
            case=asb,
            theme="information_sharing",
            agency=org,
            lead=lead,
            text="Share ASB case notes between the council and police within two working days",
            due_date=today + dt.timedelta(days=90),
        )
    dardr = services.case_open(
        actor=manager,
        partnership=tamworth,
        kind="dardr",
        received_on=ago(100),
        team=[lead],
        summary=INVENTED,
    )
    services.decide_review(
        actor=manager,
        case=dardr,
        on=ago(80),
        hold=True,
        home_office_informed_on=ago(78),
        independent_chair="Independent chair from the county's approved list",
    )
