"""Dashboard and work plan at scale: query counts that do not grow with the number of
indicators, values or actions, and the per-indicator cache of derived figures
(``performance.selectors.indicator_views``), whose keys change with every write so a change
shows at once, in every server process. Values are Tamworth's real monthly counts from the
packaged data.police.uk extract."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saferplaces.web.performance import selectors as perf_selectors
from saferplaces.web.performance import services as perf
from saferplaces.web.performance.models import Indicator, IndicatorValue
from saferplaces.web.plans import services as plan

pytestmark = pytest.mark.django_db
B = "/partnerships/borough"
DATA = Path(perf.__file__).resolve().parents[2] / "data" / "demo_staffordshire_street.parquet"


def tamworth_counts() -> dict[str, list[tuple[dt.date, int]]]:
    """Tamworth's police-recorded crimes by category and month (16 months, real)."""
    rows = duckdb.sql(
        f"""SELECT "Crime type", "Month", count(*) FROM '{DATA}'
            WHERE "LSOA name" LIKE 'Tamworth %' GROUP BY ALL ORDER BY 1, 2"""
    ).fetchall()
    out: dict[str, list[tuple[dt.date, int]]] = {}
    for cat, month, n in rows:
        out.setdefault(cat, []).append((dt.date.fromisoformat(month + "-01"), n))
    return out


def add_indicators(world, categories: list[str], months: int = 16) -> list[Indicator]:
    """Entered indicators carrying Tamworth's real monthly counts, one per category, each
    under a new priority with three actions."""
    counts = tamworth_counts()
    m = world.users["manager"]
    made = []
    for cat in categories:
        pr = plan.priority_create(actor=m, partnership=world.partnership, title=f"{cat} priority")
        for j in range(3):
            plan.action_create(
                actor=m,
                priority=pr,
                title=f"{cat} action {j}",
                owner=m,
                due_date=dt.date(2020, 1, 1) if j == 0 else None,
            )
        ind = perf.indicator_create(
            actor=m,
            partnership=world.partnership,
            name=f"{cat} (entered)",
            source="manual",
            priority=pr,
            owner=m,
            target_value=counts[cat][0][1],
            green_at=counts[cat][0][1],
            red_at=counts[cat][0][1] * 1.2,
        )
        for period, n in counts[cat][:months]:
            perf.value_set(actor=m, indicator=ind, period=period, value=n)
        made.append(ind)
    return made


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("cache_on", [True, False])
def test_query_counts_constant_in_indicators_and_actions(world, client_for, settings, cache_on):
    settings.SAFERPLACES_INDICATOR_CACHE = cache_on
    c = client_for(world.users["manager"])
    cats = sorted(tamworth_counts())
    add_indicators(world, cats[:2])
    for url in (f"{B}/", f"{B}/work-plan/"):
        c.get(url)
    small = {url: queries(c, url) for url in (f"{B}/", f"{B}/work-plan/")}
    # Six times the indicators (each with 16 months of values) and their actions.
    add_indicators(world, cats[2:12])
    # The first request after the writes reads every changed indicator's values (cache
    # misses), the second only stamps: the count is the same either way.
    first = {url: queries(c, url) for url in (f"{B}/", f"{B}/work-plan/")}
    second = {url: queries(c, url) for url in (f"{B}/", f"{B}/work-plan/")}
    assert first == small and second == small, (small, first, second)


def _row(client, ind: Indicator) -> str:
    """The indicator's row in the dashboard's table."""
    html = client.get(f"{B}/").content.decode()
    start = html.index(f'/performance/{ind.pk}/">')
    return html[start : html.index("</tr>", start)]


