"""The sandbox backends: which one is chosen and why, and what bubblewrap keeps out.

The bwrap tests start the same sandbox verification starts its worker in
(:meth:`Backend.command`) and look around from inside it.  They skip where
bubblewrap does not work, with the reason, except on CI (``CI`` set), where
they must run.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sphinx_runbook.verify import sandbox
from sphinx_runbook.verify.sandbox import UNPRIVILEGED, Backend, SandboxError, choose


def require_bwrap() -> Backend:
    """The bwrap backend, or skip (fail on CI) saying why bubblewrap does not work."""
    backend = choose("auto")
    if backend.name != "bwrap":
        message = f"bubblewrap does not work here: {backend.reason}"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set: the bubblewrap tests must run there)")
        pytest.skip(message)
    return backend


@pytest.fixture
def fresh_probe() -> Iterator[None]:
    """Forget whether bwrap works, before and after a test that changes PATH."""
    sandbox._probe_bwrap.cache_clear()
    yield
    sandbox._probe_bwrap.cache_clear()


#: How the worker starts in the sandbox: it drops root privileges first.
_WORKER_START = ("import sys; sys.path[:0] = {path!r}\n"
                 "from sphinx_runbook.verify.process import drop_privileges\n"
                 "drop_privileges()\n")


def run_inside(backend: Backend, script: str, *, network: bool = False) -> Any:
    """Run a Python script in the sandbox as the worker runs; it prints one JSON value."""
    start = _WORKER_START.format(path=[entry for entry in sys.path if entry])
    process = subprocess.run(
        backend.command([sys.executable, "-c", start + script], network=network),
        capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": os.environ.get("PATH", os.defpath), **sandbox.worker_environment()})
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


# --------------------------------------------------------------------------- choose


def test_process_when_asked() -> None:
    backend = choose("process")
    assert backend == Backend("process", "runbook_sandbox is 'process'")
    # Plain processes: the worker's command line is left as it is.
    assert backend.command(["python3", "-c", "pass"], network=False) == [
        "python3", "-c", "pass"]


def test_auto_takes_bwrap_and_says_why() -> None:
    backend = require_bwrap()
    assert backend.reason.startswith("bubblewrap works: read-only root, private /tmp and "
                                     "home, loopback-only network, no capabilities")
    if os.geteuid() == 0:
        assert backend.reason.endswith(
            f"commands run as uid {UNPRIVILEGED} (the build runs as root)")
    assert choose("bwrap") == backend
    command = backend.command(["true"], network=False)
    assert command[0] == "bwrap" and command[-2:] == ["--", "true"]
    assert "--unshare-net" in command
    assert "--unshare-net" not in backend.command(["true"], network=True)


def test_without_bwrap_auto_falls_back_and_bwrap_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_probe: None) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    backend = choose("auto")
    assert backend == Backend(
        "process", "bubblewrap (bwrap) is not installed; commands run as plain processes "
                   "(no filesystem or network isolation)")
    with pytest.raises(SandboxError) as raised:
        choose("bwrap")
    assert str(raised.value) == ("runbook_sandbox is 'bwrap' but bubblewrap (bwrap) is not "
                                 "installed")
    assert choose("process").name == "process"


def test_a_broken_bwrap_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     fresh_probe: None) -> None:
    # What an unprivileged container without user namespaces answers.
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\n"
                    "exit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    backend = choose("auto")
    assert backend.name == "process"
    assert backend.reason.startswith(
        "bwrap does not work here: bwrap: No permissions to creating new namespace; "
        "commands run as plain processes")
    with pytest.raises(SandboxError, match="but bwrap does not work here: bwrap: No "
                                           "permissions"):
        choose("bwrap")


# --------------------------------------------------------------------------- inside bwrap


@pytest.fixture
def home_probe() -> Iterator[Path]:
    """A file in the caller's home directory, there only for this test."""
    probe = Path.home() / f".runbook-sandbox-probe-{uuid.uuid4().hex}"
    try:
        probe.write_text("a caller's secret\n")
    except OSError as error:
        pytest.skip(f"cannot write a probe file into {Path.home()}: {error.strerror}")
    try:
        yield probe
    finally:
        probe.unlink(missing_ok=True)


