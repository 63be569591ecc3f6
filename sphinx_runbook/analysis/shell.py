"""A small, quote-aware reader of shell commands.

Runbook commands are short scripts: pipelines, ``&&`` lists, ``$(...)``
substitutions, ``sudo``/``env``/``xargs`` wrappers and ``docker compose exec``.
This module reads enough of the shell grammar to answer three questions
without running anything: which programs does a command call, which
variables does it read and set, and where does it redirect output.  It never
fails: text it cannot make sense of yields fewer answers, not an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

_OPERATORS = ("&&", "||", ";;", "|&", "|", ";", "&", "(", ")", "\n")
# Used with match(text, pos): no "^", which would only match at the string start.
_REDIRECTIONS = re.compile(r"(\d*|&)(>>|>\||>&|>|<<<|<<-|<<|<&|<>|<)")
_VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_]\w*)(?P<rest>[^}]*)\}|(?P<plain>[A-Za-z_]\w*))")
_ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)(\[[^\]]*\])?\+?=")

_KEYWORDS = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "{", "}",
             "!", "[[", "]]", "function", "coproc"}
#: Commands whose words are not programs at all (loop headers, case patterns).
_HEADERS = {"for", "select", "case", "esac", "in"}
#: Shell builtins: never a program to install.
BUILTINS = {"cd", "export", "set", "unset", "source", ".", "alias", "unalias", "read", "local",
            "declare", "readonly", "typeset", "eval", "exit", "return", "shift", "trap",
            "wait", "ulimit", "umask", "pushd", "popd", "dirs", "hash", "type", "jobs", "fg",
            "bg", "disown", "let", "shopt", "mapfile", "readarray", "break", "continue", ":",
            "exec"}


@dataclass
class Word:
    """One shell word: its value with quotes removed, and what it expands."""

    value: str = ""
    #: Variables the word reads (outside single quotes), with their ``${VAR...}`` rest.
    variables: list[tuple[str, str]] = field(default_factory=list)
    #: Scripts inside ``$(...)`` and backticks.
    substitutions: list[str] = field(default_factory=list)
    quoted: bool = False


@dataclass
class SimpleCommand:
    """The words of one command of a pipeline or list, redirections removed."""

    words: list[Word]
    #: Files written with ``>``/``>>`` (not ``/dev/null``, not ``&1``).
    writes: list[str] = field(default_factory=list)
    #: The operator that follows it (``|``, ``&&``, ``;``, newline...), if any.
    operator: str = ""


@dataclass
class Script:
    commands: list[SimpleCommand]
    #: Scripts found in ``$(...)``, backticks, ``bash -c``: read separately.
    nested: list[str]


def _read_substitution(text: str, start: int) -> tuple[str, int]:
    """The script of ``$(`` at ``start`` (index of ``(``) and the index after ``)``."""
    depth = 0
    index = start
    quote = ""
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\" and quote == '"':
                index += 2
                continue
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "\\":
            index += 2
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1:index], index + 1
        index += 1
    return text[start + 1:], len(text)


def _variables(fragment: str) -> list[tuple[str, str]]:
    return [
        (match["braced"] or match["plain"], match["rest"] or "")
        for match in _VARIABLE.finditer(fragment)
    ]


def tokenize(text: str) -> list[Word | str]:
    """Words and operators (operators as plain strings, newline included)."""
    tokens: list[Word | str] = []
    word: Word | None = None
    index = 0
    length = len(text)

    def current() -> Word:
        nonlocal word
        if word is None:
            word = Word()
        return word

    def end_word() -> None:
        nonlocal word
        if word is not None:
            tokens.append(word)
            word = None

    while index < length:
        char = text[index]
        if char == "\\" and index + 1 < length:
            if text[index + 1] == "\n":  # line continuation
                index += 2
                continue
            current().value += text[index + 1]
            index += 2
            continue
        if char == "'":
            close = text.find("'", index + 1)
            close = length if close == -1 else close
            current().value += text[index + 1:close]
            current().quoted = True
            index = close + 1
            continue
        if char == '"':
            index = _read_double_quoted(text, index + 1, current())
            continue
        if char == "$" and text.startswith("$(", index) and not text.startswith("$((", index):
            script, index = _read_substitution(text, index + 1)
            current().substitutions.append(script)
            current().value += "$(...)"
            continue
        if char == "`":
            close = text.find("`", index + 1)
            close = length if close == -1 else close
            current().substitutions.append(text[index + 1:close])
            current().value += "$(...)"
            index = close + 1
            continue
        if char == "$":
            match = _VARIABLE.match(text, index)
            if match:
                current().variables.extend(_variables(match.group(0)))
                current().value += match.group(0)
                index = match.end()
                continue
        if char == "#" and word is None:
            newline = text.find("\n", index)
            index = length if newline == -1 else newline
            continue
        if char in " \t\r":
            end_word()
            index += 1
            continue
        redirection = _REDIRECTIONS.match(text, index) if char in "<>&0123456789" else None
        if redirection and (char in "<>" or redirection.group(2)) and (
                word is None or word.value.isdigit()):
            if word is not None and word.value.isdigit():
                word = None  # the fd number belongs to the redirection
            end_word()
            tokens.append(redirection.group(0))
            index = redirection.end()
            continue
        operator = next((op for op in _OPERATORS if text.startswith(op, index)), None)
        if operator:
            end_word()
            tokens.append(operator)
            index += len(operator)
            continue
        current().value += char
        index += 1
    end_word()
    return tokens


def _read_double_quoted(text: str, index: int, word: Word) -> int:
    word.quoted = True
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in '$`"\\\n':
            word.value += text[index + 1]
            index += 2
            continue
        if char == '"':
            return index + 1
        if text.startswith("$(", index) and not text.startswith("$((", index):
            script, index = _read_substitution(text, index + 1)
            word.substitutions.append(script)
            word.value += "$(...)"
            continue
        if char == "`":
            close = text.find("`", index + 1)
            close = len(text) if close == -1 else close
            word.substitutions.append(text[index + 1:close])
            index = close + 1
            continue
        if char == "$":
            match = _VARIABLE.match(text, index)
            if match:
                word.variables.extend(_variables(match.group(0)))
                word.value += match.group(0)
                index = match.end()
                continue
        word.value += char
        index += 1
    return index


_HEREDOC = re.compile(r"<<(-?)[ \t]*(['\"]?)([A-Za-z_][\w.-]*)\2")


def without_heredoc_bodies(text: str, keep_positions: bool = False) -> str:
    """The script with here-document bodies blanked (a body is data, not commands).

    Done on the text: an apostrophe in a body (``it's``) would open a quote
    for the tokenizer and swallow the commands after it.  With
    ``keep_positions``, body lines become spaces of the same length, so an
    index into the result is an index into ``text``.
    """
    lines = text.split("\n")
    pending: list[tuple[str, bool]] = []
    for number, line in enumerate(lines):
        if pending:
            delimiter, tabs = pending[0]
            if (line.lstrip("\t") if tabs else line).strip() == delimiter:
                pending.pop(0)
            lines[number] = " " * len(line) if keep_positions else ""
            continue
        pending.extend((match.group(3), match.group(1) == "-")
                       for match in _heredocs(line))
    if pending:  # no end: better to keep the text than to drop commands
        return text
    return "\n".join(lines)


def _heredocs(line: str) -> Iterable[re.Match[str]]:
    """``<<EOF`` outside quotes and comments (not ``<<<``)."""
    quote = ""
    index = 0
    while index < len(line):
        char = line[index]
        if quote:
            if char == "\\" and quote == '"':
                index += 2
                continue
            if char == quote:
                quote = ""
            index += 1
            continue
        if char == "\\":
            index += 2
            continue
        if char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t;|&("):
            return
        elif line.startswith("<<<", index):
            index += 3
            continue
        else:
            match = _HEREDOC.match(line, index)
            if match:
                yield match
                index = match.end()
                continue
        index += 1


@lru_cache(maxsize=4096)
def parse(text: str) -> Script:
    """Split a script into simple commands (redirections taken out).

    Cached: programs, variables, writes and the safety rules all read the same
    command, and a Script is never changed after it is made.
    """
    commands: list[SimpleCommand] = []
    nested: list[str] = []
    words: list[Word] = []
    writes: list[str] = []
    # Bodies first, on the text: an apostrophe in one (``it's``) would open a
    # quote for the tokenizer and swallow the commands after it.
    tokens = tokenize(without_heredoc_bodies(text))
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if isinstance(token, Word):
            words.append(token)
            nested.extend(token.substitutions)
            index += 1
            continue
        if _REDIRECTIONS.match(token):
            target = tokens[index + 1] if index + 1 < len(tokens) else None
            if isinstance(target, Word):
                nested.extend(target.substitutions)
                writes_file = ">" in token and not token.startswith("&") and not token.endswith("&")
                if writes_file and target.value != "/dev/null":
                    writes.append(target.value)
                index += 2
                continue
            index += 1
            continue
        if words or writes:
            commands.append(SimpleCommand(words, writes, token))
        words, writes = [], []
        index += 1
    if words or writes:
        commands.append(SimpleCommand(words, writes))
    return Script(commands, nested)


# -- programs -----------------------------------------------------------------

#: Wrapper programs: their options (``-x`` flags, and those that take a value),
#: then the program they run.
_WRAPPERS: dict[str, set[str]] = {
    "sudo": {"-u", "--user", "-g", "--group", "-C", "-D", "-h", "-p", "-r", "-t", "-U",
             "--chdir", "--host", "--prompt", "--role", "--type", "--other-user"},
    "doas": {"-u", "-C"},
    "env": {"-u", "--unset", "-C", "--chdir", "-S", "--split-string"},
    "xargs": {"-a", "-d", "-E", "-e", "-I", "-i", "-L", "-l", "-n", "-P", "-s",
              "--arg-file", "--delimiter", "--max-args", "--max-procs", "--replace"},
    "nohup": set(),
    "time": {"-f", "--format", "-o", "--output"},
    "nice": {"-n", "--adjustment"},
    "ionice": {"-c", "-n", "-p"},
    "stdbuf": {"-i", "-o", "-e"},
    "exec": {"-a"},
    "command": set(),
    "builtin": set(),
    "watch": {"-n", "--interval", "-d"},
    "strace": {"-e", "-o", "-p", "-s"},
    "caffeinate": set(),
    "unbuffer": set(),
    "chronic": set(),
    "flock": {"-w", "-E", "-c"},
}
#: Wrappers whose first plain argument is not the program (``timeout 10 cmd``).
_WRAPPER_POSITIONAL = {"timeout": 1, "flock": 1}
_SHELLS = {"bash", "sh", "zsh", "dash", "ksh"}
_DOCKER_VALUE_OPTIONS = {
    "-e", "--env", "--env-file", "-u", "--user", "-w", "--workdir", "--name", "-p",
    "--publish", "-v", "--volume", "--network", "--entrypoint", "-l", "--label", "--index",
    "--mount", "--platform", "--pull", "-h", "--hostname", "--add-host", "--cpus", "-m",
    "--memory", "--restart", "--detach-keys", "--project-name", "-f", "--file",
    "--project-directory", "--profile", "--env-from-file",
}


def basename(program: str) -> str:
    """``/usr/bin/env`` -> ``env``; a bare name stays as it is."""
    return program.rsplit("/", 1)[-1] if "/" in program.rstrip("/") else program


def _skip_options(words: list[str], index: int, with_value: set[str]) -> int:
    while index < len(words) and words[index].startswith("-") and words[index] != "-":
        option = words[index]
        index += 1
        if option == "--":
            break
        if option in with_value and "=" not in option:
            index += 1
    return index


def _inner_of_container_command(words: list[str]) -> int | None:
    """Where the program starts in ``docker [compose] exec/run ... SERVICE prog``."""
    index = 1
    if basename(words[0]) == "docker" and len(words) > 1 and words[1] == "compose":
        index = 2
    elif basename(words[0]) == "kubectl":
        if len(words) > 1 and words[1] == "exec" and "--" in words:
            return words.index("--") + 1
        return None
    index = _skip_options(words, index, _DOCKER_VALUE_OPTIONS)
    if index >= len(words) or words[index] not in {"exec", "run"}:
        return None
    index = _skip_options(words, index + 1, _DOCKER_VALUE_OPTIONS)
    return index + 1 if index + 1 < len(words) else None


def command_programs(words: list[str]) -> tuple[list[str], list[str]]:
    """The programs one simple command runs, and scripts it hands to a shell (``bash -c``)."""
    programs: list[str] = []
    scripts: list[str] = []
    if words and words[0] in _HEADERS:
        return programs, scripts
    index = 0
    while index < len(words) and (_ASSIGNMENT.match(words[index]) or words[index] in _KEYWORDS):
        index += 1
    while index < len(words):
        program = words[index]
        name = basename(program)
        programs.append(program)
        if name == "command" and any(word in ("-v", "-V") for word in words[index + 1:index + 3]):
            break  # ``command -v jq`` asks whether jq exists; it does not run it
        if name in _WRAPPERS:
            index = _skip_options(words, index + 1, _WRAPPERS[name])
            if name == "env":
                while index < len(words) and _ASSIGNMENT.match(words[index]):
                    index += 1
            index += _WRAPPER_POSITIONAL.get(name, 0)
            continue
        if name in _WRAPPER_POSITIONAL:
            index = _skip_options(words, index + 1, set()) + _WRAPPER_POSITIONAL[name]
            continue
        if name in _SHELLS and "-c" in words[index + 1:]:
            position = words.index("-c", index + 1)
            if position + 1 < len(words):
                scripts.append(words[position + 1])
            break
        if name in {"docker", "docker-compose", "podman", "kubectl"}:
            inner = _inner_of_container_command(words[index:])
            if inner is not None:
                index += inner
                continue
        break
    return programs, scripts


def walk(text: str, follow: Callable[[list[str]], bool] | None = None
         ) -> Iterator[tuple[SimpleCommand, list[str]]]:
    """Every simple command of a script, with the programs it calls.

    Also the commands of the scripts it runs (``$(...)``, backticks, ``bash
    -c``), each script once; ``follow(programs)`` says whether to read a
    command's ``bash -c`` scripts (not when they run in a container, say).
    """
    pending = [text]
    seen: set[str] = set()
    while pending:
        script_text = pending.pop(0)
        if script_text in seen:
            continue
        seen.add(script_text)
        script = parse(script_text)
        for command in script.commands:
            names, scripts = command_programs([word.value for word in command.words])
            yield command, names
            if follow is None or follow(names):
                pending.extend(scripts)
        pending.extend(script.nested)


def programs(text: str) -> list[str]:
    """Every program a shell command calls, in order of appearance, without repeats."""
    found = [name for _, names in walk(text) for name in names
             if name and not name.startswith("$") and name not in BUILTINS]
    return list(dict.fromkeys(found))


def assigned_variables(text: str) -> list[str]:
    """Variables a shell command sets: ``X=1``, ``export X=1``, ``read X``, ``for X in``."""
    names: list[str] = []
    for command in parse(text).commands:
        values = [word.value for word in command.words]
        for position, value in enumerate(values):
            match = _ASSIGNMENT.match(value)
            if match and (position == 0 or values[position - 1] in {
                    "export", "local", "declare", "readonly", "typeset"} or all(
                    _ASSIGNMENT.match(v) or v in {"export", "local", "declare", "readonly",
                                                  "typeset", "-x", "-r", "-g"}
                    for v in values[:position])):
                names.append(match.group(1))
        if values and values[0] in {"read", "mapfile", "readarray"}:
            names.extend(v for v in values[1:] if re.fullmatch(r"[A-Za-z_]\w*", v))
        if len(values) > 1 and values[0] in {"for", "select"}:
            names.append(values[1])
        if values and values[0] == "export":
            names.extend(v for v in values[1:] if re.fullmatch(r"[A-Za-z_]\w*", v))
    return list(dict.fromkeys(names))


def used_variables(text: str) -> list[tuple[str, str]]:
    """Variables a shell command reads (outside single quotes), with any ``${X...}`` rest."""
    found: list[tuple[str, str]] = []
    pending = [text]
    while pending:
        script = parse(pending.pop(0))
        for command in script.commands:
            for word in command.words:
                found.extend(word.variables)
        pending.extend(script.nested)
    return list(dict.fromkeys(found))


def variable_references(text: str) -> list[re.Match[str]]:
    """Where ``$NAME`` and ``${NAME...}`` are read: outside single quotes, comments and
    here-document bodies, including inside ``"..."``, ``$(...)`` and backticks.

    The positional twin of :func:`used_variables`, for marking the variables up
    in the text.
    """
    return _references(without_heredoc_bodies(text, keep_positions=True), 0, len(text))


def _references(text: str, start: int, end: int) -> list[re.Match[str]]:
    found: list[re.Match[str]] = []
    # Open contexts, innermost last: '"' (double quotes), "(" (a substitution or subshell).
    contexts: list[str] = []
    index = start
    while index < end:
        char = text[index]
        in_quotes = bool(contexts) and contexts[-1] == '"'
        if char == "\\":
            index += 2
            continue
        if char == "$":
            match = _VARIABLE.match(text, index, end)
            if match:
                found.append(match)
                index = match.end()
                continue
            if text.startswith("$(", index):
                contexts.append("(")
                index += 2
                continue
        if char == "`":
            close = text.find("`", index + 1, end)
            close = end if close == -1 else close
            found.extend(_references(text, index + 1, close))
            index = close + 1
            continue
        if in_quotes:
            if char == '"':
                contexts.pop()
            index += 1
            continue
        if char == "'":
            close = text.find("'", index + 1, end)
            index = end if close == -1 else close + 1
            continue
        if char == '"':
            contexts.append('"')
        elif char == "(":
            contexts.append("(")
        elif char == ")" and contexts:
            contexts.pop()
        elif char == "#" and (index == start or text[index - 1] in " \t\n;|&("):
            newline = text.find("\n", index, end)
            index = end if newline == -1 else newline
            continue
        index += 1
    return found


def writes(text: str) -> list[str]:
    """Files the command redirects output into."""
    return [target for command in parse(text).commands for target in command.writes]
