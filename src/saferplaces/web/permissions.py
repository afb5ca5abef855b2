"""Who may do what: roles per partnership, and the few object-level rules.

The matrix is data so that the permission tests can walk every role against every page.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from saferplaces.web.partnerships.models import Membership, Partnership, Role

VIEW = "view"
VIEW_PEOPLE = "view_people"
MANAGE_PEOPLE = "manage_people"
EDIT_PARTNERSHIP = "edit_partnership"
EDIT_PLAN = "edit_plan"
EDIT_WORKPLAN = "edit_workplan"
UPDATE_ANY_ACTION = "update_any_action"
RECORD_REVIEW = "record_review"
EDIT_INDICATORS = "edit_indicators"
ENTER_ANY_VALUE = "enter_any_value"
RUN_ASSESSMENT = "run_assessment"
ADOPT_ASSESSMENT = "adopt_assessment"
IMPORT_ACTIONS = "import_actions"
IMPORT_VALUES = "import_values"
VIEW_AUDIT = "view_audit"
# Tenancy links: a district asks to sit under a county; the county's administrator decides.
# Changing a partnership's type (e.g. making it a county) is for site administrators only.
REQUEST_COUNTY_LINK = "request_county_link"
DECIDE_COUNTY_LINK = "decide_county_link"
CHANGE_KIND = "change_kind"
# Boards and meetings: the clerk's work (bodies, agendas, papers, minutes, resolutions), and
# seeing exempt agenda items and their papers (members of the board, not scrutiny viewers).
MANAGE_MEETINGS = "manage_meetings"
VIEW_EXEMPT = "view_exempt"
# Scrutiny: the partnership's response to a scrutiny committee's recommendation is the
# partnership's decision, recorded by its manager or administrator (not the clerk's minute).
RESPOND_SCRUTINY = "respond_scrutiny"
# Grant money (funds app): everyone sees it; the manager keeps streams, allocations, returns and
# evaluations; lead officers also add spend-plan lines and record spend; approving a spend plan
# against a resolution, carry-forward and clawback are the manager's or administrator's record.
VIEW_FUNDS = "view_funds"
MANAGE_FUNDS = "manage_funds"
EDIT_SPEND_PLAN = "edit_spend_plan"
RECORD_SPEND = "record_spend"
APPROVE_FUNDS = "approve_funds"
# Public consultation (consultation app): everyone sees the results; the manager and analyst
# import responses, keep the free-text codebook and "You said, we did"; the public pages of the
# partnership (public app) are switched on and edited by the manager or administrator.
VIEW_CONSULTATION = "view_consultation"
MANAGE_CONSULTATION = "manage_consultation"
MANAGE_PUBLIC_SITE = "manage_public_site"
# Object-level capabilities, granted to owners as well as the roles below.
UPDATE_ACTION = "update_action"
ENTER_VALUE = "enter_value"
# Adding an action under a priority (``obj``): the manager under any, its lead officer under it.
ADD_ACTION = "add_action"
# The site-wide police data refresh status page (/refresh/): read-only; a person may see it
# if they hold one of these roles in any partnership.
VIEW_REFRESH = "view_refresh"
# Statutory reviews (reviews app): opening a DARDR or ASB Case Review case. Who then sees the case
# is not a role but its named case team (reviews.selectors.visible_cases); everyone with VIEW
# sees counts only.
OPEN_REVIEW_CASE = "open_review_case"

ALL_ROLES = frozenset(Role.values)
M, A, L, MB, S, AD = (
    Role.MANAGER,
    Role.ANALYST,
    Role.LEAD_OFFICER,
    Role.MEMBER,
    Role.SCRUTINY,
    Role.ADMINISTRATOR,
)

MATRIX: dict[str, frozenset[str]] = {
    VIEW: ALL_ROLES,
    VIEW_PEOPLE: frozenset({M, AD}),
    MANAGE_PEOPLE: frozenset({AD}),
    EDIT_PARTNERSHIP: frozenset({M, AD}),
    EDIT_PLAN: frozenset({M}),
    EDIT_WORKPLAN: frozenset({M}),
    UPDATE_ANY_ACTION: frozenset({M}),
    RECORD_REVIEW: frozenset({M}),
    EDIT_INDICATORS: frozenset({M, A}),
    ENTER_ANY_VALUE: frozenset({M, A}),
    RUN_ASSESSMENT: frozenset({M, A}),
    ADOPT_ASSESSMENT: frozenset({M}),
    IMPORT_ACTIONS: frozenset({M}),
    IMPORT_VALUES: frozenset({M, A}),
    VIEW_AUDIT: frozenset({M, AD}),
    REQUEST_COUNTY_LINK: frozenset({M, AD}),
    DECIDE_COUNTY_LINK: frozenset({AD}),
    CHANGE_KIND: frozenset(),
    MANAGE_MEETINGS: frozenset({M, AD}),
    VIEW_EXEMPT: frozenset({M, MB, AD}),
    RESPOND_SCRUTINY: frozenset({M, AD}),
    VIEW_FUNDS: ALL_ROLES,
    MANAGE_FUNDS: frozenset({M}),
    EDIT_SPEND_PLAN: frozenset({M, L}),
    RECORD_SPEND: frozenset({M, L}),
    APPROVE_FUNDS: frozenset({M, AD}),
    VIEW_REFRESH: frozenset({M, A}),
    VIEW_CONSULTATION: ALL_ROLES,
    MANAGE_CONSULTATION: frozenset({M, A}),
    MANAGE_PUBLIC_SITE: frozenset({M, AD}),
    OPEN_REVIEW_CASE: frozenset({M, AD}),
    # Owners get these through the object rules in `can`; the roles here may act on any object.
    UPDATE_ACTION: frozenset({M}),
    ENTER_VALUE: frozenset({M, A}),
    ADD_ACTION: frozenset({M}),
}


def roles_for(user: Any, partnership: Partnership | int) -> frozenset[str]:
    """The user's roles in one partnership, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    pid = partnership if isinstance(partnership, int) else partnership.pk
    cache: dict[int, frozenset[str]] | None = getattr(user, "_sp_roles", None)
    if cache is None:
        cache = {}
        for p, role in Membership.objects.filter(user=user).values_list("partnership_id", "role"):
            cache[p] = cache.get(p, frozenset()) | {role}
        user._sp_roles = cache
    return cache.get(pid, frozenset())


def can(user: Any, partnership: Partnership | int, capability: str, obj: Any = None) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    roles = roles_for(user, partnership)
    if roles & MATRIX[capability]:
        return True
    # A lead officer edits their own actions and enters values for indicators they own.
    if (
        capability in (UPDATE_ACTION, ENTER_VALUE)
        and obj is not None
        and Role.LEAD_OFFICER in roles
    ):
        return getattr(obj, "owner_id", None) == user.pk
    # ... and adds actions under the priorities they lead.
    if capability == ADD_ACTION and obj is not None and Role.LEAD_OFFICER in roles:
        return getattr(obj, "lead_officer_id", None) == user.pk
    return False


def require(user: Any, partnership: Partnership | int, capability: str, obj: Any = None) -> None:
    if not can(user, partnership, capability, obj):
        raise PermissionDenied(capability)


def capabilities(user: Any, partnership: Partnership) -> dict[str, bool]:
    """For templates: which buttons to show. Object-level ones are checked per object."""
    return {cap: can(user, partnership, cap) for cap in MATRIX}
