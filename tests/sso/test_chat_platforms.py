"""DingTalk, Feishu and WeCom sign-in by their documented OAuth flows, against a local HTTP server of ours
that plays each platform: it checks every documented parameter, header and body of each request and answers
the documented JSON, and answers a wrong one the way the platform does (an error code, no token)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from gongdan.accounts.models import Role, User
from gongdan.audit.models import AuditEntry
from gongdan.sso.models import ProviderKind
from gongdan.sso.services import provider_create, rule_create
from tests.factories import TeamFactory, UserFactory
from tests.sso.conftest import query_of

pytestmark = pytest.mark.django_db

APP_KEY, APP_SECRET = "ding-app-key", "ding-app-secret"
FEISHU_ID, FEISHU_SECRET = "cli_a1b2c3", "feishu-secret"
CORP_ID, CORP_SECRET, AGENT_ID = "ww1234567890", "wecom-secret", "1000002"
GOOD_CODE = "the-one-good-code"


class Platform(BaseHTTPRequestHandler):
    """One server for the three platforms' APIs (their paths do not overlap)."""

    calls: list[tuple[str, str]]

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, data: dict[str, Any], status: int = 200) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json_body(self) -> dict[str, Any]:
        assert self.headers["Content-Type"].startswith("application/json")
        return dict(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        self.server.calls.append(("POST", path))  # type: ignore[attr-defined]
        body = self._json_body()
        if path == "/v1.0/oauth2/userAccessToken":  # DingTalk
            if body == {"clientId": APP_KEY, "clientSecret": APP_SECRET, "code": GOOD_CODE,
                        "grantType": "authorization_code"}:  # fmt: skip
                return self._answer({"accessToken": "ding-user-token", "refreshToken": "r", "expireIn": 7200,
                                     "corpId": "ding-corp"})  # fmt: skip
            return self._answer({"code": "invalidAuthCode", "message": "不合法的临时授权码"}, 400)
        if path == "/open-apis/auth/v3/app_access_token/internal":  # Feishu
            if body == {"app_id": FEISHU_ID, "app_secret": FEISHU_SECRET}:
                return self._answer({"code": 0, "msg": "ok", "app_access_token": "t-app", "expire": 7200})
            return self._answer({"code": 10014, "msg": "app secret invalid"})
        if path == "/open-apis/authen/v1/oidc/access_token":
            if self.headers["Authorization"] == "Bearer t-app" and body == {"grant_type": "authorization_code",
                                                                            "code": GOOD_CODE}:  # fmt: skip
                return self._answer({"code": 0, "msg": "success", "data": {
                    "access_token": "u-user", "token_type": "Bearer", "expires_in": 6900, "refresh_token": "ur",
                    "scope": "auth:user.id:read"}})  # fmt: skip
            return self._answer({"code": 20003, "msg": "invalid code"})
        self._answer({"error": "not found"}, 404)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.server.calls.append(("GET", parts.path))  # type: ignore[attr-defined]
        if parts.path == "/v1.0/contact/users/me":  # DingTalk
            if self.headers["x-acs-dingtalk-access-token"] == "ding-user-token":
                return self._answer({"nick": "钉钉小王", "unionId": "ding-union-1", "openId": "ding-open-1",
                                     "mobile": "13800000001", "stateCode": "86", "email": "wang@example.test"})  # fmt: skip
            return self._answer({"code": "InvalidAuthentication", "message": "token invalid"}, 401)
        if parts.path == "/open-apis/authen/v1/user_info":  # Feishu
            if self.headers["Authorization"] == "Bearer u-user":
                return self._answer({"code": 0, "msg": "success", "data": {
                    "name": "飞书小李", "en_name": "Li", "open_id": "ou_1", "union_id": "on_1", "user_id": "li",
                    "email": "li@example.test", "enterprise_email": "", "mobile": "+8613800000002",
                    "tenant_key": "t1"}})  # fmt: skip
            return self._answer({"code": 99991663, "msg": "invalid access token"})
        if parts.path == "/cgi-bin/gettoken":  # WeCom
            if query == {"corpid": CORP_ID, "corpsecret": CORP_SECRET}:
                return self._answer(
                    {"errcode": 0, "errmsg": "ok", "access_token": "wecom-token", "expires_in": 7200}
                )
            return self._answer({"errcode": 40001, "errmsg": "invalid credential"})
        if parts.path == "/cgi-bin/auth/getuserinfo":
            if query == {"access_token": "wecom-token", "code": GOOD_CODE}:
                return self._answer({"errcode": 0, "errmsg": "ok", "userid": "zhangsan", "user_ticket": "tk"})
            if query == {"access_token": "wecom-token", "code": "outsider"}:
                return self._answer({"errcode": 0, "errmsg": "ok", "openid": "o-outsider"})
            return self._answer({"errcode": 40029, "errmsg": "invalid code"})
        if parts.path == "/cgi-bin/user/get":
            if query == {"access_token": "wecom-token", "userid": "zhangsan"}:
                return self._answer({"errcode": 0, "errmsg": "ok", "userid": "zhangsan", "name": "张三",
                                     "department": [2], "mobile": "13800000003", "email": "zhang@example.test"})  # fmt: skip
            return self._answer({"errcode": 60111, "errmsg": "userid not found"})
        self._answer({"error": "not found"}, 404)


@pytest.fixture(scope="module")
def platform() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Platform)
    server.calls = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.fixture
