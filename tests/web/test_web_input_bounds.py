"""Every way text enters the workspace normalises and bounds it, and refuses what it cannot store.

The findings first (each once a 500), then property-based tests: generated text with NUL,
lone surrogates, control characters and very long strings, posted through the test client to
every form page found in the URL patterns, every import path and the assessment upload.
"""

from __future__ import annotations

import io
import json
import os
import re

import pytest
from django.db import connection, transaction
from django.test import Client

from saferplaces.web.accounts.services import api_token_create
from saferplaces.web.plans.models import Action, AssessmentRun

pytestmark = pytest.mark.django_db
B = "/partnerships/borough"
API = "/api/partnerships/borough"


def error_summary(html: str) -> list[str]:
    m = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    return (
        [re.sub(r"<[^>]+>", "", e).strip() for e in re.findall(r"<li>(.*?)</li>", m.group(1), re.S)]
        if m
        else []
    )


def upload_csv(c: Client, kind: str, data: bytes):
    f = io.BytesIO(data)
    f.name = "rows.csv"
    return c.post(f"{B}/import/", {"kind": kind, "file": f})


# The findings -------------------------------------------------------------------------------


def test_csv_cell_longer_than_the_csv_module_allows_names_row_and_column(world, client_for):
    c = client_for(world.users["manager"])
    data = f"priority,action,description\nPriority 1,Long one,{'x' * 140_000}\n".encode()
    r = upload_csv(c, "actions", data)
    assert r.status_code == 200
    assert error_summary(r.content.decode()) == [
        "Row 2, description: Description must be 10,000 characters or fewer"
    ]


def test_csv_nul_byte_names_row_and_column(world, client_for):
    c = client_for(world.users["manager"])
    n = Action.objects.count()
    r = upload_csv(c, "actions", b"priority,action\nPriority 1,Good\nPriority 1,Bad\x00one\n")
    assert r.status_code == 200
    assert error_summary(r.content.decode()) == [
        "Row 3, action: Action must not contain control characters"
    ]
    assert Action.objects.count() == n


def test_assessment_upload_with_nul_is_refused(world, client_for):
    c = client_for(world.users["analyst"])
    doc = {"area_code": "E22000271", "recommended_priorities": [{"theme": "Shop\x00lifting"}]}
    f = io.BytesIO(json.dumps(doc).encode())
    f.name = "assessment.json"
    r = c.post(f"{B}/assessments/upload/", {"file": f})
    assert r.status_code == 200
    assert error_summary(r.content.decode()) == [
        "The file must not contain control characters (at recommended_priorities[0].theme)"
    ]
    assert not AssessmentRun.objects.exists()


def test_api_patch_with_a_lone_surrogate_is_refused(world):
    h = {
        "HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=world.users['manager'], name='t')[1]}"
    }
    r = Client().patch(
        f"{API}/actions/{world.own_action.pk}",
        b'{"title": "Bad \\ud800 title"}',
        content_type="application/json",
        **h,
    )
    assert r.status_code == 422, r.content
    assert "title" in json.dumps(r.json()) and "not valid text" in json.dumps(r.json())
    world.own_action.refresh_from_db()
    assert world.own_action.title == "Action 1.1"


def test_api_text_is_normalised(world):
    h = {
        "HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=world.users['manager'], name='t')[1]}"
    }
    r = Client().patch(
        f"{API}/actions/{world.own_action.pk}",
        json.dumps({"title": "  Cafe\u0301 patrols  "}),
        content_type="application/json",
        **h,
    )
    assert r.status_code == 200 and r.json()["title"] == "Caf\u00e9 patrols"


@pytest.mark.skipif("connection.vendor == 'postgresql'")
def test_stored_bad_text_does_not_break_pages(world, client_for):
    """SQLite keeps JSON escapes as written, so an assessment stored before these checks can
    hold a lone surrogate; every page showing it still renders."""
    run = AssessmentRun.objects.create(
        partnership=world.partnership,
        area_code="E22000271",
        status=AssessmentRun.Status.IMPORTED,
        result={"recommended_priorities": [{"theme": "Shop\ud800lifting", "score": 1}]},
    )
    for role in ("manager", "member"):
        c = client_for(world.users[role])
        for url in (
            f"{B}/assessments/",
            f"{B}/assessments/{run.pk}/",
            f"{B}/assessments/{run.pk}/adopt/",
        ):
            r = c.get(url)
            assert r.status_code in (200, 403, 404), (url, r.status_code)
            if r.status_code == 200:
                r.content.decode("utf-8")
    h = {
        "HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=world.users['manager'], name='t')[1]}"
    }
    r = Client().get(f"{API}/assessments", **h)
    assert r.status_code == 200


