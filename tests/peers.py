"""The real programs some tests talk to (an IMAP server, Alertmanager, Zabbix's JavaScript engine, a browser,
Redis, an MQTT broker), found in one place.

A test that needs one asks for it with `@pytest.mark.peer("dovecot")` or, from a fixture,
`require_peer("dovecot")`, which returns the program's path (Redis: its URL). When the peer is missing the
test is skipped with the package to install — except under CI (`CI` set), where it fails: a green CI run must
never hide, say, mail intake that nothing tested. `./gongdan test` installs every peer listed here.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _program(*names: str) -> Callable[[], str | None]:
    """The first of `names` on PATH or in the system folders (root's PATH has them, others' may not)."""

    def find() -> str | None:
        for name in names:
            found = shutil.which(name) or next(
                (str(d / name) for d in (Path("/usr/sbin"), Path("/usr/bin")) if (d / name).is_file()), None
            )
            if found:
                return found
        return None

    return find


def program(name: str) -> str:
    """The path of one program of an installed peer (e.g. mosquitto_pub of the "mosquitto" peer)."""
    return _program(name)() or name


def _all_of(*finders: Callable[[], str | None]) -> Callable[[], str | None]:
    """The first finder's answer, when every finder answers."""

    def find() -> str | None:
        found = [finder() for finder in finders]
        return found[0] if all(found) else None

    return find


def _zabbix_js() -> str | None:
    candidates = [os.environ.get("GONGDAN_ZABBIX_JS"), str(ROOT / ".tools/zabbix/usr/bin/zabbix_js")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("zabbix_js")


def _chromium() -> str | None:
    candidate = os.environ.get("GONGDAN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if os.access(candidate, os.X_OK) else None


def _cjk_fonts() -> str | None:
    """Chinese pages are screenshotted and measured: without CJK fonts they render as boxes."""
    return next((str(p) for p in Path("/usr/share/fonts").glob("**/NotoSansCJK*")), None)


def _oidc_provider() -> str | None:
    """Node.js and panva's oidc-provider (a devDependency in package-lock.json) for the single sign-on tests."""
    node = _program("node")()
    return node if node and (ROOT / "node_modules/oidc-provider/package.json").is_file() else None


def _pg_server() -> str | None:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup), newest version first."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name),
        reverse=True,
    )
    return str(found[0].parent) if found else None


def redis_test_url() -> str:
    return os.environ.get("GONGDAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis() -> str | None:
    import redis

    url = redis_test_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except (redis.RedisError, OSError):
        return None
    return url


@dataclass(frozen=True)
class Peer:
    name: str
    what: str  # what is missing, in words
    install: str  # how to get it
    find: Callable[[], str | None]
    stable: bool = True  # a program stays installed for the whole run; a server's answer is asked each time


APT = "`./gongdan test` installs it (as root, or with passwordless sudo); by hand: apt-get install"
PEERS = {
    peer.name: peer
    for peer in [
        Peer("dovecot", "dovecot (IMAP server)", f"{APT} dovecot-imapd", _program("dovecot")),
        Peer("alertmanager", "Prometheus Alertmanager", f"{APT} prometheus-alertmanager",
             _program("prometheus-alertmanager", "alertmanager")),
        Peer("zabbix_js", "zabbix_js (Zabbix's JavaScript engine)",
             "`./gongdan test` unpacks it from Debian's zabbix-proxy-sqlite3 into .tools/zabbix "
             "(apt-get download zabbix-proxy-sqlite3 && dpkg -x zabbix-proxy-sqlite3_*.deb .tools/zabbix), "
             "or set GONGDAN_ZABBIX_JS", _zabbix_js),
        Peer("chromium", "chromium with CJK fonts", f"{APT} chromium fonts-noto-cjk (or set GONGDAN_CHROMIUM)",
             _all_of(_chromium, _cjk_fonts)),
        Peer("mosquitto", "the Mosquitto MQTT broker and its client tools",
             f"{APT} mosquitto mosquitto-clients",
             _all_of(_program("mosquitto"), _program("mosquitto_pub"), _program("mosquitto_sub"))),
        Peer("slapd", "the OpenLDAP server and its client tools (single sign-on tests)",
             f"{APT} slapd ldap-utils", _all_of(_program("slapd"), _program("slapadd"), _program("ldapwhoami"))),
        Peer("oidc-provider", "Node.js with the oidc-provider package (an OpenID Connect provider)",
             "`./gongdan setup` runs npm ci, which installs it from package-lock.json (Node.js 20.19 or newer)",
             _oidc_provider),
        Peer("pg_dump", "PostgreSQL's client programs (pg_dump, pg_restore) for the backup tests",
             f"{APT} postgresql-client", _all_of(_program("pg_dump"), _program("pg_restore"))),
        Peer("pg_server", "PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) for the point-in-time "
             "recovery drill", f"{APT} postgresql", _pg_server),
        Peer("redis", "a Redis server answering at GONGDAN_TEST_REDIS_URL (default redis://127.0.0.1:6379/15)",
             "start one (apt-get install redis-server; .ci/run starts it) or point GONGDAN_TEST_REDIS_URL at one",
             _redis, stable=False),
    ]
}  # fmt: skip


_found: dict[str, str | None] = {}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def require_peer(name: str) -> str:
    """The peer's program path (Redis: its URL); skips the test when it is missing, or fails it under CI."""
    peer = PEERS[name]
    if peer.stable:
        if name not in _found:
            _found[name] = peer.find()
        found = _found[name]
    else:
        found = peer.find()
    if found:
        return found
    message = f"{peer.what} is not installed or not running: {peer.install}"
    if in_ci():
        pytest.fail(f"CI must run every real-peer test; {message}", pytrace=False)
    pytest.skip(message)
