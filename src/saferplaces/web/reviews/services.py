"""Writes for statutory review cases. Every write is audited; every state change goes through
``_move``, which refuses a step out of order with a plain-English message.

Who may do what (documented in web/README.md, "Statutory reviews"):
- opening a case: the partnership's manager or administrator (``OPEN_REVIEW_CASE``), who
  becomes its case lead and names the team. The person opening a case must be on its team:
  there is no way to create a case one cannot see.
- adding or removing team members, and every step of the case: the case team's lead(s).
  Other team members read the case and add complaints and recommendations.
- nobody else, including site administrators' ordinary partnership roles, sees the case.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from saferplaces.web.accounts.models import Organisation, User
from saferplaces.web.audit.services import record, snapshot
from saferplaces.web.partnerships.models import Membership, Partnership
from saferplaces.web.plans import services as plan_services
from saferplaces.web.plans.models import Priority
from saferplaces.web.reviews import rules
from saferplaces.web.reviews.models import (
    Case,
    CaseMember,
    Complaint,
    Extension,
    Kind,
    Recommendation,
    ReviewSettings,
    State,
)

# The fields the audit may show: never the encrypted personal fields' contents.
AUDIT_FIELDS = [
    "reference",
    "state",
    "received_on",
    "applicant_type",
    "consent_recorded",
    "acknowledged_on",
    "decided_on",
    "threshold_met",
    "threshold_reason",
    "reviewed_on",
    "outcome_sent_on",
    "home_office_informed_on",
    "submitted_on",
    "qa_approved_on",
    "published_on",
    "closed_on",
    "retention_review_on",
]

# The state machine: step -> (the states it may start from, the state it ends in, what it is).
STEPS: dict[str, tuple[tuple[str, ...], str, str]] = {
    # ASB Case Review
    "acknowledge": ((State.RECEIVED,), State.ACKNOWLEDGED, "acknowledge the application"),
    "decide_threshold": ((State.ACKNOWLEDGED,), "", "decide whether the threshold is met"),
    "record_review": ((State.THRESHOLD_MET,), State.REVIEWED, "record the review"),
    "send_outcome": (
        (State.REVIEWED, State.THRESHOLD_NOT_MET),
        State.OUTCOME_SENT,
        "send the outcome",
    ),
    "appeal": ((State.OUTCOME_SENT,), State.APPEALED, "record an appeal"),
    # DARDR
    "decide_review": ((State.NOTIFIED,), "", "record the decision whether to hold a review"),
    "submit": ((State.COMMISSIONED,), State.SUBMITTED, "send the report to the Home Office panel"),
    "qa_approve": ((State.SUBMITTED,), State.QA_APPROVED, "record the panel's approval"),
    "publish": ((State.QA_APPROVED,), State.PUBLISHED, "publish the report"),
    # both
    "close": (
        (State.OUTCOME_SENT, State.APPEALED, State.NOT_COMMISSIONED, State.PUBLISHED),
        State.CLOSED,
        "close the case",
    ),
}

# What must come before, in words, for the refusal message.
BEFORE = {
    "acknowledge": "It can only be acknowledged once, straight after it is received.",
    "decide_threshold": "Acknowledge the application first.",
    "record_review": "A review is held only once the threshold has been decided as met.",
    "send_outcome": "Record the review (or the decision that the threshold is not met) first.",
    "appeal": "An appeal follows the outcome being sent to the applicant.",
    "decide_review": "The decision is recorded once, after the death is notified.",
    "submit": "Only a commissioned review's report goes to the Quality Assurance Panel.",
    "qa_approve": "Send the report to the Home Office Quality Assurance Panel first.",
    "publish": (
        "The Home Office Quality Assurance Panel must approve the report before it is published."
    ),
    "close": "Close the case only once its outcome is sent, or its report is published.",
}


def settings_for(partnership: Partnership) -> ReviewSettings:
    """The partnership's saved procedure, or the defaults (unsaved) if it has none."""
    return ReviewSettings.objects.filter(partnership=partnership).first() or ReviewSettings(
        partnership=partnership
    )


def asb_settings(partnership: Partnership, s: ReviewSettings | None = None) -> rules.AsbSettings:
    s = s or settings_for(partnership)
    return rules.AsbSettings(
        threshold=s.asb_threshold,
        hate_threshold=s.hate_threshold,
        acknowledge_days=s.acknowledge_days,
        decision_days=s.decision_days,
        review_days=s.review_days,
    )


