"""``sphinx-runbook import``: plain Markdown runbooks become directive MyST.

The seed runbooks (``../shared/seeds``, real runbooks of five projects) and
generated documents are imported, then checked the way a team adopting the
tool would: nothing of the text is lost, importing again changes nothing,
and the result builds with Sphinx without a warning the original did not
have, with the runbooks, steps, commands and expectations one would expect.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

from sphinx_runbook.importer import ImportOptions, import_markdown
from sphinx_runbook.index import INDEX_FILENAME

from .helpers import build_project, warnings_of

SEEDS = Path(__file__).parents[2] / "shared" / "seeds"
CONF = ('extensions = ["myst_parser", "sphinx_runbook"]\n'
        "myst_heading_anchors = 3\n"
        "show_warning_types = True\n")


# -- what "nothing lost" means -----------------------------------------------

_MD = MarkdownIt("commonmark").enable("table")
#: ``**Label:**`` or ``**Label**:`` at the start of a line.
_LABEL = re.compile(r"^(?:\*\*([^*]+?)\*\*|__([^_]+?)__)\s*:?\s*")
#: Step numbers: the directive numbers steps itself.
_NUMBER = re.compile(r"^(?:step\s*\d+\s*[:.)-]?|\d+[.)])\s*", re.IGNORECASE)
#: Words a directive stands for (a card says "Symptom", a step is a fix).
_STRUCTURE = re.compile(r"(?:root )?(?:symptoms?|causes?)|meaning|(?:to )?fix|",
                        re.IGNORECASE)
_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S")


def _flat(text: str) -> str:
    return " ".join(text.replace("**", "").split())


def expected_texts(markdown: str) -> Iterator[tuple[str, str]]:
    """(what, text): every line of prose, table cell, heading and code block of a document.

    Parsed with plain markdown-it, independently of the importer. Labels
    that a directive stands for (``**Symptoms:**``), list markers and step
    numbers are left out; everything else must be found in the output.
    """
    tokens = _MD.parse(markdown)
    for index, token in enumerate(tokens):
        parent = tokens[index - 1].type if index else ""
        if token.type == "inline" and parent == "paragraph_open":
            for line in token.content.split("\n"):
                line = line.strip().rstrip("\\").strip()
                label = _LABEL.match(line)
                if label:
                    name = _NUMBER.sub("", (label.group(1) or label.group(2)).strip())
                    if not _STRUCTURE.fullmatch(name.rstrip(":").strip()):
                        yield "label", name.rstrip(":")
                    line = line[label.end():]
                if line.rstrip(":").strip():
                    yield "line", line.rstrip(":").strip()
        elif token.type == "inline" and parent in ("th_open", "td_open"):
            if not _STRUCTURE.fullmatch(token.content.strip()):
                yield "cell", token.content.strip()
        elif token.type == "inline" and parent == "heading_open":
            title = _NUMBER.sub("", token.content.strip()).rstrip(":")
            if not _STRUCTURE.fullmatch(title):
                yield "heading", title
        elif token.type in ("fence", "code_block") and token.content.strip():
            yield "code", token.content
    for line in markdown.split("\n"):
        if _DEFINITION.match(line):
            yield "definition", line.strip()


def lost(markdown: str, output: str) -> list[tuple[str, str]]:
    found = _flat(output)
    return [(what, text) for what, text in expected_texts(markdown)
            if _flat(text) not in found]


def code_blocks(markdown: str) -> int:
    """Code blocks, illustrations (``{code-block}``) included, other directives not."""
    return sum(1 for token in _MD.parse(markdown) if token.type in ("fence", "code_block")
               and (not token.info.startswith("{") or token.info.startswith("{code-block}")))


def without_lines(warnings: list[str]) -> set[str]:
    """Warnings without their line numbers (lines move when a file is imported)."""
    return {re.sub(r"^(\S+?):\d+: ", r"\1: ", warning) for warning in warnings}


def index_of(app: Any) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((Path(app.outdir) / INDEX_FILENAME).read_text("utf-8"))
    return result


def kinds_in_index(app: Any, prefix: str = "") -> tuple[int, int, int, int]:
    """Runbooks, steps, checks and commands the build found (runbook ids with ``prefix``)."""
    index = index_of(app)
    runbooks = [r for r in index["runbooks"] if r["id"].startswith(prefix)]
    blocks = [step["kind"] for runbook in runbooks for step in runbook["steps"]]
    commands = [c for c in index["commands"] if c["runbook"].startswith(prefix)]
    return len(runbooks), blocks.count("step"), blocks.count("verify"), len(commands)


def stray_fences(html: str) -> list[str]:
    """Paragraphs made of colons: a directive fence that closed too early."""
    return re.findall(r"<p>:{3,}", html)


def in_page_links_resolve(html: str) -> list[str]:
    """The ``#fragment`` links of a page whose target is not on the page."""
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    return sorted({href for href in re.findall(r'href="#([^"]+)"', html) if href not in ids})


