"""The reader's side of the pages in a real headless Chromium, served on loopback.

Copy buttons (tests/roots/test-full) and the placeholder forms, the copy
warnings and the verification results (tests/roots/test-reader).  The runbook
site in every theme is in test_browser_site.py, which uses the helpers here.

The shared parts (the system Chromium, the loopback server) are in browsing.py.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from .browsing import (
    CLIPBOARD,
    NEEDS_CHROMIUM,
    off_site,
    record_requests,
    serve,
)

pytestmark = NEEDS_CHROMIUM


def clipboard(page: Any) -> str:
    text: str = page.evaluate("navigator.clipboard.readText()")
    return text


# --------------------------------------------------------------- copy buttons


@pytest.fixture(scope="module")
def site(built: Any) -> Iterator[str]:
    with serve(built("full").outdir) as url:
        yield url


@pytest.fixture
def page(browser: Any, site: str) -> Iterator[Any]:
    context = browser.new_context(permissions=CLIPBOARD)
    page = context.new_page()
    page.goto(f"{site}/rst_all.html")
    yield page
    context.close()


def test_copy_button_copies_commands_without_prompts_or_output(page: Any) -> None:
    button = page.locator('[id="rst-db-errors.check-url.1"] .runbook-copy')
    assert button.inner_text() == "Copy"
    button.click()
    assert clipboard(page) == 'echo "$DATABASE_URL"\ndocker compose ps'
    # $DATABASE_URL is the reader's to supply: left for the shell, and said so.
    assert button.inner_text() == "Copied: not filled in"


def test_a_command_without_placeholders_is_just_copied(page: Any) -> None:
    button = page.locator('[id="rst-db-errors.health.1"] .runbook-copy')
    button.click()
    assert clipboard(page) == "curl -s http://localhost:8000/health"
    assert button.inner_text() == "Copied"
    assert page.locator('[id="rst-db-errors.health.1"] .runbook-unfilled').is_hidden()


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
    context = browser.new_context(permissions=CLIPBOARD)
    page = context.new_page()
    page.goto(f"{site}/more/four.html")
    block = page.locator("[data-runbook-copy]").first
    assert "four-db     postgres:16   Up 2 hours (healthy)" in block.inner_text()
    block.locator(".runbook-copy").click()
    assert clipboard(page) == "docker compose ps"
    context.close()


# ------------------------------------------------------- the reader's values

LOOK = '[id="pods-pending.look-at-the-node.1"]'
API = '[id="pods-pending.ask-the-operator-api.1"]'
DRAIN = '[id="pods-pending.cordon-and-drain-the-node.1"]'
FIRST_FORM = '[id="pods-pending.values"]'
SECOND_FORM = '[id="node-not-ready.values"]'


@pytest.fixture(scope="module")
def reader_site(built: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The reader root twice on one host (/one/ and /two/), to tell two sites apart."""
    root = tmp_path_factory.mktemp("two-sites")
    for name in ("one", "two"):
        shutil.copytree(built("reader").outdir, root / name)
    with serve(root) as url:
        yield url


@pytest.fixture
def reader(browser: Any, reader_site: str) -> Iterator[Any]:
    """A fresh browser profile (nothing remembered) that may use the clipboard."""
    context = browser.new_context(permissions=CLIPBOARD)
    requests = record_requests(context)
    yield context
    context.close()
    assert off_site(requests) == []


def open_page(context: Any, reader_site: str, path: str) -> Any:
    page = context.new_page()
    page.goto(f"{reader_site}/one/{path}")
    return page


def shown(page: Any, name: str) -> list[str]:
    """What every command on the page shows for placeholder ``name``."""
    spans = page.locator(f'.runbook-command .runbook-placeholder[data-placeholder="{name}"]')
    return [spans.nth(i).inner_text() for i in range(spans.count())]


def stored(page: Any) -> dict[str, str]:
    found: dict[str, str] = json.loads(page.evaluate("JSON.stringify(localStorage)"))
    return found


def test_values_from_the_link_fill_every_command(reader: Any, reader_site: str) -> None:
    page = open_page(reader, reader_site, "pods.html?namespace=prod&node=ip-10-0-1-2")
    assert shown(page, "namespace") == ["prod"] * 5
    assert shown(page, "node") == ["ip-10-0-1-2"] * 5
    for form in (FIRST_FORM, SECOND_FORM):
        assert page.locator(form).get_by_role("textbox", name="node").input_value() == (
            "ip-10-0-1-2")
    assert page.locator(f"{FIRST_FORM} [role=status]").inner_text() == (
        "From the link: namespace, node.")
    page.locator(f"{LOOK} .runbook-copy").click()
    assert clipboard(page) == (
        "kubectl describe node ip-10-0-1-2 | grep -A 5 'Allocated resources'\n"
        "kubectl get events -n prod --field-selector 'involvedObject.name=ip-10-0-1-2'")
    # The output of a command is not a placeholder: docker's <none> stays.
    assert "Pending   <none>" in page.locator('[id="pods-pending.list-the-pending-pods.1"]'
                                               ).inner_text()


