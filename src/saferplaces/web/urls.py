"""The site's URLs. Each app keeps its pages in <app>/urls.py (with its namespace, e.g.
`partnerships:`), included here; the shared outputs (pack, exports, imports, audit log) are
listed here."""

from django.urls import include, path

from saferplaces.web import views_outputs as out
from saferplaces.web.api import api
from saferplaces.web.audit import views as audit_views

handler403 = "saferplaces.web.core.views.permission_denied"
handler404 = "saferplaces.web.core.views.page_not_found"
handler500 = "saferplaces.web.core.views.server_error"

P = "partnerships/<slug:slug>/"

output_urls = (
    [
        path(P + "pack/", out.pack_page, name="pack"),
        path(P + "pack/download.<str:ext>", out.pack_download, name="pack-download"),
        path(P + "export/<str:what>.<str:ext>", out.export, name="export"),
        path(P + "import/", out.import_start, name="import"),
        path(P + "import/<int:pk>/", out.import_preview, name="import-preview"),
        path(P + "import/<int:pk>/confirm/", out.import_confirm, name="import-confirm"),
        path(P + "audit/", audit_views.audit_log, name="audit"),
    ],
    "outputs",
)

urlpatterns = [
    path("", include("saferplaces.web.core.urls")),
    path("", include("saferplaces.web.accounts.urls")),
    path("", include("saferplaces.web.partnerships.urls")),
    path("", include("saferplaces.web.plans.urls")),
    path("", include("saferplaces.web.performance.urls")),
    path("", include(output_urls)),
    path("", include("saferplaces.web.meetings.urls")),
    path("", include("saferplaces.web.funds.urls")),
    path("", include("saferplaces.web.consultation.urls")),
    path("", include("saferplaces.web.public.urls")),
    path("", include("saferplaces.web.refresh.urls")),
    path("", include("saferplaces.web.notifications.urls")),
    path("", include("saferplaces.web.jobs.urls")),
    path("", include("saferplaces.web.reviews.urls")),
    path("api/", api.urls),
]
