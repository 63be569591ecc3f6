"""Verification in real Sphinx builds, checked where a user looks.

Each project is built with execution on, and what the tests read is what a
user reads: the rows of ``runbook-report.jsonl`` (status, reason, file and
line), the ``runbook.stale`` warnings at the command's ``file:line``, the exit
status, and the badge under each command on the HTML page.  The commands run
for real: a loopback HTTP server the tests start, services the build starts
(a web server, PostgreSQL), SQLite, a Jupyter kernel.

The big project (``roots/test-verify``) is built once per sandbox backend and
shared by the tests of this module; the bwrap builds skip, with the reason,
where bubblewrap does not work, except on CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from typing import Any, NoReturn

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

from sphinx_runbook.verify import sandbox
from sphinx_runbook.verify.report import JUNIT_FILENAME, REPORT_FILENAME

from .conftest import ROOTS
from .helpers import sphinx_build, strip_colours
from .test_verify_sandbox import require_bwrap

BACKENDS = ("process", "bwrap")
#: In the caller's environment during the builds; commands must not see it.
SECRET = f"s3cret-{uuid.uuid4().hex}"
STALE = ("failed", "timeout")


# --------------------------------------------------------------------------- helpers


def unavailable(reason: str) -> NoReturn:
    """Skip, except on CI: there every verification test must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: this test must run there)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def copy_root(name: str, target: Path, *, tokens: dict[str, str] | None = None,
              conf: dict[str, Any] | None = None) -> Path:
    """A copy of ``roots/test-<name>`` with ``@TOKEN@``s filled in and settings appended."""
    shutil.copytree(ROOTS / f"test-{name}", target)
    for path in target.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        for token, value in (tokens or {}).items():
            text = text.replace(f"@{token}@", value)
        path.write_text(text, encoding="utf-8")
    with (target / "conf.py").open("a", encoding="utf-8") as stream:
        for setting, value in (conf or {}).items():
            stream.write(f"{setting} = {value!r}\n")
    return target


def warning_messages(app: Any) -> list[str]:
    """Whole warnings (a stale command's runs over several lines), colours removed."""
    stream = app.warning if hasattr(app, "warning") else app._warning
    messages: list[str] = []
    for line in strip_colours(stream.getvalue()).splitlines():
        if line.startswith((" ", "\t")) and messages:
            messages[-1] += "\n" + line
        elif line.strip():
            messages.append(line)
    return [message for message in messages if "WARNING" in message or "ERROR" in message]


def status_text(app: Any) -> str:
    stream = app.status if hasattr(app, "status") else app._status
    return strip_colours(stream.getvalue())


def read_report(path: Path) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    by_id = {row["id"]: row for row in rows}
    assert len(by_id) == len(rows), "a command appears twice in the report"
    return by_id


def line_of(path: Path, text: str) -> int:
    """The line (from 1) of the one line of ``path`` holding ``text``."""
    found = [number for number, line in
             enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if text in line]
    assert len(found) == 1, (text, found)
    return found[0]


def processes_with(marker: str) -> list[int]:
    """Pids of processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(entry.name))
    return found


def badges(page: Path) -> dict[str, tuple[str, str]]:
    """First command id of each command block -> (status class, badge text)."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    found = {}
    for block in soup.select("div.runbook-command"):
        badge = block.find("p", class_="runbook-verification", recursive=False)
        if badge is None:
            continue
        classes = [name for name in badge["class"] if name != "runbook-verification"]
        assert len(classes) == 1, classes
        found[str(block["id"])] = (classes[0].removeprefix("runbook-verification-"),
                                   " ".join(badge.get_text().split()))
    return found


