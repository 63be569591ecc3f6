"""The project's runbook site (runbooks/): builds clean and keeps its seeds intact."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt
from mdit_py_plugins.colon_fence import colon_fence_plugin
from sphinx.testing.util import SphinxTestApp

from sphinx_runbook.index import load_schema

from .helpers import records_of, warnings_of

REPO = Path(__file__).parent.parent
SEEDS = REPO.parent / "shared" / "seeds"
#: runbooks/ page -> the plain Markdown runbook it was converted from.
CONVERTED = {
    "flowviz-wms.md": "000_66edadf91a71a21b.txt",
    "sovd-web-application.md": "001_9184cae6b7fb1807.txt",
    "workflow-service.md": "002_9333b07bec3c6051.txt",
    "pydbapi.md": "003_7dc9cec9e856b612.txt",
    "lotastro-wms.md": "004_4f3004b0bed5cbcb.txt",
}
NOTES_HEADING = "## Verification notes"


def seed_text(seed: str) -> str:
    if not SEEDS.is_dir():
        if os.environ.get("CI"):
            raise RuntimeError("CI runs with ../shared beside the checkout: the seeds are missing")
        pytest.skip("the seed runbooks (../shared/seeds) are not beside this checkout")
    return (SEEDS / seed).read_text(encoding="utf-8")


def split_notes(page: str) -> tuple[str, str]:
    """The runbook's text, and its closing verification notes."""
    text = (REPO / "runbooks" / page).read_text(encoding="utf-8")
    body, _, notes = text.partition(f"\n{NOTES_HEADING}\n")
    return body, notes
_FENCE = re.compile(r"^( *)(`{3,})([^\n]*)\n(.*?)^\1\2 *$", re.M | re.S)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    srcdir = tmp_path_factory.mktemp("runbooks")
    shutil.copytree(REPO / "runbooks", srcdir, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("_build"))
    app = SphinxTestApp("html", srcdir=srcdir, status=StringIO(), warning=StringIO())
    try:
        app.build()
    finally:
        app.cleanup()
    return app


def test_site_builds_without_warnings(site: Any) -> None:
    assert warnings_of(site) == []


def test_runbook_pages_show_what_on_call_needs(site: Any) -> None:
    soup = BeautifulSoup((site.outdir / "workflow-service.html").read_text(encoding="utf-8"),
                         "html.parser")
    runbook = soup.find("section", id="workflow-database-connection-errors")
    assert runbook.select_one(".runbook-severity").get_text() == "high"
    assert "OperationalError" in runbook.select_one(".runbook-symptom").get_text()
    assert len(runbook.select(".runbook-cause")) == 4
    numbers = [n.get_text() for n in runbook.select(".runbook-step-number")]
    assert numbers == ["1", "2", "3", "4"]
    copies = [b["data-runbook-copy"] for b in runbook.select("[data-runbook-copy]")]
    assert copies[0] == "echo $DATABASE_URL"


def test_every_runbook_has_steps_or_checks(site: Any) -> None:
    runbooks = [r for records in records_of(site).values() for r in records]
    assert len(runbooks) >= 20
    assert [r.id for r in runbooks if not r.steps] == []


def _code_blocks(markdown: str) -> list[str]:
    """The contents of fenced code blocks, dedented to their fence.

    A MyST ``{code-block}`` fence's option lines (``:class: ...``) are not content.
    """
    blocks = []
    for match in _FENCE.finditer(markdown):
        indent = len(match.group(1))
        lines = [line[indent:] if line[:indent].isspace() else line
                 for line in match.group(4).splitlines()]
        if match.group(3).startswith("{"):
            while lines and re.match(r"^:[\w-]+:", lines[0]):
                lines.pop(0)
            if lines and not lines[0].strip():
                lines.pop(0)
        blocks.append("\n".join(lines))
    return blocks


@pytest.mark.parametrize(("page", "seed"), CONVERTED.items())
def test_converted_runbook_keeps_every_code_block_in_order(page: str, seed: str) -> None:
    source = _code_blocks(seed_text(seed))
    body, notes = split_notes(page)
    converted = _code_blocks(body)
    # Every seed block appears, byte for byte, in the same order; a block that
    # verification found stale was fixed in the runbook, and the original is
    # quoted in the verification notes, with what changed.
    position = 0
    for block in source:
        if block in converted[position:]:
            position = converted.index(block, position) + 1
        else:
            assert block in _code_blocks(notes), f"{page}: seed block missing:\n{block}"


@pytest.mark.parametrize("page", CONVERTED)
def test_converted_runbook_ends_with_verification_notes(page: str) -> None:
    notes = split_notes(page)[1]
    assert notes, f"{page} has no '{NOTES_HEADING}' section"
    # The notes close the page: no runbook after them.
    assert "{runbook}" not in notes


