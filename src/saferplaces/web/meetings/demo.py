"""A year of illustrative meetings for the demo: Tamworth's partnership board and the borough
council's scrutiny committee, the county strategy group and the county council's select
committee. Role titles only. The county committee's resolutions follow the shape of its real
minutes on the Community Safety Agreement (a) noted, b) work programme, c) information to the
Chairman, d) detail forwarded)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from saferplaces.web.meetings import services
from saferplaces.web.meetings.models import Body, Meeting
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.plans import services as plan_services


def _at(days: int, hour: int = 14) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _body(p: Partnership, name: str, kind: str, quorum: int, tor: str, seats: list[Any]) -> Body:
    b = services.body_create(
        actor=None, partnership=p, name=name, kind=kind, quorum=quorum, terms_of_reference=tor
    )
    for i, seat in enumerate(seats):
        if isinstance(seat, str):
            services.member_add(actor=None, body=b, role_title=seat, is_chair=i == 0)
        else:
            services.member_add(actor=None, body=b, user=seat, is_chair=i == 0)
    return b


def _meeting(
    b: Body, days: int, place: str, present: int, items: list[tuple[str, str, str, list]]
) -> Meeting:
    """items: (title, presenter, minutes, [(text, kind, owner, due_days, closed_days)])."""
    m = services.meeting_create(actor=None, body=b, starts_at=_at(days), place=place)
    if days < 0:
        seats = list(b.members.all())
        services.attendance_record(
            actor=None,
            meeting=m,
            statuses={s.pk: "present" if i < present else "apologies" for i, s in enumerate(seats)},
        )
    for title, presenter, minutes, resolutions in items:
        item = services.item_add(
            actor=None,
            meeting=m,
            title=title,
            presenter=presenter,
            exempt=title.startswith("Exempt"),
        )
        if minutes:
            services.minutes_record(actor=None, item=item, minutes=minutes)
        for text, kind, owner, due, closed in resolutions:
            r = services.resolution_add(
                actor=None,
                item=item,
                text=text,
                kind=kind,
                owner=owner,
                due_date=timezone.localdate() + dt.timedelta(days=due) if owner else None,
            )
            if r.action is not None and closed is not None:
                plan_services.action_add_update(
                    actor=owner,
                    action=r.action,
                    note="Done, and reported back to the meeting",
                    status="complete",
                    rag="green",
                    when=_at(closed),
                )
    return m


def load(tamworth: Partnership, county: Partnership, people: dict[str, Any]) -> None:
    manager, lead = people["manager:tamworth"], people["lead:tamworth"]
    board = _body(
        tamworth,
        "Tamworth Community Safety Partnership board",
        Body.Kind.BOARD,
        4,
        "Sets the partnership plan's priorities from the strategic assessment, holds the work "
        "plan to account each quarter and reports to the borough council's scrutiny committee.",
        [
            "Assistant Director, Partnerships, Tamworth Borough Council",
            manager,
            lead,
            "Chief Inspector, Tamworth, Staffordshire Police",
            "Group Manager, Staffordshire Fire and Rescue Service",
            "Head of Service, Probation Service (Staffordshire and Stoke-on-Trent)",
            "Commissioning Manager, Staffordshire and Stoke-on-Trent Integrated Care Board",
        ],
    )
    town = "Marmion House, Lichfield Street, Tamworth"
    _meeting(
        board,
        -330,
        town,
        6,
        [
            (
                "Community Safety Partnership Plan: annual refresh",
                "Community Safety Manager",
                "The board considered the interim strategic assessment and the refreshed plan.",
                [
                    ("the interim strategic assessment be noted", "noted", None, 0, None),
                    ("the refreshed priorities be approved", "approved", None, 0, None),
                ],
            ),
        ],
    )
    _meeting(
        board,
        -240,
        town,
        5,
        [
            (
                "Domestic abuse: the new commissioned service",
                "Domestic Abuse Commissioning Lead",
                "Members asked how referrals from Tamworth would be tracked under the new contract.",
                [
                    ("the update be noted", "noted", None, 0, None),
                    (
                        "progress with the new domestic abuse contract be reported to the board",
                        "work_programme",
                        lead,
                        -160,
                        -150,
                    ),
                ],
            ),
        ],
    )
    _meeting(
        board,
        -150,
        town,
        5,
        [
            (
                "Town centre anti-social behaviour",
                "Community Safety Officer",
                "Reports in the town centre rose over the summer; the board asked for a plan.",
                [
                    ("the report be noted", "noted", None, 0, None),
                    (
                        "the town centre problem-solving approach be approved",
                        "approved",
                        None,
                        0,
                        None,
                    ),
                    (
                        "a town centre anti-social behaviour problem-solving plan be brought to the board",
                        "action",
                        lead,
                        20,
                        None,
                    ),
                ],
            ),
        ],
    )
    _meeting(
        board,
        -60,
        town,
        3,
        [
            (
                "Exempt: serious violence locations",
                "Chief Inspector, Staffordshire Police",
                "Considered in private.",
                [],
            ),
            (
                "Hate crime: partnership response",
                "Community Safety Manager",
                "",
                [
                    (
                        "details of the hate crime reporting centres be sent to board members",
                        "information",
                        manager,
                        -45,
                        -50,
                    )
                ],
            ),
        ],
    )
    _meeting(board, 30, town, 0, [])

    scrutiny = _body(
        tamworth,
        "Infrastructure, Safety and Growth Scrutiny Committee",
        Body.Kind.SCRUTINY,
        3,
        "The borough council's crime and disorder committee (Police and Justice Act 2006, "
        "section 19): scrutinises the partnership's work.",
        [
            "Chair of the committee (councillor)",
            "Vice-chair of the committee (councillor)",
            "Committee member (councillor)",
            "Committee member (councillor)",
            "Committee member (councillor)",
        ],
    )
    _meeting(
        scrutiny,
        -200,
        "Town Hall, Market Street, Tamworth",
        4,
        [
            (
                "Community Safety Partnership Plan: progress",
                "Portfolio Holder, Community Safety",
                "The committee noted progress and asked for the plan's results to come back.",
                [
                    ("the progress made be noted", "noted", None, 0, None),
                    (
                        "the plan's results be included on the committee's work programme",
                        "work_programme",
                        manager,
                        120,
                        None,
                    ),
                ],
            ),
        ],
    )

    group = _body(
        county,
        "Safer and Stronger Communities Strategy Group",
        Body.Kind.BOARD,
        5,
        "Oversees the Staffordshire Community Safety Agreement and the county-wide priorities.",
        [
            "Assistant Director, Culture, Rural and Safer Communities, Staffordshire County Council",
            people["county_manager"],
            people["police_lead"],
            people["da_lead"],
            people["prevent_lead"],
            "Deputy Chief Executive, Office of the Staffordshire Commissioner",
        ],
    )
    shire = "Staffordshire Place, Stafford"
    _meeting(
        group,
        -270,
        shire,
        6,
        [
            (
                "Community Safety Agreement 2023 to 2026: county-wide priorities",
                "Community Safety Manager",
                "",
                [("the county-wide priorities be noted", "noted", None, 0, None)],
            ),
        ],
    )
    _meeting(group, -90, shire, 5, [])
    _meeting(group, 60, shire, 0, [])

    select = _body(
        county,
        "Safe and Strong Communities Overview and Scrutiny Committee",
        Body.Kind.SCRUTINY,
        4,
        "The county council's crime and disorder committee.",
        [
            "Chairman of the committee (county councillor)",
            "Vice-chairman of the committee (county councillor)",
            "Committee member (county councillor)",
            "Committee member (county councillor)",
            "Committee member (county councillor)",
            "Committee member (county councillor)",
        ],
    )
    _meeting(
        select,
        -180,
        "Staffordshire Place, Stafford",
        5,
        [
            (
                "Community Safety Agreement 2023 to 2026",
                "Cabinet Member for Communities and Culture",
                "Members scrutinised community cohesion and tackling extremism, fraud, anti-social "
                "behaviour, safeguarding and domestic abuse.",
                [
                    (
                        "details of the Community Safety Agreement 2023 to 2026 be noted",
                        "noted",
                        None,
                        0,
                        None,
                    ),
                    (
                        "an item be included on the Committee's work programme to scrutinise progress with "
                        "the new Domestic Abuse contract",
                        "work_programme",
                        people["da_lead"],
                        60,
                        None,
                    ),
                    (
                        "the Chairman, on behalf of the Committee, receive an overview of the CTU briefing",
                        "information",
                        people["prevent_lead"],
                        -150,
                        -160,
                    ),
                    (
                        "detail of the successful Safer Streets Fund bid for Stafford be forwarded to two "
                        "committee members",
                        "information",
                        people["county_manager"],
                        -160,
                        -165,
                    ),
                ],
            ),
        ],
    )

    _scrutiny(tamworth, county, people, scrutiny, select)
    _plan_periods(tamworth, county, board, group)


def _scrutiny(
    tamworth: Partnership, county: Partnership, people: dict[str, Any], tam: Body, cty: Body
) -> None:
    """The committees' work programmes and recommendations, with the partnership's responses:
    one answered in part, one not accepted, one carried out, one awaiting a response."""
    manager = people["manager:tamworth"]
    next_tam = services.meeting_create(
        actor=None, body=tam, starts_at=_at(45, 18), place="Town Hall, Market Street, Tamworth"
    )
    # The work programme item its "work programme" resolution added, planned for the next meeting.
    for w in tam.work_programme.all():
        services.work_item_plan(actor=None, item=w, planned_meeting=next_tam)
    held = tam.meetings.filter(starts_at__lt=timezone.now()).order_by("starts_at").first()
    services.work_item_add(
        actor=None,
        body=tam,
        title="Community Safety Partnership Plan: progress",
        planned_meeting=held,
    )
    services.work_item_add(
        actor=None,
        body=tam,
        title="Town centre anti-social behaviour: the problem-solving plan",
        planned_meeting=next_tam,
    )
    services.work_item_add(actor=None, body=tam, title="Hate crime: reporting and support")
    made = held.held_on
    a = services.recommendation_add(
        actor=None,
        body=tam,
        meeting=held,
        made_on=made,
        text="The partnership report the number of domestic abuse referrals from Tamworth to the "
        "committee each quarter",
    )
    services.recommendation_respond(
        actor=manager,
        recommendation=a,
        response="partly",
        reasons="Referral figures will be reported twice a year: quarterly numbers for the "
        "borough are small enough to identify people",
        responded_on=made + dt.timedelta(days=21),
    )
    b = services.recommendation_add(
        actor=None,
        body=tam,
        meeting=held,
        made_on=made,
        text="The partnership fund a second town centre warden from its own budget",
    )
    services.recommendation_respond(
        actor=manager,
        recommendation=b,
        response="not_accepted",
        reasons="The partnership has no budget of its own for staff; the borough council's "
        "Cabinet decides on wardens, and the request has been passed to it",
        responded_on=made + dt.timedelta(days=21),
    )
    services.recommendation_add(
        actor=None,
        body=tam,
        made_on=timezone.localdate() - dt.timedelta(days=10),
        text="The partnership set out how victims of anti-social behaviour are kept informed",
    )

    county_manager = people["county_manager"]
    next_cty = services.meeting_create(
        actor=None, body=cty, starts_at=_at(90, 10), place="Staffordshire Place, Stafford"
    )
    for w in cty.work_programme.all():
        services.work_item_plan(actor=None, item=w, planned_meeting=next_cty)
    held = cty.meetings.filter(starts_at__lt=timezone.now()).order_by("starts_at").first()
    c = services.recommendation_add(
        actor=None,
        body=cty,
        meeting=held,
        made_on=held.held_on,
        text="The Community Safety Agreement include a measure of repeat victims of domestic abuse",
    )
    services.recommendation_respond(
        actor=county_manager,
        recommendation=c,
        response="accepted",
        reasons="",
        responded_on=held.held_on + dt.timedelta(days=28),
    )
    services.recommendation_implemented(
        actor=county_manager,
        recommendation=c,
        implemented_on=held.held_on + dt.timedelta(days=60),
    )


def _plan_periods(tamworth: Partnership, county: Partnership, board: Body, group: Body) -> None:
    """Each plan's period (April 2023 to March 2026, now ended: the pages warn) and its
    versions: the draft, consulted on, endorsed by the board (with the minuted approval where
    the demo has one) and sent to the Police and Crime Commissioner."""
    from saferplaces.web.meetings.models import Resolution

    for p, body in ((tamworth, board), (county, group)):
        period = plan_services.period_record_current(actor=None, partnership=p)
        if period is None:
            continue
        v1 = plan_services.version_create(
            actor=None, period=period, title="Draft for consultation", drafted_on=period.starts_on
        )
        plan_services.version_record_stages(
            actor=None,
            version=v1,
            consulted_on=period.starts_on + dt.timedelta(days=42),
            endorsed_on=period.starts_on + dt.timedelta(days=70),
            endorsed_by=body,
            sent_to_pcc_on=period.starts_on + dt.timedelta(days=77),
        )
        approved = Resolution.objects.filter(
            item__meeting__body=body, kind=Resolution.Kind.APPROVED
        ).first()
        if approved is not None:
            v2 = plan_services.version_create(
                actor=None,
                period=period,
                title="Annual refresh",
                drafted_on=approved.item.meeting.held_on - dt.timedelta(days=21),
            )
            plan_services.version_record_stages(
                actor=None, version=v2, endorsing_resolution=approved
            )