@dataclass
class Build:
    app: Any
    srcdir: Path
    backend: str
    #: Unique to this build: names the processes its commands leave.
    marker: str
    rows: dict[str, dict[str, Any]]
    warnings: list[str]
    web_port: int = 0

    @property
    def outdir(self) -> Path:
        return Path(self.app.outdir)

    def row(self, command: str, status: str, reason_code: str = "") -> dict[str, Any]:
        """The report row of a command, checked for its status and reason code."""
        row = self.rows[command]
        assert (row["status"], row["reason_code"]) == (status, reason_code), row
        assert row["backend"] == self.backend
        return row

    def located(self, row: dict[str, Any], file: str, text: str) -> None:
        """The row points at the line of ``file`` where the command ``text`` is."""
        assert row["source"] == file
        assert row["line"] == line_of(self.srcdir / file, text)

    def stale_warning(self, row: dict[str, Any]) -> str:
        """The one ``runbook.stale`` warning of a row, at its file and line."""
        found = [message for message in self.warnings
                 if f"WARNING: stale command {row['id']}:" in message]
        assert len(found) == 1, self.warnings
        message = found[0]
        assert message.startswith(f"{self.srcdir / row['source']}:{row['line']}: WARNING: "
                                  f"stale command {row['id']}: {row['reason']}"), message
        assert message.endswith("[runbook.stale]"), message
        return message


# --------------------------------------------------------------------------- servers


class ApiServer(ThreadingHTTPServer):
    #: The paths it was asked for.
    paths: list[str]


class _Api(BaseHTTPRequestHandler):
    """The API after a release moved /health to /v2/health."""

    server: ApiServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        if self.path == "/v2/health":
            status, body = 200, b'{"status": "ok"}\n'
        else:
            status, body = 404, b'{"error": "not found"}\n'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def api_server() -> Iterator[ApiServer]:
    """A real HTTP server on 127.0.0.1."""
    server = ApiServer(("127.0.0.1", 0), _Api)
    server.paths = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def web_service(port: int) -> dict[str, Any]:
    """A runbook service: Python's HTTP server, started by the build in the sandbox."""
    python = shlex.quote(sys.executable)
    probe = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}/', timeout=1)"
    return {"start": f"exec {python} -m http.server {port} --bind 127.0.0.1",
            "ready": f"{python} -c {shlex.quote(probe)}",
            "env": {"WEB_URL": f"http://127.0.0.1:{port}"}}


# --------------------------------------------------------------------------- the big build


@pytest.fixture(scope="module", params=BACKENDS)
def verified(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             api_server: ApiServer) -> Build:
    """``roots/test-verify`` built once per backend, with a secret in the caller's env."""
    backend: str = request.param
    if backend == "bwrap":
        require_bwrap()
    marker = uuid.uuid4().hex
    web_port = free_port()
    srcdir = copy_root(
        "verify", tmp_path_factory.mktemp(f"verify-{backend}") / "src",
        tokens={"MARKER": marker, "WEB_PORT": str(web_port)},
        conf={
            "runbook_sandbox": backend,
            "runbook_profile": {"urls": {
                "https://api.example.com": f"http://127.0.0.1:{api_server.server_port}"}},
            # May reach the caller's network, so the test's server: bwrap
            # isolates the others (`isolated`).
            "runbook_network": ["api"],
            "runbook_services": {"web": web_service(web_port)},
        })
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RUNBOOK_TEST_SECRET", SECRET)
        app = sphinx_build(srcdir)
    return Build(app, srcdir, backend, marker, read_report(Path(app.outdir) / REPORT_FILENAME),
                 warning_messages(app), web_port)


def test_a_passing_command(verified: Build) -> None:
    row = verified.row("shell.pass.1", "passed")
    verified.located(row, "shell.md", 'echo "hello, runbook"')
    assert (row["reason"], row["exit_status"], row["stdout"].rstrip()) == ("", 0, "hello, runbook")
    assert not [m for m in verified.warnings if "shell.pass.1" in m]


def test_a_wrong_exit_status(verified: Build) -> None:
    row = verified.row("shell.exit.1", "failed", "exit-status")
    verified.located(row, "shell.md", "ls /srv/releases-that-do-not-exist")
    assert row["reason"] == "exit status 2 (expected 0)"
    assert "No such file or directory" in row["stderr"]
    message = verified.stale_warning(row)
    assert "No such file or directory" in message


