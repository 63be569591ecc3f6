"""What a verification run is told: modes, sandbox, limits, profile and services."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal

from .process import DEFAULT_OUTPUT_CAP
from .shell import Limits

ExecuteMode = Literal["off", "auto", "cache", "force"]
EXECUTE_MODES: tuple[ExecuteMode, ...] = ("off", "auto", "cache", "force")
SandboxChoice = Literal["auto", "process", "bwrap"]
SANDBOX_CHOICES: tuple[SandboxChoice, ...] = ("auto", "process", "bwrap")

#: Variables every command gets, whatever the caller's environment says:
#: predictable output (no colours, no pager waiting for a key, UTC dates).
FIXED_ENVIRONMENT = {
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "TZ": "UTC",
    "PAGER": "cat",
    "GIT_PAGER": "cat",
    "SYSTEMD_PAGER": "",
    "TERM": "dumb",
    "NO_COLOR": "1",
    "SHELL": "/bin/bash",
    "PYTHONUNBUFFERED": "1",
}


@dataclass(frozen=True)
class Service:
    """Something verification starts once per run for the commands that need it."""

    name: str
    #: Shell command that starts it (and returns, or keeps running: both work).
    start: str
    #: Shell command that succeeds once the service answers.
    ready: str = ""
    stop: str = ""
    #: Variables every command gets while the service runs (``DATABASE_URL``...).
    env: dict[str, str] = field(default_factory=dict)
    #: A throw-away service: destructive commands that require it may run.
    disposable: bool = False
    #: Seconds to wait for ``ready``.
    timeout: float = 60.0
    #: Programs the service cannot start without; an item may give alternatives
    #: separated by ``|``, each a name on ``PATH`` or an absolute path (globs allowed).
    needs: tuple[str, ...] = ()
    #: How to install what ``needs`` lists, for the reason of the skip.
    install: str = ""
    #: Files written into the service's directory before ``start``: name -> text.
    #: They travel with the request, so the sandbox need not see the source tree.
    files: dict[str, str] = field(default_factory=dict)
    #: Base URL in the runbook -> the service's own, for the commands requiring it
    #: (a loopback stand-in for an application's endpoints).
    urls: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, name: str, spec: dict[str, Any]) -> Service:
        allowed = {"start", "ready", "stop", "env", "disposable", "timeout", "needs", "install",
                   "files", "urls"}
        unknown = set(spec) - allowed
        if unknown:
            raise ValueError(f"service {name!r} has unknown keys {sorted(unknown)} "
                             f"(allowed: {sorted(allowed)})")
        if not isinstance(spec.get("start"), str) or not spec["start"].strip():
            raise ValueError(f"service {name!r} needs a 'start' command")
        env = spec.get("env", {})
        if not isinstance(env, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
            raise ValueError(f"service {name!r}: 'env' must map names to strings")
        for key in ("ready", "stop"):
            if not isinstance(spec.get(key, ""), str):
                raise ValueError(f"service {name!r}: {key!r} must be a shell command")
        timeout = spec.get("timeout", 60.0)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ValueError(f"service {name!r}: 'timeout' must be a positive number of seconds")
        needs = spec.get("needs", ())
        if isinstance(needs, str) or not all(isinstance(item, str) and item for item in needs):
            raise ValueError(f"service {name!r}: 'needs' must be a list of program names")
        if not isinstance(spec.get("install", ""), str):
            raise ValueError(f"service {name!r}: 'install' must be a string")
        files = spec.get("files", {})
        if not isinstance(files, dict) or not all(
                isinstance(k, str) and k and "/" not in k and isinstance(v, str)
                for k, v in files.items()):
            raise ValueError(f"service {name!r}: 'files' must map plain file names to text")
        urls = spec.get("urls", {})
        if not isinstance(urls, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in urls.items()):
            raise ValueError(f"service {name!r}: 'urls' must map base URLs to base URLs")
        return cls(name, spec["start"], spec.get("ready", ""), spec.get("stop", ""), dict(env),
                   bool(spec.get("disposable", False)), float(timeout), tuple(needs),
                   spec.get("install", ""), dict(files), dict(urls))


@dataclass(frozen=True)
class Profile:
    """Values that make a runbook runnable here: placeholders and addresses."""

    #: Placeholder name -> value (``namespace``, ``NODE``...).
    values: dict[str, str] = field(default_factory=dict)
    #: Base URL in the runbook -> base URL verification uses instead.
    urls: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, spec: dict[str, Any]) -> Profile:
        unknown = set(spec) - {"values", "urls"}
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)} (allowed: ['urls', 'values'])")
        values, urls = spec.get("values", {}), spec.get("urls", {})
        for label, mapping in (("values", values), ("urls", urls)):
            if not isinstance(mapping, dict) or not all(
                    isinstance(k, str) and isinstance(v, (str, int, float))
                    for k, v in mapping.items()):
                raise ValueError(f"{label!r} must map names to strings")
        return cls({k: str(v) for k, v in values.items()}, {k: str(v) for k, v in urls.items()})


@dataclass
class Settings:
    """Everything a verification run needs besides the index."""

    execute: ExecuteMode = "force"
    sandbox: SandboxChoice = "auto"
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    #: Seconds per command unless its step says ``:timeout:``.
    timeout: float = 60.0
    #: Names of the caller's variables passed through; nothing else is.
    passthrough: tuple[str, ...] = ()
    profile: Profile = field(default_factory=Profile)
    allow_destructive: bool = False
    services: dict[str, Service] = field(default_factory=dict)
    #: Language family -> Jupyter kernel name.
    kernels: dict[str, str] = field(default_factory=lambda: {"python": "python3"})
    #: Runbook ids whose commands may reach the network outside the machine.
    network: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    output_cap: int = DEFAULT_OUTPUT_CAP
    #: Only these runbooks (ids); empty: all.
    only: tuple[str, ...] = ()
    #: ``(k, n)``: the k-th of n shards (1-based).
    shard: tuple[int, int] | None = None
