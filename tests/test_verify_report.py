"""Verification reports: JSON Lines, merging shards, JUnit XML, GitHub annotations, summary."""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from sphinx_runbook.verify.report import (
    JUNIT_FILENAME,
    REPORT_FILENAME,
    ReportError,
    Summary,
    format_coverage,
    format_summary,
    github_annotations,
    merge,
    ordered,
    read_jsonl,
    summarize,
    write_jsonl,
    write_junit,
)
from sphinx_runbook.verify.results import CommandResult


def result(id: str, status: Any = "passed", **fields: Any) -> CommandResult:
    runbook = fields.pop("runbook", id.split(".")[0])
    fields.setdefault("source", f"{runbook}.md")
    fields.setdefault("step", "step")
    return CommandResult(id=id, runbook=runbook, status=status, **fields)


def sample() -> list[CommandResult]:
    return [
        result("db.restart.1", line=12, duration=1.25, code="systemctl restart db",
               stdout="ok\n", timestamp="2024-05-01T10:00:00Z"),
        result("db.restart.2", "failed", line=20, reason="exit status 1 (expected 0)",
               reason_code="exit-status", exit_status=1, stderr="boom\n", detail="diff",
               extra={"attempts": 2}),
        result("db.drop.1", "skipped", line=30, reason="destructive command",
               reason_code="destructive"),
        result("web.check.1", "timeout", line=5, reason="timed out after 30 s",
               reason_code="timeout", duration=30.0, cached=True, cwd="/srv"),
        result("web.check.2", "blocked", line=9, reason="web.check.1 did not pass",
               reason_code="needs"),
        # Unicode, including a line separator json writes unescaped.
        result("web.check.3", "skipped", source="web.md", reason="héllo\u2028wörld",
               reason_code="placeholder"),
    ]


# --------------------------------------------------------------------------- JSON Lines


def test_filenames() -> None:
    assert REPORT_FILENAME == "runbook-report.jsonl"
    assert JUNIT_FILENAME == "runbook-junit.xml"


def test_jsonl_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "out" / REPORT_FILENAME
    write_jsonl(sample(), path)
    assert read_jsonl(path) == ordered(sample())
    assert read_jsonl(path) != sample()  # ordered really reorders the sample


def test_jsonl_format(tmp_path: Path) -> None:
    path = tmp_path / REPORT_FILENAME
    write_jsonl(sample(), path)
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[-1] == ""  # ends with a newline
    assert len(lines[:-1]) == len(sample())
    for line in lines[:-1]:
        assert line == line.rstrip()
        data = json.loads(line)
        assert list(data) == sorted(data)
    assert "héllo\u2028wörld" in text  # ensure_ascii=False
    assert [json.loads(line)["id"] for line in lines[:-1]] == [r.id for r in ordered(sample())]
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_order() -> None:
    ids = [r.id for r in ordered(sample())]
    # db.md by line, then web.md: line None (0) first, then by line.
    assert ids == ["db.restart.1", "db.restart.2", "db.drop.1",
                   "web.check.3", "web.check.1", "web.check.2"]


def test_order_same_line_by_id() -> None:
    # The backends would order them the other way if the id did not come first.
    rows = [result("a.z", line=1, source="a.md", backend="a"),
            result("a.b", line=1, source="a.md", backend="b")]
    assert [r.id for r in ordered(rows)] == ["a.b", "a.z"]


def test_jsonl_byte_identical_and_order_independent(tmp_path: Path) -> None:
    first, second, third = (tmp_path / name for name in ("1.jsonl", "2.jsonl", "3.jsonl"))
    write_jsonl(sample(), first)
    write_jsonl(sample(), second)
    shuffled = sample()
    random.Random(4).shuffle(shuffled)
    assert shuffled != sample()
    write_jsonl(reversed(sample()), third)
    assert first.read_bytes() == second.read_bytes() == third.read_bytes()
    write_jsonl(shuffled, third)
    assert first.read_bytes() == third.read_bytes()


def test_jsonl_write_replaces_old_report(tmp_path: Path) -> None:
    path = tmp_path / REPORT_FILENAME
    path.write_text("old\n" * 1000, encoding="utf-8")
    write_jsonl(sample()[:1], path)
    assert read_jsonl(path) == sample()[:1]


def test_jsonl_failed_write_keeps_old_report(tmp_path: Path) -> None:
    path = tmp_path / REPORT_FILENAME
    write_jsonl(sample(), path)
    before = path.read_bytes()
    with pytest.raises(TypeError):
        write_jsonl([result("x.y", extra={"not json": object()})], path)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


