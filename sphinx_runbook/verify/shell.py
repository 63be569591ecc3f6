"""A shell session: one runbook's shell commands, run in order, sharing state.

Each command runs in its own ``bash`` process (so a timeout kills exactly that
command, and a crash of one cannot hang the next), and the session carries
over what a reader's terminal would: exported variables, shell functions and
the working directory.  Before exiting, every command's shell saves
``export -p``, ``declare -f`` and ``pwd`` into the session's state directory,
from an EXIT trap so ``exit 1`` and ``set -e`` save them too; the next command
sources them first.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from .process import SESSION_VARIABLE, command_token, kill_session, run_process
from .results import Outcome

#: Arguments too long for one ``bash -c`` argument go through a script file
#: (Linux limits a single argument to 128 KiB).
_LONGEST_ARGUMENT = 100_000


@dataclass(frozen=True)
class Limits:
    """Resource limits of every command (``ulimit``, both soft and hard)."""

    cpu_seconds: int = 600
    memory_bytes: int = 4 * 1024**3
    file_size_bytes: int = 1024**3
    open_files: int = 1024
    #: Processes of the user (the caller's own count too); ``None``: 4096 when the
    #: build does not run as root.  Never set for root: in the bwrap sandbox
    #: the limit would count every process root has on the machine.
    processes: int | None = None

    def effective(self) -> Limits:
        if self.processes is None and os.geteuid() != 0:
            return dataclasses.replace(self, processes=4096)
        return self

    def ulimit_lines(self) -> list[str]:
        lines = [
            f"ulimit -t {self.cpu_seconds}",
            # Data (heap and private writable mappings), not address space:
            # V8, the JVM and Go reserve far more address space than they use.
            f"ulimit -d {self.memory_bytes // 1024}",
            f"ulimit -f {self.file_size_bytes // 1024}",  # bash counts in KiB
            f"ulimit -n {self.open_files}",
        ]
        if self.processes is not None:
            lines.append(f"ulimit -u {self.processes}")
        # A limit above the current hard limit cannot be set; keep going with
        # the stricter one the system already has.
        return [f"{line} 2>/dev/null" for line in lines]


class ShellSession:
    """The shell commands of one runbook."""

    def __init__(self, *, session: str, workdir: Path, statedir: Path, env: dict[str, str],
                 limits: Limits, output_cap: int, shell: str = "bash") -> None:
        self.session = session
        self.workdir = workdir
        self.statedir = statedir
        self.env = env
        self.limits = limits
        self.output_cap = output_cap
        self.shell = shell
        self.count = 0
        self._env_file = statedir / "env"
        self._cwd_file = statedir / "cwd"
        self._functions_file = statedir / "functions"
        self._env_file.write_text("")
        self._functions_file.write_text("")
        self._cwd_file.write_text(str(workdir))

    @property
    def cwd(self) -> str:
        saved = self._cwd_file.read_text().strip()
        return saved if saved and Path(saved).is_dir() else str(self.workdir)

    def _script(self, code: str, step_env: dict[str, str], cwd: str | None) -> str:
        state_env, state_cwd = shlex.quote(str(self._env_file)), shlex.quote(str(self._cwd_file))
        state_functions = shlex.quote(str(self._functions_file))
        restore = []
        apply = []
        for position, (name, value) in enumerate(step_env.items()):
            # A step's :env: is for that step: restore what the session had.
            old, had = f"__rb_old{position}", f"__rb_had{position}"
            apply.append(f'{old}="${{{name}-}}"; {had}="${{{name}+x}}"; '
                         f"export {name}={shlex.quote(value)}")
            restore.append(f'if [ "${{{name}-}}" = {shlex.quote(value)} ]; then '
                           f'if [ -n "${{{had}}}" ]; then export {name}="${{{old}}}"; '
                           f"else unset {name}; fi; fi")
        # bash exports PWD, OLDPWD, SHLVL and _ itself, and each command gets
        # its own session token: none of them may be replayed.
        save = "; ".join([
            "__rb_status=$?", *restore,
            f"export -n PWD OLDPWD SHLVL _ {SESSION_VARIABLE} 2>/dev/null",
            f"export -p > {state_env} 2>/dev/null",
            f"declare -f > {state_functions} 2>/dev/null",
            # Still in the directory it read (most commands are): nothing to save.
            # Rewriting the file costs a truncation and, on ext4, a flush to disk
            # at close, about 0.2 ms a command.
            f'[ "$PWD" = "${{__rb_cwd-}}" ] || pwd -P > {state_cwd} 2>/dev/null',
            "exit $__rb_status",
        ])
        if cwd:
            # An author's :cwd: that does not exist is a stale runbook.
            enter = f"__rb_cwd=; cd -- {shlex.quote(cwd)} || exit 1"
        else:
            # ``read`` is a builtin: no extra process per command.
            enter = (f"read -r __rb_cwd < {state_cwd}; "
                     f'cd -- "$__rb_cwd" 2>/dev/null || cd -- {shlex.quote(str(self.workdir))}')
        lines = [
            *self.limits.ulimit_lines(),
            f". {state_env} 2>/dev/null",
            f". {state_functions} 2>/dev/null",
            # The trap goes after the state is loaded: a command that fails to
            # cd still saves the session as it was.
            f"trap '{save.replace(chr(39), chr(39) + chr(92) + chr(39) + chr(39))}' EXIT",
            enter,
            *apply,
            code,
        ]
        return "\n".join(lines) + "\n"

    def run(self, code: str, *, timeout: float, step_env: dict[str, str] | None = None,
            cwd: str | None = None) -> Outcome:
        self.count += 1
        script = self._script(code, step_env or {}, cwd)
        if len(script) > _LONGEST_ARGUMENT:
            path = self.statedir / f"command-{self.count}.sh"
            path.write_text(script)
            argv = [self.shell, "--noprofile", "--norc", str(path)]
        else:
            argv = [self.shell, "--noprofile", "--norc", "-c", script]
        cwd_before = self.cwd if cwd is None else cwd
        outcome = run_process(
            argv, env=self.env, cwd=str(self.workdir), timeout=timeout,
            token=command_token(self.session, self.count),
            capture=self.statedir / f"command-{self.count}", output_cap=self.output_cap)
        outcome.cwd = cwd_before
        return outcome

    def close(self) -> None:
        """Stop what the session's commands left running in the background."""
        kill_session(self.session)
