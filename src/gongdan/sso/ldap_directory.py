"""Checking a password against an LDAP directory or Active Directory with ldap3 (pure Python): either search
for the person with a service account and bind as what was found, or bind directly with a DN template
(`uid={username},ou=people,…`, or `{username}@example.com` for AD). Groups come from `memberOf` and, when a
group search base is set, from groups that list the person as member / uniqueMember / memberUid."""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import urlsplit

import ldap3
from ldap3.core.exceptions import LDAPBindError, LDAPException, LDAPSocketOpenError
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from gongdan.sso.models import IdentityProvider
from gongdan.sso.profiles import ExternalProfile

ATTRIBUTES = ["cn", "displayName", "mail", "mobile", "telephoneNumber", "memberOf", "uid", "sAMAccountName",
              "userPrincipalName"]  # fmt: skip
MAX_GROUPS = 500


class DirectoryUnreachable(Exception):
    """The directory did not answer, or the service account could not bind: nobody can be checked."""


def _server(provider: IdentityProvider) -> ldap3.Server:
    parts = urlsplit(provider.server_uri)
    use_ssl = parts.scheme.lower() == "ldaps"
    tls = None
    if use_ssl or provider.start_tls:
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED if provider.tls_verify else ssl.CERT_NONE,
                        ca_certs_data=provider.ca_certificate or None)  # fmt: skip
    return ldap3.Server(parts.hostname or "", port=parts.port or (636 if use_ssl else 389), use_ssl=use_ssl,
                        tls=tls, connect_timeout=provider.timeout_seconds, get_info=ldap3.NONE)  # fmt: skip


def _connection(provider: IdentityProvider, user: str | None, password: str | None) -> ldap3.Connection:
    """Bound, or LDAPBindError for wrong credentials, or DirectoryUnreachable."""
    connection = ldap3.Connection(_server(provider), user=user, password=password, auto_bind=ldap3.AUTO_BIND_NONE,
                                  receive_timeout=provider.timeout_seconds, raise_exceptions=False,
                                  read_only=True)  # fmt: skip
    try:
        connection.open()
        if provider.start_tls and not connection.start_tls():
            raise DirectoryUnreachable("StartTLS refused")
        if not connection.bind():
            connection.unbind()
            raise LDAPBindError(connection.result.get("description", "bind failed"))
    except LDAPBindError:
        raise
    except (LDAPSocketOpenError, LDAPException, OSError, ssl.SSLError) as exc:
        raise DirectoryUnreachable(type(exc).__name__) from exc
    return connection


def _first(values: Any) -> str:
    if isinstance(values, list):
        return str(values[0]) if values else ""
    return str(values or "")


def _groups(connection: ldap3.Connection, provider: IdentityProvider, dn: str, username: str,
            member_of: list[str]) -> list[str]:  # fmt: skip
    """Each group as its DN and its cn, so a rule may name either."""
    found: list[str] = []
    for group_dn in member_of[:MAX_GROUPS]:
        found.append(group_dn)
        first = group_dn.split(",", 1)[0]
        if first.lower().startswith("cn="):
            found.append(first[3:])
    if provider.group_search_base:
        group_filter = (f"(|(member={escape_filter_chars(dn)})(uniqueMember={escape_filter_chars(dn)})"
                        f"(memberUid={escape_filter_chars(username)}))")  # fmt: skip
        connection.search(provider.group_search_base, group_filter, attributes=["cn"], size_limit=MAX_GROUPS)
        for entry in connection.response or []:
            if entry.get("type") != "searchResEntry":
                continue
            found.append(entry["dn"])
            if cn := _first(entry["attributes"].get("cn")):
                found.append(cn)
    return list(dict.fromkeys(found))


def authenticate(provider: IdentityProvider, username: str, password: str) -> ExternalProfile | None:
    """The person's profile when the directory accepts the password, None when it does not (or knows no such
    person). An empty password is refused here: LDAP would take it as an anonymous bind and say yes."""
    username = username.strip()
    if not username or not password:
        return None
    if provider.user_dn_template:
        dn = provider.user_dn_template.replace("{username}", escape_rdn(username))
        try:
            connection = _connection(provider, dn, password)
        except LDAPBindError:
            return None
        entry_filter = f"({provider.username_attribute or 'uid'}={escape_filter_chars(username)})"
        search_base = provider.user_search_base or dn
        connection.search(search_base, entry_filter if provider.user_search_base else "(objectClass=*)",
                          search_scope=ldap3.SUBTREE if provider.user_search_base else ldap3.BASE,
                          attributes=[*ATTRIBUTES, provider.username_attribute], size_limit=2)  # fmt: skip
        entries = [e for e in connection.response or [] if e.get("type") == "searchResEntry"]
        attributes = dict(entries[0]["attributes"]) if len(entries) == 1 else {}
        dn = entries[0]["dn"] if len(entries) == 1 else dn
    else:
        try:
            service = _connection(provider, provider.bind_dn or None, provider.bind_password or None)
        except LDAPBindError as exc:
            raise DirectoryUnreachable("the service account cannot bind") from exc
        search_filter = provider.user_search_filter.replace("{username}", escape_filter_chars(username))
        service.search(provider.user_search_base, search_filter, attributes=[*ATTRIBUTES, provider.username_attribute],
                       size_limit=2)  # fmt: skip
        entries = [e for e in service.response or [] if e.get("type") == "searchResEntry"]
        service.unbind()
        if len(entries) != 1:  # nobody, or a filter that is not unique: refuse rather than guess
            return None
        dn, attributes = entries[0]["dn"], dict(entries[0]["attributes"])
        try:
            connection = _connection(provider, dn, password)
        except LDAPBindError:
            return None
    try:
        member_of = [str(g) for g in attributes.get("memberOf") or []]
        groups = _groups(connection, provider, dn, username, member_of)
    finally:
        connection.unbind()
    name = _first(attributes.get(provider.username_attribute)) or username
    claims = {key: value for key, value in attributes.items() if value not in (None, [], "")}
    claims.update(dn=dn, groups=groups)
    return ExternalProfile(subject=name.casefold(), username=name, email=_first(attributes.get("mail")),
                           phone=_first(attributes.get("mobile")) or _first(attributes.get("telephoneNumber")),
                           display_name=_first(attributes.get("displayName")) or _first(attributes.get("cn")),
                           claims=claims)  # fmt: skip
