"""Static files looked up on their first request (decision 0184): what a browser gets is what WhiteNoise's
full listing gave it — type, caching, the compressed variant — and nothing outside the folder is served."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings

from gongdan.project.static_files import StaticFilesOnDemand


def _page(request):  # the rest of the stack: every path that is not a static file ends here
    from django.http import HttpResponse

    return HttpResponse("page", status=404)


@pytest.fixture
def static_root(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "css" / "site.css").write_text("body { color: #123; }\n" * 50)
    (root / "css" / "site.css.gz").write_bytes(gzip.compress((root / "css" / "site.css").read_bytes()))
    (tmp_path / "secret.txt").write_text("not static")
    return root


def _middleware(static_root: Path, **extra) -> StaticFilesOnDemand:
    with override_settings(STATIC_ROOT=str(static_root), DEBUG=False, **extra):
        from django.conf import settings

        return StaticFilesOnDemand(_page, settings)


def test_the_folder_is_not_listed_at_start(static_root: Path) -> None:
    middleware = _middleware(static_root)
    assert middleware.files == {}
    assert middleware.prepared == {}


def test_a_file_is_served_with_its_type_caching_and_compressed_variant(static_root: Path) -> None:
    middleware = _middleware(static_root)
    factory = RequestFactory()

    plain = middleware(factory.get("/static/css/site.css"))
    assert plain.status_code == 200
    assert plain["Content-Type"] == 'text/css; charset="utf-8"'
    assert plain["Cache-Control"] == "max-age=60, public"
    assert b"".join(plain.streaming_content).startswith(b"body { color: #123; }")

    compressed = middleware(factory.get("/static/css/site.css", HTTP_ACCEPT_ENCODING="gzip"))
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(b"".join(compressed.streaming_content)).startswith(b"body")
    # Prepared once, then reused.
    assert list(middleware.prepared) == ["/static/css/site.css"]


def test_a_conditional_request_gets_304(static_root: Path) -> None:
    middleware = _middleware(static_root)
    factory = RequestFactory()
    first = middleware(factory.get("/static/css/site.css"))
    again = middleware(factory.get("/static/css/site.css", HTTP_IF_NONE_MATCH=first["ETag"]))
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/static/css/missing.css",
        "/static/../secret.txt",
        "/static/css/../../secret.txt",
        "/static/css",  # a folder
        "/static/css/site.css.gz",  # a compressed variant is never served under its own name
        "/tickets/",
    ],
)
def test_what_is_not_a_static_file_goes_on_to_the_site_and_is_not_kept(static_root: Path, path: str) -> None:
    middleware = _middleware(static_root)
    response = middleware(RequestFactory().get(path))
    assert response.content == b"page"
    assert middleware.prepared == {}


def test_a_file_collected_after_the_start_is_served(static_root: Path) -> None:
    middleware = _middleware(static_root)
    (static_root / "css" / "late.css").write_text("p {}")
    assert middleware(RequestFactory().get("/static/css/late.css")).status_code == 200


def test_with_debug_whitenoise_looks_each_time(static_root: Path) -> None:
    with override_settings(STATIC_ROOT=str(static_root), DEBUG=True):
        from django.conf import settings

        middleware = StaticFilesOnDemand(_page, settings)
    assert middleware(RequestFactory().get("/static/css/site.css")).status_code == 200
    assert middleware.prepared == {}


def test_the_site_serves_its_collected_files(settings) -> None:
    """The middleware in the real stack: a vendor file the pages load comes back, a made-up one does not."""
    static_root = Path(settings.STATIC_ROOT)
    (static_root / "probe").mkdir(parents=True, exist_ok=True)
    (static_root / "probe" / "probe.js").write_text("console.log(1);")
    try:
        from django.test import Client

        fresh = Client()  # a handler built now, with the file in place
        assert fresh.get("/static/probe/probe.js").status_code == 200
        assert fresh.get("/static/probe/nothing.js").status_code == 404
    finally:
        (static_root / "probe" / "probe.js").unlink()
