"""The ``missing-program`` rule: commands that call a program nobody has.

A program that is not on the verification PATH may be gone (renamed,
retired) or simply not installed there; either way the command is not
checked by running it.  Programs are left alone when they are declared
(the step's ``:requires:``, ``runbook_external_programs``), written as a path
(``./scripts/x.sh``: the dangling-reference rule's business), defined by the
runbook as shell functions or aliases, or run inside a container
(``docker compose exec db psql``: psql is the container's).  A plain
``curl`` call needs no curl: verification sends it with httpx.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator, Sequence

from ..analysis.shell import (
    BUILTINS,
    basename,
    walk,
    without_heredoc_bodies,
)
from ..verify.http import parse_curl
from .base import CheckContext, Entry, Finding, opted_out

#: ``name() {``, ``function name``, ``alias name=``: names a runbook defines itself.
_DEFINITIONS = (
    re.compile(r"(?m)^\s*(?:function\s+)?([A-Za-z_][\w.-]*)\s*\(\s*\)"),
    re.compile(r"(?m)^\s*function\s+([A-Za-z_][\w.-]*)"),
    re.compile(r"\balias\s+([A-Za-z_][\w.-]*)="),
)
#: Builtins of bash that also exist as programs: bash never looks them up.
_ALSO_BUILTIN = frozenset({"command", "builtin", "echo", "printf", "test", "[", "true",
                           "false", "pwd", "kill", "time", "getopts", "times", "enable"})
#: Programs whose arguments name a program run somewhere else (a container).
_CONTAINERS = frozenset({"docker", "docker-compose", "podman", "kubectl"})

HINT = "install it where verification runs, or declare it with :requires: or " \
       "runbook_external_programs"


def defined_names(code: str) -> set[str]:
    """Shell functions and aliases a command defines."""
    return {name for pattern in _DEFINITIONS for name in pattern.findall(code)}


#: Stands for a placeholder the reader fills in: never a program to look for.
_FILLED_IN = "__placeholder__"


def host_programs(code: str, placeholders: Sequence[str] = ()) -> list[str]:
    """The programs a shell command calls where it runs, in order.

    Read again from the text rather than taken from the index's ``programs``:
    here-document bodies are data (an apostrophe in one must not make a
    "program" of the rest), and what runs in a container is the container's.
    Placeholders (``<cli> status``) are taken out first: ``<`` would read as a
    redirection and make a program of the next word.
    """
    for token in sorted(placeholders, key=len, reverse=True):
        code = code.replace(token, _FILLED_IN)
    text = without_heredoc_bodies(code)
    elsewhere = _container_programs(text)
    # The scripts a container runs (``docker compose exec app bash -c "..."``)
    # are the container's too: not followed.
    called = [name for _, names in walk(text, follow=_runs_here) for name in names
              if name and not name.startswith("$") and name not in BUILTINS
              and name not in _ALSO_BUILTIN]
    return [program for program in dict.fromkeys(called)
            if program not in elsewhere and _FILLED_IN not in program
            and not any(char.isspace() for char in program)]


def _runs_here(called: list[str]) -> bool:
    return not any(basename(program) in _CONTAINERS for program in called)


def _container_programs(code: str) -> set[str]:
    """Programs a command runs only inside a container (after ``docker exec`` and the like)."""
    inside: set[str] = set()
    outside: set[str] = set()
    for _, called in walk(code):
        in_container = False
        for program in called:
            (inside if in_container else outside).add(program)
            in_container = in_container or basename(program) in _CONTAINERS
    return inside - outside



class MissingProgramRule:
    """Shell commands calling programs that are not on the verification PATH."""

    id = "missing-program"
    description = ("Programs not found on the verification PATH and not declared "
                   "(:requires:, runbook_external_programs).")

    def check(self, runbook: Entry, commands: list[Entry], context: CheckContext
              ) -> Iterator[tuple[str, Finding]]:
        # No PATH given: the one this process has (what verification would use).
        path = context.path or os.environ.get("PATH", os.defpath)
        found: dict[str, bool] = {}
        defined: set[str] = set()
        for command in commands:
            if command["language"] != "shell":
                continue
            # Functions the runbook defines in this command or an earlier one
            # (even a skipped one: the reader has run it).
            defined |= defined_names(command["code"])
            if opted_out(command):
                continue
            declared = set(command.get("requires") or []) | context.external_programs
            # Verification sends a plain curl call itself (see verify.http), as
            # the planner knows: no curl needed for it.
            sent = parse_curl(command["code"]) is not None
            tokens = [p["token"] for p in command["placeholders"] if p["syntax"] != "variable"]
            for program in host_programs(command["code"], tokens):
                if "/" in program or program in declared or program in defined \
                        or (sent and program == "curl"):
                    continue
                if program not in found:
                    found[program] = shutil.which(program, path=path) is not None
                if not found[program]:
                    yield command["id"], Finding(
                        self.id, f"`{program}` is not installed where verification runs",
                        HINT)