def test_jsonl_interrupted_write_keeps_old_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / REPORT_FILENAME
    write_jsonl(sample(), path)
    before = path.read_bytes()

    def fail(self: Path, target: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_jsonl(sample()[:1], path)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]  # the temporary file is removed


def test_jsonl_empty(tmp_path: Path) -> None:
    path = tmp_path / REPORT_FILENAME
    write_jsonl([], path)
    assert path.read_bytes() == b""
    assert read_jsonl(path) == []


def test_jsonl_tolerant_reading(tmp_path: Path) -> None:
    path = tmp_path / REPORT_FILENAME
    path.write_text(
        '{"id": "a.b", "runbook": "a", "status": "passed", "new_field": 1, "duration": 2}\n'
        "\n", encoding="utf-8")
    [row] = read_jsonl(path)
    assert row == CommandResult(id="a.b", runbook="a", step="", status="passed", duration=2.0)
    assert isinstance(row.duration, float)


@pytest.mark.parametrize(("lines", "number", "message"), [
    (['{"id": "a.b", "runbook": "a", "status": "passed"}', "{not json"], 2, "not JSON"),
    (['{"id": "a.b", "runbook": "a", "status": "passed"}', "", '[1, 2]'], 3,
     "not a JSON object"),
    (['{"id": "a.b", "status": "passed"}'], 1, "missing required field(s): runbook"),
    (['{"step": "s"}'], 1, "missing required field(s): id, runbook, status"),
    (['{"id": "a.b", "runbook": "a", "status": "passed"}',
      '{"id": "a.c", "runbook": "a", "status": "broken"}'], 2, "unknown status 'broken'"),
    (['{"id": "a.b", "runbook": "a", "status": "passed", "line": "12"}'], 1,
     "field 'line' has the wrong type"),
    (['{"id": 7, "runbook": "a", "status": "passed"}'], 1, "field 'id' has the wrong type"),
    (['{"id": "a.b", "runbook": "a", "status": "passed", "cached": 1}'], 1,
     "field 'cached' has the wrong type"),
    (['{"id": "a.b", "runbook": "a", "status": "passed", "line": true}'], 1,
     "field 'line' has the wrong type"),
])
def test_jsonl_bad_files(tmp_path: Path, lines: list[str], number: int, message: str) -> None:
    path = tmp_path / REPORT_FILENAME
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ReportError) as info:
        read_jsonl(path)
    assert str(info.value).startswith(f"{path}:{number}: ")
    assert message in str(info.value)


def test_jsonl_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / REPORT_FILENAME
    path.write_bytes(b'{"id": "a", "runbook": "a", "status": "passed"}\n"\xff"\n')
    with pytest.raises(ReportError, match=r":2: not UTF-8"):
        read_jsonl(path)


def test_jsonl_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"cannot read .*missing\.jsonl"):
        read_jsonl(tmp_path / "missing.jsonl")


# --------------------------------------------------------------------------- merge


def test_merge_disjoint_shards() -> None:
    rows = sample()
    merged = merge([rows[3:], rows[:3]])
    assert merged == ordered(rows)
    assert merge([rows[:3], rows[3:]]) == merged


def test_merge_identical_duplicate_kept_once() -> None:
    rows = sample()
    merged = merge([rows[:4], rows[2:], [result("db.restart.1", line=12, duration=1.25,
                   code="systemctl restart db", stdout="ok\n",
                   timestamp="2024-05-01T10:00:00Z")]])
    assert merged == ordered(rows)
    assert len(merged) == len(rows)


def test_merge_conflicting_duplicate() -> None:
    passed = result("db.restart.2", line=20)
    with pytest.raises(ReportError) as info:
        merge([[passed], sample()])
    message = str(info.value)
    assert "'db.restart.2'" in message
    assert "report 1: passed" in message
    assert "report 2: failed (exit status 1 (expected 0))" in message
    assert "status" in message.split("fields that differ:")[1]


def test_merge_conflict_within_one_report() -> None:
    with pytest.raises(ReportError, match=r"'a\.b'.*report 1: passed.*report 1: skipped"):
        merge([[result("a.b"), result("a.b", "skipped")]])


def test_merge_nothing() -> None:
    assert merge([]) == []
    assert merge([[], []]) == []


# --------------------------------------------------------------------------- JUnit


def junit(tmp_path: Path, rows: list[CommandResult], **options: Any) -> ET.Element:
    path = tmp_path / JUNIT_FILENAME
    write_junit(rows, path, **options)
    assert list(tmp_path.iterdir()) == [path]
    return ET.parse(path).getroot()


