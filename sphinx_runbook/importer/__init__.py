"""``sphinx-runbook import``: plain Markdown runbooks to MyST with runbook directives."""

from __future__ import annotations

from .convert import ImportOptions, ImportResult, KeptAsProse, import_markdown

__all__ = ["ImportOptions", "ImportResult", "KeptAsProse", "import_markdown"]
