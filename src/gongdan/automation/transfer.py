"""The automation rules and shared macros as sections of the configuration file (admin_console.transfer):
the same items as the automation's own export (references by natural key, automation.references), applied
by the same import — so imported rules arrive switched off until they are dry-run on this site."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from gongdan.accounts.models import User
from gongdan.admin_console.transfer import CREATE, UNCHANGED, UPDATE, Change, Item, TransferSection
from gongdan.automation import services
from gongdan.automation.models import Macro, Rule


def _name(item: Item) -> str:
    return " ".join(str(item.get("name") or "").split())


def _versions(rows: list[Rule] | list[Macro]) -> dict[str, int]:
    return {row.name: row.version for row in rows}


def _changes(section: str, items: list[Item], before: dict[str, int], after: dict[str, int]) -> list[Change]:
    changes = []
    for item in items:
        name = _name(item)
        action = CREATE if name not in before else (UPDATE if after.get(name) != before[name] else UNCHANGED)
        changes.append(Change(section, name, action))
    return changes


def export_rules() -> list[Item]:
    return list(services.config_export(actor=None)["rules"])


def apply_rules(actor: User, items: list[Item]) -> list[Change]:
    before = _versions(list(Rule.objects.all()))
    services.config_import(actor=actor, data={"format": services.EXPORT_FORMAT, "rules": items, "macros": []})
    return _changes("automation_rules", items, before, _versions(list(Rule.objects.all())))


def _shared() -> list[Macro]:
    return list(Macro.objects.exclude(visibility=Macro.Visibility.PERSONAL))


def export_macros() -> list[Item]:
    return list(services.config_export(actor=None)["macros"])


def apply_macros(actor: User, items: list[Item]) -> list[Change]:
    before = _versions(_shared())
    services.config_import(actor=actor, data={"format": services.EXPORT_FORMAT, "rules": [], "macros": items})
    return _changes("macros", items, before, _versions(_shared()))


SECTIONS = (
    TransferSection(key="automation_rules", title=gettext_lazy("Automation rules"), order=60,
                    export=export_rules, apply=apply_rules, key_of=_name),
    TransferSection(key="macros", title=gettext_lazy("Macros"), order=61, export=export_macros,
                    apply=apply_macros, key_of=_name),
)  # fmt: skip
