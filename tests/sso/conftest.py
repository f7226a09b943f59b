"""Real peers for the single sign-on tests: panva's oidc-provider run by node, a private slapd, and a local
HTTP server that plays DingTalk, Feishu and WeCom and checks every documented request."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from tests.peers import ROOT, program, require_peer

CLIENT_ID = "gongdan-tests"
CLIENT_SECRET = "a-secret-only-for-the-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_oidc_provider(*redirect_uris: str) -> tuple[subprocess.Popen[str], str]:
    node = require_peer("oidc-provider")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [node, str(ROOT / "tests/sso/oidc_provider.mjs"), str(port), CLIENT_ID, CLIENT_SECRET, *redirect_uris],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("ready "):
        process.kill()
        pytest.fail(f"oidc-provider did not start: {line!r}")
    return process, line.split()[1]


@pytest.fixture(scope="session")
def oidc_issuer() -> Iterator[str]:
    """One provider for the whole run; it knows the test client's callback addresses of the usual slugs."""
    process, issuer = start_oidc_provider(
        *(f"http://testserver/sso/{slug}/callback/" for slug in ("acme", "other"))
    )
    yield issuer
    process.kill()
    process.wait(5)


def sign_in_at_provider(authorize_url: str, login: str, *, until: str = "http://testserver/") -> str:
    """Walk the provider's own login and consent pages as a browser would; returns where it sends us back."""
    session = requests.Session()
    url = authorize_url
    for _step in range(12):
        response = session.get(url, allow_redirects=False, timeout=10)
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["Location"])
            if url.startswith(until):
                return url
            continue
        assert response.status_code == 200, response.text[:500]
        action = re.search(r'<form[^>]*action="([^"]+)"', response.text)
        assert action, response.text[:500]
        prompt = re.search(r'name="prompt" value="(\w+)"', response.text)
        data = {"prompt": prompt.group(1) if prompt else "login"}
        if data["prompt"] == "login":
            data.update(login=login, password="any")
        posted = session.post(urljoin(url, action.group(1)), data=data, allow_redirects=False, timeout=10)
        assert posted.status_code in (302, 303), posted.text[:500]
        url = urljoin(url, posted.headers["Location"])
        if url.startswith(until):
            return url
    raise AssertionError("the provider never sent the browser back")


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# ---- slapd ---------------------------------------------------------------------------------------------------

SUFFIX = "dc=example,dc=test"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "directory-admin"
SERVICE_DN = f"cn=gongdan,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-account"
PEOPLE = {  # uid: (password, cn, mail, groups)
    "carol": ("carol-pass", "Carol Directory", "carol@example.test", ["it-support"]),
    "dave": ("dave-pass", "Dave Directory", "dave@example.test", []),
}

SLAPD_CONF = """
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile {tmp}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{admin}"
rootpw {admin_password}
directory {tmp}/db
access to attrs=userPassword by anonymous auth by self read by * none
access to * by users read by * none
"""


def _ldif() -> str:
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example",
        f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people",
        f"dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups",
        f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services",
        f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: gongdan\n"
        f"userPassword: {SERVICE_PASSWORD}",
    ]
    for uid, (password, cn, mail, _groups) in PEOPLE.items():
        entries.append(f"dn: uid={uid},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {cn}\n"
                       f"sn: {cn.split()[-1]}\ndisplayName: {cn}\nmail: {mail}\nuserPassword: {password}")  # fmt: skip
    members = [f"member: uid={uid},ou=people,{SUFFIX}" for uid, p in PEOPLE.items() if "it-support" in p[3]]
    entries.append(f"dn: cn=it-support,ou=groups,{SUFFIX}\nobjectClass: groupOfNames\ncn: it-support\n"
                   + "\n".join(members))  # fmt: skip
    return "\n\n".join(entries) + "\n"


class Slapd:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def start(self) -> None:
        slapd = require_peer("slapd")
        (self.tmp / "db").mkdir(exist_ok=True)
        conf = self.tmp / "slapd.conf"
        conf.write_text(
            SLAPD_CONF.format(tmp=self.tmp, suffix=SUFFIX, admin=ADMIN_DN, admin_password=ADMIN_PASSWORD)
        )
        if not (self.tmp / "db/data.mdb").exists():
            ldif = self.tmp / "data.ldif"
            ldif.write_text(_ldif())
            subprocess.run([program("slapadd"), "-f", str(conf), "-l", str(ldif)], check=True,  # noqa: S603
                           capture_output=True)  # fmt: skip
        self.process = subprocess.Popen([slapd, "-f", str(conf), "-h", f"{self.uri}/", "-d", "0"],  # noqa: S603
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            answer = subprocess.run([program("ldapwhoami"), "-x", "-H", self.uri, "-D", SERVICE_DN,  # noqa: S603
                                     "-w", SERVICE_PASSWORD], capture_output=True, check=False)  # fmt: skip
            if answer.returncode == 0:
                return
            time.sleep(0.1)
        self.stop()
        pytest.fail("slapd did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(5)
            self.process = None


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    server = Slapd(tmp_path_factory.mktemp("slapd"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client():
    """A browser set to English, so the tests can read what people are told."""
    from django.test import Client

    return Client(headers={"Accept-Language": "en"})


@pytest.fixture
def admin_user(db):
    from tests.factories import UserFactory

    return UserFactory(username="admin", role="admin", is_staff=True, is_superuser=True, language="en")
