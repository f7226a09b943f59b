"""Shared test setup. Tests run against the database named by DATABASE_URL (SQLite when unset), with
the settings in gongdan.project.settings_test."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from gongdan.assets.services import asset_create, asset_field_create, asset_type_create, location_create
from tests.clients import signed_in
from tests.factories import (
    AgentFactory,
    CategoryFactory,
    OrganisationFactory,
    RequesterFactory,
    TeamFactory,
    UserFactory,
)
from tests.peers import require_peer


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)


def pytest_configure(config: pytest.Config) -> None:
    _serialize_live_server_on_in_memory_sqlite()
    _flush_past_the_append_only_triggers()


PERMIT_IN = "INSERT INTO audit_purge_permit (reason) VALUES ('test flush')"
PERMIT_OUT = "DELETE FROM audit_purge_permit"


def _flush_past_the_append_only_triggers() -> None:
    """Transactional tests end by emptying every table (`flush`). Audit entries and ticket events refuse
    DELETE and TRUNCATE unless the transaction holds a purge permit (audit migration 0002): the flush takes
    one for its own transaction, as `audit_purge` does."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    flush = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        return flush(self, [PERMIT_IN, *sql_list, PERMIT_OUT] if sql_list else sql_list)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush


@pytest.fixture
def history_deletable(db):
    """For the few tests that must remove ticket events or audit entries (to make a gap, to tamper): the
    purge permit the triggers accept, held for the `with` block's transaction."""
    from contextlib import contextmanager

    from django.db import transaction

    @contextmanager
    def permit():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(PERMIT_IN)
            yield
            cursor.execute(PERMIT_OUT)

    return permit


def pytest_runtest_setup(item: pytest.Item) -> None:
    """`@pytest.mark.peer("dovecot")`: the test needs that real program (see tests/peers.py)."""
    for marker in item.iter_markers("peer"):
        for name in marker.args:
            require_peer(name)


class _InFlight:
    """The live server's requests still running: a test's end waits for them before its tables are emptied."""

    count = 0
    idle = None  # a threading.Condition, made when the server starts


def _serialize_live_server_on_in_memory_sqlite() -> None:
    """With an in-memory SQLite database the live server's request threads all use the test's one
    connection (it is the only copy of the database), and two requests at once — a page and the htmx call
    the previous page left in flight — can read each other's rows: a rare, random failure. There, let one
    request run at a time; on PostgreSQL every thread has its own connection and requests stay concurrent.

    On every database the server counts the requests in flight, so that a transactional test's end can wait
    for them (`_quiet_live_server`): a request a peer sent as the test ended (an Alertmanager repeat, an htmx
    call) would otherwise race the flush that empties the tables, and one of the two fails."""
    import threading

    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test import testcases

    class OneRequestAtATime(ThreadedWSGIServer):
        def set_app(self, application):
            from django.conf import settings
            from django.db import connection as db

            _InFlight.idle = threading.Condition()
            serialize = db.vendor == "sqlite" and db.is_in_memory_db()
            lock = threading.Lock()
            static = (settings.STATIC_URL or "/static/").rstrip("/") + "/"

            def counted(environ, start_response):
                if environ.get("PATH_INFO", "").startswith(static):  # files only: no database
                    return application(environ, start_response)
                with _InFlight.idle:
                    _InFlight.count += 1
                try:
                    if not serialize:
                        return application(environ, start_response)
                    with lock:
                        return application(environ, start_response)
                finally:
                    with _InFlight.idle:
                        _InFlight.count -= 1
                        _InFlight.idle.notify_all()

            return super().set_app(counted)

    testcases.LiveServerThread.server_class = OneRequestAtATime


def _quiet_live_server(seconds: float = 15) -> None:
    idle = _InFlight.idle
    if idle is None:
        return
    with idle:
        idle.wait_for(lambda: _InFlight.count == 0, timeout=seconds)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_configuration(request):
    """Transactional tests (live server, threads) empty every table when they end, including the rows the
    migrations seeded (priorities, types, the default workflow). Seed them again before such a test."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    )
    if not transactional:
        yield
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    importlib.import_module("gongdan.tickets.migrations.0003_default_configuration").seed(apps, None)
    importlib.import_module("gongdan.approvals.migrations.0002_approval_system_transitions").seed(apps, None)
    importlib.import_module("gongdan.tickets.migrations.0018_workflow_as_installed").seed(apps, None)
    importlib.import_module(
        "gongdan.approvals.migrations.0003_approval_transitions_in_the_published_workflow"
    ).add(apps, None)
    yield
    # Before transactional_db empties the tables (this fixture asked for it, so it ends first)
    _quiet_live_server()


@pytest.fixture(autouse=True)
def _fresh_sla_configuration():
    """Configuration (ticket reference rows, SLA policies, routing rules) is cached per process and trusted for
    a second. Tests replace the rows underneath it (transactional tests truncate and re-seed every table), so
    each test starts cold."""
    from gongdan.core import config_cache
    from gongdan.routing.engine import forget_config

    config_cache.forget()
    config_cache._state["uncommitted_until"] = 0.0
    forget_config()
    yield
    config_cache.forget()
    config_cache._state["uncommitted_until"] = 0.0
    forget_config()


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Service calls outside a request speak English in tests unless a test switches (zh-hans is the site
    default); requests still pick the user's or browser's language through the middleware."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def team(db):
    return TeamFactory(name="IT 支持", name_en="IT Support")


@pytest.fixture
def agent(team):
    user = AgentFactory(username="agent")
    team.memberships.create(user=user)
    return user


@pytest.fixture
def lead(team):
    user = AgentFactory(username="lead", role="team_lead")
    team.memberships.create(user=user, team_role="lead")
    return user


@pytest.fixture
def other_team(db):
    return TeamFactory(name="设施", name_en="Facilities")


@pytest.fixture
def other_agent(other_team):
    user = AgentFactory(username="other_agent")
    other_team.memberships.create(user=user)
    return user


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role="manager")


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="华东制造")


@pytest.fixture
def requester(organisation):
    return RequesterFactory(username="alice", organisation=organisation)


@pytest.fixture
def other_requester(organisation):
    return RequesterFactory(username="bob", organisation=organisation)


@pytest.fixture
def category(team):
    return CategoryFactory(name="网络故障", name_en="Network fault", default_team=team)


@pytest.fixture
def db_vendor(db) -> str:
    return connection.vendor


@pytest.fixture
def admin_browser(admin_user):
    """A browser signed in as an administrator (English UI)."""
    from django.test import Client

    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def agent_client(agent):
    return signed_in(agent)


@pytest.fixture
def requester_client(requester):
    return signed_in(requester)


@pytest.fixture
def make_ticket(agent, requester, team):
    """Tickets made through the services: the agent reports for the requester, in the agent's team."""
    from gongdan.tickets.services import ticket_create

    def make(subject: str = "Printer jammed on floor 3", **kwargs):
        kwargs.setdefault("requester", requester)
        kwargs.setdefault("team", team)
        return ticket_create(actor=kwargs.pop("actor", agent), subject=subject, **kwargs)

    return make


