"""The ``runbook`` warning type.

Every problem an author can fix is a Sphinx warning of type ``runbook`` with a
subtype, located at ``file:line``, so ``suppress_warnings = ["runbook.<subtype>"]``
silences exactly one kind of problem.
"""

from __future__ import annotations

from typing import Final

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger("sphinx_runbook")

WARNING_TYPE: Final = "runbook"

#: Every subtype this package emits, with what it means (documented in docs/).
SUBTYPES: Final = {
    "unknown-option": "A directive got an option it does not know.",
    "invalid-option": "An option value is not valid (severity, timeout, id, JSON...).",
    "duplicate-id": "Two runbooks, steps or causes share an id.",
    "misplaced": "A step, verify, symptom or cause outside a runbook, or a runbook inside one.",
    "empty-verify": "A verify block with nothing to check.",
    "unknown-need": "A step's :needs: names a step the runbook does not have.",
    "unknown-cause": "A step's :for: names a cause the runbook does not have.",
    "safety-override": "A :safety: lower than the built-in rules found, without :safety-reason:.",
    "config": "A runbook_* configuration value is not valid.",
    "stale": "Verification ran a command and it failed or timed out: the runbook is out of date.",
    "sandbox": "Verification could not run: the sandbox asked for is unavailable, or the "
               "worker stopped.",
    "service": "A service in runbook_services did not start; commands needing it are skipped.",
    "check.syntax": "A command does not parse (shell, Python, SQL, JSON, YAML).",
    "check.deprecated": "A command calls a deprecated or renamed program or subcommand.",
    "check.missing-program": "A command calls a program that is not installed where "
                             "verification runs, and not declared.",
    "check.dangling-reference": "A command refers to a file, make target, npm script, nox "
                                "session or compose service the project no longer has.",
    "check.flag-drift": "A command uses a long option or subcommand its installed program's "
                        "--help no longer lists.",
    "check.masked-failure": "A verify command hides failures (|| true, ; exit 0...).",
    "check.unresolved-placeholder": "A command meant to run has placeholders without values.",
}

Location = tuple[str, int | None] | nodes.Node | None


def warn(message: str, subtype: str, location: Location) -> None:
    assert subtype in SUBTYPES, subtype
    # Sphinx itself appends "[runbook.<subtype>]" (show_warning_types).
    logger.warning(
        message,
        type=WARNING_TYPE,
        subtype=subtype,
        location=location,
    )
