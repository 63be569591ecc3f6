"""Compare what a command printed with what the runbook says it prints.

Pure functions on text, with no Sphinx and no I/O, because the sandboxed
worker imports this module too and should start fast:

* :func:`match_output`: the output a console block shows after ``$ command``
  against what the command printed, with ``...`` and ``[..]`` wildcards;
* :func:`match_json`: a JSON value the output must contain (a subset);
* :func:`excerpt`: the end of a stream, short enough for a warning or a report.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections import Counter
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from .results import Mismatch

__all__ = ["excerpt", "match_json", "match_output"]

#: Terminal escape sequences.  Programs colour their output even when told not
#: to, and a runbook shows the text a reader sees, never the codes.
_ANSI = re.compile(
    r"""
      \x1b\[[0-?]*[ -/]*[@-~]               # CSI: colours, cursor moves, erasing a line
    | \x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)   # OSC: window titles, hyperlinks (BEL or ST ends)
    | \x1b[ -/]+[0-~]                       # nF: character sets, as in tput sgr0's ESC ( B
    | \x1b[@-_]                             # any other two-character escape
    """,
    re.VERBOSE,
)

#: Runs of blanks inside a line: reST expands tabs, MyST keeps them and
#: terminals pad columns, so how much space separates two words means nothing.
_BLANKS = re.compile(r"[ \t]+")

#: A whole expected line that matches any number of output lines (none too).
_ANY_LINES = "..."
#: Inside an expected line: any text within that line (empty too).
_ANY_TEXT = "[..]"

#: Longest diff or JSON excerpt a mismatch carries: it ends up in a warning.
_DETAIL_LINES = 40

#: An expected line, compiled: the literal pieces between its ``[..]``
#: (one piece when it has none), or ``None`` for a ``...`` line.
_Pattern: TypeAlias = tuple[str, ...] | None


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _split_lines(text: str) -> list[str]:
    # Windows line ends, and the lone carriage returns of progress bars, all
    # end a line as far as a reader is concerned.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _normalise(text: str) -> tuple[list[str], int]:
    """The comparable lines of ``text``, and how many blank lines led them.

    The count maps an index back to a line number people can find.
    """
    lines = [_BLANKS.sub(" ", line.rstrip()) for line in _split_lines(text)]
    start, end = 0, len(lines)
    while start < end and not lines[start]:
        start += 1
    while end > start and not lines[end - 1]:
        end -= 1
    return lines[start:end], start


def _compile(line: str) -> _Pattern:
    if line.strip() == _ANY_LINES:
        return None
    return tuple(line.split(_ANY_TEXT))


def _line_matches(pieces: tuple[str, ...], line: str) -> bool:
    """Whether ``line`` is the pieces in order with anything between them.

    No regular expression: nothing needs escaping, and a glob whose only
    wildcard is "any text" is matched exactly by taking each middle piece at
    its leftmost place (a later place never leaves more room for the rest),
    which is linear where a backtracking regex can be polynomial.
    """
    if len(pieces) == 1:
        return line == pieces[0]
    first, *middle, last = pieces
    # The length check stops the first and last pieces sharing characters.
    if len(line) < len(first) + len(last):
        return False
    if not (line.startswith(first) and line.endswith(last)):
        return False
    position, end = len(first), len(line) - len(last)
    for piece in middle:
        found = line.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def _advance(patterns: Sequence[_Pattern], lines: Sequence[str]) -> tuple[bool, int, int]:
    """Match ``lines`` against ``patterns`` from the top.

    Returns whether they match, the most patterns any partial match took in,
    and the fewest lines that partial match needed; both describe where the
    output starts to differ.

    The set of pattern indexes that can stand after each line is a dynamic
    programme over (pattern index, line index) run forwards one line at a
    time: each pair is looked at once at most, so even a 10,000-line output
    against many ``...`` stays polynomial, and nothing recurses.
    """
    count = len(patterns)

    def close(states: set[int]) -> set[int]:
        # A ``...`` may match no line at all, so standing before it also
        # means standing after it.
        # Highest first, stopping at a state already added, so a run of
        # ``...`` lines costs its length once rather than once per state.
        closed: set[int] = set()
        for state in sorted(states, reverse=True):
            closed.add(state)
            while state < count and patterns[state] is None and state + 1 not in closed:
                state += 1
                closed.add(state)
        return closed

    states = close({0})
    best, best_at = max(states), 0
    for index, line in enumerate(lines):
        following: set[int] = set()
        for state in states:
            if state == count:
                continue  # every pattern is used up: an extra line cannot match
            pattern = patterns[state]
            if pattern is None:
                following.add(state)  # the ``...`` takes this line and may take more
            elif _line_matches(pattern, line):
                following.add(state + 1)
        states = close(following)
        if not states:
            return False, best, best_at
        top = max(states)
        if top > best:
            best, best_at = top, index + 1
    return count in states, best, best_at


def _cap(lines: list[str], what: str) -> list[str]:
    if len(lines) <= _DETAIL_LINES:
        return lines
    cut = len(lines) - _DETAIL_LINES
    return [*lines[:_DETAIL_LINES], f"[… {cut} more {what} {_plural(cut, 'line')} cut]"]


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def match_output(expected: str, actual: str) -> Mismatch | None:
    """Compare the output a runbook shows with the output a command printed.

    Line ends, terminal escapes (in ``actual``), trailing blanks, the width of
    runs of blanks, and blank lines before and after the text do not count.
    In ``expected``, a line that is just ``...`` matches any number of lines
    (none too) and ``[..]`` matches any text within a line.  An empty
    ``expected`` therefore means "prints nothing".

    Returns ``None`` when they match, else a ``Mismatch`` of kind ``output``
    whose summary says where the output starts to differ (line numbers count
    from the top of each text) and whose detail is a unified diff of the
    normalised texts.  Its expected side shows the output lines the
    wildcards matched in place of the wildcards, so its hunk ranges count
    those lines, not the lines of ``expected``.
    """
    want, want_top = _normalise(expected)
    got, got_top = _normalise(_strip_ansi(actual))
    patterns = [_compile(line) for line in want]
    matched, head, head_got = _advance(patterns, got)
    if matched:
        return None

    if not got:
        where = "the command printed nothing"
    elif head == len(want):
        where = f"unexpected output from line {got_top + head_got + 1}"
    elif head and patterns[head - 1] is None:
        # A ``...`` came before, so the line could have been anywhere below.
        after = f" after line {got_top + head_got} of the output" if head_got else ""
        where = f"expected line {want_top + head + 1} not found{after}"
    elif head_got == len(got):
        where = f"the output ends before expected line {want_top + head + 1}"
    else:
        where = (
            f"first difference at line {got_top + head_got + 1} of the output,"
            f" line {want_top + head + 1} of the expected output"
        )
    # Match from the bottom too, in what the top did not take.  The diff
    # compares the output with the expected text in which the lines matched
    # from either end are replaced by the output they matched, so it shows
    # the lines that differ, not every line a ``...`` or ``[..]`` stood for.
    _, tail, tail_got = _advance(patterns[head:][::-1], got[head_got:][::-1])
    middle_want = want[head : len(want) - tail]
    spare = len(got) - tail_got - head_got - len(middle_want)
    if spare > 0:
        # More unmatched output than expected lines: when a ``...`` borders
        # them on one side only, let it take the spare lines on that side,
        # so the lines that remain face the expected ones.
        dots_above = head > 0 and patterns[head - 1] is None
        dots_below = tail > 0 and patterns[len(want) - tail] is None
        if dots_above and not dots_below:
            head_got += spare
        elif dots_below and not dots_above:
            tail_got += spare
    shown = got[:head_got] + middle_want + got[len(got) - tail_got :]
    diff = difflib.unified_diff(shown, got, fromfile="expected", tofile="actual", lineterm="")
    return Mismatch(
        kind="output",
        summary=f"output differs from the expected output ({where})",
        detail="\n".join(_cap(list(diff), "diff")),
    )


# --- JSON -------------------------------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class _Difference:
    """Where and how the actual JSON misses the expected value."""

    path: str
    message: str
    #: The container around the difference (the object lacking a key, the
    #: array lacking an item) and its path, shown in the detail.
    context: Any = None
    context_path: str = ""


def _key_path(path: str, key: object) -> str:
    if isinstance(key, str) and _IDENTIFIER.fullmatch(key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key if isinstance(key, str) else str(key))}]"


def _show(value: Any, limit: int = 60) -> str:
    # ``default=str``: expected values may come from YAML (dates...).
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _same_scalar(expected: Any, actual: Any) -> bool:
    # ``True == 1`` in Python, but ``true`` and ``1`` are different JSON
    # values; ``1 == 1.0`` is right though, as JSON has a single number type.
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    return bool(expected == actual)


def _contains(expected: Any, actual: Any) -> bool:
    """Whether ``actual`` has everything ``expected`` has (see :func:`match_json`)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and _contains(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, (list, tuple)):
        return isinstance(actual, list) and _embed(expected, actual)[0] == len(expected)
    return _same_scalar(expected, actual)


