project = "verify"
extensions = ["myst_parser", "sphinx_runbook"]
exclude_patterns = ["_build"]
show_warning_types = True

runbook_execute = "force"
runbook_timeout = 30
# The tests append the sandbox, the services and the addresses of each build.
