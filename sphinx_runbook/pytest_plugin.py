"""pytest plugin: every runbook of a Sphinx project is a test.

``pytest --runbooks docs`` builds the index of ``docs`` with the ``runbook``
builder (reading only: nothing runs during the build), collects one item per
runbook and verifies each runbook in its own item, with the settings of the
project's ``conf.py`` (``runbook_services``, ``runbook_profile``...).  A stale
command (``failed`` or ``timeout``) fails the item; a runbook none of whose
commands could run is skipped with the reasons.

Collection tree and node ids::

    runbooks                            one per source directory
    runbooks/ops/database.md            one per source file holding runbooks
    runbooks/ops/database.md::db-down   one item per runbook (its id)

With several source directories each gets its own prefix
(``runbooks/<dir>/...``).  Items are added to the session's own collection
report, so ``-k``, ``-m``, ``--lf``, ``--deselect``, ``--junitxml`` and
pytest-xdist treat them like any other test: every xdist worker builds the
index itself, and the same sources give the same items in every worker.

Selecting: ``-k <runbook id>``, ``-k <service>``, ``-k <tag>``; ``-m runbook``
(all of them), ``-m "not runbook"`` (none), ``-m "runbook(service='db')"``
(pytest 8.3 and later).

``runbook_execute``, ``runbook_only`` and ``runbook_shard`` of ``conf.py`` do
not apply here: the plugin always runs the selected runbooks (``-k``/``-m``
select, pytest-xdist spreads them over workers).
"""

from __future__ import annotations

import dataclasses
import io
import re
import tempfile
from collections import Counter
from collections.abc import Generator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

from .verify.settings import SANDBOX_CHOICES

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr, TracebackStyle

    from .verify.results import CommandResult
    from .verify.settings import SandboxChoice, Settings

#: The top of the collection tree (and of every node id) this plugin adds.
ROOT = "runbooks"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: Lines of a command, and lines and characters of its output, in a failure.
_CODE_LINES = 5
_EXCERPT_LINES = 12
_EXCERPT_CHARS = 1500


class RunbookBuildWarning(pytest.PytestWarning):
    """Sphinx warned while building the index of a runbook project."""


class StaleRunbookError(Exception):
    """A runbook item failed: some of its commands are stale."""

    def __init__(self, runbook: str, stale: list[CommandResult], total: int) -> None:
        super().__init__(f"runbook {runbook}: {len(stale)} of {total} commands stale")
        self.runbook = runbook
        self.stale = stale
        self.total = total


class VerificationBrokenError(Exception):
    """Verification itself did not run (no sandbox, the worker died...)."""


# --------------------------------------------------------------------------- options


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("runbook", "sphinx-runbook: verify runbooks as tests")
    group.addoption(
        "--runbooks", action="append", dest="runbooks", default=[], metavar="SOURCE_DIR",
        help="Sphinx source directory whose runbooks are verified, one test per runbook "
             "(repeat for several; replaces the 'runbooks' ini option).")
    group.addoption(
        "--runbook-sandbox", dest="runbook_sandbox", default=None, choices=SANDBOX_CHOICES,
        help="where runbook commands run, instead of conf.py's runbook_sandbox: "
             + ", ".join(SANDBOX_CHOICES) + ".")
    parser.addini(
        "runbooks", type="paths", default=[],
        help="Sphinx source directories whose runbooks are verified when pytest runs "
             "without explicit test arguments (relative to the ini file).")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "runbook(id, service, severity, owner, tags): a runbook verified by sphinx-runbook "
        "(added by the plugin; select with -m runbook, or from pytest 8.3 "
        "-m \"runbook(service='db')\").")


def source_dirs(config: pytest.Config) -> list[Path]:
    """The source directories to collect: ``--runbooks``, else the ini option.

    Like ``testpaths``, the ini option applies only when pytest runs without
    explicit arguments: ``pytest tests/test_x.py`` does not build the docs.
    """
    given: list[str] = config.getoption("runbooks") or []
    if given:
        found = [config.invocation_params.dir / path for path in given]
    elif config.args_source == pytest.Config.ArgsSource.ARGS:
        found = []
    else:
        found = [Path(path) for path in config.getini("runbooks")]
    return list(dict.fromkeys(path.resolve() for path in found))


