"""A real Chromium for the web UI's tests: Debian's /usr/bin/chromium driven by Playwright
(PyPI), never a downloaded browser. One browser per module; a fresh context (no
cookies) per test.

One browser per test module (scope="module"; the tests are one module), never the session:
Playwright's sync API keeps its event loop marked as running in the main thread while it is
open, so every later test in the same process that calls asyncio.run() would fail with
"asyncio.run() cannot be called from a running event loop" (CI did, 27 tests after these).

Without Chromium these tests FAIL, they never skip: a skipped browser test would leave the
promises only a browser can check (escaping, the Content-Security-Policy, live updates)
unproven while the run looks green. `.ci/run` installs `chromium` with apt when it can; where
it cannot, deselect them knowingly with `-m "not browser"`, or point MONITOR_CHROMIUM at one.
"""

from __future__ import annotations

import os
import shutil

import pytest

# Chromium's own background traffic off (component updates, sync, safe browsing, field
# trials): nothing but the page under test makes requests. Any host name but localhost fails
# to resolve, so even a request that slipped past the page's own checks could not leave.
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-default-apps",
               "--disable-extensions", "--no-first-run", "--disable-breakpad",
               "--disable-domain-reliability", "--disable-client-side-phishing-detection",
               "--metrics-recording-only", "--no-default-browser-check",
               "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]


def chromium_path() -> str | None:
    given = os.environ.get("MONITOR_CHROMIUM")
    if given:
        return given if os.access(given, os.X_OK) else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        pytest.fail("no Chromium for the browser tests: install Debian's `chromium` (.ci/run "
                    "does, as root) or set MONITOR_CHROMIUM; or deselect with -m 'not browser'",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, args=LAUNCH_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