def test_an_output_mismatch(verified: Build) -> None:
    row = verified.row("shell.mismatch.1", "failed", "output")
    verified.located(row, "shell.md", "printf 'version 1.2")
    assert row["exit_status"] == 0
    assert "output" in row["reason"]
    assert "-version 1.3\n+version 1.2" in row["detail"]
    assert "-version 1.3\n  +version 1.2" in verified.stale_warning(row)


def test_wildcards_match_any_lines_and_any_text(verified: Build) -> None:
    row = verified.row("shell.wildcard.1", "passed")
    verified.located(row, "shell.md", "printf 'starting")
    # What the wildcards stood for was really there.
    assert "loading 2\nlistening on port 8080 (pid 4242)" in row["stdout"]


def test_a_command_after_a_failed_step_is_blocked(verified: Build) -> None:
    row = verified.row("shell.blocked.1", "blocked", "needs")
    verified.located(row, "shell.md", 'echo "deploying"')
    assert row["reason"] == "needs step exit, which failed"
    assert row["exit_status"] is None and row["stdout"] == ""
    assert not [m for m in verified.warnings if "shell.blocked.1" in m]


def test_a_timeout_leaves_no_process_behind(verified: Build) -> None:
    row = verified.row("hang.wait.1", "timeout", "timeout")
    verified.located(row, "shell.md", "setsid bash -c")
    assert row["reason"] == "timed out after 1 s (the process tree was killed)"
    assert 1 <= row["duration"] < 10
    assert row["stdout"].rstrip() == "daemon started"  # so there was one to kill
    verified.stale_warning(row)
    left = processes_with(f"runbook-orphan-{verified.marker}")
    for pid in left:  # do not leave them to the next test run either
        os.kill(pid, 9)
    assert left == [], "the daemon the command started is still running"


def test_a_destructive_command_is_skipped(verified: Build) -> None:
    row = verified.row("cleanup.remove.1", "skipped", "destructive")
    verified.located(row, "shell.md", "rm -rf /var/lib/sphinx-runbook-test-")
    assert row["reason"].startswith("destructive (rm deletes files); set "
                                    "runbook_allow_destructive")
    assert row["exit_status"] is None and row["duration"] == 0


def test_exported_variables_and_directory_carry_over(verified: Build) -> None:
    verified.row("state.prepare.1", "passed")
    row = verified.row("state.use.1", "passed")
    verified.located(row, "shell.md", 'echo "$APP_ENV in')
    assert row["stdout"].rstrip() == "staging in releases/v2"
    assert row["cwd"].endswith("/releases/v2")


def test_python_variables_carry_over_between_blocks(verified: Build) -> None:
    verified.row("python.load.1", "passed")
    row = verified.row("python.report.1", "passed")
    verified.located(row, "python.md", 'print(f"{len(orders)} orders')
    assert row["stdout"].rstrip() == "2 orders, 42 in total"


def test_the_callers_secret_is_invisible(verified: Build) -> None:
    assert os.environ.get("RUNBOOK_TEST_SECRET") != SECRET  # only during the build
    for command in ("secret.shell.1", "secret.python.1", "secret.python.2"):
        row = verified.row(command, "passed")
        assert SECRET not in json.dumps(row)
    assert verified.rows["secret.shell.1"]["stdout"].rstrip() == "absent"
    assert verified.rows["secret.python.2"]["stdout"].rstrip() == "absent"


def test_a_moved_http_endpoint(verified: Build, api_server: ApiServer) -> None:
    # The test's own server answered (the address was mapped by runbook_profile).
    assert {"/v2/health", "/health", "/status"} <= set(api_server.paths)
    row = verified.row("api.health.1", "passed")
    assert (row["http_status"], row["stdout"].rstrip()) == (200, '{"status": "ok"}')

    row = verified.row("api.moved.1", "failed", "http-status")
    verified.located(row, "http.md", "curl -s https://api.example.com/health")
    assert row["reason"] == "HTTP status 404"
    assert row["http_status"] == 404
    # The output differs too: said after the first reason.
    assert "also: output differs" in row["detail"]
    verified.stale_warning(row)

    row = verified.row("api.status.1", "failed", "http-status")
    verified.located(row, "http.md", "GET https://api.example.com/status HTTP/1.1")
    assert row["reason"] == "HTTP status 404 (expected 200)"
    verified.stale_warning(row)


