"""The runbook site (runbooks/) in each supported theme, in a real headless Chromium.

The site is built once per theme (``-D html_theme=...``), shared by the xdist
workers, and served on loopback.  The tests pick what they check from the
pages themselves (the first placeholder field, the first symptom), so the
runbooks can change; they need runbooks/workflow-service.md to have a
runbook with a placeholder the reader fills in, and the symptoms.md,
commands.md and report.md pages.

Screenshots of each theme, at 375 px and at desktop width, land in
``$RUNBOOK_SCREENSHOTS`` or else ``tests/_output/screenshots/`` (not in git):
look at them after a change of the styles.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from .browsing import (
    CLIPBOARD,
    NEEDS_CHROMIUM,
    off_site,
    record_requests,
    serve,
)

pytestmark = NEEDS_CHROMIUM

REPO = Path(__file__).parent.parent
THEMES = ["alabaster", "furo", "pydata_sphinx_theme", "sphinx_book_theme"]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
#: Fixed and sticky parts of the themes' pages (headers, skip links, back-to-top).
THEME_CHROME = (".mobile-header, .back-to-top, .skip-to-content, .bd-header, #pst-skip-link, "
                "#pst-back-to-top, .bd-header-article")
#: The themes' navigation: sidebars (off-canvas on a phone), headers, footers.
THEME_NAVIGATION = "nav, header, footer, aside, .prev-next-area, .bd-sidebar-secondary"
PAGES = ["index.html", "workflow-service.html", "symptoms.html", "commands.html", "report.html"]


def screenshot_dir() -> Path:
    configured = os.environ.get("RUNBOOK_SCREENSHOTS")
    directory = Path(configured) if configured else REPO / "tests" / "_output" / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _build(theme: str, source: Path, target: Path) -> subprocess.Popen[str]:
    # Verified, as nox -s verify-runbooks builds it, so the pages show their
    # results; the first build fills the cache that the others read.
    verification = ["-D", "runbook_execute=auto",
                    "-D", f"runbook_cache_path={target.parent / 'verification-cache'}"]
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.Popen(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", "-D", f"html_theme={theme}",
         *verification, "-d", str(target.parent / f".doctrees-{theme}"), str(source),
         str(target)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PATH": path})


def _wait(theme: str, process: subprocess.Popen[str], root: Path) -> None:
    _, errors = process.communicate(timeout=600)
    page = root / theme / "workflow-service.html"
    assert page.is_file(), f"runbooks/ did not build with {theme}:\n{errors}"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """runbooks/ built with each theme into <root>/<theme>/; yields the root's URL."""
    base = tmp_path_factory.getbasetemp()
    # xdist workers have base directories side by side: build once, for all of them.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = shared / "runbook-site-themes"
    with _locked(shared / "runbook-site-themes.lock"):
        if not (root / "built").is_file():
            shutil.rmtree(root, ignore_errors=True)
            shutil.copytree(REPO / "runbooks", root / "source",
                            ignore=shutil.ignore_patterns("_build"))
            first, *others = THEMES
            _wait(first, _build(first, root / "source", root / first), root)
            builds = {theme: _build(theme, root / "source", root / theme) for theme in others}
            for theme, process in builds.items():
                _wait(theme, process, root)
            (root / "built").touch()
    with serve(root) as url:
        yield url


def first_fillable(page: Any) -> str:
    """The name of the first placeholder on the page that may go in a link."""
    name = page.evaluate("""() => {
        const field = document.querySelector(
            '.runbook-values input[data-placeholder]:not([data-secret])');
        return field && field.dataset.placeholder;
    }""")
    assert name, "no runbook of workflow-service.md has a placeholder the reader fills in"
    return str(name)


def resolve(template: list[Any], values: dict[str, str]) -> str:
    return "".join(part if isinstance(part, str) else values.get(part["name"], part["token"])
                   for part in template)


