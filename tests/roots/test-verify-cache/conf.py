project = "verify-cache"
extensions = ["myst_parser", "sphinx_runbook"]
exclude_patterns = ["_build"]
show_warning_types = True

runbook_execute = "cache"
runbook_sandbox = "process"