def test_a_plain_curl_call_needs_no_curl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        api_server: ApiServer) -> None:
    """It is sent with httpx, so a machine without curl still verifies it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "bash").symlink_to(shutil.which("bash") or "/bin/bash")
    srcdir = copy_root("verify", tmp_path / "src", tokens={"MARKER": "x", "WEB_PORT": "1"}, conf={
        "runbook_sandbox": "process", "runbook_only": ["api"],
        "runbook_profile": {"urls": {
            "https://api.example.com": f"http://127.0.0.1:{api_server.server_port}"}}})
    monkeypatch.setenv("PATH", str(bin_dir))
    app = sphinx_build(srcdir, "runbook")
    rows = read_report(Path(app.outdir) / REPORT_FILENAME)
    assert {row_id: (row["status"], row["reason_code"]) for row_id, row in rows.items()} == {
        "api.health.1": ("passed", ""), "api.moved.1": ("failed", "http-status"),
        "api.status.1": ("failed", "http-status")}


def test_the_network_beyond_the_sandbox(verified: Build) -> None:
    """The same request from a runbook not in runbook_network: bwrap keeps it in."""
    if verified.backend == "process":
        verified.row("isolated.health.1", "passed")
        return
    row = verified.row("isolated.health.1", "failed", "error")
    verified.located(row, "http.md", "curl -sS https://api.example.com/v2/health")
    assert "refused" in row["reason"].lower(), row["reason"]
    verified.stale_warning(row)


def test_an_http_endpoint_of_a_service(verified: Build) -> None:
    # The service runs in the sandbox, beside the commands.
    row = verified.row("web.root.1", "passed")
    assert row["stdout"].rstrip() == "200"
    # Its variables reach the commands, even where a ${NAME:-default} would hide them.
    row = verified.row("web.address.1", "passed")
    assert row["stdout"].split() == [f"http://127.0.0.1:{verified.web_port}"] * 2
    row = verified.row("web.report.1", "failed", "http-status")
    verified.located(row, "http.md", "GET /missing HTTP/1.1")
    assert "404" in row["reason"]
    assert row["http_status"] == 404
    verified.stale_warning(row)
    assert "runbook: service web started in" in status_text(verified.app)
    assert not [m for m in verified.warnings if "[runbook.service]" in m]


def test_a_missing_sqlite_column(verified: Build) -> None:
    verified.row("sqlite.create.1", "passed")
    row = verified.row("sqlite.count.1", "passed")
    assert row["stdout"].rstrip() == "2|42"
    row = verified.row("sqlite.missing.1", "failed", "exit-status")
    verified.located(row, "sql.md", "SELECT missing_column FROM orders;")
    assert row["reason"] == "exit status 1 (expected 0)"
    assert "no such column: missing_column" in row["stderr"]
    assert "no such column: missing_column" in verified.stale_warning(row)


def test_every_stale_command_warns_and_only_those(verified: Build) -> None:
    stale = sorted(row["id"] for row in verified.rows.values() if row["status"] in STALE)
    expected = ["api.moved.1", "api.status.1", "hang.wait.1", "shell.exit.1",
                "shell.mismatch.1", "sqlite.missing.1", "web.report.1"]
    if verified.backend == "bwrap":
        expected.append("isolated.health.1")
    assert stale == sorted(expected)
    warned = sorted(message.split("WARNING: stale command ")[1].split(":")[0]
                    for message in verified.warnings if "[runbook.stale]" in message)
    assert warned == stale
    # Nothing else went wrong in the build.
    assert [m for m in verified.warnings if "[runbook.stale]" not in m] == []


def test_the_build_fails_and_says_why(verified: Build) -> None:
    assert verified.app.statuscode == 1
    count = sum(row["status"] in STALE for row in verified.rows.values())
    assert (f"runbook: {count} command(s) failed/timeout (runbook_fail_on): exit status 1"
            in status_text(verified.app))


def test_the_junit_report_counts_the_same(verified: Build) -> None:
    root = ET.parse(verified.outdir / JUNIT_FILENAME).getroot()
    assert int(root.get("tests", "")) == len(verified.rows)
    assert int(root.get("failures", "")) == sum(
        row["status"] in STALE for row in verified.rows.values())


def test_the_page_shows_each_commands_result(verified: Build) -> None:
    shell = badges(verified.outdir / "shell.html")
    status, text = shell["shell.pass.1"]
    assert status == "passed" and text.startswith("✓ Verified ")
    status, text = shell["shell.exit.1"]
    assert status == "failed"
    assert text.startswith("✗ Stale ") and text.endswith(" exit status 2 (expected 0)")
    assert shell["shell.mismatch.1"][0] == "failed"
    assert shell["shell.wildcard.1"][0] == "passed"
    assert shell["shell.blocked.1"][0] == "blocked"
    assert shell["hang.wait.1"][0] == "timeout"
    status, text = shell["cleanup.remove.1"]
    assert status == "skipped" and "destructive (rm deletes files)" in text
    assert badges(verified.outdir / "sql.html")["sqlite.missing.1"][0] == "failed"
    http = badges(verified.outdir / "http.html")
    assert (http["web.root.1"][0], http["web.report.1"][0]) == ("passed", "failed")
    # A badge under every block: a block's first command names it.
    pages = ("shell", "python", "http", "sql")
    shown = {block for page in pages for block in badges(verified.outdir / f"{page}.html")}
    assert shown == set(verified.rows) - {"secret.python.2"}


# --------------------------------------------------------------------------- other settings


@pytest.fixture(scope="module", params=BACKENDS)
def configured(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Part of the same project, with the secret passed through and destruction allowed."""
    backend: str = request.param
    if backend == "bwrap":
        require_bwrap()
    marker = uuid.uuid4().hex
    srcdir = copy_root(
        "verify", tmp_path_factory.mktemp(f"configured-{backend}") / "src",
        tokens={"MARKER": marker, "WEB_PORT": "1"},
        conf={"runbook_sandbox": backend, "runbook_only": ["secret", "cleanup"],
              "runbook_env": ["RUNBOOK_TEST_SECRET"], "runbook_allow_destructive": True})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RUNBOOK_TEST_SECRET", SECRET)
        app = sphinx_build(srcdir, "runbook")
    return Build(app, srcdir, backend, marker, read_report(Path(app.outdir) / REPORT_FILENAME),
                 warning_messages(app))


