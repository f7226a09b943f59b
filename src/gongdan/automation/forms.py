"""The rule editor's form and its condition and action rows (the builder: rows of field / operator / value and
of actions, added and removed with htmx, or with plain buttons without JavaScript), and the macro form."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import Team, User
from gongdan.automation import actions as action_types
from gongdan.automation import conditions, triggers
from gongdan.automation.models import Macro
from gongdan.outbox.models import Webhook
from gongdan.sla.models import BusinessCalendar
from gongdan.tickets.models import CustomField, Status
from gongdan.tickets.reference import reference
from gongdan.web.forms import TablerForm


def new_token() -> str:
    return secrets.token_hex(4)


def custom_field_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for row in CustomField.objects.filter(is_active=True).order_by("key"):
        seen.setdefault(f"custom.{row.key}", f"{_('Custom field')}: {row.display_label}")
    return list(seen.items())


def condition_field_choices() -> list[tuple[str, str]]:
    built_in = [(key, str(f.label)) for key, f in conditions.FIELDS.items()]
    return built_in + custom_field_choices() + conditions.source_field_choices()


def workflow_actions() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for transition in reference().transitions:
        seen.setdefault(transition.action, f"{transition.label} ({transition.action})")
    return list(seen.items())


def settable_fields() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in action_types.SETTABLE.items()] + custom_field_choices()


def staff_choices() -> list[tuple[str, str]]:
    people = User.objects.filter(
        is_active=True, role__in=["agent", "team_lead", "manager", "admin"]
    ).order_by("username")
    return [(str(u.pk), u.name) for u in people.exclude(username="automation")[:500]]


class RuleForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    trigger = forms.ChoiceField(label=_("When"), choices=())
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    wait_status = forms.ChoiceField(label=_("Waiting in status (time rules)"), required=False, choices=())
    wait_business_days = forms.IntegerField(label=_("For business days (time rules)"), required=False, min_value=1,
                                            max_value=365)  # fmt: skip
    calendar = forms.ModelChoiceField(label=_("Business calendar (time rules)"), required=False,
                                      queryset=BusinessCalendar.objects.all())  # fmt: skip
    third_width = ("wait_status", "wait_business_days", "calendar")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["trigger"]).choices = triggers.choices()
        cast(forms.ChoiceField, self.fields["wait_status"]).choices = [("", "—"), *Status.choices]


@dataclass
class Row:
    """One condition or action row, as posted or as stored, with the service's errors for it."""

    token: str
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)

    @property
    def type(self) -> str:
        return str(self.values.get("type", ""))

    @property
    def type_label(self) -> str:
        return str(action_types.TYPES.get(self.type, self.type))

    def text(self, name: str) -> str:
        value = self.values.get(name)
        if isinstance(value, list):
            return ("\n" if name == "items" else ", ").join(str(v) for v in value)
        return "" if value is None else str(value)

    @property
    def value_text(self) -> str:
        return self.text("value")

    @property
    def tags_text(self) -> str:
        return self.text("tags")

    @property
    def items_text(self) -> str:
        return self.text("items")

    @property
    def selected(self) -> set[str]:
        raw = self.values.get("recipients") or []
        return {str(v) for v in raw}


def rows_from(items: list[dict[str, Any]]) -> list[Row]:
    return [Row(new_token(), dict(item)) for item in items]


def condition_rows_from_post(post: QueryDict) -> list[Row]:
    rows = []
    for token in post.getlist("cond"):
        values = {"field": post.get(f"cond-{token}-field", ""), "op": post.get(f"cond-{token}-op", ""),
                  "value": post.get(f"cond-{token}-value", "")}  # fmt: skip
        rows.append(Row(token, values))
    return rows


ACTION_KEYS = ("field", "value", "team", "assignee", "tags", "body", "action", "message", "webhook", "items")


def action_rows_from_post(post: QueryDict) -> list[Row]:
    rows = []
    for token in post.getlist("act"):
        values: dict[str, Any] = {"type": post.get(f"act-{token}-type", "")}
        for key in ACTION_KEYS:
            if f"act-{token}-{key}" in post:
                values[key] = post.get(f"act-{token}-{key}", "")
        if values["type"] == "notify":
            values["recipients"] = post.getlist(f"act-{token}-recipients")
        rows.append(Row(token, values))
    return rows


def for_service(rows: list[Row]) -> list[dict[str, Any]]:
    return [dict(row.values) for row in rows]


