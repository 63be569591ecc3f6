"""Exporters: the index in other formats.

An exporter is an object with ``name``, ``description``, ``suffix`` and
``write(index, stream)``.  Besides the built-in ones, any installed package
can add one through the ``sphinx_runbook.exporters`` entry-point group::

    [project.entry-points."sphinx_runbook.exporters"]
    pagerduty = "my_package.exporters:PAGERDUTY"
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any, Protocol, TextIO

ENTRY_POINT_GROUP = "sphinx_runbook.exporters"


class Exporter(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def suffix(self) -> str:
        """File name suffix of the format (``.jsonl``), for documentation and tools."""

    def write(self, index: dict[str, Any], stream: TextIO) -> None: ...


def exporters() -> dict[str, Exporter]:
    """Every installed exporter by name (built-in ones first; a name is taken once)."""
    from . import formats

    found: dict[str, Exporter] = {exporter.name: exporter for exporter in formats.BUILT_IN}
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if entry.name in found:
            continue
        exporter = entry.load()
        found[entry.name] = exporter
    return found
