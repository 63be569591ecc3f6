"""Static checks inside a Sphinx build: run the rules, warn, keep the findings.

They run on ``env-updated`` with verification (see :mod:`.verification`):
``runbook_check = True``, or by default whenever ``runbook_execute`` is on.
Findings become ``runbook.check.<rule>`` warnings at the command's
``file:line``, the ``checks`` of each command in the index, and, for stale
ones, failed rows of the report.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from .checks import CheckContext, Finding, run_checks
from .checks.base import statically_checked
from .checks.rules import all_rules
from .config import SWITCH
from .verify.results import CommandResult
from .warnings import warn

logger = logging.getLogger(__name__)

#: Environment attribute: command id -> findings (plain dicts, pickled with the env).
CHECKS = "runbook_checks"


def checks_of(env: BuildEnvironment) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] | None = getattr(env, CHECKS, None)
    if found is None:
        found = {}
        setattr(env, CHECKS, found)
    return found


def checking(config: Config) -> bool:
    """Whether this build runs the static checks."""
    value = config.runbook_check
    wanted = value if isinstance(value, bool) else SWITCH[str(value).lower()]
    return config.runbook_execute != "off" if wanted is None else wanted


def _context(app: Sphinx) -> CheckContext:
    config = app.config
    root = Path(app.confdir, config.runbook_project_root) if config.runbook_project_root \
        else None
    help_text = None
    if "flag-drift" not in config.runbook_checks_disabled:
        from .checks.help import HelpProvider
        from .verify.sandbox import SandboxError, choose

        try:
            backend = choose(config.runbook_sandbox)
        except SandboxError as error:
            # Said once, by verification when it runs; here it only narrows the checks.
            logger.info("runbook: flag-drift checks are off: %s", error)
        else:
            help_text = HelpProvider(Path(app.doctreedir) / "runbook-help", backend)
    return CheckContext(
        project_root=root,
        path=os.environ.get("PATH", os.defpath),
        external_programs=frozenset(config.runbook_external_programs),
        values=dict(config.runbook_profile.get("values", {})),
        sql_dialect=config.runbook_sql_dialect,
        deprecated=list(config.runbook_deprecated_commands),
        help_text=help_text,
        cache_dir=Path(app.doctreedir) / "runbook-checks",
    )


def _message(command: dict[str, Any], finding: Finding) -> str:
    hint = f" ({finding.hint})" if finding.hint else ""
    return f"{command['id']}: {finding.message}{hint}"


def run_static_checks(app: Sphinx, env: BuildEnvironment, index: dict[str, Any],
                      docname_of: dict[str, str]) -> dict[str, list[Finding]]:
    """Run every enabled rule; warn at each finding; keep them in the environment."""
    findings = run_checks(index, _context(app), all_rules(),
                          disabled=app.config.runbook_checks_disabled)
    commands = {command["id"]: command for command in index["commands"]}
    stored = checks_of(env)
    stored.clear()
    for command_id, found in findings.items():
        command = commands[command_id]
        stored[command_id] = [finding.to_dict() for finding in found]
        location = (docname_of[command["runbook"]], command["line"])
        for finding in found:
            if finding.stale:
                warn(_message(command, finding), f"check.{finding.rule}", location)
            else:
                # A note, not a problem of the runbook: it must not fail a -W build.
                logger.info("%s [runbook.check.%s]", _message(command, finding),
                            finding.rule, location=location)
    return findings


def checked_ids(index: dict[str, Any]) -> set[str]:
    """Ids of the commands the static checks read."""
    return {command["id"] for command in index["commands"] if statically_checked(command)}


def with_findings(results: list[CommandResult], findings: dict[str, list[Finding]],
                  checked: set[str]) -> list[CommandResult]:
    """Results with their commands' findings; a stale finding fails a command that did not.

    A command that ran and failed keeps its own reason; one that was skipped
    or passed is stale all the same when a rule says so (a deprecated program
    may still answer, a syntax error may sit in a command nobody runs).
    """
    for result in results:
        result.checked = result.id in checked
        found = findings.get(result.id, [])
        result.checks = [finding.to_dict() for finding in found]
        stale = [finding for finding in found if finding.stale]
        if stale and not result.stale:
            # Kept so the coverage still counts a command that ran as executed.
            result.extra["status_before_checks"] = result.status
            result.status = "failed"
            result.reason_code = f"check.{stale[0].rule}"
            result.reason = stale[0].message
            result.detail = "\n".join(
                f"{f.rule}: {f.message}" + (f" ({f.hint})" if f.hint else "") for f in stale)
    return results


def rows_without_running(index: dict[str, Any], findings: dict[str, list[Finding]],
                         checked: set[str]) -> list[CommandResult]:
    """Report rows of a check-only build: every command, none of them run."""
    rows = []
    for command in index["commands"]:
        rows.append(CommandResult(
            id=command["id"], runbook=command["runbook"], step=command["step"],
            status="skipped", reason="checked statically, not run (runbook_execute is off)",
            reason_code="not-run", source=command["source"], line=command["line"],
            language=command["language"], code=command["code"], hash=command["hash"]))
    return with_findings(rows, findings, checked)
