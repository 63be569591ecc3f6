"""HTML output: step headings with permalinks, copyable command blocks, CSS and JS.

Only these two nodes, and the placeholder form (:mod:`.values`), need HTML of
their own; everything else renders through the standard visitors of the
docutils classes the nodes derive from.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.writers.html5 import HTML5Translator

from .. import nodes as rb
from ..verification import results_of
from .badges import verification_badge
from .marking import mark_placeholders
from .values import MARKS, TEMPLATE, setup_values

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
    template = ""
    if TEMPLATE in node:
        encoded = json.dumps(node[TEMPLATE], ensure_ascii=False, separators=(",", ":"))
        template = f' data-runbook-template="{html.escape(encoded, quote=True)}"'
    self.body.append(f'<div class="{classes}"{ids} data-runbook-copy="{copy_text}"'
                     f'{template}{destructive}>\n')
    for child in node.children:
        if isinstance(child, nodes.literal_block) and child.get(MARKS):
            _code_with_marks(self, child)
        else:
            child.walkabout(self)
    raise nodes.SkipChildren


def _code_with_marks(self: HTML5Translator, literal: nodes.literal_block) -> None:
    """The code block as the theme renders it, with its placeholders marked up."""
    start = len(self.body)
    literal.walkabout(self)
    rendered = "".join(self.body[start:])
    marked = mark_placeholders(rendered, literal.astext(), literal[MARKS])
    if marked is not None:
        self.body[start:] = [marked]


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
    setup_values(app)