def test_runbook_env_lets_a_variable_through(configured: Build) -> None:
    row = configured.row("secret.shell.1", "failed", "output")
    assert row["stdout"].rstrip() == SECRET
    row = configured.row("secret.python.2", "failed", "output")
    assert row["stdout"].rstrip() == SECRET
    configured.stale_warning(row)
    # runbook_only: nothing else ran.
    assert {row["runbook"] for row in configured.rows.values()} == {"secret", "cleanup"}


def test_runbook_allow_destructive_runs_it(configured: Build) -> None:
    row = configured.row("cleanup.remove.1", "passed")
    assert (row["exit_status"], row["stdout"].rstrip()) == (0, "removed")


# --------------------------------------------------------------------------- PostgreSQL


def postgres_programs() -> Path:
    """The directory of initdb, pg_ctl, postgres, pg_isready and psql, or skip."""
    needed = ("initdb", "pg_ctl", "postgres", "pg_isready", "psql")
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True,
                         key=lambda path: [int(p) for p in path.parent.name.split(".")
                                           if p.isdigit()])
    for directory in candidates:
        if all((directory / program).is_file() for program in needed):
            return directory
    unavailable("PostgreSQL is not installed: no directory with "
                f"{', '.join(needed)} on PATH or in /usr/lib/postgresql/*/bin")


