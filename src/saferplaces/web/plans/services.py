"""Writes for the plan, the work plan, quarterly reviews and assessment adoption."""

from __future__ import annotations

import datetime as dt
import itertools
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
    PlanPeriod,
    PlanVersion,
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
    if not archived and hasattr(obj, "carried_to") and obj.carried_to.exists():
        # An earlier plan period's record: the period stays as it was left.
        raise ValidationError(
            f"This {_noun(obj)} belongs to an earlier plan period and was carried into the next "
            "one, where it is current; it stays here as history"
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
    p.plan_period = _current_period(partnership)
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
    loc.plan_period = _current_period(partnership)
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
    leads: dict[int, User] | None = None,
) -> Decision:
    """Adopts the chosen recommendations into the plan, recorded as one decision.

    A recommendation already in the plan (the same title, or the same theme: "Shoplifting"
    is "Retail crime and shoplifting") refreshes that priority's evidence rather than adding
    a duplicate; a new one becomes a priority led by ``leads[index]``, who must have a role in
    the partnership."""
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
    from saferplaces.web.plans.selectors import adoption_matches, theme_key

    # Only current priorities: an archived one of the same name stays archived (restore it to
    # bring it back) and the adopted recommendation becomes a new priority.
    matches = adoption_matches(partnership, [by_p[i].name for i in priority_indexes])
    leads = leads or {}
    members = set(partnership.memberships.values_list("user_id", flat=True))
    bad_leads = [
        by_p[i].name
        for i, u in leads.items()
        if i in by_p and u is not None and u.pk not in members
    ]
    if bad_leads:
        raise ValidationError(
            {"priorities": f"The lead officer for {bad_leads[0]} has no role in this partnership"}
        )
    next_pos = (
        max(
            partnership.priorities.filter(archived_at__isnull=True).values_list(
                "position", flat=True
            ),
            default=0,
        )
        + 1
    )
    made: dict[str, Priority] = {}
    for i in priority_indexes:
        rec = by_p[i]
        # Two recommendations of one theme adopted together make one priority, not two.
        current = matches[rec.name] or made.get(theme_key(rec.name) or rec.name.casefold())
        if current is not None:
            # Already a priority: keep it and refresh the evidence rather than duplicate it.
            priority_update(
                actor=actor, priority=current, rationale=rec.rationale or current.rationale
            )
            Priority.objects.filter(pk=current.pk).update(
                score=rec.score, source=Priority.Source.ASSESSMENT
            )
            adopted["priorities"].append(
                {
                    "name": rec.name,
                    "score": rec.score,
                    "priority_id": current.pk,
                    "existing": True,
                    "as": current.title,
                }
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
                lead_officer=leads.get(i),
            )
            made[theme_key(rec.name) or rec.name.casefold()] = p
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


# Plan periods and versions ---------------------------------------------------------------------
# A plan covers a period (e.g. April 2023 to March 2026). The next period starts from the last:
# the current priorities, localities and open actions are copied into it and the originals are
# archived with the old period, which stays readable as it was left. Nothing is overwritten.


def _current_period(partnership: Partnership) -> PlanPeriod | None:
    from saferplaces.web.plans.selectors import current_period

    return current_period(partnership)


