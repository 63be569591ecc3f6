"""Run one runbook's plan inside the sandbox and judge every command.

Commands run in document order in one session per language (a shell session,
a Jupyter kernel).  A command whose ``:needs:`` did not pass is ``blocked``;
a verify after a step that was skipped or blocked is ``blocked`` too (it
would check an effect that never happened).  Everything else runs, so one
run reports every stale command.
"""

from __future__ import annotations

import secrets
import shlex
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import expect
from .plan import PlannedCommand, RunbookPlan, Skip
from .results import CommandResult, Mismatch, Outcome, Status
from .shell import Limits, ShellSession

_SQLITE_CLI = Path(__file__).with_name("sqlite_cli.py")
#: How bad a step's worst command makes the step, for ``:needs:``.
_RANK: dict[Status, int] = {"passed": 0, "skipped": 1, "blocked": 2, "timeout": 3, "failed": 3}


@dataclass
class Context:
    """What every runbook of one worker shares."""

    root: Path
    env: dict[str, str]
    limits: Limits
    output_cap: int
    kernels: dict[str, str]
    urls: dict[str, str]
    backend: str
    #: Service name -> why it is not available (absent: it runs).
    unavailable_services: dict[str, str] = field(default_factory=dict)
    #: Service name -> the variables it gives commands.
    service_env: dict[str, dict[str, str]] = field(default_factory=dict)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _sql_command(code: str) -> str:
    """SQL as a shell command: psql for PostgreSQL URLs, Python's sqlite3 otherwise."""
    delimiter = f"RUNBOOK_SQL_{secrets.token_hex(4)}"
    heredoc = f"<<'{delimiter}'\n{code}\n{delimiter}"
    sqlite = f"{shlex.quote(sys.executable)} -I {shlex.quote(str(_SQLITE_CLI))}"
    return (
        'case "$DATABASE_URL" in\n'
        f'  postgres:*|postgresql:*) psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 '
        f"-P pager=off {heredoc}\n;;\n"
        f'  *) {sqlite} "$DATABASE_URL" {heredoc}\n;;\n'
        "esac"
    )


def judge(command: PlannedCommand, outcome: Outcome) -> Mismatch | None:
    """The first expectation the outcome misses, with the others in the detail."""
    if outcome.timed_out:
        return Mismatch("timeout", f"timed out after {command.timeout:g} s (the process tree "
                                   "was killed)")
    if outcome.error:
        return Mismatch("error", outcome.error)
    found: list[Mismatch] = []
    if outcome.exit_status != command.expect_exit:
        found.append(Mismatch("exit-status", f"exit status {outcome.exit_status} "
                                             f"(expected {command.expect_exit})"))
    if command.expect_status is not None and outcome.http_status != command.expect_status:
        found.append(Mismatch("http-status", f"HTTP status {outcome.http_status} "
                                             f"(expected {command.expect_status})"))
    elif (command.expect_status is None and outcome.http_status is not None
          and outcome.http_status >= 400):
        found.append(Mismatch("http-status", f"HTTP status {outcome.http_status}"))
    if command.expected_output is not None:
        actual = outcome.stdout
        mismatch = expect.match_output(command.expected_output, actual)
        # A terminal shows both streams; accept the expected text in either.
        if mismatch and outcome.stderr:
            for alternative in (actual.rstrip("\n") + "\n" + outcome.stderr, outcome.stderr):
                if expect.match_output(command.expected_output, alternative) is None:
                    mismatch = None
                    break
        if mismatch:
            found.append(mismatch)
    if command.expect_json is not None:
        mismatch = expect.match_json(command.expect_json, outcome.stdout)
        if mismatch:
            found.append(mismatch)
    if not found:
        return None
    first = found[0]
    details = [first.detail] + [f"also: {m.summary}\n{m.detail}".rstrip() for m in found[1:]]
    return Mismatch(first.kind, first.summary, "\n".join(d for d in details if d))


def _redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "[secret]")
    return text


def make_result(command: PlannedCommand, status: Status, backend: str, *, reason: str = "",
                code: str = "", detail: str = "", outcome: Outcome | None = None
                ) -> CommandResult:
    hide = command.secrets
    result = CommandResult(
        id=command.id, runbook=command.runbook, step=command.step, status=status,
        reason=_redact(reason, hide), reason_code=code, detail=_redact(detail, hide),
        backend=backend, timestamp=_now(), source=command.source, line=command.line,
        language=command.language, code=command.text or command.code, hash=command.hash)
    if outcome is not None:
        result.exit_status = outcome.exit_status
        result.http_status = outcome.http_status
        result.duration = round(outcome.duration, 3)
        result.stdout = _redact(expect.excerpt(outcome.stdout), hide)
        result.stderr = _redact(expect.excerpt(outcome.stderr), hide)
        result.cwd = outcome.cwd
    return result


def skipped_by_plan(command: PlannedCommand, backend: str) -> CommandResult:
    assert command.skip is not None
    return make_result(command, "skipped", backend, reason=command.skip.reason,
                       code=command.skip.code)


