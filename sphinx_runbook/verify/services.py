"""Start the services a verification run needs, and always stop them.

Services start inside the sandbox, so they share its network namespace with
the commands: a command reaches PostgreSQL on 127.0.0.1 while the outside
network stays out of reach.  Each service gets its own directory
(``$RUNBOOK_SERVICE_DIR``, also the working directory of its commands).
"""

from __future__ import annotations

import string
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .process import SESSION_VARIABLE, command_token, kill_session, run_process
from .settings import Service

_READY_INTERVAL = 0.2


@dataclass
class Started:
    service: Service
    directory: Path
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]
    duration: float


def _expand(value: str, directory: Path) -> str:
    return string.Template(value).safe_substitute(RUNBOOK_SERVICE_DIR=str(directory))


def _tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


class ServiceManager:
    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env
        self.started: dict[str, Started] = {}

    def _token(self, name: str) -> str:
        return f"service-{name}"

    def _service_env(self, directory: Path) -> dict[str, str]:
        return {**self.env, "RUNBOOK_SERVICE_DIR": str(directory), "HOME": str(directory)}

    def start(self, service: Service) -> Started:
        """Start it and wait until ``ready`` succeeds; RuntimeError says why not."""
        began = time.monotonic()
        directory = self.root / f"service-{service.name}"
        directory.mkdir(parents=True, exist_ok=True)
        log = directory / "service.log"
        for name, text in service.files.items():
            path = directory / name
            path.write_text(text)
            if text.startswith("#!"):
                path.chmod(0o755)
        exported = {k: _expand(v, directory) for k, v in service.env.items()}
        env = {**self._service_env(directory), **exported}
        with log.open("wb") as output:
            # Not waited for: a start command may stay in the foreground
            # (``redis-server``) or daemonise (``pg_ctl start``).
            process = subprocess.Popen(
                ["bash", "--noprofile", "--norc", "-c", service.start],
                env={**env, SESSION_VARIABLE: command_token(self._token(service.name), 0)},
                cwd=directory, stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                start_new_session=True)
        started = Started(service, directory, process, log, exported, 0.0)
        self.started[service.name] = started
        deadline = began + service.timeout
        probes = 0
        while True:
            if process.poll() not in (None, 0):
                raise RuntimeError(f"its start command exited with status {process.returncode}"
                                   f": {_tail(log)}")
            if service.ready:
                probes += 1
                outcome = run_process(
                    ["bash", "--noprofile", "--norc", "-c", service.ready],
                    env=env, cwd=str(directory),
                    timeout=max(1.0, min(10.0, deadline - time.monotonic())),
                    token=command_token(self._token(service.name), probes),
                    capture=directory / "ready")
                if outcome.exit_status == 0:
                    break
            elif process.poll() == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"not ready after {service.timeout:g} s: {_tail(log)}")
            time.sleep(_READY_INTERVAL)
        started.duration = time.monotonic() - began
        return started

    def stop_all(self) -> None:
        """Stop every started service, the last started first; never raises."""
        for name in reversed(list(self.started)):
            started = self.started.pop(name)
            if started.service.stop:
                run_process(["bash", "--noprofile", "--norc", "-c", started.service.stop],
                            env={**self._service_env(started.directory), **started.env},
                            cwd=str(started.directory), timeout=30.0,
                            token=command_token(self._token(name), 10_000),
                            capture=started.directory / "stop")
            kill_session(self._token(name))
            started.process.kill()
            started.process.wait()
