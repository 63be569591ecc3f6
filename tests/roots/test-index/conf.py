project = "index-test"
version = "2.1"
extensions = ["myst_parser", "sphinx_runbook"]
exclude_patterns = ["_build"]
runbook_placeholders = {
    "namespace": {"description": "Kubernetes namespace of the service", "default": "staging",
                  "pattern": "[a-z0-9-]+"},
    "api-key-id": {"description": "Id of the API key to revoke"},
    "API_KEY": {"description": "The service's API key", "secret": True},
}
runbook_safety_rules = [
    {"id": "team.deploy", "level": "mutating", "language": "shell",
     "pattern": r"\bdeploy-tool\s+push\b", "description": "deploys a release"},
]
runbook_read_only_programs = ["inspect-tool"]
