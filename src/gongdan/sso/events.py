"""The audit kinds single sign-on writes (registered from SsoConfig.ready())."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SSO_SIGN_IN = "sso.sign_in"
SSO_FAILURE = "sso.failure"
SSO_USER_CREATE = "sso.user_create"
SSO_LINK = "sso.link"

KINDS = {
    SSO_SIGN_IN: _("Signed in through an identity provider"),
    SSO_FAILURE: _("Single sign-on refused"),
    SSO_USER_CREATE: _("Account created by single sign-on"),
    SSO_LINK: _("Account linked to an identity provider"),
}
