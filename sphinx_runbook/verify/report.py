"""Verification reports: JSON Lines, JUnit XML, GitHub annotations and a summary.

The JSON Lines report (one :class:`CommandResult` per line) is the canonical
record of a run: shards of a CI matrix each write one and :func:`merge` joins
them.  JUnit XML and GitHub workflow commands are views of the same rows for
the test reporters of GitLab, Jenkins and GitHub.  Stdlib only, no Sphinx: the
CLI and the pytest plugin use this module as well as the Sphinx build.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomically
from .results import STALE, STATUSES, CommandResult

REPORT_FILENAME = "runbook-report.jsonl"
JUNIT_FILENAME = "runbook-junit.xml"

#: Fields a report line must have.  ``step`` is required by the dataclass but
#: not here: it only helps people, and a row without it is still a result.
REQUIRED_FIELDS: tuple[str, ...] = ("id", "runbook", "status")

#: How much of each output stream goes into a JUnit failure: the end of the
#: output, where the error usually is, without making the XML huge.
EXCERPT_LINES = 40
EXCERPT_CHARS = 4000


class ReportError(ValueError):
    """A report file that cannot be read, or reports that cannot be merged."""


# --------------------------------------------------------------------------- order


def _sort_key(result: CommandResult) -> tuple[str, int, str]:
    return (result.source, result.line or 0, result.id)


def _canonical_line(result: CommandResult) -> str:
    # separators as in index/files.py; sorted keys and no indent keep one row
    # per line with no trailing spaces, and make equal results equal text.
    return json.dumps(
        result.to_dict(), sort_keys=True, ensure_ascii=False, separators=(", ", ": "))


def ordered(results: Iterable[CommandResult]) -> list[CommandResult]:
    """The report order: by source file, line (0 when unknown), command id.

    Rows equal on all three (only possible in a report that has not been
    merged) are ordered by their JSON text, so the order never depends on the
    order results arrived in, e.g. from parallel workers.
    """
    rows = sorted(results, key=_sort_key)
    # The JSON text is costly: only rows that tie on the key need it.
    start = 0
    while start < len(rows):
        end = start + 1
        while end < len(rows) and _sort_key(rows[end]) == _sort_key(rows[start]):
            end += 1
        if end - start > 1:
            rows[start:end] = sorted(rows[start:end], key=_tiebreak)
        start = end
    return rows


def _tiebreak(result: CommandResult) -> str:
    # repr for values json cannot encode: ordering (for JUnit, annotations)
    # must not fail where only writing JSON would.
    return json.dumps(result.to_dict(), sort_keys=True, default=repr)


# --------------------------------------------------------------------------- files


def dumps_jsonl(results: Iterable[CommandResult]) -> str:
    """The text :func:`write_jsonl` writes: one JSON object per line, in report order."""
    # json escapes "\n" and "\r" inside strings, so one row is always one line.
    return "".join(_canonical_line(result) + "\n" for result in ordered(results))


def write_jsonl(results: Iterable[CommandResult], path: Path) -> None:
    """Write the JSON Lines report atomically; the same results give the same bytes."""
    # Serialise before touching the file system: a value json cannot encode
    # fails here and leaves any previous report in place.
    write_text_atomically(dumps_jsonl(results), path, prefix=".runbook-report-")


def read_jsonl(path: Path) -> list[CommandResult]:
    """Read a report written by :func:`write_jsonl` (or merged by hand with ``cat``).

    Blank lines are ignored; fields this version does not know are dropped, so
    an older reader accepts a newer report.  Anything else wrong raises
    :class:`ReportError` with ``<path>:<line>:``.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ReportError(f"cannot read {path}: {error.strerror}") from None
    results = []
    # Split on "\n" only: str.splitlines() would also split on U+2028 and other
    # separators that json writes unescaped with ensure_ascii=False.
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ReportError(f"{path}:{number}: not UTF-8: {error.reason}") from None
        if text.strip():
            results.append(_parse_line(text, f"{path}:{number}"))
    return results


