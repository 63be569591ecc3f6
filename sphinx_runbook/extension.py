"""Wires the directives, transform, collector and HTML output into Sphinx."""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

from . import __version__, config
from .collector import RunbookCollector, check_unique_ids
from .directives import setup_directives
from .html import setup_html
from .index.builder import setup_index
from .listings import setup_listings
from .transform import ExtractCommands
from .verification import setup_verification

#: Bump when the records stored in the environment change shape, so an old
#: pickled environment is read again instead of misread.
ENV_VERSION = 3


def enable_colon_fences(app: Sphinx, config: Config) -> None:
    """Let MyST authors nest directives with ``:::`` fences, as the docs show.

    Only when MyST is in use; an author who configured the list keeps it.
    """
    try:
        enabled = config.myst_enable_extensions
    except AttributeError:
        return
    if "colon_fence" not in enabled:
        config.myst_enable_extensions = [*enabled, "colon_fence"]


def setup_extension(app: Sphinx) -> dict[str, Any]:
    # Badges and cards use sphinx-design's styles; its tabs hold alternatives.
    app.setup_extension("sphinx_design")
    config.register(app)
    setup_directives(app)
    app.add_transform(ExtractCommands)
    app.add_env_collector(RunbookCollector)
    app.connect("env-check-consistency", check_unique_ids)
    app.connect("config-inited", enable_colon_fences, priority=400)
    setup_html(app)
    setup_index(app)
    setup_listings(app)
    setup_verification(app)
    return {
        "version": __version__,
        "env_version": ENV_VERSION,
        # Per-document state lives in temp_data and in records merged by the
        # collector; HTML visitors keep no state between documents.
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
