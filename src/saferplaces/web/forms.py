"""Shared form helpers: person and organisation choices, limited to a partnership. Each app keeps
its own forms in <app>/forms.py; all validation happens there or in the services, on the server."""

from __future__ import annotations

from saferplaces.web.accounts.models import Organisation, User


def person_choices(people: list[User]) -> list[tuple[str, str]]:
    return [("", "Nobody yet")] + [(str(u.pk), u.display_name) for u in people]


def org_choices() -> list[tuple[str, str]]:
    return [("", "Not recorded")] + [
        (str(o.pk), o.name) for o in Organisation.objects.order_by("name")
    ]


class PeopleMixin:
    """Resolves person and organisation choices to objects; choices limited to the partnership."""

    def _person(self, name: str) -> User | None:
        v = self.cleaned_data.get(name)  # type: ignore[attr-defined]
        return self.people_by_id.get(int(v)) if v else None  # type: ignore[attr-defined]

    def _org(self, name: str) -> Organisation | None:
        v = self.cleaned_data.get(name)  # type: ignore[attr-defined]
        return Organisation.objects.filter(pk=int(v)).first() if v else None
