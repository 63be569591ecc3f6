"""Heading anchors, so that in-page links survive the import.

A document's links to ``#some-heading`` resolve through MyST's heading
anchors (``myst_heading_anchors``).  When a heading becomes a runbook, a
step or a bold line, its anchor goes; the importer then writes a MyST target
``(some-heading)=`` where it was, for each anchor a link of the document uses.
Anchors are computed as MyST does by default (GitHub's rule: lower case,
spaces to ``-``, punctuation dropped; duplicates get ``-1``, ``-2``...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .blocks import Block, Document, Heading, ListBlock, Other, Paragraph, Table, Target

#: MyST's default: headings down to ``###`` get anchors.
ANCHOR_LEVELS = 3
_NOT_IN_SLUG = re.compile(r"[^\w\u4e00-\u9fff\- ]")


def github_slug(title: str) -> str:
    return _NOT_IN_SLUG.sub("", title.lower().replace(" ", "-"))


def heading_anchors(headings: Iterable[Heading]) -> dict[int, str]:
    """Heading line -> its anchor, for the headings that get one."""
    anchors: dict[int, str] = {}
    used: set[str] = set()
    #: Slug -> the first suffix not tried yet: every one below it is taken.  Counting
    #: from 1 again for each ``### Symptoms`` of a long document would be quadratic.
    next_suffix: dict[str, int] = {}
    for heading in headings:
        slug = github_slug(heading.plain)
        # Deeper headings have no anchor, so no link to them worked before either.
        if heading.level > ANCHOR_LEVELS or not slug:
            continue
        anchor, counter = slug, next_suffix.get(slug, 1)
        while anchor in used:
            anchor = f"{slug}-{counter}"
            counter += 1
        next_suffix[slug] = counter
        used.add(anchor)
        anchors[heading.start] = anchor
    return anchors


def links(blocks: Sequence[Block]) -> set[str]:
    found: set[str] = set()
    for block in blocks:
        if isinstance(block, (Paragraph, Heading, ListBlock, Table, Other)):
            found.update(block.links)
    return found


def needed_targets(document: Document, removed: set[int]) -> dict[int, str]:
    """Heading line -> the target to write for it: linked anchors that would be lost.

    ``removed`` holds the lines of the headings that stop being headings.
    """
    headings = [block for block in document.blocks if isinstance(block, Heading)]
    linked = links(document.blocks)
    existing = {block.name for block in document.blocks if isinstance(block, Target)}
    before = heading_anchors(headings)
    after = set(heading_anchors(h for h in headings if h.start not in removed).values())
    return {line: anchor for line, anchor in before.items()
            if anchor in linked and anchor not in after and anchor not in existing}
