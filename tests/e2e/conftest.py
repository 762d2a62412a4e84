"""Browser tests: Playwright's sync API driving Debian's chromium against a live server.

Without /usr/bin/chromium the tests are skipped with the reason, unless TEST_E2E=1 (then they
fail: a CI run must not pass by skipping). Screenshots go to $TEST_E2E_SCREENSHOTS, or to
the session's temporary folder (its path is printed in the summary).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.server import LiveServer, start

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _chromium_or_skip() -> None:
    if CHROMIUM.exists() or shutil.which("chromium"):
        return
    reason = "Debian's chromium is not installed (apt-get install chromium, or `make browser`)"
    if os.environ.get("TEST_E2E") == "1":
        pytest.fail(f"TEST_E2E=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    _chromium_or_skip()
    server = start(tmp_path_factory.mktemp("live"))
    try:
        yield server
    finally:
        server.stop()


# Module scope, not session: Playwright's sync API runs an event loop in this thread while it is
# open, and every async test that comes after on the same xdist worker would then fail
# ("asyncio.run() cannot be called from a running event loop").
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
                                              headless=True, args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wanted = os.environ.get("TEST_E2E_SCREENSHOTS")
    folder = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder

