"""Build the demo site: a living, bilingual help desk with 90 days of history.

Everything goes through the services, exactly as the web UI and the API would do it, so the demo is also a
broad smoke test of the one door. Past activity is replayed on a simulated clock (see `replay_clock` and
docs/decisions/0031-demo-history-replayed-on-a-simulated-clock.md): each service call runs "at" the moment it
happened, so events, first-response and resolution times, and time entries look like real history.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from gongdan.accounts import services as accounts
from gongdan.accounts.bootstrap import random_password
from gongdan.accounts.models import Organisation, Role, Skill, Team, User
from gongdan.approvals import services as approvals
from gongdan.approvals.models import ApprovalTask, TaskStatus
from gongdan.assets import services as assets
from gongdan.assets.models import Location
from gongdan.automation import services as automation
from gongdan.automation.engine import CONSUMER as AUTOMATION_CONSUMER
from gongdan.core.domain_errors import DomainError
from gongdan.demo import content
from gongdan.demo.clock import replay_clock
from gongdan.demo.equipment import build_equipment
from gongdan.demo.marker import DEFAULT_TICKETS, LOGINS, demo_loaded
from gongdan.demo.parts import build_parts
from gongdan.demo.preventive import build_preventive
from gongdan.demo.residential import build_residential
from gongdan.demo.rounds import build_rounds
from gongdan.integrations.chat import services as chat_services
from gongdan.mfa import services as mfa
from gongdan.notifications.models import Notification
from gongdan.oncall.models import OnCallSchedule, Page, PageRecipient
from gongdan.oncall.services import oncall_schedule_create, page_acknowledge, page_repeat
from gongdan.outbox.models import OutboxMessage
from gongdan.portal.services import portal_settings_update, survey_answer, survey_for_resolution
from gongdan.privacy.services import retention_settings_update
from gongdan.routing.models import RoutingRule, Strategy
from gongdan.routing.services import rule_create
from gongdan.sla.escalation import due_clock_ids, escalate_clocks, escalation_act
from gongdan.sla.models import BusinessCalendar, EscalationFiring, SlaClock
from gongdan.sso import services as sso
from gongdan.sso.models import IdentityProvider, MappingRule, ProviderKind
from gongdan.tickets import events as ticket_events
from gongdan.tickets import pipeline
from gongdan.tickets import services as tickets
from gongdan.tickets.models import (
    Category,
    Channel,
    CustomField,
    EventCursor,
    Priority,
    SavedView,
    Status,
    Ticket,
    TicketEvent,
    TicketType,
)
from gongdan.tickets.services import configuration, workflows
from gongdan.transfer import services as transfer

EXAMPLES = Path(approvals.__file__).resolve().parent / "examples"  # the shipped approval flows
CATCH_UP_BATCH = 25  # events handed to the consumers at a time when the load replays them
DAYS = 90
# How long after creation a ticket of each priority should be resolved (its due date).
DUE_AFTER = {"P0": timedelta(hours=4), "P1": timedelta(hours=8), "P2": timedelta(days=2),
             "P3": timedelta(days=4), "P4": timedelta(days=10)}  # fmt: skip
# Separated administration (三权分立): the demo's security and audit administrators, beside `admin`.
DUTY_ADMINS = [("qin.an", "秦安", Role.SECURITY_ADMIN), ("shen.shen", "沈审", Role.AUDIT_ADMIN)]


@dataclass
class DemoResult:
    created: bool
    password: str | None = None
    counts: dict[str, int] = field(default_factory=dict)


def load_demo(
    *,
    tickets_count: int = DEFAULT_TICKETS,
    password: str | None = None,
    seed: int = 2026,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Build the demo site once; a second call changes nothing. All or nothing: one transaction.
    `progress` is told each step and count as it goes (the load takes a minute or two at full size)."""
    if demo_loaded():
        return DemoResult(created=False)
    password = password or random_password()
    with transaction.atomic():
        builder = _Builder(rng=random.Random(seed), password=password, progress=progress)
        builder.build(tickets_count)
    return DemoResult(created=True, password=password, counts=builder.counts)


