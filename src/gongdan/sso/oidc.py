"""OpenID Connect, authorization code flow with PKCE (S256), state and nonce. Authlib supplies the PKCE
challenge and the ID token claim checks (iss, aud, exp, iat, nonce, azp, at_hash); joserfc, the signature
against the provider's published keys. The discovery document and the keys are cached for a while, and the
keys are fetched again once when a token names a key we do not hold (the provider rotated them)."""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from django.core.cache import cache
from django.utils.translation import gettext as _

from gongdan.sso import outbound
from gongdan.sso.models import IdentityProvider
from gongdan.sso.profiles import ExternalProfile, SignInRefused

if TYPE_CHECKING:
    from joserfc.jwk import KeySet

# authlib and joserfc (0.12 s of a start) are imported by the functions of a sign-in that use them, not when
# the URL map is loaded (decision 0176).

CACHE_SECONDS = 3600
LEEWAY_SECONDS = 60
SIGNING_ALGORITHMS = [
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
]


def _unreachable() -> SignInRefused:
    return SignInRefused("provider_unreachable",
                         _("The identity provider cannot be reached right now. Try again later, or sign in with "
                           "your password."))  # fmt: skip


def _cache_key(provider: IdentityProvider, what: str) -> str:
    digest = hashlib.sha256(f"{provider.issuer}\0{provider.client_id}".encode()).hexdigest()[:16]
    return f"gongdan:sso:{provider.pk}:{digest}:{what}"


def discovery(provider: IdentityProvider) -> dict[str, Any]:
    key = _cache_key(provider, "discovery")
    if (found := cache.get(key)) is not None:
        return dict(found)
    issuer = provider.issuer.rstrip("/")
    try:
        answer = outbound.call("GET", f"{issuer}/.well-known/openid-configuration")
    except outbound.ProviderUnreachable:
        raise _unreachable() from None
    document = answer.data if answer.ok else None
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not isinstance(document, dict) or not all(isinstance(document.get(n), str) for n in needed):
        raise _unreachable()
    if document["issuer"].rstrip("/") != issuer:  # OpenID Connect Discovery §4.3
        raise SignInRefused("issuer_mismatch", _("The identity provider is misconfigured (its issuer differs). "
                                                 "Ask an administrator."))  # fmt: skip
    cache.set(key, document, CACHE_SECONDS)
    return document


def _keys(provider: IdentityProvider, document: dict[str, Any], *, fresh: bool = False) -> KeySet:
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    key = _cache_key(provider, "jwks")
    data = None if fresh else cache.get(key)
    if data is None:
        try:
            answer = outbound.call("GET", document["jwks_uri"])
        except outbound.ProviderUnreachable:
            raise _unreachable() from None
        if not answer.ok or not isinstance(answer.get("keys"), list):
            raise _unreachable()
        data = answer.data
        cache.set(key, data, CACHE_SECONDS)
    try:
        return KeySet.import_key_set(data)
    except (JoseError, ValueError, TypeError):
        raise _unreachable() from None


def new_flow() -> dict[str, str]:
    """What the browser's session keeps between leaving for the provider and coming back."""
    from authlib.common.security import generate_token

    return {"state": generate_token(32), "nonce": generate_token(32), "verifier": generate_token(64)}


def authorization_url(provider: IdentityProvider, flow: dict[str, str], redirect_uri: str) -> str:
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    document = discovery(provider)
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": provider.scopes,
        "state": flow["state"],
        "nonce": flow["nonce"],
        "code_challenge": create_s256_code_challenge(flow["verifier"]),
        "code_challenge_method": "S256",
    }
    endpoint = document["authorization_endpoint"]
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"


