from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from sphinx.testing.util import SphinxTestApp

pytest_plugins = ["sphinx.testing.fixtures"]

ROOTS = Path(__file__).parent / "roots"


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS


@pytest.fixture
def copy_root(tmp_path: Path) -> Callable[[str], Path]:
    """A private, writable copy of a test root (for incremental builds)."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(ROOTS / f"test-{name}", target)
        return target

    return copy


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., SphinxTestApp]]:
    """Build a test root once per session and share the result (read-only!).

    ``built("full", "text", parallel=2)`` copies ``roots/test-full`` and builds it.
    """
    cache: dict[tuple[Any, ...], SphinxTestApp] = {}

    def build(root: str, builder: str = "html", **kwargs: Any) -> SphinxTestApp:
        key = (root, builder, repr(sorted(kwargs.items())))
        if key not in cache:
            srcdir = tmp_path_factory.mktemp(f"{root}-{builder}")
            shutil.copytree(ROOTS / f"test-{root}", srcdir, dirs_exist_ok=True)
            app = SphinxTestApp(builder, srcdir=srcdir, status=StringIO(), warning=StringIO(),
                                **kwargs)
            try:
                app.build()
            finally:
                # Undo the global docutils registrations before the next app starts;
                # the output, doctrees and captured logs stay.
                app.cleanup()
            cache[key] = app
        return cache[key]

    yield build


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium (Debian's, driven by Playwright) per browser test module."""
    from .browsing import launch, sync_api

    with sync_api.sync_playwright() as playwright:
        launched = launch(playwright)
        yield launched
        launched.close()