class RunbookRunner:
    """Runs the commands of one runbook in order."""

    def __init__(self, plan: RunbookPlan, context: Context) -> None:
        self.plan = plan
        self.context = context
        self.directory = context.root / f"rb-{secrets.token_hex(6)}"
        self.step_status: dict[str, Status] = {}
        self._shell: ShellSession | None = None
        self._kernel: Any = None
        self._kernel_problem: str | None = None
        self.env = dict(context.env)
        for name in plan.services:
            self.env.update(context.service_env.get(name, {}))

    # -- sessions -----------------------------------------------------------
    def _prepare(self) -> None:
        for part in ("work", "home", "state", "runtime"):
            (self.directory / part).mkdir(parents=True, exist_ok=True)
        self.env["HOME"] = str(self.directory / "home")
        self.env["TMPDIR"] = str(self.directory / "runtime")

    def shell(self) -> ShellSession:
        if self._shell is None:
            self._shell = ShellSession(
                session=f"{self.directory.name}", workdir=self.directory / "work",
                statedir=self.directory / "state", env=self.env, limits=self.context.limits,
                output_cap=self.context.output_cap)
        return self._shell

    def kernel(self, language: str) -> Any:
        if self._kernel is None and self._kernel_problem is None:
            from .kernel import KernelError, KernelSession

            name = self.context.kernels.get(language, "python3")
            runtime = self.directory / "runtime" / "jupyter"
            runtime.mkdir(parents=True, exist_ok=True)
            env = {**self.env, "JUPYTER_RUNTIME_DIR": str(runtime),
                   "IPYTHONDIR": str(self.directory / "home" / ".ipython")}
            session = KernelSession(name, cwd=str(self.directory / "work"), env=env,
                                    runtime_dir=str(runtime))
            try:
                session.start()
            except KernelError as error:
                self._kernel_problem = str(error)
            else:
                self._kernel = session
        return self._kernel

    def close(self) -> None:
        if self._shell is not None:
            self._shell.close()
        if self._kernel is not None:
            self._kernel.close()

    # -- one command --------------------------------------------------------
    def _result(self, command: PlannedCommand, status: Status, *, reason: str = "",
                code: str = "", detail: str = "", outcome: Outcome | None = None
                ) -> CommandResult:
        return make_result(command, status, self.context.backend, reason=reason, code=code,
                           detail=detail, outcome=outcome)

    def _not_runnable(self, command: PlannedCommand) -> Skip | None:
        if command.skip:
            return command.skip
        for name in command.services:
            if name in self.context.unavailable_services:
                return Skip("missing-service", f"service {name} is not available: "
                            f"{self.context.unavailable_services[name]}")
        if command.language == "sql" and "DATABASE_URL" not in {**self.env, **command.env}:
            return Skip("missing-service", "SQL runs against $DATABASE_URL: require a service "
                        "that sets it (:requires:) or set it with :env:")
        if command.language == "python" and self.kernel(command.language) is None:
            return Skip("missing-kernel", self._kernel_problem or "no Jupyter kernel")
        return None

    def _blocked_by(self, command: PlannedCommand) -> str | None:
        for need in command.needs:
            status = self.step_status.get(need)
            if status is not None and status != "passed":
                return f"needs step {need}, which {_verb(status)}"
        if command.kind == "verify" and command.after:
            status = self.step_status.get(command.after)
            if status in ("skipped", "blocked"):
                return f"checks step {command.after}, which {_verb(status)}"
        return None

    def _execute(self, command: PlannedCommand) -> Outcome:
        if command.language == "python":
            outcome: Outcome = self._kernel.run(command.code, timeout=command.timeout)
            return outcome
        from . import http

        if command.language == "http":
            try:
                request = http.parse_http_block(command.code)
            except http.HttpSyntaxError as error:
                return Outcome(exit_status=None, error=f"not an HTTP request: {error}")
            return http.send(request, timeout=command.timeout, url_map=self.context.urls,
                             max_output=self.context.output_cap)
        if command.language == "shell":
            # A plain curl call is checked through httpx: its status is
            # known even without -f, and no curl needs to be installed.
            curl = http.parse_curl(command.code)
            if curl is not None:
                return http.send(curl, timeout=command.timeout, url_map=self.context.urls,
                                 max_output=self.context.output_cap)
            return self.shell().run(command.code, timeout=command.timeout,
                                    step_env=command.env, cwd=command.cwd)
        # SQL
        return self.shell().run(_sql_command(command.code), timeout=command.timeout,
                                step_env=command.env, cwd=command.cwd)

    def run_command(self, command: PlannedCommand) -> CommandResult:
        skip = self._not_runnable(command)
        if skip:
            return self._result(command, "skipped", reason=skip.reason, code=skip.code)
        blocked = self._blocked_by(command)
        if blocked:
            return self._result(command, "blocked", reason=blocked, code="needs")
        outcome = self._execute(command)
        mismatch = judge(command, outcome)
        if mismatch is None:
            return self._result(command, "passed", outcome=outcome)
        status: Status = "timeout" if mismatch.kind == "timeout" else "failed"
        return self._result(command, status, reason=mismatch.summary, code=mismatch.kind,
                            detail=mismatch.detail, outcome=outcome)

    def run(self) -> list[CommandResult]:
        self._prepare()
        results = []
        try:
            for command in self.plan.commands:
                result = self.run_command(command)
                results.append(result)
                previous = self.step_status.get(command.step, "passed")
                if _RANK[result.status] >= _RANK[previous]:
                    self.step_status[command.step] = result.status
        finally:
            self.close()
        return results


def _verb(status: Status) -> str:
    return {"failed": "failed", "timeout": "timed out", "skipped": "was skipped",
            "blocked": "was blocked", "passed": "passed"}[status]
