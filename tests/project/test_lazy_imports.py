"""The first pages do not load what they do not use (decision 0176): serving /login/ in a fresh process leaves
the REST API (ninja, pydantic and the ~700 schemas) and the optional libraries of other features unimported;
the API loads on its first request or its first reverse("api:…") and then answers as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import resolve, reverse

ROOT = Path(__file__).resolve().parents[2]
# Features that need a library import it when they run, not when the site starts.
DEFERRED = ("gongdan.project.api", "gongdan.project.api_urls", "ninja", "pydantic", "webauthn", "openpyxl",
            "authlib", "joserfc", "PIL", "segno", "urllib3", "markdown")  # fmt: skip
PROBE = """
import json, sys
import django
django.setup()
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse
with connection.schema_editor() as editor:  # the tables, without running every migration
    for model in apps.get_models():
        editor.create_model(model)
client = Client()
login = client.get("/login/")
queue = client.get("/")  # not signed in: sent to the sign-in page
names = [reverse(name) for name in ("accounts:login", "healthz")]
loaded = [name for name in json.loads(sys.argv[1]) if name in sys.modules]
api = client.get("/api/v1/openapi.json")
print(json.dumps({"login": login.status_code, "login_form": b'name="password"' in login.content,
                  "queue": queue.status_code, "queue_to": queue.get("Location", ""), "names": names,
                  "loaded_before_api": loaded, "api": api.status_code,
                  "api_loaded_after": "gongdan.project.api_urls" in sys.modules,
                  "api_paths": len(api.json().get("paths", {})) if api.status_code == 200 else 0}))
"""


@pytest.mark.slow
def test_serving_the_sign_in_page_leaves_the_api_and_optional_libraries_unloaded(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    environment.update(GONGDAN_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"),
                       DJANGO_SETTINGS_MODULE="gongdan.project.settings", GONGDAN_LOG_LEVEL="ERROR")  # fmt: skip
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", PROBE, json.dumps(DEFERRED)],
        env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["login"] == 200 and seen["login_form"]
    assert seen["queue"] == 302 and seen["queue_to"].startswith("/login/")
    assert seen["names"] == ["/login/", "/healthz"]
    assert seen["loaded_before_api"] == []
    # The first request under /api/v1/ loads the API, which then serves its whole document.
    assert seen["api"] == 200 and seen["api_loaded_after"]
    assert seen["api_paths"] > 100


def test_api_names_reverse_and_api_paths_resolve():
    assert reverse("api:openapi-json") == "/api/v1/openapi.json"
    assert resolve("/api/v1/openapi.json").namespace == "api"
    assert reverse("api:not-found", kwargs={"rest": "nowhere"}) == "/api/v1/nowhere"
    assert reverse("accounts:login") == "/login/"


WARM = """
import sys, threading, time, types
import django
django.setup()
from gongdan.project import gunicorn_conf
before = "gongdan.project.api_urls" in sys.modules
gunicorn_conf.post_worker_init(types.SimpleNamespace(age=1))  # what gunicorn calls in a new worker
deadline = time.monotonic() + 60
while "gongdan.project.api_urls" not in sys.modules and time.monotonic() < deadline:
    time.sleep(0.05)
for thread in threading.enumerate():
    if thread.name == "gongdan-load-api":
        thread.join(60)
from django.urls import reverse
print(before, "gongdan.project.api_urls" in sys.modules, reverse("api:openapi-json"))
"""


@pytest.mark.slow
def test_a_new_web_worker_loads_the_api_on_its_own_soon_after_it_starts(tmp_path):
    # Given a worker process that served no API call, when gunicorn's hook has run and a moment has passed,
    # then the API is loaded (the first API call does not pay for it) and its names reverse.
    environment = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    environment.update(GONGDAN_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"), GONGDAN_API_WARM_SECONDS="0",
                       DJANGO_SETTINGS_MODULE="gongdan.project.settings", GONGDAN_LOG_LEVEL="ERROR")  # fmt: skip
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", WARM],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "/api/v1/openapi.json"]
