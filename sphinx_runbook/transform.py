"""Turn the code blocks of steps and verify blocks into commands.

Runs once per document after parsing (so nested directives, tabs and lists
are all in place) and before the collector reads the doctree.  Each command
code block is wrapped in a :class:`~sphinx_runbook.nodes.command_block` that
carries what to copy and the command records; the runbook's cross references
inside one runbook (``:needs:``, ``:for:``) and empty verify blocks are
checked here, where the whole runbook is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.transforms import SphinxTransform

from . import nodes as rb
from .commands import language_family, split_block
from .slugs import claim_anchor
from .warnings import warn

#: Code blocks with this class are commands even in a symptom or cause.
COMMAND_CLASS = "runbook-command"
#: Code blocks with this class are illustrations, never commands.
EXAMPLE_CLASS = "runbook-example"
#: A block of this language right after a command is that command's expected output.
OUTPUT_LEXER = "output"


def _lexer(block: nodes.literal_block) -> str:
    language = block.get("language") or ""
    return "text" if language in ("default", "none", "") else str(language)


def _line(node: nodes.Node | None) -> int | None:
    while node is not None:
        if node.line:
            return int(node.line)
        node = node.parent
    return None


class SourceLines:
    """Finds the line where a code block's text starts in its source file.

    Parsers put different lines on a code block (MyST: the opening fence;
    reST: the directive, above its options), so the first line of the code
    is looked up in the source, just below the node's line.
    """

    _LOOKAHEAD = 40

    def __init__(self) -> None:
        self._files: dict[str, list[str]] = {}

    def _lines(self, path: str) -> list[str]:
        if path not in self._files:
            try:
                self._files[path] = Path(path).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                self._files[path] = []
        return self._files[path]

    def first_code_line(self, block: nodes.literal_block, default_source: str) -> int | None:
        start = _line(block)
        first = next((line.strip() for line in block.astext().splitlines() if line.strip()), "")
        if start is None or not first:
            return start
        lines = self._lines(block.source or default_source)
        for index in range(start - 1, min(start - 1 + self._LOOKAHEAD, len(lines))):
            if lines[index].strip() == first:
                return index + 1
        return start


def body_text(block: nodes.Element) -> str:
    """The prose of a symptom or cause, paragraphs separated by blank lines."""
    parts = [
        child.astext().strip()
        for body in block.children
        if isinstance(body, nodes.Element) and "runbook-block-body" in body["classes"]
        for child in body.children
    ]
    return "\n\n".join(part for part in parts if part)


def destructive_warning() -> nodes.paragraph:
    """The line above a destructive command, in every output format."""
    warning = nodes.paragraph("", classes=["runbook-command-warning"])
    warning += nodes.strong("Destructive:", "Destructive:")
    text = " this command deletes or stops something; read it twice before running it."
    warning += nodes.Text(text)
    return warning


class ExtractCommands(SphinxTransform):
    # After Sphinx's HighlightLanguageTransform (400) has filled in the
    # languages that ``.. highlight::`` sets.
    default_priority = 450

    def apply(self, **kwargs: Any) -> None:
        self.source_lines = SourceLines()
        for runbook in list(self.document.findall(rb.runbook)):
            if rb.enclosing(runbook, rb.runbook) is None:
                self.process_runbook(runbook)

    def process_runbook(self, runbook: rb.runbook) -> None:
        blocks = rb.blocks_of(runbook)
        for block in blocks:
            if isinstance(block, (rb.symptom, rb.cause)):
                # Taken before SmartQuotes (priority 750) runs, which only some builders
                # apply: the index must not depend on the builder.
                block["block_text"] = body_text(block)
        for block in blocks:
            self.extract(runbook, block)
        self.check_references(runbook, blocks)

    def extract(self, runbook: rb.runbook, block: nodes.Element) -> None:
        is_step = isinstance(block, rb.step)
        block_id = block["runbook_step"]["id"] if is_step else block["block_id"]
        anchor = block["ids"][0]
        ordinal = 0
        previous: rb.command_block | None = None
        for literal in list(block.findall(nodes.literal_block)):
            if rb.enclosing(literal, rb.RUNBOOK_BLOCKS) is not block:
                continue
            classes: list[str] = literal["classes"]
            lexer = _lexer(literal)
            if EXAMPLE_CLASS in classes:
                continue
            if lexer == OUTPUT_LEXER:
                last = previous["runbook_commands"][-1] if previous is not None else None
                if last is not None and last["expected_output"] is None:
                    last["expected_output"] = literal.astext().rstrip("\n")
                    literal["classes"].append("runbook-expected-output")
                continue
            if not is_step and COMMAND_CLASS not in classes:
                continue
            commands = []
            line = self.source_lines.first_code_line(literal, self.document["source"])
            for interaction in split_block(literal.astext(), lexer):
                ordinal += 1
                commands.append({
                    "id": f"{runbook['runbook_id']}.{block_id}.{ordinal}",
                    "ordinal": ordinal,
                    "lexer": lexer,
                    "language": language_family(lexer),
                    "code": interaction.code,
                    "expected_output": interaction.output,
                    "line": line + interaction.offset if line else None,
                    "anchor": "",
                })
            destructive = bool(is_step and block["runbook_step"]["destructive"])
            wrapper = rb.command_block(
                "",
                classes=["runbook-command", *(["runbook-command-destructive"] * destructive)],
                copy_text="\n".join(str(command["code"]) for command in commands),
                destructive=destructive,
                runbook_commands=commands,
            )
            first_ordinal = commands[0]["ordinal"]
            command_anchor = claim_anchor(self.document, wrapper, f"{anchor}.{first_ordinal}")
            for command in commands:
                command["anchor"] = command_anchor
            literal.replace_self(wrapper)
            if destructive:
                wrapper += destructive_warning()
            wrapper += literal
            previous = wrapper

    def check_references(self, runbook: rb.runbook, blocks: list[nodes.Element]) -> None:
        step_ids = {b["runbook_step"]["id"] for b in blocks if isinstance(b, rb.step)}
        causes = {b["block_id"]: b for b in blocks if isinstance(b, rb.cause)}
        for block in blocks:
            if not isinstance(block, rb.step):
                continue
            settings = block["runbook_step"]
            where = f"{settings['kind']} {settings['id']!r}"
            for need in settings["needs"]:
                if need not in step_ids:
                    warn(f"{where} needs {need!r}, which is not a step of runbook "
                         f"{runbook['runbook_id']!r}", "unknown-need", block)
            known = [causes[c] for c in settings["for_causes"] if c in causes]
            for cause_id in settings["for_causes"]:
                if cause_id not in causes:
                    warn(f"{where} is :for: {cause_id!r}, which is not a cause of runbook "
                         f"{runbook['runbook_id']!r}", "unknown-cause", block)
            if known:
                block.insert(1, self.addresses_line(known))
            if (settings["kind"] == "verify" and not settings["manual"]
                    and not any(True for _ in block.findall(rb.command_block))):
                warn(f"{where} has nothing to check: add a command (a code block), "
                     "or mark it :manual: when a person performs the check",
                     "empty-verify", block)

    @staticmethod
    def addresses_line(causes: Sequence[nodes.Element]) -> nodes.paragraph:
        """"Addresses: <cause>, <cause>" with links to the causes."""
        line = nodes.paragraph("", classes=["runbook-step-meta", "runbook-step-for"])
        line += nodes.strong("Addresses:", "Addresses:")
        for index, cause in enumerate(causes):
            line += nodes.Text(" " if index == 0 else ", ")
            label = cause["block_title"] or cause["block_id"]
            line += nodes.reference(label, label, refid=cause["ids"][0], internal=True)
        return line
