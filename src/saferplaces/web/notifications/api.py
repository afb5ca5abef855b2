"""The notifications API: the signed-in person's own notifications and e-mail choices."""

import datetime as dt

from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from saferplaces.web.api_common import ErrorOut, Id, Schema
from saferplaces.web.notifications import selectors, services
from saferplaces.web.notifications.models import Frequency, Kind

router = Router()


class NotificationOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    url: str
    partnership: str | None = None
    due: dt.date | None = None
    created_at: dt.datetime
    read_at: dt.datetime | None = None


class CountOut(Schema):
    unread: int
    marked_read: int = 0


class PreferencesIn(Schema):
    frequencies: dict[str, str]


class PreferencesOut(Schema):
    frequencies: dict[str, str]
    kinds: dict[str, str]
    choices: dict[str, str]


@router.get("/notifications", response=list[NotificationOut], tags=["notifications"])
@paginate(LimitOffsetPagination)
def notifications(request: HttpRequest, unread: bool = False):
    return [
        {
            "id": n.pk,
            "kind": n.kind,
            "subject": n.subject,
            "body": n.body,
            "url": n.url,
            "partnership": n.partnership.slug if n.partnership_id else None,
            "due": n.due,
            "created_at": n.created_at,
            "read_at": n.read_at,
        }
        for n in selectors.notifications_for(request.user, unread_only=unread)
    ]


@router.post(
    "/notifications/{notification_id}/read",
    response={200: CountOut, 404: ErrorOut},
    tags=["notifications"],
)
def notification_read(request: HttpRequest, notification_id: Id):
    if not selectors.notifications_for(request.user).filter(pk=notification_id).exists():
        raise HttpError(404, "No such notification")
    n = services.mark_read(actor=request.user, notification_id=notification_id)
    return {"unread": selectors.unread_count(request.user), "marked_read": n}


@router.post("/notifications/read-all", response=CountOut, tags=["notifications"])
def notifications_read_all(request: HttpRequest):
    n = services.mark_all_read(actor=request.user)
    return {"unread": 0, "marked_read": n}


def _preferences(request: HttpRequest) -> dict:
    return {
        "frequencies": selectors.preferences_for(request.user),
        "kinds": dict(Kind.choices),
        "choices": dict(Frequency.choices),
    }


@router.get("/notifications/preferences", response=PreferencesOut, tags=["notifications"])
def preferences(request: HttpRequest):
    return _preferences(request)


@router.put(
    "/notifications/preferences",
    response={200: PreferencesOut, 400: ErrorOut},
    tags=["notifications"],
)
def preferences_set(request: HttpRequest, body: PreferencesIn):
    # A ValidationError (an unknown kind or frequency) is the API's 400 with each field named.
    services.preferences_save(actor=request.user, choices=body.frequencies)
    return _preferences(request)
