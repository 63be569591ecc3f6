project = "payments"
version = "1.0"
extensions = ["myst_parser", "sphinx_runbook"]
runbook_placeholders = {
    "namespace": {"description": "Kubernetes namespace", "default": "payments-staging"},
}
