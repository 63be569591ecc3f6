"""The built-in export formats: json, jsonl, csv, navi, markdown.

Every format keeps each command's text exactly (tests read the output back
and compare).
"""

from __future__ import annotations

import csv
import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from ..index.files import dumps
from . import Exporter


def _runbooks_with_commands(index: dict[str, Any]
                            ) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each runbook that has commands, with its commands in order."""
    commands = {command["id"]: command for command in index["commands"]}
    for runbook in index["runbooks"]:
        if runbook["commands"]:
            yield runbook, [commands[command_id] for command_id in runbook["commands"]]


def _runbooks_by_id(index: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {runbook["id"]: runbook for runbook in index["runbooks"]}


@dataclass(frozen=True)
class JsonExporter:
    name: str = "json"
    description: str = "The whole index, as runbook-index.json."
    suffix: str = ".json"

    def write(self, index: dict[str, Any], stream: TextIO) -> None:
        stream.write(dumps(index))


@dataclass(frozen=True)
class JsonLinesExporter:
    name: str = "jsonl"
    description: str = "One command per line, with its runbook's title, service, severity and tags."
    suffix: str = ".jsonl"

    def write(self, index: dict[str, Any], stream: TextIO) -> None:
        runbooks = _runbooks_by_id(index)
        for command in index["commands"]:
            runbook = runbooks[command["runbook"]]
            row = {**command, "runbook_title": runbook["title"], "service": runbook["service"],
                   "severity": runbook["severity"], "tags": runbook["tags"]}
            stream.write(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n")


CSV_COLUMNS = ("id", "runbook", "runbook_title", "service", "severity", "step", "step_title",
               "kind", "language", "safety", "safety_rule", "programs", "placeholders",
               "requires", "url", "source", "line", "code")


@dataclass(frozen=True)
class CsvExporter:
    name: str = "csv"
    description: str = "One row per command, for spreadsheets (multi-line commands are quoted)."
    suffix: str = ".csv"

    def write(self, index: dict[str, Any], stream: TextIO) -> None:
        runbooks = _runbooks_by_id(index)
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for command in index["commands"]:
            runbook = runbooks[command["runbook"]]
            writer.writerow([
                command["id"], runbook["id"], runbook["title"], runbook["service"] or "",
                runbook["severity"] or "", command["step"], command["step_title"],
                command["kind"], command["language"], command["safety"]["level"],
                command["safety"]["rule"], " ".join(command["programs"]),
                " ".join(p["token"] for p in command["placeholders"]),
                " ".join(command["requires"]), command["url"], command["source"],
                command["line"] if command["line"] is not None else "", command["code"],
            ])


_NAVI_VARIABLE = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class NaviExporter:
    """A navi cheatsheet: ``%`` tags per runbook, ``#`` description, the command.

    Commands go inside Markdown code fences (navi's multi-line snippet form),
    so comment lines and blank lines in a command stay part of it.  A declared
    placeholder with a default becomes a ``$ name: printf '%s\\n' 'default'``
    suggestion line.
    """

    name: str = "navi"
    description: str = "A navi cheatsheet: search commands by tag and fill in <placeholders>."
    suffix: str = ".cheat"

    def write(self, index: dict[str, Any], stream: TextIO) -> None:
        stream.write(f"; {index['project']}: commands exported by {index['generator']}\n")
        for runbook, commands in _runbooks_with_commands(index):
            tags = [t for t in (runbook["service"], *runbook["tags"], runbook["id"]) if t]
            stream.write(f"\n% {', '.join(_one_line(tag).replace(',', ' ') for tag in tags)}\n")
            for command in commands:
                if re.search(r"^\s*```", command["code"], re.M):
                    stream.write(f"; {command['id']}: left out, its text has a code fence\n")
                    continue
                warning = " [DESTRUCTIVE]" if command["safety"]["level"] == "destructive" else ""
                title = f"{runbook['title']}: {command['step_title']}"
                stream.write(f"\n# {_one_line(title)}{warning}\n")
                stream.write(f"```{_fence_language(command)}\n{command['code']}\n```\n")
            suggestions = [
                p for p in runbook["placeholders"]
                if p["default_value"] is not None and not p["secret"]
                and _NAVI_VARIABLE.match(p["name"]) and f"<{p['name']}>" in p["tokens"]
            ]
            for placeholder in suggestions:
                # navi runs the line in a shell: single quotes print the value as it is.
                value = shlex.quote(str(placeholder["default_value"]))
                stream.write(f"\n$ {placeholder['name']}: printf '%s\\n' {value}\n")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _fence_language(command: dict[str, Any]) -> str:
    if command["language"] == "shell":
        return "sh" if command["lexer"] in ("console", "shell-session", "sh-session",
                                            "bash-session", "terminal") else command["lexer"]
    if command["lexer"] in ("pycon", "python-console"):
        return "python"
    return str(command["lexer"])


@dataclass(frozen=True)
class MarkdownExporter:
    name: str = "markdown"
    description: str = "A cheat sheet in Markdown: a section per runbook, a code block per command."
    suffix: str = ".md"

    def write(self, index: dict[str, Any], stream: TextIO) -> None:
        stream.write(f"# {index['project']}: runbook commands\n")
        for runbook, commands in _runbooks_with_commands(index):
            stream.write(f"\n## [{_one_line(runbook['title'])}]({runbook['url']})\n")
            details = [f"{label}: {value}" for label, value in (
                ("service", runbook["service"]), ("severity", runbook["severity"]),
                ("tags", ", ".join(runbook["tags"]))) if value]
            if details:
                stream.write(f"\n{' · '.join(details)}\n")
            for command in commands:
                fence = "`" * max(3, _longest_backtick_run(command["code"]) + 1)
                mark = " **destructive**" if command["safety"]["level"] == "destructive" else ""
                stream.write(f"\n**{_one_line(command['step_title'])}**{mark} "
                             f"(`{command['id']}`)\n\n")
                # The prompts are gone: label a console session by what it now is.
                stream.write(f"{fence}{_fence_language(command)}\n{command['code']}\n{fence}\n")


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


BUILT_IN: tuple[Exporter, ...] = (
    JsonExporter(), JsonLinesExporter(), CsvExporter(), NaviExporter(), MarkdownExporter())