def test_the_callers_home_and_root_are_hidden(home_probe: Path) -> None:
    backend = require_bwrap()
    looked = run_inside(backend, f"""
import json, os
def entries(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return None
print(json.dumps({{"probe": os.path.exists({str(home_probe)!r}),
                  "home": entries({str(Path.home())!r}), "root": entries("/root")}}))
""")
    assert home_probe.exists()  # outside, it is there
    assert looked["probe"] is False
    # What stays visible is only the way to the Python running the worker
    # (a pyenv or uv Python may live in the home directory).
    needed = sandbox._needed_paths()
    for directory, visible in ((Path.home(), looked["home"]), (Path("/root"), looked["root"])):
        try:
            outside = [entry.name for entry in directory.iterdir()]
        except OSError:  # no /root, or not ours to read
            continue
        hidden = [name for name in outside
                  if not any(path.startswith(f"{directory / name}") for path in needed)]
        assert hidden, f"nothing in {directory} to hide: the test proves nothing"
        assert not set(hidden) & set(visible or []), (directory, visible)


@pytest.fixture
def host_server() -> Iterator[int]:
    """A TCP server on the host's loopback interface: accepts, says hello, closes."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            with connection:
                connection.sendall(b"hello\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        server.close()


_NETWORK_SCRIPT = """
import json, socket, time

def attempt(address, timeout=5.0):
    started = time.monotonic()
    try:
        with socket.create_connection(address, timeout=timeout) as connection:
            connection.settimeout(timeout)
            data = connection.recv(16).decode()
        outcome = "connected: " + data.strip()
    except OSError as error:
        outcome = type(error).__name__ + ": " + str(error.errno)
    return {"outcome": outcome, "seconds": time.monotonic() - started}

own = socket.create_server(("127.0.0.1", 0))
port = own.getsockname()[1]
client = socket.create_connection(("127.0.0.1", port), timeout=5)
accepted, _ = own.accept()
accepted.sendall(b"loopback")
loopback = client.recv(16).decode()
print(json.dumps({
    # From the host this may hang until the timeout: only tried in the sandbox.
    "outside": attempt(("10.255.255.1", 9)) if TRY_OUTSIDE else None,
    "host": attempt(("127.0.0.1", HOST_PORT)),
    "loopback": loopback,
    "interfaces": sorted(name for _, name in socket.if_nameindex()),
}))
"""


def test_the_network_is_loopback_only(host_server: int) -> None:
    backend = require_bwrap()
    script = _NETWORK_SCRIPT.replace("HOST_PORT", str(host_server))
    looked = run_inside(backend, script.replace("TRY_OUTSIDE", "True"))
    # Nothing outside the machine: no route at all, so it fails at once.
    assert looked["outside"]["outcome"] == f"OSError: {errno.ENETUNREACH}", looked
    assert looked["outside"]["seconds"] < 2
    # Not even the caller's own loopback: a private network namespace...
    assert looked["host"]["outcome"] == f"ConnectionRefusedError: {errno.ECONNREFUSED}"
    assert looked["interfaces"] == ["lo"]
    # ... whose loopback works (services listen there).
    assert looked["loopback"] == "loopback"

    # A runbook allowed the network shares the caller's.
    shared = run_inside(backend, script.replace("TRY_OUTSIDE", "False"), network=True)
    assert shared["host"]["outcome"] == "connected: hello"


def test_the_system_is_read_only_and_tmp_is_private(tmp_path: Path) -> None:
    backend = require_bwrap()
    name = f"runbook-sandbox-probe-{uuid.uuid4().hex}"
    targets = [f"/usr/{name}", f"/etc/{name}", str(Path(__file__).parent / name),
               f"/tmp/{name}"]
    looked = run_inside(backend, f"""
import json, os
written = {{}}
for path in {targets!r}:
    try:
        with open(path, "w") as stream:
            stream.write("x")
        written[path] = "written"
    except OSError as error:
        written[path] = error.errno
try:
    with open("/etc/shadow") as stream:
        shadow = "read"
except OSError as error:
    shadow = error.errno
print(json.dumps({{"written": written, "uid": os.getuid(), "shadow": shadow}}))
""")
    written = looked["written"]
    for path in targets[:3]:
        assert written[path] == errno.EROFS, (path, written[path])
        assert not Path(path).exists()
    # /tmp is writable inside, and it is not the caller's /tmp.
    assert written[f"/tmp/{name}"] == "written"
    assert not Path(f"/tmp/{name}").exists()
    assert looked["uid"] == (UNPRIVILEGED if os.geteuid() == 0 else os.geteuid())
    # Files only root may read stay unreadable, even when the build runs as root.
    shadow = Path("/etc/shadow")
    if shadow.exists() and not shadow.stat().st_mode & 0o004:
        assert looked["shadow"] == errno.EACCES

