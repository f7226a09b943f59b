"""Static files served by WhiteNoise, each file's response prepared on its first request (decision 0184).

WhiteNoise's middleware reads the whole collected folder when the handler is built: a stat of every file, a
MIME type, cache and CORS headers and the compressed variants of each, before the first page (882 files, 50-60
ms of every start, and again in each worker gunicorn recycles). A page asks for a dozen of them. Here the
folder is only recorded at start; a request under STATIC_URL (or WHITENOISE_ROOT) looks for its file then,
through WhiteNoise's own lookup (canonical URL, no path outside the folder, the .gz/.br variants), and the
prepared file is kept for the next request — as WhiteNoise kept every file from its start, so a file changed
in place afterwards needs a restart, as before. A path that is not a file is looked up again each time and
never kept, so unknown URLs cannot grow the table. With DEBUG (or WHITENOISE_AUTOREFRESH) WhiteNoise's own
behaviour is unchanged.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesOnDemand(WhiteNoiseMiddleware):
    def __init__(self, get_response: Any = None, settings: Any = django_settings) -> None:
        # Set before WhiteNoise's own set-up, which calls add_files for STATIC_ROOT.
        self.on_demand = not getattr(settings, "WHITENOISE_AUTOREFRESH", settings.DEBUG)
        self.prepared: dict[str, Any] = {}
        self.prefixes: tuple[str, ...] = ()
        super().__init__(get_response, settings)

    def add_files(self, root: str, prefix: str | None = None) -> None:
        if not self.on_demand:
            super().add_files(root, prefix)
            return
        # What WhiteNoise records in autorefresh mode: where to look, no listing of the folder.
        self.autorefresh = True
        super().add_files(root, prefix)
        self.autorefresh = False
        self.prefixes = tuple(prefix for _root, prefix in self.directories)

    def __call__(self, request: Any) -> Any:
        if not self.on_demand:
            return super().__call__(request)
        path = request.path_info
        static_file = self.prepared.get(path)
        if static_file is None and path.startswith(self.prefixes):
            static_file = self.find_file(path)
            if static_file is not None:
                self.prepared[path] = static_file
        if static_file is not None:
            return self.serve(static_file, request)
        return self.get_response(request)
