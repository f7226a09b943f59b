"""The shapes the routing screens accept; the services check the business rules. The condition builder is
not a Django form: each condition row posts `cond=<token>` plus `cond-<token>-<field>` inputs."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import STAFF_ROLES, Organisation, ServiceTier, Skill, Team, User
from gongdan.assets.models import AssetType, Criticality, Location
from gongdan.routing.conditions import CODE_KINDS, ID_KINDS, KINDS, OPS, WITHIN, weekday_names
from gongdan.routing.models import PresenceStatus, RebalanceMode, Strategy, WorkSchedule
from gongdan.tickets.models import Category, Channel, Priority, TicketType
from gongdan.web.forms import TablerForm


class RuleForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    team = forms.ModelChoiceField(
        label=_("Target team"), queryset=Team.objects.filter(is_active=True), empty_label=_("Choose a team")
    )
    strategy = forms.ChoiceField(label=_("Strategy"), choices=Strategy.choices)
    max_open_per_agent = forms.IntegerField(
        label=_("Cap per agent"),
        required=False,
        min_value=1,
        max_value=10_000,
        help_text=_("Open tickets an agent may hold before this rule skips them. Empty: no cap."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


def _tree_label(path: str, name: str) -> str:
    depth = max(path.count("/") - 2, 0)
    return f"{'— ' * depth}{name}"


def kind_options(kind: str) -> list[tuple[str, str]]:
    if kind == "category":
        rows = Category.objects.order_by("path", "order")
        return [(str(c.pk), _tree_label(c.path, c.label)) for c in rows]
    if kind == "location":
        return [(str(loc.pk), _tree_label(loc.path, loc.name)) for loc in Location.objects.order_by("path")]
    if kind == "service_tier":
        return [(v, str(label)) for v, label in ServiceTier.choices]
    if kind == "asset_type":
        return [(str(t.pk), t.label) for t in AssetType.objects.all()]
    if kind == "criticality":
        return [(v, str(label)) for v, label in Criticality.choices]
    if kind == "channel":
        return [(v, str(label)) for v, label in Channel.choices]
    if kind == "ticket_type":
        return [(str(t.pk), t.label) for t in TicketType.objects.all()]
    if kind == "priority":
        return [(str(p.pk), str(p)) for p in Priority.objects.all()]
    if kind == "organisation":
        return [(str(o.pk), o.name) for o in Organisation.objects.all()]
    return []


@dataclass
class ConditionRow:
    """One row of the condition builder, as posted or as stored."""

    token: str
    kind: str
    condition: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    @property
    def is_choice(self) -> bool:
        return self.kind in ID_KINDS or self.kind in CODE_KINDS

    @property
    def is_checkboxes(self) -> bool:
        return self.kind in CODE_KINDS

    @property
    def options(self) -> list[tuple[str, str]]:
        return kind_options(self.kind)

    @property
    def selected(self) -> set[str]:
        return {str(v) for v in self.condition.get("values", [])}

    @property
    def text_values(self) -> str:
        return ", ".join(str(v) for v in self.condition.get("values", []))

    @property
    def words(self) -> str:
        return ", ".join(self.condition.get("words", []))

    @property
    def weekdays(self) -> list[tuple[int, str, bool]]:
        days = set(self.condition.get("days", []))
        return [(i, name, i in days) for i, name in enumerate(weekday_names())]

    @property
    def ops(self) -> list[tuple[str, str]]:
        return [("equals", str(_("equals one of"))), ("contains", str(_("contains")))]

    @property
    def within_choices(self) -> list[tuple[str, str]]:
        return [("both", str(_("Subject or description"))), ("subject", str(_("Subject"))),
                ("description", str(_("Description")))]  # fmt: skip

    @property
    def all_errors(self) -> list[str]:
        return [m for messages in self.errors.values() for m in messages]


def new_token() -> str:
    return secrets.token_hex(4)


def rows_from_conditions(conditions: list[dict[str, Any]]) -> list[ConditionRow]:
    return [ConditionRow(new_token(), c.get("kind", ""), c) for c in conditions]


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").replace("、", ",").split(",") if part.strip()]


def rows_from_post(data: QueryDict) -> list[ConditionRow]:
    rows = []
    for token in data.getlist("cond")[:50]:
        if not token.isalnum() or len(token) > 16:
            continue

        def get(name: str, token: str = token) -> str:
            return data.get(f"cond-{token}-{name}", "").strip()

        kind = get("kind")
        condition: dict[str, Any] = {"kind": kind, "negate": bool(get("negate"))}
        if kind in ID_KINDS or kind in CODE_KINDS:
            condition["values"] = data.getlist(f"cond-{token}-values")
        elif kind == "custom_field":
            condition.update(key=get("key"), op=get("op") or "equals", values=_split(get("values")))
        elif kind == "words":
            condition.update(words=_split(get("words")), within=get("within") or "both")
        elif kind == "time":
            condition.update(
                days=data.getlist(f"cond-{token}-days"),
                start=get("start")[:5],
                end=get("end")[:5],
                time_zone=get("time_zone") or "Asia/Shanghai",
            )
        rows.append(ConditionRow(token, kind, condition))
    return rows


def conditions_for_service(rows: list[ConditionRow]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        condition = dict(row.condition)
        if row.kind in ID_KINDS:
            condition["values"] = [int(v) if str(v).isdigit() else v for v in condition.get("values", [])]
        out.append(condition)
    return out


def place_condition_errors(rows: list[ConditionRow], details: dict[str, Any]) -> dict[str, Any]:
    """Put `conditions.<i>.<field>` messages on their rows; return the details that belong elsewhere."""
    rest = {}
    for key, messages in details.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "conditions" and parts[1].isdigit() and int(parts[1]) < len(rows):
            rows[int(parts[1])].errors.setdefault(parts[2], []).extend(str(m) for m in messages)
        else:
            rest[key] = messages
    return rest


class DryRunForm(TablerForm):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.order_by("path"), required=False, empty_label=_("None")
    )
    ticket_type = forms.ModelChoiceField(
        label=_("Type"), queryset=TicketType.objects.all(), required=False, empty_label=_("Category default")
    )
    priority = forms.ModelChoiceField(
        label=_("Priority"),
        queryset=Priority.objects.all(),
        required=False,
        empty_label=_("Category default"),
    )
    organisation = forms.ModelChoiceField(
        label=_("Requester's organisation"),
        queryset=Organisation.objects.all(),
        required=False,
        empty_label=_("None"),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.WEB)
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.order_by("path"), required=False, empty_label=_("None")
    )
    custom_values = forms.CharField(
        label=_("Custom field values"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("room=server room")}),
        help_text=_("One per line: key=value."),
    )
    at = forms.DateTimeField(
        label=_("At"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: now. Read in the site's time zone."),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_ = self.fields["category"]
        assert isinstance(field_, forms.ModelChoiceField)
        field_.label_from_instance = lambda c: _tree_label(c.path, c.label)  # type: ignore[method-assign,assignment]
        location = self.fields["location"]
        assert isinstance(location, forms.ModelChoiceField)
        location.label_from_instance = lambda loc: _tree_label(loc.path, loc.name)  # type: ignore[method-assign,assignment]

    def clean_custom_values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for line in (self.cleaned_data.get("custom_values") or "").splitlines():
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise forms.ValidationError(_("Write each value as key=value."))
            values[key.strip()] = value.strip()
        return values


class SettingsForm(TablerForm):
    rebalance_mode = forms.ChoiceField(
        label=_("When an agent goes away or their shift ends, their unstarted tickets"),
        choices=RebalanceMode.choices,
        widget=forms.RadioSelect,
    )


class SkillRequirementForm(TablerForm):
    skill = forms.ModelChoiceField(
        label=_("Skill"), queryset=Skill.objects.all(), empty_label=_("Choose a skill")
    )
    min_level = forms.IntegerField(label=_("Minimum level"), min_value=1, max_value=5, initial=1)
    category = forms.ModelChoiceField(
        label=_("Category (and below)"),
        queryset=Category.objects.order_by("path"),
        required=False,
        empty_label=_("Any category"),
    )
    field_key = forms.CharField(label=_("Custom field key"), max_length=50, required=False)
    field_value = forms.CharField(label=_("Custom field value"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)
        category.label_from_instance = lambda c: _tree_label(c.path, c.label)  # type: ignore[method-assign,assignment]


class ScheduleForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, initial="Asia/Shanghai")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, name in enumerate(weekday_names()):
            self.fields[f"day_{day}"] = forms.CharField(
                label=name,
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"placeholder": "09:00-12:00, 13:00-18:00", "class": "form-control"}),
            )  # fmt: skip
        self.third_width = {"name", "time_zone"}


class AgentForm(TablerForm):
    status = forms.ChoiceField(label=_("Availability"), choices=PresenceStatus.choices)
    schedule = forms.ModelChoiceField(
        label=_("Work schedule"),
        queryset=WorkSchedule.objects.all(),
        required=False,
        empty_label=_("Always on shift"),
    )


class PresenceForm(TablerForm):
    status = forms.ChoiceField(
        label=_("Availability"), choices=PresenceStatus.choices, widget=forms.RadioSelect
    )


def staff_users() -> Any:
    return User.objects.filter(is_active=True, role__in=STAFF_ROLES)


WITHIN_CHOICES = WITHIN
OP_CHOICES = OPS