class _Builder:
    def __init__(
        self, *, rng: random.Random, password: str, progress: Callable[[str], None] | None = None
    ) -> None:
        self.rng = rng
        self.tell = progress or (lambda _line: None)
        self.password = password
        self.now = timezone.now()
        self.counts: dict[str, int] = {}
        self.teams: dict[str, Team] = {}
        self.skills: dict[str, Skill] = {}
        self.staff: dict[str, User] = {}
        self.leads: dict[str, User] = {}
        self.members: dict[str, list[User]] = {}
        self.organisations: dict[str, Organisation] = {}
        self.requesters: list[User] = []
        self.rooms: list[Location] = []
        self.categories: dict[str, Category] = {}
        self.priorities = {p.code: p for p in Priority.objects.all()}
        self.types = {t.code: t for t in TicketType.objects.all()}

    def build(self, tickets_count: int) -> None:
        self.tell("people and teams…")
        self.people()
        self.tell(f"  {self.counts['teams']} teams, {self.counts['staff']} staff, "
                  f"{self.counts['requesters']} requesters")  # fmt: skip
        self.tell("on-call rotations…")
        self.on_call()
        self.saved_views()
        self.tell("places…")
        self.locations()
        self.tell(f"  {self.counts['locations']} locations")
        self.tell("categories and their forms…")
        self.category_tree()
        retention_settings_update(actor=None, closed_ticket_months=content.RETENTION_MONTHS)
        self.tell(f"  {self.counts['categories']} categories")
        self.tell(f"{tickets_count} tickets over {DAYS} days…")
        self.history(tickets_count)
        self.tell("SLA escalations and on-call pages…")
        self.escalations()
        self.tell(f"  {self.counts['escalations']} escalation steps, {self.counts['pages']} pages")
        self.tell("approval flows, equipment, automation rules and macros…")
        self.approvals()
        self.drawn_workflow()
        self.equipment()
        self.tell(
            f"  {self.counts.get('meter_meters', 0)} meters, {self.counts.get('meter_readings', 0)} readings"
        )
        self.automation()
        self.chat_app()
        self.form_conditions()
        # The equipment's past work orders (a missed PM, a round's finding, a sensor's excursion) have SLA
        # steps that fell due on the simulated clock too: fire them there, not on the first real sweep.
        self.escalations()
        self.tell("notices, surveys and reports over the history…")
        self.catch_up()
        self.tell(f"  {self.counts['events']} events read")
        self.settle()
        self.tell(f"  {self.counts['mails_waiting']} mails of the last day wait in the outbox")
        self.routing()
        self.tell(f"routing rules: {self.counts['routing_rules']}")
        self.single_sign_on()
        self.configuration_version()

    def configuration_version(self) -> None:
        """The configuration as the demo leaves it, kept as the first version (Settings → Configuration
        transfer): export it, change something, and compare or go back."""
        admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
        if admin is not None:
            transfer.version_save(actor=admin, note="演示站点的初始配置 / The demo's starting configuration")

    # --- people -------------------------------------------------------------------------------------------
    def people(self) -> None:
        for name, name_en, description in content.TEAMS:
            team = Team.objects.filter(name=name).first()
            self.teams[name_en] = team or accounts.team_create(
                actor=None, name=name, name_en=name_en, description=description
            )
        for name, name_en in content.SKILLS:
            skill = Skill.objects.filter(name=name).first()
            self.skills[name_en] = skill or accounts.skill_create(actor=None, name=name, name_en=name_en)
        named = {username for username, _label in LOGINS}
        for username, display, role, language, teams, skills in content.STAFF:
            user = self._user(username, display, role, language, login=username in named)
            self.staff[username] = user
            for team_en, is_lead in teams:
                self.members.setdefault(team_en, []).append(user)
                if is_lead:
                    self.leads[team_en] = user
            accounts.agent_set_skills(
                actor=None, user=user, levels={self.skills[s]: level for s, level in skills.items()}
            )
        for username, display, role in DUTY_ADMINS:
            self._user(username, display, role, "zh-hans", login=True)
        # Two-factor policy (decision 0121): leads and managers too, as a security administrator would set it.
        # `./gongdan start --demo` runs with GONGDAN_MFA_ENFORCED=false, so the printed password signs
        # everyone in; the policy screen (qin.an) shows the policy and says enforcement is off.
        security_admin = User.objects.get(username=DUTY_ADMINS[0][0])
        mfa.mfa_policy_update(actor=security_admin, required_roles=[Role.TEAM_LEAD, Role.MANAGER])
        # The security administrator's sign-in policy (Sign-in policy screen): the defaults, written by qin.an so
        # the screen and the audit trail show who set them, with staff passwords expiring after 180 days.
        security_admin = User.objects.get(username=DUTY_ADMINS[0][0])
        accounts.sign_in_policy_update(actor=security_admin, staff_max_age_days=180, history_count=5)
        for team_en, team in self.teams.items():
            members = self.members.get(team_en, [])
            leads = [self.leads[team_en]] if team_en in self.leads else []
            accounts.team_set_members(actor=None, team=team, members=members, leads=leads)
        for name, kind, tier, domain in content.ORGANISATIONS:
            org = Organisation.objects.filter(name=name).first()
            self.organisations[name] = org or accounts.organisation_create(
                actor=None, name=name, kind=kind, service_tier=tier, email_domain=domain
            )
        for username, display, language, org_name in content.NAMED_REQUESTERS:
            self.requesters.append(self._user(username, display, Role.REQUESTER, language, login=True,
                                              organisation=self.organisations[org_name]))  # fmt: skip
        orgs = list(self.organisations.values())
        chinese = [
            (s + g, f"{sp}.{gp}") for s, sp in content.CHINESE_SURNAMES for g, gp in content.CHINESE_GIVEN
        ]
        self.rng.shuffle(chinese)
        people = [(name, username, "zh-hans") for name, username in chinese[:26]]
        people += [(name, name.lower().replace(" ", "."), "en") for name in content.ENGLISH_NAMES]
        for index, (display, username, language) in enumerate(people):
            org = orgs[index % len(orgs)]
            if language == "en" and org.name == "华东制造有限公司":
                org = self.organisations["Northwind Trading (Shanghai) Co., Ltd."]
            user = self._user(username, display, Role.REQUESTER, language, login=False, organisation=org,
                              sees_organisation_tickets=index % 9 == 0)  # fmt: skip
            self.requesters.append(user)
        self.counts.update(teams=len(self.teams), staff=len(self.staff), requesters=len(self.requesters),
                           organisations=len(self.organisations))  # fmt: skip

    def _user(
        self, username: str, display: str, role: str, language: str, *, login: bool, **extra: Any
    ) -> User:
        if existing := User.objects.filter(username=username).first():
            return existing
        org = extra.get("organisation")
        domain = org.email_domain if org and org.email_domain else "gongdan.example"
        return accounts.user_create(
            actor=None,
            username=username,
            password=self.password if login else None,  # the rest are data; an admin can set one
            display_name=display,
            email=f"{username}@{domain}",
            role=role,
            language=language,
            time_zone="Asia/Shanghai",
            **extra,
        )

    # --- on call and the portal's choices -----------------------------------------------------------------
    def on_call(self) -> None:
        """What an admin set up before the history starts: each team's rotation (a week each among its agents,
        handoff Monday 09:00, the lead as backup, a repeat every 5 minutes, the backup paged after 2), a
        fallback of the leads for tickets without a team, and the portal reopening a ticket rated 1 or 2. The
        seeded urgent SLA policy pages on-call when a P0's first-response clock starts, so a P0 pages someone
        within seconds."""

        first_day = timezone.localtime(self.now - timedelta(days=DAYS + 7)).date()
        start = first_day - timedelta(days=first_day.weekday())
        rotation: dict[str, Any] = {"time_zone": "Asia/Shanghai", "rotation_days": 7, "handoff_time": time(9, 0),
                    "start_date": start, "repeat_interval_minutes": 5, "escalate_after_repeats": 2,
                    "max_repeats": 36}  # fmt: skip
        plans: list[tuple[str, Team | None, list[User], list[User]]] = []
        for name, name_en, _description in content.TEAMS:
            lead = self.leads.get(name_en)
            agents = [m for m in self.members.get(name_en, []) if m != lead] or ([lead] if lead else [])
            if agents:
                title = content.ONCALL_SCHEDULE_NAME.format(team=name, team_en=name_en)
                plans.append(
                    (title, self.teams[name_en], agents, [lead] if lead and lead not in agents else [])
                )
        fallback_name, manager = content.ONCALL_FALLBACK
        plans.append((fallback_name, None, list(dict.fromkeys(self.leads.values())), [self.staff[manager]]))
        with replay_clock(self.now - timedelta(days=DAYS + 1)):
            for title, team, primary, backup in plans:
                if not OnCallSchedule.objects.filter(name=title).exists():
                    oncall_schedule_create(actor=None, name=title, team=team, primary=primary, backup=backup,
                                           **rotation)  # fmt: skip
            portal_settings_update(actor=None, csat_enabled=True, low_rating_reopen=True,
                                   low_rating_notify_lead=True)  # fmt: skip
        self.counts["oncall_schedules"] = len(plans)

    # --- the leads' queue views --------------------------------------------------------------------------
    def saved_views(self) -> None:
        """Each lead keeps a view of the team's urgent open tickets, shared with the team, and one of their
        own: the unassigned, oldest first, with the columns for picking work up. They show as tabs after the
        built-in ones on the queue."""
        for team_en, lead in self.leads.items():
            if SavedView.objects.filter(owner=lead).exists():
                continue
            chinese = lead.language != "en"
            team = self.teams[team_en]
            urgent = f"{team.name}·紧急未结" if chinese else f"{team.name_en}: urgent open"
            tickets.saved_view_create(actor=lead, name=urgent, team=team,
                                      query=f"view=open&team={team.pk}&priority=P1&sort=due")  # fmt: skip
            # Its columns are those that matter to whoever picks the next ticket up (decision 0111).
            tickets.saved_view_create(actor=lead, name="待指派（最早）" if chinese else "Unassigned, oldest",
                                      query=f"view=unassigned&team={team.pk}&sort=created",
                                      columns=["priority", "requester", "category", "created", "due"])  # fmt: skip
        self.counts["saved_views"] = SavedView.objects.count()

    # --- places and categories ----------------------------------------------------------------------------
    def locations(self) -> None:
        for site in content.LOCATIONS:
            site_row = self._location(None, site["name"], kind="site", code=site["code"], address=site["address"],
                                      latitude=Decimal(site["latitude"]), longitude=Decimal(site["longitude"]))  # fmt: skip
            for building, code, lat, lon, floors in site["buildings"]:
                building_row = self._location(site_row, building, kind="building", code=code, address=site["address"],
                                              latitude=Decimal(lat), longitude=Decimal(lon))  # fmt: skip
                for floor, rooms in floors.items():
                    floor_row = self._location(building_row, floor, kind="floor", code=f"{code}-{floor}")
                    for room in rooms:
                        number = room.split(" ")[0]
                        self.rooms.append(
                            self._location(floor_row, room, kind="room", code=f"{code}-{number}")
                        )
        self.counts["locations"] = Location.objects.count()

    def equipment(self) -> None:
        factory = Location.objects.get(parent=None, code="SZ")
        facilities = self.teams["Facilities"]
        self.counts.update(build_equipment(now=self.now, factory=factory, team=facilities,
                                           lead=self.leads["Facilities"], requester=self.requesters[0]))  # fmt: skip
        self.counts.update(build_preventive(now=self.now, team=facilities, lead=self.leads["Facilities"]))
        self.counts.update(build_parts(now=self.now, factory=factory, lead=self.leads["Facilities"]))
        self.counts.update(build_residential(now=self.now))
        self.counts.update(build_rounds(now=self.now, team=facilities, lead=self.leads["Facilities"]))

    def _location(self, parent: Location | None, name: str, **values: Any) -> Location:
        existing = Location.objects.filter(parent=parent, name=name).first()
        return existing or assets.location_create(actor=None, name=name, parent=parent, **values)

    def category_tree(self) -> None:
        for (
            key,
            name,
            name_en,
            parent_key,
            team_en,
            priority,
            type_code,
            template,
            fields,
        ) in content.CATEGORIES:
            parent = self.categories.get(parent_key) if parent_key else None
            if parent is not None:  # a leaf reports like its parent unless it says otherwise
                priority = priority or (parent.default_priority.code if parent.default_priority else None)
                type_code = type_code or (parent.default_type.code if parent.default_type else None)
            category = Category.objects.filter(parent=parent, name=name).first()
            if category is None:
                category = configuration.category_create(
                    actor=None, name=name, name_en=name_en, parent=parent, default_team=self.teams[team_en],
                    default_priority=self.priorities.get(priority) if priority else None,
                    default_type=self.types.get(type_code) if type_code else None, template=template,
                )  # fmt: skip
                for order, (fkey, label, label_en, ftype, required, choices) in enumerate(fields):
                    configuration.custom_field_create(
                        actor=None, category=category, key=fkey, label=label, label_en=label_en,
                        field_type=ftype, required=required, choices=choices, order=order,
                        sensitive=fkey in content.SENSITIVE_FIELDS, personal=fkey in content.PERSONAL_FIELDS,
                    )  # fmt: skip
            self.categories[key] = category
        self.counts["categories"] = len(self.categories)

    def routing(self) -> None:
        """What the admin set up after the history: a rule per category that sends its new tickets to the
        category's team, to whoever there has the least open work (Customer Service takes turns). A
        subcategory served by another team than its parent's (air conditioning, under equipment, is
        Facilities' work) gets its own rule, placed before its parent's, since the first matching rule wins.
        Added last, so the replayed history keeps its leads' hand-made assignments."""

        parents = {key: parent_key for key, _n, _e, parent_key, *_rest in content.CATEGORIES}
        teams = {key: team_en for key, _n, _e, _p, team_en, *_rest in content.CATEGORIES}
        exceptions = [k for k, p in parents.items() if p is not None and teams[k] != teams[p]]
        tops = [k for k, p in parents.items() if p is None]
        for key in [*exceptions, *tops]:
            category = self.categories[key]
            name = content.ROUTING_RULE_NAME.format(category=category.name)
            if RoutingRule.objects.filter(name=name).exists():
                continue
            team_en = teams[key]
            rule_create(
                actor=None,
                name=name,
                team=self.teams[team_en],
                strategy=Strategy.ROUND_ROBIN if team_en == "Customer Service" else Strategy.LEAST_LOADED,
                conditions=[{"kind": "category", "values": [category.pk]}],
            )
        self.counts["routing_rules"] = RoutingRule.objects.count()

    def single_sign_on(self) -> None:
        """Example identity providers an admin would finish setting up (docs/sso.md): configured, but turned off
        (the demo reaches no network), so the settings screen shows how groups map to roles and teams."""
        if IdentityProvider.objects.filter(slug="corp-id").exists():
            return
        corp = sso.provider_create(
            actor=None, kind=ProviderKind.OIDC, name="集团统一身份", name_en="Group identity (OIDC)", slug="corp-id",
            issuer="https://id.example.com/realms/group", client_id="gongdan", scopes="openid profile email groups",
            create_users=True, match_existing_by="email", is_enabled=False,
        )  # fmt: skip
        sso.rule_create(actor=None, provider=corp, claim="groups", operator=MappingRule.Operator.CONTAINS,
                        value="it-support", role=Role.AGENT, team=self.teams["IT Support"])  # fmt: skip
        sso.rule_create(actor=None, provider=corp, claim="groups", operator=MappingRule.Operator.CONTAINS,
                        value="network-ops", role=Role.AGENT, team=self.teams["Network"])  # fmt: skip
        sso.rule_create(actor=None, provider=corp, claim="email", operator=MappingRule.Operator.ENDS_WITH,
                        value="@example.com", role=Role.REQUESTER)  # fmt: skip
        sso.provider_create(
            actor=None, kind=ProviderKind.LDAP, name="办公域 AD", name_en="Office AD", slug="office-ad",
            server_uri="ldaps://dc1.corp.example.com:636", bind_dn="CN=gongdan,OU=Services,DC=corp,DC=example,DC=com",
            user_search_base="OU=Staff,DC=corp,DC=example,DC=com", user_search_filter="(sAMAccountName={username})",
            username_attribute="sAMAccountName", match_existing_by="username", is_enabled=False,
        )  # fmt: skip
        sso.provider_create(actor=None, kind=ProviderKind.DINGTALK, name="钉钉", name_en="DingTalk", slug="dingtalk",
                            client_id="dingexampleappkey", match_existing_by="phone", is_enabled=False)  # fmt: skip

    def _custom_values(self, key: str) -> dict[str, Any]:
        rng = self.rng
        values: dict[str, Any] = {}
        parents = {"no_internet": "network", "wifi": "network", "vpn": "network", "printer": "equipment",
                   "computer": "equipment", "aircon": "equipment"}  # fmt: skip
        if parents.get(key) == "network":
            values["affected"] = rng.choice(["just_me", "just_me", "team", "floor"])
        if parents.get(key) == "equipment" and rng.random() < 0.7:
            values["asset_tag"] = f"GD-{rng.randint(10000, 99999)}"
        if key == "wifi" and rng.random() < 0.6:
            values["ssid"] = rng.choice(["GD-Office", "GD-Guest", "GD-IoT"])
        if key == "password":
            values["system"] = rng.choice(["windows", "email", "erp", "vpn"])
        if key == "access":
            values["approver"] = self.staff["zhou.min"].pk
            # A made-up number (region 110101, a birth date, a sequence): sealed with SM4 when stored.
            birth = f"{rng.randint(1970, 2003)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            values["id_number"] = f"110101{birth}{rng.randint(100, 999)}{rng.choice('0123456789X')}"
        if key == "printer":
            values["printer_model"] = rng.choice(["hp_m428", "ricoh_c3004", "canon_ir"])
        if key == "aircon":
            values["room_temperature"] = rng.randint(27, 31)
        if key == "complaint":
            values["order_number"] = f"SO-2026-{rng.randint(1000, 9999)}"
            values["products"] = rng.sample(["sensor", "controller", "cable", "service"], k=rng.randint(1, 2))
        return values

    # --- 90 days of tickets -------------------------------------------------------------------------------
    def history(self, count: int) -> None:
        rng = self.rng
        keys = list(content.CATEGORY_WEIGHTS)
        weights = [content.CATEGORY_WEIGHTS[k] for k in keys]
        starts = sorted(self._moment(days_ago=rng.uniform(0.05, DAYS)) for _ in range(count))
        created: list[Ticket] = []
        step = max(10, count // 10)
        for done, at in enumerate(starts, start=1):
            key = rng.choices(keys, weights)[0]
            created.append(self._ticket(key, at))
            if done % step == 0 or done == count:
                self.tell(f"  {done}/{count} tickets")
        self._links(created)
        self.counts["tickets"] = len(created)
        self.counts["resolved"] = sum(1 for t in created if t.status in (Status.RESOLVED, Status.CLOSED))

    def approvals(self) -> None:
        """The two shipped approval flows (imported from their JSON, as an admin would), who reports to whom,
        and requests at every stage: waiting for 周敏 (manager), 赵刚 (property manager) and 陈浩 (system
        owner); a renovation and an access request approved at their first stage and waiting at the next; one
        rejected, with its reason. The examples name the shipped 中国大陆 calendar, so their deadlines count the
        demo's working hours, holidays and make-up working days (调休) included (or the site's first working-hours
        calendar if that one is gone; none: round the clock)."""
        people = {u.username: u for u in User.objects.filter(username__in={*content.APPROVAL_MANAGERS,
                                                                             *content.APPROVAL_MANAGERS.values()})}  # fmt: skip
        for username, manager in content.APPROVAL_MANAGERS.items():
            accounts.user_set_manager(actor=None, user=people[username], manager=people[manager])
        # A site whose shipped calendar was renamed or removed counts on its first working-hours calendar.
        calendars = set(BusinessCalendar.objects.values_list("name", flat=True))
        fallback = (
            BusinessCalendar.objects.filter(is_24x7=False).order_by("pk").values_list("name", flat=True)
        )
        for name in ("renovation.json", "access.json"):
            data = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
            if data.get("calendar") and data["calendar"] not in calendars:
                data["calendar"] = fallback.first()
            approvals.flow_import(actor=None, data=data)
        created = []
        for username, key, subject, description, values in content.APPROVAL_REQUESTS:
            requester = User.objects.get(username=username)
            created.append(tickets.ticket_create(actor=requester, subject=subject, description=description,
                                                 category=self.categories[key], custom_values=values,
                                                 channel=Channel.PORTAL))  # fmt: skip
        dear_renovation, erp_access, li_na_access = created[1], created[2], created[4]
        self._decide(dear_renovation, "zhao.gang", "approve", "押金已收，同意施工。")
        self._decide(erp_access, "zhou.min", "approve", "同意，仅限只读。")
        self._decide(li_na_access, "wang.lei", "reject", "生产库管理员权限不对个人开放，请走变更流程。")
        self.counts["approval_requests"] = len(created)

    def drawn_workflow(self) -> None:
        """装修审批, a ticket type whose workflow was drawn in the editor, published as an admin would: one
        application waiting for the property manager's approval, one approved and moved on by it."""
        admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
        code, name, name_en = content.DRAWN_WORKFLOW_TYPE
        ticket_type = configuration.ticket_type_create(actor=None, code=code, name=name, name_en=name_en,
                                                               order=50)  # fmt: skip
        workflows.workflow_draft_save(actor=admin, ticket_type=ticket_type, definition=content.DRAWN_WORKFLOW,
                                      note="装修审批：送审 → 物业经理 → 工程部")  # fmt: skip
        workflows.workflow_publish(actor=admin, ticket_type=ticket_type)
        for username, subject, description, approve in content.DRAWN_WORKFLOW_TICKETS:
            requester = User.objects.get(username=username)
            ticket = tickets.ticket_create(actor=requester, subject=subject, description=description,
                                           ticket_type=ticket_type, channel=Channel.PORTAL)  # fmt: skip
            tickets.ticket_transition(actor=requester, ticket=ticket, action="send_for_approval")
            if approve:
                self._decide(ticket, "zhao.gang", "approve", "同意，请按物业规定时间施工。")
                task = ApprovalTask.objects.filter(
                    step__request__ticket=ticket, status=TaskStatus.PENDING
                ).first()
                if task is not None:
                    self._decide(ticket, task.approver.username, "approve", "工程部已确认图纸。")
        self.counts["drawn_workflow_tickets"] = len(content.DRAWN_WORKFLOW_TICKETS)

    def _decide(self, ticket: Ticket, username: str, decision: str, comment: str) -> None:
        task = ApprovalTask.objects.get(step__request__ticket=ticket, approver__username=username,
                                        status=TaskStatus.PENDING)  # fmt: skip
        approvals.approval_decide(actor=task.approver, task_id=task.pk, decision=decision, comment=comment)

    def automation(self) -> None:
        """What an admin would set up next (content.AUTOMATION_RULES and MACROS): rules tried with a dry run on the
        history and switched on, and the shared macros. The rules act on what happens from now on, not on the
        replayed history (their cursor moves to its end); the time rules' sweep finds the tickets that have been
        waiting on their requester for days within its first five minutes."""

        calendar = BusinessCalendar.objects.filter(is_24x7=False).order_by("pk").first()
        for rule_values in content.AUTOMATION_RULES:
            values = dict(rule_values)
            if values["trigger"] == "time":
                values["calendar"] = calendar
            rule = automation.rule_create(actor=None, **values)
            automation.rule_dry_run(actor=None, rule=rule)
            automation.rule_set_active(actor=None, rule=rule, is_active=True)
        admin = self.staff["zhou.min"]  # the manager owns the shared macros
        for macro_values in content.MACROS:
            automation.macro_create(actor=None, owner=admin, visibility="everyone", **macro_values)
        english = [u for u in self.staff.values() if u.language == "en"]
        for person in english:
            for macro_values in content.MACROS_EN:
                automation.macro_create(actor=None, owner=person, visibility="personal", **macro_values)
        pipeline.move_to_end(AUTOMATION_CONSUMER)
        self.counts.update(automation_rules=len(content.AUTOMATION_RULES),
                           macros=len(content.MACROS) + len(english) * len(content.MACROS_EN))  # fmt: skip

    def form_conditions(self) -> None:
        """Forms an admin tightened after the history (docs/forms.md): a computer must name its asset tag, and a
        network fault that takes the whole floor asks for a phone number to call back."""
        tag = CustomField.objects.get(category=self.categories["equipment"], key="asset_tag")
        configuration.custom_field_update(actor=None, field=tag, logic={
            "require_when": [{"field": "@category", "op": "eq", "value": str(self.categories["computer"].pk)}]})  # fmt: skip
        configuration.custom_field_create(
            actor=None, category=self.categories["network"], key="callback_phone", label="回拨电话",
            label_en="Phone to call back", order=5,
            logic={"require_when": [{"field": "affected", "op": "eq", "value": "floor"}]},
        )  # fmt: skip

    def chat_app(self) -> None:
        """A Feishu app set up as an admin would (docs/chat-apps.md), switched off: the demo cannot reach Feishu,
        so its cards would only fail in the outbox. Its page shows the callback address, who is linked (the
        approvers and the IT lead) and the IT team's group, ready to switch on with real credentials."""
        app = chat_services.chat_app_create(
            actor=None, name="飞书 · 工单助手", platform="feishu", app_id="cli_demo0000000000",
            app_secret=secrets.token_urlsafe(24), token=secrets.token_urlsafe(16), aes_key=secrets.token_urlsafe(16),
            is_active=False,
        )  # fmt: skip
        for username in ("zhou.min", "zhao.gang", "chen.hao", "wang.lei"):
            chat_services.chat_account_add(actor=None, app=app, user=self.staff[username],
                                           external_id=f"demo_{username.replace('.', '_')}")  # fmt: skip
        chat_services.chat_group_add(
            actor=None, app=app, team=self.teams["IT Support"], chat_id="oc_demo_it_support"
        )
        self.counts["chat_apps"] = 1

    def escalations(self) -> None:
        """Run the SLA sweep on the simulated clock, as a consumer would have run it all along: breaches and
        escalation steps land at the moment they fell due (an overdue demo ticket shows when its lead was told
        and its priority raised), not all at once on the first real sweep. What the past would have mailed is
        not sent now, and notices older than a day count as read."""

        at: datetime | None = None
        settled: datetime | None = None  # nothing more happens up to here
        for _round in range(10_000):  # a bound against a runaway loop
            due_clocks = SlaClock.objects.filter(next_escalation_at__lte=self.now)
            if settled is not None:
                due_clocks = due_clocks.filter(next_escalation_at__gt=settled)
            due = (
                due_clocks.order_by("next_escalation_at").values_list("next_escalation_at", flat=True).first()
            )
            if due is None:
                break
            # Never back in time: an action (a raised priority) may re-plan a step that is already past.
            at = due if at is None else max(at, due)
            with replay_clock(at):
                done = escalate_clocks(clock_ids=due_clock_ids(now=at, limit=1000), now=at)
                unacted = EscalationFiring.objects.filter(acted_at__isnull=True).values_list("pk", flat=True)
                done += escalation_act(firing_ids=list(unacted))
            if not done:
                settled = at
        self._answer_pages()
        self.counts["escalations"] = EscalationFiring.objects.count()

    def catch_up(self) -> None:
        """Run the after-commit event consumers (notification rules, surveys, the reports projection) over the
        history here, a few events at a time on the simulated clock of the latest of them, as the queue would
        have run them all along. Otherwise the first minutes of the started site go to reading 90 days of
        events at once: a thousand mails and notices dated today, and a busy database while the first pages
        are asked for."""

        while True:
            cursor = min(EventCursor.objects.values_list("last_event_id", flat=True), default=0)
            upcoming = list(
                TicketEvent.objects.filter(pk__gt=cursor)
                .order_by("pk")
                .values_list("created_at", flat=True)[:CATCH_UP_BATCH]
            )
            if not upcoming:
                break
            with replay_clock(min(max(upcoming), self.now)):
                result = pipeline.run(batch=CATCH_UP_BATCH, max_batches=1)
            if result.failed or not result.events:
                break
        self.counts["events"] = TicketEvent.objects.count()

    def settle(self) -> None:
        """What the past would have mailed is not sent now, and notices older than a day count as read."""
        past = self.now - timedelta(days=1)
        OutboxMessage.objects.filter(created_at__lt=past).delete()
        Notification.objects.filter(read_at__isnull=True, created_at__lt=past).update(read_at=self.now)
        self.counts["mails_waiting"] = OutboxMessage.objects.count()

    def _consumer_escalates(self, ticket: Ticket, *, at: datetime) -> None:
        """What the queue consumer does within seconds of a change that makes an escalation step due at once
        (a P0's on-call page, task `sla_escalate_clocks`), at that moment rather than in the later sweep of
        `escalations`, by which time the ticket's first-response clock has long stopped."""

        due = list(
            SlaClock.objects.filter(ticket=ticket, next_escalation_at__lte=at).values_list("pk", flat=True)
        )
        if due and escalate_clocks(clock_ids=due, now=at):
            unacted = EscalationFiring.objects.filter(clock__ticket=ticket, acted_at__isnull=True)
            escalation_act(firing_ids=list(unacted.values_list("pk", flat=True)))

    def _answer_pages(self) -> None:
        """The on-call people answer the pages the replayed SLA steps sent: most within minutes, some after a
        repeat or two (the second pages the backup too). Repeats and acknowledgements happen through the on-call
        services at their own moments; a page sent in the last minutes may still be ringing."""

        rng = self.rng
        latest = self.now - timedelta(minutes=1)
        for page in list(Page.objects.filter(state=Page.State.OPEN).order_by("created_at", "pk")):
            roll = rng.random()
            repeats = 0 if roll < 0.65 else 1 if roll < 0.85 else 2
            rang = page.created_at
            for _repeat in range(repeats):
                due = Page.objects.get(pk=page.pk).next_repeat_at
                if due is None or due >= latest:
                    break
                with replay_clock(due):
                    page_repeat(page_id=page.pk, now=due)
                rang = due
            page = Page.objects.get(pk=page.pk)
            if page.state != Page.State.OPEN:  # stopped on its own: the ticket was finished meanwhile
                continue
            at = min(rang + timedelta(minutes=rng.uniform(0.5, 4)), latest)
            people = list(
                PageRecipient.objects.filter(page=page, layer=page.layer)
                .select_related("user")
                .order_by("pk")
            ) or list(PageRecipient.objects.filter(page=page).select_related("user").order_by("pk"))
            if at <= page.created_at or not people:
                continue
            with replay_clock(at):
                page_acknowledge(actor=rng.choice(people).user, page_id=page.pk,
                                 via=rng.choice(["web", "web", "email", "api"]))  # fmt: skip
        self.counts["pages"] = Page.objects.count()

    def _moment(self, *, days_ago: float) -> datetime:
        """A moment `days_ago` back, moved into office hours (local time) most of the time."""
        at = timezone.localtime(self.now - timedelta(days=days_ago))
        if self.rng.random() < 0.85:
            at = at.replace(hour=self.rng.randint(8, 18), minute=self.rng.randint(0, 59))
        return min(at, self.now - timedelta(minutes=30))

    def _ticket(self, key: str, at: datetime) -> Ticket:
        rng = self.rng
        requester = rng.choice(self.requesters)
        lang = "en" if requester.language == "en" else "zh"
        room = rng.choice(self.rooms)
        subject, description = rng.choice(content.REPORTS[key][lang])
        room_name = _room_label(room.name, lang)
        category = self.categories[key]
        team_en = next(t for k, _n, _e, _p, t, *_rest in content.CATEGORIES if k == key)
        lead = self.leads[team_en]
        by_phone = rng.random() < 0.15
        ticket = tickets.ticket_create(
            actor=lead if by_phone else requester,
            requester=requester,
            subject=subject.format(room=room_name),
            description=description.format(room=room_name),
            category=category,
            custom_values=self._custom_values(key),
            location=room,
            channel=Channel.PHONE if by_phone else rng.choice([Channel.WEB, Channel.WEB, Channel.EMAIL, Channel.PORTAL]),
            tags=content.TAGS.get(key, []) if by_phone else (),
            created_at=at,
        )  # fmt: skip
        return self._work(ticket, key=key, lang=lang, lead=lead, team_en=team_en, at=at)

    def _work(self, ticket: Ticket, *, key: str, lang: str, lead: User, team_en: str, at: datetime) -> Ticket:
        """Play the ticket's life forward from `at`, stopping at the present."""
        rng = self.rng
        requester = ticket.requester
        agent = rng.choice(self.members[team_en])
        clock = _Clock(at, self.now)

        def step(minutes_low: float, minutes_high: float) -> datetime | None:
            return clock.advance(timedelta(minutes=rng.uniform(minutes_low, minutes_high)))

        # Triage: a lead sets priority and due date, then assigns (a few fresh tickets wait unassigned).
        if (t := step(3, 90)) is None or rng.random() < 0.04:
            return ticket
        with replay_clock(t):
            changes: dict[str, Any] = {}
            roll = rng.random()
            if roll < 0.05:
                changes["priority"] = self.priorities["P0"]
            elif roll < 0.14:
                changes["priority"] = self.priorities["P1"]
            elif roll < 0.22 and key in ("lighting", "access"):
                changes["priority"] = self.priorities["P4"]
            priority_code = changes.get("priority", ticket.priority).code
            changes["due_at"] = ticket.created_at + DUE_AFTER[priority_code]
            if requester.organisation and requester.organisation.service_tier == "vip":
                changes["tags"] = ["vip", *content.TAGS.get(key, [])]
            ticket = tickets.ticket_update(actor=lead, ticket=ticket, changes=changes)
            ticket = tickets.ticket_assign(actor=lead, ticket=ticket, assignee=agent)
            if priority_code == "P0":
                self._consumer_escalates(ticket, at=t)
        urgent = priority_code in ("P0", "P1")
        if (t := step(5, 60 if urgent else 240)) is None:
            return ticket
        with replay_clock(t):
            ticket = tickets.ticket_transition(actor=agent, ticket=ticket, action="start")
            tickets.ticket_comment(actor=agent, ticket=ticket, body=rng.choice(content.FIRST_REPLIES[lang]))
        if rng.random() < 0.3 and (t := step(10, 120)) is not None:
            with replay_clock(t):
                tickets.ticket_comment(actor=agent, ticket=ticket, body=rng.choice(content.INTERNAL_NOTES[lang]),
                                       is_internal=True)  # fmt: skip
        if rng.random() < 0.25:  # waiting on the requester, who answers later
            if (t := step(30, 300)) is None:
                return ticket
            with replay_clock(t):
                ticket = tickets.ticket_transition(actor=agent, ticket=ticket, action="wait_requester")
                tickets.ticket_comment(
                    actor=agent, ticket=ticket, body=rng.choice(content.WAITING_REPLIES[lang])
                )
            if rng.random() < 0.12 or (t := step(60, 60 * 30)) is None:  # still waiting
                return ticket
            with replay_clock(t):
                tickets.ticket_comment(actor=requester, ticket=ticket,
                                       body=rng.choice(content.REQUESTER_REPLIES[lang]))  # fmt: skip
        elif rng.random() < 0.1:  # waiting on a vendor
            if (t := step(30, 240)) is None:
                return ticket
            with replay_clock(t):
                ticket = tickets.ticket_transition(actor=agent, ticket=ticket, action="wait_third_party",
                                                   note=content.INTERNAL_NOTES[lang][0])  # fmt: skip
            if rng.random() < 0.2 or (t := step(60 * 12, 60 * 72)) is None:  # the vendor is slow
                return ticket
            with replay_clock(t):
                ticket = tickets.ticket_transition(actor=agent, ticket=ticket, action="start")
        for _ in range(rng.randint(1, 3)):
            if (t := step(20, 180)) is None:
                return ticket
            with replay_clock(t):
                tickets.time_entry_add(actor=agent, ticket=ticket, minutes=rng.choice([10, 15, 20, 30, 45, 60, 90]),
                                       note=rng.choice(content.TIME_NOTES[lang]))  # fmt: skip
        if rng.random() < 0.04:  # the requester no longer needs it
            if (t := step(30, 600)) is not None:
                with replay_clock(t):
                    ticket = tickets.ticket_transition(actor=requester, ticket=ticket, action="cancel")
            return ticket
        # Most tickets are fixed within their due time, some late; a few stay open for days.
        budget = (ticket.due_at - clock.at).total_seconds() / 60 if ticket.due_at else 600
        late = rng.random() < 0.15
        if (
            rng.random() < 0.07
            or (t := step(max(budget * 0.2, 10), max(budget * (2.5 if late else 0.9), 20))) is None
        ):
            return ticket
        resolution_zh, resolution_en = content.RESOLUTIONS[key]
        with replay_clock(t):
            ticket = tickets.ticket_transition(actor=agent, ticket=ticket, action="resolve",
                                               note=resolution_zh if lang == "zh" else resolution_en)  # fmt: skip
        survey = self._survey_sent(ticket, clock)
        if rng.random() < 0.04 and (t := step(60, 60 * 24)) is not None:  # not fixed after all
            with replay_clock(t):
                ticket = tickets.ticket_transition(actor=requester, ticket=ticket, action="reopen")
                tickets.ticket_comment(
                    actor=requester, ticket=ticket, body=content.REQUESTER_REPLIES[lang][3]
                )
            if (t := step(60, 60 * 24)) is None:
                return ticket
            with replay_clock(t):
                ticket = tickets.ticket_transition(actor=agent, ticket=ticket, action="resolve",
                                                   note=resolution_zh if lang == "zh" else resolution_en)  # fmt: skip
            survey = self._survey_sent(ticket, clock)
        if survey is not None and rng.random() < 0.55 and (t := step(20, 60 * 30)) is not None:
            ticket = self._rate(ticket, survey, at=t, lang=lang)
            if ticket.status not in (Status.RESOLVED, Status.CLOSED):  # a low rating reopened it
                if (t := step(30, 60 * 8)) is None:
                    return ticket
                with replay_clock(t):
                    tickets.ticket_comment(
                        actor=agent, ticket=ticket, body=content.LOW_RATING_FOLLOW_UP[lang]
                    )
                    ticket = tickets.ticket_transition(actor=agent, ticket=ticket, action="resolve",
                                                       note=resolution_zh if lang == "zh" else resolution_en)  # fmt: skip
                self._survey_sent(ticket, clock)
                return ticket
        if rng.random() < 0.75 and (t := step(60, 60 * 72)) is not None:  # the requester confirms
            with replay_clock(t):
                thanks = rng.choice(content.THANKS[lang]) if rng.random() < 0.5 else ""
                ticket = tickets.ticket_transition(
                    actor=requester, ticket=ticket, action="close", note=thanks
                )
        return ticket

    def _survey_sent(self, ticket: Ticket, clock: _Clock) -> Any:
        """The minute scan's survey of the resolution just written (decision 0042), a minute later."""

        event = (
            TicketEvent.objects.filter(ticket=ticket, kind=ticket_events.TRANSITIONED)
            .order_by("-pk")
            .only("pk", "ticket_id", "actor_id", "data", "created_at")
            .first()
        )
        if event is None or (event.data or {}).get("to") != Status.RESOLVED:
            return None
        if (at := clock.advance(timedelta(minutes=1))) is None:
            return None
        with replay_clock(at):
            return survey_for_resolution(event)[0]

    def _rate(self, ticket: Ticket, survey: Any, *, at: datetime, lang: str) -> Ticket:
        """The requester answers the survey: mostly 4 or 5, now and then a low one with a reason (which, as
        the demo's portal settings say, reopens the ticket)."""

        rng = self.rng
        rating = rng.choices(list(content.CSAT_WEIGHTS), weights=list(content.CSAT_WEIGHTS.values()))[0]
        comment = ""
        if rating <= 3 or rng.random() < 0.35:
            comment = rng.choice(content.CSAT_COMMENTS[rating][lang])
        with replay_clock(at):
            survey_answer(survey=survey, rating=rating, comment=comment)
        return Ticket.objects.get(pk=ticket.pk)

    def _links(self, created: list[Ticket]) -> None:
        """A network outage with its child reports, and a few duplicates merged into the original."""
        rng = self.rng
        lead = self.leads["Network"]
        outages = [t for t in created if t.category_id == self.categories["no_internet"].pk]
        if len(outages) >= 4:
            parent, *children = outages[-4:]
            for child in children:
                try:
                    tickets.ticket_link(actor=lead, ticket=child, other=parent, kind="parent")
                except DomainError:
                    continue
        # Colleagues report the same fault twice; the lead merges the second report into the first.
        for original in [t for t in created if t.status in (Status.ASSIGNED, Status.IN_PROGRESS)][-3:]:
            original = Ticket.objects.get(pk=original.pk)
            lead = self.leads[next(name for name, team in self.teams.items() if team.pk == original.team_id)]
            colleague = rng.choice([r for r in self.requesters if r.pk != original.requester_id])
            reported = original.created_at + timedelta(minutes=rng.randint(10, 40))
            if reported >= self.now - timedelta(minutes=2):
                continue
            duplicate = tickets.ticket_create(
                actor=colleague, subject=original.subject, description=original.description,
                category=original.category, custom_values=original.custom_values, location=original.location,
                created_at=reported,
            )  # fmt: skip
            with replay_clock(min(reported + timedelta(minutes=15), self.now - timedelta(minutes=1))):
                tickets.ticket_merge(actor=lead, duplicate=duplicate, into=original)
            created.append(duplicate)
        for ticket in rng.sample(created, k=min(6, len(created))):
            other = rng.choice(created)
            if other.pk != ticket.pk and other.team_id == ticket.team_id and ticket.team_id:
                worker = self.leads[
                    next(name for name, team in self.teams.items() if team.pk == ticket.team_id)
                ]
                try:
                    tickets.ticket_link(actor=worker, ticket=ticket, other=other, kind="relates")
                except DomainError:
                    continue


def _room_label(name: str, lang: str) -> str:
    """ "301 会议室 Meeting room" → "301 会议室" in Chinese text, "301 Meeting room" in English text."""
    words = name.split()
    if lang == "en":
        return " ".join(w for w in words if w.isascii())
    return " ".join(w for w in words if not w.isascii() or w[0].isdigit())


class _Clock:
    """Moves forward through a ticket's life; refuses to step past the present."""

    def __init__(self, start: datetime, limit: datetime) -> None:
        self.at = start
        self.limit = limit - timedelta(minutes=1)

    def advance(self, by: timedelta) -> datetime | None:
        moment = self.at + by
        if moment >= self.limit:
            return None
        self.at = moment
        return moment
