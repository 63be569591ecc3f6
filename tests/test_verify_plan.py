"""Planning: what verification runs, with which values, and why it skips the rest.

The plans come from real indexes, built by Sphinx from small MyST projects.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from sphinx_runbook.verify.plan import PlannedCommand, RunbookPlan, plan_index, shard_of
from sphinx_runbook.verify.settings import Profile, Service, Settings

from .helpers import build_project

RUNBOOK = """\
# Plans

::::{{runbook}} Plans
:id: {id}

:::{{step}} Look
:id: look
```bash
echo <namespace> {{{{ region }}}}
curl -s https://api.example.com/health
```
:::

:::{{step}} Delete
:id: delete
:requires: {requires}
```bash
rm -rf /var/lib/app/data
```
:::

:::{{step}} Static only
:run: static
```bash
true
```
:::

:::{{step}} Never
:run: never
```bash
true
```
:::

:::{{step}} Production
:requires: production-cluster
```bash
true
```
:::

:::{{step}} Missing program
```bash
definitely-not-installed-xyz --version
```
:::

:::{{step}} Own function
```bash
greet() {{ echo hi; }}
greet
```
:::

:::{{step}} Data
```yaml
key: value
```
:::
::::
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    srcdir = tmp_path_factory.mktemp("plans")
    files = {"index.md": RUNBOOK.format(id="plans", requires="db")}
    for number in range(1, 9):
        files[f"more{number}.md"] = RUNBOOK.format(id=f"more-{number}", requires="db") \
            .replace("# Plans", f"# More {number}")
    files["index.md"] += "\n```{toctree}\n" + "\n".join(
        f"more{n}" for n in range(1, 9)) + "\n```\n"
    app = build_project(srcdir, files, builder="runbook")
    return json.loads((Path(app.outdir) / "runbook-index.json").read_text())


def _plan(index: dict[str, Any], settings: Settings, runbook: str = "plans") -> RunbookPlan:
    plans = {plan.id: plan for plan in plan_index(index, settings, os.environ["PATH"])}
    return plans[runbook]


def _by_step(plan: RunbookPlan) -> dict[str, PlannedCommand]:
    return {command.step: command for command in plan.commands}


def test_skip_reasons(index: dict[str, Any]) -> None:
    steps = _by_step(_plan(index, Settings()))
    reasons = {step: (c.skip.code if c.skip else None) for step, c in steps.items()}
    assert reasons == {
        "look": "placeholder",
        "delete": "requires",  # no service called db, no such program
        "static-only": "run-static",
        "never": "run-never",
        "production": "requires",
        "missing-program": "missing-program",
        "own-function": None,  # greet is defined by the command itself
        "data": "language",
    }
    assert "<namespace>" in steps["look"].skip.reason  # type: ignore[union-attr]
    assert "definitely-not-installed-xyz" in steps["missing-program"].skip.reason  # type: ignore[union-attr]
    assert "production-cluster" in steps["production"].skip.reason  # type: ignore[union-attr]


def test_profile_fills_placeholders_and_maps_urls(index: dict[str, Any]) -> None:
    profile = Profile(values={"namespace": "staging", "region": "eu-west-1"},
                      urls={"https://api.example.com": "http://127.0.0.1:8080"})
    look = _by_step(_plan(index, Settings(profile=profile)))["look"]
    assert look.skip is None
    assert look.code == "echo staging eu-west-1\ncurl -s http://127.0.0.1:8080/health"


def test_destructive_runs_only_when_allowed_or_disposable(index: dict[str, Any]) -> None:
    service = Service("db", start="true")
    plain = _by_step(_plan(index, Settings(services={"db": service})))["delete"]
    assert plain.skip is not None and plain.skip.code == "destructive"
    assert "runbook_allow_destructive" in plain.skip.reason
    allowed = _by_step(_plan(index, Settings(services={"db": service},
                                             allow_destructive=True)))["delete"]
    assert allowed.skip is None and allowed.services == ["db"]
    disposable = Service("db", start="true", disposable=True)
    plan = _plan(index, Settings(services={"db": disposable}))
    assert _by_step(plan)["delete"].skip is None
    assert plan.services == ["db"]


def test_only_selects_runbooks_by_runbook_or_command_id(index: dict[str, Any]) -> None:
    plans = plan_index(index, Settings(only=("more-3", "more-5.look.1")), "")
    assert [plan.id for plan in plans] == ["more-3", "more-5"]


def test_shards_split_every_runbook_exactly_once(index: dict[str, Any]) -> None:
    runbooks = index["runbooks"]
    shards = [[r["id"] for r in shard_of(runbooks, k, 3)] for k in (1, 2, 3)]
    assert sorted(i for shard in shards for i in shard) == sorted(r["id"] for r in runbooks)
    assert all(shards), "with 9 runbooks no shard should be empty"
    # A runbook's shard does not depend on the others.
    assert [r["id"] for r in shard_of(runbooks[:4], 1, 3)] == [
        i for i in shards[0] if i in {r["id"] for r in runbooks[:4]}]


def test_plans_round_trip_through_json(index: dict[str, Any]) -> None:
    plan = _plan(index, Settings())
    again = RunbookPlan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert again == plan
