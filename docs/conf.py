"""Sphinx configuration of the sphinx-runbook documentation (built with the extension itself)."""

from sphinx_runbook import __version__

project = "sphinx-runbook"
author = "sphinx-runbook developers"
copyright = "sphinx-runbook developers"
version = __version__
release = __version__

extensions = ["myst_parser", "sphinx_design", "sphinx_runbook"]
myst_enable_extensions = ["colon_fence"]

# The example runbooks are included into the reference pages (rendered once,
# shown as source twice); they are not pages of their own.
exclude_patterns = ["_build", "reference/examples/*"]

html_theme = "alabaster"
# Wide enough for the option tables and the commands of the examples.
html_theme_options = {"page_width": "1100px"}
html_title = f"sphinx-runbook {release}"
