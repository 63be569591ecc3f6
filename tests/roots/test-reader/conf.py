project = "reader"
extensions = ["myst_parser", "sphinx_runbook"]
exclude_patterns = ["_build"]
show_warning_types = True

runbook_placeholders = {
    "namespace": {"description": "Kubernetes namespace of the service", "default": "staging",
                  "pattern": "[a-z0-9-]+"},
    "node": {"description": "Name of the node, as the alert shows it"},
    "API_TOKEN": {"description": "The operator API token", "secret": True},
}

# Only the health-checks runbook runs (plain processes, no network): its
# page shows verified, stale and skipped commands; the report page sums them up.
runbook_execute = "force"
runbook_sandbox = "process"
runbook_only = ["health-checks"]
