"""A loopback HTTP stand-in for a service whose endpoints the runbooks call.

It answers the routes of one JSON file, and nothing else (404), so a runbook's
``curl`` is checked against the documented contract of the real endpoint:
the status, the content type and the body its expectations name.

Usage: ``python3 stub.py ROUTES.json``, where the file holds::

    {"port": 18000,
     "routes": [{"method": "GET", "path": "/health", "status": 200,
                 "json": {"status": "healthy"}}]}

A route answers with ``json`` (a JSON document), or ``text``, and optional
``headers``. ``path`` may end with ``*`` to match a prefix. Only the standard
library is used: it runs inside the verification sandbox with any Python 3.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


def _matches(route: dict[str, Any], method: str, path: str) -> bool:
    if route.get("method", "GET").upper() != method:
        return False
    pattern = str(route["path"])
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return path == pattern


def make_handler(routes: list[dict[str, Any]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "runbook-stub"

        def _answer(self) -> None:
            path = urlsplit(self.path).path
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            route = next((r for r in routes if _matches(r, self.command, path)), None)
            if route is None:
                status, body, kind = 404, b'{"detail": "Not Found"}', "application/json"
                headers: dict[str, str] = {}
            else:
                status = int(route.get("status", 200))
                headers = dict(route.get("headers", {}))
                if "json" in route:
                    body, kind = json.dumps(route["json"]).encode(), "application/json"
                else:
                    body, kind = str(route.get("text", "")).encode(), "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", headers.pop("Content-Type", kind))
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        # http.server dispatches on these names.
        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _answer  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            sys.stderr.write(f"{self.command} {self.path} -> {args[1] if len(args) > 1 else ''}\n")

    return Handler


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    server = ThreadingHTTPServer(("127.0.0.1", int(spec["port"])), make_handler(spec["routes"]))
    server.serve_forever()


if __name__ == "__main__":
    main()