# -- the seed runbooks --------------------------------------------------------

#: Seed file -> the id prefix it gets here, and what the import finds in it:
#: runbooks, steps, checks, commands, headings or labels left as prose.
SEED_FIGURES: dict[str, tuple[str, int, int, int, int, int]] = {
    # FlowViz WMS: eight "## Error" sections with Symptom/Cause/Resolution headings.
    "000_66edadf91a71a21b.txt": ("flowviz-", 8, 27, 0, 20, 2),
    # SOVD: quick checks as numbered headings, eight "Issue N:" incidents with
    # Diagnosis/Solution/Verification, procedures under Advanced Diagnostics.
    "001_9184cae6b7fb1807.txt": ("sovd-", 12, 59, 8, 64, 2),
    # Workflow Service: bold labels, then one runbook per curl or alembic recipe.
    "002_9333b07bec3c6051.txt": ("workflow-", 26, 54, 4, 48, 4),
    # pyDBAPI: **Cause:**/**Fix:** paragraphs, checklists and symptom/cause/fix tables.
    "003_7dc9cec9e856b612.txt": ("pydbapi-", 27, 60, 1, 11, 2),
    # LotAstro WMS: ten "### N." incidents with Detection / Response Steps /
    # Resolution Verification, post-incident procedures, two query recipes.
    "004_4f3004b0bed5cbcb.txt": ("lotastro-", 13, 52, 10, 23, 1),
}


def seed_text(name: str) -> str:
    path = SEEDS / name
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"the seed runbook {path} is missing (CI runs with ../shared/seeds)")
        pytest.skip(f"no seed runbooks at {SEEDS} (they live beside the repository)")
    return path.read_text(encoding="utf-8")


# -- generated documents --------------------------------------------------------

_WORDS = ("billing", "ledger", "gateway", "search", "mailer", "scheduler", "archive",
          "tenant", "webhook", "replica", "uploads", "reports", "sessions", "exports")


