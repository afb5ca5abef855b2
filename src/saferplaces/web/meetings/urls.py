from django.urls import path

from saferplaces.web.meetings import views as v

P = "partnerships/<slug:slug>/meetings/"
M = P + "<int:pk>/"
I = M + "items/<int:item_pk>/"  # noqa: E741
S = P + "scrutiny/committees/<int:pk>/"
R = P + "scrutiny/recommendations/<int:pk>/"

app_name = "meetings"

urlpatterns = [
    path(P, v.home, name="home"),
    path(P + "calendar.ics", v.calendar, name="calendar"),
    path(P + "scrutiny/", v.scrutiny, name="scrutiny"),
    path(P + "scrutiny/report/", v.scrutiny_report, name="scrutiny-report"),
    path(P + "scrutiny/report.<str:ext>", v.scrutiny_report_download, name="scrutiny-report-file"),
    path(S + "work-programme/new/", v.work_item_new, name="work-item-new"),
    path(S + "recommendations/new/", v.recommendation_new, name="recommendation-new"),
    path(P + "scrutiny/work-programme/<int:pk>/plan/", v.work_item_plan, name="work-item-plan"),
    path(R + "respond/", v.recommendation_respond, name="recommendation-respond"),
    path(R + "carried-out/", v.recommendation_implemented, name="recommendation-implemented"),
    path(P + "bodies/new/", v.body_new, name="body-new"),
    path(P + "bodies/<int:pk>/", v.body_detail, name="body"),
    path(P + "bodies/<int:pk>/members/new/", v.member_new, name="member-new"),
    path(P + "bodies/<int:pk>/meetings/new/", v.meeting_new, name="meeting-new"),
    path(M, v.meeting_detail, name="meeting"),
    path(M + "meeting.ics", v.meeting_ics, name="meeting-ics"),
    path(M + "attendance/", v.attendance, name="attendance"),
    path(M + "items/new/", v.item_new, name="item-new"),
    path(M + "publish/", v.publish, name="publish"),
    path(M + "agenda.pdf", v.agenda_pack, name="agenda-pack"),
    path(M + "papers/<int:paper_pk>/", v.paper_download, name="paper"),
    path(I + "papers/new/", v.paper_new, name="paper-new"),
    path(I + "papers/assessment/", v.paper_assessment, name="paper-assessment"),
    path(I + "minutes/", v.minutes, name="minutes"),
    path(I + "resolutions/new/", v.resolution_new, name="resolution-new"),
]