def _parse_line(text: str, where: str) -> CommandResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReportError(f"{where}: not JSON: {error.msg} (column {error.colno})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{where}: not a JSON object but {type(data).__name__}")
    missing = [name for name in REQUIRED_FIELDS if name not in data]
    if missing:
        raise ReportError(f"{where}: missing required field(s): {', '.join(missing)}")
    if data["status"] not in STATUSES:
        raise ReportError(
            f"{where}: unknown status {data['status']!r} (expected one of {', '.join(STATUSES)})")
    hints = _field_types()
    values: dict[str, Any] = {"step": ""}
    for name, value in data.items():
        if name not in hints:
            continue
        expected = hints[name]
        if not _matches(value, expected):
            raise ReportError(f"{where}: field {name!r} has the wrong type: {value!r}")
        # JSON does not tell 1 from 1.0: a hand-written "duration": 1 is a float.
        if expected is float and isinstance(value, int):
            value = float(value)
        values[name] = value
    return CommandResult.from_dict(values)


@cache
def _field_types() -> dict[str, Any]:
    # Derived from the dataclass so a field added to results.py is checked
    # without touching this module.
    hints = typing.get_type_hints(CommandResult)
    return {f.name: hints[f.name] for f in dataclasses.fields(CommandResult)}


def _matches(value: Any, expected: Any) -> bool:
    """Whether a JSON value fits a field's annotation (enough to sort and format it)."""
    origin = typing.get_origin(expected)
    if expected is Any:
        return True
    if expected is type(None):
        return value is None
    if origin is typing.Union or isinstance(expected, types.UnionType):
        return any(_matches(value, option) for option in typing.get_args(expected))
    if origin is typing.Literal:
        return value in typing.get_args(expected)
    if origin is not None:  # dict[str, Any], list[str]...: check the container only
        return isinstance(value, origin)
    if expected is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if expected is int:  # bool is an int to Python, not to the report
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(expected, type):
        return isinstance(value, expected)
    return True  # an annotation this checker does not understand: trust the writer


# --------------------------------------------------------------------------- merge


def merge(reports: list[list[CommandResult]]) -> list[CommandResult]:
    """Join the reports of several shards into one, in report order.

    A command reported twice with identical rows (a retried shard that
    re-uploaded its report) is kept once.  Reported twice with different rows
    it is an error: which one is true cannot be decided here, and silently
    keeping either could hide a failure.
    """
    seen: dict[str, tuple[int, CommandResult]] = {}
    for number, report in enumerate(reports, start=1):
        for result in report:
            if result.id not in seen:
                seen[result.id] = (number, result)
                continue
            first_number, first = seen[result.id]
            if first != result:
                raise ReportError(_conflict(first_number, first, number, result))
    return ordered(result for _, result in seen.values())


def _conflict(first_number: int, first: CommandResult, number: int,
              second: CommandResult) -> str:
    a, b = first.to_dict(), second.to_dict()
    differing = sorted(name for name in a if a[name] != b[name])

    def describe(report: int, result: CommandResult) -> str:
        return f"report {report}: {result.status}" + (
            f" ({result.reason})" if result.reason else "")

    return (f"command {first.id!r} has different results in two reports: "
            f"{describe(first_number, first)}; {describe(number, second)} "
            f"(fields that differ: {', '.join(differing)})")


# --------------------------------------------------------------------------- JUnit

# Everything XML 1.0 allows (https://www.w3.org/TR/xml/#charsets); the rest
# (control characters such as ESC in coloured output, lone surrogates from
# undecodable bytes, U+FFFE/U+FFFF) would make the file unreadable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    """Text that is legal in XML: a forbidden character becomes ``\\xNN`` / ``\\uNNNN``."""

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _NOT_XML.sub(escape, text)


def _seconds(duration: float) -> str:
    return f"{duration:.3f}"


def _excerpt(text: str) -> str:
    """The end of an output stream, short enough to read in a test report."""
    lines = text.splitlines()
    kept = "\n".join(lines[-EXCERPT_LINES:])
    if len(kept) > EXCERPT_CHARS:
        kept = kept[-EXCERPT_CHARS:]
    if len(lines) > EXCERPT_LINES or len(kept) < len("\n".join(lines)):
        return f"[... earlier output omitted]\n{kept}"
    return kept


def _failure_text(result: CommandResult) -> str:
    parts = []
    if result.detail:
        parts.append(result.detail.rstrip("\n"))
    if result.exit_status is not None:
        parts.append(f"exit status: {result.exit_status}")
    if result.http_status is not None:
        parts.append(f"HTTP status: {result.http_status}")
    for name, stream in (("stdout", result.stdout), ("stderr", result.stderr)):
        if stream:
            parts.append(f"--- {name} ---\n{_excerpt(stream)}")
    return "\n\n".join(parts)


