"""One document: plan its sections, build their runbooks, splice them into the text.

Everything outside the sections that become runbooks is copied line for
line, so the rest of the document (front matter, headings, links, tables)
is exactly as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..slugs import slugify, unique
from . import anchors, emit, parts
from .blocks import Block, Directive, Heading, Other, Target, parse, walk_blocks
from .ids import short_slug
from .labels import without_number
from .sections import Plan, SectionPlan, plan_document
from .units import UnitKind


@dataclass(frozen=True)
class ImportOptions:
    """What the command line adds to every runbook it writes."""

    service: str | None = None
    severity: str | None = None
    tags: tuple[str, ...] = ()
    #: Put before every runbook id, so that several imported files can share a site.
    id_prefix: str = ""


@dataclass(frozen=True)
class KeptAsProse:
    """A heading or label the importer did not classify (1-based line)."""

    line: int
    text: str


@dataclass
class ImportResult:
    text: str
    runbooks: int = 0
    steps: int = 0
    checks: int = 0
    commands: int = 0
    #: Runbooks the document already had (left as they were).
    existing: int = 0
    kept: list[KeptAsProse] = field(default_factory=list)


def import_markdown(text: str, options: ImportOptions | None = None) -> ImportResult:
    """The MyST version of a plain Markdown runbook (the same text when already imported)."""
    with _cyclic_collector_paused():
        return _import(text, options or ImportOptions())


@contextmanager
def _cyclic_collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while one document is imported.

    Parsing holds every markdown-it token of the document at once: about 140
    container objects per incident, none of them in a reference cycle
    (reference counting frees them all).  The collector's full passes visit
    every live object and, with CPython's default thresholds, come about every
    70,000 new ones: a long document's import grew with the square of its
    length (bench/importer.py: a fifth of the time at 800 incidents, 30 % at
    1,600).  Collection resumes afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import(text: str, options: ImportOptions) -> ImportResult:
    newline = "\r\n" if text.count("\r\n") * 2 > text.count("\n") else "\n"
    document = parse(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = document.lines
    plans = [plan for top in plan_document(document.root) for plan in top.walk()]
    converted = [plan.section for plan in plans if plan.plan.converts]
    removed = {block.start for section in converted for block in section.items()
               if isinstance(block, Heading)}
    targets = anchors.needed_targets(document, removed)
    rewrites: dict[int, list[str]] = {}
    source = emit.Source(lines, rewrites, targets)
    result = ImportResult("", existing=_existing_runbooks(document.blocks))
    result.kept = [KeptAsProse(plan.section.heading.start + 1, plan.section.heading.source)
                   for plan in plans if plan.plan is Plan.PROSE and plan.section.heading]
    taken = _existing_ids(document.blocks)
    replacements: list[tuple[int, int, list[str]]] = []
    for plan in plans:
        if plan.plan.converts:
            replacements.append(_runbook(plan, source, options, taken, result))
    for line, anchor in targets.items():
        if line not in removed:
            replacements.append((line, line, [f"({anchor})="]))
    result.kept.sort(key=lambda kept: kept.line)
    body = _splice(lines, sorted(replacements, key=lambda r: (r[0], r[1])))
    while body and not body[-1].strip():
        body.pop()
    result.text = newline.join(body) + newline
    return result


def _runbook(plan: SectionPlan, source: emit.Source, options: ImportOptions,
             taken: set[str], result: ImportResult) -> tuple[int, int, list[str]]:
    section = plan.section
    heading = section.heading
    assert heading is not None
    items = _without_trailing_rules(list(section.items())[1:])
    built = parts.build(items, source.lines, source.rewrites,
                        incident=plan.plan is Plan.INCIDENT)
    slug = short_slug(without_number(heading.plain), limit=60) or "runbook"
    runbook_id = unique(options.id_prefix + slug, taken)
    taken.add(runbook_id)
    directive_options = {"id": runbook_id}
    if options.service:
        directive_options["service"] = options.service
    if options.severity:
        directive_options["severity"] = options.severity
    if options.tags:
        directive_options["tags"] = ", ".join(options.tags)
    lines = emit.runbook_lines(heading.source, directive_options, built.units, source,
                                heading.start)
    for definition in built.definitions:
        lines += ["", *source.lines[definition.start:definition.end]]
    result.runbooks += 1
    for unit in built.units:
        result.steps += unit.kind is UnitKind.STEP
        result.checks += unit.kind is UnitKind.VERIFY
        result.commands += unit.commands
    result.kept += [KeptAsProse(kept.line + 1, kept.text) for kept in built.kept]
    # What follows the last block (rules, a target) stays where it is.
    end = max((block.end for block in items), default=heading.end)
    return heading.start, end, lines


def _without_trailing_rules(items: list[Block]) -> list[Block]:
    """Rules, targets and definitions at the end stay after the runbook.

    A runbook is a section, which may not end with a rule; a target at the
    end belongs to the heading that follows.
    """
    end = len(items)
    while end and (isinstance(items[end - 1], Target)
                   or _is_other(items[end - 1], "hr", "definition")):
        end -= 1
    return items[:end]


def _is_other(block: Block, *kinds: str) -> bool:
    return isinstance(block, Other) and block.kind in kinds


def _existing_runbooks(blocks: Sequence[Block]) -> int:
    return sum(1 for block in walk_blocks(blocks)
               if isinstance(block, Directive) and block.name == "runbook")


def _existing_ids(blocks: Sequence[Block]) -> set[str]:
    return {block.explicit_id or slugify(block.argument) for block in walk_blocks(blocks)
            if isinstance(block, Directive) and block.name == "runbook"}


def _splice(lines: Sequence[str], replacements: list[tuple[int, int, list[str]]]) -> list[str]:
    """``lines`` with ``[start, end)`` replaced, each replacement set off by blank lines."""
    result: list[str] = []
    position = 0
    for start, end, new in replacements:
        result += lines[position:start]
        if result and result[-1].strip():
            result.append("")
        result += new
        position = max(position, end)
        # An inserted target stays right above its heading.
        if start != end and position < len(lines) and lines[position].strip():
            result.append("")
    result += lines[position:]
    return result


