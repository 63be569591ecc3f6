"""The process that runs inside the sandbox: services, sessions, results.

It reads one JSON request on stdin (the plans, the environment, limits...)
and writes JSON lines on stdout: one ``service`` event per service, one
``runbook`` event with its results as each runbook finishes (so the caller
can show progress), and ``done``.  Secrets never travel in its environment:
the few values passed through come in the request.
"""

from __future__ import annotations

import json
import shutil
import signal
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import Any

from .plan import RunbookPlan
from .process import become_subreaper, drop_privileges, reap_children
from .runner import Context, RunbookRunner
from .services import ServiceManager
from .settings import Service
from .shell import Limits

_lock = threading.Lock()


def emit(event: dict[str, Any]) -> None:
    line = json.dumps(event, ensure_ascii=False)
    with _lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(request: dict[str, Any]) -> None:
    plans = [RunbookPlan.from_dict(plan) for plan in request["plans"]]
    services = {name: Service(**spec) for name, spec in request["services"].items()}
    root = Path(tempfile.mkdtemp(prefix="runbook-", dir=request.get("scratch")))
    context = Context(root=root, env=request["env"], limits=Limits(**request["limits"]),
                      output_cap=request["output_cap"], kernels=request["kernels"],
                      urls=request["urls"], backend=request["backend"])
    manager = ServiceManager(root, request["env"])
    try:
        needed = list(dict.fromkeys(name for plan in plans for name in plan.services))
        for name in needed:
            try:
                started = manager.start(services[name])
            except RuntimeError as error:
                context.unavailable_services[name] = f"it did not start: {error}"
                emit({"event": "service", "name": name, "status": "failed",
                      "reason": str(error)})
            else:
                context.service_env[name] = started.env
                emit({"event": "service", "name": name, "status": "started",
                      "duration": round(started.duration, 3)})

        def verify(plan: RunbookPlan) -> None:
            results = RunbookRunner(plan, context).run()
            emit({"event": "runbook", "id": plan.id,
                  "results": [result.to_dict() for result in results]})

        pool = ThreadPoolExecutor(max(1, request["jobs"]))
        try:
            for future in [pool.submit(verify, plan) for plan in plans]:
                future.result()
        except BaseException:
            # Interrupted (or a bug): stop waiting for the other runbooks;
            # killing every child ends the commands they are waiting for.
            pool.shutdown(wait=False, cancel_futures=True)
            reap_children()
            raise
        pool.shutdown()
    finally:
        manager.stop_all()
        reap_children()
        shutil.rmtree(root, ignore_errors=True)
    emit({"event": "done"})


def main() -> None:
    drop_privileges()
    become_subreaper()
    signal.signal(signal.SIGTERM, _interrupted)
    request = json.loads(sys.stdin.read())
    try:
        run(request)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
