"""Statutory review cases: ASB Case Reviews and Domestic Abuse Related Death Reviews.

Need-to-know: a case is seen only by its named case team (``CaseMember``); see selectors.
Personal data is minimised: no names are stored, only role-level descriptions, and the few
free-text fields that may still hold personal details are encrypted at rest (fields.py).
"""

# ruff: noqa: RUF012 - Django's Meta options are class-level lists by design.

from __future__ import annotations

from django.conf import settings
from django.db import models

from saferplaces.web.accounts.models import Organisation
from saferplaces.web.core.models import Archivable
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.plans.models import Action
from saferplaces.web.reviews.fields import EncryptedTextField


class Kind(models.TextChoices):
    ASB = "asb", "ASB Case Review"
    DARDR = "dardr", "Domestic Abuse Related Death Review"


class State(models.TextChoices):
    # ASB Case Review
    RECEIVED = "received", "Application received"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    THRESHOLD_MET = "threshold_met", "Threshold met: review to hold"
    THRESHOLD_NOT_MET = "threshold_not_met", "Threshold not met"
    REVIEWED = "reviewed", "Review held"
    OUTCOME_SENT = "outcome_sent", "Outcome sent to the applicant"
    APPEALED = "appealed", "Appeal requested"
    # DARDR
    NOTIFIED = "notified", "Death notified to the partnership"
    COMMISSIONED = "commissioned", "Review commissioned"
    NOT_COMMISSIONED = "not_commissioned", "Decided not to hold a review"
    SUBMITTED = "submitted", "Report with the Home Office Quality Assurance Panel"
    QA_APPROVED = "qa_approved", "Approved by the Quality Assurance Panel"
    PUBLISHED = "published", "Published"
    # both
    CLOSED = "closed", "Closed"


class ReviewSettings(models.Model):
    """A partnership's local ASB Case Review procedure (defaults from the issue's procedure)."""

    partnership = models.OneToOneField(
        Partnership, on_delete=models.PROTECT, related_name="review_settings"
    )
    asb_threshold = models.PositiveSmallIntegerField(default=3)
    hate_threshold = models.PositiveSmallIntegerField(default=0)
    acknowledge_days = models.PositiveSmallIntegerField(default=10)
    decision_days = models.PositiveSmallIntegerField(default=15)
    review_days = models.PositiveSmallIntegerField(default=20)
    due_soon_days = models.PositiveSmallIntegerField(default=5)


class Case(Archivable):
    class Applicant(models.TextChoices):
        PERSON = "person", "A person"
        BUSINESS = "business", "A business"
        GROUP = "group", "A community group"
        THIRD_PARTY = "third_party", "A third party, with the victim's consent"

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="cases")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    reference = models.CharField(max_length=30)
    state = models.CharField(max_length=20, choices=State.choices)
    # ASB: the day the application was received. DARDR: the day the death came to the chair's
    # attention (the police notification).
    received_on = models.DateField()
    applicant_type = models.CharField(max_length=12, choices=Applicant.choices, blank=True)
    consent_recorded = models.BooleanField(default=False)
    # Personal data, minimised and encrypted: a short description for the case team only.
    summary = EncryptedTextField(blank=True)
    outcome = EncryptedTextField(blank=True)
    # Dates each step happened (the deadlines come from rules.py).
    acknowledged_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    threshold_met = models.BooleanField(null=True, blank=True)
    threshold_reason = models.CharField(max_length=300, blank=True)
    reviewed_on = models.DateField(null=True, blank=True)
    outcome_sent_on = models.DateField(null=True, blank=True)
    appeal_body = models.CharField(max_length=200, blank=True)
    home_office_informed_on = models.DateField(null=True, blank=True)
    independent_chair = models.CharField(max_length=200, blank=True)  # a role, not a name
    submitted_on = models.DateField(null=True, blank=True)
    qa_approved_on = models.DateField(null=True, blank=True)
    published_on = models.DateField(null=True, blank=True)
    commissioner_copy_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    retention_review_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CaseMember", related_name="review_cases"
    )

    class Meta:
        verbose_name = "statutory review case"
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "reference"], name="reviews_case_reference_unique"
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state != State.CLOSED


class CaseMember(models.Model):
    """A named member of the case team: the only people who see the case."""

    class Role(models.TextChoices):
        LEAD = "lead", "Case lead"
        MEMBER = "member", "Case team member"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=6, choices=Role.choices, default=Role.MEMBER)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="reviews_member_once")]


class Complaint(models.Model):
    """One complaint about the behaviour, for the ASB Case Review threshold."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="complaints")
    behaviour_on = models.DateField()
    complained_on = models.DateField()
    made_to = models.CharField(max_length=200)  # the body: council, police, housing provider
    hate = models.BooleanField(default=False)
    note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["complained_on", "id"]


class Extension(models.Model):
    """A recorded extension to a DARDR overview report's date, with its reason."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="extensions")
    new_due = models.DateField()
    reason = models.CharField(max_length=500)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["new_due", "id"]


class Theme(models.TextChoices):
    INFORMATION_SHARING = "information_sharing", "Information sharing between agencies"
    RISK_ASSESSMENT = "risk_assessment", "Risk assessment"
    TRAINING = "training", "Training and awareness"
    POLICY = "policy", "Policy and procedure"
    ESCALATION = "escalation", "Escalation and follow-up"
    VICTIM_CONTACT = "victim_contact", "Contact with the victim or applicant"
    HOUSING = "housing", "Housing"
    HEALTH = "health", "Health services"
    OTHER = "other", "Other"


class Recommendation(models.Model):
    """A review's recommendation for a named agency; becomes an action in the work plan."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="recommendations")
    text = models.CharField(max_length=500)
    theme = models.CharField(max_length=20, choices=Theme.choices)
    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    action = models.OneToOneField(
        Action, null=True, blank=True, on_delete=models.PROTECT, related_name="recommendation"
    )

    class Meta:
        ordering = ["id"]
