"""``sphinx-runbook export``, ``list`` and ``schema``, run as a user runs them.

Every export is read back by a reader written here (or, for Markdown, a
CommonMark parser), never by the exporter's own code.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from markdown_it import MarkdownIt

from sphinx_runbook import __version__
from sphinx_runbook.index import INDEX_FILENAME, load_schema

from .conftest import ROOTS
from .helpers import build_project

Json = dict[str, Any]
Commands = list[tuple[str, str]]  # (id, code), in order

FORMATS = ("json", "jsonl", "csv", "navi", "markdown")
INDEXES = ("full", "index", "nasty")

# --------------------------------------------------------------------------------------------
# The nasty project: commands that break naive exporters.

NASTY_CONF = """\
project = "nasty"
extensions = ["myst_parser", "sphinx_runbook"]
runbook_placeholders = {
    "region": {"description": "Region", "default": "zürich-1"},
    "banner": {"description": "Banner", "default": 'Say "hi" to $USER, `echo x`'},
    "password": {"description": "Database password", "secret": True, "default": "hunter2"},
}
"""

TAB = "\t"
NASTY_PAGE = f"""\
# Edge cases

::::{{runbook}} Nasty, "quoted" runbook
:id: nasty
:service: edge-proxy
:tags: unicode, csv

:::{{step}} Comments and blank lines
```bash
# a comment line comes first
echo one

$EDITOR notes.txt
%1

echo "two"{"   "}
```
:::

:::{{step}} Here-document with a fence
````bash
cat > notes.md <<'EOF'
```text
hello
```
EOF
````
:::

:::{{step}} Unicode, tab and quotes
```bash
echo "café ☕ 日本語 — <region>"
printf '%s{TAB}%s\\n' "a, b" "c ""quoted"" d", 'e,f'
echo 'run ```make``` first'{"  "}
```
:::

:::{{step}} Continuations
```console
$ curl -s \\
>   -H "X-Banner: <banner>" \\
>   https://example.test/<region>
{{"ok": true}}
$ mysql --password <password> -e 'DROP TABLE t'
```
:::

:::{{step}} Python
```python
import functools
@functools.cache
def f():

    return 1
```
:::
::::
"""


@pytest.fixture(scope="session")
def index_files(built: Callable[..., Any], tmp_path_factory: pytest.TempPathFactory
                ) -> dict[str, Path]:
    """runbook-index.json of test-full, test-index and the nasty project, by name."""
    nasty = build_project(tmp_path_factory.mktemp("nasty"), {"index.md": NASTY_PAGE},
                          builder="runbook", conf=NASTY_CONF)
    files = {name: built(name).outdir / INDEX_FILENAME for name in ("full", "index")}
    return {**files, "nasty": nasty.outdir / INDEX_FILENAME}


def load(path: Path) -> Json:
    index: Json = json.loads(path.read_text(encoding="utf-8"))
    return index


def commands_of(index: Json) -> Commands:
    return [(command["id"], command["code"]) for command in index["commands"]]


def has_code_fence(code: str) -> bool:
    return any(line.lstrip().startswith("```") for line in code.split("\n"))


# --------------------------------------------------------------------------------------------
# Running the command line.

def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sphinx_runbook.cli", *args],
                          capture_output=True, text=True, encoding="utf-8", check=False,
                          env=env, cwd=cwd)


def run_ok(*args: str, env: dict[str, str] | None = None) -> str:
    result = run(*args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def assert_usage_error(result: subprocess.CompletedProcess[str], command: str) -> None:
    """Exit status 2, nothing on stdout, one line on stderr naming the subcommand."""
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"sphinx-runbook {command}: "), result.stderr


@pytest.fixture(scope="session")
def export() -> Callable[[Path, str], str]:
    """``sphinx-runbook export PATH -f FORMAT`` to stdout, each run once per session."""
    cache: dict[tuple[Path, str], str] = {}

    def export(path: Path, fmt: str) -> str:
        if (path, fmt) not in cache:
            cache[path, fmt] = run_ok("export", str(path), "-f", fmt)
        return cache[path, fmt]

    return export


# --------------------------------------------------------------------------------------------
# Independent readers.

def read_json(text: str) -> Commands:
    return commands_of(json.loads(text))


def read_jsonl(text: str) -> Commands:
    *lines, last = text.split("\n")  # JSON Lines: "\n" ends every record, and only it
    assert last == "", "the last record must end with a line break"
    return [(row["id"], row["code"]) for row in map(json.loads, lines)]


def parse_csv(text: str) -> list[list[str]]:
    """RFC 4180: a quoted field may hold commas, quotes (doubled) and line breaks."""
    records: list[list[str]] = []
    record: list[str] = []
    chars: list[str] = []
    quoted = False
    position = 0
    while position < len(text):
        char = text[position]
        if quoted and char == '"' and text[position + 1:position + 2] == '"':
            chars.append('"')
            position += 1
        elif char == '"' and (quoted or not chars):
            quoted = not quoted
        elif quoted or char not in ",\r\n":
            chars.append(char)
        elif char == ",":
            record.append("".join(chars))
            chars = []
        elif char == "\n":
            records.append([*record, "".join(chars)])
            record, chars = [], []
        position += 1  # a "\r" outside quotes belongs to a "\r\n" record end
    assert not (quoted or record or chars), "the last record must end with a line break"
    return records


def read_csv(text: str) -> Commands:
    header, *rows = parse_csv(text)
    records = [dict(zip(header, row, strict=True)) for row in rows]
    return [(record["id"], record["code"]) for record in records]


def read_markdown(text: str) -> Commands:
    """Each code block, with the id in backticks in the paragraph just before it."""
    tokens = MarkdownIt("commonmark").parse(text)
    found: Commands = []
    for before, token in zip(tokens[:-2], tokens[2:], strict=True):
        if token.type == "fence":
            assert before.type == "inline" and before.children, text
            ids = [child.content for child in before.children if child.type == "code_inline"]
            found.append((ids[-1], token.content.removesuffix("\n")))
    return found


@dataclass
class Snippet:
    description: str
    code: str


@dataclass
class Cheat:
    tags: list[str]
    snippets: list[Snippet] = field(default_factory=list)
    suggestions: dict[str, str] = field(default_factory=dict)
    extends: list[str] = field(default_factory=list)


@dataclass
class Cheatsheet:
    cheats: list[Cheat] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def cheat(self) -> Cheat:
        assert self.cheats, "a line before the first % line"
        return self.cheats[-1]


def fenced_lines(lines: Iterator[str]) -> list[str]:
    """The lines up to the closing fence (consumed)."""
    body: list[str] = []
    for line in lines:
        if line.startswith("```"):
            return body
        body.append(line)
    raise AssertionError("a code fence is never closed")


def read_navi(text: str) -> Cheatsheet:
    """navi's cheatsheet syntax: % tags, # description, ; comment, $ suggestions, @ extends."""
    sheet = Cheatsheet()
    description = ""
    lines = iter(text.split("\n"))
    for line in lines:
        if line.startswith("```"):
            sheet.cheat.snippets.append(Snippet(description, "\n".join(fenced_lines(lines))))
            description = ""
        elif line.startswith("%"):
            sheet.cheats.append(Cheat([tag.strip() for tag in line[1:].split(",")]))
        elif line.startswith("#"):
            description = line[1:].strip()
        elif line.startswith(";"):
            sheet.comments.append(line[1:].strip())
        elif line.startswith("$"):
            name, _, command = line[1:].partition(":")
            sheet.cheat.suggestions[name.strip()] = command.strip()
        elif line.startswith("@"):
            sheet.cheat.extends.append(line[1:].strip())
        elif line.strip():
            sheet.cheat.snippets.append(Snippet(description, line))
            description = ""
    return sheet


READERS: dict[str, Callable[[str], Commands]] = {
    "json": read_json, "jsonl": read_jsonl, "csv": read_csv, "markdown": read_markdown}


# --------------------------------------------------------------------------------------------
# 1. Round trips.

def test_the_nasty_project_has_nasty_commands(index_files: dict[str, Path]) -> None:
    codes = [code for _, code in commands_of(load(index_files["nasty"]))]
    lines = [line for code in codes for line in code.split("\n")]
    assert any(line.startswith("#") for line in lines)
    assert any(line.startswith(("$", "%", "@")) for line in lines)
    assert any(line == "" for line in lines)
    assert any(has_code_fence(code) for code in codes)
    assert any("\t" in line for line in lines)
    assert any(line.endswith(" ") for line in lines)
    assert any(line.endswith("\\") for line in lines)
    assert any(not line.isascii() for line in lines)
    assert any('""' in line and "," in line for line in lines)


@pytest.mark.parametrize("name", INDEXES)
@pytest.mark.parametrize("fmt", sorted(READERS))
def test_round_trip(fmt: str, name: str, index_files: dict[str, Path],
                    export: Callable[[Path, str], str]) -> None:
    index = load(index_files[name])
    assert READERS[fmt](export(index_files[name], fmt)) == commands_of(index)


@pytest.mark.parametrize("name", INDEXES)
def test_json_export_is_the_index_file(name: str, index_files: dict[str, Path],
                                       export: Callable[[Path, str], str]) -> None:
    assert export(index_files[name], "json") == index_files[name].read_text(encoding="utf-8")


@pytest.mark.parametrize("name", INDEXES)
def test_navi_round_trip(name: str, index_files: dict[str, Path],
                         export: Callable[[Path, str], str]) -> None:
    index = load(index_files[name])
    sheet = read_navi(export(index_files[name], "navi"))
    commands = {command["id"]: command for command in index["commands"]}
    runbooks = [runbook for runbook in index["runbooks"] if runbook["commands"]]
    assert len(sheet.cheats) == len(runbooks)
    for runbook, cheat in zip(runbooks, sheet.cheats, strict=True):
        assert {runbook["service"], *runbook["tags"], runbook["id"]} - {None} <= set(cheat.tags)
        kept = [commands[i] for i in runbook["commands"] if not has_code_fence(commands[i]["code"])]
        assert [snippet.code for snippet in cheat.snippets] == [c["code"] for c in kept]
        assert [snippet.description.endswith("[DESTRUCTIVE]") for snippet in cheat.snippets] \
            == [c["safety"]["level"] == "destructive" for c in kept]
        assert cheat.extends == []
    named = {word.strip(":,") for comment in sheet.comments for word in comment.split()}
    left_out = {i for i, command in commands.items() if has_code_fence(command["code"])}
    assert named & set(commands) == left_out


@pytest.mark.parametrize(("name", "suggested"), [
    ("index", [{"namespace"}, set()]),  # not api-key-id (no default) nor API_KEY (secret)
    ("nasty", [{"region", "banner"}]),
])
def test_navi_suggests_declared_defaults(name: str, suggested: list[set[str]],
                                         index_files: dict[str, Path],
                                         export: Callable[[Path, str], str]) -> None:
    sheet = read_navi(export(index_files[name], "navi"))
    assert [set(cheat.suggestions) for cheat in sheet.cheats] == suggested


def test_navi_never_suggests_a_secret(index_files: dict[str, Path],
                                      export: Callable[[Path, str], str]) -> None:
    (runbook,) = load(index_files["nasty"])["runbooks"]
    secrets = [p for p in runbook["placeholders"] if p["secret"]]
    assert [(p["name"], p["default_value"]) for p in secrets] == [("password", "hunter2")]
    (cheat,) = read_navi(export(index_files["nasty"], "navi")).cheats
    assert "region" in cheat.suggestions  # suggestions are written for this runbook
    assert "password" not in cheat.suggestions
    assert not any("hunter2" in command for command in cheat.suggestions.values())


