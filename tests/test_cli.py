"""The ``sphinx-runbook`` console script, run as a user runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import ROOTS


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sphinx_runbook.cli", *args],
                          capture_output=True, text=True, check=False)


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("sphinx-runbook ")


def test_build_renders_a_site(tmp_path: Path) -> None:
    source = tmp_path / "site"
    shutil.copytree(ROOTS / "test-snapshots-myst", source)
    result = run("build", str(source), str(tmp_path / "out"), "-W")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "step.html").is_file()


def test_build_fails_on_warnings_with_strict(tmp_path: Path) -> None:
    source = tmp_path / "site"
    shutil.copytree(ROOTS / "test-misuse", source)
    result = run("build", str(source), str(tmp_path / "out"), "-W")
    assert result.returncode == 1
    assert "[runbook.unknown-option]" in result.stderr


def test_build_rejects_a_directory_without_conf_py(tmp_path: Path) -> None:
    result = run("build", str(tmp_path))
    assert result.returncode == 2
    assert "has no conf.py" in result.stderr
