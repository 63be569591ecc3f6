"""What the browser tests share: the system Chromium, a loopback server, request records.

Needs Debian's ``chromium`` (``.ci/run`` installs it) and the ``playwright``
package, which drives the system browser (no browser download).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.environ.get("CI"):
    # CI installs the browser; a missing one there is a broken set-up, not a skip.
    raise RuntimeError("CI is set but no chromium is on PATH: .ci/run must install it")
# Importing this module skips the test module that does, when playwright is missing.
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

# Flags for a closed network: no background requests, no sandbox as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CLIPBOARD = ["clipboard-read", "clipboard-write"]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """``directory`` over HTTP on 127.0.0.1; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def record_requests(context: Any) -> list[str]:
    """Every URL the pages of ``context`` ask for, from now on."""
    urls: list[str] = []
    context.on("request", lambda request: urls.append(request.url))
    return urls


def off_site(urls: list[str]) -> list[str]:
    """The URLs that leave the machine: anything but loopback and inline data."""
    return [url for url in urls if not url.startswith(("data:", "blob:", "about:"))
            and urlsplit(url).hostname not in ("127.0.0.1", "localhost")]


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


#: The mark of a module of browser tests: they skip, with the reason, without a browser.
NEEDS_CHROMIUM = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)")