class Generator:
    """Markdown runbooks made of the shapes real runbooks use, in random combinations."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.headings: list[str] = []

    def word(self) -> str:
        return self.rng.choice(_WORDS)

    def title(self) -> str:
        words = " ".join(self.rng.sample(_WORDS, 2)).capitalize()
        return words + self.rng.choice(["", " errors", " is slow", " (502)", " won't start"])

    def heading(self, level: int, text: str) -> list[str]:
        if level <= 3:  # MyST gives these an anchor (myst_heading_anchors = 3)
            self.headings.append(text)
        return ["#" * level + " " + text, ""]

    def command(self) -> str:
        service = self.word()
        return self.rng.choice([
            f"systemctl status {service}",
            f"kubectl get pods -l app={service} -n <namespace>",
            f"journalctl -u {service} --since '-1h' | tail -20",
            f"docker compose restart {service}",
            f"grep -i error /var/log/{service}.log | tail -20",
        ])

    def fence(self, indent: str = "", language: str = "bash") -> list[str]:
        body = [self.command() for _ in range(self.rng.randint(1, 2))]
        return [f"{indent}```{language}", *(indent + line for line in body), f"{indent}```"]

    def bullets(self, count: int = 3) -> list[str]:
        return [f"- The {self.word()} {self.rng.choice(['queue', 'pool', 'cache'])} "
                f"is {self.rng.choice(['full', 'stale', 'down'])}" for _ in range(count)] + [""]

    def numbered(self, count: int = 3, code: bool = True) -> list[str]:
        lines: list[str] = []
        for number in range(1, count + 1):
            lines.append(f"{number}. {self.rng.choice(['Check', 'Restart', 'Inspect'])} "
                         f"the {self.word()} service:")
            # A MyST admonition in a step: the step's fence must be longer than its own.
            note = ["   :::{note}", "   Mind the replicas.", "   :::"] \
                if self.rng.random() < 0.3 else []
            lines += note
            if code and self.rng.random() < 0.7:
                lines += self.fence(indent="   ")
            lines += ["", *note] if note and self.rng.random() < 0.5 else [""]
        return lines

    def paragraph(self) -> list[str]:
        return [f"The {self.word()} service talks to the {self.word()} service "
                f"through [the gateway](https://example.com/{self.word()}).", ""]

    # Shapes of one incident, under a heading of ``level``.

    def with_part_headings(self, level: int) -> list[str]:
        sub = level + 1
        lines = self.heading(level, self.title())
        lines += self.heading(sub, "Symptom") + self.paragraph()
        lines += self.heading(sub, "Root Cause") + self.bullets(2)
        lines += self.heading(sub, "Resolution") + self.numbered()
        if self.rng.random() < 0.5:
            lines += self.heading(sub, "Notes on the " + self.word()) + self.paragraph()
        lines += self.heading(sub, "Verification")
        lines += ["```bash", f"curl -s http://localhost:8080/{self.word()}/health",
                  '# Expected: {"status": "ok"}', "```", ""]
        return lines

    def with_bold_labels(self, level: int) -> list[str]:
        lines = self.heading(level, self.title())
        lines += ["**Symptoms:**", *self.bullets()]
        lines += ["**Root Causes:**", *self.numbered(2, code=False)]
        lines += ["**Resolution Steps:**", *self.numbered()]
        lines += ["**Resolution Verification:**", *self.bullets(2)]
        return lines

    def cause_and_fix(self, level: int) -> list[str]:
        lines = self.heading(level, self.title())
        if self.rng.random() < 0.5:
            lines += ["```", f"ERROR: {self.word()} refused the connection", "```", ""]
        lines += [f"**Cause:** The {self.word()} credentials expired.  ",
                  f"**Fix:** Rotate them with `vault rotate {self.word()}`.", ""]
        return lines

    def table(self, level: int) -> list[str]:
        lines = self.heading(level, self.title())
        lines += ["**Common causes:**", "", "| Symptom | Cause | Fix |", "|---|---|---|"]
        for _ in range(self.rng.randint(1, 3)):
            lines.append(f"| `{self.word()}` timeout | {self.word().capitalize()} is slow | "
                         f"Restart `{self.word()}` |")
        return [*lines, ""]

    def numbered_headings(self, level: int) -> list[str]:
        lines = [*self.heading(level, self.title()), "Run these checks first:", ""]
        for number in range(1, self.rng.randint(2, 4) + 1):
            lines += self.heading(level + 1, f"{number}. Check the {self.word()}")
            lines += [*self.fence(), ""]
            if self.rng.random() < 0.4:
                lines += ["**Expected Response**:", "```json", '{"healthy": true}', "```", ""]
        return lines

    def procedure(self, level: int) -> list[str]:
        lines = self.heading(level, self.title())
        lines += ["Use the script:", "", *self.fence(), ""]
        lines += ["Or by hand:", "", *self.fence(), ""]
        lines += ["Expected:", "", "```", "active (running)", "```", ""]
        if self.rng.random() < 0.5:
            lines += ["```", f"$ systemctl is-active {self.word()}", "active", "```", ""]
        lines += ["After the restart, verify:", "", *self.fence(), ""]
        if self.rng.random() < 0.5:
            lines += ["See the [manual][manual] for more.", "",
                      f"[manual]: https://example.com/{self.word()}", ""]
        return lines

    def prose(self, level: int) -> list[str]:
        lines = self.heading(level, self.rng.choice(["Background", "Owners", "Glossary"])
                             + " of " + self.word())
        lines += self.paragraph() + self.bullets(2)
        lines += ["| Name | Value |", "|---|---|", f"| {self.word()} | 3 |", ""]
        lines += ["<!-- reviewed in the last game day -->", ""]
        return lines

    def document(self) -> str:
        shapes: list[Callable[[int], list[str]]] = [
            self.with_part_headings, self.with_bold_labels, self.cause_and_fix, self.table,
            self.numbered_headings, self.procedure, self.prose]
        body: list[str] = []
        for _ in range(self.rng.randint(3, 6)):
            if self.rng.random() < 0.3:
                body += self.heading(2, "Group of " + self.word())
                for _ in range(self.rng.randint(1, 3)):
                    body += [*self.rng.choice(shapes)(3), "---", ""]
            else:
                body += [*self.rng.choice(shapes)(2), "---", ""]
        while body and body[-1] in ("---", ""):
            body.pop()  # a document may not end with a rule
        head: list[str] = []
        if self.rng.random() < 0.5:
            head += ["---", f"owner: team-{self.word()}", "---", ""]
        head += [f"# {self.word().capitalize()} runbook", "", *self.paragraph()]
        if self.rng.random() < 0.7:
            # A table of contents: MyST's anchors, duplicates numbered -1, -2...
            anchors: set[str] = set()
            for text in self.headings:
                anchor = slug = re.sub(r"[^\w\- ]", "", text.lower().replace(" ", "-"))
                counter = 1
                while anchor in anchors:
                    anchor, counter = f"{slug}-{counter}", counter + 1
                anchors.add(anchor)
                head.append(f"- [{text}](#{anchor})")
            head.append("")
        return "\n".join(head + body)


GENERATED = [Generator(seed).document() for seed in range(12)]


def test_generated_documents_lose_nothing_and_import_once() -> None:
    runbooks = commands = 0
    for number, markdown in enumerate(GENERATED):
        result = import_markdown(markdown)
        assert lost(markdown, result.text) == [], f"document {number}"
        assert code_blocks(result.text) == code_blocks(markdown), f"document {number}"
        again = import_markdown(result.text)
        assert again.text == result.text, f"document {number} changes on a second import"
        assert again.runbooks == 0
        assert again.existing == result.runbooks
        runbooks += result.runbooks
        commands += result.commands
    assert runbooks > 30
    assert commands > 60


def test_generated_documents_build_as_imported(tmp_path: Path) -> None:
    results = {f"doc{number}": import_markdown(markdown, ImportOptions(id_prefix=f"doc{number}-"))
               for number, markdown in enumerate(GENERATED)}
    toctree = "\n".join(["# Generated", "", "```{toctree}", *results, "```", ""])
    files = {f"{name}.md": result.text for name, result in results.items()}
    app = build_project(tmp_path, {**files, "index.md": toctree}, conf=CONF)
    assert warnings_of(app) == []
    for name, result in results.items():
        html = (Path(app.outdir) / f"{name}.html").read_text("utf-8")
        assert in_page_links_resolve(html) == [], name
        assert stray_fences(html) == [], name
        # What the importer says it wrote is what Sphinx reads.
        assert kinds_in_index(app, f"{name}-") == (
            result.runbooks, result.steps, result.checks, result.commands), name


@pytest.mark.parametrize("name", sorted(SEED_FIGURES))
def test_seed_loses_nothing_and_imports_once(name: str) -> None:
    markdown = seed_text(name)
    result = import_markdown(markdown)
    assert lost(markdown, result.text) == []
    assert code_blocks(result.text) == code_blocks(markdown)
    again = import_markdown(result.text)
    assert again.text == result.text
    assert (again.runbooks, again.existing) == (0, result.runbooks)


@pytest.mark.parametrize("name", sorted(SEED_FIGURES))
def test_seed_runbooks_steps_and_commands(name: str) -> None:
    _, runbooks, steps, checks, commands, kept = SEED_FIGURES[name]
    result = import_markdown(seed_text(name))
    assert (result.runbooks, result.steps, result.checks, result.commands,
            len(result.kept)) == (runbooks, steps, checks, commands, kept)


@pytest.fixture(scope="module")
def seed_sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """The five seeds built as they are, and imported (with id prefixes), in one site each."""
    texts = {name: seed_text(name) for name in sorted(SEED_FIGURES)}
    toctree = "\n".join(["# Runbooks", "", "```{toctree}",
                         *(Path(name).stem for name in texts), "```", ""])
    original = {f"{Path(name).stem}.md": text for name, text in texts.items()}
    imported = {f"{Path(name).stem}.md": import_markdown(
        text, ImportOptions(id_prefix=SEED_FIGURES[name][0], service="seed")).text
        for name, text in texts.items()}
    return (build_project(tmp_path_factory.mktemp("original"),
                          {**original, "index.md": toctree}, conf=CONF),
            build_project(tmp_path_factory.mktemp("imported"),
                          {**imported, "index.md": toctree}, conf=CONF))


def _located(warnings: list[str]) -> set[str]:
    """Warnings as ``file: message``: without the directory and the line."""
    return {re.sub(r"^.*?([^/\\]+):\d+: ", r"\1: ", warning) for warning in warnings}


def test_imported_seeds_build_without_new_warnings(seed_sites: tuple[Any, Any]) -> None:
    original, imported = seed_sites
    # The seeds link to files of their own repositories (architecture.md...):
    # those warnings were there before the import, and are the only ones.
    assert _located(warnings_of(imported)) - _located(warnings_of(original)) == set()
    assert not [w for w in warnings_of(imported) if "runbook." in w or "#" in w]


def _internal_links(html: str) -> set[str]:
    """The texts of the in-page links of the page's body (not the sidebar's contents)."""
    body = html.split('<div class="body"', 1)[1].split('<div class="sphinxsidebar"', 1)[0]
    return {re.sub(r"<[^>]+>", "", text) for text in
            re.findall(r'class="reference internal" href="#[^"]+">(.*?)</a>', body)}


@pytest.mark.parametrize("name", sorted(SEED_FIGURES))
def test_imported_seeds_are_read_as_the_importer_wrote_them(
        seed_sites: tuple[Any, Any], name: str) -> None:
    prefix, runbooks, steps, checks, commands, _ = SEED_FIGURES[name]
    _, imported = seed_sites
    html = (Path(imported.outdir) / f"{Path(name).stem}.html").read_text("utf-8")
    assert stray_fences(html) == []
    assert kinds_in_index(imported, prefix) == (runbooks, steps, checks, commands)


def test_imported_seeds_keep_their_in_page_links(seed_sites: tuple[Any, Any]) -> None:
    original, imported = seed_sites
    for name in SEED_FIGURES:
        page = f"{Path(name).stem}.html"
        before = (Path(original.outdir) / page).read_text("utf-8")
        after = (Path(imported.outdir) / page).read_text("utf-8")
        # Only links to other files of the seeds' repositories (architecture.md...)
        # go nowhere, as they did before.
        assert in_page_links_resolve(after) == in_page_links_resolve(before), name
        # The document's own links are all there, and resolve (above); the
        # runbooks add links of their own ("Addresses: <cause>").
        assert _internal_links(before) <= _internal_links(after), name
    # The table of contents of the SOVD seed links to incidents that are runbooks now.
    sovd = (Path(imported.outdir) / "001_9184cae6b7fb1807.html").read_text("utf-8")
    assert 'href="#issue-3-websocket-connections-failing"' in sovd
    # The anchor is the runbook's section, or a target at its top (docutils < 0.21).
    target = BeautifulSoup(sovd, "html.parser").find(id="issue-3-websocket-connections-failing")
    section = target if target.name == "section" else target.find_parent("section")
    assert "runbook" in section["class"]


def test_imported_seeds_index(seed_sites: tuple[Any, Any]) -> None:
    _, imported = seed_sites
    index = index_of(imported)
    runbooks = {runbook["id"]: runbook for runbook in index["runbooks"]}
    commands = {command["id"]: command for command in index["commands"]}
    assert {runbook["service"] for runbook in runbooks.values()} == {"seed"}

    # "# Expected: {...}" in the command, "# Expected: 201 Created", "Expected: `101 ...`".
    health = commands["workflow-health-check.step-1.1"]
    assert health["expect"]["json"] == {"status": "healthy"}
    assert commands["workflow-create-record.step-1.1"]["expect"]["http_status"] == 201
    websocket = runbooks["sovd-websocket-connections-failing"]
    handshake = next(s for s in websocket["steps"] if s["title"].startswith("Check WebSocket"))
    assert commands[handshake["commands"][0]]["expect"]["http_status"] == 101
    # "Expected:" before a plain block: the output of the command before it.
    urls = next(c for c in commands.values() if c["runbook"] == "sovd-health-check-failures"
                and "grep -E" in c["code"])
    assert urls["expect"]["output"].startswith("DATABASE_URL=postgresql://")

    # LotAstro: ten incidents, each with symptoms, steps and a check a person makes.
    incidents = [r for r in runbooks.values()
                 if r["id"].startswith("lotastro-") and r["title"][0].isdigit()]
    assert len(incidents) == 10
    for runbook in incidents:
        kinds = [step["kind"] for step in runbook["steps"]]
        assert kinds.count("step") >= 3, runbook["id"]
        assert kinds[-1] == "verify" and runbook["steps"][-1]["manual"], runbook["id"]
    retry = next(c for c in commands.values()
                 if c["runbook"] == "lotastro-email-delivery-failures" and "UPDATE" in c["code"])
    assert "WHERE id = '[email-id]';" in retry["code"]

    # pyDBAPI: a symptom/cause/fix table, each fix pointing at its cause.
    prestart = runbooks["pydbapi-prestart-service-fails-backend-never-starts"]
    assert [cause["text"] for cause in prestart["causes"]] == [
        "DB not ready", "Migration conflict or bad schema",
        "Migration applied but didn't reach head"]
    assert [step["for"] for step in prestart["steps"]] == [
        ["db-not-ready"], ["migration-conflict-or-bad-schema"],
        ["migration-applied-but-didnt-reach-head"]]


# -- documents as a whole --------------------------------------------------------

DOCS_EXAMPLES = Path(__file__).parent.parent / "docs" / "how-to" / "examples"


def test_the_documented_example_is_what_the_importer_writes() -> None:
    before = (DOCS_EXAMPLES / "payments.txt").read_text(encoding="utf-8")
    after = (DOCS_EXAMPLES / "payments-imported.txt").read_text(encoding="utf-8")
    options = ImportOptions(service="payments", id_prefix="payments-")
    assert import_markdown(before, options).text == after


PARTLY_CONVERTED = """\
# Payments

