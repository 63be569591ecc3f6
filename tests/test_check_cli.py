"""``sphinx-runbook check`` on a repository whose runbook went stale, as a user runs it.

The tree has a renamed script, a removed make target, a long option the
installed ``grep`` does not have (checked against its real ``--help``) and a
``docker-compose`` command; the check must report exactly those four, each at
its ``file:line``, and exit 1.  The same runbook, fixed, passes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import strip_colours

RUNBOOK = """\
# Deploy

::::{runbook} Deploy
:id: deploy

:::{step} Roll back the release
```bash
./scripts/rollback.sh --dry-run
```
:::

:::{step} Build and deploy
```bash
make build
make deploy
```
:::

:::{step} Find errors in the log
```bash
grep --count --no-such-flag ERROR logs.txt
```
:::

:::{step} Start the stack
:requires: docker-compose
```bash
docker-compose up -d
```
:::
::::
"""

FIXED = {
    "./scripts/rollback.sh": "./scripts/roll-back.sh",
    "make deploy": "make release",
    "--no-such-flag ": "",
    ":requires: docker-compose\n": "",
    "docker-compose up -d": "echo docker compose up -d",
}


def _tree(tmp_path: Path, runbook: str) -> Path:
    (tmp_path / "scripts").mkdir()
    script = tmp_path / "scripts" / "roll-back.sh"
    script.write_text("#!/bin/sh\necho rolled back\n", encoding="utf-8")
    script.chmod(0o755)
    (tmp_path / "Makefile").write_text("build:\n\ttrue\n\nrelease: build\n\ttrue\n",
                                       encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "conf.py").write_text(
        'extensions = ["myst_parser", "sphinx_runbook"]\n'
        'runbook_project_root = ".."\nrunbook_sandbox = "process"\n'
        # Sphinx 7 does not show warning types unless asked.
        'show_warning_types = True\n', encoding="utf-8")
    (docs / "index.md").write_text(runbook, encoding="utf-8")
    return docs


def _check(docs: Path) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).with_name("sphinx-runbook")
    command = [str(executable)] if executable.exists() else [
        sys.executable, "-m", "sphinx_runbook.cli"]
    return subprocess.run([*command, "check", str(docs), "-q"], capture_output=True,
                          text=True, cwd=docs.parent, timeout=300,
                          env={**os.environ, "NO_COLOR": "1"})


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.skipif(shutil.which("grep") is None, reason="needs grep installed")
def test_check_reports_exactly_the_stale_commands(tmp_path: Path) -> None:
    docs = _tree(tmp_path, RUNBOOK)
    result = _check(docs)
    output = strip_colours(result.stderr + result.stdout)
    findings = sorted(set(re.findall(r"index\.md:(\d+): WARNING: .*\[runbook\.check\.([a-z-]+)\]",
                                     output)))
    expected = sorted({
        (str(_line_of(RUNBOOK, "./scripts/rollback.sh")), "dangling-reference"),
        (str(_line_of(RUNBOOK, "make build")), "dangling-reference"),
        (str(_line_of(RUNBOOK, "grep --count")), "flag-drift"),
        (str(_line_of(RUNBOOK, "docker-compose up")), "deprecated"),
    })
    assert findings == expected, output
    assert "rollback.sh" in output and "roll-back.sh" in output  # with the hint
    assert 'make target "deploy"' in output
    assert "--no-such-flag" in output
    assert result.returncode == 1, output


def test_the_fixed_runbook_passes(tmp_path: Path) -> None:
    runbook = RUNBOOK
    for old, new in FIXED.items():
        runbook = runbook.replace(old, new)
    result = _check(_tree(tmp_path, runbook))
    output = strip_colours(result.stderr + result.stdout)
    assert "WARNING" not in output, output
    assert result.returncode == 0, output


def test_bad_input_exits_2(tmp_path: Path) -> None:
    result = _check(tmp_path / "nowhere")
    assert result.returncode == 2
    assert "conf.py" in result.stderr