@pytest.mark.parametrize(("name", "placeholder"), [
    ("index", "namespace"), ("nasty", "region"), ("nasty", "banner")])
def test_navi_suggestion_prints_the_default(name: str, placeholder: str,
                                            index_files: dict[str, Path],
                                            export: Callable[[Path, str], str]) -> None:
    """navi runs a $ line's command in a shell and offers what it prints."""
    index = load(index_files[name])
    defaults = {p["name"]: p["default_value"] for r in index["runbooks"] for p in r["placeholders"]}
    suggestions = {key: command for cheat in read_navi(export(index_files[name], "navi")).cheats
                   for key, command in cheat.suggestions.items()}
    shell = {**os.environ, "USER": "someone"}
    result = subprocess.run(["bash", "-c", suggestions[placeholder]], capture_output=True,
                            text=True, encoding="utf-8", check=True, env=shell)
    assert result.stdout == f"{defaults[placeholder]}\n"


# --------------------------------------------------------------------------------------------
# 2. Where the output goes.

@pytest.mark.parametrize("fmt", FORMATS)
def test_output_file_dash_and_stdout(fmt: str, index_files: dict[str, Path],
                                     export: Callable[[Path, str], str], tmp_path: Path) -> None:
    source = str(index_files["nasty"])
    to_stdout = export(index_files["nasty"], fmt)
    dash = run("export", source, "-f", fmt, "-o", "-", cwd=tmp_path)
    to_file = run("export", source, "--format", fmt, "--output", "out", cwd=tmp_path)
    assert (dash.returncode, to_file.returncode) == (0, 0), dash.stderr + to_file.stderr
    assert to_stdout
    assert dash.stdout == to_stdout
    assert to_file.stdout == ""
    assert (tmp_path / "out").read_bytes().decode("utf-8") == to_stdout
    assert [path.name for path in tmp_path.iterdir()] == ["out"]  # and no file named "-"


# --------------------------------------------------------------------------------------------
# 3. Bad input.

BAD_FILES = {
    "a JSON file that is not an index": b'{"runbooks": [], "commands": []}\n',
    "a file that is not JSON": b"runbooks:\n  - id: stale-cache\n",
    "a file that is not UTF-8": b"\xff\xfe{}",
}
BAD_SOURCES = ("a missing file", "a directory without conf.py", *BAD_FILES)


def make_bad_source(kind: str, tmp_path: Path) -> Path:
    source = tmp_path / "source"
    if kind == "a directory without conf.py":
        source.mkdir()
        (source / "index.md").write_text("# Not a Sphinx project\n", encoding="utf-8")
    elif kind in BAD_FILES:
        source.write_bytes(BAD_FILES[kind])
    return source


@pytest.mark.parametrize("kind", BAD_SOURCES)
def test_export_rejects_bad_input(kind: str, tmp_path: Path) -> None:
    output = tmp_path / "out.json"
    assert_usage_error(run("export", str(make_bad_source(kind, tmp_path)), "-o", str(output)),
                       "export")
    assert not output.exists()


@pytest.mark.parametrize("kind", BAD_SOURCES)
def test_list_rejects_bad_input(kind: str, tmp_path: Path) -> None:
    assert_usage_error(run("list", str(make_bad_source(kind, tmp_path))), "list")


def test_export_rejects_an_unknown_format(index_files: dict[str, Path], tmp_path: Path) -> None:
    output = tmp_path / "out.yaml"
    result = run("export", str(index_files["index"]), "-f", "yaml", "-o", str(output))
    assert_usage_error(result, "export")
    assert "'yaml'" in result.stderr
    assert "json, jsonl, csv, navi, markdown" in result.stderr
    assert not output.exists()


@pytest.mark.parametrize("output", ["missing-directory/out.json", "."])
def test_export_rejects_an_output_it_cannot_write(output: str, index_files: dict[str, Path],
                                                  tmp_path: Path) -> None:
    assert_usage_error(run("export", str(index_files["index"]), "-o", output, cwd=tmp_path),
                       "export")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------------------------
