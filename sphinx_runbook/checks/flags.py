"""flag-drift: long options and subcommands the installed program no longer has.

For each shell command the rule finds the program every simple command runs
(through ``sudo``, ``env``, ``timeout``, pipelines, ``$(...)`` and ``bash -c``,
with :func:`~sphinx_runbook.analysis.shell.command_programs`), follows its
subcommands (``git stash``, ``docker compose up``) and compares the long
options the command uses with the ones ``PROGRAM SUB... --help`` lists, the
parents' helps included (global options).

A false alarm fails somebody's build for nothing, so the rule reports only
what it is sure of:

* only long options (``--name``, ``--name=value``), only before the command's
  first operand (``ssh host ls --color``: ``--color`` is ``ls``'s), never
  after ``--``, never with a variable or placeholder in the name;
* an option is listed when ``--name`` appears in the help followed by a
  character that cannot continue a name (``--color`` does not list
  ``--colorize``); ``--no-X`` when ``--X`` or ``--[no-]X`` is listed (and
  ``--X`` for a listed ``--no-X``); a prefix of a listed option (getopt-long
  abbreviations); ``--name`` for a listed ``-name`` (Go's flag package, sqlite);
* an option the help does not list but whose name the program's file holds
  (an undocumented alias: ``date --rfc-2822``) is left alone: the file is
  read, not run;
* a help that says it is incomplete ("not the full help", "for more options
  see...", ``<diff-options>``, ``--v8-options``, ``--key=value``), one that lists
  no long option at all (``ip``, ``find``), and git commands whose help leaves
  out the revision and diff options (``git log``, ``git diff``...) check nothing;
* a subcommand is gone only when the parent's help lists commands, does not
  mention the word anywhere, and ``PROGRAM ... WORD --help`` fails saying the
  word is unknown ("'x' is not a git command"); for programs with plugins
  (``git lfs``, ``docker compose``) only when the word is close to a command
  they list (``git stats``), since a plugin may be missing only here;
* programs inside containers (``docker exec``, ``kubectl exec``), wrappers'
  own options, shell builtins that are programs too (``echo``, ``kill``),
  programs that take any ``--name`` (``npm``, ``node``), functions the runbook
  defines, programs not installed, ``runbook_external_programs`` and
  ``:run: never`` steps are left alone.

A subcommand is a plain lowercase word that the help lists as one: in a
``Commands:``-like section, on a ``usage:``/``or:`` line (``git stash list``),
or on an indented ``name   description`` line when the usage names a command.

The helps come from ``context.help_text`` (a :class:`~.help.HelpProvider`); the
rule is off without one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..analysis.shell import (
    BUILTINS,
    Word,
    basename,
    walk,
    without_heredoc_bodies,
)
from .base import CheckContext, Entry, Finding, opted_out
from .help import unknown_word
from .programs import defined_names

RULE_ID = "flag-drift"

#: Wrappers the shell reader looks through: their own options are not checked.
_WRAPPERS = frozenset({
    "sudo", "doas", "env", "xargs", "nohup", "time", "nice", "ionice", "stdbuf", "exec",
    "command", "builtin", "watch", "strace", "caffeinate", "unbuffer", "chronic", "flock",
    "timeout", "bash", "sh", "zsh", "dash", "ksh"})
#: Shell builtins that also exist as programs: the shell runs its own, whose
#: options the program's help does not describe (bash's ``kill`` has no ``--signal``).
_SHELL_BUILTINS = frozenset({"echo", "printf", "kill", "pwd", "test", "[", "true", "false",
                             "getopts", "times", "enable", "help", "history", "logout",
                             "suspend", "compgen", "complete", "caller", "ulimit", "umask"})
#: Programs whose next program runs somewhere else (a container, a pod).
_CONTAINERS = frozenset({"docker", "docker-compose", "podman", "kubectl"})
#: Programs that take subcommands from plugins (``git-lfs``, docker's compose):
#: a word they do not know may be one not installed here.
_PLUGGABLE = frozenset({"git", "docker", "podman", "kubectl", "oc", "helm", "cargo", "gh",
                        "az", "dotnet"})
_PLUGINS = re.compile(r"\bplug-?ins?\b|\bextensions?\b|\bexternal commands?\b",
                      re.IGNORECASE)
#: Programs that take any ``--name`` (configuration keys, engine flags).
_OPEN_ENDED = frozenset({"npm", "npx", "yarn", "pnpm", "node", "nodejs", "deno", "bun",
                         "java", "chromium", "chrome", "google-chrome", "firefox"})
#: Git commands whose ``-h`` leaves out the revision and diff options they take.
_GIT_INCOMPLETE = frozenset({
    "log", "show", "diff", "whatchanged", "format-patch", "rev-list", "shortlog",
    "range-diff", "diff-tree", "diff-index", "diff-files", "difftool", "blame", "annotate",
    "cherry", "reflog", "rev-parse", "bisect", "grep", "for-each-ref", "fast-export",
    "bundle", "filter-branch", "cherry-pick", "revert"})

#: A program looked up on PATH: no path, variable or placeholder.
_PROGRAM = re.compile(r"[A-Za-z0-9_][\w.+-]*")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_SUBCOMMAND = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
_LONG = re.compile(r"(?<![\w-])--(\[no-?\])?([A-Za-z0-9][\w]*(?:[-.][\w]+)*)")
_SINGLE_LONG = re.compile(r"(?<![\w-])-(\[no-?\])?([A-Za-z][\w]*(?:-[\w]+)*)")
_SHORT = re.compile(r"(?<![\w-])-([A-Za-z0-9?])(?![\w-])")
_SHORT_CLUSTER = re.compile(r"\[-([A-Za-z0-9]{2,})\]")
#: After an option name: a value it must have (``=X``, `` <x>``, `` FILE``).
_VALUE = r"(?:=|\s?<|\s[A-Z][A-Z0-9_-]+\b|\s[A-Z]\b)"

_INCOMPLETE = re.compile(
    r"not the full help"
    r"|\bfor\s+(?:a\s+|the\s+)?(?:(?:full|complete)\s+)?(?:list\s+of\s+)?"
    r"(?:all|more|other|additional|global|further|remaining|advanced|extra|hidden)\b"
    r"[^.\n]{0,30}\b(?:options|flags)\b"
    r"|\b(?:more|other|additional|global|advanced|hidden)\s+(?:options|flags)\b[^.\n]{0,40}"
    r"\b(?:see|use|run|try|type)\b"
    r"|\b(?:try|use|see|run|type)\b[^\n]{0,30}--help[ =-]\S|--v8-options"
    r"|--key=value\b|--(?:<[\w-]+>|\{[\w-]+\})(?:=|\s|$)"
    r"|<(?:log|diff|rev|revision|rev-list|git-rev-list|common-diff)[ -](?:options|opts|range)>",
    re.IGNORECASE | re.MULTILINE)
_USAGE = re.compile(r"^(\s*)(?:usage|or)\s*:\s*(.*)$", re.IGNORECASE)
_HEADER = re.compile(r"^\s{0,4}(?:[A-Za-z][\w ,()/-]*\s)?(?:sub)?commands\b[^:\n]{0,40}:?\s*$",
                     re.IGNORECASE)
_COMMAND_LINE = re.compile(
    r"^\s{1,8}([a-z][\w-]*\*?(?:\s*,\s*[a-z][\w-]*\*?)*)(?:\s{2,}|\t)\S")
_SECTION_ITEM = re.compile(r"^\s+([a-z][\w-]*\*?(?:\s*,\s*[a-z][\w-]*\*?)*)(?:\s|$)")
_COMMA_LIST = re.compile(r"^\s+[a-z][\w-]*(?:\s*,\s*[a-z][\w-]*)+,?\s*$")
_MENTIONS_COMMANDS = re.compile(r"(?:\b|<)(?:sub)?command\b|\bcmd\b|\bobject\b", re.IGNORECASE)


@dataclass(frozen=True)
class HelpFacts:
    """What one help text says about options and subcommands."""

    #: Long option names without dashes (``--[no-]x`` gives ``x`` and ``no-x``).
    long: frozenset[str]
    #: Single-dash long options (``-name``): Go's flag package takes ``--name`` too.
    single: frozenset[str]
    #: Long options that take a value (``--file=ARCHIVE``, ``--data <data>``).
    long_values: frozenset[str]
    #: Short options listed, and those that take a value.
    short: frozenset[str]
    short_values: frozenset[str]
    #: Subcommands the help lists; empty when it lists none.
    commands: frozenset[str]
    #: The help says it does not list every option.
    incomplete: bool


def _usage_alternatives(lines: list[str], program: str) -> list[tuple[int, int, str]]:
    """Usage alternatives: (first line, end line, text), continuation lines joined.

    ``usage: git stash list ...`` and ``or: git stash show ...`` lines, and the
    lines starting with the program in a block under a bare ``Usage:`` line.
    """
    found: list[tuple[int, int, str]] = []
    in_block = False
    index = 0
    while index < len(lines):
        line = lines[index]
        match = _USAGE.match(line)
        stripped = line.strip()
        if match and not match.group(2).strip():
            in_block, index = True, index + 1
            continue
        if match:
            text, indent = match.group(2), len(match.group(1))
        elif in_block and stripped and basename(stripped.split(" ")[0]) == program:
            text, indent = stripped, len(line) - len(line.lstrip())
        else:
            if not stripped and found and in_block:
                in_block = False
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].strip() and not _USAGE.match(lines[end]) and \
                len(lines[end]) - len(lines[end].lstrip()) > indent + 3:
            end += 1
        text = " ".join([text.strip(), *(other.strip() for other in lines[index + 1:end])])
        found.append((index, end, text))
        index = end
    return found


def _after_chain(text: str, program: str, chain: tuple[str, ...]) -> tuple[str, str] | None:
    """For a usage line naming the program: ('same', '') when it is the chain's own,
    ('other', word) when it is for a subcommand ``word`` (or another branch)."""
    # Words one space apart: "git stash list", not "hostname      display name".
    tokens = text.split(" ")
    if not tokens or basename(tokens[0]) != program:
        return None
    for position, expected in enumerate(chain, start=1):
        if position >= len(tokens) or not tokens[position]:
            return ("same", "")
        token = tokens[position]
        if token != expected:
            return ("other", token) if _SUBCOMMAND.fullmatch(token) else ("same", "")
    following = tokens[len(chain) + 1] if len(tokens) > len(chain) + 1 else ""
    if _SUBCOMMAND.fullmatch(following):
        return ("other", following)
    return ("same", following)


def _sections(lines: list[str]) -> set[str]:
    """Names in ``Commands:``-like sections."""
    names: set[str] = set()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if len(line.strip()) > 70 or not _HEADER.match(line):
            continue
        first: int | None = None
        while index < len(lines):
            current = lines[index]
            if not current.strip():
                following = next((other for other in lines[index + 1:] if other.strip()), "")
                if following[:1] in (" ", "\t"):
                    index += 1
                    continue
                break
            if current[:1] not in (" ", "\t"):
                break
            indent = len(current) - len(current.lstrip())
            first = first if first is not None else indent
            if _COMMA_LIST.match(current):
                names.update(part.strip() for part in current.split(",") if part.strip())
            elif indent == first:
                # "  name [ARGS...]   description": the first word, at the items' indent.
                match = _SECTION_ITEM.match(current)
                if match:
                    names.update(part.strip() for part in match.group(1).split(","))
            index += 1
    return names


@lru_cache(maxsize=512)
def analyse(text: str, program: str, chain: tuple[str, ...] = ()) -> HelpFacts:
    """Read the options and subcommands out of the help of ``program chain...``."""
    lines = text.splitlines()
    long: set[str] = set()
    for negatable, name in _LONG.findall(text):
        name = name.rstrip(".-")
        long.add(name)
        if negatable:
            long.add(f"no-{name}")
    single = {name for _, name in _SINGLE_LONG.findall(text) if len(name) > 1}
    long_values = set()
    for name in long:
        pattern = re.compile(rf"(?<![\w-])--(?:\[no-?\])?{re.escape(name)}(?![\w-])")
        ends = [text[m.end():m.end() + 40] for m in pattern.finditer(text)]
        if any(re.match(_VALUE, end) for end in ends) and not any(
                end.startswith("[") for end in ends):
            long_values.add(name)
    short = set(_SHORT.findall(text))
    for cluster in _SHORT_CLUSTER.findall(text):
        short.update(cluster)
    short_values = {
        letter for letter in short
        if re.search(rf"(?<![\w-])-{re.escape(letter)}(?:,\s*--[\w-]+)?{_VALUE}", text)}

    # Subcommands: Commands: sections, "usage: prog WORD" alternatives, and
    # indented "name   description" lines when the usage mentions a command.
    commands = _sections(lines)
    alternatives = _usage_alternatives(lines, program)
    words: set[str] = set()
    for _, _, alternative in alternatives:
        place = _after_chain(alternative, program, chain)
        if place is not None and place[0] == "other":
            words.add(place[1])
    if len(words) >= 2:
        # Then "git stash [push ...]" names one too.
        for _, _, alternative in alternatives:
            place = _after_chain(re.sub(r"(?<= )[\[(]+", "", alternative), program, chain)
            if place is not None and place[0] == "other":
                words.add(place[1])
        commands |= words
    head = "\n".join([*lines[:5], *(text for _, _, text in alternatives)])
    if _MENTIONS_COMMANDS.search(head):
        for line in lines:
            match = _COMMAND_LINE.match(line)
            if match:
                commands.update(part.strip() for part in match.group(1).split(","))
    commands = {name.rstrip("*") for name in commands}
    commands = {name for name in commands if _SUBCOMMAND.fullmatch(name) and len(name) > 1}

    # Markers of an incomplete help, leaving out usage lines of other subcommands
    # (``git stash list [<log-options>]`` says nothing about ``git stash push``).
    kept = list(lines)
    for start, end, alternative in alternatives:
        place = _after_chain(alternative, program, chain)
        if place is not None and place[0] == "other":
            kept[start:end] = [""] * (end - start)
    incomplete = bool(_INCOMPLETE.search("\n".join(kept)))
    return HelpFacts(frozenset(long), frozenset(single), frozenset(long_values),
                     frozenset(short), frozenset(short_values), frozenset(commands), incomplete)


# --------------------------------------------------------------------------- the rule


@dataclass
class _Level:
    """The program, or one of its subcommands, with its help."""

    chain: tuple[str, ...]
    text: str
    facts: HelpFacts
    #: How the help was asked, for messages: ``git stash -h``.
    asked: str


@dataclass
class _Scan:
    levels: list[_Level]
    #: Long option names the command uses, before its first operand.
    options: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def union(self, name: str) -> set[str]:
        """One of the facts, over the program's and its subcommands' helps."""
        found: set[str] = set()
        for level in self.levels:
            found |= getattr(level.facts, name)
        return found


def _asked(provider: Any, program: str, chain: tuple[str, ...]) -> str:
    arguments: tuple[str, ...] | None = None
    result = getattr(provider, "result", None)
    if callable(result):
        arguments = getattr(result(program, chain), "arguments", None)
    if not arguments:
        arguments = (*chain, "-h" if program == "git" and chain else "--help")
    return " ".join([program, *arguments])


def _level(provider: Any, program: str, chain: tuple[str, ...]) -> _Level | None:
    text = provider(program, chain)
    if not text:
        return None
    return _Level(chain, text, analyse(text, program, chain), _asked(provider, program, chain))


def _listed(name: str, scan: _Scan) -> bool:
    """Whether the helps list ``--name``, a form of it, or an option it abbreviates."""
    long, single = scan.union("long"), scan.union("single")
    candidates = {name, name[3:] if name.startswith("no-") else f"no-{name}"}
    return any(candidate in long or candidate in single or
               any(option.startswith(candidate) for option in long)
               for candidate in candidates)


def _gone(provider: Any, program: str, level: _Level, word: str) -> Finding | None:
    """A finding when ``word`` is a subcommand the program does not have (any more).

    Only when the help lists commands, does not name the word anywhere, and
    asking the word's help fails saying the word is unknown.
    """
    if not level.facts.commands or word in level.facts.commands:
        return None
    if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", level.text):
        return None
    ask = getattr(provider, "result", None)
    if not callable(ask):
        return None
    outcome = ask(program, (*level.chain, word))
    if outcome is None or outcome.status in (0, None):
        return None
    complaint = unknown_word(outcome.text, word)
    if complaint is None:
        return None
    parent = " ".join([program, *level.chain])
    asked = " ".join([program, *outcome.arguments])
    close = difflib.get_close_matches(word, sorted(level.facts.commands), n=1, cutoff=0.6)
    if not close and (program in _PLUGGABLE or _PLUGINS.search(level.text)):
        return None  # a plugin not installed here (git lfs), unless it is a typo
    hint = f"did you mean {parent} {close[0]}?" if close else f"see {level.asked}"
    return Finding(RULE_ID, f"{parent} has no subcommand {word} any more ({asked} says: "
                            f"{complaint})", hint)


def _scan(provider: Any, program: str, words: list[Word]) -> _Scan | None:
    """Follow subcommands and collect long options up to the first operand."""
    top = _level(provider, program, ())
    if top is None:
        return None
    scan = _Scan([top])
    skip_next = False  # the word is the value of the option before it
    uncertain = False  # the option before may or may not take the next word
    for word in words:
        value = word.value
        if skip_next:
            skip_next = False
            continue
        if value == "--":
            break
        if value.startswith("--"):
            name, equals, _ = value[2:].partition("=")
            if _NAME.fullmatch(name) is None:  # a variable, a placeholder
                uncertain = not equals
                continue
            scan.options.append(name)
            listed = name in scan.union("long")
            skip_next = not equals and name in scan.union("long_values")
            uncertain = not equals and not listed
            continue
        if value.startswith("-") and len(value) > 1:
            letters = value[1:]
            uncertain = False
            if "=" in letters or (len(letters) > 1 and letters in scan.union("single")):
                uncertain = "=" not in letters  # -name [value], Go style
                continue
            for position, letter in enumerate(letters):
                if letter in scan.union("short_values"):
                    skip_next = position == len(letters) - 1
                    break
                if not (letter.isdigit() or letter in scan.union("short")):
                    uncertain = True
                    break
            continue
        # An operand, a subcommand, or the value of an option we cannot tell.
        level = scan.levels[-1]
        if uncertain or word.variables or word.substitutions:
            break
        if level.facts.commands and _SUBCOMMAND.fullmatch(value) and value != program:
            if value in level.facts.commands:
                deeper = _level(provider, program, (*level.chain, value))
                if deeper is None:
                    break  # no help: what follows cannot be checked
                scan.levels.append(deeper)
                continue
            gone = _gone(provider, program, level, value)
            if gone is not None:
                scan.findings.append(gone)
        break
    return scan


def _none_lists(asked: list[str]) -> str:
    if len(asked) == 1:
        return f"{asked[0]} does not list it"
    if len(asked) == 2:
        return f"neither {asked[0]} nor {asked[1]} lists it"
    return f"none of {', '.join(asked)} lists it"


def _option_findings(provider: Any, program: str, scan: _Scan) -> Iterator[Finding]:
    levels = scan.levels
    chain = levels[-1].chain
    if any(level.facts.incomplete for level in levels):
        return
    if program == "git" and chain and chain[0] in _GIT_INCOMPLETE:
        return
    listed = scan.union("long")
    if not listed - {"help", "version"}:
        return  # the help lists no long option: the program's may be single-dash ones
    shown = " ".join([program, *chain])
    asked = [level.asked for level in reversed(levels)]
    mentions = getattr(provider, "mentions", None)
    for name in dict.fromkeys(scan.options):
        if _listed(name, scan):
            continue
        if callable(mentions) and mentions(program, name):
            continue  # an undocumented alias, most likely: the program still knows the name
        close = difflib.get_close_matches(name, sorted(listed), n=1, cutoff=0.6)
        hint = f"did you mean --{close[0]}?" if close else f"see {asked[0]}"
        yield Finding(RULE_ID, f"{shown} has no option --{name} any more "
                               f"({_none_lists(asked)})", hint)


def _position(words: list[Word], programs: list[str], which: int) -> int:
    """The index in ``words`` of ``programs[which]`` (``len(words)`` if not found)."""
    index = -1
    for name in programs[:which + 1]:
        index = next((i for i in range(index + 1, len(words)) if words[i].value == name),
                     len(words))
    return index


def _checked_commands(code: str) -> Iterator[tuple[str, list[Word]]]:
    """(program, the words after it) for every simple command that runs here.

    Through wrappers (``sudo grep``: grep), into ``$(...)`` and ``bash -c``
    scripts; for ``docker exec ... prog`` the container tool, not ``prog``.
    """
    def outside_containers(programs: list[str]) -> bool:
        return not any(basename(name) in _CONTAINERS for name in programs)

    for command, programs in walk(without_heredoc_bodies(code), follow=outside_containers):
        if not programs:
            continue
        words = command.words
        which = next((number for number, name in enumerate(programs)
                      if basename(name) in _CONTAINERS), len(programs) - 1)
        start = _position(words, programs, which)
        end = _position(words, programs, which + 1) if which + 1 < len(programs) \
            else len(words)
        if start < len(words):
            yield words[start].value, words[start + 1:end]


def _checkable(program: str) -> bool:
    """A program on PATH whose own options these are (not a wrapper's, a builtin's)."""
    return _PROGRAM.fullmatch(program) is not None and not (
        program in BUILTINS or program in _SHELL_BUILTINS or program in _WRAPPERS or
        program in _OPEN_ENDED)


class FlagDriftRule:
    """Long options and subcommands that the installed program's help no longer lists."""

    id = RULE_ID
    description = ("Long options (--name) and subcommands the installed program's --help "
                   "no longer lists.")

    def check(self, runbook: Entry, commands: list[Entry], context: CheckContext
              ) -> Iterator[tuple[str, Finding]]:
        provider = context.help_text
        if provider is None:
            return
        defined: set[str] = set()
        for command in commands:
            if command.get("language") != "shell":
                continue
            code = str(command.get("code", ""))
            defined |= defined_names(code)
            if opted_out(command):
                continue
            reported: set[str] = set()
            for program, words in _checked_commands(code):
                if not _checkable(program) or program in defined or \
                        program in context.external_programs:
                    continue
                scan = _scan(provider, program, words)
                if scan is None:
                    continue
                for finding in [*scan.findings, *_option_findings(provider, program, scan)]:
                    if finding.message not in reported:
                        reported.add(finding.message)
                        yield command["id"], finding