def test_every_write_shows_at_once(world, client_for, settings):
    settings.SAFERPLACES_INDICATOR_CACHE = True
    c = client_for(world.users["manager"])
    counts = tamworth_counts()["Shoplifting"]
    (ind,) = add_indicators(world, ["Shoplifting"], months=15)
    last_period, last_n = counts[14]
    assert f'<td class="govuk-table__cell sp-numeric">{last_n:,}<br>' in _row(c, ind)
    views = perf_selectors.indicator_views(world.partnership)
    cached = next(v for v in views if v.indicator.pk == ind.pk)
    assert cached.latest.value == last_n and cached.series[-1] == last_n

    # A value entered for the next month (the page, the API and imports all call value_set).
    period, n = counts[15]
    perf.value_set(actor=world.users["manager"], indicator=ind, period=period, value=n)
    view = next(
        v for v in perf_selectors.indicator_views(world.partnership) if v.indicator.pk == ind.pk
    )
    assert view.latest.period == period and view.latest.value == n
    assert view.series[-2:] == [last_n, n]

    # A correction of an earlier month (same number of values, same latest month).
    perf.value_set(actor=world.users["manager"], indicator=ind, period=last_period, value=1)
    view = next(
        v for v in perf_selectors.indicator_views(world.partnership) if v.indicator.pk == ind.pk
    )
    assert view.series[-2:] == [1, n]

    # The indicator edited: its thresholds decide the RAG.
    perf.indicator_update(
        actor=world.users["manager"], indicator=ind, green_at=n + 1, red_at=n + 2, target_value=n
    )
    view = next(
        v for v in perf_selectors.indicator_views(world.partnership) if v.indicator.pk == ind.pk
    )
    assert view.rag == "green"
    perf.indicator_update(actor=world.users["manager"], indicator=ind, green_at=n - 2, red_at=n - 1)
    view = next(
        v for v in perf_selectors.indicator_views(world.partnership) if v.indicator.pk == ind.pk
    )
    assert view.rag == "red"
    assert "govuk-tag--red" in _row(c, ind) and f"{n:,}<br>" in _row(c, ind)

    # Archived: gone from the dashboard at once.
    perf.indicator_archive(actor=world.users["manager"], indicator=ind)
    assert "Shoplifting (entered)" not in c.get(f"{B}/").content.decode()


def test_a_write_by_another_process_changes_the_key(world, settings):
    """Another server process writes: this one's cache still holds the old entry, but the
    key it now asks for is different, so it reads the new figures."""
    settings.SAFERPLACES_INDICATOR_CACHE = True
    (ind,) = add_indicators(world, ["Burglary"], months=14)
    perf_selectors.indicator_views(world.partnership)
    cache = caches["derived"]
    before = {k for k in cache._cache if k.startswith(":1:ind:")}
    # What a second process's write leaves in the database (the cache here is untouched).
    period, n = tamworth_counts()["Burglary"][14]
    IndicatorValue.objects.create(indicator=ind, period=period, value=n, source="manual")
    view = next(
        v for v in perf_selectors.indicator_views(world.partnership) if v.indicator.pk == ind.pk
    )
    assert view.latest.period == period and view.latest.value == n
    after = {k for k in cache._cache if k.startswith(":1:ind:")}
    assert after - before, "the write must lead to a new cache key"


def test_warehouse_sync_shows_at_once(world, warehouse_file, settings):
    settings.SAFERPLACES_INDICATOR_CACHE = True
    wh = next(i for i in world.indicators if i.is_warehouse)
    before = next(
        v for v in perf_selectors.indicator_views(world.partnership) if v.indicator.pk == wh.pk
    )
    assert before.latest is None
    perf.warehouse_sync(force=True)
    after = next(
        v for v in perf_selectors.indicator_views(world.partnership) if v.indicator.pk == wh.pk
    )
    stored = IndicatorValue.objects.filter(indicator=wh).order_by("period").last()
    assert after.latest is not None and after.latest.value == stored.value
    assert after.latest.period == dt.date(2025, 2, 1)


def test_cached_and_uncached_pages_are_the_same(world, client_for, settings):
    add_indicators(world, ["Vehicle crime", "Drugs", "Public order"])
    c = client_for(world.users["manager"])
    ids = [i.pk for i in Indicator.objects.filter(partnership=world.partnership)]
    settings.SAFERPLACES_INDICATOR_CACHE = False
    off = [_row(c, Indicator(pk=pk)) for pk in ids]
    settings.SAFERPLACES_INDICATOR_CACHE = True
    c.get(f"{B}/")
    on = [_row(c, Indicator(pk=pk)) for pk in ids]  # from the cache
    assert on == off and len(on) == len(ids)
