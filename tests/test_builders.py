"""Every builder renders runbooks readably: no crash, no warning, no lost text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .helpers import warnings_of

# Text every output must keep (titles, labels, commands, expected output, marks).
MUST_SHOW = [
    "Database connection errors",
    "Symptom",
    "The API fails with a database error",
    "Cause",
    "DATABASE_URL is not set",
    "Check the database address",
    "docker compose ps",
    "db        Up 2 hours",
    "sudo systemctl restart postgresql",
    "DROP DATABASE workflow_db;",
    "destructive",
    "Destructive:",
    "Verify",
    "The service answers",
    "Addresses:",
    "Requires:",
    "workflow-service",
    "WorkflowDatabaseDown",
]


_TEX_ESCAPES = {
    r"\sphinxhyphen{}": "-", r"\PYGZhy{}": "-", r"\PYGZdl{}": "$", r"\PYGZus{}": "_",
    r"\PYGZdq{}": '"', r"\PYGZsq{}": "'", r"\PYGZlb{}": "[", r"\PYGZrb{}": "]",
    r"\PYGZob{}": "{", r"\PYGZcb{}": "}", r"\_": "_",
}


def _untex(text: str) -> str:
    """LaTeX output with Pygments/Sphinx escapes and markup undone, near enough to search."""
    for escaped, plain in _TEX_ESCAPES.items():
        text = text.replace(escaped, plain)
    text = re.sub(r"\\PYG\{[^}]*\}\{", "", text)
    return re.sub(r"\\[A-Za-z]+\{|[{}]", "", text)


def _output_text(builder: str, outdir: Path) -> str:
    files = {
        "text": ["rst_all.txt"],
        "latex": ["full.tex"],
        "man": ["full.1"],
        "singlehtml": ["index.html"],
        "dirhtml": ["rst_all/index.html"],
    }[builder]
    return "\n".join((outdir / name).read_text(encoding="utf-8") for name in files)


@pytest.mark.parametrize("builder", ["text", "latex", "man", "singlehtml", "dirhtml"])
def test_builder_renders_runbooks(built: Any, builder: str) -> None:
    app = built("full", builder)
    assert warnings_of(app) == []
    text = _output_text(builder, app.outdir)
    if builder == "latex":
        text = _untex(text)
    if builder == "man":
        text = text.replace("\\-", "-")
    missing = [phrase for phrase in MUST_SHOW if phrase not in text]
    assert missing == []


def test_text_builder_numbers_steps(built: Any) -> None:
    text = (built("full", "text").outdir / "rst_all.txt").read_text(encoding="utf-8")
    for line in ("1. Check the database address", "2. Restart the database",
                 "3. Recreate the database - destructive", "Verify: The service answers"):
        assert line in text