def _set(element: ET.Element, name: str, value: str) -> None:
    element.set(name, _xml_text(value))


def dumps_junit(results: Iterable[CommandResult], *, suite_name: str = "sphinx-runbook") -> str:
    """The text :func:`write_junit` writes."""
    rows = ordered(results)
    suites: dict[str, list[CommandResult]] = {}
    for result in rows:
        suites.setdefault(result.runbook, []).append(result)

    root = ET.Element("testsuites")
    _set(root, "name", suite_name)
    _set_counts(root, rows)
    for runbook, members in suites.items():
        suite = ET.SubElement(root, "testsuite")
        _set(suite, "name", runbook)
        _set_counts(suite, members)
        for result in members:
            suite.append(_testcase(result))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _set_counts(element: ET.Element, results: list[CommandResult]) -> None:
    statuses = Counter(result.status for result in results)
    element.set("tests", str(len(results)))
    element.set("failures", str(sum(statuses[status] for status in STALE)))
    # "errors" is for tests that could not run because of the harness; a
    # command that cannot run is skipped, blocked or failed, never an error.
    element.set("errors", "0")
    element.set("skipped", str(statuses["skipped"] + statuses["blocked"]))
    element.set("time", _seconds(sum(result.duration for result in results)))


def _testcase(result: CommandResult) -> ET.Element:
    case = ET.Element("testcase")
    _set(case, "classname", f"runbook.{result.runbook}")
    _set(case, "name", result.id)
    if result.source:
        _set(case, "file", result.source)
    if result.line is not None:
        case.set("line", str(result.line))
    case.set("time", _seconds(result.duration))
    if result.stale:
        failure = ET.SubElement(case, "failure")
        _set(failure, "message", result.reason or result.status)
        _set(failure, "type", result.reason_code or result.status)
        failure.text = _xml_text(_failure_text(result))
    elif result.status in ("skipped", "blocked"):
        skipped = ET.SubElement(case, "skipped")
        message = result.reason or result.reason_code or result.status
        # Reporters show both as skipped; say which, since blocked means an
        # earlier step failed rather than that the command was left out.
        if result.status == "blocked":
            message = f"blocked: {message}"
        _set(skipped, "message", message)
    if result.code:
        out = ET.SubElement(case, "system-out")
        out.text = _xml_text(result.code)
    return case


def write_junit(results: Iterable[CommandResult], path: Path, *,
                suite_name: str = "sphinx-runbook") -> None:
    """Write a JUnit XML report atomically: one test suite per runbook, one case per command."""
    write_text_atomically(dumps_junit(results, suite_name=suite_name), path,
                      prefix=".runbook-junit-")


# --------------------------------------------------------------------------- GitHub


def _escape_data(text: str) -> str:
    # https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts
    # "%" first, or the escapes themselves would be escaped again.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _workflow_command(command: str, properties: Mapping[str, str], message: str) -> str:
    rendered = ",".join(f"{name}={_escape_property(value)}" for name, value in properties.items())
    return f"::{command} {rendered}::{_escape_data(message)}"


def github_annotations(results: Iterable[CommandResult]) -> list[str]:
    """GitHub Actions workflow commands marking stale (error) and blocked (warning) commands.

    Printed to the log of a workflow step, each becomes an annotation on the
    runbook's source line.  Passed and skipped commands get none: a skip is a
    decision of the runbook, not a problem in it.
    """
    commands = []
    for result in ordered(results):
        if result.stale:
            command, title = "error", f"Stale runbook command {result.id} ({result.status})"
        elif result.status == "blocked":
            command, title = "warning", f"Runbook command {result.id} not run (blocked)"
        else:
            continue
        properties: dict[str, str] = {}
        if result.source:
            properties["file"] = result.source
        if result.line is not None:
            properties["line"] = str(result.line)
        properties["title"] = title
        message = result.reason or result.status
        if result.detail:
            message += "\n" + result.detail.rstrip("\n")
        commands.append(_workflow_command(command, properties, message))
    return commands


# --------------------------------------------------------------------------- summary