def _labels(config: pytest.Config, dirs: list[Path]) -> list[str]:
    """Node id prefixes: ``runbooks`` alone, or ``runbooks/<dir>`` for several."""
    if len(dirs) == 1:
        return [ROOT]
    labels: list[str] = []
    for path in dirs:
        try:
            label = path.relative_to(config.rootpath).as_posix()
        except ValueError:
            label = path.name
        label = label if label not in ("", ".") else path.name or "root"
        unique, number = label, 1
        while f"{ROOT}/{unique}" in labels:
            number += 1
            unique = f"{label}-{number}"
        labels.append(f"{ROOT}/{unique}")
    return labels


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
        collector: pytest.Collector) -> Generator[None, pytest.CollectReport,
                                                  pytest.CollectReport]:
    """Add a project collector per source directory to what the session collects."""
    report = yield
    if isinstance(collector, pytest.Session) and report.passed:
        dirs = source_dirs(collector.config)
        for path, label in zip(dirs, _labels(collector.config, dirs), strict=True):
            report.result.append(
                RunbookProject.from_parent(collector, name=label, nodeid=label, path=path))
    return report


# --------------------------------------------------------------------------- build


@dataclasses.dataclass
class Project:
    """What collection learnt from one source directory."""

    srcdir: Path
    index: dict[str, Any]
    #: The project's own settings (conf.py), with the command line's overrides.
    settings: Settings
    #: Sphinx's warnings during the build, without colours.
    warnings: str


class _BuildError(Exception):
    pass


def build_project(srcdir: Path, sandbox: str | None) -> Project:
    """Build the index of ``srcdir`` into a scratch directory, nothing executed."""
    from sphinx.application import Sphinx
    from sphinx.errors import SphinxError
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    from .index.build import INDEX_FILENAME
    from .index.files import InvalidIndexError, load_index
    from .verification import settings_from_config

    if not srcdir.is_dir():
        raise _BuildError(f"{srcdir}: no such directory")
    if not (srcdir / "conf.py").is_file():
        raise _BuildError(f"{srcdir} has no conf.py; is it a Sphinx source directory?")
    status, warning = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory(prefix="sphinx-runbook-pytest-") as scratch:
        outdir, doctreedir = Path(scratch, "out"), Path(scratch, "doctrees")
        try:
            with patch_docutils(srcdir), docutils_namespace():
                app = Sphinx(srcdir, srcdir, outdir, doctreedir, "runbook",
                             confoverrides={"runbook_execute": "off"}, status=status,
                             warning=warning, freshenv=True)
                app.build()
        except SphinxError as error:
            raise _BuildError(_with_warnings(
                f"building the runbook index of {srcdir} failed: {error.category}: {error}",
                warning)) from None
        try:
            index = load_index(outdir / INDEX_FILENAME)
        except InvalidIndexError as error:
            raise _BuildError(_with_warnings(
                f"building the runbook index of {srcdir} failed: {error}", warning)) from None
        try:
            settings = settings_from_config(app.config)
        except (ValueError, TypeError) as error:
            raise _BuildError(f"cannot verify the runbooks of {srcdir}: {error}") from None
    if sandbox is not None:
        settings = dataclasses.replace(settings, sandbox=cast("SandboxChoice", sandbox))
    settings = dataclasses.replace(settings, execute="force", only=(), shard=None)
    return Project(srcdir, index, settings, _ANSI.sub("", warning.getvalue()).strip())


def _with_warnings(message: str, warning: io.StringIO) -> str:
    text = _ANSI.sub("", warning.getvalue()).strip()
    return f"{message}\n\nSphinx warnings:\n{text}" if text else message


# --------------------------------------------------------------------------- collection


class RunbookProject(pytest.Collector):
    """One Sphinx source directory: builds its index, collects its source files."""

    project: Project

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        try:
            self.project = build_project(self.path, self.config.getoption("runbook_sandbox"))
        except _BuildError as error:
            raise self.CollectError(str(error)) from None
        if self.project.warnings:
            self.warn(RunbookBuildWarning(
                f"Sphinx warnings while building the runbook index of {self.path}:\n"
                + self.project.warnings))
        by_source: dict[str, list[dict[str, Any]]] = {}
        for runbook in self.project.index["runbooks"]:
            by_source.setdefault(runbook["source"], []).append(runbook)
        for source, runbooks in by_source.items():
            yield RunbookSource.from_parent(
                self, name=source, nodeid=f"{self.nodeid}/{source}", path=self.path / source,
                project=self.project, runbooks=runbooks)