def test_form_text_rules(world, client_for):
    from saferplaces.web.meetings import services as meeting_services

    board = meeting_services.body_create(
        actor=None, partnership=world.partnership, name="Borough board"
    )
    c = client_for(world.users["manager"])
    new_meeting = f"{B}/meetings/bodies/{board.pk}/meetings/new/"
    r = c.post(
        new_meeting,
        {
            "title": "Board\x07",
            "date_0": "1",
            "date_1": "4",
            "date_2": "2025",
            "start_time": "10:00",
            "notes": "n" * 10_001,
        },
    )
    assert error_summary(r.content.decode()) == [
        "Title must not contain control characters",
        "Notes must be 10,000 characters or fewer",
    ]
    r = c.post(
        new_meeting,
        {
            "title": "  Cafe\u0301 board ",
            "date_0": "1",
            "date_1": "4",
            "date_2": "2025",
            "start_time": "10:00",
            "notes": "a\r\n\tb",
        },
    )
    assert r.status_code == 302
    from saferplaces.web.meetings.models import Meeting

    m = Meeting.objects.get(body=board)
    assert m.title == "Caf\u00e9 board" and m.notes == "a\r\n\tb"


def test_clean_text_rules():
    from django.core.exceptions import ValidationError

    from saferplaces.web.core.text import clean_text

    assert clean_text("  Cafe\u0301\n", max_length=10, field="Name") == "Caf\u00e9"
    assert clean_text("a\tb\r\nc", max_length=10, field="Notes", multiline=True) == "a\tb\r\nc"
    for bad, message in (
        ("a\x00b", "Name must not contain control characters"),
        ("a\tb", "Name must not contain control characters"),
        ("a\ud800b", "Name contains characters that are not valid text"),
        ("x" * 11, "Name must be 10 characters or fewer"),
    ):
        with pytest.raises(ValidationError) as e:
            clean_text(bad, max_length=10, field="Name")
        assert e.value.messages == [message]
    assert connection.vendor in ("sqlite", "postgresql")


# Property-based: every form page, every import path, the assessment upload, the API --------

from html.parser import HTMLParser  # noqa: E402
from urllib.parse import quote_plus  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# Small by default so the file runs in well under a minute; raise SP_FUZZ_EXAMPLES and
# SP_FUZZ_FORM_EXAMPLES for a deeper search before a release.
FUZZ = settings(
    max_examples=int(os.environ.get("SP_FUZZ_EXAMPLES", "10")),
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# Each of the ~25 forms is a separate search: fewer examples each keeps the file near a minute.
FUZZ_FORM = settings(FUZZ, max_examples=int(os.environ.get("SP_FUZZ_FORM_EXAMPLES", "6")))

# Text that has broken the workspace before, and text that never should.
nasty_text = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "\ud800",
            "x\udfffy",
            "bell\x07",
            "tab\there",
            "two\r\nlines",
            "Cafe\u0301",
            "  padded  ",
            "=1+1",
            "<script>alert(1)</script>",
            "",
        ]
    ),
    st.builds(
        lambda ch, n: ch * n,
        st.sampled_from(["x", "é", "\x00", "\ud800"]),
        st.sampled_from([101, 201, 301, 10_001]),
    ),
)
# Cells over the csv module's own limit (131,072 characters) for the import paths.
nasty_cell = st.one_of(nasty_text, st.just("y" * 140_000))

# Django's own messages: a refusal must name the field in plain words instead.
UNCLEAR = ("Ensure this value", "Null characters are not allowed", "This field")


