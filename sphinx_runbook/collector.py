"""Per-document runbook records in the build environment.

One :class:`RunbookCollector` reads each document's doctree into
:class:`~sphinx_runbook.model.Runbook` records, forgets a document's records
when it is re-read or deleted, and merges the records that parallel readers
collected.  Checks that need every document (a runbook id used twice in the
project) run on ``env-check-consistency``, so they are redone on every build,
incremental or not.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from pathlib import PurePath
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector

from . import analysis
from . import nodes as rb
from .model import Cause, Command, Runbook, Step, Symptom
from .warnings import warn

_ATTRIBUTE = "runbook_records"


def records(env: BuildEnvironment) -> dict[str, list[Runbook]]:
    """docname -> the runbooks of that document, in document order."""
    store: dict[str, list[Runbook]] | None = getattr(env, _ATTRIBUTE, None)
    if store is None:
        store = {}
        setattr(env, _ATTRIBUTE, store)
    return store


def all_runbooks(env: BuildEnvironment) -> list[Runbook]:
    """Every runbook of the project, ordered by document name, then position."""
    store = records(env)
    return [runbook for docname in sorted(store) for runbook in store[docname]]


def _commands(block: nodes.Element) -> list[Command]:
    return [
        Command(**command)
        for wrapper in block.findall(rb.command_block)
        if rb.enclosing(wrapper, rb.RUNBOOK_BLOCKS) is block
        for command in wrapper["runbook_commands"]
    ]


def read_runbook(env: BuildEnvironment, node: rb.runbook) -> Runbook:
    docname = env.docname
    meta = node["runbook_meta"]
    runbook = Runbook(
        id=node["runbook_id"],
        title=meta["title"],
        docname=docname,
        source=PurePath(env.doc2path(docname, False)).as_posix(),
        line=node.line,
        anchor=node["ids"][0],
        service=meta["service"],
        severity=meta["severity"],
        owner=meta["owner"],
        tags=list(meta["tags"]),
        alerts=list(meta["alerts"]),
    )
    for block in rb.blocks_of(node):
        if isinstance(block, rb.symptom):
            runbook.symptoms.append(Symptom(
                id=block["block_id"], text=block["block_text"], line=block.line,
                anchor=block["ids"][0],
                commands=_commands(block),
            ))
        elif isinstance(block, rb.cause):
            runbook.causes.append(Cause(
                id=block["block_id"], text=block["block_title"] or block["block_text"],
                line=block.line, anchor=block["ids"][0], commands=_commands(block),
            ))
        else:
            settings: dict[str, Any] = dict(block["runbook_step"])
            runbook.steps.append(Step(
                **settings, line=block.line, anchor=block["ids"][0], commands=_commands(block),
            ))
    return runbook


class RunbookCollector(EnvironmentCollector):
    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        records(env).pop(docname, None)

    def merge_other(self, app: Sphinx, env: BuildEnvironment, docnames: AbstractSet[str],
                    other: BuildEnvironment) -> None:
        theirs = records(other)
        ours = records(env)
        for docname in docnames:
            if docname in theirs:
                ours[docname] = theirs[docname]

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        env = app.env
        settings = analysis.Settings.from_config(
            app.config.runbook_safety_rules, app.config.runbook_read_only_programs)
        found = [
            read_runbook(env, node)
            for node in doctree.findall(rb.runbook)
            if rb.enclosing(node, rb.runbook) is None
        ]
        for runbook in found:
            analysis.analyse(runbook, settings)
        if found:
            records(env)[env.docname] = found


def check_unique_ids(app: Sphinx, env: BuildEnvironment) -> None:
    """Warn at every runbook whose id an earlier one (by document, then line) already has."""
    first: dict[str, Runbook] = {}
    for runbook in all_runbooks(env):
        if runbook.id in first:
            earlier = first[runbook.id]
            warn(
                f"runbook id {runbook.id!r} is already used by {earlier.title!r} "
                f"({earlier.source}:{earlier.line}); give one of them another :id:",
                "duplicate-id",
                (runbook.docname, runbook.line),
            )
        else:
            first[runbook.id] = runbook