@dataclass
class Summary:
    """Counts of a run, for the end of ``verify`` and the CI coverage summary."""

    commands: int = 0
    runbooks: int = 0
    #: Every status of :data:`STATUSES`, zero included, in that order.
    statuses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    #: Skipped commands per ``reason_code``, most frequent first.
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    #: Failed and timed-out commands: the documentation that is wrong.
    stale: int = 0
    #: Commands that ran (passed, failed or timed out).
    executed: int = 0
    #: Commands that did not run but that the static checks read.
    checked_only: int = 0
    #: Per reason code, what the skips were about (``requires``: the item,
    #: ``missing-program``: the program...), most frequent first.
    skipped_subjects: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.stale == 0


def summarize(results: Iterable[CommandResult]) -> Summary:
    rows = list(results)
    statuses: dict[str, int] = dict.fromkeys(STATUSES, 0)
    for result in rows:
        statuses[result.status] = statuses.get(result.status, 0) + 1
    reasons = Counter(result.reason_code or "unspecified"
                      for result in rows if result.status == "skipped")
    subjects: dict[str, Counter[str]] = {}
    for result in rows:
        subject = _skip_subject(result) if result.status == "skipped" else None
        if subject:
            subjects.setdefault(result.reason_code, Counter())[subject] += 1
    executed = sum(1 for result in rows if _ran(result))
    return Summary(
        commands=len(rows),
        runbooks=len({result.runbook for result in rows}),
        statuses=statuses,
        # Ties by name: the same results always print the same line.
        skipped_reasons=dict(sorted(reasons.items(), key=lambda item: (-item[1], item[0]))),
        stale=sum(1 for result in rows if result.stale),
        executed=executed,
        checked_only=sum(1 for result in rows if result.checked and not _ran(result)),
        skipped_subjects={code: dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))
                          for code, counter in subjects.items()},
    )


def _ran(result: CommandResult) -> bool:
    # A stale finding of the static checks turns a skipped command into a
    # failed one without running it; the status it had is kept in ``extra``.
    return result.extra.get("status_before_checks", result.status) in (
        "passed", "failed", "timeout")

#: What a skip was about, read from the reasons the planner writes.
_SUBJECTS = {
    "requires": re.compile(r"^requires (\S+?):"),
    "missing-program": re.compile(r"^(\S+) is not installed"),
    "missing-service": re.compile(r"^service (\S+) "),
}


def _skip_subject(result: CommandResult) -> str | None:
    pattern = _SUBJECTS.get(result.reason_code)
    match = pattern.match(result.reason) if pattern else None
    return match.group(1) if match else None


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def format_summary(summary: Summary) -> str:
    """Two short lines (one when nothing was skipped), without a final newline::

        142 commands in 27 runbooks: 98 passed, 0 failed, 0 timeout, 40 skipped, 4 blocked
        skipped: 21 destructive, 12 requires, 7 placeholder
    """
    # Every status is listed, zero or not, so the line has the same shape in
    # every run and is easy to compare and to grep.
    counts = ", ".join(f"{count} {status}" for status, count in summary.statuses.items())
    lines = [f"{_plural(summary.commands, 'command')} in "
             f"{_plural(summary.runbooks, 'runbook')}: {counts}"]
    if summary.skipped_reasons:
        reasons = ", ".join(f"{count} {code}" for code, count in summary.skipped_reasons.items())
        lines.append(f"skipped: {reasons}")
    return "\n".join(lines)


def _share(count: int, total: int) -> str:
    return f"{count} ({round(100 * count / total)}%)" if total else str(count)


def format_coverage(summary: Summary) -> str:
    """What verification covered, without a final newline::

        coverage: 58 executed (41%), 70 checked statically only (49%), 14 neither
        skipped: 40 requires (flowviz-deployment 21, kubernetes 19), 12 language
    """
    neither = summary.commands - summary.executed - summary.checked_only
    lines = [f"coverage: {_share(summary.executed, summary.commands)} executed, "
             f"{_share(summary.checked_only, summary.commands)} checked statically only, "
             f"{neither} neither (plain text, output and examples)"]
    if summary.skipped_reasons:
        parts = []
        for code, count in summary.skipped_reasons.items():
            subjects = summary.skipped_subjects.get(code)
            detail = (" (" + ", ".join(f"{name} {n}" for name, n in subjects.items()) + ")"
                      if subjects else "")
            parts.append(f"{count} {code}{detail}")
        lines.append("skipped: " + ", ".join(parts))
    return "\n".join(lines)
