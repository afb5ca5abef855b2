"""The refresh app's pages (the `refresh:` URL names), included from web/urls.py."""

from django.urls import path

from saferplaces.web.refresh import views

app_name = "refresh"
urlpatterns = [
    path("refresh/", views.status, name="status"),
]