def postgres_backend() -> str:
    backend = sandbox.choose("auto")
    if backend.name == "bwrap":
        return "bwrap"  # as root, bwrap runs it as uid 65534, which initdb accepts
    if os.geteuid() != 0:
        return "process"
    unavailable("PostgreSQL refuses to run as root, and bubblewrap, which would run it as "
                f"uid {sandbox.UNPRIVILEGED}, does not work here: {backend.reason}")


def postgres_service(programs: Path, port: int) -> dict[str, Any]:
    directory = shlex.quote(str(programs))
    return {
        "start": (
            f"export PATH={directory}:\"$PATH\"\n"
            'initdb --username=postgres --auth=trust --no-sync -D "$RUNBOOK_SERVICE_DIR/data"'
            ' > "$RUNBOOK_SERVICE_DIR/initdb.log" 2>&1 '
            '|| { cat "$RUNBOOK_SERVICE_DIR/initdb.log"; exit 1; }\n'
            'pg_ctl -D "$RUNBOOK_SERVICE_DIR/data" -l "$RUNBOOK_SERVICE_DIR/postgres.log" '
            f'-o "-F -k $RUNBOOK_SERVICE_DIR -c listen_addresses=127.0.0.1 -p {port}" start'),
        "ready": f"{directory}/pg_isready -q -h 127.0.0.1 -p {port}",
        "stop": f'{directory}/pg_ctl -D "$RUNBOOK_SERVICE_DIR/data" stop -m fast',
        "env": {"DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port}/postgres"},
        "timeout": 60,
    }


def test_a_missing_postgresql_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    programs = postgres_programs()
    backend = postgres_backend()
    port = free_port()
    srcdir = copy_root("verify-postgres", tmp_path / "src", conf={
        "runbook_sandbox": backend,
        "runbook_services": {"postgres": postgres_service(programs, port)}})
    # psql for the SQL blocks, wherever PostgreSQL is installed.
    monkeypatch.setenv("PATH", f"{programs}{os.pathsep}{os.environ.get('PATH', '')}")
    app = sphinx_build(srcdir, "runbook")
    build = Build(app, srcdir, backend, "", read_report(Path(app.outdir) / REPORT_FILENAME),
                  warning_messages(app))
    assert "runbook: service postgres started in" in status_text(app), build.warnings

    build.row("postgres.create.1", "passed")
    row = build.row("postgres.missing.1", "failed", "exit-status")
    build.located(row, "index.md", "SELECT missing_column FROM orders;")
    assert row["reason"] == "exit status 3 (expected 0)"  # psql's ON_ERROR_STOP
    assert 'column "missing_column" does not exist' in row["stderr"]
    assert 'column "missing_column" does not exist' in build.stale_warning(row)
    assert app.statuscode == 1
    # The build stopped the server it started.
    assert processes_with(f"listen_addresses=127.0.0.1 -p {port}") == []


# --------------------------------------------------------------------------- sandbox missing


def test_bwrap_asked_for_but_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for program in ("bash", "echo", "test"):
        found = shutil.which(program)
        assert found is not None
        (bin_dir / program).symlink_to(found)
    srcdir = copy_root("verify-cli", tmp_path / "src", conf={
        "runbook_execute": "force", "runbook_sandbox": "bwrap", "runbook_only": ["deploy"]})
    monkeypatch.setenv("PATH", str(bin_dir))
    sandbox._probe_bwrap.cache_clear()
    try:
        app = sphinx_build(srcdir, "runbook")
    finally:
        sandbox._probe_bwrap.cache_clear()
    assert warning_messages(app) == [
        "WARNING: verification did not run: runbook_sandbox is 'bwrap' but bubblewrap (bwrap) "
        "is not installed [runbook.sandbox]"]
    # Nothing ran, so there is no report to mistake for a clean one.
    assert not (Path(app.outdir) / REPORT_FILENAME).exists()


# --------------------------------------------------------------------------- cache


