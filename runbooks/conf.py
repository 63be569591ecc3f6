"""Sphinx configuration of the team's runbook site, built with sphinx-runbook."""

project = "Runbooks"
html_title = "Runbooks"

extensions = ["myst_parser", "sphinx_runbook"]
# sphinx_runbook turns colon_fence on by itself; listed so the file says what it uses.
myst_enable_extensions = ["colon_fence"]
# Slugs for headings down to ###, so the runbooks' in-page links (#common-issues) resolve.
myst_heading_anchors = 3

exclude_patterns = ["_build"]
highlight_language = "none"  # unlabelled blocks are log excerpts and output, not Python