class _Forms(HTMLParser):
    """The POST forms on a page: action, and each field's kind, choices and current value."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.forms.append(
                {
                    "action": a.get("action") or "",
                    "fields": {},
                    "multipart": a.get("enctype") == "multipart/form-data",
                }
            )
        if not self.forms or ("name" not in a and tag != "option"):
            return
        fields = self.forms[-1]["fields"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button"):
                return
            f = fields.setdefault(a["name"], {"kind": kind, "choices": [], "value": ""})
            if kind in ("radio", "checkbox"):
                f["choices"].append(a.get("value", "on"))
                if "checked" in a:
                    f["value"] = a.get("value", "on")
            else:
                f["value"] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a["name"]
            fields[a["name"]] = {"kind": "textarea", "choices": [], "value": ""}
        elif tag == "select":
            self._select = a["name"]
            fields[a["name"]] = {"kind": "select", "choices": [], "value": ""}
        elif tag == "option" and self._select:
            f = fields[self._select]
            f["choices"].append(a.get("value", ""))
            if "selected" in a or not f["value"]:
                f["value"] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea]["value"] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None


def _plausible(name: str, f: dict) -> str:
    """A value the form would accept, so the fuzzing reaches the services, not just the
    required-field errors."""
    if f["value"].strip():
        return f["value"]
    if f["choices"]:
        return next((c for c in f["choices"] if c), f["choices"][0])
    hints = {
        "email": "someone.new@example.org",
        "code": "E05011185",
        "period": "2025-01",
        "quarter": "2025-26 Q1",
        "password": "correct horse battery staple 12",
        "value": "1",
        "_0": "1",
        "_1": "4",
        "_2": "2025",
    }
    return next((v for k, v in hints.items() if k in name), "Plain words")


TEXT_KINDS = {"text", "email", "password", "search", "tel", "url", "textarea"}


def _page_urls(world) -> list[str]:
    """Every page in the URL patterns that takes at most a slug and a pk, filled from the world."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from saferplaces.web.core.models import ImportBatch
    from saferplaces.web.plans import services as plan_services

    p = world.partnership
    run = plan_services.assessment_store(
        actor=None,
        partnership=p,
        area_code="E22000271",
        start=None,
        end=None,
        result={"recommended_priorities": [{"theme": "Shoplifting"}]},
        imported=True,
    )
    loc = (
        plan_services.locality_create(actor=None, partnership=p, name="Town centre")
        if hasattr(plan_services, "locality_create")
        else None
    )
    batch = ImportBatch.objects.create(
        partnership=p,
        kind="actions",
        file_name="a.csv",
        rows=[{"priority": "Priority 1", "action": "A", "_line": "2"}],
        errors=[],
        created_by=world.users["superuser"],
    )
    pks = {
        "priority": world.priorities[0].pk,
        "locality": loc.pk if loc is not None else 1,
        "action": world.own_action.pk,
        "indicator": world.own_indicator.pk,
        "value": world.own_indicator.pk,
        "assessment": run.pk,
        "import": batch.pk,
    }

    def walk(patterns, prefix=""):
        for pat in patterns:
            if isinstance(pat, URLResolver):
                yield from walk(pat.url_patterns, prefix + str(pat.pattern))
            elif isinstance(pat, URLPattern):
                yield prefix + str(pat.pattern), pat.name or ""

    urls = []
    for route, name in walk(get_resolver().url_patterns):
        if route.startswith(("api/", "admin/", "static/")) or "<str:" in route or "<path:" in route:
            continue
        if re.search(r"<(?!slug:slug>|int:pk>)[^>]+>", route):
            continue  # other parameters: downloads and exports, no forms
        pk = next((v for k, v in pks.items() if k in name), world.own_action.pk)
        url = "/" + route.replace("<slug:slug>", p.slug).replace("<int:pk>", str(pk))
        urls.append(url)
    return sorted(set(urls))


def test_every_page_survives_bad_query_strings(world, client_for):
    c = client_for(world.users["superuser"])
    bad = "status=%00&only=%ED%A0%80&mine=%00&page=%00&priority=%00&next=%00%0A&q=" + "x" * 5000
    for url in _page_urls(world):
        r = c.get(f"{url}?{bad}")
        assert r.status_code < 500, (url, r.status_code)


def _discover_forms(c: Client, urls: list[str]) -> dict[str, dict]:
    """POST forms with at least one text field, by action, from every page that answers GET."""
    found: dict[str, dict] = {}
    for url in urls:
        r = c.get(url)
        assert r.status_code < 500, (url, r.status_code)
        if r.status_code != 200 or "text/html" not in r.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(r.content.decode())
        for form in parser.forms:
            action = form["action"] or url
            if any(f["kind"] in TEXT_KINDS for f in form["fields"].values()):
                found.setdefault(action, {**form, "client": c})
    return found


