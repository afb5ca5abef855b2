"""Public consultations: the questions, the responses imported from a survey platform's export,
their weights, the free-text codebook, and "You said, we did" records."""

# ruff: noqa: RUF012 - Django's Meta options are class-level lists by design.
from __future__ import annotations

from django.conf import settings
from django.db import models

from saferplaces.web.core.models import Archivable
from saferplaces.web.partnerships.models import Partnership


class Consultation(Archivable):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="consultations"
    )
    title = models.CharField(max_length=200)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    # How it was run and who answered (shown beside every result).
    method = models.TextField(blank=True)
    # Sex margin, when the officer gives one with its source (the reference data has none).
    female_share = models.FloatField(null=True, blank=True)
    sex_source = models.CharField(max_length=300, blank=True)
    # What the last weighting did: margins, iterations, design effect, effective sample size.
    weighting = models.JSONField(default=dict, blank=True)
    # Results appear on the partnership's public pages only once published.
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-closed_on", "-id"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        CHOICE = "choice", "Single choice"
        TEXT = "text", "Free text"

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="questions"
    )
    code = models.CharField(max_length=20)  # q1, q2 ... the key in each response's answers
    text = models.CharField(max_length=500)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(default=0)
    # A "how much of a problem is ..." question can score the priority matrix's public concern
    # for one assessment theme: the weighted share giving one of `concern_answers`.
    concern_theme = models.CharField(max_length=200, blank=True)
    concern_answers = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "code"], name="question_code_unique")
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def concern_options(self) -> list[str]:
        return [s.strip() for s in self.concern_answers.split("|") if s.strip()]


class Response(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="responses"
    )
    source_row = models.PositiveIntegerField()  # row in the file (the header is row 1)
    age_band = models.CharField(max_length=10, blank=True)
    sex = models.CharField(max_length=20, blank=True)
    area_code = models.CharField(max_length=20, blank=True)
    area_name = models.CharField(max_length=200, blank=True)
    answers = models.JSONField(default=dict)
    weight = models.FloatField(default=1.0)
    batch = models.ForeignKey("ResponseImport", on_delete=models.PROTECT, related_name="responses")

    class Meta:
        ordering = ["id"]


class ResponseImport(models.Model):
    """An uploaded export, held with its column mapping until confirmed; nothing is saved before."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the question mapping"
        APPLIED = "applied", "Saved"
        DISCARDED = "discarded", "Discarded"

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="imports")
    file_name = models.CharField(max_length=255)
    header = models.JSONField(default=list)
    rows = models.JSONField(default=list)  # [[cell, ...], ...] in file order, with "_row" first
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class Theme(Archivable):
    """One entry of a free-text question's codebook: a theme and the words or phrases that put
    an answer in it (one per line). An answer may fall in several themes or none."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="themes")
    name = models.CharField(max_length=200)
    keywords = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class YouSaidWeDid(Archivable):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="you_said"
    )
    you_said = models.TextField()
    we_did = models.TextField()
    action = models.ForeignKey(
        "plans.Action", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
