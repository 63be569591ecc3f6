"""Comparing command output with what a runbook expects: wildcards, JSON subsets, excerpts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sphinx_runbook.verify.expect import excerpt, match_json, match_output


def _changed(diff: str) -> list[str]:
    """The removed and added lines of a unified diff, without its two headers."""
    return [line for line in diff.splitlines()[2:] if line.startswith(("-", "+"))]


# --- match_output: what matches -----------------------------------------------


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        pytest.param("hello\nworld", "hello\nworld\n", id="exact"),
        pytest.param("", "", id="empty-both"),
        pytest.param("", "\n \n\t\n", id="empty-vs-blank-lines"),
        pytest.param("a   b", "a b", id="space-run-in-expected"),
        pytest.param("a b", "a     b", id="space-run-in-actual"),
        pytest.param("NAME\tREADY", "NAME      READY", id="tab-vs-spaces"),
        pytest.param("NAME    READY", "NAME\t \tREADY", id="spaces-vs-tabs"),
        pytest.param("a  \nb\t", "a\nb", id="trailing-blanks-expected"),
        pytest.param("a\nb", "a   \nb\t\t", id="trailing-blanks-actual"),
        pytest.param("a\nb", "\n\na\nb\n\n\n", id="blank-lines-around-actual"),
        pytest.param("\n\na\nb\n\n", "a\nb", id="blank-lines-around-expected"),
        pytest.param("a\n\nb", "a\n   \nb", id="blank-line-inside"),
        pytest.param("a\nb\nc", "a\r\nb\rc\r\n", id="line-ends"),
        pytest.param("ok", "\x1b[1;32mok\x1b[0m", id="ansi-colour"),
        pytest.param("ok", "\x1b[2K\x1b[1Gok", id="ansi-erase-line"),
        pytest.param("see docs", "\x1b]8;;http://x/\x1b\\see docs\x1b]8;;\x1b\\", id="ansi-osc-st"),
        pytest.param("done", "\x1b]0;title\x07done", id="ansi-osc-bel"),
        pytest.param("plain", "plain\x1b(B\x1b[m", id="ansi-tput-sgr0"),
    ],
)
def test_output_matches(expected: str, actual: str) -> None:
    assert match_output(expected, actual) is None


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        pytest.param("...\nlast", "one\ntwo\nlast", id="dots-start"),
        pytest.param("first\n...\nlast", "first\ntwo\nthree\nlast", id="dots-middle"),
        pytest.param("first\n...", "first\ntwo\nthree", id="dots-end"),
        pytest.param("first\n...\nlast", "first\nlast", id="dots-zero-lines-middle"),
        pytest.param("...\nfirst", "first", id="dots-zero-lines-start"),
        pytest.param("first\n...", "first", id="dots-zero-lines-end"),
        pytest.param("...", "", id="dots-only-empty-output"),
        pytest.param("...", "anything\nat all", id="dots-only"),
        pytest.param("  ...  ", "x", id="dots-with-blanks"),
        pytest.param("a\n...\nc\n...\ne", "a\nb\nc\nd\ne", id="several-dots"),
        pytest.param("a\n...\n...\nb", "a\nx\ny\nb", id="consecutive-dots"),
        pytest.param("...\nx\n...\nx\n...", "x\nx", id="dots-around-repeats"),
        pytest.param("...\nb\nc", "b\nx\nb\nc", id="dots-needs-later-alignment"),
        pytest.param("[..] pods", "3 pods", id="any-text-start"),
        pytest.param("pod [..] ready", "pod web-1 is ready", id="any-text-middle"),
        pytest.param("took [..]", "took 1.2s", id="any-text-end"),
        pytest.param("a[..]b", "ab", id="any-text-empty"),
        pytest.param("a\n[..]\nb", "a\n\nb", id="any-text-whole-blank-line"),
        pytest.param("[..]:[..]:[..]", "10:20:30", id="any-text-several"),
        pytest.param("[..][..]x", "abx", id="any-text-adjacent"),
        pytest.param("a[..]a[..]a", "aaa", id="any-text-overlapping-pieces"),
        pytest.param("x=[..]", "x=[1, 2]", id="any-text-brackets-in-actual"),
        pytest.param("f(x) = 2*x.", "f(x) = 2*x.", id="regex-characters-literal"),
        pytest.param("[a-z]+ ^$ \\d", "[a-z]+ ^$ \\d", id="regex-class-literal"),
        pytest.param("[...]", "[...]", id="three-dots-in-brackets-literal"),
        pytest.param("wait...", "wait...", id="trailing-dots-literal"),
    ],
)
def test_output_wildcards_match(expected: str, actual: str) -> None:
    assert match_output(expected, actual) is None


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        pytest.param("hello", "Hello", id="case"),
        pytest.param("a b", "ab", id="space-is-not-optional"),
        pytest.param("a", " a", id="leading-indent-counts"),
        pytest.param("a\nb", "a\nb\nc", id="extra-line"),
        pytest.param("a\nb\nc", "a\nb", id="missing-line"),
        pytest.param("a", "", id="nothing-printed"),
        pytest.param("", "a", id="unexpected-output"),
        pytest.param("a\nb", "b\na", id="order"),
        pytest.param("first\n...\nlast", "first\ntwo", id="dots-then-missing"),
        pytest.param("...\nlast", "last\nmore", id="dots-last-not-last"),
        pytest.param("a\n...\nc\n...\ne", "a\nc\nb\nd", id="several-dots-missing"),
        pytest.param("[..]", "a\nb", id="any-text-is-one-line"),
        pytest.param("a[..]b", "a\nb", id="any-text-not-across-lines"),
        pytest.param("ab[..]bc", "abc", id="any-text-pieces-cannot-overlap"),
        pytest.param("[..]x", "xy", id="any-text-anchored-end"),
        pytest.param("x[..]", "yx", id="any-text-anchored-start"),
        pytest.param("f(x).", "fax)!", id="regex-dot-literal"),
        pytest.param("a*", "aaa", id="regex-star-literal"),
        pytest.param("(a)", "a", id="regex-group-literal"),
        pytest.param("..", "x", id="two-dots-literal"),
        pytest.param("....", "x", id="four-dots-literal"),
        pytest.param("a ...", "a b", id="dots-inside-line-literal"),
    ],
)
def test_output_mismatches(expected: str, actual: str) -> None:
    mismatch = match_output(expected, actual)
    assert mismatch is not None
    assert mismatch.kind == "output"
    assert mismatch.summary.startswith("output differs from the expected output")
    assert mismatch.detail.startswith("--- expected\n+++ actual\n")


def test_mismatch_diff_shows_the_differing_line() -> None:
    mismatch = match_output("alpha\nbeta\ngamma", "alpha\nBETA\ngamma")
    assert mismatch is not None
    assert "line 2 of the output" in mismatch.summary
    lines = mismatch.detail.splitlines()
    assert "-beta" in lines
    assert "+BETA" in lines
    assert " alpha" in lines  # context
    assert "+alpha" not in lines and "-alpha" not in lines


def test_mismatch_line_numbers_count_the_leading_blank_lines() -> None:
    mismatch = match_output("\na\nb", "\n\n\na\nc")
    assert mismatch is not None
    assert "line 5 of the output" in mismatch.summary
    assert "line 3 of the expected output" in mismatch.summary


@pytest.mark.parametrize(
    ("expected", "actual", "hint"),
    [
        ("a", "", "printed nothing"),
        ("a", "a\nb", "unexpected output from line 2"),
        ("a\nb\nc", "a\nb", "ends before expected line 3"),
        ("a\n...\nz", "a\nb\nc", "expected line 3 not found after line 1 of the output"),
        ("...\nz", "a\nb", "expected line 2 not found"),
    ],
)
def test_mismatch_summary_hints(expected: str, actual: str, hint: str) -> None:
    mismatch = match_output(expected, actual)
    assert mismatch is not None
    assert hint in mismatch.summary


def test_diff_substitutes_what_wildcards_matched() -> None:
    # The lines ``...`` and ``[..]`` accounted for appear as context, not as
    # changes, so only the real difference shows.
    expected = "start [..]\n...\nmiddle\n...\nstatus: ok\nend"
    actual = "start 12:00\nnoise 1\nnoise 2\nmiddle\nnoise 3\nstatus: failed\nend"
    mismatch = match_output(expected, actual)
    assert mismatch is not None
    assert _changed(mismatch.detail) == ["-status: ok", "+status: failed"]


def test_diff_gives_spare_lines_to_the_dots_below() -> None:
    mismatch = match_output("start\nstatus: ok\n...\nend", "start\nstatus: bad\nx\ny\nend")
    assert mismatch is not None
    assert _changed(mismatch.detail) == ["-status: ok", "+status: bad"]


def test_diff_with_dots_on_both_sides_shows_every_candidate() -> None:
    mismatch = match_output("a\n...\nX\n...\nb", "a\n1\nY\n2\nb")
    assert mismatch is not None
    assert _changed(mismatch.detail) == ["-X", "+1", "+Y", "+2"]


def test_diff_compares_normalised_text() -> None:
    # Blank runs and colours do not show up as differences.
    mismatch = match_output("a  b\nc", "\x1b[31ma\tb\x1b[0m\nd")
    assert mismatch is not None
    assert _changed(mismatch.detail) == ["-c", "+d"]


def test_diff_is_cut_at_forty_lines() -> None:
    actual = "\n".join(f"line {number}" for number in range(100))
    mismatch = match_output("nothing like it", actual)
    assert mismatch is not None
    lines = mismatch.detail.splitlines()
    assert len(lines) == 41
    # 2 headers + 1 hunk header + 1 removed + 100 added = 104 diff lines.
    assert lines[-1] == "[… 64 more diff lines cut]"


def test_long_output_with_dots() -> None:
    # Would take ages (or overflow the stack) with naive backtracking.
    actual = "\n".join(f"line {number}" for number in range(10_000))
    assert match_output("line 0\n...\nline 5000\n...\nline 9999", actual) is None
    assert match_output("...\nline 9999", actual) is None
    assert match_output("...\n" * 200 + "line 9999", actual) is None
    mismatch = match_output("line 0\n...\nline 5000\n...\nnot there", actual)
    assert mismatch is not None
    assert "-not there" in mismatch.detail.splitlines()


def test_long_expected_without_wildcards() -> None:
    lines = [f"row {number}  value {number * 2}" for number in range(10_000)]
    assert match_output("\n".join(lines), "\n".join(lines)) is None
    changed = list(lines)
    changed[7_000] = "row 7000 value broken"
    mismatch = match_output("\n".join(lines), "\n".join(changed))
    assert mismatch is not None
    assert "line 7001 of the output" in mismatch.summary


# --- match_json ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        pytest.param({}, {"a": 1}, id="empty-object"),
        pytest.param({"a": 1}, {"a": 1, "b": 2}, id="subset-object"),
        pytest.param({"spec": {"replicas": 3}}, {"spec": {"replicas": 3, "x": []}}, id="nested"),
        pytest.param([], [1, 2], id="empty-array"),
        pytest.param([1, 3], [1, 2, 3], id="subsequence"),
        pytest.param([1, 1], [1, 2, 1], id="distinct-items"),
        pytest.param(
            {"items": [{"status": "Running"}]},
            {"items": [{"name": "a", "status": "Pending"}, {"name": "b", "status": "Running"}]},
            id="array-of-objects",
        ),
        pytest.param(
            [{"a": 1}, {"a": 2}],
            [{"a": 1, "b": 1}, {"a": 1, "b": 2}, {"a": 2}],
            id="greedy-still-finds-order",
        ),
        pytest.param(1, 1.0, id="int-float"),
        pytest.param(2.5, 2.5, id="float"),
        pytest.param(True, True, id="true"),
        pytest.param(None, None, id="null"),
        pytest.param("text", "text", id="string"),
        pytest.param({"a": None}, {"a": None}, id="null-value"),
        pytest.param([[1], [2]], [[0, 1], [2, 3]], id="nested-arrays"),
        pytest.param((1, 2), [1, 2], id="tuple-expected"),
    ],
)
def test_json_matches(expected: Any, actual: Any) -> None:
    assert match_json(expected, json.dumps(actual)) is None


@pytest.mark.parametrize(
    ("expected", "actual", "summary"),
    [
        pytest.param(
            {"items": [{"status": "Running"}]},
            {"items": [{"name": "a", "status": "Pending"}]},
            '$.items[0].status: expected "Running", got "Pending"',
            id="brief-example",
        ),
        pytest.param(
            {"spec": {"replicas": 3}},
            {"spec": {}},
            "$.spec.replicas: missing",
            id="missing-key",
        ),
        pytest.param(
            {"items": [{"name": "b", "status": "Running"}]},
            {"items": [{"name": "a"}, {"name": "b", "status": "Pending"}]},
            '$.items[1].status: expected "Running", got "Pending"',
            id="closest-item-blamed",
        ),
        pytest.param({"a": True}, {"a": 1}, "$.a: expected true, got 1", id="true-vs-1"),
        pytest.param({"a": 1}, {"a": True}, "$.a: expected 1, got true", id="1-vs-true"),
        pytest.param({"a": False}, {"a": 0}, "$.a: expected false, got 0", id="false-vs-0"),
        pytest.param({"a": 0}, {"a": None}, "$.a: expected 0, got null", id="0-vs-null"),
        pytest.param({"a": "1"}, {"a": 1}, '$.a: expected "1", got 1', id="string-vs-number"),
        pytest.param({"a": {}}, {"a": [1]}, "$.a: expected an object, got [1]", id="obj-vs-array"),
        pytest.param({"a": []}, {"a": {}}, "$.a: expected an array, got {}", id="array-vs-object"),
        pytest.param({"a": 1}, [1], "$: expected an object, got [1]", id="root-type"),
        pytest.param(
            [2, 1],
            [1, 2],
            "$: no item after [1] matches expected item [1] 1",
            id="array-order",
        ),
        pytest.param(
            [1, 1], [1], "$: no item after [0] matches expected item [1] 1", id="distinct-items"
        ),
        pytest.param([5], [1, 2], "$: no item matches expected item [0] 5", id="no-item"),
        pytest.param(
            {"metadata": {"labels": {"app.kubernetes.io/name": "web"}}},
            {"metadata": {"labels": {"app.kubernetes.io/name": "api"}}},
            '$.metadata.labels["app.kubernetes.io/name"]: expected "web", got "api"',
            id="quoted-key",
        ),
        pytest.param(
            {"a": [{"b": [{"c": 1}]}]},
            {"a": [{"b": [{"c": 2}]}]},
            "$.a[0].b[0].c: expected 1, got 2",
            id="deep",
        ),
    ],
)
def test_json_mismatches(expected: Any, actual: Any, summary: str) -> None:
    mismatch = match_json(expected, json.dumps(actual))
    assert mismatch is not None
    assert mismatch.kind == "json"
    assert mismatch.summary == summary


def test_json_blames_the_item_with_the_rarest_match() -> None:
    # Every pod is Running but one; the expected pod is that one.  Blaming
    # the first Running pod (its name differs) would point at the wrong field.
    pods = [
        {"metadata": {"name": name}, "status": {"phase": phase}}
        for name, phase in [("api", "Running"), ("db", "Running"), ("web", "Pending")]
    ]
    expected = {"items": [{"metadata": {"name": "web"}, "status": {"phase": "Running"}}]}
    mismatch = match_json(expected, json.dumps({"items": pods}))
    assert mismatch is not None
    assert mismatch.summary == '$.items[2].status.phase: expected "Running", got "Pending"'


def test_json_ties_blame_the_first_item() -> None:
    mismatch = match_json([{"a": 1, "b": 1}], json.dumps([{"a": 1, "b": 2}, {"a": 2, "b": 1}]))
    assert mismatch is not None
    assert mismatch.summary == "$[0].b: expected 1, got 2"


def test_json_no_item_detail_shows_the_array() -> None:
    mismatch = match_json({"tags": ["blue"]}, '{"tags": ["red", "green"]}')
    assert mismatch is not None
    assert mismatch.summary == '$.tags: no item matches expected item [0] "blue"'
    assert mismatch.detail.splitlines() == ["$.tags is:", "[", '  "red",', '  "green"', "]"]


def test_json_missing_key_detail_shows_the_object() -> None:
    mismatch = match_json({"spec": {"replicas": 3}}, '{"spec": {"paused": true}}')
    assert mismatch is not None
    assert mismatch.detail.startswith("$.spec is:\n")
    assert '"paused": true' in mismatch.detail


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json", "Expecting value"),
        ('{"a": 1', "Expecting"),
        ('{"a": 1}\n{"a": 2}', "Extra data"),
        ("", "printed nothing"),
        ("  \n", "printed nothing"),
    ],
)
def test_json_not_json(text: str, reason: str) -> None:
    mismatch = match_json({"a": 1}, text)
    assert mismatch is not None
    assert mismatch.kind == "json"
    assert mismatch.summary.startswith("output is not JSON: ")
    assert reason in mismatch.summary


def test_json_ignores_colours() -> None:
    coloured = '\x1b[1;39m{\x1b[0m\x1b[34;1m"a"\x1b[0m: \x1b[0;39m1\x1b[0m}'
    assert match_json({"a": 1}, coloured) is None


def test_json_large_array() -> None:
    actual = {"items": [{"name": f"pod-{n}", "ready": n % 2 == 0} for n in range(5_000)]}
    text = json.dumps(actual)
    assert match_json({"items": [{"name": "pod-10"}, {"name": "pod-4999"}]}, text) is None
    mismatch = match_json({"items": [{"name": "pod-11", "ready": True}]}, text)
    assert mismatch is not None
    assert mismatch.summary == "$.items[11].ready: expected true, got false"


# --- excerpt ------------------------------------------------------------------


def test_excerpt_short_text_unchanged() -> None:
    assert excerpt("one\ntwo\n") == "one\ntwo"
    assert excerpt("") == ""
    assert excerpt("\n\n") == ""


def test_excerpt_keeps_the_last_lines() -> None:
    text = "\n".join(f"line {n}" for n in range(32))
    result = excerpt(text)
    lines = result.splitlines()
    assert lines[0] == "[… 12 lines cut]"
    assert lines[1:] == [f"line {n}" for n in range(12, 32)]


@pytest.mark.parametrize(("count", "header"), [(3, "[… 1 line cut]"), (4, "[… 2 lines cut]")])
def test_excerpt_header_counts(count: int, header: str) -> None:
    text = "\n".join(str(n) for n in range(count))
    assert excerpt(text, max_lines=2).splitlines() == [header, str(count - 2), str(count - 1)]


def test_excerpt_character_limit_drops_whole_lines() -> None:
    text = "a" * 50 + "\n" + "b" * 50 + "\n" + "c" * 50
    assert excerpt(text, max_chars=120) == "[… 1 line cut]\n" + "b" * 50 + "\n" + "c" * 50


def test_excerpt_character_limit_cuts_a_long_line() -> None:
    text = "head\n" + "x" * 100 + "END"
    result = excerpt(text, max_chars=10)
    assert result == "[… 1 line and 93 characters cut]\n" + "x" * 7 + "END"


def test_excerpt_strips_ansi_and_line_ends() -> None:
    assert excerpt("\x1b[31merror:\x1b[0m bad\r\nnext\r\n") == "error: bad\nnext"


def test_excerpt_rejects_no_room() -> None:
    with pytest.raises(ValueError, match="room"):
        excerpt("x", max_lines=0)