def test_junit_suites_and_counts(tmp_path: Path) -> None:
    root = junit(tmp_path, sample())
    assert root.tag == "testsuites"
    assert root.attrib == {"name": "sphinx-runbook", "tests": "6", "failures": "2",
                           "errors": "0", "skipped": "3", "time": "31.250"}
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["db", "web"]
    db, web = suites
    assert db.attrib == {"name": "db", "tests": "3", "failures": "1", "errors": "0",
                         "skipped": "1", "time": "1.250"}
    assert web.attrib == {"name": "web", "tests": "3", "failures": "1", "errors": "0",
                          "skipped": "2", "time": "30.000"}
    assert [c.get("name") for c in db.findall("testcase")] == [
        "db.restart.1", "db.restart.2", "db.drop.1"]


def test_junit_suite_name(tmp_path: Path) -> None:
    assert junit(tmp_path, sample(), suite_name="nightly").get("name") == "nightly"


def test_junit_testcases(tmp_path: Path) -> None:
    root = junit(tmp_path, sample())
    cases = {c.get("name"): c for c in root.iter("testcase")}

    passed = cases["db.restart.1"]
    assert passed.attrib == {"classname": "runbook.db", "name": "db.restart.1",
                             "file": "db.md", "line": "12", "time": "1.250"}
    assert [child.tag for child in passed] == ["system-out"]
    assert passed.findtext("system-out") == "systemctl restart db"

    failure = cases["db.restart.2"].find("failure")
    assert failure is not None
    assert failure.attrib == {"message": "exit status 1 (expected 0)", "type": "exit-status"}
    assert failure.text is not None
    assert "diff" in failure.text
    assert "exit status: 1" in failure.text
    assert "--- stderr ---\nboom" in failure.text
    assert "stdout" not in failure.text  # empty streams are left out

    timeout = cases["web.check.1"].find("failure")
    assert timeout is not None
    assert timeout.attrib == {"message": "timed out after 30 s", "type": "timeout"}

    skipped = cases["db.drop.1"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "destructive command"
    assert cases["db.drop.1"].find("failure") is None

    blocked = cases["web.check.2"].find("skipped")
    assert blocked is not None
    assert blocked.get("message") == "blocked: web.check.1 did not pass"

    assert "line" not in cases["web.check.3"].attrib
    assert cases["web.check.3"].find("system-out") is None


def test_junit_control_characters_still_parse(tmp_path: Path) -> None:
    row = result("a.b", "failed", reason="bad\x00 \x1b[31mred", reason_code="output",
                 stdout="\x1b[31mERROR\x1b[0m\x07 done\ud800\n", code="echo \x1b", line=1)
    path = tmp_path / JUNIT_FILENAME
    write_junit([row], path)
    raw = path.read_bytes()
    assert b"\x1b" not in raw
    assert b"\x00" not in raw
    root = ET.fromstring(raw)
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "bad\\x00 \\x1b[31mred"
    assert failure.text is not None
    assert "\\x1b[31mERROR\\x1b[0m\\x07 done\\ud800" in failure.text
    assert root.findtext("testsuite/testcase/system-out") == "echo \\x1b"


def test_junit_long_output_is_an_excerpt(tmp_path: Path) -> None:
    stdout = "".join(f"line {n}\n" for n in range(1000))
    root = junit(tmp_path, [result("a.b", "failed", stdout=stdout, reason="x")])
    text = root.findtext("testsuite/testcase/failure")
    assert text is not None
    assert "line 999" in text
    assert "line 0\n" not in text
    assert "[... earlier output omitted]" in text
    assert len(text) < 5000


def test_junit_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "1.xml", tmp_path / "2.xml"
    write_junit(sample(), first)
    write_junit(reversed(sample()), second)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')


def test_junit_empty(tmp_path: Path) -> None:
    root = junit(tmp_path, [])
    assert root.get("tests") == "0"
    assert root.findall("testsuite") == []


# --------------------------------------------------------------------------- GitHub


def test_annotations_only_for_stale_and_blocked() -> None:
    commands = github_annotations(sample())
    assert [c.split(" ")[0] for c in commands] == ["::error", "::error", "::warning"]
    assert commands[0] == (
        "::error file=db.md,line=20,title=Stale runbook command db.restart.2 (failed)"
        "::exit status 1 (expected 0)%0Adiff")
    assert commands[1].startswith("::error file=web.md,line=5,")
    assert commands[2] == (
        "::warning file=web.md,line=9,title=Runbook command web.check.2 not run (blocked)"
        "::web.check.1 did not pass")
    assert github_annotations([result("a.b"), result("a.c", "skipped")]) == []


def test_annotations_escaping() -> None:
    row = result("a:b,c", "failed", source="dir,1/run:book.md", line=3,
                 reason="100% wrong\r\nsee: below, please", detail="")
    [command] = github_annotations([row])
    assert command == (
        "::error file=dir%2C1/run%3Abook.md,line=3,"
        "title=Stale runbook command a%3Ab%2Cc (failed)"
        "::100%25 wrong%0D%0Asee: below, please")


def test_annotations_without_location() -> None:
    row = result("a.b", "timeout", source="", reason="")
    assert github_annotations([row]) == [
        "::error title=Stale runbook command a.b (timeout)::timeout"]


# --------------------------------------------------------------------------- summary


def test_summarize() -> None:
    rows = [*sample(), result("c.d", "skipped", reason_code="requires"),
            result("c.e", "skipped"), result("c.f", "skipped", reason_code="requires")]
    summary = summarize(rows)
    assert summary == Summary(
        commands=9, runbooks=3,
        statuses={"passed": 1, "failed": 1, "timeout": 1, "skipped": 5, "blocked": 1},
        skipped_reasons={"requires": 2, "destructive": 1, "placeholder": 1, "unspecified": 1},
        stale=2, executed=3)
    assert list(summary.statuses) == ["passed", "failed", "timeout", "skipped", "blocked"]
    # Most frequent first, ties by name.
    assert list(summary.skipped_reasons) == ["requires", "destructive", "placeholder",
                                             "unspecified"]
    assert format_summary(summary).endswith(
        "\nskipped: 2 requires, 1 destructive, 1 placeholder, 1 unspecified")
    assert not summary.ok
    assert summarize(sample()[:1]).ok


def test_format_summary() -> None:
    assert format_summary(summarize(sample())) == (
        "6 commands in 2 runbooks: 1 passed, 1 failed, 1 timeout, 2 skipped, 1 blocked\n"
        "skipped: 1 destructive, 1 placeholder")


def test_format_summary_singular_and_nothing_skipped() -> None:
    assert format_summary(summarize([result("a.b")])) == (
        "1 command in 1 runbook: 1 passed, 0 failed, 0 timeout, 0 skipped, 0 blocked")
    assert format_summary(summarize([])) == (
        "0 commands in 0 runbooks: 0 passed, 0 failed, 0 timeout, 0 skipped, 0 blocked")


def test_coverage_counts_what_ran_what_was_read_and_why_the_rest_was_skipped() -> None:
    rows = [
        result("a.run", checked=True),
        result("a.stale", "failed", reason_code="exit-status", checked=True),
        # A stale finding failed it without running it: read, not executed.
        result("a.deprecated", "failed", reason_code="check.deprecated", checked=True,
               extra={"status_before_checks": "skipped"}),
        # It ran and passed, then a finding failed it: executed.
        result("a.ran-then-flagged", "failed", reason_code="check.syntax", checked=True,
               extra={"status_before_checks": "passed"}),
        result("b.k8s", "skipped", reason_code="requires", checked=True,
               reason="requires kubernetes-cluster: no service of that name"),
        result("b.k8s2", "skipped", reason_code="requires", checked=True,
               reason="requires kubernetes-cluster: no service of that name"),
        result("b.prod", "skipped", reason_code="requires", checked=True,
               reason="requires production: no service of that name"),
        result("b.compose", "skipped", reason_code="missing-program", checked=True,
               reason="docker-compose is not installed where verification runs"),
        result("b.pg", "skipped", reason_code="missing-service", checked=True,
               reason="service postgres needs initdb, which is not installed here"),
        result("c.log", "skipped", reason_code="language", reason="text blocks are not run"),
    ]
    summary = summarize(rows)
    assert (summary.executed, summary.checked_only) == (3, 6)
    assert format_coverage(summary) == (
        "coverage: 3 (30%) executed, 6 (60%) checked statically only, "
        "1 neither (plain text, output and examples)\n"
        "skipped: 3 requires (kubernetes-cluster 2, production 1), 1 language, "
        "1 missing-program (docker-compose 1), 1 missing-service (postgres 1)")


def test_coverage_of_nothing() -> None:
    assert format_coverage(summarize([])) == (
        "coverage: 0 executed, 0 checked statically only, "
        "0 neither (plain text, output and examples)")


def test_format_summary_stable() -> None:
    shuffled = sample()
    random.Random(1).shuffle(shuffled)
    assert format_summary(summarize(shuffled)) == format_summary(summarize(sample()))
