"""Placeholders: the parts of a command the reader has to fill in.

Four spellings are recognised: ``<name>``, ``[name]`` (shell and plain text
only, where it is not a pattern like ``[a-z]``), ``{{name}}``, and shell
variables ``$NAME`` / ``${NAME}``.  A variable is only a placeholder for the
reader when nothing before it in the runbook sets it and it is not a variable
every shell has (``$HOME``); the index tells which is which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import shell

_ANGLE = re.compile(r"(?<![<\w])<([A-Za-z][\w.-]*(?: [\w.-]+)*)>(?![>=\w])")
_BRACKET = re.compile(r"(?<![\w\]\)\[$])\[([A-Za-z][\w-]*[A-Za-z0-9])\](?![\w(\[=])")
_MUSTACHE = re.compile(r"\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}")
_CHARACTER_CLASS = re.compile(r"^\w-\w$|^(?:[a-z]-[a-z]|[A-Z]-[A-Z]|\d-\d)+$")

#: Variables every shell or CI environment has: never something to fill in.
ENVIRONMENT_VARIABLES = frozenset({
    "HOME", "PATH", "PWD", "OLDPWD", "USER", "LOGNAME", "SHELL", "HOSTNAME", "TERM", "LANG",
    "LC_ALL", "TMPDIR", "TZ", "UID", "EUID", "PPID", "RANDOM", "SECONDS", "LINENO", "IFS",
    "BASH", "BASH_SOURCE", "BASH_VERSION", "BASHPID", "REPLY", "OPTARG", "OPTIND",
    "EDITOR", "PAGER", "DISPLAY", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "VIRTUAL_ENV",
    # What bash itself sets while a script runs.
    "PIPESTATUS", "BASH_REMATCH", "FUNCNAME", "BASH_LINENO", "BASH_ARGV", "BASH_ARGC",
    "DIRSTACK", "GROUPS", "SHLVL", "HOSTTYPE", "OSTYPE", "MACHTYPE", "COLUMNS", "LINES",
    "EPOCHSECONDS", "EPOCHREALTIME", "SRANDOM",
})

#: Families in which ``[name]`` is a placeholder (elsewhere it is indexing or YAML/JSON).
_BRACKET_FAMILIES = {"shell", "text"}
#: In SQL, ``[name]`` is a placeholder only as a whole string literal
#: (``id = '[email-id]'``): elsewhere brackets are array subscripts or T-SQL names.
_SQL_BRACKET = re.compile(r"(?<=')\[([A-Za-z][\w-]*[A-Za-z0-9])\](?=')")


@dataclass(frozen=True)
class Found:
    """A placeholder as it appears in one command."""

    name: str
    #: ``angle``, ``bracket``, ``mustache`` or ``variable``.
    syntax: str
    #: As written: ``<record_id>``, ``$DATABASE_URL``.
    token: str
    #: A default written in the command itself (``${PORT:-8000}``).
    inline_default: str | None = None


def find(code: str, language: str) -> list[Found]:
    """The placeholders of one command, in order of first appearance, each once."""
    found: list[Found] = []
    for match in _ANGLE.finditer(code):
        found.append(Found(match.group(1), "angle", match.group(0)))
    if language in _BRACKET_FAMILIES:
        for match in _BRACKET.finditer(code):
            if not _CHARACTER_CLASS.match(match.group(1)):
                found.append(Found(match.group(1), "bracket", match.group(0)))
    if language == "sql":
        for match in _SQL_BRACKET.finditer(code):
            found.append(Found(match.group(1), "bracket", match.group(0)))
    for match in _MUSTACHE.finditer(code):
        found.append(Found(match.group(1), "mustache", match.group(0)))
    if language == "shell":
        for name, rest in shell.used_variables(code):
            default = rest[2:] if rest.startswith(":-") else rest[1:] if rest.startswith("-") \
                else None
            token = f"${{{name}{rest}}}" if rest else f"${name}"
            found.append(Found(name, "variable", token, default))
    unique: dict[tuple[str, str], Found] = {}
    for item in found:
        unique.setdefault((item.name, item.syntax), item)
    return list(unique.values())


@dataclass(frozen=True)
class Occurrence:
    """One place a placeholder is written in a command: ``code[start:end] == token``."""

    name: str
    syntax: str
    token: str
    start: int
    end: int


def occurrences(code: str, language: str) -> list[Occurrence]:
    """Every place :func:`find` sees a placeholder, in text order, none overlapping.

    :func:`find` says what a command's placeholders are; this says where each is
    written, so a page can mark every one up and fill it in.
    """
    found: list[Occurrence] = [
        Occurrence(m.group(1), "angle", m.group(0), m.start(), m.end())
        for m in _ANGLE.finditer(code)]
    if language in _BRACKET_FAMILIES:
        found.extend(Occurrence(m.group(1), "bracket", m.group(0), m.start(), m.end())
                     for m in _BRACKET.finditer(code)
                     if not _CHARACTER_CLASS.match(m.group(1)))
    if language == "sql":
        found.extend(Occurrence(m.group(1), "bracket", m.group(0), m.start(), m.end())
                     for m in _SQL_BRACKET.finditer(code))
    found.extend(Occurrence(m.group(1), "mustache", m.group(0), m.start(), m.end())
                 for m in _MUSTACHE.finditer(code))
    if language == "shell":
        found.extend(Occurrence(m["braced"] or m["plain"], "variable", m.group(0), m.start(),
                                m.end())
                     for m in shell.variable_references(code))
    result: list[Occurrence] = []
    for item in sorted(found, key=lambda o: (o.start, -o.end)):
        if not result or item.start >= result[-1].end:
            result.append(item)
    return result
