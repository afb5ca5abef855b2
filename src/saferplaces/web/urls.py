from django.urls import include, path

from saferplaces.web import views_outputs as out
from saferplaces.web.api import api
from saferplaces.web.audit import views as audit_views
from saferplaces.web.partnerships import views as pv
from saferplaces.web.performance import views as perf
from saferplaces.web.plans import views as plans

handler403 = "saferplaces.web.core.views.permission_denied"
handler404 = "saferplaces.web.core.views.page_not_found"
handler500 = "saferplaces.web.core.views.server_error"

P = "partnerships/<slug:slug>/"

partnership_urls = (
    [
        path("partnerships/", pv.partnership_list, name="list"),
        path(P, pv.dashboard, name="dashboard"),
        path(P + "about/", pv.about, name="about"),
        path(P + "about/edit/", pv.edit, name="edit"),
        path(P + "about/areas/new/", pv.area_new, name="area-new"),
        path(P + "about/areas/<int:pk>/remove/", pv.area_remove, name="area-remove"),
        path(P + "about/organisations/new/", pv.partner_new, name="partner-new"),
        path(P + "about/organisations/<int:pk>/remove/", pv.partner_remove, name="partner-remove"),
        path(P + "about/meetings/new/", pv.meeting_new, name="meeting-new"),
        path(P + "about/partner-plans/new/", pv.partner_plan_new, name="partner-plan-new"),
        path(P + "people/", pv.people, name="people"),
        path(P + "people/new/", pv.member_new, name="member-new"),
        path(P + "people/<int:pk>/remove/", pv.member_remove, name="member-remove"),
        path(
            P + "people/<int:user_id>/deactivate/", pv.member_deactivate, name="member-deactivate"
        ),
        path(
            P + "people/<int:user_id>/reactivate/", pv.member_reactivate, name="member-reactivate"
        ),
        path(
            P + "people/invitations/<int:pk>/cancel/",
            pv.invitation_cancel,
            name="invitation-cancel",
        ),
        path(P + "about/type/", pv.kind_edit, name="kind"),
        path(P + "about/county/", pv.county_request, name="county-request"),
        path(P + "about/county/end/", pv.county_end, name="county-end"),
        path(P + "about/county-requests/", pv.county_requests, name="county-requests"),
        path(P + "about/county-requests/<int:pk>/", pv.county_decide, name="county-decide"),
    ],
    "partnerships",
)

plan_urls = (
    [
        path(P + "plan/", plans.plan, name="plan"),
        path(P + "plan/priorities/new/", plans.priority_new, name="priority-new"),
        path(P + "plan/priorities/<int:pk>/edit/", plans.priority_edit, name="priority-edit"),
        path(P + "plan/archived/", plans.archived, name="archived"),
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

performance_urls = (
    [
        path(P + "performance/", perf.indicator_list, name="list"),
        path(P + "performance/new/", perf.indicator_new, name="indicator-new"),
        path(P + "performance/refresh/", perf.refresh, name="refresh"),
        path(P + "performance/<int:pk>/", perf.indicator_detail, name="indicator"),
        path(P + "performance/<int:pk>/edit/", perf.indicator_edit, name="indicator-edit"),
        path(P + "performance/<int:pk>/values/new/", perf.value_new, name="value-new"),
        path(P + "performance/<int:pk>/archive/", perf.indicator_archive, name="indicator-archive"),
        path(P + "performance/<int:pk>/restore/", perf.indicator_restore, name="indicator-restore"),
    ],
    "performance",
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
    path("", include(partnership_urls)),
    path("", include(plan_urls)),
    path("", include(performance_urls)),
    path("", include(output_urls)),
    path("api/", api.urls),
]