def test_the_cache_reruns_only_what_changed(tmp_path: Path) -> None:
    counter = tmp_path / "runs.txt"
    srcdir = copy_root("verify-cache", tmp_path / "src", tokens={"COUNTER": str(counter)})

    def build() -> tuple[dict[str, dict[str, Any]], list[str], str]:
        app = sphinx_build(srcdir, "runbook")
        assert warning_messages(app) == []
        runs = counter.read_text().split() if counter.exists() else []
        counter.unlink(missing_ok=True)
        return read_report(Path(app.outdir) / REPORT_FILENAME), runs, status_text(app)

    first, runs, _ = build()
    assert sorted(runs) == ["cache-one", "cache-two"]
    assert all(row["status"] == "passed" and not row["cached"] for row in first.values())

    second, runs, log = build()
    assert runs == []
    assert set(second) == set(first)
    assert all(row["cached"] for row in second.values())
    # The results are the first run's, not new ones.
    assert [row["timestamp"] for row in second.values()] == [
        row["timestamp"] for row in first.values()]
    assert "cache-two: 2 passed (cached)" in log

    one = srcdir / "one.md"
    one.write_text(one.read_text().replace("hello from one", "hello again from one"))
    stat = one.stat()
    os.utime(one, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5 * 10**9))
    third, runs, _ = build()
    assert runs == ["cache-one"]
    assert {row_id: row["cached"] for row_id, row in third.items()} == {
        "cache-one.count.1": False, "cache-one.greet.1": False,
        "cache-two.count.1": True, "cache-two.greet.1": True}
    assert third["cache-one.greet.1"]["stdout"].rstrip() == "hello again from one"


