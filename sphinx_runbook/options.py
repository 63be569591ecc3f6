"""Directive options that never make docutils or MyST drop a directive.

docutils treats an unknown option or a value its converter rejects as an error
that replaces the whole directive (and its content) with an error message;
MyST warns under its own warning type.  Runbook authors should instead get a
``runbook.*`` warning at the directive's line, and keep their content.  So the
option spec accepts any name and passes every value through untouched
(:class:`LenientOptionSpec`), and each directive validates its options itself
with the validators below, which raise :class:`OptionError` with a message
worth showing to the author.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .checks.rules import RULE_IDS


class OptionError(ValueError):
    """An option value the author has to fix."""


@dataclass(frozen=True)
class UnknownOption:
    """The raw value of an option the directive does not know."""

    value: str | None


def _passthrough(value: str | None) -> str | None:
    return value


def _unknown(value: str | None) -> UnknownOption:
    return UnknownOption(value)


class LenientOptionSpec(dict[str, Callable[[str | None], Any]]):
    """An ``option_spec`` that accepts every option name and never rejects a value."""

    def __init__(self, names: list[str]) -> None:
        super().__init__({name: _passthrough for name in names})

    def __missing__(self, key: str) -> Callable[[str | None], Any]:
        return _unknown

    def __contains__(self, key: object) -> bool:
        return True


# No dots: they separate the parts of command ids and anchors (runbook.step.1).
SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_SEVERITIES = {"critical", "high", "medium", "low"}
_SEVERITY_RE = re.compile(r"^[Pp][0-4]$")
_TRUE = {"", "true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def text(value: str | None) -> str:
    value = (value or "").strip()
    if not value:
        raise OptionError("needs a value")
    return value


def slug(value: str | None) -> str:
    value = text(value)
    if not SLUG_RE.match(value):
        raise OptionError(
            f"{value!r} is not a valid id: use letters, digits, '-' and '_', "
            "starting with a letter or digit"
        )
    return value


def flag(value: str | None) -> bool:
    """A flag: present means true; ``false``/``no`` turn it off explicitly."""
    word = (value or "").strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise OptionError(f"is a flag: give no value, or true/false (got {value!r})")


def comma_list(value: str | None) -> list[str]:
    items = [item.strip() for item in (value or "").replace("\n", ",").split(",")]
    result = [item for item in items if item]
    if not result:
        raise OptionError("needs at least one item")
    return result


def class_list(value: str | None) -> list[str]:
    """HTML classes, separated by spaces or commas (as docutils' ``:class:``)."""
    names = (value or "").replace(",", " ").split()
    if not names:
        raise OptionError("needs at least one class name")
    return names


def slug_list(value: str | None) -> list[str]:
    return [slug(item) for item in comma_list(value)]


def severity(value: str | None) -> str:
    word = text(value)
    if _SEVERITY_RE.match(word):
        return word.upper()
    if word.lower() in _SEVERITIES:
        return word.lower()
    raise OptionError(f"{word!r} is not a severity: use P0-P4 or critical, high, medium, low")


def duration(value: str | None) -> float:
    """Seconds, optionally with a unit: ``30``, ``1.5s``, ``2m``, ``1h``."""
    word = text(value).lower()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?", word)
    if not match:
        raise OptionError(f"{word!r} is not a duration: write seconds or e.g. 90s, 5m, 1h")
    amount = float(match.group(1))
    factor = {"ms": 0.001, None: 1.0, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
    seconds = amount * factor[match.group(2)]
    if seconds <= 0:
        raise OptionError("must be longer than zero")
    return seconds


def exit_status(value: str | None) -> int:
    word = text(value)
    if not word.isdigit() or int(word) > 255:
        raise OptionError(f"{word!r} is not an exit status (0-255)")
    return int(word)


def http_status(value: str | None) -> int:
    word = text(value)
    if not word.isdigit() or not 100 <= int(word) <= 599:
        raise OptionError(f"{word!r} is not an HTTP status (100-599)")
    return int(word)


def json_value(value: str | None) -> Any:
    try:
        return json.loads(text(value))
    except json.JSONDecodeError as error:
        raise OptionError(f"is not valid JSON ({error.msg} at column {error.colno})") from None


def safety_level(value: str | None) -> str:
    word = text(value).lower()
    if word not in {"read-only", "mutating", "destructive"}:
        raise OptionError(f"{word!r} is not one of read-only, mutating, destructive")
    return word


def run_mode(value: str | None) -> str:
    word = text(value).lower()
    if word not in {"auto", "never", "static"}:
        raise OptionError(f"{word!r} is not one of auto, never, static")
    return word


_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def env_assignments(value: str | None) -> dict[str, str]:
    """``NAME=value`` pairs, separated by spaces or newlines, quoted as in a shell.

    ``A=1 B="two words"`` fits on one line, which MyST's ``:key: value``
    option lines need (longer lists go in MyST's ``---`` YAML option block).
    """
    try:
        words = shlex.split(text(value))
    except ValueError as error:
        raise OptionError(f"cannot be split into NAME=value pairs ({error})") from None
    result: dict[str, str] = {}
    for word in words:
        name, sep, val = word.partition("=")
        if not sep or not _ENV_NAME_RE.match(name):
            raise OptionError(f"{word!r} is not a NAME=value pair")
        result[name] = val
    return result


_IGNORED_CHECK_RE = re.compile(r"^\s*([a-z][a-z0-9-]*)\s*(?:\((.*)\))?\s*$", re.DOTALL)


def ignored_checks(value: str | None) -> dict[str, str]:
    """``rule-id (why), other-rule``: static check rules to ignore, each with a reason.

    Commas inside a reason's parentheses do not separate rules.
    """
    items: list[str] = []
    depth = 0
    current = ""
    for char in text(value):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    result: dict[str, str] = {}
    for item in (item for item in items if item.strip()):
        match = _IGNORED_CHECK_RE.match(item)
        if not match:
            raise OptionError(f"{item.strip()!r} is not 'rule-id' or 'rule-id (reason)'")
        if match[1] not in RULE_IDS:
            raise OptionError(f"{match[1]!r} is not a check rule (rules: {', '.join(RULE_IDS)})")
        result[match[1]] = (match[2] or "").strip()
    if not result:
        raise OptionError("needs at least one rule id")
    return result
