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


class ExporterNotFoundError(LookupError):
    """No exporter of that name, or its plugin failed to load."""


def exporter_names() -> list[str]:
    """Names of the built-in exporters, then the plugins' (without importing them)."""
    from . import formats

    built_in = [exporter.name for exporter in formats.BUILT_IN]
    plugins = sorted({entry.name for entry in entry_points(group=ENTRY_POINT_GROUP)} - set(
        built_in))
    return built_in + plugins


def get_exporter(name: str) -> Exporter:
    """The exporter called ``name``; a plugin is imported only when it is asked for.

    A built-in name always means the built-in exporter, and a plugin that fails
    to import breaks only its own format.
    """
    from . import formats

    for exporter in formats.BUILT_IN:
        if exporter.name == name:
            return exporter
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name == name:
            try:
                loaded: Exporter = entry.load()
            except Exception as error:  # a plugin's import error is its own
                raise ExporterNotFoundError(
                    f"the exporter {name!r} ({entry.value}) could not be loaded: {error}"
                ) from None
            return loaded
    raise ExporterNotFoundError(
        f"unknown format {name!r}; choose from {', '.join(exporter_names())}")
