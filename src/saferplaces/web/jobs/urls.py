"""Jobs pages, in the `jobs:` namespace. Included from web/urls.py."""

from django.urls import path

from saferplaces.web.jobs import views

app_name = "jobs"
P = "partnerships/<slug:slug>/jobs/"

urlpatterns = [
    path(P, views.job_list, name="list"),
    path(P + "pack/", views.pack_start, name="pack-start"),
    path(P + "<int:pk>/", views.job_detail, name="detail"),
    path(P + "<int:pk>/progress/", views.job_progress, name="progress"),
    path(P + "<int:pk>/files/<str:name>", views.job_file, name="file"),
]
