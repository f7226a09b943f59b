"""The application `./gongdan start` serves: Django's ASGI handler behind the request limits (decision 0060)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongdan.project.settings")
django_application = get_asgi_application()

from gongdan.project.request_limits import RequestLimits  # noqa: E402 (needs the settings loaded)

application = RequestLimits(django_application)  # type: ignore[arg-type]  # django-stubs types the handler loosely
