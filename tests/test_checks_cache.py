"""Findings kept between builds: an unchanged runbook is not checked again."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sphinx_runbook.checks import CheckContext, Finding, run_checks
from sphinx_runbook.checks.base import Entry

from .helpers import build_project

RUNBOOKS = """\
# Cache

::::{runbook} One
:id: one

:::{step} Look
```bash
ls -la /tmp
```
:::
::::

::::{runbook} Two
:id: two

:::{step} Look
```bash
echo two
```
:::
::::
"""


class CountingRule:
    """Finds every command, and counts the runbooks it was asked about."""

    id = "counting"
    description = "test rule"

    def __init__(self, cacheable: bool = True) -> None:
        self.cacheable = cacheable
        self.asked: list[str] = []

    def check(self, runbook: Entry, commands: list[Entry], context: CheckContext
              ) -> Iterator[tuple[str, Finding]]:
        self.asked.append(runbook["id"])
        for command in commands:
            yield command["id"], Finding(self.id, f"saw {command['code']}")


@pytest.fixture
def index(tmp_path: Path) -> dict[str, Any]:
    source = tmp_path / "src"
    source.mkdir()
    app = build_project(source, {"index.md": RUNBOOKS}, builder="runbook")
    return json.loads((Path(app.outdir) / "runbook-index.json").read_text())


def _context(tmp_path: Path, **changes: Any) -> CheckContext:
    return CheckContext(path=os.environ["PATH"], cache_dir=tmp_path / "cache", **changes)


def test_an_unchanged_site_is_not_checked_again(index: dict[str, Any], tmp_path: Path) -> None:
    first = CountingRule()
    found = run_checks(index, _context(tmp_path), [first])
    second = CountingRule()
    again = run_checks(index, _context(tmp_path), [second])
    assert first.asked == ["one", "two"]
    assert second.asked == []
    assert again == found
    assert [f.message for f in again["one.look.1"]] == ["saw ls -la /tmp"]


def test_a_changed_command_or_setting_is_checked_again(index: dict[str, Any],
                                                       tmp_path: Path) -> None:
    run_checks(index, _context(tmp_path), [CountingRule()])
    index["commands"][1]["code"] = "echo three"
    changed = CountingRule()
    found = run_checks(index, _context(tmp_path), [changed])
    assert changed.asked == ["two"]
    assert [f.message for f in found["two.look.1"]] == ["saw echo three"]
    other_settings = CountingRule()
    run_checks(index, _context(tmp_path, sql_dialect="mysql"), [other_settings])
    assert other_settings.asked == ["one", "two"]


def test_rules_that_read_the_project_always_run(index: dict[str, Any], tmp_path: Path) -> None:
    run_checks(index, _context(tmp_path), [CountingRule(cacheable=False)])
    again = CountingRule(cacheable=False)
    run_checks(index, _context(tmp_path), [again])
    assert again.asked == ["one", "two"]


def test_without_a_cache_directory_nothing_is_kept(index: dict[str, Any],
                                                   tmp_path: Path) -> None:
    run_checks(index, CheckContext(path=os.environ["PATH"]), [CountingRule()])
    again = CountingRule()
    run_checks(index, CheckContext(path=os.environ["PATH"]), [again])
    assert again.asked == ["one", "two"]
