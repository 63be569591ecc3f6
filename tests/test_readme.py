"""The README's example and commands are true."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bs4 import BeautifulSoup

from .helpers import build_project, warnings_of

README = Path(__file__).parent.parent / "README.md"


def test_readme_opens_with_the_two_commands() -> None:
    first_block = README.read_text(encoding="utf-8").split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in first_block.splitlines()]
    assert commands == ["python3 noxw.py -s verify-runbooks", "python3 noxw.py -s tests"]
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "\npython3 noxw.py -s tests\n" in ci


def test_readme_example_builds_and_copies_the_command(tmp_path: Path) -> None:
    example = re.search(r"`````md\n(.*?)`````", README.read_text(encoding="utf-8"), re.S)
    assert example is not None
    app = build_project(tmp_path, {"index.md": "# Database\n\n" + example.group(1)})
    assert warnings_of(app) == []
    soup = BeautifulSoup((app.outdir / "index.html").read_text(encoding="utf-8"), "html.parser")
    copy_texts = [block["data-runbook-copy"] for block in soup.select("[data-runbook-copy]")]
    assert copy_texts == ["docker compose ps db", "curl -s http://localhost:8000/health"]


def test_readme_list_example_is_what_the_cli_prints() -> None:
    text = README.read_text(encoding="utf-8")
    prompt = "$ sphinx-runbook list runbooks/ --safety destructive --service lotastro-wms\n"
    shown = text.split(prompt, 1)[1]
    shown_lines = shown.split("$ ", 1)[0].splitlines()
    result = subprocess.run(
        [sys.executable, "-m", "sphinx_runbook.cli", "list", str(README.parent / "runbooks"),
         "--safety", "destructive", "--service", "lotastro-wms"],
        capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == shown_lines
