project = "snapshots"
extensions = ["myst_parser", "sphinx_runbook"]
exclude_patterns = ["_build"]
