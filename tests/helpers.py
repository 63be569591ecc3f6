"""Helpers shared by the tests."""

from __future__ import annotations

import pickle
import re
from io import StringIO
from pathlib import Path
from typing import Any

from sphinx.testing.util import SphinxTestApp

from sphinx_runbook.model import Runbook

# Colours, and the line erasing Sphinx adds on CI terminals.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def strip_colours(text: str) -> str:
    return _ANSI.sub("", text)


def warnings_of(app: Any) -> list[str]:
    """The warning lines of a build, without colours."""
    stream = app.warning if hasattr(app, "warning") else app._warning
    text = _ANSI.sub("", stream.getvalue())
    return [line for line in text.splitlines() if "WARNING" in line or "ERROR" in line]


def records_of(app: Any) -> dict[str, list[Runbook]]:
    """The runbook records as the pickled environment holds them after the build."""
    pickled = Path(app.doctreedir) / "environment.pickle"
    with pickled.open("rb") as stream:
        env = pickle.load(stream)
    result: dict[str, list[Runbook]] = env.runbook_records
    return result


def build_project(srcdir: Path, files: dict[str, str], builder: str = "html",
                  conf: str = 'extensions = ["myst_parser", "sphinx_runbook"]\n'
                  'show_warning_types = True\n') -> Any:
    """Write a small Sphinx project into ``srcdir``, build it, and return the app."""
    (srcdir / "conf.py").write_text(conf, encoding="utf-8")
    for name, text in files.items():
        (srcdir / name).write_text(text, encoding="utf-8")
    return sphinx_build(srcdir, builder)


def sphinx_build(srcdir: Path, builder: str = "html") -> SphinxTestApp:
    """Build the project in ``srcdir``; the app keeps its status and warning streams."""
    app = SphinxTestApp(builder, srcdir=srcdir, status=StringIO(), warning=StringIO())
    try:
        app.build()
    finally:
        app.cleanup()
    return app
