"""The ``masked-failure`` rule: verifications that succeed whatever happens.

``curl -f URL || true`` in a verify block passes when the service is down: the
verification proves nothing.  The rule reads the shell structure (operators,
groups, ``if``/``fi``...) from :func:`..analysis.shell.tokenize`, so text in
quotes (``echo "|| true"``), comments and here-document bodies never count,
and a fallback that still fails (``|| { echo "down" >&2; exit 1; }``) is fine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..analysis.shell import Word, basename, tokenize, without_heredoc_bodies
from .base import CheckContext, Entry, Finding, opted_out

_CONNECTORS = frozenset({"&&", "||", ";;", "|&", "|", ";", "&", "\n"})
#: Words that open a block when they start a command, and what closes each.
_OPENERS = {"if": "fi", "case": "esac", "for": "done", "select": "done", "while": "done",
            "until": "done", "{": "}"}
_CLOSERS = frozenset(_OPENERS.values())
#: Words before the program of a command (``then exit 0``, ``{ echo``).
_LEADING = frozenset({"then", "else", "elif", "do", "{", "if", "while", "until", "time"})
_ERREXIT_OFF = re.compile(r"^\+[A-Za-z]*e")
_ERREXIT_ON = re.compile(r"^-[A-Za-z]*e")

HINT = ("a verification that cannot fail proves nothing: remove it, or check the "
        "condition explicitly")


@dataclass
class _Command:
    """One simple command and where it sits."""

    words: list[str]
    #: The connector before it (``""`` at the start) and after it (``""`` at the end).
    before: str
    after: str = ""
    #: How many blocks (``if``, ``{``, ``(``...) it sits in.
    depth: int = 0
    #: Its errors go to /dev/null (``2>/dev/null``, ``&>/dev/null``).
    quiet: bool = False
    #: Opened a ``( ... )`` subshell right before it.
    subshell: bool = False
    #: Its standard output goes to /dev/null (for ``>/dev/null 2>&1``).
    silent_output: bool = False
    #: It reads ``$?`` or ``PIPESTATUS``: the script checks statuses itself.
    reads_status: bool = False

    @property
    def program(self) -> tuple[str, list[str]]:
        """The program's name and arguments, after ``then``, ``{`` and the like."""
        index = 0
        while index < len(self.words) and self.words[index] in _LEADING:
            index += 1
        if index >= len(self.words):
            return "", []
        return basename(self.words[index]), self.words[index + 1:]


def _commands(text: str) -> list[_Command]:
    """The simple commands of a script, each with its connectors and depth."""
    commands: list[_Command] = []
    blocks: list[str] = []
    # The command taking words, and one a ``)`` closed that still waits for
    # its connector (``( exit 1 ) || true``: the subshell's status is its last
    # command's).
    current: _Command | None = None
    closed: _Command | None = None
    connector = ""
    subshell = False
    tokens = tokenize(without_heredoc_bodies(text))
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if isinstance(token, Word):
            if current is None:
                # The first word of a command: blocks open and close here.
                if not token.quoted and token.value in _OPENERS:
                    blocks.append(token.value)
                elif not token.quoted and token.value in _CLOSERS and blocks \
                        and _OPENERS[blocks[-1]] == token.value:
                    blocks.pop()
                current = _Command([], connector, depth=len(blocks), subshell=subshell)
                subshell, closed = False, None
                commands.append(current)
            current.words.append(token.value)
            if "$?" in token.value or "PIPESTATUS" in token.value:
                current.reads_status = True
            continue
        if token == "(":
            blocks.append("(")
            subshell, current = True, None
        elif token == ")":
            # Also a case pattern's end (``a) echo;;``): only a subshell's pops.
            if blocks and blocks[-1] == "(":
                blocks.pop()
            closed, current = current or closed, None
        elif token in _CONNECTORS:
            waiting = current or closed
            if waiting is not None:
                waiting.after = token
            connector, current, closed = token, None, None
        else:
            # A redirection and its target.
            target = tokens[index] if index < len(tokens) else None
            if isinstance(target, Word):
                index += 1
                if current is not None:
                    _redirect(current, token, target.value)
    return commands


def _redirect(command: _Command, operator: str, target: str) -> None:
    """Note where the command's errors go: ``2>/dev/null``, ``>/dev/null 2>&1``."""
    if target == "/dev/null" and operator.startswith(("2>", "&>")):
        command.quiet = True
    elif target == "/dev/null" and operator in {">", "1>", ">>", "1>>"}:
        command.silent_output = True
    elif operator == "2>&" and target == "1" and command.silent_output:
        command.quiet = True


