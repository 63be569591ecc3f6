"""The command index: ``runbook-index.json``, its schema, and the ``runbook`` builder."""

from __future__ import annotations

from .build import INDEX_FILENAME, SCHEMA_VERSION, build_index
from .files import load_index, load_schema, validate_index, write_index

__all__ = ["INDEX_FILENAME", "SCHEMA_VERSION", "build_index", "load_index", "load_schema",
           "validate_index", "write_index"]
