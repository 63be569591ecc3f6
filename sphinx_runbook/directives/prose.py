"""``symptom`` and ``cause``: prose blocks of a runbook.

Their code blocks (log excerpts, error messages) are not commands unless the
author gives them the ``runbook-command`` class.
"""

from __future__ import annotations

from typing import Any, ClassVar

from docutils import nodes

from .. import nodes as rb
from .. import options as opt
from ..slugs import claim_anchor, slugify
from .base import BaseDirective


def card(kind: str, label: str, title: list[nodes.Node], node: nodes.Element) -> None:
    """Fill ``node`` as a sphinx-design card: a labelled header, then the body."""
    node["classes"] += ["sd-card", "sd-sphinx-override", "sd-mb-3", "sd-shadow-sm",
                        f"runbook-{kind}"]
    header = nodes.container("", classes=["sd-card-header", "runbook-block-header"])
    heading = nodes.paragraph("", classes=["runbook-block-label"])
    heading += nodes.strong(label, label)
    if title:
        heading += nodes.Text(": ")
        heading += title
    header += heading
    node += header


class _ProseDirective(BaseDirective):
    optional_arguments = 1
    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""

    def make_node(self, options: dict[str, Any]) -> nodes.Element:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        options = self.checked_options()
        context = self.context
        if context is None:
            self.warn(f"{self.name!r} must be inside a 'runbook' directive", "misplaced")
        node = self.make_node(options)
        self.set_source_info(node)
        title_nodes = self.parse_title(self.arguments[0].strip()) if self.arguments else []
        title = "".join(node.astext() for node in title_nodes)
        node["block_title"] = title
        card(self.kind, self.label, title_nodes, node)
        if self.content:
            body = nodes.container("", classes=["sd-card-body", "runbook-block-body"])
            self.parse_content_into(body)
            node += body
        if context is not None:
            node["runbook_id"] = context.runbook_id
            node["block_id"] = self.block_id(node, options, title)
            claim_anchor(self.state.document, node, f"{context.runbook_id}.{node['block_id']}")
        return [node]

    def block_id(self, node: nodes.Element, options: dict[str, Any], title: str) -> str:
        raise NotImplementedError


class SymptomDirective(_ProseDirective):
    """What the on-call engineer sees: an alert, an error message, a behaviour."""

    kind = "symptom"
    label = "Symptom"
    validators: ClassVar[dict[str, Any]] = {"id": opt.slug, "class": opt.class_list}

    def make_node(self, options: dict[str, Any]) -> nodes.Element:
        return rb.symptom("", classes=options.get("class", []))

    def block_id(self, node: nodes.Element, options: dict[str, Any], title: str) -> str:
        assert self.context is not None
        self.context.symptom_count += 1
        # Numbered, not slugged: symptom texts change more often than their place.
        return self.claim_block_id(options, f"symptom-{self.context.symptom_count}")


class CauseDirective(_ProseDirective):
    """A possible explanation; steps point at it with ``:for:``."""

    kind = "cause"
    label = "Cause"
    validators: ClassVar[dict[str, Any]] = {"id": opt.slug, "class": opt.class_list}

    def make_node(self, options: dict[str, Any]) -> nodes.Element:
        return rb.cause("", classes=options.get("class", []))

    def block_id(self, node: nodes.Element, options: dict[str, Any], title: str) -> str:
        assert self.context is not None
        self.context.cause_count += 1
        return self.claim_block_id(options, slugify(title) or f"cause-{self.context.cause_count}")
