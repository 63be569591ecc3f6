"""Docs-only directives: reference tables rendered from the code itself.

- ``schema-reference``: every object of runbook-index.json from the shipped schema;
- ``settings-reference``: the ``runbook_*`` settings of ``conf.py``;
- ``export-example``: an exporter's real output for the example index;
- ``check-rules``: the static check rules, in the order they report;
- ``deprecations-reference``: the built-in table of the ``deprecated`` rule.

Generated, so the documentation cannot drift from what the code does.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from sphinx_runbook.checks.deprecated import BUILTIN_DEPRECATIONS
from sphinx_runbook.checks.rules import all_rules
from sphinx_runbook.config import SETTINGS
from sphinx_runbook.export import get_exporter
from sphinx_runbook.index import load_schema

EXAMPLE_INDEX = Path(__file__).parent.parent / "reference" / "exporting" / "example-index.json"


def _table(headers: list[str], rows: list[list[nodes.Node | str]], widths: list[int]
           ) -> nodes.table:
    table = nodes.table(classes=["colwidths-given"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    body = nodes.tbody()
    group += body
    for target, cells_list in ((head, [headers]), (body, rows)):
        for cells in cells_list:
            row = nodes.row()
            for cell in cells:
                entry = nodes.entry()
                entry += cell if isinstance(cell, nodes.Node) else nodes.paragraph(cell, cell)
                row += entry
            target += row
    return table


def _type_of(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        return spec["$ref"].rsplit("/", 1)[-1]
    if "enum" in spec:
        return " | ".join(json.dumps(value) for value in spec["enum"])
    if "const" in spec:
        return json.dumps(spec["const"])
    kind = spec.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    if "array" in kinds:
        items = spec.get("items", {})
        inner = _type_of(items) if "$ref" in items or "type" in items else "object"
        return f"array of {inner}"
    return " or ".join(kinds)


class SchemaReference(SphinxDirective):
    """One section per object of the schema: field, type, meaning."""

    def run(self) -> list[nodes.Node]:
        schema = load_schema()
        objects: list[tuple[str, dict[str, Any]]] = [("index (top level)", schema)]
        objects += [(name, spec) for name, spec in schema["$defs"].items()]
        result: list[nodes.Node] = []
        pending = list(objects)
        while pending:
            name, spec = pending.pop(0)
            rows: list[list[nodes.Node | str]] = []
            for field, field_spec in spec.get("properties", {}).items():
                rows.append([nodes.literal(field, field), _type_of(field_spec),
                             field_spec.get("description", "")])
                nested = field_spec.get("items", field_spec)
                if nested.get("type") == "object" and "properties" in nested:
                    pending.append((f"{name}.{field}", nested))
            rubric = nodes.rubric(name, name)
            result += [rubric, _table(["Field", "Type", "Meaning"], rows, [20, 20, 60])]
        return result


class SettingsReference(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        rows: list[list[nodes.Node | str]] = [
            [nodes.literal(s.name, s.name), nodes.literal(repr(s.default), repr(s.default)),
             s.help]
            for s in SETTINGS
        ]
        return [_table(["Setting", "Default", "Meaning"], rows, [25, 15, 60])]


class ExportExample(SphinxDirective):
    """The output of one exporter for the example index, as a code block."""

    option_spec: ClassVar[dict[str, Any]] = {
        "format": directives.unchanged_required, "language": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(str(EXAMPLE_INDEX))
        index = json.loads(EXAMPLE_INDEX.read_text(encoding="utf-8"))
        text = io.StringIO()
        get_exporter(self.options["format"]).write(index, text)
        block = nodes.literal_block(text.getvalue(), text.getvalue())
        block["language"] = self.options.get("language", "text")
        return [block]


def _with_code(text: str) -> nodes.paragraph:
    """A paragraph where `backquoted` parts and options (``--name``) are inline code.

    (As plain text, Sphinx's smart quotes would turn ``--`` into a dash.)
    """
    paragraph = nodes.paragraph()
    for position, part in enumerate(text.split("`")):
        if position % 2:
            paragraph += nodes.literal(part, part)
            continue
        for piece in re.split(r"(--[\w=.-]+)", part):
            if piece:
                paragraph += nodes.literal(piece, piece) if piece.startswith("--") \
                    else nodes.Text(piece)
    return paragraph


class CheckRules(SphinxDirective):
    """The rules of ``all_rules()``: id (linked to its section ``check-<id>``), description.

    The link is a ``:ref:``: a rule without a section on the page fails a -W build.
    """

    def run(self) -> list[nodes.Node]:
        rows: list[list[nodes.Node | str]] = []
        for rule in all_rules():
            link = addnodes.pending_xref("", refdomain="std", reftype="ref",
                                         reftarget=f"check-{rule.id}", refexplicit=True,
                                         refwarn=True, refdoc=self.env.docname)
            link += nodes.literal(rule.id, rule.id)
            paragraph = nodes.paragraph()
            paragraph += link
            rows.append([paragraph, rule.description])
        return [_table(["Rule", "What it finds"], rows, [22, 78])]


class DeprecationsReference(SphinxDirective):
    """The built-in deprecations: the call, what replaces it, why, and who says so."""

    def run(self) -> list[nodes.Node]:
        rows: list[list[nodes.Node | str]] = []
        for entry in BUILTIN_DEPRECATIONS:
            if entry.source.startswith(("http://", "https://")):
                source = nodes.paragraph()
                source += nodes.reference(entry.source, entry.source, refuri=entry.source)
            else:
                source = nodes.paragraph(entry.source, entry.source)
            rows.append([nodes.literal(entry.call, entry.call), _with_code(entry.replacement),
                         _with_code(entry.reason), source])
        return [_table(["Call", "Use instead", "Why", "Source"], rows, [16, 30, 30, 24])]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("schema-reference", SchemaReference)
    app.add_directive("settings-reference", SettingsReference)
    app.add_directive("export-example", ExportExample)
    app.add_directive("check-rules", CheckRules)
    app.add_directive("deprecations-reference", DeprecationsReference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
