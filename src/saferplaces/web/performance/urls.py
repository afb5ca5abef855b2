"""The performance app's pages (the `performance:` URL names), included from web/urls.py."""

from django.urls import path

from saferplaces.web.performance import views as perf

P = "partnerships/<slug:slug>/"

app_name = "performance"
urlpatterns = [
    path(P + "performance/", perf.indicator_list, name="list"),
    path(P + "performance/new/", perf.indicator_new, name="indicator-new"),
    path(P + "performance/refresh/", perf.refresh, name="refresh"),
    path(P + "performance/<int:pk>/", perf.indicator_detail, name="indicator"),
    path(P + "performance/<int:pk>/edit/", perf.indicator_edit, name="indicator-edit"),
    path(P + "performance/<int:pk>/values/new/", perf.value_new, name="value-new"),
    path(P + "performance/<int:pk>/archive/", perf.indicator_archive, name="indicator-archive"),
    path(P + "performance/<int:pk>/restore/", perf.indicator_restore, name="indicator-restore"),
]
