"""The reader's values: a placeholder form per runbook, copy templates per command block.

A post-transform (HTML builders only) reads the command records the index is
built from, and

- gives each command block with placeholders its copy template and the
  positions of its placeholders (see :mod:`.fill`);
- puts a ``placeholder_form`` under each runbook's title and badges: one
  field per placeholder the reader supplies, with its description and
  default from ``runbook_placeholders``.

One form per runbook, not per page: a page may hold many runbooks, and an
alert links to one of them (``page.html?namespace=prod#runbook-id``), so the
form is where the reader lands.  Fields of the same name are one value:
the script keeps them in step across forms and pages.

Without JavaScript the form is a list of the placeholders with what they
mean; the inputs are ``hidden`` until the script shows them.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.writers.html5 import HTML5Translator

from .. import nodes as rb
from ..collector import all_runbooks, records
from ..model import Command, Runbook
from ..slugs import claim_anchor
from .fill import block_fill

#: Attributes the post-transform sets on the doctree for the translator.
TEMPLATE = "runbook_template"
MARKS = "runbook_marks"


class placeholder_form(nodes.General, nodes.Element):
    """The fields of one runbook's placeholders; attribute ``fields`` (list of dicts)."""


@dataclass
class Field:
    name: str
    #: How the commands write it: ``<namespace>``, ``$API_KEY``.
    tokens: list[str] = field(default_factory=list)
    description: str | None = None
    #: Declared in ``runbook_placeholders``: used when the reader leaves it empty.
    default: str | None = None
    #: Written in a command (``${PORT:-8000}``): the shell's fallback.
    shell_default: str | None = None
    pattern: str | None = None
    secret: bool = False


class CommandLookup:
    """Command records by id: this document's first, the whole project's when needed."""

    def __init__(self, env: BuildEnvironment, docname: str) -> None:
        self.env = env
        self.commands = self._index(records(env).get(docname, []))
        self.everywhere: dict[str, Command] | None = None

    @staticmethod
    def _index(runbooks: Iterable[Runbook]) -> dict[str, Command]:
        return {command.id: command for runbook in runbooks
                for _, command in runbook.all_commands()}

    def get(self, command_id: str) -> Command | None:
        if command_id in self.commands:
            return self.commands[command_id]
        # singlehtml resolves the whole project as one document.
        if self.everywhere is None:
            self.everywhere = self._index(all_runbooks(self.env))
        return self.everywhere.get(command_id)


def fields_of(commands: Iterable[Command], declared: dict[str, dict[str, Any]]
              ) -> list[Field]:
    """The placeholders the reader fills in for these commands, each once, in order."""
    found: dict[str, Field] = {}
    for command in commands:
        for placeholder in command.placeholders:
            if placeholder.supplied_by != "reader":
                continue
            spec = declared.get(placeholder.name, {})
            entry = found.setdefault(placeholder.name, Field(
                placeholder.name, description=spec.get("description"),
                default=None if spec.get("default") is None else str(spec["default"]),
                pattern=spec.get("pattern"), secret=bool(spec.get("secret", False))))
            if placeholder.token not in entry.tokens:
                entry.tokens.append(placeholder.token)
            if placeholder.default is not None and entry.shell_default is None:
                entry.shell_default = placeholder.default
    return list(found.values())


class PrepareReaderValues(SphinxPostTransform):
    """Copy templates and marks on command blocks; a placeholder form in each runbook."""

    default_priority = 900
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        lookup = CommandLookup(self.env, self.env.docname)
        declared: dict[str, dict[str, Any]] = self.config.runbook_placeholders or {}
        for block in self.document.findall(rb.command_block):
            self.prepare_block(block, lookup)
        for runbook in list(self.document.findall(rb.runbook)):
            if rb.enclosing(runbook, rb.runbook) is None:
                self.add_form(runbook, lookup, declared)

    @staticmethod
    def _commands(block: rb.command_block, lookup: CommandLookup) -> list[Command]:
        found = [lookup.get(entry["id"]) for entry in block["runbook_commands"]]
        return [command for command in found if command is not None]

    def prepare_block(self, block: rb.command_block, lookup: CommandLookup) -> None:
        literal = next(iter(block.findall(nodes.literal_block)), None)
        commands = self._commands(block, lookup)
        if literal is None or len(commands) != len(block["runbook_commands"]):
            return
        # The lexer as the transform named it when it split the block into commands.
        lexer = literal.get("language") or ""
        lexer = "text" if lexer in ("default", "none", "") else lexer
        fill = block_fill(literal.astext(), lexer, block["copy_text"], commands)
        if fill is not None:
            block[TEMPLATE] = fill.template
            literal[MARKS] = fill.marks

    def add_form(self, runbook: rb.runbook, lookup: CommandLookup,
                 declared: dict[str, dict[str, Any]]) -> None:
        commands = [
            command
            for block in runbook.findall(rb.command_block)
            if rb.enclosing(block, rb.runbook) is runbook
            for command in self._commands(block, lookup)
        ]
        fields = fields_of(commands, declared)
        if not fields:
            return
        form = placeholder_form("", fields=[vars(f) for f in fields])
        claim_anchor(self.document, form, f"{runbook['ids'][0]}.values")
        position = 0
        for index, child in enumerate(runbook.children):
            if isinstance(child, nodes.title) or (
                    isinstance(child, nodes.paragraph) and "runbook-meta" in child["classes"]):
                position = index + 1
            else:
                break
        runbook.insert(position, form)


