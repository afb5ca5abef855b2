"""Writes for the plan, the work plan, quarterly reviews and assessment adoption."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from saferplaces.web.accounts.models import User
from saferplaces.web.audit.services import record, snapshot
from saferplaces.web.core.models import Archivable
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.plans.models import (
    Action,
    ActionUpdate,
    AssessmentRun,
    Decision,
    Priority,
    PriorityLocality,
    Rag,
    Review,
    ReviewEntry,
)

PRIORITY_FIELDS = [
    "title",
    "definition",
    "scope",
    "period_start",
    "period_end",
    "governance_group",
    "lead_officer",
    "lead_organisation",
    "rationale",
    "position",
]
LOCALITY_FIELDS = ["name", "area_codes", "priority_type", "rationale", "priority", "source"]
ACTION_FIELDS = [
    "priority",
    "title",
    "description",
    "owner",
    "organisation",
    "due_date",
    "status",
    "rag",
]


def _apply(obj: Any, allowed: list[str], fields: dict[str, Any]) -> None:
    for k, v in fields.items():
        if k not in allowed:
            raise ValueError(f"{k} cannot be set here")
        setattr(obj, k, v)


def _check_period(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise ValidationError({"period_end": "The end of the period must be after its start"})


# Archiving ------------------------------------------------------------------------------------
# Nothing with history is ever deleted: priorities, localities, actions and indicators are
# archived (hidden from current views, kept in history) and can be restored. There is no
# delete: a record created by mistake is archived like any other, so the audit trail of its
# creation still points at something.


def _noun(obj: Archivable) -> str:
    return str(obj._meta.verbose_name)


def check_current(obj: Archivable, *, field: str | None = None) -> None:
    """Refuses a change to an archived record: it is history until someone restores it."""
    if obj.is_archived:
        msg = f"This {_noun(obj)} is archived. Restore it before changing it"
        raise ValidationError({field: msg} if field else msg)


@transaction.atomic
def set_archived(
    *,
    actor: User | None,
    obj: Archivable,
    partnership: Partnership,
    archived: bool,
    summary: str = "",
) -> None:
    """Archives or restores one record, with the whole record before and after in the audit."""
    if obj.is_archived == archived:
        raise ValidationError(
            f"This {_noun(obj)} is {'already archived' if archived else 'not archived'}"
        )
    before = snapshot(obj)
    if archived:
        obj.mark_archived(actor)
    else:
        obj.mark_restored()
    obj.save(update_fields=["archived_at", "archived_by"])
    record(
        actor=actor,
        verb="archived" if archived else "restored",
        obj=obj,
        partnership=partnership,
        before=before,
        after=snapshot(obj),
        summary=summary,
    )


# Priorities -----------------------------------------------------------------------------------


@transaction.atomic
def priority_create(
    *,
    actor: User | None,
    partnership: Partnership,
    objectives: list[Any] | None = None,
    **fields: Any,
) -> Priority:
    p = Priority(partnership=partnership)
    fields.setdefault("period_start", partnership.plan_start)
    fields.setdefault("period_end", partnership.plan_end)
    if partnership.is_county:
        fields.setdefault("scope", Priority.Scope.COUNTY_WIDE)
    source = fields.pop("source", Priority.Source.MANUAL)
    score = fields.pop("score", None)
    _apply(p, PRIORITY_FIELDS, fields)
    p.source, p.score = source, score
    _check_period(p.period_start, p.period_end)
    p.full_clean()
    p.save()
    if objectives is not None:
        p.partner_objectives.set(objectives)
    record(
        actor=actor,
        verb="create",
        obj=p,
        partnership=partnership,
        after={**(snapshot(p) or {}), "partner_objectives": [o.pk for o in objectives or []]},
    )
    return p


@transaction.atomic
def priority_update(
    *, actor: User, priority: Priority, objectives: list[Any] | None = None, **fields: Any
) -> Priority:
    check_current(priority)
    before = {
        **(snapshot(priority) or {}),
        "partner_objectives": sorted(priority.partner_objectives.values_list("pk", flat=True)),
    }
    _apply(priority, PRIORITY_FIELDS, fields)
    _check_period(priority.period_start, priority.period_end)
    priority.full_clean()
    priority.save()
    if objectives is not None:
        priority.partner_objectives.set(objectives)
    after = {
        **(snapshot(priority) or {}),
        "partner_objectives": sorted(priority.partner_objectives.values_list("pk", flat=True)),
    }
    record(
        actor=actor,
        verb="update",
        obj=priority,
        partnership=priority.partnership,
        before=before,
        after=after,
    )
    return priority


def priority_archive(*, actor: User, priority: Priority) -> None:
    """Archives the priority. Its actions and indicators are hidden with it, not changed."""
    n = priority.actions.filter(archived_at__isnull=True).count()
    set_archived(
        actor=actor,
        obj=priority,
        partnership=priority.partnership,
        archived=True,
        summary=f"Archived with its {n} action{'s' if n != 1 else ''}" if n else "",
    )


def priority_restore(*, actor: User, priority: Priority) -> None:
    set_archived(actor=actor, obj=priority, partnership=priority.partnership, archived=False)


# Localities -----------------------------------------------------------------------------------


def clean_area_codes(raw: str | list[str]) -> list[str]:
    items = raw if isinstance(raw, list) else raw.replace(";", ",").replace("\n", ",").split(",")
    out: list[str] = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        code = item if item.upper().startswith("LOC:") else item.upper()
        if code not in out:
            out.append(code)
    return out


@transaction.atomic
def locality_create(
    *, actor: User | None, partnership: Partnership, **fields: Any
) -> PriorityLocality:
    loc = PriorityLocality(partnership=partnership)
    score = fields.pop("score", None)
    _apply(loc, LOCALITY_FIELDS, fields)
    loc.score = score
    loc.area_codes = clean_area_codes(loc.area_codes or [])
    loc.full_clean()
    loc.save()
    record(actor=actor, verb="create", obj=loc, partnership=partnership, after=snapshot(loc))
    return loc


@transaction.atomic
def locality_update(*, actor: User, locality: PriorityLocality, **fields: Any) -> PriorityLocality:
    check_current(locality)
    before = snapshot(locality)
    _apply(locality, LOCALITY_FIELDS, fields)
    locality.area_codes = clean_area_codes(locality.area_codes or [])
    locality.full_clean()
    locality.save()
    record(
        actor=actor,
        verb="update",
        obj=locality,
        partnership=locality.partnership,
        before=before,
        after=snapshot(locality),
    )
    return locality


def locality_archive(*, actor: User, locality: PriorityLocality) -> None:
    set_archived(actor=actor, obj=locality, partnership=locality.partnership, archived=True)


def locality_restore(*, actor: User, locality: PriorityLocality) -> None:
    set_archived(actor=actor, obj=locality, partnership=locality.partnership, archived=False)


# Actions --------------------------------------------------------------------------------------


def _check_action(action: Action) -> None:
    if action.priority_id is None:
        raise ValidationError({"priority": "Choose the priority this action delivers"})
    check_current(action.priority, field="priority")


@transaction.atomic
def action_create(*, actor: User | None, priority: Priority, **fields: Any) -> Action:
    action = Action(priority=priority)
    _apply(action, ACTION_FIELDS, fields)
    _check_action(action)
    action.full_clean()
    action.save()
    record(
        actor=actor,
        verb="create",
        obj=action,
        partnership=priority.partnership,
        after=snapshot(action),
    )
    return action


@transaction.atomic
def action_update(*, actor: User, action: Action, **fields: Any) -> Action:
    """A manager's edit of the whole action (title, owner, due date...)."""
    check_current(action)
    before = snapshot(action)
    _apply(action, ACTION_FIELDS, fields)
    _check_action(action)
    if action.priority.partnership_id != Action.objects.get(pk=action.pk).priority.partnership_id:
        raise ValidationError({"priority": "An action cannot move to another partnership"})
    action.full_clean()
    action.save()
    record(
        actor=actor,
        verb="update",
        obj=action,
        partnership=action.priority.partnership,
        before=before,
        after=snapshot(action),
    )
    return action


