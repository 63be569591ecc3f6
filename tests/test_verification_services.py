"""Services: what a service needs, the files it starts with, the addresses it stands in for.

Real builds with the ``process`` backend (no bubblewrap needed): the services
are real processes the build starts, and the commands talk to them.
"""

from __future__ import annotations

import json
import shlex
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sphinx_runbook.verify.report import REPORT_FILENAME
from sphinx_runbook.verify.settings import Service

from .helpers import build_project, warnings_of

PYTHON = shlex.quote(sys.executable)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def conf(services: dict[str, Any]) -> str:
    return ('extensions = ["myst_parser", "sphinx_runbook"]\n'
            "show_warning_types = True\n"
            'runbook_execute = "force"\nrunbook_sandbox = "process"\n'
            f"runbook_services = {services!r}\n")


def report(app: Any) -> dict[str, dict[str, Any]]:
    lines = (Path(app.outdir) / REPORT_FILENAME).read_text().splitlines()
    return {row["id"]: row for row in map(json.loads, lines)}


def step(requires: str, code: str, output: str = "") -> str:
    expected = f"```\n{output}\n```\n" if output else ""
    return f":::{{step}} Run\n:requires: {requires}\n```bash\n{code}\n```\n{expected}:::\n"


def runbook(ident: str, body: str) -> str:
    return f"# {ident}\n\n::::{{runbook}} {ident}\n:id: {ident}\n\n{body}::::\n"


def stand_in(port: int, answer: str) -> dict[str, Any]:
    """An HTTP server in its service directory, serving one file, standing in for a site."""
    probe = f"import socket; socket.create_connection(('127.0.0.1', {port}))"
    return {"start": f"exec {PYTHON} -m http.server {port} --bind 127.0.0.1",
            "ready": f"{PYTHON} -c {shlex.quote(probe)}",
            "files": {"status.txt": answer},
            "urls": {"https://shop.example.com": f"http://127.0.0.1:{port}"}}


def test_a_service_whose_program_is_missing_skips_its_commands_with_the_reason(
        tmp_path: Path) -> None:
    app = build_project(tmp_path, {"index.md": runbook("cache", step("cache", "echo hi"))},
                        conf=conf({"cache": {
                            "start": "exec no-such-server-7c1",
                            "needs": ["no-such-server-7c1|/opt/no-such-*/bin/server"],
                            "install": "apt-get install no-such-server"}}))
    row = report(app)["cache.run.1"]
    assert row["status"] == "skipped"
    assert row["reason_code"] == "missing-service"
    assert row["reason"] == ("service cache needs no-such-server-7c1, which is not installed "
                             "here (apt-get install no-such-server)")
    # Not started, so no failure to start: nothing for a -W build to fail on.
    assert warnings_of(app) == []
    assert app.statuscode == 0


def test_a_need_met_by_an_absolute_path_glob(tmp_path: Path) -> None:
    shell = Path(sys.executable)
    pattern = str(shell.parent / "python3*")
    app = build_project(tmp_path, {"index.md": runbook("glob", step("svc", "echo ran", "ran"))},
                        conf=conf({"svc": {"start": "true", "needs": [f"missing-xyz|{pattern}"]}}))
    assert report(app)["glob.run.1"]["status"] == "passed"


def test_files_are_written_into_the_service_directory_before_it_starts(tmp_path: Path) -> None:
    script = "#!/bin/sh\necho \"greeting from $1\" > greeting.txt\n"
    app = build_project(
        tmp_path,
        {"index.md": runbook("files", step("greeter", 'cat "$GREETING_FILE"',
                                            "greeting from the service"))},
        conf=conf({"greeter": {
            "start": "./greet.sh 'the service'",
            "files": {"greet.sh": script},
            "env": {"GREETING_FILE": "$RUNBOOK_SERVICE_DIR/greeting.txt"}}}))
    assert report(app)["files.run.1"]["status"] == "passed", warnings_of(app)


def test_two_stand_ins_for_one_address_each_serve_the_runbook_that_requires_it(
        tmp_path: Path) -> None:
    first, second = free_port(), free_port()
    call = "curl -s https://shop.example.com/status.txt"
    app = build_project(
        tmp_path,
        {"index.md": "# Shops\n\n```{toctree}\nold\nnew\n```\n",
         "old.md": runbook("old-shop", step("old", call, "v1")),
         "new.md": runbook("new-shop", step("new", call, "v2"))},
        conf=conf({"old": stand_in(first, "v1"), "new": stand_in(second, "v2")}))
    rows = report(app)
    assert rows["old-shop.run.1"]["status"] == "passed", rows["old-shop.run.1"]
    assert rows["new-shop.run.1"]["status"] == "passed", rows["new-shop.run.1"]
    assert rows["new-shop.run.1"]["stdout"] == "v2"


@pytest.mark.parametrize(("spec", "message"), [
    ({"needs": "initdb"}, "'needs' must be a list of program names"),
    ({"needs": [""]}, "'needs' must be a list of program names"),
    ({"install": 3}, "'install' must be a string"),
    ({"files": {"../escape.sh": "x"}}, "'files' must map plain file names to text"),
    ({"files": {"run.sh": b"x"}}, "'files' must map plain file names to text"),
    ({"urls": {"https://a.example": 8080}}, "'urls' must map base URLs to base URLs"),
])
def test_bad_service_settings_are_refused_with_the_reason(spec: dict[str, Any],
                                                          message: str) -> None:
    with pytest.raises(ValueError, match=rf"service 'db': {message}"):
        Service.from_config("db", {"start": "true", **spec})


def test_a_bad_service_setting_is_a_located_config_warning(tmp_path: Path) -> None:
    app = build_project(tmp_path, {"index.md": runbook("bad", step("db", "true"))},
                        conf=conf({"db": {"start": "true", "needs": "initdb"}}))
    assert any("'needs' must be a list of program names" in line and "[runbook.config]" in line
               for line in warnings_of(app)), warnings_of(app)


def test_verify_only_accepts_a_runbook_with_nothing_to_run(tmp_path: Path) -> None:
    """Manual steps only: no report rows, but the runbook exists; a typo does not."""
    (tmp_path / "conf.py").write_text('extensions = ["myst_parser", "sphinx_runbook"]\n'
                                      'runbook_sandbox = "process"\n')
    (tmp_path / "index.md").write_text(
        runbook("dashboards", ":::{step} Look at the dashboard\n:manual:\n\nOpen it.\n:::\n")
        + runbook("disk", step("", "df -h /").replace(":requires: \n", "")))
    verify = [sys.executable, "-m", "sphinx_runbook.cli", "verify", str(tmp_path),
              "-b", "runbook", "-o", str(tmp_path / "out")]
    known = subprocess.run([*verify, "--only", "dashboards"], capture_output=True, text=True,
                           check=False)
    assert known.returncode == 0, known.stderr
    # Repeated, --only adds up: the typo among good ids is still found.
    typo = subprocess.run([*verify, "--only", "dashboards", "--only", "dashbaords", "disk"],
                          capture_output=True, text=True, check=False)
    assert typo.returncode == 2
    assert "--only: no runbook or command dashbaords" in typo.stderr
