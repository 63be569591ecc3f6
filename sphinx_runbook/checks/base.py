"""The shapes shared by every static check, and the loop that runs them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

#: Index entries: a runbook and its commands, as in ``runbook-index.json``.
Entry = dict[str, Any]


@dataclass(frozen=True)
class Finding:
    """One problem a rule found in one command."""

    #: The rule's id: ``syntax``, ``deprecated``, ``dangling-reference``...
    rule: str
    #: What is wrong, for the author: ``docker-compose is deprecated``.
    message: str
    #: How to fix it: ``use "docker compose" (a space)``.
    hint: str = ""
    #: A stale command (the build fails on it); False for findings that only
    #: say why a command cannot be checked or run (unresolved placeholders).
    stale: bool = True

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class CheckContext:
    """What the rules may know about the verification environment."""

    #: The repository the runbooks describe (``runbook_project_root``); rules
    #: about files, make targets and the like are off without it.
    project_root: Path | None = None
    #: PATH where programs are looked up (the sandbox's).
    path: str = ""
    #: Programs that exist only elsewhere (production hosts): never "missing".
    external_programs: frozenset[str] = frozenset()
    #: Placeholder values from the profile (``runbook_profile['values']``).
    values: dict[str, str] = field(default_factory=dict)
    #: SQL dialect for the SQL syntax check (sqlglot's names: ``postgres``...).
    sql_dialect: str = "postgres"
    #: Extra and overriding deprecation rules (``runbook_deprecated_commands``).
    deprecated: list[dict[str, str]] = field(default_factory=list)
    #: Runs ``PROGRAM [SUBCOMMAND] --help`` in the sandbox, cached; None: the
    #: flag-drift rule is off.
    help_text: Any = None
    #: Where rules may keep what they learnt between builds (verdicts of
    #: parsers, keyed by what decides them); None: nothing is kept.
    cache_dir: Path | None = None


class Rule(Protocol):
    id: str
    #: One line for the documentation's table.
    description: str

    def check(self, runbook: Entry, commands: list[Entry], context: CheckContext
              ) -> Iterator[tuple[str, Finding]]:
        """Findings for the commands of one runbook: (command id, finding) pairs."""
        ...


def _ignored(command: Entry) -> dict[str, str]:
    ignored: dict[str, str] = command.get("ignore_checks") or {}
    return ignored


def run_checks(index: Entry, context: CheckContext, rules: Iterable[Rule],
               disabled: Iterable[str] = ()) -> dict[str, list[Finding]]:
    """Every finding of every enabled rule, by command id, in rule order.

    A command's ``:ignore-checks:`` (``ignore_checks`` in the index) and the
    ``disabled`` rule ids drop findings; nothing else does.
    """
    off = set(disabled)
    by_runbook: dict[str, list[Entry]] = {}
    for command in index["commands"]:
        by_runbook.setdefault(command["runbook"], []).append(command)
    commands_by_id = {command["id"]: command for command in index["commands"]}
    found: dict[str, list[Finding]] = {}
    for rule in rules:
        if rule.id in off:
            continue
        for runbook in index["runbooks"]:
            commands = by_runbook.get(runbook["id"], [])
            if not commands:
                continue
            for command_id, finding in rule.check(runbook, commands, context):
                if finding.rule in _ignored(commands_by_id[command_id]):
                    continue
                found.setdefault(command_id, []).append(finding)
    return found
