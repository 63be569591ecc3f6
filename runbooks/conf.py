"""Sphinx configuration of the team's runbook site, built with sphinx-runbook."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_verification"))

import verification_services as services  # next to this file (see sys.path above)

project = "Runbooks"
html_title = "Runbooks"

extensions = ["myst_parser", "sphinx_runbook"]
# sphinx_runbook turns colon_fence on by itself; listed so the file says what it uses.
myst_enable_extensions = ["colon_fence"]
# Slugs for headings down to ###, so the runbooks' in-page links (#common-issues) resolve.
myst_heading_anchors = 3

exclude_patterns = ["_build", "_verification"]
highlight_language = "none"  # unlabelled blocks are log excerpts and output, not Python

# What readers fill in, per runbook (_verification/placeholders/<runbook>.json).
runbook_placeholders = services.placeholders()

# Verification: real PostgreSQL and Redis, and loopback stand-ins for the HTTP
# endpoints the runbooks call (see _verification/verification_services.py).
runbook_services = {"postgres": services.postgres(), "redis": services.redis(),
                    **services.http_stand_ins()}