@transaction.atomic
def settings_update(*, actor: User, partnership: Partnership, **fields: Any) -> ReviewSettings:
    s = settings_for(partnership)
    before = snapshot(s)
    for k, v in fields.items():
        setattr(s, k, v)
    try:
        rules.AsbSettings(
            threshold=s.asb_threshold,
            hate_threshold=s.hate_threshold,
            acknowledge_days=s.acknowledge_days,
            decision_days=s.decision_days,
            review_days=s.review_days,
        )
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    s.save()
    record(
        actor=actor,
        verb="update",
        obj=s,
        partnership=partnership,
        before=before,
        after=snapshot(s),
        object_label="Statutory review settings",
    )
    return s


def _audit(actor: User, case: Case, verb: str, summary: str, before: dict | None = None) -> None:
    """Case events go to the same append-only audit log, but without the partnership: the
    partnership's audit log (read by managers and administrators) and the dashboard's "since the
    last meeting" digest are built from the partnership's events, and must not reveal that a
    case exists. The case team sees the case's own trail (``selectors.case_audit``)."""
    record(
        actor=actor,
        verb=verb,
        obj=case,
        partnership=None,  # kept out of the partnership's log: see _audit
        before=before,
        after=snapshot(case, AUDIT_FIELDS),
        summary=summary,
    )


def _a(case: Case) -> str:
    """The kind with its article: "an ASB Case Review", "a Domestic Abuse Related Death Review"."""
    return f"{'an' if case.kind == Kind.ASB else 'a'} {case.get_kind_display()}"


def _is_lead(user: User, case: Case) -> bool:
    return CaseMember.objects.filter(case=case, user=user, role=CaseMember.Role.LEAD).exists()


def _require_lead(user: User, case: Case) -> None:
    if not _is_lead(user, case):
        raise ValidationError("Only the case lead can do this")


def _next_reference(partnership: Partnership, kind: str, year: int) -> str:
    prefix = f"{'ASB' if kind == Kind.ASB else 'DARDR'}-{year}-"
    n = Case.objects.filter(partnership=partnership, reference__startswith=prefix).count() + 1
    return f"{prefix}{n:03d}"


@transaction.atomic
def case_open(
    *,
    actor: User,
    partnership: Partnership,
    kind: str,
    received_on: dt.date,
    summary: str = "",
    applicant_type: str = "",
    consent_recorded: bool = False,
    team: list[User] | None = None,
) -> Case:
    if kind not in Kind.values:
        raise ValidationError({"kind": "Choose the kind of review"})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": "The date cannot be in the future"})
    if kind == Kind.ASB:
        if not applicant_type:
            raise ValidationError({"applicant_type": "Say who applied"})
        if applicant_type == Case.Applicant.THIRD_PARTY and not consent_recorded:
            raise ValidationError(
                {
                    "consent_recorded": "A third party may apply only with the victim's consent: "
                    "record that consent was given"
                }
            )
    case = Case.objects.create(
        partnership=partnership,
        kind=kind,
        reference=_next_reference(partnership, kind, received_on.year),
        state=State.RECEIVED if kind == Kind.ASB else State.NOTIFIED,
        received_on=received_on,
        summary=summary,
        applicant_type=applicant_type if kind == Kind.ASB else "",
        consent_recorded=consent_recorded,
        created_by=actor,
    )
    CaseMember.objects.create(case=case, user=actor, role=CaseMember.Role.LEAD)
    for u in team or []:
        if u.pk != actor.pk:
            _add_member(case, u)
    _audit(actor, case, "create", f"Opened {case.get_kind_display()} {case.reference}")
    return case


def _add_member(case: Case, user: User, role: str = CaseMember.Role.MEMBER) -> CaseMember:
    if not Membership.objects.filter(partnership=case.partnership, user=user).exists():
        raise ValidationError("Only people with a role in this partnership can join a case team")
    if CaseMember.objects.filter(case=case, user=user).exists():
        raise ValidationError("That person is already on the case team")
    return CaseMember.objects.create(case=case, user=user, role=role)


@transaction.atomic
def member_add(*, actor: User, case: Case, user: User, role: str = CaseMember.Role.MEMBER) -> None:
    _require_lead(actor, case)
    _add_member(case, user, role)
    record(
        actor=actor,
        verb="update",
        obj=case,
        partnership=None,  # kept out of the partnership's log: see _audit
        summary=f"Added {user.display_name} to the case team ({role})",
    )


@transaction.atomic
def member_remove(*, actor: User, case: Case, user: User) -> None:
    _require_lead(actor, case)
    m = CaseMember.objects.filter(case=case, user=user).first()
    if m is None:
        raise ValidationError("That person is not on the case team")
    leads = CaseMember.objects.filter(case=case, role=CaseMember.Role.LEAD)
    if m.role == CaseMember.Role.LEAD and leads.count() == 1:
        raise ValidationError("A case always keeps a case lead: add another lead first")
    m.delete()  # membership of a team is not a record others point at; the audit keeps it
    record(
        actor=actor,
        verb="update",
        obj=case,
        partnership=None,  # kept out of the partnership's log: see _audit
        summary=f"Removed {user.display_name} from the case team",
    )