def _embed(expected: Sequence[Any], actual: list[Any]) -> tuple[int, int]:
    """Match expected items to distinct actual items in order.

    Returns how many expected items found a match and the index after the
    last actual item used.  Taking the first actual item that matches is
    never worse than a later one (it leaves more items for the rest), so
    this finds a full match whenever there is one.
    """
    position = 0
    for index, item in enumerate(expected):
        for candidate in range(position, len(actual)):
            if _contains(item, actual[candidate]):
                position = candidate + 1
                break
        else:
            return index, position
    return len(expected), position


def _features(expected: Any, actual: Any, path: tuple[Any, ...] = ()) -> Iterator[Hashable]:
    """The parts of ``expected`` that ``actual`` has, to pick the item to blame.

    Keys present, equal scalars, and expected array items some actual item
    contains; each named by its path, so they can be counted across items.
    """
    if isinstance(expected, dict):
        if isinstance(actual, dict):
            for key, value in expected.items():
                if key in actual:
                    yield ("key", *path, key)
                    yield from _features(value, actual[key], (*path, key))
    elif isinstance(expected, (list, tuple)):
        if isinstance(actual, list):
            for index, item in enumerate(expected):
                if any(_contains(item, got) for got in actual):
                    yield ("item", *path, index)
    elif _same_scalar(expected, actual):
        yield ("value", *path)