def action_archive(*, actor: User, action: Action) -> None:
    set_archived(actor=actor, obj=action, partnership=action.priority.partnership, archived=True)


def action_restore(*, actor: User, action: Action) -> None:
    # Restoring an action under an archived priority would leave it hidden all the same.
    if action.priority.is_archived:
        raise ValidationError(
            f"Its priority, {action.priority.title}, is archived. Restore the priority first"
        )
    set_archived(actor=actor, obj=action, partnership=action.priority.partnership, archived=False)


@transaction.atomic
def action_add_update(
    *,
    actor: User,
    action: Action,
    note: str,
    status: str,
    rag: str = "",
    review: Review | None = None,
    when: dt.datetime | None = None,
) -> ActionUpdate:
    """A dated progress update: kept in the action's history and sets its status and RAG."""
    check_current(action)
    check_current(action.priority)
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Enter what has happened since the last update"})
    if status not in Action.Status.values:
        raise ValidationError({"status": "Choose a status"})
    if rag and rag not in Rag.values:
        raise ValidationError({"rag": "Choose red, amber or green"})
    before = snapshot(action, ["status", "rag", "last_update_at"])
    when = when or timezone.now()
    upd = ActionUpdate.objects.create(
        action=action,
        author=actor,
        created_at=when,
        note=note,
        status=status,
        rag=rag,
        review=review,
    )
    action.status, action.rag, action.last_update_at = status, rag, when
    action.save(update_fields=["status", "rag", "last_update_at"])
    record(
        actor=actor,
        verb="update",
        obj=action,
        partnership=action.priority.partnership,
        before=before,
        after={**(snapshot(action, ["status", "rag", "last_update_at"]) or {}), "note": note},
        summary="Progress update",
    )
    return upd


