"""The county agreement's view of its districts' plans (issue 10: the county partnership shows
the districts' roll-up; issue 11: the county's links to its districts work for county roles)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _demo():
    from saferplaces.web import demo
    from saferplaces.web.partnerships.models import Membership, Partnership, Role

    demo.load()
    county = Partnership.objects.get(slug="staffordshire")
    manager = (
        Membership.objects.filter(partnership=county, role=Role.MANAGER).select_related("user").first().user
    )
    return county, manager


def test_county_members_see_every_district_summarised(client):
    from saferplaces.web.partnerships import selectors
    from saferplaces.web.plans.models import Action, Priority

    county, manager = _demo()
    rollup = selectors.county_rollup(county)
    assert [s.district.name for s in rollup] == sorted(d.name for d in county.districts.all())
    assert len(rollup) == 8
    tamworth = next(s for s in rollup if s.district.slug == "tamworth")
    live = Priority.objects.filter(partnership=tamworth.district, archived_at__isnull=True)
    assert [p.title for p in tamworth.priorities] == [p.title for p in live.order_by("position", "title")]
    open_actions = Action.objects.filter(
        priority__partnership=tamworth.district, archived_at__isnull=True,
        priority__archived_at__isnull=True,
    ).exclude(status__in=Action.CLOSED)
    assert tamworth.open_actions == open_actions.count() > 0

    client.force_login(manager)
    page = client.get(f"/partnerships/{county.slug}/districts/")
    assert page.status_code == 200
    html = page.content.decode()
    for s in rollup:
        assert s.district.name in html
    # The dashboard's links to districts now lead to this summary, not to pages that 404.
    dash = client.get(f"/partnerships/{county.slug}/").content.decode()
    assert f"/partnerships/{county.slug}/districts/#district-tamworth" in dash


def test_a_district_member_cannot_read_the_county_rollup(client):
    from saferplaces.web.partnerships.models import Membership, Role

    county, _ = _demo()
    district_manager = (
        Membership.objects.filter(partnership__slug="tamworth", role=Role.MANAGER)
        .exclude(user__memberships__partnership=county)
        .first()
        .user
    )
    client.force_login(district_manager)
    assert client.get(f"/partnerships/{county.slug}/districts/").status_code == 404


def test_a_district_has_no_rollup(client):
    from saferplaces.web.partnerships.models import Membership, Role

    _demo()
    m = Membership.objects.filter(partnership__slug="tamworth", role=Role.MANAGER).first()
    client.force_login(m.user)
    assert client.get("/partnerships/tamworth/districts/").status_code == 404
