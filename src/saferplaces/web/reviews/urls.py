from django.urls import path

from saferplaces.web.reviews import views as v

app_name = "reviews"

R = "partnerships/<slug:slug>/statutory-reviews/"
C = R + "<int:pk>/"

urlpatterns = [
    path(R, v.home, name="home"),
    path(R + "new/<str:kind>/", v.case_new, name="case-new"),
    path(R + "settings/", v.review_settings, name="settings"),
    path(R + "asb-figures/<int:year>/", v.annual, name="annual"),
    path(R + "asb-figures/<int:year>.<str:ext>", v.annual, name="annual-download"),
    path(C, v.case_detail, name="case"),
    path(C + "step/<str:name>/", v.step, name="step"),
    path(C + "complaints/new/", v.complaint_new, name="complaint-new"),
    path(C + "extensions/new/", v.extension_new, name="extension-new"),
    path(C + "recommendations/new/", v.recommendation_new, name="recommendation-new"),
    path(C + "recommendations/<int:rid>/action/", v.recommendation_action, name="to-action"),
    path(C + "team/new/", v.member_new, name="member-new"),
    path(C + "team/<int:user_id>/remove/", v.member_remove, name="member-remove"),
    path(C + "redacted.json", v.redacted, name="redacted"),
    path(C + "erase/", v.erase, name="erase"),
]
