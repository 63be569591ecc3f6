"""``step`` and ``verify``: the blocks whose code blocks are commands."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from docutils import nodes

from .. import nodes as rb
from .. import options as opt
from ..slugs import claim_anchor, slugify
from .base import BaseDirective
from .runbook import badge

_COMMON: dict[str, Any] = {
    "id": opt.slug,
    "requires": opt.comma_list,
    "timeout": opt.duration,
    "expect-exit": opt.exit_status,
    "run": opt.run_mode,
    "env": opt.env_assignments,
    "cwd": opt.text,
    "needs": opt.slug_list,
    "destructive": opt.flag,
    "expect-json": opt.json_value,
    "expect-status": opt.http_status,
    "manual": opt.flag,
    "safety": opt.safety_level,
    "safety-reason": opt.text,
    "ignore-checks": opt.ignored_checks,
    "class": opt.class_list,
}


def _sphinx_design_step(directive: BaseDirective) -> list[nodes.Node] | None:
    """Let sphinx-design render a ``step`` that sits in its ``steps`` list."""
    parent = directive.state_machine.node
    if not (isinstance(parent, nodes.Element) and parent.get("design_component") == "steps"):
        return None
    try:
        from sphinx_design.steps import StepDirective as DesignStep
    except ImportError:  # an older sphinx-design without steps
        return None
    allowed = DesignStep.option_spec or {}
    design_options = {}
    for name, raw in directive.options.items():
        value = raw.value if isinstance(raw, opt.UnknownOption) else raw
        if name not in allowed:
            directive.warn(f"option :{name}: of a sphinx-design step (inside 'steps') is not "
                           f"one of {', '.join(f':{key}:' for key in sorted(allowed))}",
                           "unknown-option")
            continue
        try:
            converter: Any = allowed[name]
            design_options[name] = converter(value)
        except ValueError as error:
            directive.warn(f"invalid :{name}: of sphinx-design step: {error}", "invalid-option")
    return DesignStep(
        directive.name, directive.arguments, design_options, directive.content,
        directive.lineno, directive.content_offset, directive.block_text,
        directive.state, directive.state_machine,
    ).run()


class _BlockDirective(BaseDirective):
    optional_arguments = 1
    kind: ClassVar[str] = "step"

    def run(self) -> list[nodes.Node]:
        delegated = _sphinx_design_step(self)
        if delegated is not None:
            return delegated
        options = self.checked_options()
        context = self.context
        if context is None:
            self.warn(f"{self.name!r} must be inside a 'runbook' directive", "misplaced")
        title_nodes = self.parse_title(self.arguments[0].strip()) if self.arguments else []
        # Records keep the title's text: `code` in MyST and ``code`` in reST agree.
        title = "".join(node.astext() for node in title_nodes)
        number: int | None = None
        if self.kind == "step" and context is not None:
            context.step_count += 1
            number = context.step_count
        settings = {
            "kind": self.kind,
            "number": number,
            "title": title or (f"Step {number}" if number else "Verify"),
            "for_causes": options.get("for", []),
            "requires": options.get("requires", []),
            "needs": options.get("needs", []),
            "timeout": options.get("timeout"),
            "expect_exit": options.get("expect-exit"),
            "expect_json": options.get("expect-json"),
            "expect_status": options.get("expect-status"),
            "destructive": bool(options.get("destructive", False)),
            "safety": options.get("safety"),
            "safety_reason": options.get("safety-reason"),
            "ignore_checks": options.get("ignore-checks", {}),
            "run": options.get("run", "auto"),
            "env": options.get("env", {}),
            "cwd": options.get("cwd"),
            "manual": bool(options.get("manual", False)),
            "after": context.last_step_id if context and self.kind == "verify" else None,
        }
        classes = [f"runbook-{self.kind}", *options.get("class", [])]
        if settings["destructive"]:
            classes.append("runbook-destructive")
        node = rb.step("", classes=classes, runbook_step=settings)
        self.set_source_info(node)
        if context is not None:
            settings["id"] = self.block_id(options, title, settings)
            node["runbook_id"] = context.runbook_id
            claim_anchor(self.state.document, node, f"{context.runbook_id}.{settings['id']}")
            if self.kind == "step":
                context.last_step_id = settings["id"]
        node += self.title_node(settings, title, title_nodes)
        if settings["requires"]:
            node += self.requires_line(settings["requires"])
        expectations = self.expectations_line(settings)
        if expectations is not None:
            node += expectations
        self.parse_content_into(node)
        return [node]

    def block_id(self, options: dict[str, Any], title: str, settings: dict[str, Any]) -> str:
        if title:
            generated = slugify(title) or self.kind
        elif self.kind == "verify" and settings["after"]:
            generated = f"verify-{settings['after']}"
        else:
            generated = f"step-{settings['number']}" if settings["number"] else self.kind
        return self.claim_block_id(options, generated)

    @staticmethod
    def requires_line(requirements: list[str]) -> nodes.paragraph:
        line = nodes.paragraph("", classes=["runbook-step-meta", "runbook-step-requires"])
        line += nodes.strong("Requires:", "Requires:")
        for index, requirement in enumerate(requirements):
            line += nodes.Text(" " if index == 0 else ", ")
            line += nodes.literal(requirement, requirement)
        return line

    @staticmethod
    def expectations_line(settings: dict[str, Any]) -> nodes.paragraph | None:
        """What verification checks and whether it runs the commands, for the reader."""
        items: list[list[nodes.Node]] = []
        if settings["expect_exit"] is not None:
            items.append([nodes.Text(f"exit status {settings['expect_exit']}")])
        if settings["expect_status"] is not None:
            items.append([nodes.Text(f"HTTP status {settings['expect_status']}")])
        if settings["expect_json"] is not None:
            shown = json.dumps(settings["expect_json"], separators=(", ", ": "))
            items.append([nodes.Text("JSON containing "), nodes.literal(shown, shown)])
        notes = {"never": "not run by verification", "static": "checked without running it"}
        note = "performed by a person" if settings["manual"] else notes.get(settings["run"])
        if not items and note is None:
            return None
        line = nodes.paragraph("", classes=["runbook-step-meta", "runbook-step-expects"])
        if items:
            line += nodes.strong("Expects:", "Expects:")
            for index, item in enumerate(items):
                line += nodes.Text(" " if index == 0 else ", ")
                line.extend(item)
        if note is not None:
            if items:
                line += nodes.Text("; ")
            line += nodes.emphasis(note.capitalize() if not items else note,
                                   note.capitalize() if not items else note)
        return line

    def title_node(self, settings: dict[str, Any], title: str, title_nodes: list[nodes.Node]
                   ) -> rb.step_title:
        heading = rb.step_title("", classes=["runbook-step-title"])
        if settings["number"] is not None:
            number = str(settings["number"])
            heading += nodes.inline(number, number, classes=["runbook-step-number"])
            if title:
                # Shown by text/LaTeX/man builders; in HTML the number is a badge.
                heading += nodes.inline(". ", ". ", classes=["runbook-step-separator"])
        elif title.lower().startswith("verify"):
            # "Verify the service is up" needs no "Verify:" in front; CSS keeps the check mark.
            heading += nodes.inline("", "", classes=["runbook-verify-label"])
        else:
            label = "Verify: " if title else "Verify"
            heading += nodes.inline(label, label, classes=["runbook-verify-label"])
        if title:
            heading += title_nodes
        if settings["destructive"]:
            # The dash reads in text/LaTeX/man; in HTML the badge stands on its own.
            heading += nodes.inline(" - ", " - ", classes=["runbook-step-separator"])
            heading += badge("destructive", "danger", "runbook-destructive-badge")
        return heading


class StepDirective(_BlockDirective):
    """An action of the runbook; every code block inside it is a command."""

    kind = "step"
    validators: ClassVar[dict[str, Any]] = {**_COMMON, "for": opt.slug_list}


class VerifyDirective(_BlockDirective):
    """A check after a step, or of the whole runbook when it comes last."""

    kind = "verify"
    validators: ClassVar[dict[str, Any]] = _COMMON