## Card payments fail

::::{runbook} Card payments fail
:id: refunds-are-stuck

:::{step} Restart the gateway
```bash
systemctl restart card-gateway
```
:::
::::

Afterwards, read the logs:

```bash
journalctl -u card-gateway --since -10m
```

## Refunds are stuck

**Cause:** The refund worker stopped.\\
**Fix:** Restart it:
```bash
systemctl restart refund-worker
```
"""


def test_a_file_converted_in_part_keeps_its_runbooks(tmp_path: Path) -> None:
    result = import_markdown(PARTLY_CONVERTED)
    assert (result.existing, result.runbooks, result.steps) == (1, 1, 1)
    # The runbook written by hand, and the section around it, are as they were.
    assert result.text.startswith(PARTLY_CONVERTED.split("## Refunds")[0])
    assert "::::{runbook} Refunds are stuck\n:id: refunds-are-stuck-2\n" in result.text
    assert import_markdown(result.text).text == result.text
    app = build_project(tmp_path, {"index.md": result.text}, conf=CONF)
    assert warnings_of(app) == []
    assert kinds_in_index(app) == (2, 2, 0, 2)


def test_front_matter_and_line_endings_are_kept() -> None:
    markdown = ("---\ntitle: Disk\nowner: storage\n---\n\n# Disk full\n\n"
                "**Symptoms:**\n- Writes fail\n\n**Fix:** Free some space:\n"
                "```bash\ndf -h\n```\n")
    result = import_markdown(markdown.replace("\n", "\r\n"))
    assert result.text.startswith("---\r\ntitle: Disk\r\nowner: storage\r\n---\r\n\r\n")
    assert "\n" not in result.text.replace("\r\n", "")
    assert "::::{runbook} Disk full\r\n:id: disk-full\r\n" in result.text
    assert ":::{step} Free some space\r\n\r\n```bash\r\ndf -h\r\n```\r\n:::" in result.text
    assert import_markdown(result.text).text == result.text


ROLES = """\
# Search

