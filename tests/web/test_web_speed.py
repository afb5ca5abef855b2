"""The faster dashboard and work plan say exactly what the straightforward code said.

The selectors read plain rows where they only count, the templates reverse each URL once per
table and format dates without Django's per-call set-up, and each serving process warms up
before its first request. Each of those is checked here against the simple version.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.core.templatetags import sp
from saferplaces.web.performance import selectors as perf_selectors
from saferplaces.web.performance import services as perf
from saferplaces.web.performance.models import Indicator, IndicatorValue
from saferplaces.web.plans import selectors as plan_selectors
from saferplaces.web.plans import services as plan
from saferplaces.web.plans.models import Action

pytestmark = pytest.mark.django_db
B = "/partnerships/borough"


# Template helpers ----------------------------------------------------------------------------


def _render(source: str, **context) -> str:
    return engines["django"].from_string("{% load sp %}" + source).render(context)


@pytest.mark.parametrize(
    "value",
    [
        dt.date(2026, 1, 1),
        dt.date(2024, 2, 29),
        dt.date(999, 12, 31),
        # Either side of the clocks changing: shown in local (UK) time, as the date filter does.
        dt.datetime(2025, 3, 30, 0, 30, tzinfo=dt.UTC),
        dt.datetime(2025, 10, 25, 23, 30, tzinfo=dt.UTC),
        dt.datetime(2025, 6, 30, 23, 30, tzinfo=dt.UTC),
        dt.datetime(2025, 6, 30, 23, 30),
        None,
        "",
    ],
)
def test_short_date_writes_what_the_date_filter_wrote(value):
    assert _render("{{ d|short_date }}", d=value) == _render('{{ d|date:"j M Y" }}', d=value)
    assert _render('{{ d|short_date|default:"–" }}', d=value) == _render(
        '{{ d|date:"j M Y"|default:"–" }}', d=value
    )


def test_tags_escape_as_before():
    assert sp.rag_tag("", "<b>") == '<strong class="govuk-tag govuk-tag--grey">&lt;b&gt;</strong>'
    assert (
        sp.rag_tag("", mark_safe("<b>")) == '<strong class="govuk-tag govuk-tag--grey"><b></strong>'
    )
    assert sp.rag_tag("red") == '<strong class="govuk-tag govuk-tag--red">Red</strong>'
    assert sp.rag_tag("<x>") == '<strong class="govuk-tag ">&lt;x&gt;</strong>'
    assert (
        sp.status_tag("on_hold") == '<strong class="govuk-tag govuk-tag--yellow">On hold</strong>'
    )
    assert sp.status_tag("a&b") == '<strong class="govuk-tag ">a&amp;b</strong>'


def test_sparkline_is_drawn_once_per_series():
    values = [3.0, 5.0, None, 4.0]
    first = sp.sparkline(values, 4.5, "Burglary <all>")
    assert sp.sparkline(tuple(values), 4.5, "Burglary <all>") == first
    assert "Burglary &lt;all&gt;: 3 months, from 3 to 4" in first
    assert sp.sparkline(values, 6.0, "Burglary <all>") != first
    assert "Not enough values" in sp.sparkline([1.0], None, "x")


# Selectors -----------------------------------------------------------------------------------


def _months_back(d: dt.date, n: int) -> dt.date:
    for _ in range(n):
        d = (d.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return d.replace(day=1)


def _reference_indicator_views(partnership, months: int = 13) -> list[dict]:
    """What the dashboard's indicator tables showed before they read plain rows."""
    values = list(IndicatorValue.objects.filter(indicator__partnership=partnership))
    out = []
    for ind in Indicator.objects.filter(partnership=partnership):
        # Each indicator's window ends at its own latest month.
        latest = max((v.period for v in values if v.indicator_id == ind.pk), default=None)
        start = _months_back(latest, months - 1) if latest else None
        all_values = sorted(
            (
                v
                for v in values
                if v.indicator_id == ind.pk and (start is None or v.period >= start)
            ),
            key=lambda v: v.period,
        )
        vals = all_values[-months:]
        last = vals[-1] if vals else None
        change_label = ""
        if last is not None:
            year_ago = last.period.replace(year=last.period.year - 1)
            prev = next((v for v in all_values if v.period == year_ago), None)
            if prev is not None:
                # In words, naming the month (STYLE.md), as the pack says it.
                from saferplaces.assessment.statements import difference_words

                change_label = difference_words(
                    last.value, prev.value, f"{prev.period:%B %Y}", counted=ind.measure == "count"
                )
        out.append(
            {
                "id": ind.pk,
                "latest": None
                if last is None
                else (last.pk, last.period, last.value, last.reference_value, last.reference_label),
                "series": [v.value for v in vals],
                "rag": perf_selectors.rag_for(ind, last.value if last else None),
                "change_label": change_label,
            }
        )
    return out


