from django.urls import path

from saferplaces.web.consultation import views as v

P = "partnerships/<slug:slug>/consultation/"
C = P + "<int:pk>/"

app_name = "consultation"

urlpatterns = [
    path(P, v.home, name="home"),
    path(P + "new/", v.new, name="new"),
    path(C, v.detail, name="detail"),
    path(C + "edit/", v.edit, name="edit"),
    path(C + "upload/", v.upload, name="upload"),
    path(C + "upload/<int:batch_pk>/", v.mapping, name="mapping"),
    path(C + "publish/", v.publish, name="publish"),
    path(C + "public-concern.csv", v.priority_inputs, name="priority-inputs"),
    path(C + "questions/<int:q_pk>/themes/new/", v.theme_new, name="theme-new"),
    path(C + "questions/<int:q_pk>/themes/<int:t_pk>/", v.theme_edit, name="theme-edit"),
    path(C + "you-said/new/", v.you_said_new, name="you-said-new"),
    path(C + "you-said/<int:y_pk>/archive/", v.you_said_archive, name="you-said-archive"),
]
