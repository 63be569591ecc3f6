"""Run one process: closed stdin, capped output, a deadline, and nothing left behind.

Runbook commands are untrusted and may start daemons (``nohup``, ``setsid``,
``&``).  A command runs in a new session (so it has no controlling terminal
and its process group can be signalled at once) and with a token in its
environment.  Killing a command's tree kills its process group and every
process that still carries the token, which catches daemons that left the
group with ``setsid``.  Daemons that also cleared their environment are
caught later: the worker is a child subreaper (Linux), so they become its
children and die with the run (see :func:`become_subreaper`).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .results import Outcome

#: Environment variable marking every process of one runbook session.
SESSION_VARIABLE = "SPHINX_RUNBOOK_SESSION"

#: Bytes kept of each stream (stdout, stderr) by default; the rest is counted.
DEFAULT_OUTPUT_CAP = 1024 * 1024

_PROC = Path("/proc")
_PR_SET_CHILD_SUBREAPER = 36


_PR_SET_NO_NEW_PRIVS = 38
#: Tells the worker to drop root for this uid before doing anything.
DROP_VARIABLE = "SPHINX_RUNBOOK_DROP_TO"


def _prctl(option: int, value: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(option, value, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def drop_privileges() -> None:
    """Become the unprivileged uid the sandbox asked for, and never regain privileges.

    ``no_new_privs`` also makes setuid programs (``sudo``, ``su``) unable to
    raise privileges for any command of the run.
    """
    uid = os.environ.pop(DROP_VARIABLE, None)
    if uid is not None and os.geteuid() == 0:
        os.setgroups([])
        os.setresgid(int(uid), int(uid), int(uid))
        os.setresuid(int(uid), int(uid), int(uid))
        if os.geteuid() == 0 or os.getuid() == 0:
            raise SystemExit("sphinx-runbook worker: could not drop root privileges")
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)


def become_subreaper() -> bool:
    """Adopt orphaned descendants (Linux): daemons then die with this process."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def _processes_with(marker: bytes) -> list[int]:
    """Pids of processes whose environment contains ``marker``."""
    found = []
    own = os.getpid()
    try:
        entries = list(_PROC.iterdir())
    except OSError:
        return []
    for entry in entries:
        if not entry.name.isdigit() or int(entry.name) == own:
            continue
        try:
            environ = b"\0" + (entry / "environ").read_bytes() + b"\0"
        except OSError:  # gone already, or another user's process
            continue
        if marker in environ:
            found.append(int(entry.name))
    return found


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (Linux), from /proc."""
    found: list[int] = []
    for task in _PROC.glob(f"{pid}/task/*/children"):
        with contextlib.suppress(OSError):
            found.extend(int(child) for child in task.read_text().split())
    return found


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


def command_token(session: str, ordinal: int) -> str:
    """The token of one command of a session: ``<session>.<ordinal>``."""
    return f"{session}.{ordinal}"


def _kill_marked(marker: bytes, group: int | None) -> None:
    if group is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
    # A process may fork while we look; a few rounds catch its children too.
    for _ in range(5):
        pids = _processes_with(marker)
        if not pids:
            return
        for pid in pids:
            _kill(pid)
        time.sleep(0.01)


def kill_command(token: str, group: int | None = None) -> None:
    """Kill a command's process group and every process carrying its token."""
    _kill_marked(f"\0{SESSION_VARIABLE}={token}\0".encode(), group)


def kill_session(session: str) -> None:
    """Kill what is left of every command of a session (background servers...)."""
    _kill_marked(f"\0{SESSION_VARIABLE}={session}.".encode(), None)


def reap_children() -> None:
    """Kill and reap every child left (adopted orphans included)."""
    for _ in range(5):
        pids = children_of(os.getpid())
        if not pids:
            return
        for pid in pids:
            _kill(pid)
        for pid in pids:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _wait(process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait for the process to exit; False at the deadline.

    ``Popen.wait(timeout)`` polls with growing sleeps, which adds milliseconds
    to every short command; a pidfd (Linux 5.3+) wakes up the moment the
    process exits.
    """
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is not None:
        try:
            pidfd = pidfd_open(process.pid)
        except OSError:
            pidfd = None
        if pidfd is not None:
            try:
                ready, _, _ = select.select([pidfd], [], [], max(timeout, 0))
            finally:
                os.close(pidfd)
            if not ready:
                return False
            process.wait()
            return True
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


def _read_capped(path: Path, cap: int) -> tuple[str, int]:
    """The first ``cap`` bytes of a file as text, and how many bytes were dropped."""
    try:
        with path.open("rb") as stream:
            data = stream.read(cap)
            size = os.fstat(stream.fileno()).st_size
    except OSError:
        return "", 0
    dropped = max(0, size - len(data))
    text = data.decode("utf-8", errors="replace")
    if dropped:
        text += f"\n[output cut after {cap} bytes: {dropped} more bytes not kept]\n"
    return text, dropped


def run_process(argv: Sequence[str], *, env: dict[str, str], cwd: str, timeout: float,
                token: str, capture: Path, output_cap: int = DEFAULT_OUTPUT_CAP) -> Outcome:
    """Run ``argv`` to completion or to its deadline; never raises for the command's faults.

    Output goes to files (``<capture>.out``/``.err``), not pipes: a server the
    command starts in the background keeps writing to them, as it would to a
    terminal, instead of dying of a broken pipe once the command returns.
    """
    started = time.monotonic()
    out_path, err_path = capture.with_suffix(".out"), capture.with_suffix(".err")
    with out_path.open("wb") as out, err_path.open("wb") as err:
        try:
            process = subprocess.Popen(
                argv, env={**env, SESSION_VARIABLE: token}, cwd=cwd, stdin=subprocess.DEVNULL,
                stdout=out, stderr=err, start_new_session=True, close_fds=True)
        except OSError as error:
            return Outcome(exit_status=None, error=f"cannot start {argv[0]}: {error.strerror}",
                           duration=time.monotonic() - started, cwd=cwd)
    timed_out = not _wait(process, timeout)
    exit_status: int | None = process.returncode
    if timed_out:
        kill_command(token, process.pid)
        process.wait()
        exit_status = None
    duration = time.monotonic() - started
    stdout, stdout_dropped = _read_capped(out_path, output_cap)
    stderr, stderr_dropped = _read_capped(err_path, output_cap)
    return Outcome(
        exit_status=exit_status, stdout=stdout, stderr=stderr, duration=duration,
        timed_out=timed_out, stdout_dropped=stdout_dropped, stderr_dropped=stderr_dropped,
        cwd=cwd)
