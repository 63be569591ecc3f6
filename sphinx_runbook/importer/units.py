"""The parts of an imported runbook: prose, symptoms, causes, steps and checks.

A unit holds *pieces*: ranges of source lines, copied (dedented) when the
MyST is written, or a few lines the importer wrote itself (the text after a
``**Cause:**`` label, a table cell).  It also keeps the blocks it holds, for
deciding what its code blocks are.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from .blocks import Block


class UnitKind(enum.Enum):
    PROSE = "prose"
    SYMPTOM = "symptom"
    CAUSE = "cause"
    STEP = "step"
    VERIFY = "verify"

    @property
    def runs_commands(self) -> bool:
        return self in (UnitKind.STEP, UnitKind.VERIFY)


@dataclass
class Piece:
    """Source lines ``start:end`` dedented by ``dedent``, or ``text`` as given."""

    start: int = 0
    end: int = 0
    dedent: int = 0
    text: tuple[str, ...] | None = None
    #: The line of a heading this piece stands for (for its anchor).
    heading_line: int | None = None


@dataclass
class Unit:
    kind: UnitKind
    title: str | None = None
    pieces: list[Piece] = field(default_factory=list)
    #: Its blocks in document order, list items' blocks included.
    blocks: list[Block] = field(default_factory=list)
    #: Opened by a heading, a step label or a list item: a lead-in paragraph
    #: inside does not start another step.
    explicit: bool = False
    #: Directive options, in the order they are written.
    options: dict[str, str] = field(default_factory=dict)
    #: Lines of headings this unit replaces (their anchors go before it).
    heading_lines: list[int] = field(default_factory=list)
    #: Number of its code blocks that are commands (set when it is closed).
    commands: int = 0
    #: The cause this step addresses (``:for:``), for steps made from a table row.
    addresses: Unit | None = None
    #: Whether a step addresses this cause (it then gets an explicit ``:id:``).
    cited: bool = False
    #: The label that opened it (``Symptoms``), written back if nothing follows it.
    label: str | None = None

    def add_range(self, lines: Sequence[str], start: int, end: int, dedent: int = 0,
                  blocks: Sequence[Block] = ()) -> None:
        """Copy ``lines[start:end]``; extends the last range when only blanks separate them."""
        last = self.pieces[-1] if self.pieces else None
        if (last is not None and last.text is None and last.dedent == dedent
                and last.end <= start
                and all(not line.strip() for line in lines[last.end:start])):
            last.end = max(last.end, end)
        else:
            self.pieces.append(Piece(start, end, dedent))
        self.blocks.extend(blocks)

    def add_text(self, lines: list[str], heading_line: int | None = None) -> None:
        self.pieces.append(Piece(text=tuple(lines), heading_line=heading_line))

    @property
    def empty(self) -> bool:
        return not self.pieces

