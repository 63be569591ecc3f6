"""From the blocks of one section to the units of its runbook.

The blocks are read in document order, sub-headings included, with a *mode*
that the last label set: a ``Symptoms`` label makes what follows a symptom, a
``Resolution`` label makes numbered items and code blocks steps, a
``Verification`` label makes them checks.  Where no label says anything
(the *intro*), code to run still becomes a step, and a numbered list whose
items hold code becomes steps.

Nothing is dropped: every block lands in a unit (prose included); labels
turn into the directives they announce, and unknown headings become bold
lines (a runbook cannot hold headings), which the report lists.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import expect
from .blocks import (
    Block,
    Fence,
    Heading,
    IndentedCode,
    ListBlock,
    ListItem,
    Other,
    Paragraph,
    Table,
    walk_blocks,
)
from .ids import assign_ids
from .labels import (
    CALLOUTS,
    Kind,
    Label,
    LineLabel,
    bold_label,
    classify,
    is_bare,
    normalise,
    plain_label,
    strip_colon,
    unwrap_bold,
)
from .tables import table_shape, table_units
from .units import Unit, UnitKind


class Mode(enum.Enum):
    INTRO = "intro"
    SYMPTOM = "symptom"
    CAUSE = "cause"
    STEPS = "steps"
    VERIFY = "verify"


_UNIT_OF_MODE = {Mode.SYMPTOM: UnitKind.SYMPTOM, Mode.CAUSE: UnitKind.CAUSE,
                 Mode.STEPS: UnitKind.STEP, Mode.VERIFY: UnitKind.VERIFY}
_MODE_OF_KIND = {Kind.SYMPTOM: Mode.SYMPTOM, Kind.CAUSE: Mode.CAUSE,
                 Kind.STEPS: Mode.STEPS, Kind.VERIFY: Mode.VERIFY}
#: A title is one short line; a longer first line stays in the body.
_TITLE_LIMIT = 100
#: "After the rollback, verify:", "Verify that it works:" lead-ins start checks.
_VERIFY_LEAD = re.compile(r"^(?:verify|check that|confirm)\b|\bverify$", re.IGNORECASE)


@dataclass(frozen=True)
class Kept:
    """A heading or label left as prose, for the report (0-based line)."""

    line: int
    text: str


@dataclass
class Built:
    units: list[Unit]
    #: Link reference definitions found inside: written after the runbook.
    definitions: list[Block] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)


def build(items: Sequence[Block], lines: Sequence[str], rewrites: dict[int, list[str]],
          *, incident: bool) -> Built:
    """The units of a runbook whose content is ``items`` (its title heading left out).

    ``rewrites`` receives the source lines that change (fence languages, list
    markers); ``incident`` says whether a code block at the top may be the
    symptom (an error message) rather than prose.
    """
    builder = _Builder(lines, rewrites, incident=incident,
                       labelled_symptoms=_has_symptom_label(items))
    for index, block in enumerate(items):
        builder.feed(block, items[index + 1] if index + 1 < len(items) else None)
    builder.close()
    units = _split_simple_causes(builder.units)
    assign_ids(units)
    return Built(units, builder.definitions, builder.kept)


def paragraph_labels(paragraph: Paragraph) -> list[tuple[int, LineLabel]]:
    """The labels a paragraph is made of: (line offset, label), first line first.

    Empty when its first line is not a label.  A later line starts another
    label only for a known part (``**Cause:** ...`` then ``**Fix:** ...``).
    """
    source_lines = paragraph.source.split("\n")
    first = bold_label(source_lines[0]) or plain_label(source_lines[0])
    if first is None:
        return []
    found = [(0, first)]
    for offset, line in enumerate(source_lines[1:], start=1):
        label = bold_label(line)
        if label is not None and label.label.kind is not Kind.UNKNOWN:
            found.append((offset, label))
    return found


def _has_symptom_label(items: Sequence[Block]) -> bool:
    for block in items:
        if isinstance(block, Heading) and classify(block.source).kind is Kind.SYMPTOM:
            return True
        if isinstance(block, Paragraph) and any(
                found.label.kind is Kind.SYMPTOM for _, found in paragraph_labels(block)):
            return True
    return False


def _has_command(unit: Unit) -> bool:
    return any(expect.is_command(block) for block in unit.blocks)


class _Builder:
    def __init__(self, lines: Sequence[str], rewrites: dict[int, list[str]], *,
                 incident: bool, labelled_symptoms: bool) -> None:
        self.lines = lines
        self.rewrites = rewrites
        self.incident = incident
        self.labelled_symptoms = labelled_symptoms
        self.units: list[Unit] = []
        self.definitions: list[Block] = []
        self.kept: list[Kept] = []
        self.current: Unit | None = None
        self.mode = Mode.INTRO
        #: The mode the last heading set: a bold label's mode lasts until the next label.
        self.heading_mode = Mode.INTRO
        #: Whether a symptom, cause, step or check came already.
        self.seen_part = False

    # -- units ------------------------------------------------------------------

    def open(self, kind: UnitKind, title: str | None = None, *, explicit: bool = False) -> Unit:
        self.close()
        unit = Unit(kind, title, explicit=explicit)
        self.current = unit
        if kind is not UnitKind.PROSE:
            self.seen_part = True
        return unit

    def close(self) -> None:
        unit, self.current = self.current, None
        if unit is not None and unit.empty and unit.title is None and unit.label:
            # "**Symptoms:**" and then nothing: the label stays, as prose.
            label, unit = unit.label, Unit(UnitKind.PROSE, heading_lines=unit.heading_lines)
            unit.add_text([label])
        if unit is None or (unit.empty and unit.title is None and not unit.heading_lines):
            return
        if unit.kind.runs_commands:
            expect.settle(unit, self.lines, self.rewrites)
        previous = self.units[-1] if self.units else None
        if (unit.kind is UnitKind.PROSE and previous is not None
                and previous.kind is UnitKind.PROSE and not unit.heading_lines):
            previous.pieces += unit.pieces
            previous.blocks += unit.blocks
            return
        self.units.append(unit)

    def prose(self) -> Unit:
        if self.current is None or self.current.kind is not UnitKind.PROSE:
            return self.open(UnitKind.PROSE)
        return self.current

    @property
    def stepping(self) -> Unit | None:
        """The open step or verify block, if any."""
        unit = self.current
        return unit if unit is not None and unit.kind.runs_commands else None

    def part_unit(self) -> Unit:
        """The open unit of the mode's kind, or a new one."""
        kind = _UNIT_OF_MODE[self.mode]
        if self.current is not None and self.current.kind is kind:
            return self.current
        return self.open(kind)

    def step(self, title: str | None, *, explicit: bool) -> Unit:
        """A new step, or a new check under a verification heading."""
        verify = self.mode is Mode.VERIFY and self.heading_mode is Mode.VERIFY
        kind = UnitKind.VERIFY if verify else UnitKind.STEP
        if not verify:
            self.mode = Mode.STEPS
        return self.open(kind, title, explicit=explicit)

    def add(self, unit: Unit, block: Block) -> None:
        unit.add_range(self.lines, block.start, block.end, 0, list(walk_blocks([block])))

    def place(self, block: Block) -> None:
        """A block that starts nothing: into the open unit, or the part it is in."""
        if self.mode in (Mode.SYMPTOM, Mode.CAUSE):
            self.add(self.part_unit(), block)
        elif self.stepping is not None:
            self.add(self.stepping, block)
        elif self.mode in (Mode.STEPS, Mode.VERIFY):
            self.add(self.part_unit(), block)
        else:
            self.add(self.prose(), block)

    # -- blocks -----------------------------------------------------------------

    def feed(self, block: Block, following: Block | None) -> None:
        if isinstance(block, Heading):
            self.heading(block, following)
        elif isinstance(block, Paragraph):
            labels = paragraph_labels(block)
            if labels:
                self.labelled(block, labels, following)
            else:
                self.paragraph(block, following)
        elif isinstance(block, ListBlock):
            self.list_block(block)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, (Fence, IndentedCode)):
            self.code(block)
        elif isinstance(block, Other) and block.kind == "definition":
            if isinstance(following, IndentedCode):
                # It separates the code from a list before it: it stays.
                self.add(self.current or self.prose(), block)
            else:
                # After the runbook, it serves the links outside the runbook too.
                self.definitions.append(block)
        elif isinstance(block, Other) and block.kind == "hr":
            # A rule ends a step; in the runbook it separates prose.
            self.add(self.prose(), block)
        else:
            self.place(block)

    def heading(self, heading: Heading, following: Block | None) -> None:
        label = classify(heading.source)
        kind = label.kind
        self.close()
        self.heading_mode = _MODE_OF_KIND.get(kind, Mode.INTRO)
        if kind in (Kind.SYMPTOM, Kind.CAUSE):
            self.mode = _MODE_OF_KIND[kind]
            if is_bare(label) or label.title:
                unit = self.open(_UNIT_OF_MODE[self.mode], label.title)
                unit.heading_lines.append(heading.start)
                unit.label = f"**{heading.source}**"
            else:
                # "Detection", "Common causes": more than the card's header says.
                self.prose().add_text([f"**{heading.source}**"], heading_line=heading.start)
        elif kind in (Kind.STEPS, Kind.VERIFY):
            # "Recovery Steps", "If the problem persists": the steps follow, the
            # words stay as a bold line above them.
            self.mode = _MODE_OF_KIND[kind]
            self.seen_part = True
            self.prose().add_text([f"**{heading.source}**"], heading_line=heading.start)
        elif kind is Kind.STEP or (kind is Kind.UNKNOWN and expect.is_command(following)):
            title = label.title if kind is Kind.STEP else label.text
            self.step(title, explicit=True).heading_lines.append(heading.start)
        else:
            # A runbook holds no headings: a bold line keeps the words and the place.
            self.mode = Mode.INTRO
            self.prose().add_text([f"**{heading.source}**"], heading_line=heading.start)
            if kind is Kind.UNKNOWN:
                self.kept.append(Kept(heading.start, heading.source))

    def labelled(self, paragraph: Paragraph, labels: list[tuple[int, LineLabel]],
                 following: Block | None) -> None:
        if len(labels) == 1:
            offset, found = labels[0]
            rest = [found.rest] if found.rest else []
            rest += [line.strip() for line in self.lines[paragraph.start + 1:paragraph.end]]
            self.label(found.label, _hard_breaks_removed(rest), paragraph, following,
                       line=paragraph.start)
            return
        # Several labels in one paragraph (``**Cause:** ...`` / ``**Fix:** ...``):
        # each becomes a paragraph of its own.
        ends = [offset for offset, _ in labels[1:]] + [paragraph.end - paragraph.start]
        for (offset, found), end in zip(labels, ends, strict=True):
            rest = [found.rest] if found.rest else []
            rest += [line.strip() for line in
                     self.lines[paragraph.start + offset + 1:paragraph.start + end]]
            last = end == paragraph.end - paragraph.start
            self.label(found.label, _hard_breaks_removed(rest), None,
                       following if last else None, line=paragraph.start + offset)

    def label(self, label: Label, rest: list[str], paragraph: Paragraph | None,
              following: Block | None, *, line: int) -> None:
        """A labelled paragraph (``paragraph``), or one label of several (None) at ``line``."""
        kind = label.kind
        if kind in (Kind.SYMPTOM, Kind.CAUSE):
            self.mode = _MODE_OF_KIND[kind]
            if not is_bare(label) and not label.title:
                self.as_written(self.prose(), label, [], paragraph if not rest else None)
            unit = self.open(_UNIT_OF_MODE[self.mode], label.title)
            unit.label = f"**{label.text}:**" if is_bare(label) else None
            if rest:
                unit.add_text(rest)
        elif kind in (Kind.STEPS, Kind.VERIFY):
            self.close()
            self.mode = _MODE_OF_KIND[kind]
            self.seen_part = True
            if rest:
                self.lead_text(rest, following)
            else:
                self.as_written(self.prose(), label, rest, paragraph)
        elif kind is Kind.STEP:
            title = label.title
            if title is None and len(rest) == 1 and len(rest[0]) <= _TITLE_LIMIT:
                title, rest = strip_colon(rest[0]), []
            unit = self.step(title, explicit=True)
            if rest:
                unit.add_text(rest)
        elif kind in (Kind.EXPECTED, Kind.EXAMPLE) or (
                kind is Kind.NOTE and normalise(label.text) in CALLOUTS
                and self.stepping is not None):
            # Kept as written, in the step it annotates.
            self.keep_label(label, rest, paragraph, following)
        elif kind is Kind.NOTE:
            self.mode = Mode.INTRO
            self.as_written(self.prose(), label, rest, paragraph)
        elif self.stepping is not None and self.stepping.explicit:
            self.as_written(self.stepping, label, rest, paragraph)
        elif expect.is_command(following):
            if paragraph is not None and not rest:
                self.step(strip_colon(label.text), explicit=True)
            else:
                self.as_written(self.step(None, explicit=False), label, rest, paragraph)
        elif self.stepping is not None:
            self.as_written(self.stepping, label, rest, paragraph)
        else:
            self.as_written(self.prose(), label, rest, paragraph)
            self.kept.append(Kept(line, label.text))

    def keep_label(self, label: Label, rest: list[str], paragraph: Paragraph | None,
                   following: Block | None) -> None:
        if paragraph is not None:
            self.paragraph(paragraph, following, lead_in=False)
        else:
            self.as_written(self.stepping or self.prose(), label, rest, None)

    def as_written(self, unit: Unit, label: Label, rest: list[str],
                   paragraph: Paragraph | None) -> None:
        """The labelled paragraph as written, or (one label of several) as a line of its own."""
        if paragraph is not None:
            self.add(unit, paragraph)
        else:
            unit.add_text([f"**{label.text}:** {' '.join(rest)}".rstrip()])

    def lead_text(self, rest: list[str], following: Block | None) -> None:
        """The text after a ``**Fix:**`` label: a step's title, or its first paragraph."""
        single = len(rest) == 1 and rest[0].endswith(":") and len(rest[0]) <= _TITLE_LIMIT
        if single and expect.is_command(following):
            self.open(_UNIT_OF_MODE[self.mode], strip_colon(rest[0]))
        else:
            self.open(_UNIT_OF_MODE[self.mode]).add_text(rest)

    def paragraph(self, paragraph: Paragraph, following: Block | None, *,
                  lead_in: bool = True) -> None:
        lead = (lead_in and paragraph.end - paragraph.start == 1
                and paragraph.source.rstrip().endswith(":")
                and len(paragraph.source) <= _TITLE_LIMIT and expect.is_command(following))
        stepping = self.stepping
        if not lead or self.mode in (Mode.SYMPTOM, Mode.CAUSE):
            self.place(paragraph)
            return
        title = strip_colon(unwrap_bold(paragraph.source))
        verify = self.mode is Mode.VERIFY or bool(_VERIFY_LEAD.search(title))
        kind = UnitKind.VERIFY if verify else UnitKind.STEP
        if stepping is None or (not stepping.explicit and _has_command(stepping)):
            self.open(kind, title)
        else:
            self.add(stepping, paragraph)

    def code(self, block: Fence | IndentedCode) -> None:
        if self.mode in (Mode.SYMPTOM, Mode.CAUSE, Mode.STEPS, Mode.VERIFY) or self.stepping:
            self.place(block)
        elif expect.is_command(block):
            self.add(self.open(UnitKind.STEP), block)
        elif self.incident and not self.labelled_symptoms and not self.seen_part:
            # An error message at the top of an incident is what the engineer sees.
            self.add(self.open(UnitKind.SYMPTOM), block)
            self.close()
        else:
            self.add(self.prose(), block)

    def list_block(self, block: ListBlock) -> None:
        has_code = any(expect.is_command(inner) for item in block.items
                       for inner in walk_blocks(item.blocks))
        stepping = self.stepping
        if self.mode in (Mode.SYMPTOM, Mode.CAUSE) or not all(i.blocks for i in block.items):
            # An empty item would make an empty step: such a list stays a list.
            self.place(block)
        elif stepping is not None and (stepping.explicit or not block.ordered):
            self.add(stepping, block)
        elif block.ordered and self.mode is Mode.VERIFY and has_code:
            self.items(block, UnitKind.VERIFY)
        elif block.ordered and (self.mode is Mode.STEPS or (self.mode is Mode.INTRO and has_code)):
            self.items(block, UnitKind.STEP)
        else:
            self.place(block)

    def items(self, block: ListBlock, kind: UnitKind) -> None:
        """One step (or check) per item; a short first line is its title."""
        for item in block.items:
            title, body = _item_title(item)
            unit = self.open(kind, title, explicit=True)
            if not body:
                continue  # the title is all there is
            start = item.start if title is None else body[0].start
            if title is None:
                # The marker goes; the item's text stays where it was.
                line = self.lines[item.start]
                self.rewrites[item.start] = [" " * item.indent + line[item.indent:]]
            unit.add_range(self.lines, start, _trimmed_end(self.lines, start, item.end),
                           item.indent, list(walk_blocks(body)))
        self.close()
        if self.mode is Mode.INTRO:
            self.mode = Mode.STEPS

    def table(self, block: Table) -> None:
        shape = table_shape(block)
        if shape is None:
            self.place(block)
            return
        self.close()
        self.seen_part = True
        self.units += table_units(block, shape)
        self.mode = Mode.INTRO