# Quarterly review ---------------------------------------------------------------------------


@dataclass
class ReviewLine:
    priority: Priority
    action: Action | None
    status: str = ""
    rag: str = ""
    comment: str = ""


@transaction.atomic
def review_record(
    *,
    actor: User,
    partnership: Partnership,
    quarter: str,
    held_on: dt.date,
    summary: str,
    lines: list[ReviewLine],
) -> Review:
    """Records the review and applies what it decided to each priority and action."""
    if not quarter.strip():
        raise ValidationError(
            {"quarter": "Enter the quarter being reviewed, for example 2025-26 Q2"}
        )
    review = Review.objects.create(
        partnership=partnership,
        quarter=quarter.strip(),
        held_on=held_on,
        recorded_by=actor,
        summary=summary.strip(),
    )
    now = timezone.now()
    entries = []
    for line in lines:
        if line.priority.partnership_id != partnership.pk or (
            line.action and line.action.priority_id != line.priority.pk
        ):
            raise ValidationError("The review includes an action from another partnership")
        check_current(line.priority)
        if line.action is not None:
            check_current(line.action)
        entries.append(
            ReviewEntry(
                review=review,
                priority=line.priority,
                action=line.action,
                status=line.status,
                rag=line.rag,
                comment=line.comment.strip(),
            )
        )
        if line.action is None:
            if line.rag and line.rag != line.priority.rag:
                before = snapshot(line.priority, ["rag", "rag_set_at"])
                line.priority.rag, line.priority.rag_set_at = line.rag, now
                line.priority.save(update_fields=["rag", "rag_set_at"])
                record(
                    actor=actor,
                    verb="update",
                    obj=line.priority,
                    partnership=partnership,
                    before=before,
                    after=snapshot(line.priority, ["rag", "rag_set_at"]),
                    summary=f"RAG set at {review}",
                )
            continue
        a = line.action
        changed = (
            (line.status and line.status != a.status) or (line.rag != a.rag) or line.comment.strip()
        )
        if changed:
            action_add_update(
                actor=actor,
                action=a,
                note=line.comment.strip() or f"Reviewed at the {review.quarter} quarterly review",
                status=line.status or a.status,
                rag=line.rag,
                review=review,
                when=now,
            )
    ReviewEntry.objects.bulk_create(entries)
    record(
        actor=actor,
        verb="create",
        obj=review,
        partnership=partnership,
        after={
            "quarter": review.quarter,
            "held_on": held_on,
            "summary": review.summary,
            "entries": len(entries),
        },
    )
    return review


