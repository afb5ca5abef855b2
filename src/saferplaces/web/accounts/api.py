"""The accounts API: who the caller is. A django-ninja Router mounted in web/api.py."""

from django.http import HttpRequest
from ninja import Router

from saferplaces.web.api_common import Schema

router = Router()


class MeOut(Schema):
    id: int
    email: str
    name: str
    organisation: str | None


@router.get("/me", response=MeOut, tags=["people"])
def me(request: HttpRequest):
    u = request.user
    return {
        "id": u.pk,
        "email": u.email,
        "name": u.display_name,
        "organisation": u.organisation.name if u.organisation_id else None,
    }
