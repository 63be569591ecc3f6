"""Results kept between runs, keyed by everything that decides them.

A runbook's key covers its commands in order (a command's outcome depends on
the session before it), the values and addresses it was run with and, in
``cache`` mode, the services it requires, the limits and sandbox, and the
programs it calls.  A program's identity is its resolved path, size and
modification time: an upgrade changes them, and reading them costs a
``stat``, where asking ``--version`` would start every program.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from .. import __version__
from .plan import RunbookPlan
from .results import CommandResult
from .settings import Settings

# Fields of a planned command that say where it is, not what it does: an edit
# above a runbook moves its lines without changing its outcome.
_PLACE = ("source", "line")


def program_identity(program: str, path: str) -> str:
    """A program's version, as far as caches care: resolved path, size, mtime."""
    found = shutil.which(program, path=path)
    if found is None:
        return "missing"
    try:
        stat = Path(found).resolve().stat()
    except OSError:
        return "missing"
    return f"{Path(found).resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


def _identity(program: str, path: str, known: dict[str, str]) -> str:
    if program not in known:
        known[program] = program_identity(program, path)
    return known[program]


def runbook_key(plan: RunbookPlan, settings: Settings, *, backend: str, path: str,
                programs: list[str], thorough: bool,
                identities: dict[str, str] | None = None) -> str:
    """The cache key of a runbook; ``identities`` memoises program lookups across runbooks."""
    known = {} if identities is None else identities
    commands = []
    for command in plan.commands:
        entry = dataclasses.asdict(command)
        for name in _PLACE:
            entry.pop(name)
        commands.append(entry)
    material: dict[str, Any] = {
        "generator": __version__, "runbook": plan.id, "commands": commands,
        "profile": dataclasses.asdict(settings.profile), "timeout": settings.timeout,
        # Always: a service's fixture files decide what its commands print.
        "services": {name: dataclasses.asdict(settings.services[name])
                     for name in plan.services},
    }
    if thorough:
        wanted = sorted({*programs, "bash"})
        material.update({
            "kernels": settings.kernels, "limits": dataclasses.asdict(settings.limits),
            "output_cap": settings.output_cap, "backend": backend, "network": plan.network,
            "programs": {program: _identity(program, path, known) for program in wanted},
        })
    text = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class ResultCache:
    """One small JSON file per key; a broken file is a miss, never an error."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _file(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str, plan: RunbookPlan) -> list[CommandResult] | None:
        try:
            entries = json.loads(self._file(key).read_text(encoding="utf-8"))
            results = [CommandResult.from_dict(entry) for entry in entries]
        except (OSError, ValueError, TypeError):
            return None
        if [r.id for r in results] != [c.id for c in plan.commands]:
            return None
        for result, command in zip(results, plan.commands, strict=True):
            # Where the command is now, which the key leaves out.
            result.source, result.line, result.cached = command.source, command.line, True
        return results

    def put(self, key: str, results: list[CommandResult]) -> None:
        target = self._file(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        entries = [{**result.to_dict(), "cached": False} for result in results]
        temporary.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
        temporary.replace(target)

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.directory)