def place_errors(rows: list[Row], details: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Give each row the service's messages for it; return those that belong to no row."""
    rest: dict[str, Any] = {}
    for key, messages in details.items():
        parts = key.split(".")
        if parts[0] == prefix and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(rows):
            rows[int(parts[1])].errors.extend(str(m) for m in messages)
        elif key != prefix or not rows:
            rest[key] = messages
        else:
            rest[key] = messages
    return rest


def builder_context() -> dict[str, Any]:
    """What the rows' selects offer (read once per page)."""
    return {
        "field_choices": condition_field_choices(),
        "operator_choices": [(k, str(v)) for k, v in conditions.OPERATORS.items()],
        "action_types": [(k, str(v)) for k, v in action_types.TYPES.items()],
        "settable_fields": settable_fields(),
        "team_choices": [(str(t.pk), str(t)) for t in Team.objects.filter(is_active=True).order_by("name")],
        "staff_choices": staff_choices(),
        "workflow_actions": workflow_actions(),
        "recipient_choices": [(k, str(v)) for k, v in action_types.RECIPIENTS.items()],
        "webhook_choices": [(str(h.pk), h.name) for h in Webhook.objects.order_by("name")],
    }


class ImportForm(TablerForm):
    file = forms.FileField(label=_("Export file (JSON)"))


class MacroForm(TablerForm):
    """A macro's reply and its field changes, as plain fields (each becomes one action for the service)."""

    name = forms.CharField(label=_("Name"), max_length=120)
    reply_kind = forms.ChoiceField(label=_("Reply as"), choices=Macro.ReplyKind.choices)
    body = forms.CharField(label=_("Reply template"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("Placeholders: {{number}}, {{subject}}, {{requester}}, {{assignee}}, "
                                       "{{team}}, {{status}}, {{priority}}, {{category}}, {{agent}}, "
                                       "{{custom.<key>}}."))  # fmt: skip
    set_priority = forms.ChoiceField(label=_("Set the priority"), required=False, choices=())
    transition = forms.ChoiceField(label=_("Change the status by"), required=False, choices=())
    add_tags = forms.CharField(label=_("Add tags (comma-separated)"), required=False, max_length=500)
    assign_team = forms.ChoiceField(label=_("Move to team"), required=False, choices=())
    visibility = forms.ChoiceField(label=_("Shared with"), choices=Macro.Visibility.choices)
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.filter(is_active=True)
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["set_priority"]).choices = [
            ("", "—"),
            *[(p.code, str(p)) for p in reference().priorities.values()],
        ]
        cast(forms.ChoiceField, self.fields["transition"]).choices = [("", "—"), *workflow_actions()]
        cast(forms.ChoiceField, self.fields["assign_team"]).choices = [
            ("", "—"),
            *[(str(t.pk), str(t)) for t in reference().teams.values()],
        ]

    @staticmethod
    def initial_of(macro: Macro) -> dict[str, Any]:
        initial: dict[str, Any] = {"name": macro.name, "reply_kind": macro.reply_kind, "body": macro.body,
                                   "visibility": macro.visibility, "team": macro.team_id, "is_active": macro.is_active}  # fmt: skip
        for action in macro.actions:
            if action.get("type") == "set_field" and action.get("field") == "priority":
                initial["set_priority"] = action.get("value")
            elif action.get("type") == "transition":
                initial["transition"] = action.get("action")
            elif action.get("type") == "add_tags":
                initial["add_tags"] = ", ".join(action.get("tags") or [])
            elif action.get("type") == "assign":
                initial["assign_team"] = str(action.get("team") or "")
        return initial

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        macro_actions: list[dict[str, Any]] = []
        if data.get("set_priority"):
            macro_actions.append({"type": "set_field", "field": "priority", "value": data["set_priority"]})
        if data.get("assign_team"):
            macro_actions.append({"type": "assign", "team": data["assign_team"], "assignee": None})
        if data.get("add_tags"):
            macro_actions.append({"type": "add_tags", "tags": data["add_tags"]})
        if data.get("transition"):
            macro_actions.append({"type": "transition", "action": data["transition"]})
        return {"name": data["name"], "reply_kind": data["reply_kind"], "body": data["body"],
                "visibility": data["visibility"], "team": data.get("team"), "is_active": data["is_active"],
                "actions": macro_actions}  # fmt: skip
