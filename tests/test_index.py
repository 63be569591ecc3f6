"""runbook-index.json: content, schema, stability and reproducibility."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sphinx.testing.util import SphinxTestApp

from sphinx_runbook.index import INDEX_FILENAME, load_schema

from .helpers import build_project, warnings_of


def read_index(app: Any) -> dict[str, Any]:
    index: dict[str, Any] = json.loads((app.outdir / INDEX_FILENAME).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(load_schema()).validate(index)
    return index


@pytest.fixture
def index(built: Any) -> dict[str, Any]:
    app = built("index")
    assert warnings_of(app) == []
    return read_index(app)


def command(index: dict[str, Any], command_id: str) -> dict[str, Any]:
    found = [c for c in index["commands"] if c["id"] == command_id]
    assert len(found) == 1, [c["id"] for c in index["commands"]]
    return found[0]


def test_top_level_fields(index: dict[str, Any]) -> None:
    assert index["schema_version"] == 1
    assert index["project"] == "index-test"
    assert index["version"] == "2.1"
    assert [r["id"] for r in index["runbooks"]] == ["stale-cache", "reset-database"]


def test_runbook_fields(index: dict[str, Any]) -> None:
    runbook = index["runbooks"][0]
    assert runbook["title"] == "Stale cache"
    assert (runbook["source"], runbook["line"]) == ("cache.md", 3)
    assert runbook["url"] == "cache.html#stale-cache"
    assert (runbook["service"], runbook["severity"]) == ("flowviz", "P2")
    assert runbook["tags"] == ["redis", "cache"]
    assert runbook["alerts"] == ["CacheHitRateLow"]
    assert runbook["symptoms"] == [{"text": "Pages show yesterday's data.", "line": 10,
                                    "url": "cache.html#stale-cache.symptom-1"}]
    assert runbook["causes"][0]["id"] == "stale-keys"
    assert [s["id"] for s in runbook["steps"]][:3] == [
        "find-the-pods", "revoke-the-leaked-key", "flush-the-cache"]


def test_command_fields(index: dict[str, Any]) -> None:
    entry = command(index, "stale-cache.look-again.1")
    assert entry["runbook"] == "stale-cache"
    assert (entry["step"], entry["step_title"], entry["kind"]) == (
        "look-again", "Look again", "step")
    assert (entry["ordinal"], entry["language"], entry["lexer"]) == (1, "shell", "console")
    assert entry["code"] == "redis-cli -h \"$CACHE_HOST\" --scan --pattern 'page:*' | head -3"
    assert entry["expect"]["output"] == "page:1\npage:2"
    assert (entry["source"], entry["line"]) == ("cache.md", 46)
    assert entry["url"] == "cache.html#stale-cache.look-again.1"
    assert entry["programs"] == ["redis-cli", "head"]
    assert len(entry["hash"]) == 64
    verify = command(index, "stale-cache.verify-ship-the-fix.1")
    assert verify["kind"] == "verify"
    assert verify["expect"] == {"exit_status": None, "output": None, "json": {"cache": "warm"},
                                "http_status": 200}


@pytest.mark.parametrize(("command_id", "token", "supplied_by", "declared"), [
    ("stale-cache.find-the-pods.1", "<namespace>", "reader", True),
    ("stale-cache.revoke-the-leaked-key.1", "[api-key-id]", "reader", True),
    ("stale-cache.revoke-the-leaked-key.1", "$API_KEY", "reader", True),
    ("stale-cache.verify-ship-the-fix.1", "{{ host }}", "reader", False),
    ("reset-database.check-the-address.1", "$DATABASE_URL", "reader", False),
    # Set by an earlier command of the same runbook: not something to fill in.
    ("stale-cache.keep-the-address-for-later.1", "$CACHE_HOST", "runbook", False),
    ("stale-cache.look-again.1", "$CACHE_HOST", "runbook", False),
])
def test_placeholders(index: dict[str, Any], command_id: str, token: str, supplied_by: str,
                      declared: bool) -> None:
    found = {p["token"]: p for p in command(index, command_id)["placeholders"]}
    assert found[token]["supplied_by"] == supplied_by
    assert found[token]["declared"] is declared


def test_declared_placeholders_of_a_runbook(index: dict[str, Any]) -> None:
    placeholders = {p["name"]: p for p in index["runbooks"][0]["placeholders"]}
    assert list(placeholders) == ["namespace", "api-key-id", "API_KEY", "host"]
    assert placeholders["namespace"]["default_value"] == "staging"
    assert placeholders["namespace"]["description"] == "Kubernetes namespace of the service"
    assert placeholders["namespace"]["pattern"] == "[a-z0-9-]+"
    assert placeholders["API_KEY"]["secret"] is True
    assert "CACHE_HOST" not in placeholders


@pytest.mark.parametrize(("command_id", "level", "rule"), [
    ("stale-cache.flush-the-cache.1", "destructive", "shell.redis-flush"),
    ("reset-database.drop-and-recreate.1", "destructive", "sql.drop"),
    ("reset-database.count-the-users.1", "read-only", "sql.read"),
    ("stale-cache.revoke-the-leaked-key.1", "mutating", "http.curl-write"),
    ("stale-cache.find-the-pods.1", "read-only", "shell.read-only-programs"),
    # conf.py: a rule of the team's, and a program of theirs that only reads.
    ("stale-cache.ship-the-fix.1", "mutating", "team.deploy"),
    # :safety: lowers it, with a reason; :destructive: raises it.
    ("reset-database.rotate-the-logs-by-hand.1", "read-only", "author.safety"),
    ("reset-database.recreate-the-reporting-table.1", "destructive", "author.destructive"),
])
def test_safety(index: dict[str, Any], command_id: str, level: str, rule: str) -> None:
    safety = command(index, command_id)["safety"]
    assert (safety["level"], safety["rule"]) == (level, rule)


def test_docker_compose_exec_names_both_programs(built: Any) -> None:
    index = read_index(built("full"))
    programs = {c["code"]: c["programs"] for c in index["commands"]}
    assert programs["sudo systemctl restart postgresql"] == ["sudo", "systemctl"]


def test_lowering_safety_without_a_reason_is_warned(tmp_path: Path) -> None:
    app = build_project(tmp_path, {"index.md": (
        "# T\n\n::::{runbook} Clean\n\n:::{step} Delete it\n:safety: read-only\n"
        "```bash\nrm -rf /srv/cache\n```\n:::\n::::\n")})
    warnings = warnings_of(app)
    assert len(warnings) == 1
    assert "index.md:5: WARNING: step 'delete-it' lowers the safety of 'clean.delete-it.1' " \
        "from destructive (shell.rm) to read-only: add :safety-reason: to say why " \
        "[runbook.safety-override]" in warnings[0]
    assert read_index(app)["commands"][0]["safety"]["level"] == "destructive"


def test_every_builder_writes_the_index(built: Any) -> None:
    html = (built("index").outdir / INDEX_FILENAME).read_bytes()
    text = (built("index", "text").outdir / INDEX_FILENAME).read_bytes()
    only = (built("index", "runbook").outdir / INDEX_FILENAME).read_bytes()
    assert html == text == only
    assert not list(built("index", "runbook").outdir.glob("*.html"))


def test_same_sources_give_byte_identical_indexes(built: Any,
                                                  copy_root: Callable[[str], Path]) -> None:
    first = (built("full").outdir / INDEX_FILENAME).read_bytes()
    parallel = (built("full", parallel=2).outdir / INDEX_FILENAME).read_bytes()
    srcdir = copy_root("full")
    for _ in range(2):  # a fresh build, then an incremental one with nothing to do
        app = SphinxTestApp("html", srcdir=srcdir, status=StringIO(), warning=StringIO())
        try:
            app.build()
        finally:
            app.cleanup()
        assert (app.outdir / INDEX_FILENAME).read_bytes() == first
    assert parallel == first
    assert first.endswith(b"\n")
    assert json.loads(first) == json.loads(json.dumps(json.loads(first), sort_keys=True))


def test_command_ids_survive_unrelated_edits(copy_root: Callable[[str], Path]) -> None:
    srcdir = copy_root("index")

    def build() -> dict[str, Any]:
        app = SphinxTestApp("runbook", srcdir=srcdir, status=StringIO(), warning=StringIO())
        try:
            app.build()
        finally:
            app.cleanup()
        return read_index(app)

    before = build()
    page = srcdir / "cache.md"
    text = page.read_text()
    text = text.replace("Pages show yesterday's data.", "Pages show old data.\n\nMore prose.")
    text = text.replace(":::{step} Revoke the leaked key", ":::{step} Note\nJust prose.\n:::\n\n"
                        ":::{step} Revoke the leaked key")
    page.write_text(text)
    after = build()
    ids_before = {c["id"]: c["hash"] for c in before["commands"]}
    ids_after = {c["id"]: c["hash"] for c in after["commands"]}
    assert ids_before == ids_after
    # The edits moved the commands down the page; ids and hashes stayed.
    moved = command(after, "stale-cache.find-the-pods.1")["line"]
    assert moved == command(before, "stale-cache.find-the-pods.1")["line"] + 2


@pytest.mark.parametrize(("code", "tokens"), [
    ("UPDATE email_log SET status = 'pending' WHERE id = '[email-id]';", ["[email-id]"]),
    # Array subscripts and T-SQL quoted names are SQL, not placeholders.
    ("SELECT tags[1] FROM lots;", []),
    ("SELECT [order id] FROM [dbo].[orders];", []),
    ("SELECT '[a]' || x[2];", []),
])
def test_sql_placeholders_are_whole_string_literals(code: str, tokens: list[str]) -> None:
    from sphinx_runbook.analysis.placeholders import find, occurrences

    assert [found.token for found in find(code, "sql")] == tokens
    assert [item.token for item in occurrences(code, "sql")] == tokens
