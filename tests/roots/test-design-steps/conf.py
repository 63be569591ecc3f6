project = "design-steps"
extensions = ["myst_parser", "sphinx_runbook"]
