from django.urls import path

from saferplaces.web.notifications import views as v

app_name = "notifications"

urlpatterns = [
    path("notifications/", v.inbox, name="list"),
    path("notifications/read-all/", v.read_all, name="read-all"),
    path("notifications/<int:pk>/read/", v.read, name="read"),
    path("notifications/preferences/", v.preferences, name="preferences"),
    path("notifications/deadlines/", v.deadlines, name="deadlines"),
]