def _body(values: dict[str, list[str]]) -> bytes:
    # Encoded by hand: a browser cannot send a lone surrogate, but a client can send its bytes.
    return "&".join(
        f"{quote_plus(k)}={quote_plus(v.encode('utf-8', 'surrogatepass'))}"
        for k, vs in values.items()
        for v in vs
    ).encode("ascii")


def test_every_form_refuses_bad_text_clearly(world, client_for):
    c = client_for(world.users["superuser"])
    forms = _discover_forms(c, _page_urls(world))
    # Signing in is a form too, seen signed out (django-axes may lock out: a 403, not a 500).
    forms.update(_discover_forms(Client(), ["/sign-in/"]))
    # The forms this workspace has today must all be found; new ones are found the same way.
    for expected in (
        "/meetings/bodies/new/",
        "/plan/priorities/new/",
        "/work-plan/new/",
        "/performance/new/",
        "/account/tokens/new/",
        "/sign-in/",
    ):
        assert any(a.endswith(expected) for a in forms), (expected, sorted(forms))

    for action, form in sorted(forms.items()):
        if form["multipart"]:
            continue  # file uploads: the import and assessment tests below

        _fuzz_form(form["client"], action, form)


def _fuzz_form(c: Client, action: str, form: dict) -> None:
    fields = {n: f for n, f in form["fields"].items() if n != "csrfmiddlewaretoken"}
    text_fields = sorted(n for n, f in fields.items() if f["kind"] in TEXT_KINDS)

    @FUZZ_FORM
    @given(data=st.data())
    def post(data):
        # A valid fill, then nasty text in some of the text fields (and now and then junk in a
        # choice): a valid rest of the form lets the bad text reach the save.
        values = {n: [_plausible(n, f)] for n, f in fields.items() if f["kind"] != "checkbox"}
        for n in data.draw(st.lists(st.sampled_from(text_fields), min_size=1, unique=True)):
            values[n] = [data.draw(nasty_text, label=n)]
        if data.draw(st.booleans()):
            n = data.draw(st.sampled_from(sorted(fields)), label="junk field")
            values[n] = [data.draw(nasty_text, label=n)]
        # Each example starts from the same records: what one saves cannot block the next
        # (a second review of the same quarter, a person already added).
        with transaction.atomic():
            r = c.post(action, _body(values), content_type="application/x-www-form-urlencoded")
            transaction.set_rollback(True)
        assert r.status_code < 500, (action, values)
        if r.status_code in (200, 400):
            errors = error_summary(r.content.decode())
            assert not any(u in e for e in errors for u in UNCLEAR), (action, errors)
        if any("\x00" in values[n][0] for n in text_fields if n in values):
            assert r.status_code != 302, (action, values)

    post()


def _csv_cell(v: str) -> str:
    return '"' + v.replace('"', '""') + '"'


