"""Processes and shell sessions, with real bash: caps, limits, state, what is left behind."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sphinx_runbook.verify.process import run_process
from sphinx_runbook.verify.shell import Limits, ShellSession


def _alive(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes().replace(b"\0", b" "):
                    status = (entry / "stat").read_text().split()[2]
                    if status != "Z":
                        found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture
def session(tmp_path: Path) -> ShellSession:
    for part in ("work", "state"):
        (tmp_path / part).mkdir()
    return ShellSession(session=f"t{os.getpid()}", workdir=tmp_path / "work",
                        statedir=tmp_path / "state",
                        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
                        limits=Limits(), output_cap=1000)


def test_output_beyond_the_cap_is_counted_and_noted(tmp_path: Path) -> None:
    outcome = run_process(["bash", "-c", "head -c 5000 /dev/zero | tr '\\0' x"],
                          env={"PATH": os.environ["PATH"]}, cwd=str(tmp_path), timeout=10,
                          token="cap", capture=tmp_path / "c", output_cap=1000)
    assert outcome.stdout.startswith("x" * 1000)
    assert outcome.stdout_dropped == 4000
    assert "[output cut after 1000 bytes: 4000 more bytes not kept]" in outcome.stdout


def test_stdin_is_closed_and_there_is_no_terminal(tmp_path: Path) -> None:
    outcome = run_process(["bash", "-c", "cat; tty; echo done"],
                          env={"PATH": os.environ["PATH"]}, cwd=str(tmp_path), timeout=10,
                          token="stdin", capture=tmp_path / "c")
    assert outcome.stdout.splitlines() == ["not a tty", "done"]


def test_a_background_server_outlives_its_command_not_the_session(
        session: ShellSession, tmp_path: Path) -> None:
    marker = f"sleep 3{os.getpid() % 1000:03d}"
    started = session.run(f"{marker} & echo started", timeout=10)
    assert started.exit_status == 0 and started.stdout == "started\n"
    # The next command still sees it, as a reader's terminal would.
    assert _alive(marker)
    session.close()
    time.sleep(0.05)
    assert not _alive(marker)


def test_exported_state_functions_and_directory_carry_over(session: ShellSession) -> None:
    session.run("export ORDER=42; mkdir -p sub && cd sub; greet() { echo hi $1; }",
                timeout=10)
    outcome = session.run('greet "$ORDER"; basename "$PWD"', timeout=10)
    assert outcome.stdout == "hi 42\nsub\n"


def test_step_env_applies_to_its_step_only(session: ShellSession) -> None:
    session.run("export MODE=normal", timeout=10)
    during = session.run("echo $MODE", timeout=10, step_env={"MODE": "it's special"})
    after = session.run("echo $MODE", timeout=10)
    assert (during.stdout, after.stdout) == ("it's special\n", "normal\n")


def test_a_cwd_that_does_not_exist_fails_the_command(session: ShellSession) -> None:
    outcome = session.run("echo never", timeout=10, cwd="missing/dir")
    assert outcome.exit_status == 1
    assert "missing/dir" in outcome.stderr and "never" not in outcome.stdout


def test_limits_apply_to_every_command(tmp_path: Path) -> None:
    for part in ("work", "state"):
        (tmp_path / part).mkdir()
    limited = ShellSession(session="limits", workdir=tmp_path / "work",
                           statedir=tmp_path / "state", env={"PATH": os.environ["PATH"]},
                           limits=Limits(file_size_bytes=4096, open_files=64),
                           output_cap=10_000)
    outcome = limited.run("ulimit -n; head -c 100000 /dev/zero > big; stat -c %s big",
                          timeout=10)
    lines = outcome.stdout.split()
    assert lines[0] == "64"
    assert int(lines[-1]) <= 4096
