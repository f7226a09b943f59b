"""The files a start reads, read ahead of it (decision 0191).

A start loads some 1,200 compiled modules, about 50 extension and shared libraries, the pages' first templates and
the translation catalogues, one file after another. On a machine whose file cache has gone cold (a site
started in the morning, a virtual machine that hands its idle memory back) each of those reads waits for the
disk in turn: measured here, a cold preload took 1,000–1,200 ms against 730 ms warm. The arbiter records the
files it loaded once it is ready; the next `./gongdan start` reads them in parallel background processes
while Python starts, so the disk works on many reads at once instead of one read per import. Reading them
only fills the operating system's cache: nothing is run from the list, and a file missing from it (a module
added since) is read the usual way.

The list is the environment's (`.venv/.gongdan-start-files`), NUL-separated, rewritten only when it changes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.utils.translation import to_locale

LIST_NAME = ".gongdan-start-files"


def loaded_files() -> list[str]:
    """The files this process has loaded: compiled modules, extension modules and shared libraries (from the
    memory map), the templates in the template cache and the translation catalogues. Not checked one by one
    (3 ms here, against 15 ms with a stat per file): a name that is gone is skipped by the reader.

    In the order the start needs them, so that the first reads ahead are the first the start waits for: the
    interpreter and its libraries, then the modules in the order they were imported (`sys.modules` keeps it),
    then templates and catalogues."""
    found: dict[str, None] = dict.fromkeys(_mapped_files())
    for module in list(sys.modules.values()):
        for attribute in ("__cached__", "__file__"):
            name = getattr(module, attribute, None)
            if isinstance(name, str) and not name.endswith(".py"):
                found[name] = None
                break
    found.update(dict.fromkeys(_templates()))
    found.update(dict.fromkeys(sorted(_catalogues())))
    return [name for name in found if name.startswith("/")]


def record(files: Iterable[str] | None = None) -> bool:
    """Write the list beside the environment when it differs from what is there; True when written."""
    target = Path(sys.prefix) / LIST_NAME
    content = "".join(f"{name}\0" for name in (loaded_files() if files is None else files)).encode()
    try:
        if target.is_file() and target.read_bytes() == content:
            return False
        partial = target.with_name(f"{LIST_NAME}.{os.getpid()}")  # two sites starting at once do not mix
        partial.write_bytes(content)
        partial.replace(target)
    except OSError:
        return False  # a read-only environment starts as before, without reading ahead
    return True


def _mapped_files() -> list[str]:
    try:
        lines = Path("/proc/self/maps").read_text().splitlines()
    except OSError:  # not Linux
        return []
    fields = (line.split(None, 5) for line in lines)
    return list(
        dict.fromkeys(
            parts[5]
            for parts in fields
            if len(parts) == 6 and parts[5].startswith("/") and not parts[5].endswith(" (deleted)")
        )
    )


def _templates() -> set[str]:
    names: set[str] = set()
    for engine in engines.all():
        if not isinstance(engine, DjangoTemplates):
            continue
        for loader in engine.engine.template_loaders:
            for template in getattr(loader, "get_template_cache", {}).values():
                origin = getattr(template, "origin", None)
                if origin is not None and isinstance(origin.name, str):
                    names.add(origin.name)
    return names


def _catalogues() -> set[str]:
    folders = [str(folder) for folder in settings.LOCALE_PATHS]
    folders += [os.path.join(config.path, "locale") for config in apps.get_app_configs()]
    folders.append(os.path.join(os.path.dirname(django.__file__), "conf", "locale"))
    variants = {name for code, _name in settings.LANGUAGES for name in (to_locale(code), code.split("-")[0])}
    candidates = (
        os.path.join(folder, variant, "LC_MESSAGES", "django.mo")
        for folder in folders
        for variant in variants
    )
    return {name for name in candidates if os.path.isfile(name)}