@FUZZ
@given(
    kind=st.sampled_from(["actions", "values"]),
    cells=st.lists(st.tuples(nasty_cell, nasty_cell, nasty_cell), min_size=1, max_size=3),
)
def test_every_import_path_refuses_bad_text_clearly(world, client_for, kind, cells):
    c = client_for(world.users["manager"])
    if kind == "actions":
        header = "priority,action,description"
        lines = [
            ",".join(_csv_cell(v) for v in ("Priority 1", a, d)) + "," + _csv_cell(x)
            for a, d, x in cells
        ]
        header += ",extra"
    else:
        header = "indicator,period,value,note"
        lines = [",".join(_csv_cell(v) for v in (i, "2025-01", "1", n)) for i, n, _ in cells]
    data = (header + "\n" + "\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
    r = upload_csv(c, kind, data)
    assert r.status_code < 500
    if r.status_code == 200:
        errors = error_summary(r.content.decode())
        assert errors and not any(u in e for e in errors for u in UNCLEAR), errors
        return
    assert r.status_code == 302, r.status_code
    preview = c.get(r["Location"])
    assert preview.status_code == 200
    confirm = c.post(r["Location"] + "confirm/")
    assert confirm.status_code < 500
    for page in ("/work-plan/", "/performance/"):
        assert c.get(B + page).status_code == 200


@FUZZ
@given(
    names=st.lists(nasty_text, min_size=1, max_size=3),
    area=st.one_of(st.just("E22000271"), nasty_text),
    ascii_only=st.booleans(),
)
def test_assessment_upload_refuses_bad_text_clearly(world, client_for, names, area, ascii_only):
    c = client_for(world.users["manager"])
    doc = {
        "area_code": area,
        "recommended_priorities": [{"theme": n or "x", "score": 1} for n in names],
        "priority_localities": [{"name": n or "y", "area_codes": [area]} for n in names],
    }
    f = io.BytesIO(json.dumps(doc, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass"))
    f.name = "assessment.json"
    r = c.post(f"{B}/assessments/upload/", {"file": f})
    assert r.status_code < 500
    if r.status_code == 302:
        for page in (r["Location"], r["Location"] + "adopt/", f"{B}/assessments/", f"{B}/plan/"):
            assert c.get(page).status_code == 200, page
        # Adopting turns the names into priorities and localities: they must fit there too.
        with transaction.atomic():
            adopt = c.post(
                r["Location"] + "adopt/",
                {
                    "priorities": [str(i) for i in range(len(names))],
                    "localities": [str(i) for i in range(len(names))],
                    "decided_on_0": "1",
                    "decided_on_1": "4",
                    "decided_on_2": "2025",
                    "decision_maker": "Borough board",
                },
            )
            transaction.set_rollback(True)
        assert adopt.status_code in (200, 302), adopt.status_code
    else:
        assert error_summary(r.content.decode())


API_CALLS = [
    (
        "post",
        "/actions",
        lambda w, t: {"priority_id": w.priorities[0].pk, "title": t, "description": t},
    ),
    ("patch", "/actions/{action}", lambda w, t: {"title": t, "description": t}),
    ("post", "/actions/{action}/updates", lambda w, t: {"note": t, "status": "in_progress"}),
    ("put", "/indicators/{indicator}/values/2025-01", lambda w, t: {"value": 1, "note": t}),
    (
        "post",
        "/assessments",
        lambda w, t: {
            "area_code": "E22000271",
            "result": {"recommended_priorities": [{"theme": t or "x"}]},
        },
    ),
]


@FUZZ
@given(call=st.sampled_from(API_CALLS), text=nasty_text)
def test_api_refuses_bad_text_as_json(world, call, text):
    method, path, body = call
    token = (
        getattr(world, "_token", None) or api_token_create(user=world.users["manager"], name="f")[1]
    )
    world._token = token
    url = API + path.format(action=world.own_action.pk, indicator=world.own_indicator.pk)
    raw = json.dumps(body(world, text)).encode()  # \u0000 and \ud800 escapes, as clients send them
    r = getattr(Client(), method)(
        url, raw, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert r.status_code < 500, (url, text[:50], r.content[:300])
    assert r["Content-Type"].startswith("application/json")
    if any(ch in text for ch in "\x00\ud800\udfff\x07"):
        assert r.status_code in (400, 422), (url, text[:50], r.status_code)


def test_exports_survive_control_characters_stored_before_the_checks(world, client_for):
    # Both databases store a bell character; a spreadsheet cell cannot hold one.
    Action.objects.filter(pk=world.own_action.pk).update(
        title="Bell\x07 ringing", description="a\x0bb"
    )
    c = client_for(world.users["manager"])
    for ext in ("csv", "xlsx"):
        r = c.get(f"{B}/export/actions.{ext}")
        assert r.status_code == 200, ext
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(c.get(f"{B}/export/actions.xlsx").content)).active
    assert "Bell ringing" in [cell.value for cell in ws["C"]]


def test_every_form_class_gets_the_text_rules():
    """The rules come from the base class, so a form added later has them too."""
    import importlib
    import pkgutil

    from django import forms as dj_forms

    import saferplaces.web
    from saferplaces.web.core.forms import GovukFormMixin

    for m in pkgutil.walk_packages(saferplaces.web.__path__, "saferplaces.web."):
        if m.name.rsplit(".", 1)[-1] in ("forms", "views", "views_outputs"):
            importlib.import_module(m.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = {c for c in subclasses(dj_forms.BaseForm) if c.__module__.startswith("saferplaces.web")}
    assert len(ours) > 20
    assert not [c.__qualname__ for c in ours if not issubclass(c, GovukFormMixin)]