def _hard_breaks_removed(lines: list[str]) -> list[str]:
    # Line breaks (two spaces, or a backslash) only separated the labels.
    result = [line.rstrip() for line in lines]
    if result and result[-1].endswith("\\"):
        result[-1] = result[-1][:-1].rstrip()
    return [line for line in result if line]


def _item_title(item: ListItem) -> tuple[str | None, list[Block]]:
    blocks = list(item.blocks)
    first = blocks[0] if blocks else None
    if (isinstance(first, Paragraph) and first.start == item.start
            and first.end - first.start == 1 and len(first.source) <= _TITLE_LIMIT):
        return strip_colon(unwrap_bold(first.source)), blocks[1:]
    return None, blocks


def _trimmed_end(lines: Sequence[str], start: int, end: int) -> int:
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end


def _split_simple_causes(units: list[Unit]) -> list[Unit]:
    """A cause part that is only a list of one-line items: one titled cause per item."""
    result: list[Unit] = []
    for unit in units:
        items = _simple_items(unit) if unit.kind is UnitKind.CAUSE else None
        if items is None:
            result.append(unit)
            continue
        causes = [Unit(UnitKind.CAUSE, item) for item in items]
        causes[0].heading_lines = unit.heading_lines
        result += causes
    return result


def _simple_items(unit: Unit) -> list[str] | None:
    if unit.title is not None or len(unit.pieces) != 1 or not unit.blocks:
        return None
    top = unit.blocks[0]
    if not isinstance(top, ListBlock) or top.end < max(b.end for b in unit.blocks):
        return None
    titles = []
    for item in top.items:
        paragraph = item.blocks[0] if len(item.blocks) == 1 else None
        if not isinstance(paragraph, Paragraph) or paragraph.end - paragraph.start != 1:
            return None
        titles.append(strip_colon(paragraph.source))
    return titles
