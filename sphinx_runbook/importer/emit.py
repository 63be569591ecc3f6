"""Writing a runbook in MyST: colon fences, options, and the copied source lines."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .units import Piece, Unit, UnitKind

_COLON_RUN = re.compile(r"^\s*(:{3,})")


@dataclass(frozen=True)
class Source:
    """The document's lines, the lines that change, and the anchors to keep."""

    lines: Sequence[str]
    #: Filled in while the runbooks are built; read when they are written.
    rewrites: dict[int, list[str]]
    #: Heading line -> the MyST target to write where it was.
    targets: Mapping[int, str]

    def target_lines(self, heading_lines: Sequence[int]) -> list[str]:
        return [f"({self.targets[line]})=" for line in heading_lines if line in self.targets]


def dedent(line: str, columns: int) -> str:
    """Remove up to ``columns`` columns of leading blanks (a tab counts to the next 4)."""
    if not columns:
        return line
    width = 0
    for index, char in enumerate(line):
        if width >= columns or char not in " \t":
            return " " * (width - columns) + line[index:] if width > columns else line[index:]
        width = width + 4 - width % 4 if char == "\t" else width + 1
    return ""


def _trim(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def piece_lines(piece: Piece, source: Source) -> list[str]:
    if piece.text is not None:
        lines = list(piece.text)
    else:
        lines = [dedent(line, piece.dedent) for index in range(piece.start, piece.end)
                 for line in source.rewrites.get(index, [source.lines[index]])]
    targets = [] if piece.heading_line is None else source.target_lines([piece.heading_line])
    return targets + _trim(lines)


def body_lines(unit: Unit, source: Source) -> list[str]:
    """The unit's content; pieces are separated by a blank line."""
    result: list[str] = []
    for piece in unit.pieces:
        lines = piece_lines(piece, source)
        if lines and result:
            result.append("")
        result += lines
    return result


def fence_for(lines: Sequence[str], shortest: int = 3) -> str:
    """A colon fence longer than any colon fence in ``lines``."""
    inner = max((len(match.group(1)) for line in lines if (match := _COLON_RUN.match(line))),
                default=0)
    return ":" * max(shortest, inner + 1)


def unit_lines(unit: Unit, source: Source) -> list[str]:
    body = body_lines(unit, source)
    targets = source.target_lines(unit.heading_lines)
    if unit.kind is UnitKind.PROSE:
        return targets + body
    fence = fence_for(body)
    head = f"{fence}{{{unit.kind.value}}}" + (f" {unit.title}" if unit.title else "")
    options = [f":{name}: {value}".rstrip() for name, value in unit.options.items()]
    lines = [*targets, head, *options]
    if body:
        lines += ["", *body]
    return [*lines, fence]


def runbook_lines(title: str, options: Mapping[str, str], units: Sequence[Unit],
                  source: Source, title_line: int) -> list[str]:
    """The ``runbook`` directive: its options, then each unit, a blank line apart."""
    content: list[str] = []
    for unit in units:
        lines = unit_lines(unit, source)
        if lines and content:
            content.append("")
        content += lines
    fence = fence_for(content, shortest=4)
    head = [*source.target_lines([title_line]), f"{fence}{{runbook}} {title}"]
    head += [f":{name}: {value}" for name, value in options.items()]
    return [*head, "", *content, fence] if content else [*head, fence]