# 4. Building the index from a source directory.

@pytest.mark.parametrize("name", ["full", "index"])
def test_export_builds_a_source_directory(name: str, index_files: dict[str, Path],
                                          tmp_path: Path) -> None:
    source = tmp_path / name
    shutil.copytree(ROOTS / f"test-{name}", source)
    assert json.loads(run_ok("export", str(source))) == load(index_files[name])


# --------------------------------------------------------------------------------------------
# 5. list.

Keep = Callable[[Json, Json], bool]  # (command, its runbook) -> listed?


def level(*levels: str) -> Keep:
    return lambda command, _: command["safety"]["level"] in levels


@pytest.mark.parametrize(("name", "options", "keep"), [
    ("index", ["--service", "flowviz"], lambda _, runbook: runbook["service"] == "flowviz"),
    ("full", ["--service", "service-two"], lambda _, runbook: runbook["service"] == "service-two"),
    ("index", ["--tag", "postgres"], lambda _, runbook: "postgres" in runbook["tags"]),
    ("full", ["--tag", "database"], lambda _, runbook: "database" in runbook["tags"]),
    ("index", ["--runbook", "reset-database"], lambda _, r: r["id"] == "reset-database"),
    ("index", ["--safety", "destructive"], level("destructive")),
    ("full", ["--safety", "mutating"], level("mutating")),
    ("index", ["--safety", "read-only,destructive"], level("read-only", "destructive")),
    ("full", ["--safety", "mutating, destructive"], level("mutating", "destructive")),
    ("index", ["--service", "flowviz", "--safety", "read-only"],
     lambda c, r: r["service"] == "flowviz" and c["safety"]["level"] == "read-only"),
    ("index", ["--tag", "redis", "--runbook", "reset-database"], lambda c, r: False),
], ids=lambda value: " ".join(value) if isinstance(value, list) else None)
def test_list_filters(name: str, options: list[str], keep: Keep,
                      index_files: dict[str, Path]) -> None:
    index = load(index_files[name])
    runbooks = {runbook["id"]: runbook for runbook in index["runbooks"]}
    expected = [c["id"] for c in index["commands"] if keep(c, runbooks[c["runbook"]])]
    assert len(expected) < len(index["commands"])  # the filter leaves something out
    listed = json.loads(run_ok("list", str(index_files[name]), *options, "--json"))
    assert [command["id"] for command in listed] == expected
    plain = run("list", str(index_files[name]), *options)
    assert plain.returncode == 0, plain.stderr
    assert [line.split()[0] for line in plain.stdout.splitlines()] == expected
    assert plain.stderr == f"{len(expected)} of {len(index['commands'])} commands\n"


@pytest.mark.parametrize("name", INDEXES)
def test_list_json_gives_valid_commands(name: str, index_files: dict[str, Path]) -> None:
    schema = load_schema()
    command_schema = {"$schema": schema["$schema"], "$defs": schema["$defs"],
                      "$ref": "#/$defs/command"}
    listed = json.loads(run_ok("list", str(index_files[name]), "--json"))
    assert listed == load(index_files[name])["commands"]
    validator = jsonschema.Draft202012Validator(command_schema)
    for command in listed:
        validator.validate(command)
    assert not validator.is_valid({**listed[0], "code": None})  # the definition does check


@pytest.mark.parametrize("value", ["dangerous", "read-only,bogus"])
def test_list_rejects_an_invalid_safety_level(value: str, index_files: dict[str, Path]) -> None:
    result = run("list", str(index_files["index"]), "--safety", value)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "sphinx-runbook list: error: argument --safety" in result.stderr
    assert "is not read-only, mutating or destructive" in result.stderr


# --------------------------------------------------------------------------------------------
# 6. schema.

def test_schema_prints_the_schema() -> None:
    printed = json.loads(run_ok("schema"))
    assert printed == load_schema()
    jsonschema.Draft202012Validator.check_schema(printed)
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"