def _closest(expected: Any, candidates: Sequence[Any]) -> int | None:
    """The index of the candidate most like ``expected``, or ``None`` if none is.

    A part counts less the more candidates share it: in ``kubectl get pods``
    output every item has ``status.phase`` and many are ``Running``, so the
    item with the expected name is the one to blame, not the first running
    one.  Ties go to the first.
    """
    found = [set(_features(expected, candidate)) for candidate in candidates]
    shared = Counter(feature for features in found for feature in features)
    best, best_score = None, 0.0
    for index, features in enumerate(found):
        # fsum: the same parts score the same whatever order a set yields them in.
        score = math.fsum(1 / shared[feature] for feature in features)
        if score > best_score:
            best, best_score = index, score
    return best


def _kind(value: Any) -> str:
    return "an object" if isinstance(value, dict) else "an array"


def _explain(expected: Any, actual: Any, path: str) -> _Difference:
    """Why ``actual`` does not contain ``expected``: call only when it does not."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return _Difference(path, f"expected {_kind(expected)}, got {_show(actual)}")
        for key, value in expected.items():
            where = _key_path(path, key)
            if key not in actual:
                return _Difference(where, "missing", actual, path)
            if not _contains(value, actual[key]):
                return _explain(value, actual[key], where)
    elif isinstance(expected, (list, tuple)):
        if not isinstance(actual, list):
            return _Difference(path, f"expected {_kind(expected)}, got {_show(actual)}")
        found, position = _embed(expected, actual)
        if found == len(expected):
            return _Difference(path, "matches")  # not called as documented
        item = expected[found]
        # Blame the remaining actual item most like the missing one, so the
        # path leads to the field that differs; when none is alike at all,
        # say that nothing matches.
        closest = _closest(item, actual[position:])
        if closest is not None:
            best = position + closest
            return _explain(item, actual[best], f"{path}[{best}]")
        after = f" after [{position - 1}]" if position else ""
        return _Difference(
            path,
            f"no item{after} matches expected item [{found}] {_show(item)}",
            actual,
            path,
        )
    else:
        return _Difference(path, f"expected {_show(expected)}, got {_show(actual)}")
    # Unreachable when called as documented; still an answer rather than a crash.
    return _Difference(path, f"expected {_show(expected)}, got {_show(actual)}")


def match_json(expected: Any, actual_text: str) -> Mismatch | None:
    """Check that a command printed JSON containing ``expected``.

    ``expected`` is a subset of the output: every key of an object must be
    there with a matching value, every item of an array must match a
    distinct item of the actual array, in the same order (other items may
    come between), and scalars must be equal (``1`` matches ``1.0``, but
    ``true`` does not match ``1``).  Terminal escapes are dropped first
    (``jq -C``).

    Returns ``None`` when it matches, else a ``Mismatch`` of kind ``json``
    whose summary names the JSON path that differs.
    """
    text = _strip_ansi(actual_text)
    if not text.strip():
        return Mismatch(kind="json", summary="output is not JSON: the command printed nothing")
    try:
        actual = json.loads(text)
    except (ValueError, RecursionError) as error:  # RecursionError: absurdly deep nesting
        return Mismatch(
            kind="json", summary=f"output is not JSON: {error}", detail=excerpt(actual_text)
        )
    if _contains(expected, actual):
        return None
    difference = _explain(expected, actual, "$")
    detail = ""
    if difference.context is not None:
        pretty = json.dumps(difference.context, indent=2, ensure_ascii=False).splitlines()
        detail = "\n".join([f"{difference.context_path} is:", *_cap(pretty, "JSON")])
    return Mismatch(kind="json", summary=f"{difference.path}: {difference.message}", detail=detail)


# --- Excerpts ---------------------------------------------------------------


def excerpt(text: str, max_lines: int = 20, max_chars: int = 2000) -> str:
    """The end of a stream, for reports and warnings: errors come last.

    Keeps at most the last ``max_lines`` lines and ``max_chars`` characters
    (dropping whole lines first; a single longer line keeps its end),
    without terminal escapes or trailing blank lines, and starts with a line
    like ``[… 12 lines cut]`` when anything was dropped.
    """
    if max_lines < 1 or max_chars < 1:
        raise ValueError(f"excerpt needs room for something ({max_lines=}, {max_chars=})")
    cleaned = _strip_ansi(text).replace("\r\n", "\n").replace("\r", "\n").rstrip()
    if not cleaned:
        return ""
    lines = cleaned.split("\n")
    start = max(0, len(lines) - max_lines)
    size = sum(len(line) + 1 for line in lines[start:]) - 1  # with the newlines between
    while start < len(lines) - 1 and size > max_chars:
        size -= len(lines[start]) + 1
        start += 1
    kept = lines[start:]
    cut_chars = 0
    if size > max_chars:  # one line, longer than the limit
        cut_chars = size - max_chars
        kept = [kept[0][cut_chars:]]
    cut: list[str] = []
    if start:
        cut.append(f"{start} {_plural(start, 'line')}")
    if cut_chars:
        cut.append(f"{cut_chars} {_plural(cut_chars, 'character')}")
    body = "\n".join(kept)
    return f"[… {' and '.join(cut)} cut]\n{body}" if cut else body