def test_indicator_tables_agree_with_every_value_read_in_full(world):
    m = world.users["manager"]
    this_month = timezone.localdate().replace(day=1)
    long, short = world.indicators[:2]
    # Two years of one indicator (with reference points), and a second that stopped earlier,
    # so the window, the year-ago change and the latest month all differ between them.
    for k in range(24):
        perf.value_set(actor=m, indicator=long, period=_months_back(this_month, k), value=k * 1.5)
    IndicatorValue.objects.filter(indicator=long).update(
        reference_value=7, reference_label="England"
    )
    for k in range(5, 20):
        perf.value_set(actor=m, indicator=short, period=_months_back(this_month, k), value=30 - k)
    perf.indicator_create(
        actor=m, partnership=world.partnership, name="Nothing yet", source="manual", target_value=1
    )
    got = [
        {
            "id": v.indicator.pk,
            "latest": None
            if v.latest is None
            else (
                v.latest.pk,
                v.latest.period,
                v.latest.value,
                v.latest.reference_value,
                v.latest.reference_label,
            ),
            "series": v.series,
            "rag": v.rag,
            "change_label": v.change_label,
        }
        for v in perf_selectors.indicator_views(world.partnership)
    ]
    assert got == _reference_indicator_views(world.partnership)
    lengths = {g["id"]: len(g["series"]) for g in got}
    assert (lengths[long.pk], lengths[short.pk], lengths[world.indicators[2].pk]) == (13, 13, 0)
    # The single indicator page still has every month, as full rows.
    detail = perf_selectors.indicator_detail(world.partnership, long.pk)
    assert len(detail.values) == 24 and detail.values[-1].reference_label == "England"


def test_dashboard_counts_agree_with_flagging_every_open_action(world):
    m = world.users["manager"]
    p1, p2 = world.priorities
    today = timezone.localdate()
    made = [
        plan.action_create(actor=m, priority=p1, title="Late", due_date=today - dt.timedelta(3)),
        plan.action_create(
            actor=m, priority=p2, title="Late too", due_date=today - dt.timedelta(9)
        ),
        plan.action_create(actor=m, priority=p2, title="Due today", due_date=today, rag="red"),
        plan.action_create(actor=m, priority=p1, title="No date", rag="green"),
        plan.action_create(actor=m, priority=p1, title="Done", due_date=today - dt.timedelta(5)),
    ]
    Action.objects.filter(pk=made[4].pk).update(status="complete")
    long_ago = timezone.now() - dt.timedelta(days=400)
    Action.objects.filter(pk__in=[made[0].pk, made[3].pk, made[4].pk]).update(created_at=long_ago)
    Action.objects.filter(pk=made[1].pk).update(rag="amber", last_update_at=long_ago)

    d = perf_selectors.dashboard(world.partnership)

    open_actions = plan_selectors.flag_actions(
        plan_selectors.actions(world.partnership)
        .exclude(status__in=Action.CLOSED)
        .order_by("due_date", "id")
    )
    assert [a.pk for a in d.overdue] == [a.pk for a in open_actions if a.overdue]
    assert all(a.priority.title for a in d.overdue)  # read with the rows, not one by one
    assert d.stale_count == sum(1 for a in open_actions if a.stale) == 3
    counted_in_sql = {p.pk: p for p in plan_selectors.priorities(world.partnership)}
    assert [p.pk for p in d.priorities] == list(counted_in_sql)
    for p in d.priorities:
        mine = [a for a in open_actions if a.priority_id == p.pk]
        rags = Counter(a.rag or "none" for a in mine)
        assert p.open_actions == len(mine) == counted_in_sql[p.pk].open_actions
        assert p.total_actions == counted_in_sql[p.pk].total_actions
        assert p.rag_counts == {k: rags[k] for k in ("red", "amber", "green", "none")}
    events = list(AuditEvent.objects.filter(partnership=world.partnership)[:200])
    assert [e.pk for e in d.changes] == [e.pk for e in events[:15]]
    assert d.change_counts == Counter(f"{e.verb} {e.object_type}" for e in events).most_common(8)


# Pages ---------------------------------------------------------------------------------------


def test_links_in_the_tables_are_each_records_page(world, client_for):
    c = client_for(world.users["manager"])
    slug = world.partnership.slug
    Action.objects.filter(pk=world.own_action.pk).update(
        created_at=timezone.now() - dt.timedelta(days=400)
    )
    wp = c.get(f"{B}/work-plan/").content.decode()
    for a in world.actions:
        assert f'href="{reverse("plans:action", args=[slug, a.pk])}"' in wp
    dash = c.get(f"{B}/").content.decode()
    assert f'href="{reverse("plans:action", args=[slug, world.others_action.pk])}"' in dash
    assert f'href="{reverse("plans:workplan", args=[slug])}?only=stale">1 open action has' in dash
    for p in world.priorities:
        assert f'href="{reverse("plans:workplan", args=[slug])}#priority-{p.pk}"' in dash
    for page in (dash, c.get(f"{B}/performance/").content.decode()):
        for ind in world.indicators:
            assert f'href="{reverse("performance:indicator", args=[slug, ind.pk])}"' in page
    hrefs = re.findall(r'href="(/partnerships/borough/work-plan/\d+/)"', wp)
    assert len(hrefs) == len(world.actions)


def test_work_plan_query_budget(world, client_for):
    c = client_for(world.users["member"])
    c.get(f"{B}/work-plan/")
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(f"{B}/work-plan/").status_code == 200
    # Session, person, partnership, roles; actions, their owners, the owners' and the actions'
    # organisations; priorities.
    assert len(ctx.captured_queries) <= 9


def test_warm_up_renders_without_writing(world, caplog, monkeypatch):
    from django.db import connections

    from saferplaces.web import commands

    # It closes its connections when done; here that would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    counts = (AuditEvent.objects.count(), Action.objects.count(), IndicatorValue.objects.count())
    with CaptureQueriesContext(connection) as ctx:
        commands.warm_up()
    assert not [r for r in caplog.records if "Warming up" in r.getMessage()]
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in ctx.captured_queries)
    assert (AuditEvent.objects.count(), Action.objects.count(), IndicatorValue.objects.count()) == (
        counts
    )
    loader = engines["django"].engine.template_loaders[0]
    compiled = getattr(loader, "get_template_cache", {})
    assert "partnerships/dashboard.html" in compiled and "plans/workplan.html" in compiled
