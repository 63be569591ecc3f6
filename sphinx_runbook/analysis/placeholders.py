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
})

#: Families in which ``[name]`` is a placeholder (elsewhere it is indexing or YAML/JSON).
_BRACKET_FAMILIES = {"shell", "text"}


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
