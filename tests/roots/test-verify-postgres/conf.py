project = "verify-postgres"
extensions = ["myst_parser", "sphinx_runbook"]
exclude_patterns = ["_build"]
show_warning_types = True

runbook_execute = "force"
# The tests append the sandbox and the PostgreSQL service (its programs and port).
