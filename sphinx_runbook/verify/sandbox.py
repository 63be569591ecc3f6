"""Sandbox backends: where the verification worker (and so every command) runs.

``process``: a child process with a clean environment, its own scratch
directories, resource limits and session tokens to kill what it leaves.  It
does not stop a command from reading or writing the caller's files or from
using the network.

``bwrap``: the same worker inside bubblewrap: a read-only view of the host
with a private ``/tmp``, the caller's home directories hidden, a private
network namespace holding only loopback (services and commands share it; the
outside network is opt-in per runbook), a private PID namespace, no
capabilities, and an unprivileged uid when the build runs as root.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .settings import SandboxChoice

#: The uid/gid commands get when the build runs as root (``nobody``).
UNPRIVILEGED = 65534
#: Directories that hold people's files and credentials (``~/.ssh``, cloud
#: credentials...): hidden inside the sandbox.
_PRIVATE_DIRS = ("/root", "/home")
#: Scratch directories replaced by empty ones in the sandbox.
_SCRATCH_DIRS = ("/tmp", "/var/tmp", "/run")


class SandboxError(RuntimeError):
    """The sandbox asked for cannot be used here."""


@dataclass(frozen=True)
class Backend:
    name: str
    #: Why this backend (shown in the build log).
    reason: str

    def command(self, argv: list[str], *, network: bool) -> list[str]:
        """``argv`` as it must be started to run inside this sandbox."""
        if self.name == "bwrap":
            return [*_bwrap_arguments(network=network), "--", *argv]
        return argv


def _needed_paths() -> list[str]:
    """What Python needs to start the worker, even where it lies under a hidden dir."""
    paths = {sys.prefix, sys.base_prefix, str(Path(sys.executable).resolve().parent.parent),
             str(Path(__file__).resolve().parent.parent.parent)}
    paths.update(entry for entry in sys.path if entry and Path(entry).exists())
    covered = (*_hidden_dirs(), *_SCRATCH_DIRS)
    needed = sorted(path for path in paths if path.startswith(covered))
    # A path inside another needed path comes with it.
    return [path for path in needed
            if not any(path.startswith(other + "/") for other in needed if other != path)]


@functools.cache
def _hidden_dirs() -> tuple[str, ...]:
    dirs = [d for d in _PRIVATE_DIRS if Path(d).is_dir()]
    home = os.environ.get("HOME")
    if home and Path(home).is_dir() and not home.startswith(tuple(dirs)) and home != "/":
        dirs.append(home)
    return tuple(dirs)


def _bwrap_arguments(*, network: bool) -> list[str]:
    arguments = [
        "bwrap", "--die-with-parent", "--new-session",
        "--unshare-user-try", "--unshare-ipc", "--unshare-pid", "--unshare-uts",
        "--unshare-cgroup-try",
        "--ro-bind", "/", "/",
        "--dev", "/dev", "--tmpfs", "/dev/shm", "--proc", "/proc",
        "--tmpfs", "/tmp", "--tmpfs", "/var/tmp", "--tmpfs", "/run",
        "--hostname", "runbook-sandbox",
        "--cap-drop", "ALL",
    ]
    if not network:
        arguments.append("--unshare-net")
    for hidden in _hidden_dirs():
        arguments += ["--tmpfs", hidden]
    for path in _needed_paths():
        arguments += ["--ro-bind", path, path]
    if os.geteuid() == 0:
        arguments += ["--unshare-user", "--uid", str(UNPRIVILEGED), "--gid", str(UNPRIVILEGED)]
    arguments += ["--chdir", "/tmp"]
    return arguments


@functools.cache
def _probe_bwrap() -> str | None:
    """None when bubblewrap works here, else why not."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    try:
        result = subprocess.run(
            [*_bwrap_arguments(network=False), "--", sys.executable, "-c", "pass"],
            capture_output=True, text=True, timeout=30, env={"PATH": os.environ.get("PATH", "")})
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap could not start: {error}"
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()
        return f"bwrap does not work here: {detail[-1] if detail else result.returncode}"
    return None


def choose(choice: SandboxChoice) -> Backend:
    """The backend to use; ``auto`` takes the strongest one that works."""
    if choice == "process":
        return Backend("process", "runbook_sandbox is 'process'")
    problem = _probe_bwrap() if sys.platform.startswith("linux") else \
        "bubblewrap needs Linux"
    if problem is None:
        uid = (f", commands run as uid {UNPRIVILEGED} (the build runs as root)"
               if os.geteuid() == 0 else "")
        return Backend("bwrap", "bubblewrap works: read-only root, private /tmp and home, "
                                f"loopback-only network, no capabilities{uid}")
    if choice == "bwrap":
        raise SandboxError(f"runbook_sandbox is 'bwrap' but {problem}")
    return Backend("process", f"{problem}; commands run as plain processes (no filesystem "
                              "or network isolation)")
