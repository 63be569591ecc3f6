"""HTML output: step headings with permalinks, copyable command blocks, CSS and JS.

Only these two nodes need HTML of their own; everything else renders through
the standard visitors of the docutils classes the nodes derive from.
"""

from __future__ import annotations

import html
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.writers.html5 import HTML5Translator

from .. import nodes as rb

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


def depart_command_block(self: HTML5Translator, node: nodes.Element) -> None:
    self.body.append("</div>\n")


def add_static_path(app: Sphinx, config: Config) -> None:
    config.html_static_path.append(str(STATIC_DIR))


def setup_html(app: Sphinx) -> None:
    app.add_node(rb.step_title, html=(visit_step_title, depart_step_title))
    app.add_node(rb.command_block, html=(visit_command_block, depart_command_block))
    app.connect("config-inited", add_static_path)
    app.add_css_file("sphinx-runbook.css")
    app.add_js_file("sphinx-runbook.js", loading_method="defer")
