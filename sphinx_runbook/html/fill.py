"""Where the reader's placeholders are in a command block, for the page that fills them in.

For each command block the page gets two things, both from the same analysis
the index uses (:func:`sphinx_runbook.analysis.placeholders.occurrences` and
the records' ``supplied_by``), so the page and the index agree:

- a *copy template*: the block's copy text cut into literal text and
  placeholders, which the script resolves with the reader's values;
- *marks*: where each placeholder is in the code block as written (prompts
  and output included), so the rendered code can show each one marked up.

Only placeholders the reader supplies count: ``$HOME``, or a variable an
earlier command sets, is left alone.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..analysis.placeholders import Occurrence, occurrences
from ..commands import Interaction, split_block
from ..model import Command

#: A piece of a copy template: literal text, or a placeholder to fill in.
Segment = str | dict[str, Any]


@dataclass(frozen=True)
class Mark:
    """A placeholder in the code block's text: ``text[start:end] == token``."""

    start: int
    end: int
    name: str
    token: str


@dataclass(frozen=True)
class BlockFill:
    template: list[Segment]
    marks: list[Mark]


def reader_occurrences(command: Command) -> list[Occurrence]:
    """The places in ``command`` where the reader has something to fill in."""
    wanted = {(p.name, p.syntax) for p in command.placeholders if p.supplied_by == "reader"}
    if not wanted:
        return []
    return [o for o in occurrences(command.code, command.language)
            if (o.name, o.syntax) in wanted]


def _has_inline_default(occurrence: Occurrence) -> bool:
    # ${PORT:-8000} and ${PORT-8000}: left as written, the shell supplies a value.
    rest = occurrence.token[2 + len(occurrence.name):-1] if occurrence.token.startswith(
        "${") else ""
    return rest.startswith((":-", "-"))


def template_of(code: str, found: Sequence[Occurrence]) -> list[Segment]:
    """``code`` as literal text and placeholders; joined with the tokens, it is ``code``."""
    segments: list[Segment] = []
    position = 0
    for occurrence in found:
        if occurrence.start > position:
            segments.append(code[position:occurrence.start])
        placeholder: dict[str, Any] = {"name": occurrence.name, "token": occurrence.token}
        if occurrence.syntax == "variable":
            # Left unfilled, the shell expands it: the copy warning says so.
            placeholder["variable"] = True
        if _has_inline_default(occurrence):
            placeholder["shell_default"] = True
        segments.append(placeholder)
        position = occurrence.end
    if position < len(code):
        segments.append(code[position:])
    return segments


def _join(parts: Sequence[list[Segment]]) -> list[Segment]:
    """The templates of a block's commands, one per line, adjacent texts merged."""
    joined: list[Segment] = []
    for index, part in enumerate(parts):
        for segment in (["\n"] if index else []) + part:
            if isinstance(segment, str) and joined and isinstance(joined[-1], str):
                joined[-1] += segment
            else:
                joined.append(segment)
    return joined


def as_text(template: Sequence[Segment]) -> str:
    """The template with every placeholder as written: the block's copy text."""
    return "".join(s if isinstance(s, str) else str(s["token"]) for s in template)


def _line_starts(text: str) -> list[tuple[int, str]]:
    starts = []
    position = 0
    for line in text.splitlines(keepends=True):
        starts.append((position, line.rstrip("\r\n")))
        position += len(line)
    return starts


def _code_positions(text: str, interaction: Interaction) -> list[int] | None:
    """For each line of the command's code, where it starts in the block's ``text``.

    The code is the block's lines with prompts (``$ ``, ``>>> ``) and continuation
    markers cut from their starts; a plain block's code is the block without
    leading and trailing blank lines.  ``None`` when the lines cannot be found.
    """
    lines = _line_starts(text)
    code_lines = interaction.code.split("\n")
    leading = len(text) - len(text.lstrip("\n"))
    for first in dict.fromkeys((interaction.offset, text.count("\n", 0, leading))):
        if first + len(code_lines) > len(lines):
            continue
        window = lines[first:first + len(code_lines)]
        if all(line.endswith(code) for (_, line), code in zip(window, code_lines, strict=True)):
            return [start + len(line) - len(code)
                    for (start, line), code in zip(window, code_lines, strict=True)]
    return None


def _marks(text: str, interaction: Interaction, code: str, found: Sequence[Occurrence]
           ) -> list[Mark]:
    starts = _code_positions(text, interaction)
    if starts is None:
        return []
    code_line_starts = [0]
    for line in code.split("\n")[:-1]:
        code_line_starts.append(code_line_starts[-1] + len(line) + 1)
    marks = []
    for occurrence in found:
        if "\n" in occurrence.token:
            continue  # a mark never spans lines; the copy template still has it
        number = bisect_right(code_line_starts, occurrence.start) - 1
        start = starts[number] + occurrence.start - code_line_starts[number]
        marks.append(Mark(start, start + len(occurrence.token), occurrence.name,
                          occurrence.token))
    return marks


def block_fill(text: str, lexer: str, copy_text: str, commands: Sequence[Command]
               ) -> BlockFill | None:
    """The copy template and marks of one command block, or ``None`` without placeholders.

    ``text`` is the code block as written, ``commands`` its command records in
    order.  When the block's commands cannot be matched with its text (it
    changed since it was read), there is nothing to fill in: ``None``.
    """
    interactions = split_block(text, lexer)
    if len(interactions) != len(commands) or any(
            i.code != c.code for i, c in zip(interactions, commands, strict=True)):
        return None
    found = [reader_occurrences(command) for command in commands]
    if not any(found):
        return None
    template = _join([template_of(c.code, f) for c, f in zip(commands, found, strict=True)])
    if as_text(template) != copy_text:
        return None
    marks: list[Mark] = []
    for interaction, command, occurrences_ in zip(interactions, commands, found, strict=True):
        marks.extend(_marks(text, interaction, command.code, occurrences_))
    return BlockFill(template, marks)
