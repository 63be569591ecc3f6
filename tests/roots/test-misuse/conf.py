project = "misuse"
extensions = ["myst_parser", "sphinx_runbook"]
exclude_patterns = ["_build"]
show_warning_types = True
