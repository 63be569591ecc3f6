project = "verify-cli"
extensions = ["myst_parser", "sphinx_runbook"]
exclude_patterns = ["_build"]
show_warning_types = True

# Off here: `sphinx-runbook verify` turns it on.
runbook_execute = "off"
runbook_sandbox = "process"