# --- equipment (tests/assets, tests/maintenance) ------------------------------------------------------------


@pytest.fixture
def plant(db):
    site = location_create(actor=None, name="华东工厂", kind="site")
    hall = location_create(actor=None, name="一号车间", kind="building", parent=site)
    return {"site": site, "hall": hall}


@pytest.fixture
def compressor_type(db):
    kind = asset_type_create(actor=None, name="空压机", name_en="Air compressor", code="compressor")
    asset_field_create(actor=None, asset_type=kind, key="power_kw", label="功率", label_en="Power (kW)",
                       field_type="number", required=True)  # fmt: skip
    asset_field_create(actor=None, asset_type=kind, key="oil", label="润滑油", label_en="Oil",
                       field_type="choice", choices=["ISO 46", "ISO 68"])  # fmt: skip
    return kind


@pytest.fixture
def line_type(db):
    return asset_type_create(actor=None, name="生产线", name_en="Production line", code="line")


@pytest.fixture
def make_asset(compressor_type, plant):
    def make(code: str = "AC-01", **values):
        values.setdefault("name", f"Compressor {code}")
        values.setdefault("asset_type", compressor_type)
        values.setdefault("location", plant["hall"])
        if values["asset_type"] == compressor_type:
            values.setdefault("custom_values", {"power_kw": 55})
        return asset_create(actor=values.pop("actor", None), code=code, **values)

    return make


# --- every configuration change through a settings screen leaves an audit entry (issue 13 item 6) ----------

NOT_CONFIGURATION = {
    "audit",  # the trail itself
    "sessions",  # sign-in state and flash messages
    "axes",  # sign-in attempts
    "contenttypes",
}
NOT_CONFIGURATION_MODELS = {"core.configurationversion", "automation.configversion", "tickets.eventcursor"}


@pytest.fixture(autouse=True)
def settings_posts_are_audited(request):
    """Every POST to a /settings/ page that writes a configuration row must write an audit entry in the same
    request. The whole suite's settings tests are the walk: a new screen whose changes are not recorded fails
    the test that saves through it."""
    from django.core.signals import request_finished, request_started
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from django.urls import Resolver404, resolve

    if "django_db_setup" not in request.fixturenames and not any(
        m.name == "django_db" for m in request.node.iter_markers()
    ):
        yield
        return
    state: dict = {"active": False, "writes": [], "before": 0, "view": ""}
    violations: list[str] = []

    def _count() -> int:
        from gongdan.audit.models import AuditEntry

        try:
            return AuditEntry.objects.count()
        except Exception:  # a broken transaction: the request failed anyway
            return -1

    def started(sender, environ=None, **kwargs):
        path = (environ or {}).get("PATH_INFO", "")
        if (environ or {}).get("REQUEST_METHOD") != "POST" or not path.startswith("/settings/"):
            return
        try:
            match = resolve(path)
        except Resolver404:
            return
        state.update(active=True, writes=[], before=_count(), view=match.view_name)

    def wrote(sender, instance=None, **kwargs):
        if not state["active"] or sender is None:
            return
        meta = sender._meta
        if meta.app_label in NOT_CONFIGURATION or meta.label_lower in NOT_CONFIGURATION_MODELS:
            return
        state["writes"].append(meta.label_lower)

    def finished(sender, **kwargs):
        if not state["active"]:
            return
        state["active"] = False
        if state["writes"] and _count() == state["before"]:
            violations.append(
                f"{state['view']} changed {sorted(set(state['writes']))} without an audit entry"
            )

    uid = f"audit-guard-{id(state)}"
    request_started.connect(started, dispatch_uid=uid + "s")
    request_finished.connect(finished, dispatch_uid=uid + "f")
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(wrote, dispatch_uid=uid + signal.__class__.__name__ + str(id(signal)))
    try:
        yield
    finally:
        request_started.disconnect(dispatch_uid=uid + "s")
        request_finished.disconnect(dispatch_uid=uid + "f")
        for signal in (post_save, post_delete, m2m_changed):
            signal.disconnect(dispatch_uid=uid + signal.__class__.__name__ + str(id(signal)))
    assert not violations, "configuration changed without an audit entry: " + "; ".join(violations)
