"""sphinx-runbook: operational runbooks as executable documentation."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def setup(app: Any) -> dict[str, Any]:
    """Sphinx entry point: ``extensions = ["sphinx_runbook"]``."""
    from .extension import setup_extension

    return setup_extension(app)
