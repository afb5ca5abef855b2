from django.urls import path

from saferplaces.web.accounts import views
from saferplaces.web.accounts.sso import views as sso_views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/code/", views.sign_in_code, name="sign-in-code"),
    path("sign-in/organisation/", sso_views.sso_start, name="sso-start"),
    path("sign-in/organisation/callback/", sso_views.sso_callback, name="sso-callback"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("account/", views.account, name="account"),
    path("account/password/", views.password_change, name="password"),
    path("account/two-factor/", views.two_factor, name="two-factor"),
    path("account/two-factor/remove/", views.two_factor_remove, name="two-factor-remove"),
    path("account/tokens/new/", views.token_new, name="token-new"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("invitation/<str:key>/", views.invitation, name="invitation"),
    path("password-reset/", views.password_reset, name="password-reset"),
    path("password-reset/sent/", views.password_reset_sent, name="password-reset-sent"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path("password-reset/done/", views.password_reset_complete, name="password-reset-complete"),
]
