"""Which sections become runbooks.

A section is an *incident* when it has runbook parts: a ``Symptoms`` or
``Resolution`` sub-heading, a ``**Cause:**`` label, a symptom/cause/fix
table.  Failing that, it is a *procedure* when it holds code to run, or when
its subsections are numbered steps (``### 1. Check the logs``).  A section
whose subsections are runbooks stays a heading (a *container*): runbooks do
not nest.  The rest is prose.

A section's plan depends only on its own content and its subsections, never
on its neighbours: so importing the output again finds the same sections,
and changes nothing (the runbooks already there are containers' content).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from . import expect
from .blocks import Directive, Fence, Paragraph, Section, Table, walk_blocks
from .labels import PART_KINDS, Kind, classify, is_known_prose_section
from .parts import paragraph_labels
from .tables import table_shape


class Plan(enum.Enum):
    INCIDENT = "incident"
    PROCEDURE = "procedure"
    CONTAINER = "container"
    PROSE = "prose"
    #: Navigation and reference (contents, contacts...): prose, not reported.
    KNOWN_PROSE = "known prose"

    @property
    def converts(self) -> bool:
        return self in (Plan.INCIDENT, Plan.PROCEDURE)


@dataclass
class SectionPlan:
    section: Section
    plan: Plan
    children: list[SectionPlan] = field(default_factory=list)

    def walk(self) -> list[SectionPlan]:
        result = [self]
        for child in self.children:
            result += child.walk()
        return result


def plan_document(root: Section) -> list[SectionPlan]:
    """The plans of the top-level sections (text before the first heading stays)."""
    return [plan_section(child) for child in root.children]


def plan_section(section: Section) -> SectionPlan:
    assert section.heading is not None
    if holds_runbook(section) or not section.heading.source.strip():
        # Runbooks do not nest; an empty heading has nothing to title one with.
        return SectionPlan(section, Plan.CONTAINER, [plan_section(c) for c in section.children])
    parts = [child for child in section.children if _is_part(child)]
    others = {id(child): plan_section(child) for child in section.children
              if child not in parts}
    if any(plan.plan in (Plan.INCIDENT, Plan.CONTAINER) for plan in others.values()):
        return SectionPlan(section, Plan.CONTAINER, [
            others.get(id(child)) or plan_section(child) for child in section.children])
    if is_known_prose_section(section.heading.source):
        return SectionPlan(section, Plan.KNOWN_PROSE)
    if any(isinstance(block, Fence) and not block.closed
           for block in walk_blocks(list(section.items()))):
        # The block runs to the end of the document: moved into a directive,
        # it would swallow the directive's end. Left as it is.
        return SectionPlan(section, Plan.PROSE)
    if parts or _has_part_labels(section):
        return SectionPlan(section, Plan.INCIDENT)
    children = section.children
    if len(children) >= 2 and all(_is_numbered(child) for child in children):
        return SectionPlan(section, Plan.PROCEDURE)
    if any(plan.plan is Plan.PROCEDURE for plan in others.values()):
        return SectionPlan(section, Plan.CONTAINER, list(others.values()))
    if (any(expect.is_command(block) for block in walk_blocks(section.body))
            or _step_labels(section) >= 2):
        return SectionPlan(section, Plan.PROCEDURE)
    return SectionPlan(section, Plan.PROSE)


def holds_runbook(section: Section) -> bool:
    return any(isinstance(block, Directive) and block.name == "runbook"
               for block in walk_blocks(list(section.items())))


def looks_like_incident(section: Section) -> bool:
    return _has_part_labels(section) or any(_is_part(child) for child in section.children)


def _is_part(section: Section) -> bool:
    """A ``### Resolution`` subsection: a part of its parent's runbook."""
    assert section.heading is not None
    return (classify(section.heading.source).kind in PART_KINDS
            and not any(looks_like_incident(child) for child in section.children))


def _is_numbered(section: Section) -> bool:
    assert section.heading is not None
    return classify(section.heading.source).kind is Kind.STEP


def _has_part_labels(section: Section) -> bool:
    for block in section.body:
        if isinstance(block, Paragraph) and any(
                found.label.kind in PART_KINDS for _, found in paragraph_labels(block)):
            return True
        if isinstance(block, Table) and table_shape(block) is not None:
            return True
    return False


def _step_labels(section: Section) -> int:
    return sum(1 for block in section.body if isinstance(block, Paragraph)
               and any(found.label.kind is Kind.STEP for _, found in paragraph_labels(block)))
