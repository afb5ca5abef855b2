"""What every part of the JSON API shares: token sign-in, the Schema base that applies the
workspace's text rules, path parameter types, the error body, and the mappers more than one
app's router uses. The API itself, its error handlers and the mounting of each app's router
are in web/api.py."""

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Path
from ninja import Schema as NinjaSchema
from ninja.security import HttpBearer
from pydantic import ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from saferplaces.web import permissions as perm
from saferplaces.web.accounts.models import User
from saferplaces.web.accounts.services import api_token_authenticate
from saferplaces.web.core.text import TEXT_CAP, check_json_text, clean_text, label_for
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.plans.models import Action


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class Schema(NinjaSchema):
    """The base of every request and response schema here. Text coming in gets the workspace's
    text rules (saferplaces.web.core.text): every str field is NFC-normalised, stripped and
    refused if it holds control characters or lone surrogates; dict and list fields (an
    assessment's JSON) are checked throughout. Responses are left as stored."""

    # "before": pydantic refuses a lone surrogate itself, with a message naming nothing; and
    # min_length/max_length then apply to the normalised, stripped text.
    @field_validator("*", mode="before", check_fields=False)
    @classmethod
    def _text_rules(cls, v: Any, info: ValidationInfo) -> Any:
        if (info.context or {}).get("response_status") is not None or v is None:
            return v  # a response: shown as stored, never refused
        name = info.field_name or ""
        label = label_for(name)
        try:
            if isinstance(v, str):
                meta = cls.model_fields[name].metadata if name in cls.model_fields else []
                cap = next((m.max_length for m in meta if hasattr(m, "max_length")), None)
                # Free text may hold line breaks; codes, names and choices may not.
                multiline = (cap or TEXT_CAP) > 1000
                v = clean_text(v, max_length=cap, field=label, multiline=multiline)
            elif isinstance(v, dict | list):
                check_json_text(v, field=label)
        except ValidationError as exc:
            raise PydanticCustomError("text", exc.messages[0]) from None
        return v


# Kept as a name for text fields; the rules live on Schema above.
Text = str
Slug = Annotated[str, Path(pattern=r"^[-a-zA-Z0-9_]{1,80}$")]
Id = Annotated[int, Path(ge=1, le=2**53)]
StatusLiteral = Annotated[
    str, Field(pattern=r"^(not_started|in_progress|on_hold|complete|cancelled)$")
]
RagLiteral = Annotated[str, Field(pattern=r"^(red|amber|green)?$")]


class ErrorOut(Schema):
    detail: Any


class PersonOut(Schema):
    id: int
    name: str
    organisation: str | None


# The work plan's action: listed by the plan's endpoints and in the dashboard's overdue actions.
class ActionOut(Schema):
    id: int
    priority_id: int
    priority: str
    title: str
    description: str
    owner: PersonOut | None
    organisation: str | None
    due_date: dt.date | None
    status: str
    rag: str
    overdue: bool
    stale: bool
    last_update_at: dt.datetime | None


def person_out(u: User | None) -> dict[str, Any] | None:
    if u is None:
        return None
    return {
        "id": u.pk,
        "name": u.display_name,
        "organisation": u.organisation.name if u.organisation_id else None,
    }


def action_out(a: Action) -> dict[str, Any]:
    return {
        "id": a.pk,
        "priority_id": a.priority_id,
        "priority": a.priority.title,
        "title": a.title,
        "description": a.description,
        "owner": person_out(a.owner),
        "organisation": a.organisation.name if a.organisation_id else None,
        "due_date": a.due_date,
        "status": a.status,
        "rag": a.rag,
        "overdue": a.overdue,
        "stale": a.stale,
        "last_update_at": a.last_update_at,
    }


def partnership_for(request: HttpRequest, slug: str, capability: str = perm.VIEW) -> Partnership:
    """The partnership named in the path, if the caller's role allows `capability` (else 404/403)."""
    return p_selectors.partnership_for_user(request.user, slug, capability)
