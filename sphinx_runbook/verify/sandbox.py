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

from .process import DROP_VARIABLE
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


def _ancestors(path: str, below: str) -> list[str]:
    """The directories between ``below`` (excluded) and ``path`` (excluded), outermost first."""
    parents = [str(parent) for parent in Path(path).parents
               if str(parent).startswith(below + "/")]
    return sorted(parents, key=len)


def _bwrap_arguments(*, network: bool) -> list[str]:
    as_root = os.geteuid() == 0
    arguments = [
        "bwrap", "--die-with-parent", "--new-session",
        "--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try",
        "--ro-bind", "/", "/",
        "--dev", "/dev", "--perms", "1777", "--tmpfs", "/dev/shm", "--proc", "/proc",
        "--perms", "1777", "--tmpfs", "/tmp", "--perms", "1777", "--tmpfs", "/var/tmp",
        "--perms", "0755", "--tmpfs", "/run",
        "--hostname", "runbook-sandbox",
    ]
    if not network:
        arguments.append("--unshare-net")
    for hidden in _hidden_dirs():
        arguments += ["--perms", "0755", "--tmpfs", hidden]
    covered = (*_hidden_dirs(), *_SCRATCH_DIRS)
    for path in _needed_paths():
        # Directories bwrap creates for a mount point are private to their
        # owner; the unprivileged worker must be able to walk through them.
        top = next(base for base in covered if path.startswith(base + "/") or path == base)
        for parent in _ancestors(path, top):
            arguments += ["--perms", "0755", "--dir", parent]
        arguments += ["--ro-bind", path, path]
    if as_root:
        # A user namespace would map the sandbox's uid back to root outside,
        # and root-owned files (/etc/shadow...) would stay readable.  Instead
        # the worker starts as root without a user namespace, keeps only the
        # capabilities to change its uid, and drops to nobody before anything
        # runs (see worker.drop_privileges).
        arguments += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        arguments += ["--unshare-user", "--cap-drop", "ALL"]
    arguments += ["--chdir", "/tmp"]
    return arguments


def worker_environment() -> dict[str, str]:
    """What the worker must know about the sandbox it runs in."""
    return {DROP_VARIABLE: str(UNPRIVILEGED)} if os.geteuid() == 0 else {}


# The probe starts the worker's Python in the sandbox and, as root, drops
# privileges the way the worker does; -S (no site) keeps it to a few ms.
_PROBE = ("import os\n"
          "uid = os.environ.get({variable!r})\n"
          "if uid:\n"
          "    os.setgroups([]); os.setresgid(int(uid), int(uid), int(uid))\n"
          "    os.setresuid(int(uid), int(uid), int(uid))\n"
          "    assert os.getuid() != 0\n")


@functools.cache
def _probe_bwrap() -> str | None:
    """None when bubblewrap works here, else why not."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    try:
        result = subprocess.run(
            [*_bwrap_arguments(network=False), "--", sys.executable, "-S", "-c",
             _PROBE.format(variable=DROP_VARIABLE)],
            capture_output=True, text=True, timeout=30,
            env={"PATH": os.environ.get("PATH", ""), **worker_environment()})
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
