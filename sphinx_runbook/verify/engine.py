"""Verify the runbooks of an index: plan, reuse cached results, run the rest.

The caller's side of verification.  It decides everything it can without
running anything (see :mod:`.plan`), picks the sandbox, starts the worker
inside it, streams results back as runbooks finish, and returns every
result in index order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from .cache import ResultCache, runbook_key
from .plan import RunbookPlan, plan_index
from .results import CommandResult
from .runner import skipped_by_plan
from .sandbox import Backend, choose, worker_environment
from .settings import FIXED_ENVIRONMENT, Settings

#: Called with each runbook's results as it finishes.
Progress = Callable[[str, list[CommandResult]], None]

_BOOT = ("import sys; sys.path[:0] = {path!r}; "
         "from sphinx_runbook.verify.worker import main; main()")


class VerificationError(RuntimeError):
    """Verification itself broke (not a stale command): the worker died, say."""


@dataclass
class Verification:
    results: list[CommandResult]
    backend: Backend | None
    #: ``service`` events: name, status, reason or duration.
    services: list[dict[str, Any]] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)


def search_path() -> str:
    return os.environ.get("PATH", os.defpath)


def command_environment(settings: Settings) -> dict[str, str]:
    """The environment every command starts from: an allow-list, never the caller's."""
    env = {"PATH": search_path(), "USER": "runbook", "LOGNAME": "runbook",
           "SPHINX_RUNBOOK_VERIFY": "1", **FIXED_ENVIRONMENT}
    for name in settings.passthrough:
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def _scratch_directory(backend: Backend) -> str | None:
    """Where sessions keep their files: in memory where the system offers it.

    Every command writes its output and the session's state to files; on a
    disk those writes cost more than the command itself (bwrap's private /tmp
    is in memory already).  Output stays bounded by the file size limit.
    """
    shm = Path("/dev/shm")
    if backend.name == "process" and shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return str(shm)
    return None


class _Worker:
    """One worker process in one sandbox, fed one request."""

    def __init__(self, backend: Backend, plans: list[RunbookPlan], settings: Settings,
                 *, network: bool) -> None:
        self.backend = backend
        self.plans = plans
        self.settings = settings
        self.network = network
        self.stderr: list[str] = []

    def request(self) -> dict[str, Any]:
        return {
            "plans": [plan.to_dict() for plan in self.plans],
            "services": {name: asdict(spec) for name, spec in self.settings.services.items()},
            "env": command_environment(self.settings),
            "limits": asdict(self.settings.limits.effective()),
            "output_cap": self.settings.output_cap,
            "kernels": self.settings.kernels,
            "urls": self.settings.profile.urls,
            "backend": self.backend.name,
            "jobs": self.settings.jobs,
            "scratch": _scratch_directory(self.backend),
        }

    def _drain(self, stream: IO[str]) -> None:
        for line in stream:
            self.stderr.append(line)

    def run(self, on_event: Callable[[dict[str, Any]], None]) -> None:
        argv = [sys.executable, "-c", _BOOT.format(path=[p for p in sys.path if p])]
        env = {"PATH": search_path(), **FIXED_ENVIRONMENT}
        if self.backend.name == "bwrap":
            env.update(worker_environment())
        process = subprocess.Popen(
            self.backend.command(argv, network=self.network), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, bufsize=1)
        assert process.stdin and process.stdout and process.stderr
        reader = threading.Thread(target=self._drain, args=(process.stderr,), daemon=True)
        reader.start()
        done = False
        try:
            process.stdin.write(json.dumps(self.request()))
            process.stdin.close()
            for line in process.stdout:
                event = json.loads(line)
                if event["event"] == "done":
                    done = True
                else:
                    on_event(event)
            process.wait()
        except BaseException:
            # Ctrl-C or a crash here: let the worker stop its services first.
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
            raise
        finally:
            reader.join(5)
        if not done or process.returncode != 0:
            tail = "".join(self.stderr[-20:]).strip()
            raise VerificationError(f"the verification worker ({self.backend.name}) stopped "
                                    f"with status {process.returncode}: {tail}")


def verify(index: dict[str, Any], settings: Settings, *, cache: ResultCache | None = None,
           progress: Progress | None = None,
           announce: Callable[[Backend], None] | None = None) -> Verification:
    """Verify the selected runbooks of ``index``; results in index order.

    ``announce`` hears which sandbox was chosen (and why) before anything runs.
    """
    path = search_path()
    plans = plan_index(index, settings, path)
    backend = choose(settings.sandbox) if any(p.runnable for p in plans) else None
    if backend is not None and announce is not None:
        announce(backend)
    backend_name = backend.name if backend else ""
    by_runbook: dict[str, list[CommandResult]] = {}
    verification = Verification([], backend)
    programs: dict[str, list[str]] = {}
    for command in index["commands"]:
        programs.setdefault(command["runbook"], []).extend(command["programs"])
    keys: dict[str, str] = {}
    identities: dict[str, str] = {}
    pending: list[RunbookPlan] = []
    for plan in plans:
        if not plan.runnable:
            by_runbook[plan.id] = [skipped_by_plan(c, backend_name) for c in plan.commands]
            if progress:
                progress(plan.id, by_runbook[plan.id])
            continue
        if cache is not None and settings.execute in ("auto", "cache"):
            keys[plan.id] = runbook_key(plan, settings, backend=backend_name, path=path,
                                        programs=programs.get(plan.id, []),
                                        thorough=settings.execute == "cache",
                                        identities=identities)
            hit = cache.get(keys[plan.id], plan)
            if hit is not None:
                by_runbook[plan.id] = hit
                verification.cached.append(plan.id)
                if progress:
                    progress(plan.id, hit)
                continue
        pending.append(plan)

    def on_event(event: dict[str, Any]) -> None:
        if event["event"] == "service":
            verification.services.append(event)
            return
        results = [CommandResult.from_dict(entry) for entry in event["results"]]
        by_runbook[event["id"]] = results
        verification.executed.append(event["id"])
        if cache is not None and event["id"] in keys:
            cache.put(keys[event["id"]], results)
        if progress:
            progress(event["id"], results)

    assert backend is not None or not pending
    for network in (False, True):
        group = [plan for plan in pending if plan.network == network]
        if group and backend is not None:
            _Worker(backend, group, settings, network=network).run(on_event)
    verification.results = [result for plan in plans for result in by_runbook.get(plan.id, [])]
    return verification