# --------------------------------------------------------------------------- command lines


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def command_lines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``sphinx-runbook verify`` and ``sphinx-build`` as users run them, run at once."""
    base = tmp_path_factory.mktemp("cli")
    source = copy_root("verify-cli", base / "src")
    lenient = copy_root("verify-cli", base / "lenient",
                        conf={"runbook_execute": "force", "runbook_fail_on": []})
    strict = copy_root("verify-cli", base / "strict", conf={"runbook_execute": "force"})
    empty = base / "empty"
    empty.mkdir()
    verify = [sys.executable, "-m", "sphinx_runbook.cli", "verify"]
    build = [sys.executable, "-m", "sphinx", "-b", "runbook"]
    out = base / "out"
    commands = {
        "full": [*verify, str(source), "-b", "runbook", "-o", str(out / "full"),
                 "--report", str(base / "full.jsonl")],
        "shard1": [*verify, str(source), "-b", "runbook", "-o", str(out / "shard1"),
                   "--shard", "1/2", "--report", str(base / "shard1.jsonl")],
        "shard2": [*verify, str(source), "-b", "runbook", "-o", str(out / "shard2"),
                   "--shard", "2/2", "--report", str(base / "shard2.jsonl")],
        "no-conf": [*verify, str(empty)],
        "bad-shard": [*verify, str(source), "--shard", "3/2"],
        "sphinx-build": [*build, str(strict), str(out / "strict")],
        "sphinx-build-lenient": [*build, str(lenient), str(out / "lenient")],
    }
    started = {name: subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True) for name, command in commands.items()}
    runs = {}
    for name, process in started.items():
        stdout, stderr = process.communicate(timeout=300)
        runs[name] = Run(process.returncode, stdout, strip_colours(stderr))
    merged = base / "merged.jsonl"
    merge = subprocess.run(
        [sys.executable, "-m", "sphinx_runbook.cli", "report", "merge",
         str(base / "shard1.jsonl"), str(base / "shard2.jsonl"), "-o", str(merged)],
        capture_output=True, text=True, check=False)
    runs["merge"] = Run(merge.returncode, merge.stdout, merge.stderr)
    return {"runs": runs, "base": base, "source": source, "strict": strict}


def test_verify_exits_1_for_a_stale_command(command_lines: dict[str, Any]) -> None:
    run = command_lines["runs"]["full"]
    assert run.returncode == 1, run.stderr
    source = command_lines["source"]
    line = line_of(source / "index.md", "test -f /srv/backups-that-do-not-exist")
    assert (f"{source / 'index.md'}:{line}: WARNING: stale command restore.run.1: exit status 1 "
            "(expected 0)") in run.stderr
    rows = read_report(command_lines["base"] / "full.jsonl")
    assert {row_id: row["status"] for row_id, row in rows.items()} == {
        "deploy.run.1": "passed", "backup.run.1": "passed", "restore.run.1": "failed",
        "health.run.1": "passed"}


def test_verify_exits_0_when_nothing_is_stale(command_lines: dict[str, Any]) -> None:
    # The first shard holds only runbooks that pass.
    run = command_lines["runs"]["shard1"]
    assert run.returncode == 0, run.stderr
    assert "[runbook.stale]" not in run.stderr
    rows = read_report(command_lines["base"] / "shard1.jsonl")
    assert rows and all(row["status"] == "passed" for row in rows.values())


def test_verify_exits_2_on_bad_input(command_lines: dict[str, Any]) -> None:
    runs = command_lines["runs"]
    assert runs["no-conf"].returncode == 2
    assert "sphinx-runbook verify: " in runs["no-conf"].stderr
    assert "has no conf.py" in runs["no-conf"].stderr
    assert runs["bad-shard"].returncode == 2
    assert "'3/2' is not K/N with 1 <= K <= N" in runs["bad-shard"].stderr


def test_shard_reports_merge_into_the_full_one(command_lines: dict[str, Any]) -> None:
    base = command_lines["base"]
    shards = [read_report(base / f"shard{k}.jsonl") for k in (1, 2)]
    assert all(shards), "a shard verified nothing: the test proves nothing"
    assert not set(shards[0]) & set(shards[1])
    runs = command_lines["runs"]
    # Shard 2 holds the stale runbook.
    assert runs["shard2"].returncode == 1
    assert runs["merge"].returncode == 1, runs["merge"].stderr
    merged = read_report(base / "merged.jsonl")
    full = read_report(base / "full.jsonl")
    assert set(merged) == set(full)
    assert {k: v["status"] for k, v in merged.items()} == {k: v["status"] for k, v in full.items()}


def test_sphinx_build_exits_1_without_w(command_lines: dict[str, Any]) -> None:
    run = command_lines["runs"]["sphinx-build"]
    assert run.returncode == 1, run.stderr
    assert "[runbook.stale]" in run.stderr


def test_sphinx_build_exits_0_when_fail_on_is_empty(command_lines: dict[str, Any]) -> None:
    run = command_lines["runs"]["sphinx-build-lenient"]
    assert run.returncode == 0, run.stderr
    # Still verified and still warned: only the exit status changed.
    assert "[runbook.stale]" in run.stderr


# --------------------------------------------------------------------------- GitHub Actions


def test_github_actions_gets_an_annotation_per_stale_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "conf.py").write_text(
        'extensions = ["myst_parser", "sphinx_runbook"]\n'
        'runbook_execute = "force"\nrunbook_sandbox = "process"\n', encoding="utf-8")
    (tmp_path / "index.md").write_text(
        "# CI\n\n::::{runbook} CI\n:id: ci\n\n:::{step} Fails\n```bash\nexit 3\n```\n:::\n\n"
        ":::{step} Passes\n```bash\ntrue\n```\n:::\n::::\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.chdir(tmp_path)
    app = SphinxTestApp("runbook", srcdir=tmp_path, status=StringIO(), warning=StringIO())
    try:
        app.build()
    finally:
        app.cleanup()
    annotations = [line for line in capsys.readouterr().out.splitlines()
                   if line.startswith("::")]
    # One, for the stale command, at its line, with a path GitHub can attach.
    assert len(annotations) == 1, annotations
    assert annotations[0].startswith("::error file=index.md,line=8,title=")
    assert "exit status 3 (expected 0)" in annotations[0]
    assert app.statuscode == 1
