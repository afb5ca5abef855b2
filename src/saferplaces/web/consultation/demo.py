"""Demo: Tamworth's community safety survey (the generated sample in ``sample.py``), imported,
weighted, with a starting codebook and one "You said, we did"; Tamworth's public pages on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from saferplaces.web.consultation import sample, services
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.public import services as public_services

CODEBOOK = [
    ("Visible policing", "police\npatrol*\nPCSO*\nofficers"),
    ("Street lighting", "lighting\nstreet lights\nunderpass"),
    ("Young people", "youth*\nyoung people\nyouths"),
    ("Drugs", "drug*\ndealing"),
    ("CCTV", "CCTV\ncameras"),
    ("Roads and vehicles", "speeding\noff-road bikes\ncars"),
    ("Environment", "litter\nfly-tipping\nbushes"),
]


def load(tamworth: Partnership, people: dict[str, Any]) -> None:
    c = services.consultation_create(
        actor=None, partnership=tamworth, title="Community safety survey 2026",
        opened_on=dt.date(2026, 9, 1), closed_on=dt.date(2026, 10, 12),
        method="Demo data: 900 responses generated from Tamworth's age and ward structure, with "
        "older residents more likely to answer (see saferplaces/web/consultation/sample.py).",
    )  # fmt: skip
    batch = services.import_create(actor=None, consultation=c, file_name=sample.SAMPLE_FILE.name,
                                   data=sample.SAMPLE_FILE.read_bytes())  # fmt: skip
    services.import_apply(actor=None, batch=batch, mapping=batch.mapping)
    q = c.questions.get(kind="text")
    for name, words in CODEBOOK:
        services.theme_create(actor=None, question=q, name=name, keywords=words)
    services.consultation_publish(actor=None, consultation=c, published=True)
    action = (
        tamworth.priorities.filter(archived_at__isnull=True).first().actions.filter(archived_at__isnull=True).first()
        if tamworth.priorities.exists() else None
    )  # fmt: skip
    services.you_said_create(
        actor=None, consultation=c,
        you_said="45% said anti-social behaviour is a big problem where they live",
        we_did="Anti-social behaviour stays a priority, with the action shown in the work plan",
        action=action, published=True,
    )  # fmt: skip
    public_services.site_update(
        actor=None, partnership=tamworth, enabled=True,
        introduction="Tamworth Community Safety Partnership brings together the council, police, "
        "fire and rescue, health and probation services to reduce crime and the fear of crime.",
        contact="Community safety team, Tamworth Borough Council (demo: no real contact details).",
    )  # fmt: skip
