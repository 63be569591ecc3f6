"""The runbook-commands table and the runbook-symptoms finder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from .helpers import build_project, warnings_of
from .test_environment import Project


def _soup(app: Any, page: str) -> BeautifulSoup:
    return BeautifulSoup((app.outdir / f"{page}.html").read_text(encoding="utf-8"),
                         "html.parser")


def test_commands_table_lists_every_command_with_links(built: Any) -> None:
    app = built("full")
    listing = _soup(app, "listings").select(".runbook-listing-commands")[0]
    rows = listing.select("tbody tr")
    codes = [row.select_one("pre").get_text().rstrip("\n") for row in rows]
    assert 'echo "$DATABASE_URL"' in codes
    assert "uptime" in codes
    # One row per command of the project (test-full: 2 x 7 in the two big runbooks
    # plus 2 in each of the four small ones).
    assert len(rows) == 2 * 7 + 4 * 2
    [row] = [r for r, code in zip(rows, codes, strict=True)
             if code == 'echo "$DATABASE_URL"' and "rst_all.html" in str(r)]
    links = [a["href"] for a in row.select("a")]
    assert links == ["rst_all.html#rst-db-errors", "rst_all.html#rst-db-errors.check-url.1"]
    assert row.select_one(".runbook-safety").get_text() == "read-only"


def test_commands_table_filters(built: Any) -> None:
    listing = _soup(built("full"), "listings").select(".runbook-listing-commands")[1]
    codes = [pre.get_text().rstrip("\n") for pre in listing.select("tbody pre")]
    assert codes == ["DROP DATABASE workflow_db;\nCREATE DATABASE workflow_db;"] * 2


def test_symptom_finder_links_every_symptom_to_its_runbook(built: Any) -> None:
    items = _soup(built("full"), "listings").select(".runbook-symptom-list li")
    texts = [item.select_one(".runbook-symptom-text").get_text() for item in items]
    assert "Requests to service one take longer than 2 s." in texts
    item = items[texts.index("Requests to service one take longer than 2 s.")]
    assert [a["href"] for a in item.select("a")] == [
        "more/one.html#service-one-is-slow.symptom-1", "more/one.html#service-one-is-slow"]
    assert "medium" in item.select_one(".runbook-symptom-runbook").get_text()


@pytest.mark.parametrize("builder", ["text", "latex", "singlehtml", "dirhtml"])
def test_listings_render_in_other_builders(built: Any, builder: str) -> None:
    assert warnings_of(built("full", builder)) == []


def test_dirhtml_links_point_at_directories(built: Any) -> None:
    soup = BeautifulSoup(
        (built("full", "dirhtml").outdir / "listings" / "index.html").read_text("utf-8"),
        "html.parser")
    hrefs = {a["href"] for a in soup.select(".runbook-listing a")}
    assert "../rst_all/#rst-db-errors" in hrefs


def test_listing_pages_follow_changes_in_other_pages(copy_root: Callable[[str], Path]) -> None:
    project = Project(copy_root("full"))
    project.build()
    page = project.srcdir / "more" / "two.md"
    page.write_text(page.read_text().replace("Service two is slow", "Service two is down"))
    app = project.build()
    assert project.read_docs() == ["listings", "more/two"]
    runbooks = {a.get_text() for a in _soup(app, "listings").select(".runbook-listing a")}
    assert "Service two is down" in runbooks
    assert "Service two is slow" not in runbooks


def test_bad_listing_option_is_a_located_warning(tmp_path: Path) -> None:
    app = build_project(tmp_path, {
        "index.md": "# L\n\n```{runbook-commands}\n:safety: risky\n```\n"})
    [warning] = warnings_of(app)
    assert "index.md:3: WARNING: invalid :safety: of 'runbook-commands' directive" in warning
