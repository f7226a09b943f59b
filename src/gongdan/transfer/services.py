"""Export, preview, import, versions and revert of the site's configuration (issue 15, item 7; decision 0155).

The file is one JSON object: ``{"format": "gongdan.configuration/1", "exported_at": …, "sections": {key:
[items]}}``; the sections and their items belong to the apps that registered them (admin_console.transfer).
An import creates or updates rows by natural key through the apps' own services, in one transaction: if any
item is refused the whole import is rolled back and the reason names the item. The preview is the same import
rolled back at the end, so what it reports is what the import does. Nothing absent from the file is deleted."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.accounts.services import require_admin
from gongdan.admin_console.transfer import (
    CREATE,
    UNCHANGED,
    UPDATE,
    Change,
    Item,
    changed_fields,
    transfer_sections,
)
from gongdan.audit.services import audit_record
from gongdan.core.domain_errors import ValidationFailed
from gongdan.transfer.models import ConfigurationVersion

FORMAT = "gongdan.configuration/1"
MAX_ITEMS = 5000
AUDIT_IMPORT = "config.import"
AUDIT_REVERT = "config.revert"
AUDIT_EXPORT = "config.export"
AUDIT_PREVIEW = "config.preview"


def _refuse(message: str, key: str = "file") -> ValidationFailed:
    return ValidationFailed(message, details={key: [message]})


def _content(keys: list[str] | None = None) -> dict[str, Any]:
    return {"format": FORMAT, "exported_at": timezone.now().isoformat(),
            "sections": {s.key: s.export() for s in transfer_sections() if keys is None or s.key in keys}}  # fmt: skip


def section_choices() -> list[tuple[str, str]]:
    return [(s.key, str(s.title)) for s in transfer_sections()]


def config_export(*, actor: User | None, sections: list[str] | None = None) -> dict[str, Any]:
    """The configuration as one JSON object; `sections` picks some (all when None). An export by a person is
    recorded in the audit trail."""
    if actor is not None:
        require_admin(actor)
    known = {s.key for s in transfer_sections()}
    if sections is not None and (unknown := [k for k in sections if k not in known]):
        raise _refuse(_("Unknown section: %(keys)s.") % {"keys": ", ".join(unknown)}, "sections")
    content = _content(sections)
    if actor is not None:
        audit_record(kind=AUDIT_EXPORT, actor=actor, object_type="configuration", object_repr="configuration",
                     detail={"sections": sorted(content["sections"])})  # fmt: skip
    return content


def check_file(data: Any) -> dict[str, list[Item]]:
    """The file's sections, in the order they are applied, or a clear refusal of its shape."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _refuse(_("This is not a Gongdan configuration file (format %(format)s).") % {"format": FORMAT})
    sections = data.get("sections")
    if not isinstance(sections, dict) or not sections:
        raise _refuse(_("The file has no sections."))
    known = {s.key for s in transfer_sections()}
    if unknown := sorted(k for k in sections if k not in known):
        raise _refuse(_("This site does not know the sections %(keys)s.") % {"keys": ", ".join(unknown)})
    total = 0
    for key, items in sections.items():
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise _refuse(_("The section “%(key)s” must be a list of objects.") % {"key": key})
        total += len(items)
    if total > MAX_ITEMS:
        raise _refuse(_("The file holds more than %(max)d items.") % {"max": MAX_ITEMS})
    return {s.key: sections[s.key] for s in transfer_sections() if s.key in sections}


@dataclass
class ImportReport:
    changes: list[Change]
    dry_run: bool
    version: ConfigurationVersion | None = None

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def created(self) -> int:
        return self.count(CREATE)

    @property
    def updated(self) -> int:
        return self.count(UPDATE)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)


def _apply(actor: User, sections: dict[str, list[Item]]) -> list[Change]:
    by_key = {s.key: s for s in transfer_sections()}
    changes: list[Change] = []
    for key, items in sections.items():
        keys = [by_key[key].key_of(i) for i in items]
        if len(keys) != len(set(keys)):
            twice = sorted({k for k in keys if keys.count(k) > 1})
            raise _refuse(_("The section “%(key)s” names %(names)s more than once.") % {"key": key,
                                                                                    "names": ", ".join(twice)})  # fmt: skip
        changes += by_key[key].apply(actor, items)
    return changes