def base(platform) -> str:
    platform.calls.clear()  # type: ignore[attr-defined]
    return f"http://127.0.0.1:{platform.server_address[1]}"


def _provider(kind: str, base: str, **values: Any):
    secrets = {ProviderKind.DINGTALK: (APP_KEY, APP_SECRET), ProviderKind.FEISHU: (FEISHU_ID, FEISHU_SECRET),
               ProviderKind.WECOM: (CORP_ID, CORP_SECRET)}[ProviderKind(kind)]  # fmt: skip
    fields = {"name": f"{kind} 登录", "name_en": kind.title(), "slug": kind, "issuer": f"{base}/login", "api_base": base,
                  "client_id": secrets[0], "client_secret": secrets[1], "is_enabled": True, "create_users": True}  # fmt: skip
    if kind == ProviderKind.WECOM:
        fields["agent_id"] = AGENT_ID
    fields.update(values)
    return provider_create(actor=None, kind=kind, **fields)


def _start(client, slug: str) -> tuple[str, dict[str, str]]:
    response = client.get(f"/sso/{slug}/start/")
    assert response.status_code == 302
    return response["Location"], query_of(response["Location"])


def test_dingtalk_sign_in_follows_the_documented_flow(client, base, platform):
    provider = _provider(ProviderKind.DINGTALK, base)
    team = TeamFactory(name="现场")
    rule_create(actor=None, provider=provider, claim="stateCode", operator="equals", value="86", role=Role.AGENT,
                team=team)  # fmt: skip
    location, query = _start(client, "dingtalk")
    assert location.startswith(f"{base}/login/oauth2/auth?")
    assert query == {"redirect_uri": "http://testserver/sso/dingtalk/callback/", "response_type": "code",
                     "client_id": APP_KEY, "scope": "openid", "state": query["state"], "prompt": "consent"}  # fmt: skip
    response = client.get("/sso/dingtalk/callback/", {"authCode": GOOD_CODE, "state": query["state"]})
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(external_identities__subject="ding-union-1")
    assert (user.display_name, user.phone, user.email, user.role) == ("钉钉小王", "13800000001", "wang@example.test",
                                                                      Role.AGENT)  # fmt: skip
    assert [c[1] for c in platform.calls] == ["/v1.0/oauth2/userAccessToken", "/v1.0/contact/users/me"]


def test_feishu_sign_in_follows_the_documented_flow(client, base, platform):
    _provider(ProviderKind.FEISHU, base)
    location, query = _start(client, "feishu")
    assert location.startswith(f"{base}/login/open-apis/authen/v1/authorize?")
    assert query == {"app_id": FEISHU_ID, "redirect_uri": "http://testserver/sso/feishu/callback/",
                     "state": query["state"]}  # fmt: skip
    response = client.get("/sso/feishu/callback/", {"code": GOOD_CODE, "state": query["state"]})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    user = User.objects.get(external_identities__subject="on_1")
    assert (user.username, user.display_name, user.phone, user.email) == ("li", "飞书小李", "13800000002",
                                                                          "li@example.test")  # fmt: skip
    assert [c[1] for c in platform.calls] == ["/open-apis/auth/v3/app_access_token/internal",
                                               "/open-apis/authen/v1/oidc/access_token", "/open-apis/authen/v1/user_info"]  # fmt: skip


