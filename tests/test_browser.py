"""The copy buttons in a real headless Chromium, against the site served on loopback.

Needs Debian's ``chromium`` (``.ci/run`` installs it) and the ``playwright``
package, which drives the system browser (no browser download).
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.environ.get("CI"):
    # CI installs the browser; a missing one there is a broken set-up, not a skip.
    raise RuntimeError("CI is set but no chromium is on PATH: .ci/run must install it")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)")

# Flags for a closed network: no background requests, no sandbox as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(built: Any) -> Iterator[str]:
    outdir = built("full").outdir
    handler = functools.partial(_QuietHandler, directory=str(outdir))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, site: str) -> Iterator[Any]:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{site}/rst_all.html")
    yield page
    context.close()


def clipboard(page: Any) -> str:
    text: str = page.evaluate("navigator.clipboard.readText()")
    return text


def test_copy_button_copies_commands_without_prompts_or_output(page: Any) -> None:
    button = page.locator('[id="rst-db-errors.check-url.1"] .runbook-copy')
    assert button.inner_text() == "Copy"
    button.click()
    assert clipboard(page) == 'echo "$DATABASE_URL"\ndocker compose ps'
    assert button.inner_text() == "Copied"


def test_destructive_command_needs_a_second_click(page: Any) -> None:
    page.evaluate("navigator.clipboard.writeText('before')")
    button = page.locator('[id="rst-db-errors.recreate-the-database.1"] .runbook-copy')
    assert button.get_attribute("aria-label") == "Copy destructive command"
    button.click()
    assert button.inner_text() == "Click again to copy"
    assert clipboard(page) == "before"
    button.click()
    assert clipboard(page) == "DROP DATABASE workflow_db;\nCREATE DATABASE workflow_db;"


def test_keyboard_users_can_copy(page: Any) -> None:
    page.locator('[id="rst-db-errors.health.1"] .runbook-copy').focus()
    page.keyboard.press("Enter")
    assert clipboard(page) == "curl -s http://localhost:8000/health"


def test_without_javascript_there_are_no_dead_buttons(browser: Any, site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/rst_all.html")
    assert page.locator(".runbook-copy").count() == 0
    assert "docker compose ps" in page.locator('[id="rst-db-errors.check-url.1"]').inner_text()
    context.close()


def test_symptom_finder_filters_as_you_type(browser: Any, site: str) -> None:
    page = browser.new_page()
    page.goto(f"{site}/listings.html")
    finder = page.locator(".runbook-listing-symptoms")
    items = finder.locator("li")
    total = items.count()
    assert total == 6
    finder.get_by_label("Find a symptom").fill("service two  LONGER")
    visible = [items.nth(i).inner_text() for i in range(total) if items.nth(i).is_visible()]
    assert len(visible) == 1
    assert visible[0].startswith("Requests to service two take longer than 2 s.")
    assert finder.locator(".runbook-filter-count").inner_text() == "1 of 6 shown"
    page.close()


def test_command_table_filters_by_safety_and_program(browser: Any, site: str) -> None:
    page = browser.new_page()
    page.goto(f"{site}/listings.html")
    table = page.locator(".runbook-listing-commands").first
    table.get_by_label("Filter commands").fill("destructive")
    rows = table.locator("tbody tr")
    shown = [rows.nth(i).inner_text() for i in range(rows.count()) if rows.nth(i).is_visible()]
    assert len(shown) == 2
    assert all("DROP DATABASE" in row for row in shown)
    page.close()


def test_docker_compose_ps_copies_without_its_output(browser: Any, site: str) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{site}/more/four.html")
    block = page.locator("[data-runbook-copy]").first
    assert "four-db     postgres:16   Up 2 hours (healthy)" in block.inner_text()
    block.locator(".runbook-copy").click()
    assert clipboard(page) == "docker compose ps"
    context.close()