def test_typing_a_value_rewrites_the_commands_live(reader: Any, reader_site: str) -> None:
    page = open_page(reader, reader_site, "pods.html")
    assert shown(page, "node") == ["<node>"] * 5
    field = page.locator(FIRST_FORM).get_by_role("textbox", name="node")
    field.press_sequentially("ip-10-0-9-9")
    assert shown(page, "node") == ["ip-10-0-9-9"] * 5
    # The other runbook's field is the same value; the link carries it.
    assert page.locator(SECOND_FORM).get_by_role("textbox", name="node").input_value() == (
        "ip-10-0-9-9")
    assert page.url.endswith("/one/pods.html?node=ip-10-0-9-9")
    page.locator(f"{DRAIN} .runbook-copy").click()
    page.locator(f"{DRAIN} .runbook-copy").click()
    assert clipboard(page) == "kubectl drain ip-10-0-9-9 --ignore-daemonsets --delete-emptydir-data"


def test_values_are_remembered_per_site_and_cleared(reader: Any, reader_site: str) -> None:
    page = open_page(reader, reader_site, "pods.html?node=ip-10-0-1-2")
    assert stored(page) == {"sphinx-runbook:values:/one/": '{"node":"ip-10-0-1-2"}'}
    again = open_page(reader, reader_site, "checks.html")  # another page of the site
    again.goto(f"{reader_site}/one/pods.html")
    assert shown(again, "node") == ["ip-10-0-1-2"] * 5
    assert again.locator(f"{FIRST_FORM} [role=status]").inner_text() == (
        "Remembered in this browser: node.")
    other_site = reader.new_page()
    other_site.goto(f"{reader_site}/two/pods.html")
    assert shown(other_site, "node") == ["<node>"] * 5
    again.locator(SECOND_FORM).get_by_role("button", name="Clear values").click()
    assert shown(again, "node") == ["<node>"] * 5
    assert again.locator(FIRST_FORM).get_by_role("textbox", name="node").input_value() == ""
    assert again.locator(f"{SECOND_FORM} [role=status]").inner_text() == (
        "Cleared: the commands show their placeholders again.")
    assert stored(again) == {}
    assert again.url.endswith("/one/pods.html")


def test_declared_defaults_fill_in_until_the_reader_types(reader: Any, reader_site: str) -> None:
    page = open_page(reader, reader_site, "pods.html")
    spans = page.locator(f'{LOOK} .runbook-placeholder[data-placeholder="namespace"]')
    assert (spans.inner_text(), spans.get_attribute("data-state")) == ("staging", "default")
    assert page.locator(FIRST_FORM).get_by_role("textbox", name="namespace").get_attribute(
        "placeholder") == "staging"


def test_unfilled_placeholders_copy_as_written_with_a_warning(reader: Any,
                                                              reader_site: str) -> None:
    page = open_page(reader, reader_site, "pods.html")
    button = page.locator(f"{LOOK} .runbook-copy")
    button.click()
    assert clipboard(page) == (
        "kubectl describe node <node> | grep -A 5 'Allocated resources'\n"
        "kubectl get events -n staging --field-selector 'involvedObject.name=<node>'")
    warning = page.locator(f"{LOOK} .runbook-unfilled")
    assert warning.is_visible()
    assert warning.inner_text() == ("Not filled in: <node> copied as written. Fill in the "
                                    "values, or edit the command before running it.")
    assert warning.get_by_role("link").get_attribute("href") == "#pods-pending.values"
    assert page.locator(f"{LOOK} [role=status]").inner_text() == (
        "Copied, but not filled in: <node>.")
    page.locator(FIRST_FORM).get_by_role("textbox", name="node").fill("ip-10-0-1-2")
    assert warning.is_hidden()


def test_secrets_are_shown_masked_never_stored_nor_linked(reader: Any, reader_site: str) -> None:
    page = open_page(reader, reader_site, "pods.html?API_TOKEN=from-a-link&node=n1")
    assert shown(page, "API_TOKEN") == ["$API_TOKEN"] * 2  # a secret in a link is not used...
    assert page.url.endswith("/one/pods.html?node=n1")  # ...and is dropped from it
    page.locator(FIRST_FORM).get_by_label("API_TOKEN").fill("s3cr3t-t0ken")
    assert shown(page, "API_TOKEN") == ["\u2022" * 8] * 2
    assert "s3cr3t" not in page.locator("body").inner_text()
    page.locator(f"{API} .runbook-copy").click()
    assert clipboard(page) == ('curl -s -H "Authorization: Bearer s3cr3t-t0ken" '
                               '"https://operator.internal/staging/nodes/n1"')
    assert "s3cr3t" not in json.dumps(stored(page))
    assert "s3cr3t" not in page.url and "API_TOKEN" not in page.url