@pytest.mark.parametrize("theme", THEMES)
def test_a_link_with_values_fills_in_the_commands(browser: Any, sites: str, theme: str) -> None:
    context = browser.new_context(permissions=CLIPBOARD)
    page = context.new_page()
    page.goto(f"{sites}/{theme}/workflow-service.html")
    name = first_fillable(page)
    value = "from-the-alert-42"
    page.goto(f"{sites}/{theme}/workflow-service.html?{quote(name)}={value}")
    marks = page.locator(f'.runbook-command .runbook-placeholder[data-placeholder="{name}"]')
    assert marks.count() >= 1
    assert {marks.nth(i).inner_text() for i in range(marks.count())} == {value}
    block = page.locator(".runbook-command", has=page.locator(
        f'.runbook-placeholder[data-placeholder="{name}"]')).first
    template = json.loads(block.get_attribute("data-runbook-template") or "[]")
    button = block.locator(".runbook-copy")
    button.click()
    if block.get_attribute("data-runbook-destructive") == "true":
        button.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == resolve(template, {name: value})
    assert value in copied
    context.close()


def sticking_out(page: Any) -> list[str]:
    """Elements of the page's content that reach beyond the window's right edge.

    What is inside a box that scrolls or clips (code blocks, wide tables) does
    not count: it scrolls inside that box.  The theme's navigation is the
    theme's.
    """
    found: list[str] = page.evaluate("""(navigation) => {
        const width = document.documentElement.clientWidth;
        const main = document.querySelector('[role=main], main, article') || document.body;
        const inScrollingBox = el => {
            for (let box = el.parentElement; box && box !== main; box = box.parentElement) {
                if (getComputedStyle(box).overflowX !== 'visible') { return true; }
            }
            return false;
        };
        return [...main.querySelectorAll('*')]
            .filter(el => !el.closest(navigation) && el.checkVisibility())
            .filter(el => el.getBoundingClientRect().right > width + 1 && !inScrollingBox(el))
            .map(el => el.tagName.toLowerCase() + '.' + [...el.classList].join('.') + ': '
                       + (el.textContent || '').trim().slice(0, 60));
    }""", THEME_NAVIGATION)
    return found


@pytest.mark.parametrize("theme", THEMES)
def test_pages_fit_a_phone_and_load_nothing_from_elsewhere(browser: Any, sites: str,
                                                           theme: str) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    requests = record_requests(context)
    page = context.new_page()
    index = json.loads(page.request.get(f"{sites}/{theme}/runbook-index.json").text())
    runbook_pages = sorted({f"{r['docname']}.html" for r in index["runbooks"]})
    for name in dict.fromkeys([*PAGES, *runbook_pages]):
        page.goto(f"{sites}/{theme}/{name}")
        assert sticking_out(page) == [], f"{name} is wider than a phone in {theme}"
    # Code scrolls inside its own box; the placeholder form fits the screen.
    page.goto(f"{sites}/{theme}/workflow-service.html")
    overflow = page.evaluate("""() => [...document.querySelectorAll('.runbook-command pre')]
        .map(pre => getComputedStyle(pre).overflowX)""")
    assert overflow and set(overflow) <= {"auto", "scroll"}
    form = page.locator(".runbook-values").first.bounding_box()
    assert form is not None and form["x"] >= 0 and form["x"] + form["width"] <= PHONE["width"]
    page.goto(f"{sites}/{theme}/search.html?q=database")
    page.locator("#search-results").wait_for(state="attached")
    page.wait_for_load_state("networkidle")
    context.close()
    assert len(requests) > len(PAGES)
    assert off_site(requests) == []