# Assessments ---------------------------------------------------------------------------------


@dataclass
class Recommendation:
    index: int
    name: str
    score: float | None
    rationale: str
    area_codes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    # The engine marks which items it recommends; the others are shown for context only.
    recommended: bool = True


def _as_float(v: Any) -> float | None:
    try:
        return None if v is None or v == "" else float(v)
    except (TypeError, ValueError):
        return None


def read_recommendations(
    result: dict[str, Any],
) -> tuple[list[Recommendation], list[Recommendation], list[str]]:
    """The assessment JSON's recommended priorities and localities, and any problems found.

    Each list may be given as is or nested as the engine's model does it
    (``{"priorities": [...]}``, ``{"localities": [...]}``). Each item needs a ``theme`` or
    ``name`` (or ``area.name``); the score is ``score``, ``total`` or ``composite``; localities
    carry their areas as ``area_codes``, ``codes``, ``lsoa_codes``, ``code`` or ``area.code``.
    ``recommended``/``selected`` false marks items shown but not proposed for adoption.
    """
    problems: list[str] = []
    if not isinstance(result, dict):
        return [], [], ["The assessment is not a JSON object"]

    def items(key: str, inner: str) -> list[dict[str, Any]]:
        raw = result.get(key) or []
        if isinstance(raw, dict):
            raw = raw.get(inner) or raw.get("items") or []
        if not isinstance(raw, list):
            problems.append(f"'{key}' should be a list")
            return []
        return raw

    def read(raw: list[Any], key: str) -> list[Recommendation]:
        out = []
        for i, item in enumerate(raw):
            if not isinstance(item, dict):
                problems.append(f"{key} item {i + 1} is not an object")
                continue
            area = item.get("area") if isinstance(item.get("area"), dict) else {}
            name = str(item.get("theme") or item.get("name") or area.get("name") or "").strip()
            if not name:
                problems.append(f"{key} item {i + 1} has no theme or name")
                continue
            codes: list[str] = []
            for ck in ("area_codes", "codes", "lsoa_codes"):
                if isinstance(item.get(ck), list):
                    codes = [str(c) for c in item[ck]]
                    break
            else:
                code = item.get("code") or area.get("code")
                if code:
                    codes = [str(code)]
            rationale = item.get("rationale") or ""
            if isinstance(rationale, list):
                rationale = " ".join(str(r) for r in rationale)
            score = next(
                (item[k] for k in ("score", "total", "composite") if item.get(k) is not None), None
            )
            out.append(
                Recommendation(
                    i,
                    name[:200],
                    _as_float(score),
                    str(rationale),
                    clean_area_codes(codes),
                    item,
                    recommended=item.get("recommended", item.get("selected", True)) is not False,
                )
            )
        return out

    return (
        read(items("recommended_priorities", "priorities"), "Priority"),
        read(items("priority_localities", "localities"), "Locality"),
        problems,
    )


@transaction.atomic
def assessment_store(
    *,
    actor: User | None,
    partnership: Partnership,
    area_code: str,
    start: dt.date | None,
    end: dt.date | None,
    result: dict[str, Any] | None,
    report_html: str = "",
    error: str = "",
    imported: bool = False,
) -> AssessmentRun:
    status = (
        AssessmentRun.Status.FAILED
        if error
        else (AssessmentRun.Status.IMPORTED if imported else AssessmentRun.Status.COMPLETE)
    )
    run = AssessmentRun.objects.create(
        partnership=partnership,
        area_code=area_code,
        period_start=start,
        period_end=end,
        status=status,
        result=result or {},
        report_html=report_html,
        error=error,
        created_by=actor,
    )
    record(
        actor=actor,
        verb="create",
        obj=run,
        partnership=partnership,
        after={"area_code": area_code, "status": status, "error": error},
        summary="Assessment imported" if imported else "Assessment run",
    )
    return run