def test_values_are_shown_as_text_never_as_html(reader: Any, reader_site: str) -> None:
    page = open_page(reader, reader_site, "pods.html")
    value = '<img src=x onerror="document.title=1">'
    page.locator(FIRST_FORM).get_by_role("textbox", name="node").fill(value)
    assert shown(page, "node") == [value] * 5
    assert page.locator(".runbook-command img").count() == 0
    assert page.title() != "1"


def test_the_form_says_what_a_value_may_get_wrong(reader: Any, reader_site: str) -> None:
    page = open_page(reader, reader_site, "pods.html")
    namespace = page.locator(FIRST_FORM).get_by_role("textbox", name="namespace")
    namespace.fill("Prod_1")
    assert namespace.get_attribute("aria-invalid") == "true"
    assert page.locator('[id="pods-pending.values-1-note"]').inner_text() == (
        "Does not match the expected form [a-z0-9-]+.")
    node = page.locator(FIRST_FORM).get_by_role("textbox", name="node")
    node.fill("node one")
    assert page.locator('[id="pods-pending.values-2-note"]').inner_text().startswith(
        "Has spaces or characters the shell treats specially")
    assert node.get_attribute("aria-invalid") is None


def test_keyboard_only_fill_in_and_clear(reader: Any, reader_site: str) -> None:
    page = open_page(reader, reader_site, "pods.html")
    page.locator(FIRST_FORM).get_by_role("textbox", name="namespace").focus()
    page.keyboard.press("Tab")
    page.keyboard.type("ip-10-0-3-3")
    assert shown(page, "node") == ["ip-10-0-3-3"] * 5
    page.keyboard.press("Tab")  # the secret
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Clear values"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    page.keyboard.press("Enter")
    assert shown(page, "node") == ["<node>"] * 5


def test_without_javascript_placeholders_are_marked_and_explained(browser: Any,
                                                                 reader_site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{reader_site}/one/pods.html?node=ignored")
    first = page.locator(FIRST_FORM)
    assert first.locator("legend").inner_text() == "Placeholders"
    assert "Name of the node, as the alert shows it." in first.inner_text()
    assert page.locator(".runbook-values input:visible, .runbook-values button:visible, "
                        ".runbook-copy").count() == 0
    mark = page.locator(f'{LOOK} .runbook-placeholder[data-placeholder="node"]').first
    assert mark.inner_text() == "<node>"
    style = mark.evaluate("m => [getComputedStyle(m).borderBottomStyle,"
                          " getComputedStyle(m).backgroundColor]")
    assert style[0] == "dashed" and style[1] != "rgba(0, 0, 0, 0)"
    context.close()


def test_verification_results_beside_commands_and_on_the_report(browser: Any,
                                                                 reader_site: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{reader_site}/one/checks.html")
    badges = page.locator(".runbook-verification")
    texts = [" ".join(badges.nth(i).inner_text().split()) for i in range(badges.count())]
    assert [t.split(" 20")[0] for t in texts] == ["\u2713 Verified", "\u2717 Stale",
                                                 "\u2013 Not verified"]
    assert texts[2].endswith("the step says :run: never")
    page.goto(f"{reader_site}/one/report.html")
    totals = page.locator(".runbook-report-totals").inner_text()
    assert totals.startswith("3 commands in 1 runbook: 1 passed, 1 failed")
    assert "skipped:" not in totals
    coverage = page.locator(".runbook-report-coverage").all_inner_texts()
    assert coverage[0].startswith("Coverage: 2 (67%) executed")
    assert coverage[1] == "Skipped: 1 run-never"
    rows = page.locator(".runbook-listing-table tbody tr")
    statuses = [rows.nth(i).locator(".runbook-status").inner_text() for i in range(3)]
    assert statuses == ["passed", "failed", "skipped"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_label("Filter results").fill("failed")
    assert page.locator(".runbook-listing-table tbody tr:visible").count() == 1
    # The empty listing of the page has nothing to filter: no filter box.
    assert page.locator(".runbook-filter").count() == 1
    context.close()


def test_sphinx_search_finds_a_runbook_by_a_pasted_log_line(browser: Any,
                                                           reader_site: str) -> None:
    page = browser.new_page()
    page.goto(f"{reader_site}/one/search.html?q=Insufficient+memory+preemption")
    results = page.locator("#search-results li a")
    results.first.wait_for()
    assert "pods.html" in (results.first.get_attribute("href") or "")
    page.close()
