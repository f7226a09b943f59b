"""The buttons single sign-on adds to the sign-in page, one per enabled redirect provider."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from gongdan.accounts.sign_in_options import SignInOption
from gongdan.sso.models import ProviderKind
from gongdan.sso.selectors import sign_in_buttons

ICONS = {ProviderKind.OIDC: "ti-key", ProviderKind.DINGTALK: "ti-brand-dingtalk", ProviderKind.FEISHU: "ti-send",
         ProviderKind.WECOM: "ti-brand-wechat"}  # fmt: skip


def buttons(request: HttpRequest) -> list[SignInOption]:
    target = request.GET.get("next", "")
    suffix = f"?{urlencode({'next': target})}" if target else ""
    return [
        SignInOption(
            label=_("Sign in with %(name)s") % {"name": provider.label},
            url=reverse("sso:start", args=[provider.slug]) + suffix,
            icon=ICONS.get(ProviderKind(provider.kind), "ti-login"),
        )
        for provider in sign_in_buttons()
    ]
