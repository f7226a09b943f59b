"""Browser tests: Playwright for Python driving Debian's chromium against pytest-django's live server."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

from tests.peers import require_peer

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser(django_db_setup, django_db_blocker) -> Iterator[object]:
    chromium = require_peer("chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the tests' own ORM calls are
    # plain synchronous calls, so tell Django they are allowed for as long as the browser runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    close_quietly(context)


def close_quietly(context) -> None:
    """Close a browser context once its pages have no request in flight: a request the live server is still
    answering when the test's teardown empties the database leaves SQLite's shared in-memory database
    "table is locked" (and the next test's setup finds the rows that were not deleted)."""
    for open_page in context.pages:
        with contextlib.suppress(Exception):  # a page that never settles is closed all the same
            open_page.wait_for_load_state("networkidle", timeout=5_000)
    context.close()
