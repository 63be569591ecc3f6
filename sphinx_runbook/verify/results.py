"""The shapes every part of verification shares: raw outcomes and report rows."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

#: ``passed``: ran and met every expectation.  ``failed``: ran and did not
#: (the command is stale).  ``timeout``: killed at its time limit.
#: ``skipped``: not run, and why is in the reason (destructive, unresolved
#: placeholder, ``:run: never``/``static``, missing program or service...).
#: ``blocked``: not run because a step it ``:needs:`` did not pass.
Status = Literal["passed", "failed", "timeout", "skipped", "blocked"]
STATUSES: tuple[Status, ...] = ("passed", "failed", "timeout", "skipped", "blocked")

#: Statuses that mean the documentation is wrong.
STALE: tuple[Status, ...] = ("failed", "timeout")


@dataclass
class Outcome:
    """What happened when one command ran, before any expectation is checked."""

    #: The process's exit status; ``None`` when nothing ran to completion
    #: (a timeout, a connection that was refused...).
    exit_status: int | None
    stdout: str = ""
    stderr: str = ""
    #: Seconds of wall-clock time.
    duration: float = 0.0
    timed_out: bool = False
    #: For HTTP requests: the response status.
    http_status: int | None = None
    #: Why the command could not run at all (``connection refused``, ``no
    #: such kernel``...): a failure whose reason is this text.
    error: str | None = None
    #: Bytes dropped from each stream when it passed the output cap.
    stdout_dropped: int = 0
    stderr_dropped: int = 0
    #: The working directory the command ran in (as the sandbox sees it).
    cwd: str | None = None


@dataclass
class Mismatch:
    """An expectation the outcome did not meet."""

    #: ``exit-status``, ``output``, ``json``, ``http-status``, ``error``, ``timeout``.
    kind: str
    #: One line for people: ``exit status 1 (expected 0)``.
    summary: str
    #: More lines (an output diff, the JSON path that differs...).
    detail: str = ""


@dataclass
class CommandResult:
    """One row of the report: a command, what happened and why."""

    id: str
    runbook: str
    step: str
    status: Status
    #: Why it is not ``passed`` (empty when it is).
    reason: str = ""
    #: ``exit-status``, ``output``... for failures; ``destructive``,
    #: ``placeholder``, ``run-never``, ``run-static``, ``missing-program``,
    #: ``missing-service``, ``requires``, ``manual``... for skips;
    #: ``needs`` for blocked commands.
    reason_code: str = ""
    detail: str = ""
    exit_status: int | None = None
    http_status: int | None = None
    duration: float = 0.0
    stdout: str = ""
    stderr: str = ""
    cwd: str | None = None
    backend: str = ""
    #: ISO 8601, UTC, seconds: when the command ran (or was judged).
    timestamp: str = ""
    source: str = ""
    line: int | None = None
    language: str = ""
    code: str = ""
    #: The command's hash in the index: a result whose hash differs from the
    #: command's current one is about an older version of it.
    hash: str = ""
    #: True when the result came from the cache instead of a new run.
    cached: bool = False
    #: Findings of the static checks (rule, message, hint, stale).
    checks: list[dict[str, Any]] = field(default_factory=list)
    #: True when the static checks read the command (its language is one they
    #: parse, and its step did not opt out): the coverage of a skipped command.
    checked: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def stale(self) -> bool:
        return self.status in STALE

    def to_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it deep-copies every value, and reports hold
        # thousands of rows.  The containers are copied; what they hold is plain.
        data = {name: getattr(self, name) for name in _FIELDS}
        data["extra"] = dict(self.extra)
        data["checks"] = [dict(finding) for finding in self.checks]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CommandResult:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


_FIELDS = tuple(field.name for field in dataclasses.fields(CommandResult))
