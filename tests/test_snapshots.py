"""Doctree and HTML snapshots of each directive, the same for reST and MyST.

Each directive has one doctree and one HTML snapshot in ``tests/snapshots/``,
and the reST and the MyST spelling must both produce it.  After an intended
change, regenerate with ``UPDATE_SNAPSHOTS=1 pytest tests/test_snapshots.py``
and review the diff.
"""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from sphinx_runbook import nodes as rb

from .helpers import warnings_of

SNAPSHOTS = Path(__file__).parent / "snapshots"
DIRECTIVES = ["runbook", "symptom", "cause", "step", "verify"]


def _normalised_doctree(text: str) -> str:
    # Source positions differ between the two files; reST code blocks carry
    # two attributes that MyST fences leave out.
    # Older docutils print booleans as False/True instead of 0/1.
    text = re.sub(r"'line':\\ \d+", "'line':\\ N", text)
    text = text.replace('="False"', '="0"').replace('="True"', '="1"')
    return text.replace(' force="0" highlight_args="{}"', "")


def doctree_snapshot(app: Any, docname: str) -> str:
    with (Path(app.doctreedir) / f"{docname}.doctree").open("rb") as stream:
        doctree = pickle.load(stream)
    return _normalised_doctree(next(doctree.findall(rb.runbook)).pformat())


def html_snapshot(app: Any, docname: str) -> str:
    html = (app.outdir / f"{docname}.html").read_text(encoding="utf-8")
    section = BeautifulSoup(html, "html.parser").select_one("section.runbook")
    assert section is not None
    return str(section) + "\n"


def check(snapshot: str, name: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(snapshot, encoding="utf-8")
    assert path.is_file(), f"no snapshot {name}: run with UPDATE_SNAPSHOTS=1"
    assert snapshot == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("syntax", ["rst", "myst"])
@pytest.mark.parametrize("directive", DIRECTIVES)
def test_doctree_snapshot(built: Any, directive: str, syntax: str) -> None:
    app = built(f"snapshots-{syntax}")
    check(doctree_snapshot(app, directive), f"{directive}.doctree.txt")


@pytest.mark.parametrize("syntax", ["rst", "myst"])
@pytest.mark.parametrize("directive", DIRECTIVES)
def test_html_snapshot(built: Any, directive: str, syntax: str) -> None:
    app = built(f"snapshots-{syntax}")
    check(html_snapshot(app, directive), f"{directive}.html")


@pytest.mark.parametrize("syntax", ["rst", "myst"])
def test_snapshot_roots_build_without_warnings(built: Any, syntax: str) -> None:

    assert warnings_of(built(f"snapshots-{syntax}")) == []
