"""Pages that list the whole project: ``runbook-commands`` and ``runbook-symptoms``.

The directives leave a placeholder, filled in on ``doctree-resolved`` when the
page is written, from the records of every document, with links that each builder
resolves its own way.  A page holding a listing is re-read whenever any
document changed, so it never shows stale runbooks.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Any, ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from . import options as opt
from .collector import all_runbooks
from .directives.base import BaseDirective
from .directives.runbook import SEVERITY_COLOURS, badge
from .model import Runbook

_SAFETY_COLOURS = {"read-only": "success", "mutating": "warning", "destructive": "danger"}
_LISTING_DOCS = "runbook_listing_docs"


class runbook_listing(nodes.General, nodes.Element):
    """Placeholder for a listing; replaced before any builder sees it."""


def listing_docs(env: BuildEnvironment) -> set[str]:
    found: set[str] | None = getattr(env, _LISTING_DOCS, None)
    if found is None:
        found = set()
        setattr(env, _LISTING_DOCS, found)
    return found


class _ListingDirective(BaseDirective):
    kind: ClassVar[str] = ""
    has_content = False
    validators: ClassVar[dict[str, Any]] = {
        "service": opt.text,
        "tag": opt.text,
        "safety": opt.safety_level,
        "class": opt.class_list,
    }

    def run(self) -> list[nodes.Node]:
        options = self.checked_options()
        node = runbook_listing("", kind=self.kind, filters={
            key: options[key] for key in ("service", "tag", "safety") if key in options
        }, classes=options.get("class", []))
        self.set_source_info(node)
        return [node]


class CommandsDirective(_ListingDirective):
    """``.. runbook-commands::``: every command as a table a reader can filter."""

    kind = "commands"


class ReportDirective(_ListingDirective):
    """``.. runbook-report::``: the last verification's results, with totals."""

    kind = "report"


class SymptomsDirective(_ListingDirective):
    """``.. runbook-symptoms::``: every symptom with the runbook to open."""

    kind = "symptoms"


def _keep(runbook: Runbook, filters: dict[str, str]) -> bool:
    if "service" in filters and runbook.service != filters["service"]:
        return False
    return not ("tag" in filters and filters["tag"] not in runbook.tags)