class RunbookSource(pytest.Collector):
    """One source file: an item per runbook it holds, in document order."""

    def __init__(self, *, project: Project, runbooks: list[dict[str, Any]],
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.project = project
        self.runbooks = runbooks

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        for runbook in self.runbooks:
            yield RunbookItem.from_parent(self, name=runbook["id"], project=self.project,
                                          runbook=runbook)


class RunbookItem(pytest.Item):
    """One runbook: verifying it is the test."""

    def __init__(self, *, project: Project, runbook: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.project = project
        self.runbook = runbook
        tags: list[str] = runbook.get("tags") or []
        self.add_marker(pytest.mark.runbook(
            id=runbook["id"], service=runbook.get("service"), severity=runbook.get("severity"),
            owner=runbook.get("owner"), tags=tuple(tags)))
        # -k matches these besides the runbook id and the file name.
        self.extra_keyword_matches.update(
            word for word in (runbook.get("service"), *tags) if word)

    @property
    def runbook_id(self) -> str:
        identifier: str = self.runbook["id"]
        return identifier

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.runbook.get("line")
        return self.path, (line - 1 if line else None), f"runbook {self.runbook_id}"

    def runtest(self) -> None:
        from .verify.engine import VerificationError, verify
        from .verify.sandbox import Backend, SandboxError

        settings = dataclasses.replace(self.project.settings, only=(self.runbook_id,))
        chosen: list[Backend] = []
        try:
            verification = verify(self.project.index, settings, announce=chosen.append)
        except (SandboxError, VerificationError) as error:
            raise VerificationBrokenError(f"verification did not run: {error}") from None
        results = [r for r in verification.results if r.runbook == self.runbook_id]
        counts = Counter(result.status for result in results)
        self.user_properties.append(("commands", len(results)))
        for status in ("passed", "failed", "timeout", "skipped", "blocked"):
            self.user_properties.append((status, counts[status]))
        if chosen:
            self.user_properties.append(("sandbox", chosen[0].name))
        services = [f"service {event['name']} did not start: {event.get('reason', '')}"
                    for event in verification.services if event.get("status") == "failed"]
        self.add_report_section("call", "runbook", "\n".join(
            [*(services or []), self._table(results)]))
        stale = [result for result in results if result.stale]
        if stale:
            raise StaleRunbookError(self.runbook_id, stale, len(results))
        if not counts["passed"]:
            raise pytest.skip.Exception(_skip_reason(results), _use_item_location=True)

    # ----------------------------------------------------------------- reporting

    def where(self, result: CommandResult) -> str:
        """``file:line`` of a command, relative to where pytest was started when below it."""
        path = self.project.srcdir / result.source if result.source else self.path
        try:
            shown = path.relative_to(self.config.invocation_params.dir).as_posix()
        except ValueError:
            shown = str(path)
        return f"{shown}:{result.line}" if result.line is not None else shown

    def _table(self, results: list[CommandResult]) -> str:
        if not results:
            return "no commands"
        rows = [("status", "command", "where", "time", "reason")]
        for result in results:
            rows.append((result.status, result.id, self.where(result),
                         f"{result.duration:.2f} s" if result.status in ("passed", "failed",
                                                                           "timeout") else "-",
                         result.reason))
        widths = [max(len(row[column]) for row in rows) for column in range(4)]
        return "\n".join(
            ("  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
             + "  " + row[4]).rstrip() for row in rows)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: TracebackStyle | None = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, StaleRunbookError):
            return self._describe(excinfo.value)
        if isinstance(excinfo.value, VerificationBrokenError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def _describe(self, error: StaleRunbookError) -> str:
        from .verify.expect import excerpt

        lines = [str(error)]
        for result in error.stale:
            lines.append("")
            lines.append(f"{self.where(result)} {result.id}: {result.reason or result.status}")
            code = result.code.strip("\n").splitlines()
            for number, text in enumerate(code[:_CODE_LINES]):
                lines.append(("    $ " if number == 0 else "      ") + text)
            if len(code) > _CODE_LINES:
                lines.append(f"      [... {len(code) - _CODE_LINES} more lines]")
            if result.detail:
                lines.append(_indent(result.detail.rstrip("\n"), 4))
            streams = [("stderr", result.stderr)]
            if not result.detail:
                streams.insert(0, ("stdout", result.stdout))
            for name, text in streams:
                shown = excerpt(text, _EXCERPT_LINES, _EXCERPT_CHARS) if text.strip() else ""
                if shown:
                    lines.append(f"    {name}:")
                    lines.append(_indent(shown, 6))
        return "\n".join(lines)


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line if line else line for line in text.splitlines())


def _skip_reason(results: list[CommandResult]) -> str:
    """Why nothing ran: each distinct reason once, with the commands it applies to."""
    if not results:
        return "the runbook has no commands"
    reasons: dict[str, list[str]] = {}
    for result in results:
        reason = result.reason or result.reason_code or result.status
        if result.status == "blocked":
            reason = f"blocked: {reason}"
        reasons.setdefault(reason, []).append(result.id)
    parts = [f"{reason} [{', '.join(ids)}]" for reason, ids in reasons.items()]
    return f"no command ran: {'; '.join(parts)}"