# --------------------------------------------------------------------------------------------
# 7. A third-party exporter, installed through the entry-point group.

ACME_MODULE = '''\
class Acme:
    name = "acme"
    description = "Every command id, one a line."
    suffix = ".txt"

    def write(self, index, stream):
        for command in index["commands"]:
            print(command["id"], file=stream)


class NotJson(Acme):
    name = "json"

    def write(self, index, stream):
        print("a plugin replaced the built-in json exporter", file=stream)


EXPORTER = Acme()
NOT_JSON = NotJson()
'''



def install(site: Path, module: str, entry_points: str, code: str | None = None
            ) -> dict[str, str]:
    """Lay out a distribution as pip does, in ``site``; the environment that sees it."""
    if code is not None:
        (site / f"{module}.py").write_text(code, encoding="utf-8")
    dist_info = site / f"{module}-1.0.dist-info"
    dist_info.mkdir()
    name = module.replace("_", "-")
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8")
    (dist_info / "entry_points.txt").write_text(
        f"[sphinx_runbook.exporters]\n{entry_points}", encoding="utf-8")
    return {**os.environ, "PYTHONPATH": str(site)}


@pytest.fixture
def acme_env(tmp_path: Path) -> dict[str, str]:
    return install(tmp_path, "acme_export",
                   "acme = acme_export:EXPORTER\njson = acme_export:NOT_JSON\n", ACME_MODULE)


def test_a_third_party_exporter(acme_env: dict[str, str], index_files: dict[str, Path]) -> None:
    source = str(index_files["index"])
    assert run_ok("export", source, "-f", "acme", env=acme_env).splitlines() == [
        command_id for command_id, _ in commands_of(load(index_files["index"]))]
    unknown = run("export", source, "-f", "nope", env=acme_env)
    assert_usage_error(unknown, "export")
    assert "markdown, acme" in unknown.stderr
    assert_usage_error(run("export", source, "-f", "acme"), "export")  # not installed


def test_a_plugin_cannot_replace_a_built_in_exporter(acme_env: dict[str, str],
                                                     index_files: dict[str, Path]) -> None:
    exported = run_ok("export", str(index_files["index"]), "-f", "json", env=acme_env)
    assert exported == index_files["index"].read_text(encoding="utf-8")


def test_a_broken_plugin_does_not_break_the_built_in_formats(
        tmp_path: Path, index_files: dict[str, Path]) -> None:
    env = install(tmp_path, "broken_export", "broken = no_such_module:EXPORTER\n")
    exported = run_ok("export", str(index_files["index"]), "-f", "json", env=env)
    assert exported == index_files["index"].read_text(encoding="utf-8")


def test_an_index_of_another_schema_version_says_so(index_files: dict[str, Path],
                                                    tmp_path: Path) -> None:
    index = json.loads(index_files["index"].read_text(encoding="utf-8"))
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**index, "schema_version": 2, "generator": "sphinx-runbook 9.0"}),
                     encoding="utf-8")
    result = run("list", str(newer))
    assert_usage_error(result, "list")
    assert (f"{newer}: index schema version 2, but sphinx-runbook {__version__} reads version 1 "
            "(the index was written by sphinx-runbook 9.0): build the index again with this "
            "version, or read it with the one that wrote it") in result.stderr


def test_an_invalid_index_names_the_file_and_the_field(index_files: dict[str, Path],
                                                       tmp_path: Path) -> None:
    index = json.loads(index_files["index"].read_text(encoding="utf-8"))
    del index["commands"][0]["safety"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(index), encoding="utf-8")
    output = tmp_path / "out.csv"
    result = run("export", str(broken), "-f", "csv", "-o", str(output))
    assert_usage_error(result, "export")
    assert (f"{broken}: not a valid runbook index: commands[0] must contain ['safety'] "
            "properties") in result.stderr
    assert not output.exists()
