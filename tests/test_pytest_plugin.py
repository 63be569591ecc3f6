"""The pytest plugin: one test per runbook, run by pytest in a subprocess."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONF = 'extensions = ["myst_parser", "sphinx_runbook"]\n'

OPS = """\
# Operations

::::{runbook} Greeting works
:id: good-one
:service: web
:tags: smoke, linux

:::{step} Say hello
```console
$ echo hello
hello
```
:::
::::

::::{runbook} Database checks
:id: stale-one
:service: db

:::{step} Check the server
```bash
sh -c 'echo "service is down" >&2; exit 1'
```
:::

:::{step} List the tables
```console
$ printf 'users\\norders\\n'
users
invoices
```
:::
::::
"""

DANGER = """\
# Danger

::::{runbook} Wipe the data
:id: wipe-data

:::{step} Remove everything
```bash
rm -rf /var/lib/sphinx-runbook-test-nonexistent
```
:::
::::
"""


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the text")


def write_project(pytester: pytest.Pytester, files: dict[str, str], name: str = "project",
                  conf: str = CONF) -> Path:
    """A MyST project: ``files`` and an ``index.md`` whose toctree lists them."""
    root = pytester.path / name
    root.mkdir()
    (root / "conf.py").write_text(conf, encoding="utf-8")
    toctree = "\n".join(filename.removesuffix(".md") for filename in files)
    (root / "index.md").write_text(f"# Home\n\n```{{toctree}}\n{toctree}\n```\n",
                                   encoding="utf-8")
    for filename, text in files.items():
        (root / filename).write_text(text, encoding="utf-8")
    return root


def run(pytester: pytest.Pytester, *args: str | Path) -> pytest.RunResult:
    plugins: list[str] = []
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        plugins = ["-p", "sphinx_runbook.pytest_plugin"]
    return pytester.runpytest_subprocess(
        *plugins, "-p", "no:cacheprovider", "--runbook-sandbox", "process", *args)


def test_one_item_per_runbook_with_stable_node_ids(pytester: pytest.Pytester) -> None:
    project = write_project(pytester, {"ops.md": OPS, "danger.md": DANGER})
    result = run(pytester, "--runbooks", project, "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    # Documents sorted by name, runbooks in document order.
    assert [line for line in result.outlines if "::" in line] == [
        "runbooks/danger.md::wipe-data",
        "runbooks/ops.md::good-one",
        "runbooks/ops.md::stale-one",
    ]


def test_several_source_directories_get_their_own_prefix(pytester: pytest.Pytester) -> None:
    first = write_project(pytester, {"ops.md": OPS}, name="first")
    second = write_project(pytester, {"danger.md": DANGER}, name="second")
    result = run(pytester, "--runbooks", first, "--runbooks", second, "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    assert [line for line in result.outlines if "::" in line] == [
        "runbooks/first/ops.md::good-one",
        "runbooks/first/ops.md::stale-one",
        "runbooks/second/danger.md::wipe-data",
    ]


def test_stale_runbook_fails_and_names_each_stale_command(pytester: pytest.Pytester) -> None:
    project = write_project(pytester, {"ops.md": OPS})
    result = run(pytester, "--runbooks", project)
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    check = line_of(OPS, "sh -c")
    tables = line_of(OPS, "$ printf")
    result.stdout.fnmatch_lines([
        "*_ runbook stale-one _*",
        "runbook stale-one: 2 of 2 commands stale",
        f"project/ops.md:{check} stale-one.check-the-server.1: exit status 1 (expected 0)",
        "*$ sh -c*",
        "*stderr:",
        "*service is down",
        f"project/ops.md:{tables} stale-one.list-the-tables.1: output differs*",
        "*-invoices",
        "*+orders",
        # The per-command table of the failed runbook.
        "*Captured runbook call*",
        "status*command*where*time*reason",
        f"failed*stale-one.check-the-server.1*project/ops.md:{check}*exit status 1 (expected 0)",
        "*short test summary info*",
        "FAILED runbooks/ops.md::stale-one*",
    ])
    # Only the stale runbook is a failure.
    assert "good-one.say-hello.1" not in result.stdout.str()


def test_junit_xml_has_a_testcase_per_runbook_with_counts(pytester: pytest.Pytester) -> None:
    project = write_project(pytester, {"ops.md": OPS})
    report = pytester.path / "report.xml"
    result = run(pytester, "--runbooks", project, f"--junitxml={report}")
    result.assert_outcomes(passed=1, failed=1)
    cases = {case.get("name") or "": case
             for case in ET.parse(report).getroot().iter("testcase")}
    assert sorted(cases) == ["good-one", "stale-one"]
    assert {case.get("classname") for case in cases.values()} == {"runbooks.ops.md"}

    def properties(case: ET.Element) -> dict[str, str | None]:
        return {p.get("name") or "": p.get("value") for p in case.iter("property")}

    assert cases["good-one"].find("failure") is None
    assert properties(cases["good-one"]) == {
        "commands": "1", "passed": "1", "failed": "0", "timeout": "0", "skipped": "0",
        "blocked": "0", "sandbox": "process"}
    failure = cases["stale-one"].find("failure")
    assert failure is not None
    assert "stale-one.check-the-server.1: exit status 1 (expected 0)" in (failure.text or "")
    assert properties(cases["stale-one"])["failed"] == "2"
    assert properties(cases["stale-one"])["passed"] == "0"


@pytest.mark.parametrize("selection", [
    ("-k", "good-one"),                    # the runbook id
    ("-k", "smoke"),                       # one of its tags
    ("-k", "web"),                         # its service
    pytest.param(("-m", "runbook(service='web')"), id="marker",  # the marker's arguments
                 marks=pytest.mark.skipif(pytest.version_tuple < (8, 3),
                                          reason="-m matches marker arguments from pytest 8.3")),
], ids=["id", "tag", "service", "marker"])
def test_keywords_and_markers_select_runbooks(pytester: pytest.Pytester,
                                              selection: tuple[str, str]) -> None:
    project = write_project(pytester, {"ops.md": OPS})
    result = run(pytester, "--runbooks", project, "-v", *selection)
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["runbooks/ops.md::good-one PASSED*"])
    assert "stale-one" not in result.stdout.str()


def test_not_runbook_marker_deselects_every_runbook(pytester: pytest.Pytester) -> None:
    project = write_project(pytester, {"ops.md": OPS})
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = run(pytester, "--runbooks", project, "-m", "not runbook", "--strict-markers")
    result.assert_outcomes(passed=1, deselected=2)


def test_runbook_of_destructive_commands_is_skipped_with_the_reason(
        pytester: pytest.Pytester) -> None:
    project = write_project(pytester, {"danger.md": DANGER})
    result = run(pytester, "--runbooks", project, "-rs")
    result.assert_outcomes(skipped=1)
    # Reported at the runbook's own line (reportinfo), not in the plugin.
    runbook = line_of(DANGER, "{runbook}")
    result.stdout.fnmatch_lines([
        f"SKIPPED [[]1[]] project/danger.md:{runbook}: no command ran: destructive (*); "
        "set runbook_allow_destructive*[[]wipe-data.remove-everything.1[]]",
    ])


def test_build_error_is_a_collection_error(pytester: pytest.Pytester) -> None:
    project = write_project(pytester, {"ops.md": OPS}, conf="extensions = [\n")
    result = run(pytester, "--runbooks", project)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines([
        "*ERROR collecting runbooks*",
        f"building the runbook index of {project} failed: *syntax error*conf.py*",
        "*1 error*",
    ])


def test_xdist_workers_each_collect_and_run_the_runbooks(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    project = write_project(pytester, {"ops.md": OPS})
    plugins = ["-p", "xdist.plugin"] if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") else []
    result = run(pytester, *plugins, "--runbooks", project, "-n", "2", "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines_random([
        # Every worker collected the same two items (xdist fails otherwise).
        "2 workers [[]2 items[]]",
        "[[]gw?[]]*PASSED runbooks/ops.md::good-one*",
        "[[]gw?[]]*FAILED runbooks/ops.md::stale-one*",
    ])
