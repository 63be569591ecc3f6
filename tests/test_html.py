"""What an on-call engineer sees in the HTML."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag

from .helpers import warnings_of


@pytest.fixture
def page(built: Any) -> Any:
    app = built("full")

    def load(name: str) -> BeautifulSoup:
        return BeautifulSoup((app.outdir / f"{name}.html").read_text(encoding="utf-8"),
                             "html.parser")

    return load


@pytest.mark.parametrize(("name", "runbook_id"), [("rst_all", "rst-db-errors"),
                                                   ("myst_all", "myst-db-errors")])
def test_runbook_is_a_section_with_a_heading_and_badges(page: Any, name: str,
                                                        runbook_id: str) -> None:
    section = page(name).find("section", id=runbook_id)
    assert isinstance(section, Tag)
    assert "runbook" in section["class"]
    heading = section.find(["h2", "h3"])
    assert heading.get_text().startswith("Database connection errors")
    severity = section.select_one(".runbook-meta .runbook-severity")
    assert severity.get_text() == "P1"
    assert "sd-badge" in severity["class"] and "sd-bg-warning" in severity["class"]
    assert section.select_one(".runbook-service").get_text() == "workflow-service"
    assert [t.get_text() for t in section.select(".runbook-tag")] == ["database", "postgres"]
    assert [t.get_text() for t in section.select(".runbook-alert")] == [
        "WorkflowDatabaseDown", "WorkflowHighErrorRate"]


def test_symptoms_and_causes_are_distinct_cards(page: Any) -> None:
    section = page("rst_all").find("section", id="rst-db-errors")
    symptom = section.select_one(".runbook-symptom")
    causes = section.select(".runbook-cause")
    assert "sd-card" in symptom["class"]
    assert symptom.select_one(".runbook-block-label").get_text() == (
        "Symptom: The API fails with a database error")
    assert [c.select_one(".runbook-block-label").get_text() for c in causes] == [
        "Cause: DATABASE_URL is not set", "Cause: The database server is down"]
    assert causes[0]["id"] == "rst-db-errors.url-unset"


def test_steps_are_numbered_headings_with_permalinks(page: Any) -> None:
    section = page("rst_all").find("section", id="rst-db-errors")
    titles = section.select(".runbook-step-title")
    assert [t.name for t in titles] == ["h4"] * 5  # one level below the runbook's h3
    numbers = [t.select_one(".runbook-step-number") for t in titles]
    assert [n.get_text() if n else None for n in numbers] == ["1", "2", "3", None, None]
    links = [t.select_one("a.headerlink")["href"] for t in titles]
    assert links == [
        "#rst-db-errors.check-url",
        "#rst-db-errors.restart-the-database",
        "#rst-db-errors.recreate-the-database",
        "#rst-db-errors.health",
        "#rst-db-errors.ask-a-user-to-log-in-again",
    ]
    for link in links:
        assert section.find(id=link[1:]) is not None


def test_step_shows_the_cause_it_addresses_and_its_requirements(page: Any) -> None:
    step = page("rst_all").find(id="rst-db-errors.check-url")
    addresses = step.select_one(".runbook-step-for")
    assert addresses.get_text() == "Addresses: DATABASE_URL is not set"
    assert addresses.find("a")["href"] == "#rst-db-errors.url-unset"
    assert step.select_one(".runbook-step-requires").get_text() == "Requires: bash"


def test_copy_text_has_no_prompts_and_no_output(page: Any) -> None:
    block = page("rst_all").find(id="rst-db-errors.check-url.1")
    assert block["data-runbook-copy"] == 'echo "$DATABASE_URL"\ndocker compose ps'
    # The page still shows the whole session, prompts and output included.
    shown = block.find("pre").get_text()
    assert "$ docker compose ps" in shown
    assert "db        Up 2 hours" in shown


def test_docker_compose_ps_session_copies_only_the_command(built: Any) -> None:
    app = built("full")
    html = (app.outdir / "more" / "one.html").read_text(encoding="utf-8")
    block = BeautifulSoup(html, "html.parser").select_one("[data-runbook-copy]")
    assert block["data-runbook-copy"] == "uptime"
    assert "load average" in block.get_text()


def test_destructive_commands_are_marked(page: Any) -> None:
    step = page("rst_all").find(id="rst-db-errors.recreate-the-database")
    assert "runbook-destructive" in step["class"]
    assert step.select_one(".runbook-destructive-badge").get_text() == "destructive"
    block = step.select_one("[data-runbook-copy]")
    assert block["data-runbook-destructive"] == "true"
    assert "runbook-command-destructive" in block["class"]
    assert block.select_one(".runbook-command-warning").get_text().startswith("Destructive:")
    safe = page("rst_all").find(id="rst-db-errors.check-url.1")
    assert not safe.has_attr("data-runbook-destructive")


def test_example_and_output_blocks_are_not_copyable_commands(page: Any) -> None:
    soup = page("rst_all")
    copy_texts = [b["data-runbook-copy"] for b in soup.select("[data-runbook-copy]")]
    assert "DROP DATABASE\nCREATE DATABASE" not in copy_texts
    assert '{"status": "healthy"}' not in copy_texts
    assert soup.select_one(".runbook-expected-output").get_text().strip() == (
        '{"status": "healthy"}')


def test_assets_are_local_and_linked(built: Any) -> None:
    app = built("full")
    soup = BeautifulSoup((app.outdir / "rst_all.html").read_text(encoding="utf-8"),
                         "html.parser")
    css = [link["href"] for link in soup.find_all("link", rel="stylesheet")]
    scripts = [script.get("src", "") for script in soup.find_all("script")]
    assert any("sphinx-runbook.css" in href for href in css)
    assert any("sphinx-design" in href for href in css)
    assert any("sphinx-runbook.js" in src for src in scripts)
    assert (app.outdir / "_static" / "sphinx-runbook.js").is_file()
    assert (app.outdir / "_static" / "sphinx-runbook.css").is_file()
    assert not [url for url in css + scripts if url.startswith(("http:", "https:", "//"))]



def test_sphinx_design_steps_keep_their_own_step(built: Any) -> None:
    pytest.importorskip("sphinx_design.steps", reason="sphinx-design < 0.7 has no steps directive")
    app = built("design-steps")
    assert warnings_of(app) == []
    soup = BeautifulSoup((app.outdir / "index.html").read_text(encoding="utf-8"), "html.parser")
    items = soup.select("ol li.sd-step")
    assert [item.select_one(".sd-step-title").get_text() for item in items] == [
        "Install", "Configure"]
    assert soup.select(".runbook-step") == []


def test_expectations_and_run_modes_are_shown(page: Any) -> None:
    soup = page("rst_all")
    health = soup.find(id="rst-db-errors.health").select_one(".runbook-step-expects")
    assert health.get_text() == (
        'Expects: exit status 0, HTTP status 200, JSON containing {"status": "healthy"}')
    restart = soup.find(id="rst-db-errors.restart-the-database")
    assert restart.select_one(".runbook-step-expects").get_text() == "Not run by verification"
    manual = soup.find(id="rst-db-errors.ask-a-user-to-log-in-again")
    assert manual.select_one(".runbook-step-expects").get_text() == "Performed by a person"


# The reader's placeholders (tests/roots/test-reader): marked in the code, a
# copy template per command block and a form per runbook.

@pytest.fixture
def reader(built: Any) -> Any:
    app = built("reader")

    def load(name: str) -> BeautifulSoup:
        return BeautifulSoup((app.outdir / f"{name}.html").read_text(encoding="utf-8"),
                             "html.parser")

    return load


def _marks(block: Any) -> list[tuple[str, str]]:
    return [(str(mark["data-placeholder"]), str(mark.get_text()))
            for mark in block.select("pre .runbook-placeholder")]


def test_placeholders_are_marked_in_the_code_as_written(reader: Any) -> None:
    block = reader("pods").find(id="pods-pending.look-at-the-node.1")
    assert _marks(block) == [("node", "<node>"), ("namespace", "<namespace>"), ("node", "<node>")]
    assert block.select_one("pre").get_text() == (
        "kubectl describe node <node> | grep -A 5 'Allocated resources'\n"
        "kubectl get events -n <namespace> --field-selector 'involvedObject.name=<node>'\n")
    # Inside a quoted string the string's colour goes on around the placeholder.
    inside = block.select("pre .runbook-placeholder")[2]
    assert inside.previous_sibling.get_text() == "'involvedObject.name="
    assert inside.previous_sibling["class"] == inside.next_sibling["class"] == ["s1"]


def test_output_and_variables_the_reader_does_not_supply_are_not_marked(reader: Any) -> None:
    soup = reader("pods")
    pending = soup.find(id="pods-pending.list-the-pending-pods.1")
    assert _marks(pending) == [("namespace", "<namespace>")]
    assert "Pending   <none>" in pending.select_one("pre").get_text()  # output, left alone
    version = soup.find(id="pods-pending.check-the-cluster-version.1")
    assert _marks(version) == []  # $HOME is every shell's
    assert not version.has_attr("data-runbook-template")
    conditions = soup.find(id="node-not-ready.show-the-node-s-conditions.1")
    assert _marks(conditions) == [("node", "<node>"), ("namespace", "<namespace>")]  # not $NODE
    audit = soup.find(id="node-not-ready.check-the-audit-log.1")
    # In single quotes and in a comment the shell does not expand it.
    assert _marks(audit) == [("API_TOKEN", "$API_TOKEN")]
    assert [p for p in json.loads(audit["data-runbook-template"]) if isinstance(p, dict)] == [
        {"name": "API_TOKEN", "token": "$API_TOKEN", "variable": True}]


def test_copy_template_is_the_copy_text_cut_at_its_placeholders(reader: Any) -> None:
    soup = reader("pods")
    blocks = soup.select("[data-runbook-template]")
    assert len(blocks) == 7
    for block in blocks:
        template = json.loads(block["data-runbook-template"])
        as_written = "".join(p if isinstance(p, str) else p["token"] for p in template)
        assert as_written == block["data-runbook-copy"]
    session = json.loads(soup.find(id="pods-pending.follow-the-scheduler-s-log.1")[
        "data-runbook-template"])
    assert session == ["kubectl logs -n ", {"name": "namespace", "token": "<namespace>"},
                       " \\\n  deploy/scheduler --since=10m"]
    api = json.loads(soup.find(id="pods-pending.ask-the-operator-api.1")["data-runbook-template"])
    assert [p for p in api if isinstance(p, dict)] == [
        {"name": "API_TOKEN", "token": "$API_TOKEN", "variable": True},
        {"name": "namespace", "token": "{{namespace}}"},
        {"name": "node", "token": "<node>"}]


def test_marks_keep_line_numbers_and_emphasized_lines(reader: Any) -> None:
    pre = reader("pods").find(id="node-not-ready.show-the-node-s-conditions.1").select_one("pre")
    assert [n.get_text() for n in pre.select(".linenos")] == ["1", "2"]
    assert pre.select_one(".hll") is not None
    for number in pre.select(".linenos"):
        number.extract()
    assert pre.get_text() == ("NODE=<node>\nkubectl get node \"$NODE\" -o "
                              "jsonpath='{.status.conditions}' -n <namespace>\n")


def _fields(form: Any) -> list[tuple[str, str, str, str]]:
    """Label, name, type and help of each field of a placeholder form."""
    rows: list[tuple[str, str, str, str]] = []
    for row in form.select(".runbook-value"):
        label, field = row.select_one("label"), row.select_one("input")
        assert label["for"] == field["id"]
        rows.append((str(label.get_text()), str(field["name"]), str(field["type"]),
                     str(row.select_one(".runbook-value-help").get_text())))
    return rows


def test_each_runbook_has_a_form_with_its_placeholders(reader: Any) -> None:
    soup = reader("pods")
    forms = soup.select("section.runbook > fieldset.runbook-values")
    assert [form["id"] for form in forms] == ["pods-pending.values", "node-not-ready.values"]
    first, second = forms
    assert "runbook-meta" in first.find_previous_sibling()["class"]  # under title and badges
    assert first.select_one("legend").get_text() == "Placeholders"
    assert _fields(first) == [
        ("namespace", "namespace", "text",
         "Kubernetes namespace of the service. Default: staging."),
        ("node", "node", "text", "Name of the node, as the alert shows it."),
        ("API_TOKEN", "API_TOKEN", "password",
         "The operator API token. Secret: never saved, never put in the link.")]
    namespace = first.select_one("input[name=namespace]")
    assert (namespace["data-default"], namespace["data-pattern"]) == ("staging", "[a-z0-9-]+")
    assert first.select_one("input[name=API_TOKEN]")["data-secret"] == "true"
    assert [row[0] for row in _fields(second)] == ["node", "namespace", "API_TOKEN"]
    # Without JavaScript: the list of placeholders, no fields or buttons to use.
    assert all(field.has_attr("hidden") for field in soup.select(".runbook-values input"))
    assert all(p.has_attr("hidden") for p in soup.select(
        ".runbook-values-actions, .runbook-values-intro"))
    assert reader("checks").select(".runbook-values") == []  # nothing to fill in


def test_forms_and_templates_in_a_single_page_build(built: Any) -> None:
    app = built("reader", "singlehtml")
    soup = BeautifulSoup((app.outdir / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert [form["id"] for form in soup.select("fieldset.runbook-values")] == [
        "pods-pending.values", "node-not-ready.values"]
    block: Any = soup.find(id="pods-pending.look-at-the-node.1")
    assert block.has_attr("data-runbook-template")
    assert len(_marks(block)) == 3


def test_symptoms_pasted_from_logs_are_in_the_search_index(built: Any) -> None:
    from sphinx.search.en import SearchEnglish

    app = built("reader")
    text = (app.outdir / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    english = SearchEnglish({})

    def pages_with(word: str) -> set[str]:
        found = index["terms"].get(english.stem(word.lower()), [])
        return {index["docnames"][n] for n in (found if isinstance(found, list) else [found])}

    # Words of the code blocks of the symptoms: log lines readers paste.
    for word in ("Insufficient", "preemption", "NodeNotReady", "controller"):
        assert "pods" in pages_with(word), word
