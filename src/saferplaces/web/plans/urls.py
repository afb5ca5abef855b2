"""The plans app's pages (the `plans:` URL names): the plan, its periods and versions,
localities, the work plan, reviews and assessments. Included from web/urls.py."""

from django.urls import path

from saferplaces.web.plans import views as pv

P = "partnerships/<slug:slug>/"

app_name = "plans"
urlpatterns = [
    path(P + "plan/", pv.plan, name="plan"),
    path(P + "plan/priorities/new/", pv.priority_new, name="priority-new"),
    path(P + "plan/priorities/<int:pk>/edit/", pv.priority_edit, name="priority-edit"),
    path(P + "plan/archived/", pv.archived, name="archived"),
    path(P + "plan/periods/", pv.periods, name="periods"),
    path(P + "plan/periods/new/", pv.period_new, name="period-new"),
    path(P + "plan/periods/<int:pk>/", pv.period_detail, name="period"),
    path(P + "plan/periods/<int:pk>/versions/new/", pv.version_new, name="version-new"),
    path(P + "plan/versions/<int:pk>/", pv.version_stages, name="version"),
    path(P + "plan/priorities/<int:pk>/archive/", pv.priority_archive, name="priority-archive"),
    path(P + "plan/priorities/<int:pk>/restore/", pv.priority_restore, name="priority-restore"),
    path(P + "plan/localities/new/", pv.locality_new, name="locality-new"),
    path(P + "plan/localities/<int:pk>/edit/", pv.locality_edit, name="locality-edit"),
    path(P + "plan/localities/<int:pk>/archive/", pv.locality_archive, name="locality-archive"),
    path(P + "plan/localities/<int:pk>/restore/", pv.locality_restore, name="locality-restore"),
    path("my-actions/", pv.my_actions, name="my-actions"),
    path(P + "work-plan/", pv.workplan, name="workplan"),
    path(P + "work-plan/new/", pv.action_new, name="action-new"),
    path(P + "work-plan/<int:pk>/", pv.action_detail, name="action"),
    path(P + "work-plan/<int:pk>/edit/", pv.action_edit, name="action-edit"),
    path(P + "work-plan/<int:pk>/update/", pv.action_update, name="action-update"),
    path(P + "work-plan/<int:pk>/archive/", pv.action_archive, name="action-archive"),
    path(P + "work-plan/<int:pk>/restore/", pv.action_restore, name="action-restore"),
    path(P + "reviews/", pv.reviews, name="reviews"),
    path(P + "reviews/new/", pv.review_new, name="review-new"),
    path(P + "reviews/<int:pk>/", pv.review_detail, name="review"),
    path(P + "assessments/", pv.assessments, name="assessments"),
    path(P + "assessments/run/", pv.assessment_run, name="assessment-run"),
    path(P + "assessments/upload/", pv.assessment_upload, name="assessment-upload"),
    path(P + "assessments/<int:pk>/", pv.assessment_detail, name="assessment"),
    path(P + "assessments/<int:pk>/report/", pv.assessment_report, name="assessment-report"),
    path(P + "assessments/<int:pk>/adopt/", pv.assessment_adopt, name="assessment-adopt"),
]