## Search is slow

**Resolution Steps:**
1. Look at the node:
   ```
   $ curl -s http://localhost:9200/_cat/health
   green
   ```
2. Count the documents:
   ```bash
   curl -s http://localhost:9200/_count
   ```
   **Expected Response**:
   ```json
   {"count": 42}
   ```
3. Raise the heap in `search.yml`:
   ```yaml
   heap: 4g
   ```
4. Read the log:
   ```bash
   tail -5 /var/log/search.log
   ```
   Look for:
   ```
   GC overhead limit exceeded
   ```
5. Check the service:
   ```bash
   systemctl is-active search
   ```
   Expected:
   ```
   active
   ```
"""


def test_code_blocks_in_steps_get_their_role(tmp_path: Path) -> None:
    result = import_markdown(ROLES)
    app = build_project(tmp_path, {"index.md": result.text}, conf=CONF)
    assert warnings_of(app) == []
    commands = {c["id"]: c for c in index_of(app)["commands"]}
    # A plain block of "$ " lines is a console session: the command without its prompt.
    session = commands["search-is-slow.look-at-the-node.1"]
    assert (session["lexer"], session["code"]) == (
        "console", "curl -s http://localhost:9200/_cat/health")
    assert session["expect"]["output"] == "green"
    # "Expected Response" and a JSON block: what the output must contain.
    count = commands["search-is-slow.count-the-documents.1"]
    assert count["expect"]["json"] == {"count": 42}
    # "Expected:" and a plain block: the output, checked by verification.
    assert commands["search-is-slow.check-the-service.1"]["expect"]["output"] == "active"
    # Configuration and log lines are shown, but are not commands.
    assert sorted(commands) == [
        "search-is-slow.check-the-service.1", "search-is-slow.count-the-documents.1",
        "search-is-slow.look-at-the-node.1", "search-is-slow.read-the-log.1"]
    assert result.text.count(":class: runbook-example") == 3  # JSON, YAML, log lines
    assert result.commands == 4


def test_runbook_ids_are_stable_slugs_unique_in_the_file() -> None:
    markdown = "".join(f"### {title}\n\n**Fix:** Restart it:\n```bash\nsystemctl restart x\n```\n\n"
                       for title in ["Issue 1: Backend Won't Start", "2. Disk full",
                                     "Disk full", "Step 3: Disk full"])
    text = import_markdown(markdown, ImportOptions(id_prefix="ops-")).text
    assert re.findall(r":id: (\S+)", text) == [
        "ops-backend-wont-start", "ops-disk-full", "ops-disk-full-2", "ops-disk-full-3"]
    assert "::::{runbook} Issue 1: Backend Won't Start\n" in text


# -- the command line -----------------------------------------------------------

INCIDENT = """\
# Payments runbook