def _help(spec: dict[str, Any]) -> str:
    parts = []
    if spec["description"]:
        parts.append(html.escape(spec["description"].rstrip(".")) + ".")
    if spec["default"] is not None:
        parts.append(f'Default: <code>{html.escape(spec["default"])}</code>.')
    elif spec["shell_default"] is not None:
        parts.append("If left empty, the shell uses "
                     f'<code>{html.escape(spec["shell_default"])}</code>.')
    if spec["secret"]:
        parts.append("Secret: never saved, never put in the link.")
    return " ".join(parts)


def _field(form_id: str, number: int, spec: dict[str, Any]) -> str:
    field_id = f"{form_id}-{number}"
    name = html.escape(spec["name"], quote=True)
    attributes = [
        f'id="{field_id}"', f'name="{name}"', f'data-placeholder="{name}"',
        'type="password"' if spec["secret"] else 'type="text"',
        'autocomplete="off"', 'autocapitalize="off"', 'spellcheck="false"',
        f'aria-describedby="{field_id}-help {field_id}-note"',
    ]
    if spec["default"] is not None:
        default = html.escape(spec["default"], quote=True)
        attributes += [f'data-default="{default}"', f'placeholder="{default}"']
    elif spec["shell_default"] is not None:
        attributes.append(f'placeholder="{html.escape(spec["shell_default"], quote=True)}"')
    if spec["pattern"]:
        # Checked by the script: a Python pattern is not always a valid HTML one.
        attributes.append(f'data-pattern="{html.escape(spec["pattern"], quote=True)}"')
    if spec["secret"]:
        attributes.append('data-secret="true"')
    tokens = html.escape(", ".join(spec["tokens"]), quote=True)
    return (
        f'<div class="runbook-value">'
        f'<label class="runbook-value-label" for="{field_id}">'
        f'<code class="runbook-placeholder" title="{tokens}">{html.escape(spec["name"])}</code>'
        f'</label>'
        f'<input {" ".join(attributes)} hidden>'
        f'<span class="runbook-value-help" id="{field_id}-help">{_help(spec)}</span>'
        f'<span class="runbook-value-note" id="{field_id}-note"></span>'
        f'</div>\n'
    )


def visit_placeholder_form(self: HTML5Translator, node: placeholder_form) -> None:
    form_id = html.escape(node["ids"][0], quote=True)
    fields = "".join(_field(form_id, number, spec)
                     for number, spec in enumerate(node["fields"], start=1))
    names = html.escape(json.dumps([spec["name"] for spec in node["fields"]]), quote=True)
    self.body.append(
        f'<fieldset class="runbook-values" id="{form_id}" data-runbook-values="{names}">\n'
        f'<legend class="runbook-values-legend">Placeholders</legend>\n'
        f'<p class="runbook-values-intro" hidden>Fill in once: every command on this page '
        f'uses your values, and Copy copies them.</p>\n'
        f'<div class="runbook-values-fields">\n{fields}</div>\n'
        f'<p class="runbook-values-actions" hidden>'
        f'<button type="button" class="runbook-values-clear">Clear values</button> '
        f'<span class="runbook-values-status" role="status"></span></p>\n'
        f'</fieldset>\n')
    raise nodes.SkipNode


def setup_values(app: Sphinx) -> None:
    app.add_node(placeholder_form, html=(visit_placeholder_form, None))
    app.add_post_transform(PrepareReaderValues)