@pytest.mark.parametrize(("page", "seed"), CONVERTED.items())
def test_converted_runbook_keeps_every_heading(page: str, seed: str) -> None:
    original = seed_text(seed)
    headings = re.findall(r"^#{1,6} (.+)$", original, re.M)
    text = (REPO / "runbooks" / page).read_text(encoding="utf-8")
    # A seed's sub-headings inside an incident (Symptom, Cause...) cannot be
    # section headings inside a runbook directive: they are rubrics there.
    titles = re.findall(r"^(?:#{1,6} |:+\{(?:runbook|rubric)\} )(.+)$", text, re.M)
    # The page title may say which project it is about ("pyDBAPI Troubleshooting Guide").
    missing = [heading for heading in headings
               if heading not in titles and not titles[0].endswith(f" {heading}")]
    # The seed's headings inside code blocks ("# For Postgres") are code, not headings.
    code = "\n".join(_code_blocks(original))
    assert [h for h in missing if f"# {h}" not in code] == []


def _count_commands(markdown: str, inside: str | None = None) -> int:
    """Commands in step/verify blocks, counted from the Markdown with markdown-it.

    Independent of the extension: colon fences are parsed again recursively; a
    fence in a step or verify is one command (one per ``$ `` prompt in a console
    block), except ``output`` blocks and blocks with the ``runbook-example`` class.
    """
    parser = MarkdownIt("commonmark").use(colon_fence_plugin)
    count = 0
    for token in parser.parse(markdown):
        if token.type == "colon_fence":
            name = token.info.split("}")[0].lstrip("{").strip()
            count += _count_commands(token.content, name if name in ("step", "verify")
                                     else inside)
        elif token.type == "fence" and inside is not None:
            info = token.info.strip()
            language = info.split()[1] if info.startswith("{") and len(info.split()) > 1 \
                else info.split()[0] if info else ""
            if language == "output" or "runbook-example" in token.content.split("\n\n")[0]:
                continue
            prompts = sum(line.startswith("$ ") for line in token.content.splitlines())
            count += prompts if language == "console" and prompts else 1
    return count


def test_index_lists_every_command_of_the_sources(site: Any) -> None:
    index = json.loads((site.outdir / "runbook-index.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(load_schema()).validate(index)
    expected = sum(_count_commands(page.read_text(encoding="utf-8"))
                   for page in (REPO / "runbooks").glob("*.md"))
    listed = [c for c in index["commands"] if c["kind"] in ("step", "verify")]
    assert len(listed) == expected
    assert expected >= 40


def test_the_runbook_about_sphinx_runbook_itself_is_fully_executed(site: Any,
                                                                    tmp_path: Path) -> None:
    """Every command of it runs in the sandbox and passes: nothing skipped, nothing stale."""
    runbooks = [r.id for r in records_of(site)["troubleshooting-sphinx-runbook"]]
    assert len(runbooks) >= 3
    only = [argument for ident in runbooks for argument in ("--only", ident)]
    outdir = tmp_path / "html"
    finished = subprocess.run(
        [sys.executable, "-m", "sphinx_runbook.cli", "verify", str(site.srcdir), "-o",
         str(outdir), "-b", "runbook", *only],
        capture_output=True, text=True, check=False,
        # As nox runs it: the environment's programs (sphinx-runbook) first on PATH.
        env={**os.environ,
             "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"})
    rows = [json.loads(line) for line in
            (outdir / "runbook-report.jsonl").read_text(encoding="utf-8").splitlines()]
    mine = [row for row in rows if row["runbook"] in runbooks]
    assert len(mine) >= 10
    assert [(row["id"], row["status"], row["reason"]) for row in mine
            if row["status"] != "passed"] == [], finished.stderr[-3000:]
    assert finished.returncode == 0, finished.stderr[-3000:]


def test_the_sites_postgresql_and_redis_answer_commands(tmp_path: Path) -> None:
    """The services of runbooks/_verification, as the site declares them, started for real."""
    services = REPO / "runbooks" / "_verification"
    (tmp_path / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(services)!r})\n"
        "import verification_services as services\n"
        'extensions = ["myst_parser", "sphinx_runbook"]\n'
        'runbook_execute = "force"\n'
        'runbook_services = {"postgres": services.postgres(), "redis": services.redis()}\n',
        encoding="utf-8")
    (tmp_path / "index.md").write_text(
        "# Services\n\n::::{runbook} Services answer\n:id: services\n\n"
        ":::{step} The fixtures are loaded\n:requires: postgres\n"
        "```sql\nSELECT count(*) > 0 AS loaded FROM lots;\n```\n:::\n\n"
        ":::{step} Redis answers\n:requires: redis\n"
        '```bash\nredis-cli -u "$REDIS_URL" ping\n```\n```output\nPONG\n```\n:::\n::::\n',
        encoding="utf-8")
    app = SphinxTestApp("runbook", srcdir=tmp_path, status=StringIO(), warning=StringIO())
    try:
        app.build()
    finally:
        app.cleanup()
    rows = {row["id"]: row for row in map(json.loads, (Path(app.outdir) / "runbook-report.jsonl")
                                          .read_text(encoding="utf-8").splitlines())}
    missing = [row["reason"] for row in rows.values() if row["reason_code"] == "missing-service"]
    if missing and not os.environ.get("CI"):
        pytest.skip("; ".join(missing))
    assert {row_id: row["status"] for row_id, row in rows.items()} == {
        "services.the-fixtures-are-loaded.1": "passed", "services.redis-answers.1": "passed"}, \
        rows
    assert rows["services.the-fixtures-are-loaded.1"]["stdout"].split()[:3] == [
        "loaded", "--------", "t"]