## Card payments fail

**Symptoms:**
- Checkout returns 502

**Resolution Steps:**
1. Restart the gateway:
   ```bash
   systemctl restart payments-gateway
   ```
2. Check it is up:
   ```bash
   curl -s http://localhost:8080/health
   # Expected: {"status": "ok"}
   ```

## Rollout calendar

Releases go out on Tuesdays.
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sphinx_runbook.cli", "import", *args],
                          capture_output=True, text=True, check=False, cwd=cwd)


def test_one_file_goes_to_stdout_with_a_report_on_stderr(tmp_path: Path) -> None:
    source = tmp_path / "payments.md"
    source.write_text(INCIDENT, encoding="utf-8")
    result = run("payments.md", "--service", "payments", "--severity", "P1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == import_markdown(
        INCIDENT, ImportOptions(service="payments", severity="P1")).text
    assert "::::{runbook} Card payments fail\n:id: card-payments-fail\n:service: payments\n" \
           ":severity: P1\n" in result.stdout
    assert result.stderr.splitlines() == [
        "payments.md:19: kept as prose: Rollout calendar",
        "payments.md: 1 runbook, 2 steps, 0 checks, 2 commands; 1 kept as prose",
    ]
    assert source.read_text(encoding="utf-8") == INCIDENT


def test_output_file_and_in_place(tmp_path: Path) -> None:
    source = tmp_path / "payments.md"
    source.write_text(INCIDENT, encoding="utf-8")
    assert run(str(source), "-o", str(tmp_path / "out" / "converted.md"), "-q").returncode == 0
    converted = (tmp_path / "out" / "converted.md").read_text(encoding="utf-8")
    assert ":::{step} Restart the gateway" in converted
    assert run(str(source), "--in-place").returncode == 0
    assert source.read_text(encoding="utf-8") == converted
    # Importing an imported file changes nothing, not even its date, and says so.
    written = source.stat().st_mtime_ns
    os.utime(source, ns=(written - 10**9, written - 10**9))
    again = run(str(source), "--in-place")
    assert source.read_text(encoding="utf-8") == converted
    assert source.stat().st_mtime_ns == written - 10**9
    assert "0 runbooks" in again.stderr and "1 runbook already there" in again.stderr


