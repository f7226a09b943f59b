"""The shapes monitoring systems send, checked at the edge and turned into `alerts.Alert`.

Alertmanager: the webhook payload version 4 (one POST per alert group). Zabbix: the JSON our media type
script (docs/channels-alerts.md) sends, one POST per event; unresolved macros arrive as literal
`{MACRO}` text or `*UNKNOWN*` and count as absent.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError

from gongdan.api.errors import validation_details
from gongdan.core.domain_errors import ValidationFailed
from gongdan.integrations.alerts import Alert

MAX_ALERTS_PER_DELIVERY = 5000
MACRO_RE = re.compile(r"^\{[A-Z0-9_.$]+\}$|^\*UNKNOWN\*$")


def _fail(errors: PydanticError) -> ValidationFailed:
    return ValidationFailed(
        _("Some fields are not valid."), details=validation_details([dict(e) for e in errors.errors()])
    )


class AmAlert(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: str = Field(default="", max_length=40)
    endsAt: str = Field(default="", max_length=40)
    generatorURL: str = Field(default="", max_length=2000)
    fingerprint: str = Field(min_length=1, max_length=128)


class AmMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: Literal["4"]
    status: Literal["firing", "resolved"]
    receiver: str = ""
    alerts: list[AmAlert] = Field(max_length=MAX_ALERTS_PER_DELIVERY)
    groupLabels: dict[str, str] = Field(default_factory=dict)
    commonLabels: dict[str, str] = Field(default_factory=dict)
    commonAnnotations: dict[str, str] = Field(default_factory=dict)
    externalURL: str = ""
    groupKey: str = ""
    truncatedAlerts: int = 0


def parse_alertmanager(data: Any, *, severity_label: str = "severity") -> tuple[list[Alert], AmMessage]:
    if not isinstance(data, dict):
        raise ValidationFailed(_("The body must be a JSON object."), code="invalid_payload")
    version = data.get("version")
    if version != "4":
        raise ValidationFailed(
            _("Unsupported Alertmanager payload version %(version)s: this endpoint speaks version 4.")
            % {"version": repr(version)},
            code="unsupported_version",
            details={"version": [_("Must be “4”.")]},
        )
    try:
        message = AmMessage.model_validate(data)
    except PydanticError as exc:
        raise _fail(exc) from None
    alerts = [_am_alert(a, message, severity_label) for a in message.alerts]
    return alerts, message


def _am_alert(alert: AmAlert, message: AmMessage, severity_label: str) -> Alert:
    labels, notes = alert.labels, alert.annotations
    summary = notes.get("summary") or notes.get("title") or ""
    name = labels.get("alertname", "")
    instance = labels.get("instance", "")
    subject = summary or (f"{name} on {instance}" if name and instance else name) or alert.fingerprint
    lines = []
    if summary:
        lines.append(f"**{summary}**")
    if notes.get("description"):
        lines.append(notes["description"])
    lines.append(_("Labels:"))
    lines.extend(f"- `{k}`: {v}" for k, v in sorted(labels.items()))
    extra = {k: v for k, v in notes.items() if k not in ("summary", "description")}
    if extra:
        lines.append(_("Annotations:"))
        lines.extend(f"- `{k}`: {v}" for k, v in sorted(extra.items()))
    lines.append(_("Started: %(when)s") % {"when": alert.startsAt})
    if alert.generatorURL.startswith(("http://", "https://")):
        lines.append(_("Source: %(url)s") % {"url": alert.generatorURL})
    if message.externalURL.startswith(("http://", "https://")):
        lines.append(_("Alertmanager: %(url)s") % {"url": message.externalURL})
    lines.append(_("Fingerprint: %(fingerprint)s") % {"fingerprint": alert.fingerprint})
    return Alert(
        key=alert.fingerprint,
        firing=alert.status == "firing",
        starts_at=alert.startsAt,
        ends_at=alert.endsAt if alert.status == "resolved" else "",
        severity=labels.get(severity_label, ""),
        subject=subject,
        description="\n\n".join(lines[:3]) + "\n" + "\n".join(lines[3:]),
        repeat_note=summary,
    )


def macro(value: Any) -> str:
    """A Zabbix parameter, or "" when its macro was not resolved."""
    text = "" if value is None else str(value).strip()
    return "" if MACRO_RE.match(text) else text


class ZabbixTag(BaseModel):
    model_config = ConfigDict(extra="ignore")
    tag: str = Field(max_length=255)
    value: str = Field(default="", max_length=255)


class ZabbixEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: Literal["problem", "recovery", "update"]
    event_id: str = Field(min_length=1, max_length=64)
    event_value: str = ""
    severity: str = Field(default="", max_length=60)
    nseverity: str = Field(default="", max_length=2)
    subject: str = Field(default="", max_length=2000)
    message: str = Field(default="", max_length=60_000)
    host: str = Field(default="", max_length=255)
    trigger_id: str = Field(default="", max_length=64)
    recovery_event_id: str = ""
    event_time: str = Field(default="", max_length=40)
    tags: list[ZabbixTag] = Field(default_factory=list, max_length=200)
    url: str = Field(default="", max_length=2000)


def parse_zabbix(data: Any) -> tuple[ZabbixEvent, Alert]:
    if not isinstance(data, dict):
        raise ValidationFailed(_("The body must be a JSON object."), code="invalid_payload")
    cleaned = {k: (macro(v) if isinstance(v, str | int) else v) for k, v in data.items()}
    try:
        event = ZabbixEvent.model_validate(cleaned)
    except PydanticError as exc:
        raise _fail(exc) from None
    if not re.fullmatch(r"\d+", event.event_id):
        raise ValidationFailed(
            _("event_id must be Zabbix's numeric {EVENT.ID}."),
            details={"event_id": [_("Has an invalid format.")]},
        )
    lines = [event.message] if event.message else []
    if event.host:
        lines.append(_("Host: %(host)s") % {"host": event.host})
    if event.severity or event.nseverity:
        lines.append(_("Severity: %(severity)s") % {"severity": event.severity or event.nseverity})
    tags = [f"{t.tag}:{macro(t.value)}" if macro(t.value) else t.tag for t in event.tags if macro(t.tag)]
    if tags:
        lines.append(_("Tags: %(tags)s") % {"tags": ", ".join(tags)})
    if event.url.startswith(("http://", "https://")):
        lines.append(_("Zabbix: %(url)s") % {"url": event.url})
    lines.append(_("Event id: %(id)s") % {"id": event.event_id})
    alert = Alert(
        key=event.event_id,
        firing=event.kind == "problem",
        starts_at=f"event:{event.event_id}",  # one problem event fires once; repeats of it change nothing
        ends_at=event.event_time if event.kind == "recovery" else "",
        severity=event.severity or event.nseverity,
        subject=event.subject
        or (f"{event.host}: problem {event.event_id}" if event.host else event.event_id),
        description="\n\n".join(lines),
    )
    return event, alert