def _next_number() -> int:
    return (ConfigurationVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1


def _version(*, actor: User | None, reason: str, note: str = "", changes: list[Change] | None = None,
             content: dict[str, Any] | None = None) -> ConfigurationVersion:  # fmt: skip
    return ConfigurationVersion.objects.create(
        number=_next_number(), reason=reason, note=note[:200], actor=actor, content=content or _content(),
        changes=[{**asdict(c), "fields": list(c.fields)} for c in changes or [] if c.action != UNCHANGED],
    )  # fmt: skip


def _keep_current(actor: User | None) -> None:
    """Before a change of many rows: the configuration as it stands, unless the latest version already is it."""
    latest = ConfigurationVersion.objects.order_by("-number").first()
    current = _content()
    if latest is None or latest.content.get("sections") != current["sections"]:
        _version(actor=actor, reason=ConfigurationVersion.Reason.BEFORE_IMPORT, content=current)


def config_import(*, actor: User, data: Any, dry_run: bool = False, reason: str = ConfigurationVersion.Reason.IMPORTED,
                  note: str = "") -> ImportReport:  # fmt: skip
    """Check the whole file, then create or update every item through its app's services, all in one
    transaction (a refused item rolls everything back). `dry_run`: the same, rolled back at the end — the
    report says what the import would do. A real import keeps the configuration before it and after it as
    versions, and writes one audit entry with what changed."""
    require_admin(actor)
    sections = check_file(data)
    if dry_run:
        with transaction.atomic():
            changes = _apply(actor, sections)
            transaction.set_rollback(True)
        report = ImportReport(changes=changes, dry_run=True)
        audit_record(kind=AUDIT_PREVIEW, actor=actor, object_type="configuration", object_repr="configuration",
                     detail={"created": report.created, "updated": report.updated, "unchanged": report.unchanged})  # fmt: skip
        return report
    with transaction.atomic():
        _keep_current(actor)
        changes = _apply(actor, sections)
        version = _version(actor=actor, reason=reason, note=note, changes=changes)
        audit_record(kind=AUDIT_REVERT if reason == ConfigurationVersion.Reason.REVERTED else AUDIT_IMPORT,
                     actor=actor, object_type="transfer.configurationversion", object_id=version.pk,
                     object_repr=str(version), detail={"changes": version.changes})  # fmt: skip
    return ImportReport(changes=changes, dry_run=False, version=version)


@transaction.atomic
def version_save(*, actor: User, note: str = "") -> ConfigurationVersion:
    """Keep the configuration as it stands now, with a note (before a round of changes by hand)."""
    require_admin(actor)
    if len(note) > 200:
        raise _refuse(_("At most %(max)d characters.") % {"max": 200}, "note")
    latest = ConfigurationVersion.objects.order_by("-number").first()
    content = _content()
    changes = version_diff(older=latest.content, newer=content) if latest else []
    version = _version(actor=actor, reason=ConfigurationVersion.Reason.SAVED, note=note.strip(),
                       changes=changes, content=content)  # fmt: skip
    audit_record(kind="config.create", actor=actor, object_type="transfer.configurationversion",
                 object_id=version.pk, object_repr=str(version), detail={"after": {"note": version.note}})  # fmt: skip
    return version


def version_diff(*, older: dict[str, Any], newer: dict[str, Any]) -> list[Change]:
    """What differs between two files, by section and natural key: created (only in the newer), updated (the
    fields that differ), and "removed" (only in the older: an import or a revert leaves such rows alone)."""
    by_key = {s.key: s for s in transfer_sections()}
    changes = []
    old_sections, new_sections = older.get("sections") or {}, newer.get("sections") or {}
    for key, section in by_key.items():
        old = {section.key_of(i): i for i in old_sections.get(key) or []}
        new = {section.key_of(i): i for i in new_sections.get(key) or []}
        for name, item in new.items():
            if name not in old:
                changes.append(Change(key, name, CREATE))
            elif fields := changed_fields(old[name], item):
                changes.append(Change(key, name, UPDATE, fields))
        changes += [Change(key, name, "removed") for name in old if name not in new]
    return changes


def version_revert(*, actor: User, version: ConfigurationVersion) -> ImportReport:
    """Put every row the version holds back as it was then (an import of its file, kept as a new version).
    Rows created since are left in place; the diff page lists them."""
    return config_import(actor=actor, data=version.content, reason=ConfigurationVersion.Reason.REVERTED,
                         note=_("Back to version %(n)d") % {"n": version.number})  # fmt: skip