def test_several_files_go_to_a_directory(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(INCIDENT, encoding="utf-8")
    (tmp_path / "b.txt").write_text(INCIDENT.replace("Card", "Wallet"), encoding="utf-8")
    result = run("a.md", "b.txt", "-o", "site", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == ["a.md", "b.md"]
    assert ":id: wallet-payments-fail" in (tmp_path / "site" / "b.md").read_text("utf-8")

    # One file into an existing directory keeps its name.
    assert run("b.txt", "-o", "site", "-q", cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == ["a.md", "b.md"]

    alone = run("a.md", "b.txt", cwd=tmp_path)
    assert alone.returncode == 2
    assert "several files to import: give -o DIRECTORY or --in-place" in alone.stderr


BAD_INPUTS: dict[str, tuple[bytes | None, str]] = {
    "empty": (b"", "the file is empty"),
    "blank": (b"\n  \n\t\n", "the file is empty"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file (it holds NUL bytes)"),
    "latin-1": ("# Café\n".encode("latin-1"), "not UTF-8 text (byte 0xe9 at offset 5)"),
    "missing": (None, "no such file"),
    "directory": (None, "is a directory, not a Markdown file"),
}


@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
def test_bad_input_is_named_and_nothing_is_written(tmp_path: Path, kind: str) -> None:
    content, message = BAD_INPUTS[kind]
    good = tmp_path / "good.md"
    good.write_text(INCIDENT, encoding="utf-8")
    bad = tmp_path / f"{kind}.md"
    if kind == "directory":
        bad.mkdir()
    elif content is not None:
        bad.write_bytes(content)

    to_file = run(str(bad), "-o", str(tmp_path / "out.md"))
    assert to_file.returncode == 2
    assert to_file.stderr == f"sphinx-runbook import: {bad}: {message}" + (
        "; expected Markdown\n" if kind in ("binary", "latin-1") else "\n")
    assert not (tmp_path / "out.md").exists()

    # The good file before it is not written either, nor changed in place.
    assert run(str(good), str(bad), "-o", str(tmp_path / "site")).returncode == 2
    assert not (tmp_path / "site").exists()
    assert run(str(good), str(bad), "--in-place").returncode == 2
    assert good.read_text(encoding="utf-8") == INCIDENT
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".sphinx-runbook")]


def test_every_bad_input_is_listed(tmp_path: Path) -> None:
    (tmp_path / "empty.md").write_bytes(b"")
    result = run("empty.md", "missing.md", "-o", "site", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "sphinx-runbook import: 2 files cannot be imported:",
        "  empty.md: the file is empty",
        "  missing.md: no such file",
    ]


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--severity", "urgent", "--severity: 'urgent' is not a severity"),
    ("--id-prefix", "ops team", "--id-prefix: 'ops team' is not a valid id"),
])
def test_option_values_are_checked(tmp_path: Path, option: str, value: str,
                                   message: str) -> None:
    (tmp_path / "a.md").write_text(INCIDENT, encoding="utf-8")
    result = run("a.md", option, value, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_an_example_file_in_a_language_pygments_names_otherwise_is_highlighted() -> None:
    markdown = ("## Issue 1: Cache down\n\n### Solution\n\nUpdate `.env`:\n"
                "```env\nREDIS_URL=redis://redis:6379/0\n```\n\nRestart:\n"
                "```bash\ndocker compose restart backend\n```\n")
    text = import_markdown(markdown).text
    assert "```{code-block} ini\n:class: runbook-example\n\nREDIS_URL=" in text