@transaction.atomic
def period_record_current(*, actor: User | None, partnership: Partnership) -> PlanPeriod | None:
    """The current plan period; if none is recorded yet, the one the partnership's plan dates
    describe, recorded now as its first period holding its current plan (None without dates)."""
    existing = _current_period(partnership)
    if existing is not None:
        return existing
    if not (partnership.plan_start and partnership.plan_end):
        return None
    period = PlanPeriod(
        partnership=partnership,
        title=partnership.plan_title or "Partnership plan",
        starts_on=partnership.plan_start,
        ends_on=partnership.plan_end,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    period.full_clean()
    period.save()
    record(actor=actor, verb="create", obj=period, partnership=partnership, after=snapshot(period))
    Priority.objects.filter(
        partnership=partnership, archived_at__isnull=True, plan_period__isnull=True
    ).update(plan_period=period)
    PriorityLocality.objects.filter(
        partnership=partnership, archived_at__isnull=True, plan_period__isnull=True
    ).update(plan_period=period)
    return period


@transaction.atomic
def period_start_next(
    *,
    actor: User | None,
    partnership: Partnership,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date,
) -> PlanPeriod:
    """Starts the next plan period from the current one.

    The current priorities (with their links to partner plans), localities and open actions are
    copied into the new period, each copy pointing at what it was carried from; the originals
    are archived with the old period, so it can be read as it was left; the partnership's plan
    title and dates become the new period's. Completed and cancelled actions stay with the old
    period, and priorities start the new period without a RAG rating (it is set at its first
    review). Everything is in the audit log.
    """
    # One new period at a time per partnership: the row lock orders concurrent requests.
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    errors: dict[str, str] = {}
    if ends_on <= starts_on:
        errors["ends_on"] = "The plan period must end after it starts"
    old = period_record_current(actor=actor, partnership=partnership)
    if old is not None and starts_on <= old.starts_on:
        errors["starts_on"] = (
            f"The new plan period must start after the current one did ({old.starts_on:%-d %B %Y})"
        )
    if errors:
        raise ValidationError(errors)
    new = PlanPeriod(
        partnership=partnership,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        previous=old,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    new.full_clean()
    new.save()
    record(
        actor=actor,
        verb="create",
        obj=new,
        partnership=partnership,
        after=snapshot(new),
        summary=f"New plan period started from {old.title}" if old else "Plan period started",
    )
    if old is None:
        # The partnership's first period (no plan dates recorded before): it holds the current
        # plan as it is; there is nothing earlier to keep.
        Priority.objects.filter(partnership=partnership, archived_at__isnull=True).update(
            plan_period=new
        )
        PriorityLocality.objects.filter(partnership=partnership, archived_at__isnull=True).update(
            plan_period=new
        )
        _set_plan_dates(actor=actor, partnership=partnership, period=new)
        return new
    summary = f"Carried into the plan period {new.title}"
    copies: dict[int, Priority] = {}
    prios = Priority.objects.filter(partnership=partnership, archived_at__isnull=True)
    for p in prios.prefetch_related("partner_objectives"):
        if old is not None and p.plan_period_id is None:
            p.plan_period = old
            p.save(update_fields=["plan_period"])
        c = Priority(
            partnership=partnership,
            plan_period=new,
            carried_from=p,
            period_start=starts_on,
            period_end=ends_on,
            source=p.source,
            score=p.score,
            **{f: getattr(p, f) for f in PRIORITY_FIELDS if f not in ("period_start", "period_end")},
        )
        c.full_clean()
        c.save()
        c.partner_objectives.set(p.partner_objectives.all())
        record(actor=actor, verb="create", obj=c, partnership=partnership, after=snapshot(c),
               summary=f"Carried forward from {old.title}" if old else "")  # fmt: skip
        copies[p.pk] = c
    for loc in PriorityLocality.objects.filter(partnership=partnership, archived_at__isnull=True):
        if old is not None and loc.plan_period_id is None:
            loc.plan_period = old
            loc.save(update_fields=["plan_period"])
        c = PriorityLocality(
            partnership=partnership,
            plan_period=new,
            carried_from=loc,
            name=loc.name,
            area_codes=loc.area_codes,
            priority_type=loc.priority_type,
            rationale=loc.rationale,
            source=loc.source,
            score=loc.score,
            priority=copies.get(loc.priority_id),
        )
        c.full_clean()
        c.save()
        record(actor=actor, verb="create", obj=c, partnership=partnership, after=snapshot(c))
        set_archived(actor=actor, obj=loc, partnership=partnership, archived=True, summary=summary)
    open_actions = Action.objects.filter(
        priority__in=list(copies), archived_at__isnull=True
    ).exclude(status__in=Action.CLOSED)
    for a in open_actions:
        c = Action(
            priority=copies[a.priority_id],
            carried_from=a,
            last_update_at=a.last_update_at,
            **{f: getattr(a, f) for f in ACTION_FIELDS if f != "priority"},
        )
        c.full_clean()
        c.save()
        record(actor=actor, verb="create", obj=c, partnership=partnership, after=snapshot(c),
               summary=f"Carried forward from {old.title}" if old else "")  # fmt: skip
        set_archived(actor=actor, obj=a, partnership=partnership, archived=True, summary=summary)
        _follow_carried_action(actor=actor, partnership=partnership, old=a, new=c)
    # Indicators measure the priority, not one period's record of it: they follow the copy, so
    # the dashboard and the pack keep showing them against the current priorities.
    from saferplaces.web.performance.models import Indicator

    for ind in Indicator.objects.filter(priority_id__in=list(copies), archived_at__isnull=True):
        before_ind = snapshot(ind, ["priority"])
        ind.priority = copies[ind.priority_id]
        ind.save(update_fields=["priority"])
        record(actor=actor, verb="update", obj=ind, partnership=partnership, before=before_ind,
               after=snapshot(ind, ["priority"]), summary=summary)  # fmt: skip
    for p in prios.filter(pk__in=list(copies)):
        set_archived(actor=actor, obj=p, partnership=partnership, archived=True, summary=summary)
    _set_plan_dates(actor=actor, partnership=partnership, period=new)
    return new


def _set_plan_dates(*, actor: User | None, partnership: Partnership, period: PlanPeriod) -> None:
    """The partnership's plan title and dates become the period's (the dashboard, the pack and
    the plan's warnings read them from there)."""
    fields = ["plan_title", "plan_start", "plan_end"]
    before = snapshot(partnership, fields)
    partnership.plan_title = period.title
    partnership.plan_start, partnership.plan_end = period.starts_on, period.ends_on
    partnership.save(update_fields=fields)
    record(
        actor=actor,
        verb="update",
        obj=partnership,
        partnership=partnership,
        before=before,
        after=snapshot(partnership, fields),
        summary="Plan title and dates set to the new plan period",
    )


def _follow_carried_action(
    *, actor: User | None, partnership: Partnership, old: Action, new: Action
) -> None:
    """A meeting's resolution follows its action into the new period, so the meeting pages and
    matters arising show the action that is updated and closed from now on (the copy points
    back at the original through `carried_from`)."""
    from saferplaces.web.meetings.models import Resolution

    res = Resolution.objects.filter(action=old).first()
    if res is None:
        return
    res.action = new
    res.save(update_fields=["action"])
    record(actor=actor, verb="update", obj=res, partnership=partnership,
           before={"action_id": old.pk}, after={"action_id": new.pk},
           summary="Its action carried into the new plan period",
           object_label=f"Resolution {res.letter}) on item {res.item.number}")  # fmt: skip


def _check_resolution(
    period: PlanPeriod, resolution: Any, body: Any
) -> tuple[Any, Any]:
    from saferplaces.web.meetings.models import Resolution

    if resolution is None:
        return resolution, body
    if resolution.kind != Resolution.Kind.APPROVED or (
        resolution.item.meeting.partnership_id != period.partnership_id
    ):
        raise ValidationError(
            {"endorsing_resolution": "Choose one of the partnership's resolutions of type approved"}
        )
    meeting_body = resolution.item.meeting.body
    if body is not None and body.pk != meeting_body.pk:
        raise ValidationError(
            {"endorsed_by": f"The resolution was made by {meeting_body.name}: choose that body"}
        )
    return resolution, meeting_body


@transaction.atomic
def version_create(
    *,
    actor: User | None,
    period: PlanPeriod,
    title: str,
    drafted_on: dt.date,
    notes: str = "",
) -> PlanVersion:
    """A new version of the plan in the period, starting as a draft."""
    n = (period.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    v = PlanVersion(
        period=period,
        number=n,
        title=title,
        drafted_on=drafted_on,
        notes=notes,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    v.full_clean()
    v.save()
    record(actor=actor, verb="create", obj=v, partnership=period.partnership, after=snapshot(v))
    return v


VERSION_STAGE_FIELDS = [
    "consulted_on",
    "endorsed_on",
    "endorsed_by",
    "endorsing_resolution",
    "sent_to_pcc_on",
]


@transaction.atomic
def version_record_stages(
    *,
    actor: User | None,
    version: PlanVersion,
    consulted_on: dt.date | None = None,
    endorsed_on: dt.date | None = None,
    endorsed_by: Any = None,
    endorsing_resolution: Any = None,
    sent_to_pcc_on: dt.date | None = None,
) -> PlanVersion:
    """Records where the version has got to. A stage once dated keeps its date (it is what
    happened); empty values leave a stage as it was. Endorsement names the body, and the
    minuted "approved" resolution when there is one (its meeting gives the body and date)."""
    v = PlanVersion.objects.select_for_update().get(pk=version.pk)
    endorsing_resolution, endorsed_by = _check_resolution(
        v.period, endorsing_resolution, endorsed_by
    )
    if endorsing_resolution is not None and endorsed_on is None:
        endorsed_on = endorsing_resolution.item.meeting.held_on
    new = {
        "consulted_on": consulted_on,
        "endorsed_on": endorsed_on,
        "endorsed_by": endorsed_by,
        "endorsing_resolution": endorsing_resolution,
        "sent_to_pcc_on": sent_to_pcc_on,
    }
    errors: dict[str, str] = {}
    for f, value in new.items():
        current = getattr(v, f)
        if value is not None and current is not None and current != value:
            errors[f] = "Already recorded: a stage once recorded keeps its date and body"
    if errors:
        raise ValidationError(errors)
    before = snapshot(v, VERSION_STAGE_FIELDS)
    for f, value in new.items():
        if value is not None:
            setattr(v, f, value)
    stages = [
        ("drafted_on", v.drafted_on),
        ("consulted_on", v.consulted_on),
        ("endorsed_on", v.endorsed_on),
        ("sent_to_pcc_on", v.sent_to_pcc_on),
    ]
    dated = [(f, d) for f, d in stages if d is not None]
    for (_, a), (f, b) in itertools.pairwise(dated):
        if b < a:
            errors[f] = "Each stage must come on or after the one before it"
    if v.endorsed_on and v.endorsed_by is None:
        errors["endorsed_by"] = "Choose the body that endorsed the plan"
    if v.sent_to_pcc_on and not v.endorsed_on:
        errors["sent_to_pcc_on"] = "Record the plan's endorsement before sending it"
    if errors:
        raise ValidationError(errors)
    v.full_clean()
    v.save(update_fields=VERSION_STAGE_FIELDS)
    record(
        actor=actor,
        verb="update",
        obj=v,
        partnership=v.period.partnership,
        before=before,
        after=snapshot(v, VERSION_STAGE_FIELDS),
        summary=f"Plan version {v.number}: {v.stage.lower()}",
    )
    return v
