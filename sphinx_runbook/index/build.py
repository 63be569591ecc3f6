"""Build the index dict from the runbook records.

One function for every builder: the ``build-finished`` hook and the
``runbook`` builder both call :func:`build_index`.  The result depends only on
the records, the configuration and the document URLs, so the same sources
give the same file (no timestamps; keys are sorted when written; lists keep
document order, documents sorted by name).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import __version__
from ..model import Cause, Command, Runbook, Step, Symptom

INDEX_FILENAME = "runbook-index.json"
#: Bumped on any incompatible change of the format (see the schema's changelog).
SCHEMA_VERSION = 1

UrlOf = Callable[[str], str]


def _expectations(block: Step | Symptom | Cause, command: Command) -> dict[str, Any]:
    step = block if isinstance(block, Step) else None
    return {
        "exit_status": step.expect_exit if step else None,
        "output": command.expected_output,
        "json": step.expect_json if step else None,
        "http_status": step.expect_status if step else None,
    }


def _command_entry(runbook: Runbook, block: Step | Symptom | Cause, command: Command,
                   url: str, declared: dict[str, dict[str, Any]]) -> dict[str, Any]:
    step = block if isinstance(block, Step) else None
    kind = step.kind if step else ("symptom" if isinstance(block, Symptom) else "cause")
    safety = command.safety.to_dict() if command.safety else None
    return {
        "id": command.id,
        "runbook": runbook.id,
        "step": block.id,
        "step_title": step.title if step else (block.text if isinstance(block, Cause) else
                                               "Symptom"),
        "kind": kind,
        "ordinal": command.ordinal,
        "language": command.language,
        "lexer": command.lexer,
        "code": command.code,
        "expect": _expectations(block, command),
        "source": runbook.source,
        "line": command.line,
        "url": f"{url}#{command.anchor}",
        "anchor": command.anchor,
        "placeholders": [
            {**placeholder.to_dict(), **_declaration(placeholder.name, declared)}
            for placeholder in command.placeholders
        ],
        "programs": command.programs,
        "safety": safety,
        "requires": step.requires if step else [],
        "timeout": step.timeout if step else None,
        "needs": step.needs if step else [],
        "run": step.run if step else "never",
        "env": step.env if step else {},
        "cwd": step.cwd if step else None,
        "hash": command.hash,
        "ignore_checks": step.ignore_checks if step else {},
        # Filled in by the static checks when they run (see checks/).
        "checks": [],
    }


def _declaration(name: str, declared: dict[str, dict[str, Any]]) -> dict[str, Any]:
    spec = declared.get(name, {})
    return {
        "declared": name in declared,
        "description": spec.get("description"),
        "default_value": spec.get("default"),
        "pattern": spec.get("pattern"),
        "secret": bool(spec.get("secret", False)),
    }


def _runbook_placeholders(commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The placeholders the reader fills in for this runbook, each once, in order."""
    found: dict[str, dict[str, Any]] = {}
    for command in commands:
        for placeholder in command["placeholders"]:
            if placeholder["supplied_by"] != "reader":
                continue
            entry = found.setdefault(placeholder["name"], {
                key: placeholder[key] for key in (
                    "name", "declared", "description", "default_value", "pattern", "secret")
            } | {"tokens": [], "commands": []})
            if placeholder["token"] not in entry["tokens"]:
                entry["tokens"].append(placeholder["token"])
            entry["commands"].append(command["id"])
    return list(found.values())


def _runbook_entry(runbook: Runbook, url: str, commands: list[dict[str, Any]]
                   ) -> dict[str, Any]:
    return {
        "id": runbook.id,
        "title": runbook.title,
        "source": runbook.source,
        "line": runbook.line,
        "docname": runbook.docname,
        "url": f"{url}#{runbook.anchor}",
        "service": runbook.service,
        "severity": runbook.severity,
        "owner": runbook.owner,
        "tags": runbook.tags,
        "alerts": runbook.alerts,
        "symptoms": [
            {"text": s.text, "line": s.line, "url": f"{url}#{s.anchor}"} for s in runbook.symptoms
        ],
        "causes": [
            {"id": c.id, "text": c.text, "line": c.line, "url": f"{url}#{c.anchor}"}
            for c in runbook.causes
        ],
        "steps": [
            {
                "id": step.id, "kind": step.kind, "number": step.number, "title": step.title,
                "line": step.line, "url": f"{url}#{step.anchor}", "for": step.for_causes,
                "requires": step.requires, "needs": step.needs, "timeout": step.timeout,
                "run": step.run, "destructive": step.destructive, "manual": step.manual,
                "after": step.after, "commands": [c.id for c in step.commands],
            }
            for step in runbook.steps
        ],
        "placeholders": _runbook_placeholders(commands),
        "commands": [command["id"] for command in commands],
    }


def build_index(runbooks: Iterable[Runbook], *, project: str, version: str, url_of: UrlOf,
                placeholders: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The whole index as plain JSON data."""
    runbook_entries = []
    command_entries = []
    for runbook in runbooks:
        url = url_of(runbook.docname)
        commands = [
            _command_entry(runbook, block, command, url, placeholders)
            for block, command in runbook.all_commands()
        ]
        runbook_entries.append(_runbook_entry(runbook, url, commands))
        command_entries.extend(commands)
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"sphinx-runbook {__version__}",
        "project": project,
        "version": version,
        "runbooks": runbook_entries,
        "commands": command_entries,
    }
