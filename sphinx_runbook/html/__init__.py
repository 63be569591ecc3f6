"""HTML output: step headings with permalinks, copyable command blocks, CSS and JS.

Only these two nodes need HTML of their own; everything else renders through
the standard visitors of the docutils classes the nodes derive from.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.writers.html5 import HTML5Translator

from .. import nodes as rb
from ..verification import results_of

STATIC_DIR = Path(__file__).parent / "static"


def _step_heading_level(translator: HTML5Translator) -> int:
    # A real heading one level below the runbook's, so screen readers and
    # "jump to heading" navigate steps; the TOC only lists sections.
    return min(translator.section_level + 1, 6)


def visit_step_title(self: HTML5Translator, node: rb.step_title) -> None:
    tag = f"h{_step_heading_level(self)}"
    self.body.append(self.starttag(node, tag, "", CLASS="runbook-step-title"))


def depart_step_title(self: HTML5Translator, node: rb.step_title) -> None:
    step = node.parent
    if isinstance(step, rb.step) and step["ids"]:
        anchor = step["ids"][0]
        self.body.append(
            f'<a class="headerlink" href="#{anchor}" title="Link to this step">¶</a>'
        )
    self.body.append(f"</h{_step_heading_level(self)}>\n")


def visit_command_block(self: HTML5Translator, node: rb.command_block) -> None:
    # Built by hand: docutils' starttag() folds newlines in attribute values,
    # and the copied text must keep the lines of a multi-line command.
    classes = " ".join(node["classes"])
    ids = f' id="{node["ids"][0]}"' if node["ids"] else ""
    copy_text = html.escape(node["copy_text"], quote=True)
    destructive = ' data-runbook-destructive="true"' if node["destructive"] else ""
    self.body.append(
        f'<div class="{classes}"{ids} data-runbook-copy="{copy_text}"{destructive}>\n'
    )


_WORST_FIRST = ("failed", "timeout", "blocked", "skipped", "passed")
_LABELS = {"passed": "Verified", "failed": "Stale", "timeout": "Stale (timed out)",
           "skipped": "Not verified", "blocked": "Not verified (blocked)"}
_ICONS = {"passed": "\u2713", "failed": "\u2717", "timeout": "\u2717", "skipped": "\u2013",
          "blocked": "\u2013"}


def verification_badge(results: list[dict[str, Any]]) -> str:
    """The last verification of a block's commands: its worst status, visibly explained."""
    worst = min(results, key=lambda r: _WORST_FIRST.index(r["status"]))
    status = worst["status"]
    date = (worst.get("timestamp") or "")[:10]
    reason = worst.get("reason") or ""
    tooltip = "\n".join(
        f"{r['id']}: {r['status']}{': ' + r['reason'] if r.get('reason') else ''}"
        for r in results)
    parts = [f'<span class="runbook-verification-icon" aria-hidden="true">{_ICONS[status]}'
             "</span>",
             f'<span class="runbook-verification-label">{_LABELS[status]}</span>']
    if date:
        parts.append(f'<time datetime="{html.escape(worst["timestamp"])}">{date}</time>')
    if reason and status != "passed":
        parts.append(f'<span class="runbook-verification-reason">{html.escape(reason)}</span>')
    return (f'<p class="runbook-verification runbook-verification-{status}" '
            f'title="{html.escape(tooltip, quote=True)}">' + " ".join(parts) + "</p>\n")


def depart_command_block(self: HTML5Translator, node: nodes.Element) -> None:
    stored = results_of(self.builder.env)
    results = [stored[c["id"]] for c in node["runbook_commands"] if c["id"] in stored]
    if results:
        self.body.append(verification_badge(results))
    self.body.append("</div>\n")


def add_static_path(app: Sphinx, config: Config) -> None:
    config.html_static_path.append(str(STATIC_DIR))


def setup_html(app: Sphinx) -> None:
    app.add_node(rb.step_title, html=(visit_step_title, depart_step_title))
    app.add_node(rb.command_block, html=(visit_command_block, depart_command_block))
    app.connect("config-inited", add_static_path)
    app.add_css_file("sphinx-runbook.css")
    app.add_js_file("sphinx-runbook.js", loading_method="defer")
