from django.urls import path

from saferplaces.web.public import views as v

P = "public/<slug:slug>/"

app_name = "public"

urlpatterns = [
    path(P, v.home, name="home"),
    path(P + "performance/", v.performance, name="performance"),
    path(P + "meetings/", v.meetings, name="meetings"),
    path(P + "meetings/<int:meeting_pk>/papers/<int:paper_pk>/", v.paper, name="paper"),
    path(P + "asb-case-review/", v.asb_case_review, name="asb-case-review"),
    path(P + "consultation/", v.consultation, name="consultation"),
    path(P + "contact/", v.contact, name="contact"),
    path(P + "accessibility/", v.accessibility, name="accessibility"),
    path("partnerships/<slug:slug>/public-pages/", v.settings, name="settings"),
]
