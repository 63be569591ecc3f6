"""Ids and HTML anchors derived from titles."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container

from docutils import nodes


def slugify(text: str) -> str:
    """``"Database Connection Errors (500)"`` -> ``"database-connection-errors-500"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def unique(candidate: str, taken: Container[str]) -> str:
    """``candidate``, or ``candidate-2``, ``-3``... whichever is not taken yet."""
    if candidate not in taken:
        return candidate
    counter = 2
    while f"{candidate}-{counter}" in taken:
        counter += 1
    return f"{candidate}-{counter}"


def claim_anchor(document: nodes.document, node: nodes.Element, wanted: str) -> str:
    """Give ``node`` the HTML id ``wanted`` (made unique within the document).

    Blocks and commands use dotted anchors (``runbook.step``, ``runbook.step.1``):
    ids have no dots and docutils never makes one, so these do not collide.
    """
    # Ids and slugs are already valid HTML5 ids; docutils' make_id would drop
    # leading digits ("500-errors" -> "errors") and break the id/anchor match.
    anchor = unique(wanted or "runbook", document.ids)
    node["ids"].append(anchor)
    document.ids[anchor] = node
    return anchor
