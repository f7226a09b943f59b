"""Signing in with DingTalk, Feishu and WeCom accounts, by each platform's documented OAuth flow. Every base
address is configurable (the provider's issuer / API base fields), so a private deployment or a test server
stands in for the platform.

DingTalk: authorize at login.dingtalk.com/oauth2/auth → `authCode` back → POST
  api.dingtalk.com/v1.0/oauth2/userAccessToken {clientId, clientSecret, code, grantType} → GET
  /v1.0/contact/users/me with the x-acs-dingtalk-access-token header.
Feishu: authorize at open.feishu.cn/open-apis/authen/v1/authorize → `code` back → POST
  /open-apis/auth/v3/app_access_token/internal {app_id, app_secret} → POST /open-apis/authen/v1/oidc/access_token
  (Bearer app_access_token) {grant_type, code} → GET /open-apis/authen/v1/user_info (Bearer user_access_token).
WeCom: authorize at open.work.weixin.qq.com/wwopen/sso/qrConnect → `code` back → GET /cgi-bin/gettoken
  ?corpid&corpsecret → GET /cgi-bin/auth/getuserinfo?access_token&code → GET /cgi-bin/user/get?access_token&userid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from gongdan.sso import outbound
from gongdan.sso.models import IdentityProvider, ProviderKind
from gongdan.sso.profiles import ExternalProfile, SignInRefused

DEFAULTS = {
    ProviderKind.DINGTALK: ("https://login.dingtalk.com", "https://api.dingtalk.com"),
    ProviderKind.FEISHU: ("https://open.feishu.cn", "https://open.feishu.cn"),
    ProviderKind.WECOM: ("https://open.work.weixin.qq.com", "https://qyapi.weixin.qq.com"),
}


def _bases(provider: IdentityProvider) -> tuple[str, str]:
    login, api = DEFAULTS[ProviderKind(provider.kind)]
    return (provider.issuer or login).rstrip("/"), (provider.api_base or api).rstrip("/")


def _refused(platform: str) -> SignInRefused:
    return SignInRefused("platform_refused", _("%(platform)s did not confirm who you are. Please sign in again; "
                                               "if it keeps failing, ask an administrator.") % {"platform": platform})  # fmt: skip


def _unreachable(platform: str) -> SignInRefused:
    return SignInRefused("provider_unreachable", _("%(platform)s cannot be reached right now. Try again later, or "
                                                   "sign in with your password.") % {"platform": platform})  # fmt: skip


def _call(platform: str, method: str, url: str, **kwargs: Any) -> outbound.ProviderAnswer:
    try:
        return outbound.call(method, url, **kwargs)
    except outbound.ProviderUnreachable:
        raise _unreachable(platform) from None


def authorization_url(provider: IdentityProvider, state: str, redirect_uri: str) -> str:
    login, _api = _bases(provider)
    if provider.kind == ProviderKind.DINGTALK:
        query = {"redirect_uri": redirect_uri, "response_type": "code", "client_id": provider.client_id,
                 "scope": "openid", "state": state, "prompt": "consent"}  # fmt: skip
        return f"{login}/oauth2/auth?{urlencode(query)}"
    if provider.kind == ProviderKind.FEISHU:
        query = {"app_id": provider.client_id, "redirect_uri": redirect_uri, "state": state}
        return f"{login}/open-apis/authen/v1/authorize?{urlencode(query)}"
    query = {
        "appid": provider.client_id,
        "agentid": provider.agent_id,
        "redirect_uri": redirect_uri,
        "state": state,
    }
    return f"{login}/wwopen/sso/qrConnect?{urlencode(query)}"


def code_from(provider: IdentityProvider, params: Mapping[str, str]) -> str:
    """DingTalk answers with `authCode` (and `code` on some clients); Feishu and WeCom with `code`."""
    if provider.kind == ProviderKind.DINGTALK:
        return params.get("authCode") or params.get("code") or ""
    return params.get("code") or ""


def finish(provider: IdentityProvider, *, code: str) -> ExternalProfile:
    if provider.kind == ProviderKind.DINGTALK:
        return _dingtalk(provider, code)
    if provider.kind == ProviderKind.FEISHU:
        return _feishu(provider, code)
    return _wecom(provider, code)


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return str(value) if isinstance(value, str | int) else ""


def _dingtalk(provider: IdentityProvider, code: str) -> ExternalProfile:
    platform = str(ProviderKind.DINGTALK.label)
    _login, api = _bases(provider)
    token = _call(platform, "POST", f"{api}/v1.0/oauth2/userAccessToken",
                  body={"clientId": provider.client_id, "clientSecret": provider.client_secret, "code": code,
                        "grantType": "authorization_code"})  # fmt: skip
    access_token = token.get("accessToken") if token.ok else None
    if not isinstance(access_token, str) or not access_token:
        raise _refused(platform)
    me = _call(
        platform, "GET", f"{api}/v1.0/contact/users/me", headers={"x-acs-dingtalk-access-token": access_token}
    )
    if not me.ok or not _text(me.data, "unionId"):
        raise _refused(platform)
    data = dict(me.data)
    return ExternalProfile(subject=_text(data, "unionId"), username="", email=_text(data, "email"),
                           phone=_text(data, "mobile"), display_name=_text(data, "nick"), claims=data)  # fmt: skip


def _feishu(provider: IdentityProvider, code: str) -> ExternalProfile:
    platform = str(ProviderKind.FEISHU.label)
    _login, api = _bases(provider)
    app = _call(platform, "POST", f"{api}/open-apis/auth/v3/app_access_token/internal",
                body={"app_id": provider.client_id, "app_secret": provider.client_secret})  # fmt: skip
    app_token = app.get("app_access_token") if app.ok and app.get("code") == 0 else None
    if not isinstance(app_token, str) or not app_token:
        raise _refused(platform)
    user = _call(platform, "POST", f"{api}/open-apis/authen/v1/oidc/access_token",
                 headers={"Authorization": f"Bearer {app_token}"},
                 body={"grant_type": "authorization_code", "code": code})  # fmt: skip
    user_data = user.get("data") if user.ok and user.get("code") == 0 else None
    user_token = user_data.get("access_token") if isinstance(user_data, dict) else None
    if not isinstance(user_token, str) or not user_token:
        raise _refused(platform)
    info = _call(platform, "GET", f"{api}/open-apis/authen/v1/user_info",
                 headers={"Authorization": f"Bearer {user_token}"})  # fmt: skip
    data = info.get("data") if info.ok and info.get("code") == 0 else None
    if not isinstance(data, dict) or not _text(data, "union_id"):
        raise _refused(platform)
    phone = _text(data, "mobile").removeprefix("+86")
    return ExternalProfile(subject=_text(data, "union_id"), username=_text(data, "user_id"),
                           email=_text(data, "enterprise_email") or _text(data, "email"), phone=phone,
                           display_name=_text(data, "name"), claims=dict(data))  # fmt: skip


def _wecom(provider: IdentityProvider, code: str) -> ExternalProfile:
    platform = str(ProviderKind.WECOM.label)
    _login, api = _bases(provider)
    token = _call(platform, "GET", f"{api}/cgi-bin/gettoken",
                  query={"corpid": provider.client_id, "corpsecret": provider.client_secret})  # fmt: skip
    access_token = token.get("access_token") if token.ok and token.get("errcode") == 0 else None
    if not isinstance(access_token, str) or not access_token:
        raise _refused(platform)
    who = _call(
        platform, "GET", f"{api}/cgi-bin/auth/getuserinfo", query={"access_token": access_token, "code": code}
    )
    if not who.ok or who.get("errcode") != 0:
        raise _refused(platform)
    userid = _text(who.data, "userid")
    if not userid:  # an `openid` only: someone outside the company
        raise SignInRefused("not_a_member", _("Only members of the company's WeCom can sign in here."))
    user = _call(
        platform, "GET", f"{api}/cgi-bin/user/get", query={"access_token": access_token, "userid": userid}
    )
    data = dict(user.data) if user.ok and user.get("errcode") == 0 else {"userid": userid}
    return ExternalProfile(subject=userid, username=userid, email=_text(data, "biz_mail") or _text(data, "email"),
                           phone=_text(data, "mobile"), display_name=_text(data, "name"), claims=data)  # fmt: skip
