"""The site's URLs. Each app keeps its pages in <app>/urls.py (with its namespace, e.g.
`partnerships:`), included here; the plan pages and the shared outputs (pack, exports, imports,
audit log) are still listed here."""

from django.urls import include, path

from saferplaces.web import views_outputs as out
from saferplaces.web.api import api
from saferplaces.web.audit import views as audit_views
from saferplaces.web.plans import views as plans

handler403 = "saferplaces.web.core.views.permission_denied"
handler404 = "saferplaces.web.core.views.page_not_found"
handler500 = "saferplaces.web.core.views.server_error"

P = "partnerships/<slug:slug>/"

plan_urls = (
    [
        path(P + "plan/", plans.plan, name="plan"),
        path(P + "plan/priorities/new/", plans.priority_new, name="priority-new"),
        path(P + "plan/priorities/<int:pk>/edit/", plans.priority_edit, name="priority-edit"),
        path(P + "plan/archived/", plans.archived, name="archived"),
        path(P + "plan/periods/", plans.periods, name="periods"),
        path(P + "plan/periods/new/", plans.period_new, name="period-new"),
        path(P + "plan/periods/<int:pk>/", plans.period_detail, name="period"),
        path(P + "plan/periods/<int:pk>/versions/new/", plans.version_new, name="version-new"),
        path(P + "plan/versions/<int:pk>/", plans.version_stages, name="version"),
        path(
            P + "plan/priorities/<int:pk>/archive/", plans.priority_archive, name="priority-archive"
        ),
        path(
            P + "plan/priorities/<int:pk>/restore/", plans.priority_restore, name="priority-restore"
        ),
        path(P + "plan/localities/new/", plans.locality_new, name="locality-new"),
        path(P + "plan/localities/<int:pk>/edit/", plans.locality_edit, name="locality-edit"),
        path(
            P + "plan/localities/<int:pk>/archive/", plans.locality_archive, name="locality-archive"
        ),
        path(
            P + "plan/localities/<int:pk>/restore/", plans.locality_restore, name="locality-restore"
        ),
        path("my-actions/", plans.my_actions, name="my-actions"),
        path(P + "work-plan/", plans.workplan, name="workplan"),
        path(P + "work-plan/new/", plans.action_new, name="action-new"),
        path(P + "work-plan/<int:pk>/", plans.action_detail, name="action"),
        path(P + "work-plan/<int:pk>/edit/", plans.action_edit, name="action-edit"),
        path(P + "work-plan/<int:pk>/update/", plans.action_update, name="action-update"),
        path(P + "work-plan/<int:pk>/archive/", plans.action_archive, name="action-archive"),
        path(P + "work-plan/<int:pk>/restore/", plans.action_restore, name="action-restore"),
        path(P + "reviews/", plans.reviews, name="reviews"),
        path(P + "reviews/new/", plans.review_new, name="review-new"),
        path(P + "reviews/<int:pk>/", plans.review_detail, name="review"),
        path(P + "assessments/", plans.assessments, name="assessments"),
        path(P + "assessments/run/", plans.assessment_run, name="assessment-run"),
        path(P + "assessments/upload/", plans.assessment_upload, name="assessment-upload"),
        path(P + "assessments/<int:pk>/", plans.assessment_detail, name="assessment"),
        path(P + "assessments/<int:pk>/report/", plans.assessment_report, name="assessment-report"),
        path(P + "assessments/<int:pk>/adopt/", plans.assessment_adopt, name="assessment-adopt"),
    ],
    "plans",
)

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
    path("", include(plan_urls)),
    path("", include("saferplaces.web.performance.urls")),
    path("", include(output_urls)),
    path("", include("saferplaces.web.meetings.urls")),
    path("api/", api.urls),
]