class ListingFiller:
    """Builds the listings of one page, linking as the current builder does."""

    def __init__(self, app: Sphinx, docname: str) -> None:
        self.app = app
        self.docname = docname

    def fill(self, doctree: nodes.document) -> None:
        for node in list(doctree.findall(runbook_listing)):
            runbooks = [r for r in all_runbooks(self.app.env) if _keep(r, node["filters"])]
            filler = {"commands": self.commands, "symptoms": self.symptoms,
                      "report": self.report}[node["kind"]]
            node.replace_self(filler(runbooks, node))

    def link(self, docname: str, anchor: str, text: str) -> nodes.reference:
        uri = self.app.builder.get_relative_uri(self.docname, docname)
        return nodes.reference(text, text, refuri=f"{uri}#{anchor}", internal=True)

    @staticmethod
    def _container(node: runbook_listing) -> nodes.container:
        # The script adds a filter box to every .runbook-listing (none without JS).
        return nodes.container(
            "", classes=["runbook-listing", f"runbook-listing-{node['kind']}", *node["classes"]])

    def commands(self, runbooks: list[Runbook], node: runbook_listing) -> nodes.Element:
        level = node["filters"].get("safety")
        rows: list[list[nodes.Node]] = []
        for runbook in runbooks:
            for block, command in runbook.all_commands():
                safety = command.safety.level if command.safety else "mutating"
                if level and safety != level:
                    continue
                title = getattr(block, "title", "") or "Symptom"
                rows.append([
                    nodes.literal_block(command.code, command.code, language="text",
                                        classes=["runbook-listing-code"]),
                    self.link(runbook.docname, runbook.anchor, runbook.title),
                    self.link(runbook.docname, command.anchor, title),
                    badge(safety, _SAFETY_COLOURS[safety], "runbook-safety"),
                ])
        container = self._container(node)
        container += _table(["Command", "Runbook", "Step", "Safety"], rows, [50, 20, 20, 10])
        if not rows:
            container += nodes.paragraph("No commands.", "No commands.")
        return container

    def report(self, runbooks: list[Runbook], node: runbook_listing) -> nodes.Element:
        from .verification import results_of
        from .verify.report import format_coverage, format_summary, summarize
        from .verify.results import CommandResult

        stored = results_of(self.app.env)
        rows: list[list[nodes.Node]] = []
        shown = []
        for runbook in runbooks:
            for block, command in runbook.all_commands():
                entry = stored.get(command.id)
                if entry is None:
                    continue
                result = CommandResult.from_dict(entry)
                shown.append(result)
                title = getattr(block, "title", "") or "Symptom"
                status = nodes.inline(result.status, result.status,
                                      classes=["runbook-status", f"runbook-status-{result.status}"])
                rows.append([
                    status,
                    self.link(runbook.docname, command.anchor, f"{runbook.title}: {title}"),
                    nodes.literal_block(command.code, command.code, language="text",
                                        classes=["runbook-listing-code"]),
                    nodes.Text(result.reason or "—"),
                    nodes.Text(f"{result.duration:.2f} s" if result.duration else "—"),
                ])
        container = self._container(node)
        if not shown:
            text = ("No verification results: build with runbook_execute set, or run "
                    "sphinx-runbook verify.")
            container += nodes.paragraph(text, text)
            return container
        summary = summarize(shown)
        counts, *_ = format_summary(summary).split("\n")
        date = max(r.timestamp for r in shown)[:10]
        container += nodes.paragraph(counts, f"{counts} (last run {date})",
                                     classes=["runbook-report-totals"])
        # What verification covered, and what the skipped commands waited for.
        for line in format_coverage(summary).split("\n"):
            text = line[0].upper() + line[1:]
            container += nodes.paragraph(text, text, classes=["runbook-report-coverage"])
        container += _table(["Status", "Where", "Command", "Reason", "Time"], rows,
                            [10, 25, 35, 22, 8])
        return container

    def symptoms(self, runbooks: list[Runbook], node: runbook_listing) -> nodes.Element:
        container = self._container(node)
        items = nodes.bullet_list(classes=["runbook-symptom-list"])
        for runbook in runbooks:
            for symptom in runbook.symptoms:
                item = nodes.list_item()
                text = nodes.paragraph(classes=["runbook-symptom-text"])
                text += self.link(runbook.docname, symptom.anchor, symptom.text or runbook.title)
                item += text
                where = nodes.paragraph(classes=["runbook-symptom-runbook"])
                where += nodes.Text("→ ")
                where += self.link(runbook.docname, runbook.anchor, runbook.title)
                for value, colour in ((runbook.severity, SEVERITY_COLOURS.get(
                        runbook.severity or "", "secondary")), (runbook.service, "primary")):
                    if value:
                        where += nodes.Text(" ")
                        where += badge(value, colour)
                item += where
                items += item
        container += items
        if not len(items):
            container += nodes.paragraph("No symptoms.", "No symptoms.")
        return container


def _table(headers: list[str], rows: list[list[nodes.Node]], widths: list[int]) -> nodes.table:
    table = nodes.table(classes=["runbook-listing-table"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    group.extend(nodes.colspec(colwidth=width) for width in widths)
    head = nodes.thead()
    row = nodes.row()
    for header in headers:
        entry = nodes.entry()
        entry += nodes.paragraph(header, header)
        row += entry
    head += row
    group += head
    body = nodes.tbody()
    for cells in rows:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            # Inline nodes (links, badges) need a paragraph; reference is also "General".
            inline = isinstance(cell, (nodes.Inline, nodes.Text))
            entry += nodes.paragraph("", "", cell) if inline else cell
            row += entry
        body += row
    group += body
    return table


def fill_listings(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: every document is read by now, so every record is there."""
    ListingFiller(app, docname).fill(doctree)


def note_listing_docs(app: Sphinx, doctree: nodes.document) -> None:
    if any(True for _ in doctree.findall(runbook_listing)):
        listing_docs(app.env).add(app.env.docname)


def forget_listing_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    listing_docs(env).discard(docname)


def merge_listing_docs(app: Sphinx, env: BuildEnvironment, docnames: Set[str],
                       other: BuildEnvironment) -> None:
    listing_docs(env).update(listing_docs(other) & set(docnames))


def outdated_listings(app: Sphinx, env: BuildEnvironment, added: Set[str], changed: Set[str],
                      removed: Set[str]) -> list[str]:
    """Any runbook page changed: the listing pages must be read and written again."""
    if added or changed or removed:
        return sorted(listing_docs(env) - set(removed))
    return []


def setup_listings(app: Sphinx) -> None:
    app.add_node(runbook_listing)
    app.add_directive("runbook-commands", CommandsDirective)
    app.add_directive("runbook-symptoms", SymptomsDirective)
    app.add_directive("runbook-report", ReportDirective)
    app.connect("doctree-resolved", fill_listings)
    app.connect("doctree-read", note_listing_docs)
    app.connect("env-purge-doc", forget_listing_doc)
    app.connect("env-merge-info", merge_listing_docs)
    app.connect("env-get-outdated", outdated_listings)
