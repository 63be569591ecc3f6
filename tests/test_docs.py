"""The documentation's examples are true: both syntaxes agree, exports are current."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from sphinx_runbook.cli import load_index_from
from sphinx_runbook.warnings import SUBTYPES

from .helpers import build_project, records_of, warnings_of

DOCS = Path(__file__).parent.parent / "docs"
EXAMPLES = DOCS / "reference" / "examples"
PAIRS = sorted(path.stem for path in EXAMPLES.glob("*.rst"))


def _records(tmp_path: Path, source: Path) -> list[dict[str, Any]]:
    heading = "Example\n=======\n\n" if source.suffix == ".rst" else "# Example\n\n"
    app = build_project(tmp_path, {f"index{source.suffix}": heading + source.read_text()})
    assert warnings_of(app) == []

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("line", "docname",
                                                                        "source")}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    return [strip(r.to_dict()) for r in records_of(app).get("index", [])]


def test_every_example_has_both_syntaxes() -> None:
    assert len(PAIRS) >= 5
    assert sorted(path.stem for path in EXAMPLES.glob("*.md")) == PAIRS


@pytest.mark.parametrize("name", PAIRS)
def test_rest_and_myst_examples_give_the_same_records(tmp_path: Path, name: str) -> None:
    if "{steps}" in (EXAMPLES / f"{name}.md").read_text():
        pytest.importorskip("sphinx_design.steps",
                            reason="sphinx-design < 0.7 has no steps directive")
    (tmp_path / "rst").mkdir()
    (tmp_path / "md").mkdir()
    assert _records(tmp_path / "rst", EXAMPLES / f"{name}.rst") == _records(
        tmp_path / "md", EXAMPLES / f"{name}.md")


def test_export_examples_come_from_the_current_code(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(DOCS / "reference" / "exporting" / "project", project)
    fresh = load_index_from(str(project))
    committed = json.loads((DOCS / "reference" / "exporting" / "example-index.json").read_text())
    fresh.pop("generator")
    committed.pop("generator")
    assert fresh == committed, (
        "docs/reference/exporting/example-index.json is stale: regenerate it with "
        "sphinx-runbook export docs/reference/exporting/project -o "
        "docs/reference/exporting/example-index.json")


def test_every_warning_subtype_is_documented() -> None:
    page = (DOCS / "reference" / "warnings.md").read_text(encoding="utf-8")
    assert [s for s in SUBTYPES if f"## `{s}`" not in page] == []
