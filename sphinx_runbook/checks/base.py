"""The shapes shared by every static check, and the loop that runs them."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
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
    # A rule may say ``cacheable = False`` when its findings depend on more
    # than the commands, the settings and the installed programs.

    def check(self, runbook: Entry, commands: list[Entry], context: CheckContext
              ) -> Iterator[tuple[str, Finding]]:
        """Findings for the commands of one runbook: (command id, finding) pairs."""
        ...


#: Languages the static checks parse; commands in others (plain text, output)
#: are not checked.
CHECKED_LANGUAGES = frozenset({"shell", "python", "sql", "json", "yaml"})


def statically_checked(command: Entry) -> bool:
    """Whether the static checks read this command at all."""
    return command.get("language") in CHECKED_LANGUAGES and not opted_out(command)


def opted_out(command: Entry) -> bool:
    """A step or verify that says ``:run: never`` opts out of the static checks too."""
    return command.get("kind") in ("step", "verify") and command.get("run") == "never"


def _ignored(command: Entry) -> dict[str, str]:
    ignored: dict[str, str] = command.get("ignore_checks") or {}
    return ignored


def _fingerprint(context: CheckContext) -> dict[str, Any]:
    """What, besides a runbook's own commands, decides the cacheable rules' findings."""
    from .. import __version__

    return {
        "version": __version__, "path": context.path,
        "external": sorted(context.external_programs), "values": context.values,
        "dialect": context.sql_dialect, "deprecated": context.deprecated,
        "help": context.help_text is not None,
    }


class _FindingsCache:
    """Findings of the cacheable rules, one JSON file per runbook key."""

    def __init__(self, directory: Path | None, context: CheckContext) -> None:
        self.directory = directory
        self.context = dumps(_fingerprint(context))
        self.identities: dict[str, str] = {}

    def key(self, commands: list[Entry], rules: list[str]) -> str:
        from ..verify.cache import program_identity

        programs = sorted({program for command in commands
                           for program in command.get("programs", [])})
        for program in programs:
            if program not in self.identities:
                self.identities[program] = program_identity(program, self.path)
        material = [self.context, rules, commands,
                    {program: self.identities[program] for program in programs}]
        return hashlib.sha256(dumps(material).encode()).hexdigest()

    @property
    def path(self) -> str:
        return str(json.loads(self.context)["path"])

    def get(self, key: str) -> dict[str, list[tuple[str, Finding]]] | None:
        if self.directory is None:
            return None
        try:
            stored = json.loads((self.directory / f"{key}.json").read_text(encoding="utf-8"))
            return {rule: [(command_id, Finding(**finding)) for command_id, finding in pairs]
                    for rule, pairs in stored.items()}
        except (OSError, ValueError, TypeError):
            return None

    def put(self, key: str, found: dict[str, list[tuple[str, Finding]]]) -> None:
        if self.directory is None:
            return
        data = {rule: [[command_id, finding.to_dict()] for command_id, finding in pairs]
                for rule, pairs in found.items()}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            target = self.directory / f"{key}.json"
            temporary = target.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(data), encoding="utf-8")
            temporary.replace(target)
        except OSError:
            pass  # a cache that cannot be written only makes the next build slower


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def run_checks(index: Entry, context: CheckContext, rules: Iterable[Rule],
               disabled: Iterable[str] = ()) -> dict[str, list[Finding]]:
    """Every finding of every enabled rule, by command id, in rule order.

    A command's ``:ignore-checks:`` (``ignore_checks`` in the index) and the
    ``disabled`` rule ids drop findings; nothing else does.  With a
    ``context.cache_dir``, the findings of rules that depend only on the
    commands, the settings and the programs installed are kept per runbook,
    so an unchanged site is not checked again; rules marked
    ``cacheable = False`` (the project's files) always run.
    """
    off = set(disabled)
    enabled = [rule for rule in rules if rule.id not in off]
    cacheable = [rule.id for rule in enabled if getattr(rule, "cacheable", True)]
    cache = _FindingsCache(context.cache_dir / "findings" if context.cache_dir else None,
                           context)
    by_runbook: dict[str, list[Entry]] = {}
    for command in index["commands"]:
        by_runbook.setdefault(command["runbook"], []).append(command)
    commands_by_id = {command["id"]: command for command in index["commands"]}
    per_rule: dict[str, list[tuple[str, Finding]]] = {rule.id: [] for rule in enabled}
    for runbook in index["runbooks"]:
        commands = by_runbook.get(runbook["id"], [])
        if not commands:
            continue
        key = cache.key(commands, cacheable)
        known = cache.get(key)
        fresh: dict[str, list[tuple[str, Finding]]] = {}
        for rule in enabled:
            if known is not None and rule.id in known:
                per_rule[rule.id].extend(known[rule.id])
                continue
            pairs = list(rule.check(runbook, commands, context))
            per_rule[rule.id].extend(pairs)
            if rule.id in cacheable:
                fresh[rule.id] = pairs
        if known is None:
            cache.put(key, fresh)
    found: dict[str, list[Finding]] = {}
    for rule in enabled:
        for command_id, finding in per_rule[rule.id]:
            if finding.rule in _ignored(commands_by_id[command_id]):
                continue
            found.setdefault(command_id, []).append(finding)
    return found
