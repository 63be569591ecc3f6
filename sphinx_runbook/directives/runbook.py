"""``runbook``: one incident scenario, rendered as a section of its own."""

from __future__ import annotations

from typing import Any, ClassVar

from docutils import nodes

from .. import nodes as rb
from .. import options as opt
from ..slugs import claim_anchor, slugify
from .base import BaseDirective, RunbookContext

#: sphinx-design colours for each severity (most urgent first).
SEVERITY_COLOURS = {
    "P0": "danger", "critical": "danger",
    "P1": "warning", "high": "warning",
    "P2": "info", "medium": "info",
    "P3": "secondary", "low": "secondary",
    "P4": "light",
}


def badge(text: str, colour: str, *extra_classes: str) -> nodes.inline:
    """A sphinx-design badge (plain text in every non-HTML builder)."""
    classes = ["sd-sphinx-override", "sd-badge", f"sd-bg-{colour}", f"sd-bg-text-{colour}"]
    return nodes.inline(text, text, classes=[*classes, *extra_classes])


class RunbookDirective(BaseDirective):
    """``.. runbook:: Title`` with ``:id:``, ``:service:``, ``:severity:``..."""

    required_arguments = 1
    validators: ClassVar[dict[str, Any]] = {
        "id": opt.slug,
        "service": opt.text,
        "severity": opt.severity,
        "owner": opt.text,
        "tags": opt.comma_list,
        "alerts": opt.comma_list,
        "class": opt.class_list,
    }

    def run(self) -> list[nodes.Node]:
        options = self.checked_options()
        title_nodes = self.parse_title(self.arguments[0].strip())
        title = "".join(node.astext() for node in title_nodes)
        if self.context is not None:
            self.warn(
                f"runbook {title!r} is inside runbook {self.context.runbook_id!r}; "
                "runbooks cannot be nested",
                "misplaced",
            )
        runbook_id = options.get("id") or slugify(title) or "runbook"
        node = rb.runbook(
            "",
            classes=["runbook", *options.get("class", [])],
            runbook_id=runbook_id,
            # One dict: docutils versions print None-valued attributes differently.
            runbook_meta={
                "title": title,
                "service": options.get("service"),
                "severity": options.get("severity"),
                "owner": options.get("owner"),
                "tags": options.get("tags", []),
                "alerts": options.get("alerts", []),
            },
        )
        self.set_source_info(node)
        claim_anchor(self.state.document, node, runbook_id)
        node += nodes.title(title, "", *title_nodes)
        meta = self.metadata_line(options)
        if meta is not None:
            node += meta
        with self.entered(RunbookContext(runbook_id=runbook_id)):
            self.parse_content_into(node)
        return [node]

    def metadata_line(self, options: dict[str, Any]) -> nodes.Element | None:
        """Severity, service, owner, tags and alerts as labelled badges."""
        items: list[tuple[str, list[nodes.Node]]] = []
        if severity := options.get("severity"):
            colour = SEVERITY_COLOURS[severity]
            items.append(("Severity", [badge(severity, colour, "runbook-severity")]))
        if service := options.get("service"):
            items.append(("Service", [badge(service, "primary", "runbook-service")]))
        if owner := options.get("owner"):
            items.append(("Owner", [nodes.inline(owner, owner, classes=["runbook-owner"])]))
        if tags := options.get("tags"):
            items.append(("Tags", [badge(tag, "secondary", "runbook-tag") for tag in tags]))
        if alerts := options.get("alerts"):
            items.append(("Alerts", [
                nodes.literal(alert, alert, classes=["runbook-alert"]) for alert in alerts
            ]))
        if not items:
            return None
        line = nodes.paragraph("", classes=["runbook-meta"])
        for label, values in items:
            item = nodes.inline("", classes=["runbook-meta-item"])
            item += nodes.strong(f"{label}:", f"{label}:", classes=["runbook-meta-label"])
            for value in values:
                item += nodes.Text(" ")
                item += value
            if len(line):
                line += nodes.Text(" ")
            line += item
        return line
