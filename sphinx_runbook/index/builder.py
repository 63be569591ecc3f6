"""``runbook-index.json`` after every build, and the index-only ``runbook`` builder."""

from __future__ import annotations

from collections.abc import Set
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import sphinx
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.util import logging

from ..collector import all_runbooks
from .build import INDEX_FILENAME, UrlOf, build_index
from .files import write_index

logger = logging.getLogger(__name__)


def url_of(app: Sphinx) -> UrlOf:
    """Document name -> URL of its HTML page, as the HTML builders name them."""
    builder = app.builder
    if builder.format == "html":
        relative = builder.get_target_uri
    else:
        # Non-HTML builders (and the runbook builder) point at the HTML site's pages.
        suffix = app.config.html_file_suffix or ".html"

        def relative(docname: str, typ: str | None = None) -> str:
            return docname + suffix

    base = app.config.runbook_index_base_url
    if base:
        base = base if base.endswith("/") else base + "/"
        return lambda docname: urljoin(base, relative(docname))
    return lambda docname: relative(docname)


def write_index_file(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: write the index of the whole project into the output directory."""
    if exception is not None:
        return  # a failed build writes nothing rather than a partial index
    index = build_index(
        all_runbooks(app.env),
        project=app.config.project,
        version=app.config.version,
        url_of=url_of(app),
        placeholders=app.config.runbook_placeholders,
    )
    # What the static checks found, when they ran in this build or an earlier one.
    found = getattr(app.env, "runbook_checks", {})
    for command in index["commands"]:
        command["checks"] = found.get(command["id"], [])
    path = Path(app.outdir) / INDEX_FILENAME
    write_index(index, path)
    logger.info("runbook index: %d runbooks, %d commands in %s",
                len(index["runbooks"]), len(index["commands"]), path)


class RunbookIndexBuilder(Builder):
    """Reads the sources and writes only ``runbook-index.json``: no HTML, fast."""

    name = "runbook"
    format = "runbook"
    epilog = "The command index is in %(outdir)s/" + INDEX_FILENAME + "."
    allow_parallel = True

    def init(self) -> None:
        pass

    def get_outdated_docs(self) -> list[str]:
        # No per-document output: the index is written once, at build-finished.
        return []

    def get_target_uri(self, docname: str, typ: str | None = None) -> str:
        return docname + (self.config.html_file_suffix or ".html")

    def prepare_writing(self, docnames: Set[str]) -> None:
        pass

    def write_documents(self, docnames: Set[str]) -> None:
        # Nothing to resolve or render per document (Sphinx 8+ calls this from write()).
        pass

    if sphinx.version_info < (8, 0):
        def write(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[misc]
            # Sphinx 7 has no write_documents(): skip the whole write phase.
            pass

    def write_doc(self, docname: str, doctree: Any) -> None:
        pass

    def finish(self) -> None:
        pass


def setup_index(app: Sphinx) -> None:
    app.add_builder(RunbookIndexBuilder)
    app.connect("build-finished", write_index_file)