def _move(actor: User, case: Case, step: str, to: str = "", **fields: Any) -> Case:
    """The one place a case changes state."""
    _require_lead(actor, case)
    allowed, default_to, what = STEPS[step]
    if case.state not in allowed:
        raise ValidationError(
            f"You cannot {what} now: this case is at “{case.get_state_display()}”. {BEFORE[step]}"
        )
    kind_of_step = (
        Kind.DARDR
        if step in ("decide_review", "submit", "qa_approve", "publish")
        else (Kind.ASB if step not in ("close",) else case.kind)
    )
    if kind_of_step != case.kind:
        raise ValidationError(f"That step is not part of {_a(case)}")
    before = snapshot(case, AUDIT_FIELDS)
    for k, v in fields.items():
        if isinstance(v, dt.date) and k != "retention_review_on":
            if v < case.received_on:
                raise ValidationError("A step cannot be dated before the case was received")
            if v > timezone.localdate():
                raise ValidationError("A step cannot be dated in the future")
        setattr(case, k, v)
    case.state = to or default_to
    case.save()
    _audit(
        actor, case, "transition", f"{case.reference}: {what} → {case.get_state_display()}", before
    )
    return case


def acknowledge(*, actor: User, case: Case, on: dt.date) -> Case:
    return _move(actor, case, "acknowledge", acknowledged_on=on)


def decide_threshold(*, actor: User, case: Case, on: dt.date) -> rules.ThresholdResult:
    """Applies the threshold rule to the complaints recorded: the decision is the rule's."""
    result = rules.asb_threshold(
        [rules.Complaint(c.behaviour_on, c.complained_on, c.hate) for c in case.complaints.all()],
        case.received_on,
        asb_settings(case.partnership),
    )
    _move(
        actor,
        case,
        "decide_threshold",
        State.THRESHOLD_MET if result.met else State.THRESHOLD_NOT_MET,
        decided_on=on,
        threshold_met=result.met,
        threshold_reason=result.reason[:300],
    )
    return result


def record_review(*, actor: User, case: Case, on: dt.date, outcome: str) -> Case:
    if not outcome.strip():
        raise ValidationError({"outcome": "Write the review's outcome for the applicant"})
    return _move(actor, case, "record_review", reviewed_on=on, outcome=outcome)


def send_outcome(*, actor: User, case: Case, on: dt.date, appeal_body: str) -> Case:
    if not appeal_body.strip():
        raise ValidationError({"appeal_body": "Say who hears an appeal (often the PCC's office)"})
    return _move(actor, case, "send_outcome", outcome_sent_on=on, appeal_body=appeal_body)


def appeal(*, actor: User, case: Case, on: dt.date) -> Case:
    return _move(actor, case, "appeal")


def decide_review(
    *,
    actor: User,
    case: Case,
    on: dt.date,
    hold: bool,
    home_office_informed_on: dt.date,
    independent_chair: str = "",
) -> Case:
    if hold and not independent_chair.strip():
        raise ValidationError(
            {
                "independent_chair": "Name the independent chair's role (for example, "
                "independent chair from the county's approved list)"
            }
        )
    return _move(
        actor,
        case,
        "decide_review",
        State.COMMISSIONED if hold else State.NOT_COMMISSIONED,
        decided_on=on,
        home_office_informed_on=home_office_informed_on,
        independent_chair=independent_chair,
    )


@transaction.atomic
def extension_add(*, actor: User, case: Case, new_due: dt.date, reason: str) -> Extension:
    _require_lead(actor, case)
    if case.state != State.COMMISSIONED:
        raise ValidationError("An extension applies while the review is being written")
    try:
        rules.dardr_report_due(
            case.decided_on,
            [
                *[rules.Extension(e.new_due, e.reason) for e in case.extensions.all()],
                rules.Extension(new_due, reason),
            ],
        )
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    e = Extension.objects.create(case=case, new_due=new_due, reason=reason, recorded_by=actor)
    _audit(
        actor,
        case,
        "update",
        f"{case.reference}: report date extended to {new_due:%-d %B %Y}: {reason}"[:300],
    )
    return e


def submit(*, actor: User, case: Case, on: dt.date) -> Case:
    return _move(actor, case, "submit", submitted_on=on)


def qa_approve(*, actor: User, case: Case, on: dt.date) -> Case:
    return _move(actor, case, "qa_approve", qa_approved_on=on)


def publish(*, actor: User, case: Case, on: dt.date, commissioner_copy_on: dt.date | None) -> Case:
    return _move(actor, case, "publish", published_on=on, commissioner_copy_on=commissioner_copy_on)


