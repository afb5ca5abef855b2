"""The partnership app's pages (the `partnerships:` URL names), included from web/urls.py."""

from django.urls import path

from saferplaces.web.partnerships import views as pv

P = "partnerships/<slug:slug>/"

app_name = "partnerships"
urlpatterns = [
    path("partnerships/", pv.partnership_list, name="list"),
    path(P, pv.dashboard, name="dashboard"),
    path(P + "about/", pv.about, name="about"),
    path(P + "districts/", pv.county_rollup, name="county-rollup"),
    path(P + "about/edit/", pv.edit, name="edit"),
    path(P + "about/areas/new/", pv.area_new, name="area-new"),
    path(P + "about/areas/<int:pk>/remove/", pv.area_remove, name="area-remove"),
    path(P + "about/organisations/new/", pv.partner_new, name="partner-new"),
    path(P + "about/organisations/<int:pk>/remove/", pv.partner_remove, name="partner-remove"),
    path(P + "about/partner-plans/new/", pv.partner_plan_new, name="partner-plan-new"),
    path(P + "people/", pv.people, name="people"),
    path(P + "people/new/", pv.member_new, name="member-new"),
    path(P + "people/<int:pk>/remove/", pv.member_remove, name="member-remove"),
    path(P + "people/<int:user_id>/deactivate/", pv.member_deactivate, name="member-deactivate"),
    path(P + "people/<int:user_id>/reactivate/", pv.member_reactivate, name="member-reactivate"),
    path(
        P + "people/invitations/<int:pk>/cancel/",
        pv.invitation_cancel,
        name="invitation-cancel",
    ),
    path(P + "about/type/", pv.kind_edit, name="kind"),
    path(P + "about/county/", pv.county_request, name="county-request"),
    path(P + "about/county/end/", pv.county_end, name="county-end"),
    path(P + "about/county-requests/", pv.county_requests, name="county-requests"),
    path(P + "about/county-requests/<int:pk>/", pv.county_decide, name="county-decide"),
]