@transaction.atomic
def assessment_adopt(
    *,
    actor: User,
    assessment: AssessmentRun,
    priority_indexes: list[int],
    locality_indexes: list[int],
    decided_on: dt.date,
    decision_maker: str,
    minute: str = "",
) -> Decision:
    """Adopts the chosen recommendations into the plan, recorded as one decision."""
    partnership = assessment.partnership
    if assessment.status == AssessmentRun.Status.FAILED:
        raise ValidationError("A failed assessment cannot be adopted")
    if not priority_indexes and not locality_indexes:
        raise ValidationError({"priorities": "Choose at least one priority or locality to adopt"})
    priorities, localities, _ = read_recommendations(assessment.result)
    by_p = {r.index: r for r in priorities}
    by_l = {r.index: r for r in localities}
    unknown = [i for i in priority_indexes if i not in by_p] + [
        i for i in locality_indexes if i not in by_l
    ]
    if unknown:
        raise ValidationError("The choice includes recommendations that are not in this assessment")
    adopted: dict[str, list[dict[str, Any]]] = {"priorities": [], "localities": []}
    # Only current priorities: an archived one of the same name stays archived (restore it to
    # bring it back) and the adopted recommendation becomes a new priority.
    existing = {
        p.title.casefold(): p for p in partnership.priorities.filter(archived_at__isnull=True)
    }
    next_pos = max([p.position for p in existing.values()], default=0) + 1
    for i in priority_indexes:
        rec = by_p[i]
        current = existing.get(rec.name.casefold())
        if current is not None:
            # Already a priority: keep it and refresh the evidence rather than duplicate it.
            priority_update(
                actor=actor, priority=current, rationale=rec.rationale or current.rationale
            )
            Priority.objects.filter(pk=current.pk).update(
                score=rec.score, source=Priority.Source.ASSESSMENT
            )
            adopted["priorities"].append(
                {"name": rec.name, "score": rec.score, "priority_id": current.pk, "existing": True}
            )
        else:
            p = priority_create(
                actor=actor,
                partnership=partnership,
                title=rec.name,
                rationale=rec.rationale,
                source=Priority.Source.ASSESSMENT,
                score=rec.score,
                position=next_pos,
            )
            next_pos += 1
            adopted["priorities"].append(
                {"name": rec.name, "score": rec.score, "priority_id": p.pk, "existing": False}
            )
    for i in locality_indexes:
        rec = by_l[i]
        loc = locality_create(
            actor=actor,
            partnership=partnership,
            name=rec.name,
            area_codes=rec.area_codes,
            rationale=rec.rationale,
            source=PriorityLocality.Source.ASSESSMENT,
            score=rec.score,
            priority_type="From the strategic assessment",
        )
        adopted["localities"].append(
            {
                "name": rec.name,
                "score": rec.score,
                "locality_id": loc.pk,
                "area_codes": rec.area_codes,
            }
        )
    decision = Decision.objects.create(
        partnership=partnership,
        assessment=assessment,
        decided_by=actor,
        decided_on=decided_on,
        decision_maker=decision_maker.strip(),
        minute=minute.strip(),
        adopted=adopted,
    )
    record(
        actor=actor,
        verb="adopt",
        obj=decision,
        partnership=partnership,
        object_label=f"Decision of {decided_on:%d %B %Y}",
        after={"assessment": assessment.pk, "decision_maker": decision.decision_maker, **adopted},
        summary=f"Adopted {len(adopted['priorities'])} priorities and {len(adopted['localities'])} localities",
    )
    return decision
