"""Parallel and incremental builds: the environment keeps exactly the right records."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

from sphinx.testing.util import SphinxTestApp

from .helpers import records_of, strip_colours, warnings_of


def _html_files(outdir: Path) -> dict[str, bytes]:
    return {
        path.relative_to(outdir).as_posix(): path.read_bytes()
        for path in sorted(outdir.rglob("*.html"))
    }


def test_parallel_build_gives_the_same_html_and_records(built: Any) -> None:
    serial = built("full")
    parallel = built("full", parallel=2)
    assert warnings_of(parallel) == []
    serial_html = _html_files(serial.outdir)
    parallel_html = _html_files(parallel.outdir)
    assert len(serial_html) >= 8  # enough documents for Sphinx to read and write in parallel
    assert serial_html.keys() == parallel_html.keys()
    different = [name for name in serial_html if serial_html[name] != parallel_html[name]]
    assert different == []
    assert records_of(serial) == records_of(parallel)


def test_parallel_build_really_ran_in_parallel(built: Any) -> None:
    status = strip_colours(built("full", parallel=2)._status.getvalue())
    # Parallel reading reports chunks of documents: "[ 50%] index .. more/three".
    chunks = [line for line in status.splitlines()
              if line.startswith("reading sources...") and " .. " in line]
    assert len(chunks) >= 2


class Project:
    """A test root that is built again and again in place, like an author does."""

    def __init__(self, srcdir: Path) -> None:
        self.srcdir = srcdir
        self._read: list[str] = []

    def build(self) -> SphinxTestApp:
        app = SphinxTestApp("html", srcdir=self.srcdir, status=StringIO(), warning=StringIO())
        self._read = []
        app.connect("env-before-read-docs",
                    lambda app, env, docnames: self._read.extend(docnames))
        try:
            app.build()
        finally:
            app.cleanup()
        return app

    def read_docs(self) -> list[str]:
        """The documents the last build read."""
        return sorted(self._read)


def test_editing_one_document_rereads_only_it(copy_root: Callable[[str], Path]) -> None:
    project = Project(copy_root("full"))
    first = records_of(project.build())
    page = project.srcdir / "more" / "two.md"
    page.write_text(page.read_text().replace("Look at the load", "Check the load average"))

    second = records_of(project.build())
    # The listings page shows every runbook: it is read again too.
    assert project.read_docs() == ["listings", "more/two"]
    assert [s.title for s in second["more/two"][0].steps] == ["Check the load average", "Verify"]
    assert second["more/two"][0].steps[0].id == "check-the-load-average"
    unchanged = {name: runbooks for name, runbooks in first.items() if name != "more/two"}
    assert {name: second[name] for name in unchanged} == unchanged


def test_deleting_a_document_drops_its_runbooks(copy_root: Callable[[str], Path]) -> None:
    project = Project(copy_root("full"))
    assert "more/three" in records_of(project.build())
    (project.srcdir / "more" / "three.md").unlink()
    index = project.srcdir / "index.rst"
    index.write_text(index.read_text().replace("   more/three\n", ""))

    after = records_of(project.build())
    assert "more/three" not in after
    assert {"rst_all", "myst_all", "more/one", "more/two", "more/four"} <= after.keys()


def test_duplicate_id_warning_follows_the_documents(copy_root: Callable[[str], Path]) -> None:
    project = Project(copy_root("full"))
    project.build()
    copy = project.srcdir / "workflow_copy.md"
    copy.write_text((project.srcdir / "more" / "one.md").read_text().replace(
        ":service: service-one", ":id: service-one-is-slow"))
    index = project.srcdir / "index.rst"
    index.write_text(index.read_text() + "   workflow_copy\n")

    warnings = warnings_of(project.build())
    assert len(warnings) == 1
    assert "workflow_copy.md:3: WARNING: runbook id 'service-one-is-slow' is already used by " \
        "'Service one is slow' (more/one.md:3)" in warnings[0]

    # Another unrelated edit: the cross-document check is still made (nothing re-read it).
    (project.srcdir / "plain_page.rst").write_text("Plain\n=====\n\nEdited.\n")
    warnings = warnings_of(project.build())
    assert project.read_docs() == ["listings", "plain_page"]
    assert len(warnings) == 1

    copy.unlink()
    index.write_text(index.read_text().replace("   workflow_copy\n", ""))
    assert warnings_of(project.build()) == []