def test_wecom_sign_in_follows_the_documented_flow(client, base, platform):
    _provider(ProviderKind.WECOM, base)
    location, query = _start(client, "wecom")
    assert location.startswith(f"{base}/login/wwopen/sso/qrConnect?")
    assert query == {"appid": CORP_ID, "agentid": AGENT_ID, "redirect_uri": "http://testserver/sso/wecom/callback/",
                     "state": query["state"]}  # fmt: skip
    response = client.get("/sso/wecom/callback/", {"code": GOOD_CODE, "state": query["state"]})
    assert response.status_code == 302
    user = User.objects.get(external_identities__subject="zhangsan")
    assert (user.username, user.display_name, user.phone) == ("zhangsan", "张三", "13800000003")
    assert [c[1] for c in platform.calls] == [
        "/cgi-bin/gettoken",
        "/cgi-bin/auth/getuserinfo",
        "/cgi-bin/user/get",
    ]


def test_an_existing_account_is_found_by_its_mobile_number_when_the_admin_chose_so(client, base):
    _provider(ProviderKind.DINGTALK, base, match_existing_by="phone", create_users=False)
    agent = UserFactory(username="wang", role="agent", phone="13800000001")
    _location, query = _start(client, "dingtalk")
    assert (
        client.get("/sso/dingtalk/callback/", {"authCode": GOOD_CODE, "state": query["state"]}).status_code
        == 302
    )
    assert client.session["_auth_user_id"] == str(agent.pk)


@pytest.mark.parametrize("kind", [ProviderKind.DINGTALK, ProviderKind.FEISHU, ProviderKind.WECOM])
def test_a_code_the_platform_rejects_signs_nobody_in(client, base, kind):
    _provider(kind, base)
    _location, query = _start(client, kind)
    param = "authCode" if kind == ProviderKind.DINGTALK else "code"
    response = client.get(f"/sso/{kind}/callback/", {param: "forged", "state": query["state"]})
    assert response.status_code == 400
    assert "did not confirm who you are" in response.content.decode()
    assert not User.objects.filter(external_identities__isnull=False).exists()
    assert AuditEntry.objects.filter(kind="sso.failure", detail__reason="platform_refused").exists()


@pytest.mark.parametrize("kind", [ProviderKind.DINGTALK, ProviderKind.FEISHU, ProviderKind.WECOM])
def test_a_wrong_app_secret_is_refused(client, base, kind):
    _provider(kind, base, client_secret="wrong")
    _location, query = _start(client, kind)
    param = "authCode" if kind == ProviderKind.DINGTALK else "code"
    assert (
        client.get(f"/sso/{kind}/callback/", {param: GOOD_CODE, "state": query["state"]}).status_code == 400
    )


def test_someone_outside_the_wecom_company_is_refused(client, base):
    _provider(ProviderKind.WECOM, base)
    _location, query = _start(client, "wecom")
    response = client.get("/sso/wecom/callback/", {"code": "outsider", "state": query["state"]})
    assert response.status_code == 403
    assert "Only members of the company" in response.content.decode()


def test_a_platform_that_does_not_answer_is_a_clear_error(client, base):
    from tests.sso.conftest import free_port

    _provider(ProviderKind.FEISHU, base, api_base=f"http://127.0.0.1:{free_port()}")
    _location, query = _start(client, "feishu")
    response = client.get("/sso/feishu/callback/", {"code": GOOD_CODE, "state": query["state"]})
    assert response.status_code == 502
    assert "cannot be reached" in response.content.decode()


def test_a_callback_without_a_code_or_with_the_wrong_state_is_refused(client, base):
    _provider(ProviderKind.DINGTALK, base)
    _location, query = _start(client, "dingtalk")
    assert client.get("/sso/dingtalk/callback/", {"authCode": GOOD_CODE, "state": "other"}).status_code == 400
    _location, query = _start(client, "dingtalk")
    response = client.get("/sso/dingtalk/callback/", {"state": query["state"]})
    assert response.status_code == 400
    assert "no sign-in code" in response.content.decode()


def test_a_person_with_a_second_factor_still_gives_it_after_signing_in_through_a_provider(
    client, base, settings
):
    from tests.mfa.conftest import enrol_totp

    settings.GONGDAN_MFA_ENFORCED = True
    _provider(ProviderKind.DINGTALK, base, match_existing_by="phone", create_users=False)
    agent = UserFactory(username="wang", role="agent", phone="13800000001")
    enrol_totp(agent)
    _location, query = _start(client, "dingtalk")
    response = client.get("/sso/dingtalk/callback/", {"authCode": GOOD_CODE, "state": query["state"]})
    assert response.status_code == 302 and response["Location"] == "/login/verify/"
    assert "_auth_user_id" not in client.session  # nobody is signed in before the second step