def _always_succeeds(command: _Command) -> str | None:
    """The construct's name when the command cannot fail (``true``, ``echo ...``)."""
    if command.words and command.words[0] == "!":
        return None
    program, arguments = command.program
    if program in {"true", ":"}:
        return program
    if program in {"echo", "printf"}:
        return f"{program} \u2026"
    if program in {"exit", "return"} and arguments == ["0"]:
        return f"{program} 0"
    return None


def _fails(command: _Command) -> bool:
    """Does the command report a failure on purpose (``exit 1``, ``false``)?"""
    program, arguments = command.program
    if program == "false":
        return True
    return program in {"exit", "return"} and bool(arguments) and arguments[0] != "0"


def _fallback(commands: list[_Command], start: int) -> tuple[int, _Command | None]:
    """The last command of the fallback that starts at ``start``, and its index.

    A group (``{ ...; }``, ``( ... )``) ends where its depth ends; a pipeline's
    status is its last command's.
    """
    first = commands[start]
    end = start
    if first.subshell or (first.words and first.words[0] == "{"):
        base = first.depth - 1
        while end + 1 < len(commands) and commands[end + 1].depth > base:
            end += 1
        members = [c for c in commands[start:end + 1]
                   if c.program[0] and c.words[0] not in _CLOSERS]
        return end, members[-1] if members else None
    while commands[end].after in {"|", "|&"} and end + 1 < len(commands):
        end += 1
    return end, commands[end]


def _next_connector(commands: list[_Command], end: int) -> str:
    """The connector after ``commands[end]`` and any block closers (``}``) that follow."""
    index = end + 1
    while index < len(commands) and commands[index].words[0] in _CLOSERS:
        index += 1
    return commands[index - 1].after


def _shown(first: _Command, name: str) -> str:
    """How the fallback is written: ``true``, ``{ echo …; }``, ``( exit 0 )``."""
    if first.words[0] == "{":
        return f"{{ {name}; }}"
    return f"( {name} )" if first.subshell else name


def masking_constructs(text: str) -> list[str]:
    """The constructs in a shell command that turn its failure into success."""
    commands = _commands(text)
    found: list[str] = []
    for position, command in enumerate(commands):
        if command.after == "||" and position + 1 < len(commands):
            end, last = _fallback(commands, position + 1)
            name = _always_succeeds(last) if last is not None else None
            # `|| echo "down" && exit 1` still fails: the && part decides.
            if name and _next_connector(commands, end) != "&&":
                quiet = "2>/dev/null " if command.quiet else ""
                found.append(f"{quiet}|| {_shown(commands[position + 1], name)}")
    if commands:
        first_program, arguments = commands[0].program
        if first_program == "set" and _turns_errexit(arguments, on=False) and not any(
                c.program[0] == "set" and _turns_errexit(c.program[1], on=True)
                for c in commands[1:]) and not any(c.reads_status for c in commands):
            found.append("set +e")
    explicit_failure = any(_fails(c) for c in commands)
    for position, command in enumerate(commands):
        if position and command.depth == 0 and command.before in {";", "\n", "&"} \
                and command.words[:2] == ["exit", "0"] and len(command.words) == 2 \
                and not explicit_failure:
            found.append("; exit 0")
    return list(dict.fromkeys(found))


def _turns_errexit(arguments: list[str], *, on: bool) -> bool:
    flag = _ERREXIT_ON if on else _ERREXIT_OFF
    option = "-o" if on else "+o"
    for position, word in enumerate(arguments):
        if flag.match(word) and not word.startswith(("--", "++")):
            return True
        if word == option and arguments[position + 1:position + 2] == ["errexit"]:
            return True
    return False



class MaskedFailureRule:
    """Verify blocks whose shell commands cannot fail."""

    id = "masked-failure"
    description = ("Verifications that cannot fail: || true, || :, || echo, || exit 0, "
                   "; exit 0, set +e.")

    def check(self, runbook: Entry, commands: list[Entry], context: CheckContext
              ) -> Iterator[tuple[str, Finding]]:
        for command in commands:
            # Only verifications: a step may well tolerate a failure (rm -f x || true).
            if command["kind"] != "verify" or command["language"] != "shell" \
                    or opted_out(command):
                continue
            for construct in masking_constructs(command["code"]):
                yield command["id"], Finding(
                    self.id, f"`{construct}` hides a failure: the verification succeeds "
                             "whatever happens", HINT)
