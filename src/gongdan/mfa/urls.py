"""/login/verify/ (the second step), /account/two-factor/ (one's own factors), /security/two-factor/ (the
security administrator's policy and resets)."""

from django.urls import path

from gongdan.mfa import views

app_name = "mfa"

urlpatterns = [
    path("login/verify/", views.verify, name="verify"),
    path("login/verify/passkey/options/", views.verify_passkey_options, name="verify_passkey_options"),
    path("login/verify/passkey/", views.verify_passkey, name="verify_passkey"),
    path("account/two-factor/", views.enrol, name="enrol"),
    path("account/two-factor/app/", views.totp_setup, name="totp_setup"),
    path("account/two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("account/two-factor/recovery-codes/new/", views.fresh_codes, name="fresh_codes"),
    path("account/two-factor/passkeys/options/", views.passkey_options, name="passkey_options"),
    path("account/two-factor/passkeys/", views.passkey_add, name="passkey_add"),
    path("account/two-factor/remove/", views.remove, name="remove"),
    path("security/two-factor/", views.policy, name="policy"),
    path("security/two-factor/users/<int:pk>/reset/", views.reset, name="reset"),
]
