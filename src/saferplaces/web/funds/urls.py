from django.urls import path

from saferplaces.web.funds import views as v

P = "partnerships/<slug:slug>/funds/"
S = P + "<int:pk>/"

app_name = "funds"

urlpatterns = [
    path(P, v.home, name="home"),
    path(P + "new/", v.stream_new, name="stream-new"),
    path(S, v.stream_detail, name="stream"),
    path(S + "archive/", v.stream_archive, name="stream-archive"),
    path(S + "amounts/new/", v.amount_new, name="amount-new"),
    path(S + "allocations/new/", v.allocation_new, name="allocation-new"),
    path(S + "allocations/<int:alloc_pk>/", v.allocation_detail, name="allocation"),
    path(S + "lines/new/", v.line_new, name="line-new"),
    path(S + "lines/<int:line_pk>/archive/", v.line_archive, name="line-archive"),
    path(S + "entries/new/", v.entry_new, name="entry-new"),
    path(S + "entries/<int:entry_pk>/archive/", v.entry_archive, name="entry-archive"),
    path(S + "approve/", v.plan_approve, name="plan-approve"),
    path(S + "decisions/new/", v.decision_new, name="decision-new"),
    path(S + "returns/new/", v.return_new, name="return-new"),
    path(S + "returns/<int:ret_pk>/", v.return_detail, name="return"),
    path(S + "returns/<int:ret_pk>/return.<str:ext>", v.return_download, name="return-file"),
    path(S + "evaluations/new/", v.evaluation_new, name="evaluation-new"),
]
