"""Ids the importer writes: runbook ids, and the causes that steps point at."""

from __future__ import annotations

import re

from ..slugs import slugify, unique
from .units import Unit, UnitKind


def short_slug(title: str, limit: int = 40) -> str:
    """A readable id: the title's slug without apostrophes, cut at a word under ``limit``."""
    slug = slugify(plain_title(title).replace("'", "").replace("\u2019", ""))
    if len(slug) > limit:
        slug = slug[:limit + 1].rsplit("-", 1)[0]
    return slug


def plain_title(markdown: str) -> str:
    """Roughly the text a title renders to: links keep their text only."""
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)


def assign_ids(units: list[Unit]) -> None:
    """Ids for the causes that steps point at (``:for:``), free where they appear.

    The directives give each block an id in document order (symptoms
    ``symptom-<n>``, others their title as a slug or ``<kind>-<n>``); an
    explicit ``:id:`` that an earlier block already took is a warning, so
    this replays the numbering and picks one that is still free.
    """
    taken: set[str] = set()
    counters = dict.fromkeys(UnitKind, 0)
    last_step: str | None = None
    for unit in units:
        if unit.kind is UnitKind.PROSE:
            continue
        counters[unit.kind] += 1
        slug = slugify(plain_title(unit.title or ""))
        if unit.cited:
            generated = short_slug(unit.title or "") or "cause"
        elif unit.kind is UnitKind.SYMPTOM:
            generated = f"symptom-{counters[unit.kind]}"
        elif unit.kind is UnitKind.VERIFY:
            generated = slug or (f"verify-{last_step}" if last_step else "verify")
        else:
            generated = slug or f"{unit.kind.value}-{counters[unit.kind]}"
        block_id = unique(generated, taken)
        taken.add(block_id)
        if unit.cited:
            unit.options["id"] = block_id
        if unit.kind is UnitKind.STEP:
            last_step = block_id
        if unit.addresses is not None:
            unit.options["for"] = unit.addresses.options["id"]
