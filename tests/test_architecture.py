"""The app map holds (docs/architecture.md, decisions 0061 and 0065): the layers between apps and the tickets
app's public door (import-linter contracts in pyproject.toml), imports at the top of modules, and no app
reaching into another's private names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "gongdan"
PROJECT = SRC.parent.parent


def modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def app_of(path: Path) -> str:
    parts = path.relative_to(SRC).parts
    return parts[0] if len(parts) > 1 else path.stem


def test_the_import_contracts_hold():
    result = subprocess.run(  # noqa: S603
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(SRC.parent), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_imports_sit_at_the_top_of_modules_except_in_app_ready():
    """An import inside a function hides a dependency (and usually a cycle). AppConfig.ready() is the place
    for them: the app registry is not ready when an apps.py module is imported. Decision 0065 names the few
    others: the command line sets the settings before Django loads, and two heavy libraries load only when a
    PDF or an iCalendar file is made. Decision 0176 adds the optional libraries a start must not load (each
    imported by the feature that uses it; psycopg, which a SQLite site's web process marks missing) and the
    demo's loader in `load_demo`; decision 0184 adds urllib3 (outgoing calls), markdown and segno (QR codes)."""
    deferred_libraries = {"webauthn", "openpyxl", "authlib", "joserfc", "phonenumbers", "lxml", "PIL",
                          "confusable_homoglyphs", "psycopg", "urllib3", "markdown", "segno"}  # fmt: skip
    allowed = {
        ("demo/management/commands/load_demo.py", "handle"),
        ("__main__.py", "main"),
        ("reports/exports.py", "pdf_bytes"),
        ("demo/asset_documents.py", "manual_pdf"),  # reportlab, as for pdf_bytes: only when the demo loads
        ("sla/services.py", "ical_parse"),
        # gunicorn reads its settings file before Django is set up; the hook runs in a worker, after it is
        ("project/gunicorn_conf.py", "post_worker_init"),
    }
    inside: list[str] = []
    for path in modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if (function.name == "ready" and path.name == "apps.py") or (
                str(path.relative_to(SRC)),
                function.name,
            ) in allowed:
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    names = (
                        [node.module or ""]
                        if isinstance(node, ast.ImportFrom)
                        else [a.name for a in node.names]
                    )
                    if all(name.split(".")[0] in deferred_libraries for name in names):
                        continue
                    inside.append(f"{path.relative_to(SRC)}:{node.lineno} in {function.name}()")
    assert inside == []


def test_no_app_imports_another_apps_private_names():
    borrowed: list[str] = []
    for path in modules():
        app = app_of(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("gongdan."):
                continue
            target = node.module.split(".")[1]  # type: ignore[union-attr]
            if target == app:
                continue
            private = [a.name for a in node.names if a.name.startswith("_")]
            private += [part for part in node.module.split(".")[2:] if part.startswith("_")]  # type: ignore[union-attr]
            borrowed += [f"{path.relative_to(SRC)}:{node.lineno} {node.module}.{name}" for name in private]
    assert borrowed == []