def close(*, actor: User, case: Case, on: dt.date) -> Case:
    if case.kind == Kind.DARDR and case.published_on is not None:
        until = rules.dardr_published_until(case.published_on)
        if on < until:
            raise ValidationError(
                f"The report and action plan stay published for at least 12 months: the case "
                f"can close from {until:%-d %B %Y}"
            )
    return _move(
        actor,
        case,
        "close",
        closed_on=on,
        retention_review_on=rules.retention_review_on(case.kind, on),
    )


# --- complaints and recommendations -------------------------------------------------------------

# The states in which a review's recommendations are recorded (after the review is held).
RECOMMENDING = (
    State.REVIEWED,
    State.OUTCOME_SENT,
    State.COMMISSIONED,
    State.SUBMITTED,
    State.QA_APPROVED,
    State.PUBLISHED,
)


def _require_member(user: User, case: Case) -> None:
    if not CaseMember.objects.filter(case=case, user=user).exists():
        raise ValidationError("Only the case team can change this case")


@transaction.atomic
def complaint_add(
    *,
    actor: User,
    case: Case,
    behaviour_on: dt.date,
    complained_on: dt.date,
    made_to: str,
    hate: bool = False,
    note: str = "",
) -> Complaint:
    _require_member(actor, case)
    if case.kind != Kind.ASB:
        raise ValidationError("Complaints are recorded for ASB Case Reviews")
    if case.state not in (State.RECEIVED, State.ACKNOWLEDGED):
        raise ValidationError("Complaints are recorded before the threshold decision")
    if complained_on < behaviour_on:
        raise ValidationError({"complained_on": "The complaint cannot be before the behaviour"})
    c = Complaint.objects.create(
        case=case,
        behaviour_on=behaviour_on,
        complained_on=complained_on,
        made_to=made_to,
        hate=hate,
        note=note,
    )
    _audit(actor, case, "update", f"{case.reference}: complaint of {complained_on:%-d %B %Y} added")
    return c


@transaction.atomic
def recommendation_add(
    *,
    actor: User,
    case: Case,
    text: str,
    theme: str,
    agency: Organisation,
    lead: User | None = None,
    due_date: dt.date | None = None,
) -> Recommendation:
    _require_member(actor, case)
    if case.state not in RECOMMENDING:
        raise ValidationError("Recommendations are recorded once the review has been held")
    r = Recommendation.objects.create(
        case=case, text=text, theme=theme, agency=agency, lead=lead, due_date=due_date
    )
    _audit(actor, case, "update", f"{case.reference}: recommendation added for {agency.name}")
    return r


@transaction.atomic
def recommendation_to_action(
    *, actor: User, recommendation: Recommendation, priority: Priority
) -> Recommendation:
    """Makes the recommendation an action in the work plan under ``priority``, with the agency
    as its organisation and the lead as its owner. The title is the recommendation's text."""
    case = recommendation.case
    _require_lead(actor, case)
    if recommendation.action_id:
        raise ValidationError("This recommendation is already an action in the work plan")
    if priority.partnership_id != case.partnership_id:
        raise ValidationError({"priority": "Choose one of this partnership's priorities"})
    # The action says where it came from only as the kind of review and its year: the work plan
    # is seen by every member, and the case's reference would reveal more than the counts do.
    action = plan_services.action_create(
        actor=actor,
        priority=priority,
        title=recommendation.text[:300],
        description=f"Recommendation of {_a(case)} ({case.received_on.year}); "
        f"theme: {recommendation.get_theme_display().lower()}.",
        owner=recommendation.lead,
        organisation=recommendation.agency,
        due_date=recommendation.due_date,
    )
    recommendation.action = action
    recommendation.save(update_fields=["action"])
    _audit(actor, case, "update", f"{case.reference}: recommendation became action {action.pk}")
    return recommendation


# --- retention ----------------------------------------------------------------------------------


@transaction.atomic
def erase_personal_data(*, actor: User, case: Case, on: dt.date) -> Case:
    """Under the retention schedule: once a closed case reaches its retention review date, the
    case lead erases its personal data (the description, the outcome text and complaint notes).
    The case record, its dates, recommendations and audit trail stay (archive, never delete),
    so the annual figures and the actions are unchanged."""
    _require_lead(actor, case)
    if case.state != State.CLOSED or case.retention_review_on is None:
        raise ValidationError("Personal data is erased only from a closed case")
    if on < case.retention_review_on:
        raise ValidationError(
            f"This case's retention review date is {case.retention_review_on:%-d %B %Y}: its "
            "personal data is kept until then"
        )
    case.summary, case.outcome = "", ""
    case.save(update_fields=["summary", "outcome"])
    case.complaints.update(note="")
    _audit(
        actor,
        case,
        "update",
        f"{case.reference}: personal data erased under the retention schedule",
    )
    return case
