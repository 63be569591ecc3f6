"""Sphinx configuration of the sphinx-runbook documentation (built with the extension itself)."""

import sys
from pathlib import Path

from sphinx_runbook import __version__

# Directives that render reference tables from the code (schema, settings, exporters).
sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "sphinx-runbook"
author = "sphinx-runbook developers"
copyright = "sphinx-runbook developers"
version = __version__
release = __version__

extensions = ["myst_parser", "sphinx_design", "sphinx_runbook", "reference_tables"]
# deflist: the "term\n: definition" lists of the reference pages.
myst_enable_extensions = ["colon_fence", "deflist"]

# The example runbooks are included into the reference pages (rendered once,
# shown as source twice); they are not pages of their own.
# reference/exporting/project is the small project the export examples come from.
exclude_patterns = ["_build", "reference/examples/*", "reference/exporting/*"]

html_theme = "alabaster"
# Wide enough for the option tables and the commands of the examples.
html_theme_options = {"page_width": "1100px"}
html_title = f"sphinx-runbook {release}"
