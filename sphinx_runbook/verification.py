"""Verification inside a Sphinx build: run, warn, report, set the exit status.

Runs on ``env-updated``: every document is read (so the index is complete)
and nothing is written yet (so pages can show each command's result).  The
results live in the environment, keyed by command id, for the HTML badges,
the ``runbook-report`` tables and the report files written at the end.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.console import red  # type: ignore[attr-defined]

from .checking import (
    checked_ids,
    checking,
    checks_of,
    rows_without_running,
    run_static_checks,
    with_findings,
)
from .collector import all_runbooks
from .index.build import build_index
from .index.builder import url_of
from .listings import listing_docs
from .model import Runbook
from .verify import report
from .verify.cache import ResultCache
from .verify.engine import Verification, VerificationError, verify
from .verify.expect import excerpt
from .verify.results import STATUSES, CommandResult
from .verify.sandbox import Backend, SandboxError
from .verify.settings import Profile, Service, Settings
from .verify.shell import Limits
from .warnings import warn

logger = logging.getLogger(__name__)

#: Environment attribute: command id -> result (a plain dict, pickled with the env).
RESULTS = "runbook_results"
_RUN = "_runbook_verification"


def results_of(env: BuildEnvironment) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] | None = getattr(env, RESULTS, None)
    if found is None:
        found = {}
        setattr(env, RESULTS, found)
    return found


def _shard(value: str) -> tuple[int, int] | None:
    if not value:
        return None
    k, _, n = value.partition("/")
    return int(k), int(n)


def settings_from_config(config: Config) -> Settings:
    return Settings(
        execute=config.runbook_execute,
        sandbox=config.runbook_sandbox,
        jobs=config.runbook_jobs or os.cpu_count() or 1,
        timeout=float(config.runbook_timeout),
        passthrough=tuple(config.runbook_env),
        profile=Profile.from_config(config.runbook_profile),
        allow_destructive=bool(config.runbook_allow_destructive),
        services={name: Service.from_config(name, spec)
                  for name, spec in config.runbook_services.items()},
        kernels={"python": "python3", **config.runbook_kernels},
        network=tuple(config.runbook_network),
        limits=Limits(**config.runbook_limits) if config.runbook_limits else Limits(),
        output_cap=config.runbook_output_cap,
        only=tuple(config.runbook_only),
        shard=_shard(config.runbook_shard),
    )


def _cache_directory(app: Sphinx) -> Path:
    configured = app.config.runbook_cache_path
    if configured:
        return Path(app.confdir, configured)
    # Beside the pickled doctrees, never in the published output: results
    # hold excerpts of what commands printed.
    return Path(app.doctreedir) / "runbook-cache"


def _progress(total: int) -> Any:
    done = [0]
    started = time.monotonic()

    def show(runbook: str, results: list[CommandResult]) -> None:
        done[0] += 1
        counts = {status: sum(r.status == status for r in results) for status in STATUSES}
        summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n) or "nothing"
        cached = " (cached)" if results and all(r.cached for r in results) else ""
        logger.info("runbook: [%d/%d] %s: %s%s, %.1f s", done[0], total, runbook, summary,
                    cached, time.monotonic() - started)

    return show


def _announce(backend: Backend) -> None:
    logger.info("runbook: sandbox %s: %s", backend.name, backend.reason)


def _message(result: CommandResult) -> str:
    lines = [f"stale command {result.id}: {result.reason}"]
    if result.cwd:
        lines.append(f"  cwd: {result.cwd}")
    if result.detail:
        lines.append("  " + result.detail.replace("\n", "\n  "))
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        if text.strip():
            lines.append(f"  {name}:\n    " + excerpt(text, 8, 800).replace("\n", "\n    "))
    return "\n".join(lines)


def _forget_outdated(env: BuildEnvironment, runbooks: list[Runbook]) -> None:
    """Keep earlier results only for commands that are still exactly as they ran."""
    current = {command.id: command.hash for runbook in runbooks
               for _, command in runbook.all_commands()}
    stored = results_of(env)
    for command_id in [i for i, r in stored.items() if current.get(i) != r.get("hash")]:
        del stored[command_id]


def run_verification(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """``env-updated``: verify, warn at each stale command, keep the results."""
    mode = app.config.runbook_execute
    runbooks = all_runbooks(env)
    check = checking(app.config)
    if mode == "off":
        _forget_outdated(env, runbooks)
    if mode == "off" and not check:
        checks_of(env).clear()
        return []
    index = build_index(runbooks, project=app.config.project, version=app.config.version,
                        url_of=url_of(app), placeholders=app.config.runbook_placeholders)
    docname_of = {runbook.id: runbook.docname for runbook in runbooks}
    findings = run_static_checks(app, env, index, docname_of) if check else {}
    checked = checked_ids(index) if check else set()
    if mode == "off":
        setattr(app, _RUN, Verification(rows_without_running(index, findings, checked), None))
        return []
    try:
        settings = settings_from_config(app.config)
    except (ValueError, TypeError) as error:
        warn(f"cannot verify: {error}", "config", None)
        return []
    cache = ResultCache(_cache_directory(app)) if mode in ("auto", "cache") else None
    selected = len(index["runbooks"]) if not (settings.only or settings.shard) else None
    logger.info("runbook: verifying %s runbooks (runbook_execute = %r)",
                selected if selected is not None else "the selected", mode)
    try:
        verification = verify(index, settings, cache=cache,
                               progress=_progress(selected or len(index["runbooks"])),
                               announce=_announce)
    except (SandboxError, VerificationError) as error:
        warn(f"verification did not run: {error}", "sandbox", None)
        setattr(app, _RUN, None)
        return []
    for event in verification.services:
        if event["status"] == "failed":
            warn(f"service {event['name']} did not start: {event['reason']}", "service", None)
        else:
            logger.info("runbook: service %s started in %.1f s", event["name"],
                        event["duration"])
    stored = results_of(env)
    if not (settings.only or settings.shard):
        stored.clear()
    for result in with_findings(verification.results, findings, checked):
        stored[result.id] = result.to_dict()
        # Findings were warned about already, under their own subtype.
        if result.stale and not result.reason_code.startswith("check."):
            warn(_message(result), "stale", (docname_of[result.runbook], result.line))
    setattr(app, _RUN, verification)
    # Pages showing results are written again, changed or not.
    touched = {docname_of[result.runbook] for result in verification.results}
    return sorted(touched | listing_docs(env))


def _from_cwd(result: CommandResult, srcdir: Path, cwd: Path) -> CommandResult:
    """``srcdir`` and ``cwd`` resolved once by the caller: thousands of rows."""
    path = srcdir / result.source
    try:
        source = path.relative_to(cwd).as_posix()
    except ValueError:
        source = str(path)
    return dataclasses.replace(result, source=source)


def write_reports(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: report files, CI annotations, summary, exit status."""
    verification: Verification | None = getattr(app, _RUN, None)
    if exception is not None or verification is None:
        return
    results = verification.results
    outdir = Path(app.outdir)
    report.write_jsonl(results, outdir / report.REPORT_FILENAME)
    # CI tools attach results to files of the repository: paths from where
    # the build runs (the checkout), not from the Sphinx source directory.
    srcdir, cwd = Path(app.srcdir).resolve(), Path.cwd().resolve()
    located = [_from_cwd(result, srcdir, cwd) for result in results]
    report.write_junit(located, outdir / report.JUNIT_FILENAME)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for line in report.github_annotations(located):
            print(line, flush=True)
    if verification.backend is None and app.config.runbook_execute == "off":
        # Checked, not run: say what the checks found, not "46 skipped".
        stale = sum(1 for r in results if r.stale)
        notes = sum(1 for r in results for finding in r.checks if not finding["stale"])
        logger.info("runbook: %d commands checked statically: %d stale, %d notes",
                    len(results), stale, notes)
    else:
        summary = report.summarize(results)
        logger.info("runbook: %s", report.format_summary(summary))
        logger.info("runbook: %s", report.format_coverage(summary))
    logger.info("runbook: report in %s", outdir / report.REPORT_FILENAME)
    failing = [r for r in results if r.status in app.config.runbook_fail_on]
    if failing:
        # Not logger.error: that would count as a warning and turn -W on its head.
        logger.info(red("runbook: %d command(s) %s (runbook_fail_on): exit status 1"),
                    len(failing), "/".join(sorted({r.status for r in failing})))
        app.statuscode = 1


def setup_verification(app: Sphinx) -> None:
    app.connect("env-updated", run_verification)
    app.connect("build-finished", write_reports)
