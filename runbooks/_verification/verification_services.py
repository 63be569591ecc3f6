"""The services the runbook site's commands are verified against.

Read by ``conf.py``. Each service is real software started for one
verification run, inside the sandbox, on loopback ports of its own:

- ``postgres``: a throw-away PostgreSQL loaded with ``postgres/*.sql``, the
  fixture schema the runbooks' SQL is written for (one file per runbook);
- ``redis``: a throw-away Redis;
- ``http-<name>``: a stand-in for the HTTP endpoints of one application,
  answering the routes of ``http/<name>.json`` (see ``http/stub.py``).

A service whose programs are missing is not an error: the commands that
require it are skipped, and the coverage summary says which and why.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent

#: Loopback ports, away from the usual ones so a database or cache already
#: running on the machine does not get in the way (the bwrap sandbox has a
#: network of its own anyway).
POSTGRES_PORT = 54329
REDIS_PORT = 63799


def _files(*paths: Path) -> dict[str, str]:
    return {path.name: path.read_text() for path in paths}


def postgres() -> dict[str, Any]:
    fixtures = sorted((HERE / "postgres").glob("*.sql"))
    needs = ["initdb|/usr/lib/postgresql/*/bin/initdb", "psql"]
    install = "apt-get install postgresql postgresql-client"
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root; bubblewrap runs services as an
        # unprivileged user, plain processes would run it as root.
        needs.append("bwrap")
        install += "; a build running as root also needs bubblewrap (apt-get install bubblewrap)"
    return {
        "start": f"PGPORT={POSTGRES_PORT} ./start.sh",
        # No "ready": start.sh returns once the server answers and every fixture
        # is loaded (pg_ctl -w), and a fixture that fails makes it fail.
        "stop": 'pg_ctl -D data -m immediate stop'
                ' || /usr/lib/postgresql/*/bin/pg_ctl -D data -m immediate stop',
        "env": {"DATABASE_URL": f"postgresql://postgres@127.0.0.1:{POSTGRES_PORT}/postgres",
                "PGHOST": "127.0.0.1", "PGPORT": str(POSTGRES_PORT), "PGUSER": "postgres"},
        "needs": needs,
        "install": install,
        "files": _files(HERE / "postgres" / "start.sh", *fixtures),
        "disposable": True,
        "timeout": 60,
    }


def redis() -> dict[str, Any]:
    return {
        "start": f"exec redis-server --bind 127.0.0.1 --port {REDIS_PORT} --save ''"
                 ' --appendonly no --dir "$RUNBOOK_SERVICE_DIR"',
        "ready": f"redis-cli -p {REDIS_PORT} ping | grep -q PONG",
        "env": {"REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0"},
        "needs": ["redis-server", "redis-cli"],
        "install": "apt-get install redis-server",
        "disposable": True,
        "timeout": 30,
    }


def http_stand_ins() -> dict[str, dict[str, Any]]:
    """A service per route file; the runbooks' addresses it stands in for map to it."""
    services: dict[str, dict[str, Any]] = {}
    stub = HERE / "http" / "stub.py"
    for routes in sorted((HERE / "http").glob("*.json")):
        spec = json.loads(routes.read_text())
        port = int(spec["port"])
        services[f"http-{routes.stem}"] = {
            "start": f"exec python3 stub.py {routes.name}",
            "ready": "python3 -c \"import socket; "
                     f"socket.create_connection(('127.0.0.1', {port}))\"",
            "files": _files(stub, routes),
            "needs": ["python3"],
            "disposable": True,
            "timeout": 30,
            "urls": {address: f"http://127.0.0.1:{port}" for address in spec["stands_in_for"]},
        }
    return services


def placeholders() -> dict[str, dict[str, Any]]:
    """What each runbook's reader fills in: ``placeholders/<runbook>.json``, merged."""
    merged: dict[str, dict[str, Any]] = {}
    for path in sorted((HERE / "placeholders").glob("*.json")):
        for name, spec in json.loads(path.read_text()).items():
            if name in merged and merged[name] != spec:
                raise ValueError(f"{path.name}: placeholder {name!r} is declared differently "
                                 "by another runbook")
            merged[name] = spec
    return merged

