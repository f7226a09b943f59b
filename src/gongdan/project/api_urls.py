"""The REST API's URL map, imported the first time a request or a `reverse("api:…")` needs it.

gongdan.project.urls mounts this module by its dotted path (a namespaced URLResolver), so serving the sign-in
page or the queue never builds ninja's routers and the API's pydantic schemas (decision 0176)."""

from __future__ import annotations

from gongdan.project.api import api

urlpatterns, app_name, _namespace = api.urls
