"""Ship the mainland China calendar (2026 per the State Council notice, 2027 provisional), a 24×7 calendar
and two default policies with escalation steps. Admins edit all of it under Settings → Routing & SLA."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "china_mainland.json"
WORKDAY = [[540, 720], [780, 1080]]

# code: (first response, next response, resolution) in business minutes
URGENT = {"P0": (15, 30, 240), "P1": (30, 60, 480)}
STANDARD = {
    "P0": (60, 60, 480),
    "P1": (120, 120, 960),
    "P2": (240, 480, 1440),
    "P3": (480, 960, 2400),
    "P4": (960, 1440, 4800),
}


def seed(apps, schema_editor):
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    CalendarDay = apps.get_model("sla", "CalendarDay")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    EscalationStep = apps.get_model("sla", "EscalationStep")
    SlaConfigVersion = apps.get_model("sla", "SlaConfigVersion")
    Priority = apps.get_model("tickets", "Priority")

    data = json.loads(DATA.read_text(encoding="utf-8"))
    china, created = BusinessCalendar.objects.get_or_create(
        name=data["name"],
        defaults={"name_en": data["name_en"], "time_zone": data["time_zone"],
                  "weekly_hours": data["weekly_hours"], "description": data["description"]},
    )
    if created:
        CalendarDay.objects.bulk_create([
            CalendarDay(calendar=china, date=d["date"], kind=d["kind"], name=d["name"],
                        hours=WORKDAY if d["kind"] == "workday" else [],
                        is_provisional=d.get("provisional", False))
            for d in data["days"]
        ])
    always, _ = BusinessCalendar.objects.get_or_create(
        name="全天候 24×7", defaults={"name_en": "Around the clock (24×7)", "time_zone": "Asia/Shanghai",
                                   "is_24x7": True, "description": "Every hour of every day."},
    )
    priorities = {p.code: p for p in Priority.objects.all()}
    if not SlaPolicy.objects.exists():
        urgent = SlaPolicy.objects.create(
            name="紧急（全天候）", name_en="Urgent (24×7)", order=10, calendar=always,
            conditions={"priorities": list(URGENT)}, stage_minutes=120,
        )
        standard = SlaPolicy.objects.create(
            name="标准（工作时间）", name_en="Standard (business hours)", order=20, calendar=china,
            conditions={}, stage_minutes=480,
        )
        for policy, table in ((urgent, URGENT), (standard, STANDARD)):
            for code, (first, following, resolution) in table.items():
                if code in priorities:
                    SlaTarget.objects.create(policy=policy, priority=priorities[code], first_response_minutes=first,
                                             next_response_minutes=following, resolution_minutes=resolution)
        steps = [
            (urgent, "first_response", 0, "page_on_call", priorities.get("P0")),
            (urgent, "first_response", 80, "notify_assignee", None),
            (urgent, "first_response", 100, "notify_team_leads", None),
            (urgent, "resolution", 80, "notify_assignee", None),
            (urgent, "resolution", 100, "notify_team_leads", None),
            (standard, "first_response", 80, "notify_assignee", None),
            (standard, "first_response", 100, "notify_team_leads", None),
            (standard, "resolution", 80, "notify_assignee", None),
            (standard, "resolution", 100, "notify_team_leads", None),
            (standard, "resolution", 100, "raise_priority", None),
        ]
        for policy, target, percent, action, priority in steps:
            EscalationStep.objects.create(policy=policy, target=target, percent=percent, action=action,
                                          priority=priority)
    SlaConfigVersion.objects.get_or_create(pk=1, defaults={"version": 1})
    version = SlaConfigVersion.objects.get(pk=1)
    version.version += 1
    version.save()


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0001_initial"),
        ("tickets", "0003_default_configuration"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
