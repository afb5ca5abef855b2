"""The partnership's public pages (no sign-in; 404 unless the partnership has switched them on),
and the manager's page that switches them on."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from saferplaces.web import permissions as perm
from saferplaces.web.meetings import storage
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.public import forms as f
from saferplaces.web.public import selectors, services
from saferplaces.web.public.models import PublicSite
from saferplaces.web.views_common import form_view, page


def _page(
    request: HttpRequest, template: str, slug: str, section: str, **context: object
) -> HttpResponse:
    s = selectors.site(slug)
    return page(
        request, template, None, "", site=s, public=s.partnership, public_section=section, **context
    )


def home(request: HttpRequest, slug: str) -> HttpResponse:
    s = selectors.site(slug)
    p = s.partnership
    return _page(request, "public/home.html", slug, "home", priorities=selectors.priorities(p),
                 localities=selectors.localities(p))  # fmt: skip


def performance(request: HttpRequest, slug: str) -> HttpResponse:
    s = selectors.site(slug)
    return _page(
        request,
        "public/performance.html",
        slug,
        "performance",
        figures=selectors.performance(s.partnership),
    )


def meetings(request: HttpRequest, slug: str) -> HttpResponse:
    s = selectors.site(slug)
    return _page(
        request,
        "public/meetings.html",
        slug,
        "meetings",
        meetings=selectors.meetings(s.partnership),
    )


def paper(request: HttpRequest, slug: str, meeting_pk: int, paper_pk: int) -> HttpResponse:
    s = selectors.site(slug)
    pa = selectors.paper(s.partnership, meeting_pk, paper_pk)
    resp = HttpResponse(
        storage.read(pa.path, pa.sha256), content_type=pa.content_type or "application/octet-stream"
    )
    resp["Content-Disposition"] = f'attachment; filename="{pa.file_name or "paper"}"'
    return resp


def asb_case_review(request: HttpRequest, slug: str) -> HttpResponse:
    s = selectors.site(slug)
    return _page(
        request,
        "public/asb_case_review.html",
        slug,
        "asb",
        review=selectors.asb_case_review(s.partnership),
    )


def consultation(request: HttpRequest, slug: str) -> HttpResponse:
    s = selectors.site(slug)
    return _page(
        request,
        "public/consultation.html",
        slug,
        "consultation",
        consultations=selectors.consultations(s.partnership),
    )


def contact(request: HttpRequest, slug: str) -> HttpResponse:
    return _page(request, "public/contact.html", slug, "contact")


def accessibility(request: HttpRequest, slug: str) -> HttpResponse:
    return _page(request, "public/accessibility.html", slug, "accessibility")


@login_required
def settings(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_PUBLIC_SITE)
    s = PublicSite.objects.filter(partnership=p).first() or PublicSite(partnership=p)
    form = f.SiteForm(request.POST or None, initial={k: getattr(s, k) for k in services.FIELDS})
    return form_view(
        request, form, p,
        save=lambda d: services.site_update(actor=request.user, partnership=p, **d),
        success="Public pages saved", next_url=reverse("public:settings", args=[p.slug]),
        heading="Public pages", button="Save", section="about",
        intro=(f"The pages are at {request.build_absolute_uri(reverse('public:home', args=[p.slug]))} "
               "when published. They show the current plan, priority localities, performance "
               "(small numbers suppressed), meeting dates and public papers, the ASB Case Review "
               "procedure and figures, published consultation results and your contact details."),
    )  # fmt: skip