@pytest.mark.parametrize(("theme", "viewport", "scheme"), [
    *[(theme, "phone", "light") for theme in THEMES],
    *[(theme, "desktop", "light") for theme in THEMES],
    ("furo", "phone", "dark"),
    ("pydata_sphinx_theme", "desktop", "dark"),
])
def test_screenshots(browser: Any, sites: str, theme: str, viewport: str, scheme: str) -> None:
    size = PHONE if viewport == "phone" else DESKTOP
    context = browser.new_context(viewport=size, color_scheme=scheme, permissions=CLIPBOARD)
    page = context.new_page()
    page.goto(f"{sites}/{theme}/workflow-service.html")
    name = first_fillable(page)
    page.goto(f"{sites}/{theme}/workflow-service.html?{quote(name)}=from-the-alert-42")
    # One copy left unfilled, to show its warning.
    unfilled = page.locator(".runbook-command[data-runbook-template]:not("
                            "[data-runbook-destructive])", has=page.locator(
                                '.runbook-placeholder[data-state="unfilled"]'))
    if unfilled.count():
        unfilled.first.locator(".runbook-copy").click()
    directory = screenshot_dir()
    stem = f"{theme}-{viewport}" + ("-dark" if scheme == "dark" else "")
    page.screenshot(path=directory / f"{stem}-runbook.png", full_page=True)
    # The runbook with the link's value, close up: the form, the marks, a warning;
    # without the theme's floating header and buttons, which would cover it.
    page.add_style_tag(content=THEME_CHROME + " { visibility: hidden !important; }")
    page.locator("section.runbook", has=page.locator(
        f'.runbook-values input[data-placeholder="{name}"]')).first.screenshot(
        path=directory / f"{stem}-runbook-filled.png")
    for name in ("symptoms", "report"):
        page.goto(f"{sites}/{theme}/{name}.html")
        page.screenshot(path=directory / f"{stem}-{name}.png", full_page=True)
    context.close()
    assert (directory / f"{stem}-runbook.png").stat().st_size > 10_000


@pytest.mark.parametrize("theme", THEMES)
def test_readable_without_javascript(browser: Any, sites: str, theme: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{sites}/{theme}/workflow-service.html")
    code = page.locator(".runbook-command pre").first
    assert code.is_visible() and code.inner_text().strip()
    mark = page.locator(".runbook-command .runbook-placeholder").first
    assert mark.is_visible()
    assert re.fullmatch(r"<.+>|\[.+\]|\{\{.+\}\}|\$\{?\w+.*", mark.inner_text())
    assert page.locator(".runbook-values legend").first.is_visible()
    assert page.locator(".runbook-copy, .runbook-values input:visible, "
                        ".runbook-values button:visible, .runbook-filter").count() == 0
    assert sticking_out(page) == []
    context.close()


@pytest.mark.parametrize("theme", THEMES)
def test_symptom_finder_and_sphinx_search(browser: Any, sites: str, theme: str) -> None:
    page = browser.new_page()
    index = json.loads(page.request.get(f"{sites}/{theme}/runbook-index.json").text())
    runbook = next(r for r in index["runbooks"]
                   if r["docname"] == "workflow-service" and r["symptoms"])
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9]{5,}", runbook["symptoms"][0]["text"])]
    assert words, runbook["symptoms"][0]
    page.goto(f"{sites}/{theme}/symptoms.html")
    finder = page.locator(".runbook-listing-symptoms")
    finder.get_by_label("Find a symptom").fill(" ".join(words[:2]))
    visible = finder.locator("li:visible")
    assert visible.count() >= 1
    assert any(runbook["title"] in visible.nth(i).inner_text() for i in range(visible.count()))
    finder.get_by_label("Find a symptom").fill("no-such-symptom-anywhere")
    assert finder.locator("li:visible").count() == 0
    # Sphinx's own search finds the runbook's page by the words of its symptom.
    page.goto(f"{sites}/{theme}/search.html?q={quote(' '.join(words[:3]))}")
    results = page.locator("#search-results li a")
    results.first.wait_for()
    links = [results.nth(i).get_attribute("href") or "" for i in range(results.count())]
    assert any("workflow-service.html" in link for link in links), links
    page.close()


@pytest.mark.parametrize("theme", THEMES)
def test_verification_results_on_the_pages_and_the_report(browser: Any, sites: str,
                                                          theme: str) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{sites}/{theme}/lotastro-wms.html")
    labels = page.locator(".runbook-verification-label").all_inner_texts()
    # The SQL runs against the fixture database; the Supabase calls cannot.
    assert labels.count("Verified") >= 15
    assert "Stale" not in labels
    assert page.locator(".runbook-verification time").first.get_attribute("datetime")
    page.goto(f"{sites}/{theme}/report.html")
    totals = page.locator(".runbook-report-totals").inner_text()
    assert re.match(r"\d+ commands in \d+ runbooks: \d+ passed, 0 failed, 0 timeout", totals)
    coverage = page.locator(".runbook-report-coverage").all_inner_texts()
    assert coverage[0].startswith("Coverage: ")
    assert "requires (" in coverage[1]
    page.close()
