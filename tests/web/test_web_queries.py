"""No N+1 queries: each page's query count does not grow with the number of records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from saferplaces.web.accounts.services import api_token_create
from saferplaces.web.performance import services as perf
from saferplaces.web.plans import services as plan

pytestmark = pytest.mark.django_db
B = "/partnerships/borough"

PAGES = [
    f"{B}/",
    f"{B}/plan/",
    f"{B}/work-plan/",
    f"{B}/work-plan/?only=overdue",
    f"{B}/performance/",
    f"{B}/reviews/new/",
    f"{B}/audit/",
    f"{B}/about/",
    f"{B}/people/",
    f"{B}/export/actions.csv",
    f"{B}/export/indicator-values.csv",
    "/api/partnerships/borough/actions",
    "/api/partnerships/borough/indicators",
    "/api/partnerships/borough/priorities",
    "/api/partnerships/borough/dashboard",
    "/api/partnerships",
]


def grow(world, n: int = 4) -> None:
    """More of everything: priorities, actions with history, indicators with values, people."""
    from saferplaces.web.accounts.services import user_create
    from saferplaces.web.partnerships.services import membership_add

    m = world.users["manager"]
    for i in range(n):
        u = user_create(
            email=f"extra{i}@example.org",
            password=None,
            job_title=f"Officer {i}",
            organisation=world.users["lead_officer"].organisation,
        )
        membership_add(actor=None, partnership=world.partnership, user=u, role="lead_officer")
        pr = plan.priority_create(
            actor=m, partnership=world.partnership, title=f"Extra priority {i}", lead_officer=u
        )
        for j in range(3):
            a = plan.action_create(
                actor=m,
                priority=pr,
                title=f"Extra action {i}.{j}",
                owner=u,
                due_date=dt.date(2020, 1, 1) if j == 0 else None,
            )
            plan.action_add_update(
                actor=u, action=a, note="progress", status="in_progress", rag="amber"
            )
        ind = perf.indicator_create(
            actor=m,
            partnership=world.partnership,
            name=f"Extra indicator {i}",
            source="manual",
            priority=pr if i % 2 else None,
            owner=u,
            target_value=5,
        )
        for month in range(1, 5):
            perf.value_set(actor=u, indicator=ind, period=dt.date(2024, month, 1), value=month)


def count(client: Client, url: str, headers: dict) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url, **headers)
    assert r.status_code == 200, (url, r.status_code)
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_records(world):
    c = Client()
    user = world.users["manager"]
    c.force_login(user)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='q')[1]}"}
    # The first request warms per-process caches (content types and the like).
    for url in PAGES:
        count(c, url, headers if url.startswith("/api/") else {})
    before = {url: count(c, url, headers if url.startswith("/api/") else {}) for url in PAGES}
    grow(world)
    after = {url: count(c, url, headers if url.startswith("/api/") else {}) for url in PAGES}
    grew = {u: (before[u], after[u]) for u in PAGES if after[u] != before[u]}
    assert not grew, f"query counts grew with the data: {grew}"


def test_dashboard_query_budget(world, django_assert_max_num_queries):
    c = Client()
    c.force_login(world.users["scrutiny"])
    grow(world, 6)
    c.get(f"{B}/")
    # Session, person, partnership, roles; priorities, actions (plain rows), overdue actions;
    # latest month, values (plain rows), indicators; last meeting, changes counted, changes
    # listed; the county agreement's priorities.
    with django_assert_max_num_queries(14):
        c.get(f"{B}/")
