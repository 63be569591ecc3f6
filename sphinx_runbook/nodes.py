"""Doctree nodes of the runbook directives.

Each node subclasses a standard docutils node, so every Sphinx builder renders
it through the parent class's visitor (Sphinx dispatches along the MRO): a
runbook is a section, the blocks are containers, a step title is a rubric.
Only the HTML builder gets visitors of its own (see :mod:`sphinx_runbook.html`).
"""

from __future__ import annotations

from docutils import nodes


class runbook(nodes.section):
    """One incident scenario; attributes ``runbook_id`` and ``runbook_meta`` (a dict)."""


class symptom(nodes.container):
    """What the on-call engineer observes."""


class cause(nodes.container):
    """A possible explanation; ``cause_id`` is referenced by ``step :for:``."""


class step(nodes.container):
    """A ``step`` or ``verify`` block; the attribute ``runbook_step`` holds its options."""


class step_title(nodes.rubric):
    """The numbered title line of a step or verify block."""


class command_block(nodes.container):
    """Wraps a code block that is a command; carries ``copy_text`` and ``runbook_commands``."""


RUNBOOK_BLOCKS = (symptom, cause, step)


def enclosing(node: nodes.Node, kind: type[nodes.Element] | tuple[type[nodes.Element], ...]
              ) -> nodes.Element | None:
    """The nearest ancestor of ``node`` (not ``node`` itself) of the given kind."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, kind):
            return parent
        parent = parent.parent
    return None


def blocks_of(book: runbook) -> list[nodes.Element]:
    """The symptoms, causes, steps and verify blocks of ``book``, in document order.

    Blocks of a (wrongly) nested runbook, and blocks parsed outside any
    runbook (no ``runbook_id``), are not included.
    """
    return [
        node for node in book.findall(nodes.Element)
        if isinstance(node, RUNBOOK_BLOCKS) and "runbook_id" in node
        and enclosing(node, runbook) is book
    ]
