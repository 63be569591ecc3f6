"""From the index to a plan: what to run, with which values, and what to skip and why.

Everything decided here is decided outside the sandbox, from the index and
the settings alone, so it is the same for a Sphinx build, the CLI and the
pytest plugin, and every skip carries a reason a reader can act on.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import http
from .settings import Settings

#: Languages verification can run; other blocks (JSON, YAML, text...) are data.
RUNNABLE = ("shell", "python", "sql", "http")
#: Shell lexers bash runs faithfully.
_BASH_LEXERS = {"bash", "sh", "shell", "console", "shell-session", "sh-session",
                "bash-session", "terminal", "ksh"}
_FUNCTION = re.compile(r"(?m)^\s*(?:function\s+)?([A-Za-z_][\w.-]*)\s*\(\s*\)")


@dataclass
class Skip:
    #: ``run-never``, ``run-static``, ``manual``, ``language``, ``destructive``,
    #: ``placeholder``, ``requires``, ``missing-program``, ``missing-service``.
    code: str
    reason: str


@dataclass
class PlannedCommand:
    id: str
    runbook: str
    step: str
    kind: str
    language: str
    lexer: str
    #: The command with placeholders filled in and addresses mapped.
    code: str
    expected_output: str | None
    expect_exit: int
    expect_json: Any
    expect_status: int | None
    timeout: float
    env: dict[str, str]
    cwd: str | None
    #: Step ids whose commands must pass first.
    needs: list[str]
    #: For a verify: the step it checks.
    after: str | None
    services: list[str]
    source: str
    line: int | None
    hash: str = ""
    skip: Skip | None = None
    #: The command as the runbook writes it (what reports show: the values of
    #: secret placeholders must never be stored).
    text: str = ""
    #: Values of secret placeholders, hidden in everything reported.
    secrets: list[str] = field(default_factory=list)


@dataclass
class RunbookPlan:
    id: str
    source: str
    commands: list[PlannedCommand]
    #: Services its runnable commands require.
    services: list[str] = field(default_factory=list)
    #: May reach the network outside the machine.
    network: bool = False
    #: Steps with neither commands nor results (manual ones): never block.
    steps_without_commands: list[str] = field(default_factory=list)

    @property
    def runnable(self) -> list[PlannedCommand]:
        return [command for command in self.commands if command.skip is None]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunbookPlan:
        commands = []
        for entry in data["commands"]:
            skip = entry.get("skip")
            commands.append(PlannedCommand(**{**entry, "skip": Skip(**skip) if skip else None}))
        return cls(**{**data, "commands": commands})


def _value_of(placeholder: dict[str, Any], settings: Settings, *,
              inline: bool = True) -> str | None:
    values = settings.profile.values
    for name in (placeholder["name"], placeholder["name"].upper(), placeholder["name"].lower()):
        if name in values:
            return values[name]
    if placeholder.get("default_value") is not None:
        return str(placeholder["default_value"])
    return placeholder.get("default") if inline else None


def _secret_values(command: dict[str, Any], settings: Settings) -> list[str]:
    values = []
    for placeholder in command["placeholders"]:
        if placeholder.get("secret"):
            value = _value_of(placeholder, settings)
            if value:
                values.append(value)
        if placeholder["syntax"] == "variable" and placeholder.get("secret") and \
                placeholder["name"] in settings.passthrough:
            value = os.environ.get(placeholder["name"])
            if value:
                values.append(value)
    return values


def _map_urls(text: str, urls: dict[str, str]) -> str:
    # Longest first, so https://api.example.com/v2 wins over https://api.example.com.
    for base in sorted(urls, key=len, reverse=True):
        text = re.sub(re.escape(base.rstrip("/")) + r"(?=[/\s'\"?#:]|$)",
                      urls[base].rstrip("/"), text)
    return text


def _resolve(command: dict[str, Any], settings: Settings, services: list[str] | None = None
             ) -> tuple[str, str | None, dict[str, str], Skip | None]:
    """Fill in the placeholders; a value nobody gave is a reason to skip."""
    code, expected = command["code"], command["expect"]["output"]
    env: dict[str, str] = dict(command["env"])
    # Variables the commands' environment gives: the caller's (runbook_env)
    # and those of the services the command requires.
    supplied = {name for name in settings.passthrough if name in os.environ}
    urls = dict(settings.profile.urls)
    for service in services or []:
        supplied.update(settings.services[service].env)
        urls.update(settings.services[service].urls)
    missing = []
    for placeholder in command["placeholders"]:
        if placeholder["supplied_by"] != "reader":
            continue
        if placeholder["syntax"] == "variable":
            # ${NAME:-default}: the shell applies its default itself; setting
            # it here would hide the value the environment gives.
            value = _value_of(placeholder, settings, inline=False)
            if value is not None:
                env.setdefault(placeholder["name"], value)
            elif placeholder.get("default") is None and placeholder["name"] not in supplied:
                missing.append(placeholder["token"])
            continue
        value = _value_of(placeholder, settings)
        if value is None:
            missing.append(placeholder["token"])
            continue
        code = code.replace(placeholder["token"], value)
        if expected:
            expected = expected.replace(placeholder["token"], value)
    code = _map_urls(code, urls)
    skip = None
    if missing:
        names = ", ".join(dict.fromkeys(missing))
        skip = Skip("placeholder", f"no value for {names} (give one in runbook_profile "
                                   "'values' or a default in runbook_placeholders)")
    return code, expected, env, skip


def _skip_by_kind(command: dict[str, Any], step: dict[str, Any] | None) -> Skip | None:
    if command["run"] == "never":
        reason = ("symptom and cause examples are not run" if command["kind"] in (
            "symptom", "cause") else "the step says :run: never")
        return Skip("run-never", reason)
    if command["run"] == "static":
        return Skip("run-static", "the step says :run: static (static checks only)")
    if step is not None and step.get("manual"):
        return Skip("manual", "a manual step: a person performs it")
    if command["language"] not in RUNNABLE:
        return Skip("language", f"{command['lexer'] or 'plain'} blocks are not run")
    if command["language"] == "shell" and command["lexer"].lower() not in _BASH_LEXERS:
        return Skip("language", f"{command['lexer']} is not run (verification runs bash)")
    return None


class Planner:
    """Plans runbooks of one index under one set of settings."""

    def __init__(self, settings: Settings, path: str) -> None:
        self.settings = settings
        self.path = path
        self._which: dict[str, bool] = {}

    def installed(self, program: str) -> bool:
        if program not in self._which:
            self._which[program] = shutil.which(program, path=self.path) is not None
        return self._which[program]

    def _found(self, alternatives: str) -> bool:
        for program in alternatives.split("|"):
            if program.startswith("/") and any(os.access(path, os.X_OK)
                                               for path in Path("/").glob(program[1:])):
                return True
            if not program.startswith("/") and self.installed(program):
                return True
        return False

    def service_unavailable(self, name: str) -> str | None:
        """Why service ``name`` cannot start here (a program it needs is missing), or None."""
        service = self.settings.services[name]
        missing = [item.split("|")[0] for item in service.needs if not self._found(item)]
        if not missing:
            return None
        hint = f" ({service.install})" if service.install else ""
        which = "which is" if len(missing) == 1 else "which are"
        return f"service {name} needs {', '.join(missing)}, {which} not installed here{hint}"

    def _requirements(self, command: dict[str, Any]) -> tuple[list[str], Skip | None]:
        services: list[str] = []
        for item in command["requires"]:
            if item in self.settings.services:
                unavailable = self.service_unavailable(item)
                if unavailable:
                    return services, Skip("missing-service", unavailable)
                services.append(item)
            elif not self.installed(item):
                return services, Skip("requires", f"requires {item}: no service of that name "
                                                  "in runbook_services and no such program")
        return services, None

    def _destructive(self, command: dict[str, Any], services: list[str]) -> Skip | None:
        safety = command.get("safety") or {}
        if safety.get("level") != "destructive" or self.settings.allow_destructive:
            return None
        if services and all(self.settings.services[name].disposable for name in services):
            return None
        return Skip("destructive", f"destructive ({safety.get('reason') or safety.get('rule')}); "
                                   "set runbook_allow_destructive or require a disposable "
                                   "service to run it")

    def _missing_program(self, command: dict[str, Any], defined: set[str], code: str
                         ) -> Skip | None:
        # A plain curl call is sent with httpx (see the runner): no curl needed.
        sent = command["language"] == "shell" and http.parse_curl(code) is not None
        for program in command["programs"]:
            if "/" in program or program in defined or self.installed(program):
                continue
            if sent and program == "curl":
                continue
            return Skip("missing-program", f"{program} is not installed where verification "
                                           "runs")
        return None

    def plan_runbook(self, runbook: dict[str, Any], commands: list[dict[str, Any]]
                     ) -> RunbookPlan:
        steps = {step["id"]: step for step in runbook["steps"]}
        defined: set[str] = set()
        planned = []
        required: list[str] = []
        for command in commands:
            step = steps.get(command["step"])
            services, requirement = self._requirements(command)
            code, expected, env, skip = _resolve(command, self.settings, services)
            if command["language"] == "shell":
                # Functions the runbook defines (in this command or before) are
                # not programs to install.
                defined.update(_FUNCTION.findall(command["code"]))
            skip = (_skip_by_kind(command, step) or requirement
                    or self._destructive(command, services) or skip
                    or self._missing_program(command, defined, code))
            if skip is None:
                required.extend(services)
            expect = command["expect"]
            planned.append(PlannedCommand(
                id=command["id"], runbook=command["runbook"], step=command["step"],
                kind=command["kind"], language=command["language"], lexer=command["lexer"],
                code=code, expected_output=expected,
                expect_exit=expect["exit_status"] if expect["exit_status"] is not None else 0,
                expect_json=expect["json"], expect_status=expect["http_status"],
                timeout=float(command["timeout"] or self.settings.timeout), env=env,
                cwd=command["cwd"], needs=list(command["needs"]),
                after=step.get("after") if step else None, services=services,
                source=command["source"], line=command["line"], hash=command["hash"],
                skip=skip, text=command["code"], secrets=_secret_values(command, self.settings)))
        return RunbookPlan(
            id=runbook["id"], source=runbook["source"], commands=planned,
            services=list(dict.fromkeys(required)),
            network=runbook["id"] in self.settings.network,
            steps_without_commands=[s["id"] for s in runbook["steps"] if not s["commands"]])


def select(runbooks: list[dict[str, Any]], settings: Settings) -> list[dict[str, Any]]:
    """The runbooks this run verifies: ``--only`` ids, then this run's shard."""
    chosen = runbooks
    if settings.only:
        wanted = set(settings.only)
        # A command id selects the runbook holding it: its session needs the
        # commands before it.
        chosen = [runbook for runbook in chosen
                  if runbook["id"] in wanted or wanted.intersection(runbook["commands"])]
    if settings.shard:
        return shard_of(chosen, *settings.shard)
    return chosen


def shard_of(runbooks: list[dict[str, Any]], k: int, n: int) -> list[dict[str, Any]]:
    """The k-th of n shards (1-based), the same on every machine.

    A runbook's shard depends on its id only (a CRC), not on the other
    runbooks: adding a runbook never moves the others between CI jobs.
    """
    return [runbook for runbook in runbooks
            if zlib.crc32(runbook["id"].encode()) % n == k - 1]


def unknown_ids(index: dict[str, Any], ids: tuple[str, ...]) -> list[str]:
    """The ids of ``--only`` that name neither a runbook nor a command."""
    known = {runbook["id"] for runbook in index["runbooks"]}
    known.update(command["id"] for command in index["commands"])
    return [item for item in ids if item not in known]


def plan_index(index: dict[str, Any], settings: Settings, path: str) -> list[RunbookPlan]:
    """Plans for the selected runbooks of an index, in index order."""
    by_runbook: dict[str, list[dict[str, Any]]] = {}
    for command in index["commands"]:
        by_runbook.setdefault(command["runbook"], []).append(command)
    planner = Planner(settings, path)
    return [planner.plan_runbook(runbook, by_runbook.get(runbook["id"], []))
            for runbook in select(index["runbooks"], settings)]