def _token(provider: IdentityProvider, document: dict[str, Any], code: str, flow: dict[str, str],
           redirect_uri: str) -> dict[str, Any]:  # fmt: skip
    # client_secret_basic (RFC 6749 §2.3.1: each part form-encoded before joining)
    basic = base64.b64encode(f"{quote(provider.client_id, safe='')}:{quote(provider.client_secret, safe='')}"
                             .encode()).decode()  # fmt: skip
    try:
        answer = outbound.call("POST", document["token_endpoint"], headers={"Authorization": f"Basic {basic}"},
                               form={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                                     "code_verifier": flow["verifier"]})  # fmt: skip
    except outbound.ProviderUnreachable:
        raise _unreachable() from None
    if not answer.ok or not isinstance(answer.get("id_token"), str):
        # invalid_grant: a code used twice, expired, or issued for another verifier
        raise SignInRefused("code_rejected", _("The identity provider did not accept this sign-in (it may have "
                                               "been used already, or taken too long). Please sign in again."))  # fmt: skip
    return dict(answer.data)


def _id_token_claims(provider: IdentityProvider, document: dict[str, Any], id_token: str, flow: dict[str, str],
                     access_token: str) -> dict[str, Any]:  # fmt: skip
    from authlib.oidc.core import CodeIDToken
    from joserfc import jwt
    from joserfc.errors import JoseError

    refused = SignInRefused("bad_id_token", _("The identity provider's answer could not be verified. Please sign "
                                              "in again; if it keeps failing, ask an administrator."))  # fmt: skip
    try:
        token = jwt.decode(id_token, _keys(provider, document), algorithms=SIGNING_ALGORITHMS)
    except (JoseError, ValueError, TypeError):
        try:  # the provider may have rotated its keys since we cached them: fetch them once more
            token = jwt.decode(id_token, _keys(provider, document, fresh=True), algorithms=SIGNING_ALGORITHMS)
        except (JoseError, ValueError, TypeError):
            raise refused from None
    claims = CodeIDToken(
        token.claims, token.header,
        options={"iss": {"essential": True, "value": document["issuer"]},
                 "aud": {"essential": True, "value": provider.client_id}},
        params={"nonce": flow["nonce"], "client_id": provider.client_id, "access_token": access_token},
    )  # fmt: skip
    try:
        claims.validate(leeway=LEEWAY_SECONDS)
    except (JoseError, ValueError, TypeError) as exc:
        if "nonce" in str(exc):
            raise SignInRefused("bad_nonce", refused.message) from None
        raise refused from None
    if claims.get("nonce") != flow["nonce"]:  # we always send one; a token without it is a replay
        raise SignInRefused("bad_nonce", refused.message)
    return dict(claims)


def _userinfo(document: dict[str, Any], access_token: str, subject: str) -> dict[str, Any]:
    endpoint = document.get("userinfo_endpoint")
    if not isinstance(endpoint, str) or not access_token:
        return {}
    try:
        answer = outbound.call("GET", endpoint, headers={"Authorization": f"Bearer {access_token}"})
    except outbound.ProviderUnreachable:
        return {}
    if not answer.ok or answer.get("sub") != subject:  # Core §5.3.2: a different sub is not to be used
        return {}
    return dict(answer.data)


def finish(
    provider: IdentityProvider, *, code: str, flow: dict[str, str], redirect_uri: str
) -> ExternalProfile:
    document = discovery(provider)
    tokens = _token(provider, document, code, flow, redirect_uri)
    access_token = str(tokens.get("access_token") or "")
    claims = _id_token_claims(provider, document, tokens["id_token"], flow, access_token)
    merged = {**_userinfo(document, access_token, str(claims["sub"])), **claims}
    name = (
        merged.get("name")
        or " ".join(str(merged.get(k) or "") for k in ("given_name", "family_name")).strip()
    )
    email = str(merged.get("email") or "") if merged.get("email_verified", True) is not False else ""
    return ExternalProfile(
        subject=str(merged["sub"]), username=str(merged.get("preferred_username") or ""), email=email,
        phone=str(merged.get("phone_number") or ""), display_name=str(name or ""), claims=merged,
    )  # fmt: skip
