"""What the directives record: ids, options, commands, expected output."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .helpers import records_of, warnings_of


def _comparable(record: dict[str, Any], runbook_id: str) -> Any:
    """A record with its file positions dropped and its id neutralised."""
    text = json.dumps(record).replace(runbook_id, "RUNBOOK")

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("line", "docname", "source")}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    return strip(json.loads(text))


@pytest.fixture
def full(built: Any) -> Any:
    return built("full")


def test_every_option_in_both_syntaxes_builds_without_warnings(full: Any) -> None:
    assert warnings_of(full) == []


def test_rest_and_myst_give_the_same_records(full: Any) -> None:
    records = records_of(full)
    rst = records["rst_all"][0].to_dict()
    myst = records["myst_all"][0].to_dict()
    assert _comparable(rst, "rst-db-errors") == _comparable(myst, "myst-db-errors")


def test_runbook_metadata(full: Any) -> None:
    runbook = records_of(full)["rst_all"][0]
    assert (runbook.id, runbook.title, runbook.source, runbook.line) == (
        "rst-db-errors", "Database connection errors", "rst_all.rst", 7)
    assert runbook.service == "workflow-service"
    assert runbook.severity == "P1"
    assert runbook.owner == "team-data"
    assert runbook.tags == ["database", "postgres"]
    assert runbook.alerts == ["WorkflowDatabaseDown", "WorkflowHighErrorRate"]
    assert runbook.symptoms[0].text.startswith("The logs show:")
    assert [(c.id, c.text) for c in runbook.causes] == [
        ("url-unset", "DATABASE_URL is not set"),
        ("the-database-server-is-down", "The database server is down"),
    ]


def test_steps_numbering_ids_and_options(full: Any) -> None:
    steps = records_of(full)["rst_all"][0].steps
    assert [(s.kind, s.number, s.id) for s in steps] == [
        ("step", 1, "check-url"),
        ("step", 2, "restart-the-database"),
        ("step", 3, "recreate-the-database"),
        ("verify", None, "health"),
        ("verify", None, "ask-a-user-to-log-in-again"),
    ]
    check, restart, recreate, health, manual = steps
    assert check.for_causes == ["url-unset"]
    assert check.timeout == 30.0
    assert check.env == {"PGCONNECT_TIMEOUT": "5", "APP_ENV": "staging"}
    assert check.cwd == "/srv/workflow"
    assert check.expect_exit == 0
    assert restart.needs == ["check-url"]
    assert restart.run == "never"
    assert restart.timeout == 120.0
    assert recreate.destructive is True
    assert recreate.run == "static"
    assert health.expect_status == 200
    assert health.expect_json == {"status": "healthy"}
    assert health.after == "recreate-the-database"
    assert manual.manual is True
    assert manual.commands == []


def test_console_prompts_are_commands_and_the_rest_is_output(full: Any) -> None:
    check = records_of(full)["rst_all"][0].steps[0]
    assert [(c.id, c.code, c.expected_output, c.line) for c in check.commands] == [
        ("rst-db-errors.check-url.1", 'echo "$DATABASE_URL"', "postgresql://[..]/workflow", 58),
        ("rst-db-errors.check-url.2", "docker compose ps", "NAME      STATUS\ndb        Up 2 hours",
         60),
    ]
    assert {c.language for c in check.commands} == {"shell"}


def test_commands_inside_tabs_lists_and_sql(full: Any) -> None:
    steps = records_of(full)["myst_all"][0].steps
    restart, recreate = steps[1], steps[2]
    assert [c.code for c in restart.commands] == [
        "docker restart workflow-postgres", "sudo systemctl restart postgresql"]
    # The example block (class runbook-example) is not a command.
    assert [(c.language, c.code) for c in recreate.commands] == [
        ("sql", "DROP DATABASE workflow_db;\nCREATE DATABASE workflow_db;")]


def test_output_block_is_the_expected_output_of_the_command_before_it(full: Any) -> None:
    health = records_of(full)["myst_all"][0].steps[3]
    assert [(c.code, c.expected_output) for c in health.commands] == [
        ("curl -s http://localhost:8000/health", '{"status": "healthy"}')]


def test_code_in_symptoms_is_not_a_command_unless_marked(full: Any) -> None:
    symptom = records_of(full)["rst_all"][0].symptoms[0]
    assert [c.code for c in symptom.commands] == ["grep -c OperationalError logs/app.log"]


def test_pages_without_runbooks_have_no_records(full: Any) -> None:
    assert "plain_page" not in records_of(full)
