"""Shell reading for the dangling-reference rule: segments and option parsing.

:func:`sphinx_runbook.analysis.shell.parse` drops what this rule needs to
follow a session faithfully: input redirections (``< input.sql`` reads a
file), the ``( ... )`` of a subshell (a ``cd`` inside it does not last) and
the operators around each command (``cd x || exit``).  :func:`segments` reads
the same tokens (:func:`~sphinx_runbook.analysis.shell.tokenize`) and keeps
them.  :func:`parse_args` splits a program's arguments into options and
positionals from a small table of the options it knows, and says when it met
one it did not know (the next word may then be that option's value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..analysis.shell import Word, tokenize, without_heredoc_bodies

_REDIRECTION = re.compile(r"(\d*|&)(>>|>\||>&|>|<<<|<<-|<<|<&|<>|<)")
_NUMBER = re.compile(r"-\d+")

#: A subshell opens / closes (items of :func:`segments` besides segments).
OPEN = "("
CLOSE = ")"


@dataclass
class Segment:
    """One simple command with its redirections and the operators around it."""

    words: list[Word]
    #: Files written (``>``, ``>>``, ``&>``, ``<>``), as written; not /dev/null.
    writes: list[Word] = field(default_factory=list)
    #: Files read with ``<``.
    reads: list[Word] = field(default_factory=list)
    #: Words of here-strings and the like: only their ``$(...)`` matter.
    others: list[Word] = field(default_factory=list)
    #: The operator before it (``&&``, ``||``, ``|``, ``;``, newline) and after it.
    before: str = ""
    after: str = ""
    #: Its error output goes to /dev/null: the author expects it may fail.
    quiet: bool = False
    #: Followed by ``|| something`` other than ``exit``: its failure is handled.
    fallback: bool = False

    @property
    def in_pipeline(self) -> bool:
        return self.before in ("|", "|&") or self.after in ("|", "|&")


def segments(text: str) -> list[Segment | str]:
    """Simple commands in order, with :data:`OPEN` / :data:`CLOSE` for subshells."""
    tokens = tokenize(without_heredoc_bodies(text))
    items: list[Segment | str] = []
    current = Segment([])
    previous = ""

    def flush(operator: str) -> None:
        nonlocal current, previous
        if current.words or current.writes or current.reads or current.others:
            current.before = previous
            current.after = operator
            items.append(current)
        current = Segment([])
        previous = operator

    index = 0
    while index < len(tokens):
        token = tokens[index]
        if isinstance(token, Word):
            current.words.append(token)
            index += 1
            continue
        redirection = _REDIRECTION.fullmatch(token)
        if redirection:
            target = tokens[index + 1] if index + 1 < len(tokens) else None
            if isinstance(target, Word):
                _redirect(current, redirection.group(1), redirection.group(2), target)
                index += 2
            else:
                index += 1
            continue
        if token in (OPEN, CLOSE):
            flush(token)
            items.append(token)
        else:
            flush(token)
        index += 1
    flush("")
    following: Segment | None = None
    for item in reversed(items):
        if isinstance(item, Segment):
            if item.after == "||":
                first = following.words[0].value if following and following.words else ""
                item.fallback = first not in ("exit", "return")
            following = item
    return items


def _redirect(segment: Segment, descriptor: str, operator: str, target: Word) -> None:
    if operator in ("<<", "<<-"):
        return  # the delimiter; the body is gone
    if operator == "<<<":
        segment.others.append(target)
        return
    if operator == "<":
        segment.reads.append(target)
        return
    if operator in ("<&", ">&") and (target.value.isdigit() or target.value == "-"):
        return  # duplicates a descriptor
    if target.value == "/dev/null":
        if descriptor in ("2", "&") or operator == ">&":
            segment.quiet = True
        return
    segment.writes.append(target)


# -- options ------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """The options of a program: flags, options with a value, optional values."""

    flags: frozenset[str] = frozenset()
    valued: frozenset[str] = frozenset()
    #: A value only when attached (``-j4``, ``--color=auto``); ``-j 4``: a number next.
    optional: frozenset[str] = frozenset()
    #: Options may follow positionals (GNU style); False: the first positional
    #: and everything after it are positionals (``python script.py -v``).
    interspersed: bool = True


def spec(flags: str = "", valued: str = "", optional: str = "",
         interspersed: bool = True) -> Spec:
    """A :class:`Spec` from space-separated option names."""
    return Spec(frozenset(flags.split()), frozenset(valued.split()),
                frozenset(optional.split()), interspersed)


@dataclass
class Args:
    positionals: list[str] = field(default_factory=list)
    options: list[tuple[str, str | None]] = field(default_factory=list)
    #: An option it does not know: the word after it was taken as its value.
    uncertain: bool = False
    #: Words after ``--``.
    rest: list[str] = field(default_factory=list)
    dashdash: bool = False

    def values(self, *names: str) -> list[str]:
        return [value for name, value in self.options if name in names and value is not None]

    def has(self, *names: str) -> bool:
        return any(name in names for name, _value in self.options)


def parse_args(words: list[str], known: Spec) -> Args:
    """Options and positionals of ``words`` (the arguments, without the program)."""
    result = Args()
    every = known.flags | known.valued | known.optional
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else None
        if result.positionals and not known.interspersed:
            result.positionals.append(word)
            index += 1
            continue
        if word == "--":
            result.rest = words[index + 1:]
            result.dashdash = True
            break
        if not word.startswith("-") or word == "-":
            result.positionals.append(word)
            index += 1
            continue
        if _NUMBER.fullmatch(word):  # head -5
            result.options.append((word, None))
            index += 1
            continue
        name, equals, value = word.partition("=")
        if word.startswith("--") or (len(name) > 2 and name in every):
            if equals:
                result.options.append((name, value))
                result.uncertain |= name not in every
                index += 1
            elif name in known.valued:
                result.options.append((name, following))
                index += 2
            elif name in known.flags or name in known.optional:
                result.options.append((name, None))
                index += 1
            else:
                result.uncertain = True
                result.options.append((name, following))
                index += 2
            continue
        index += 1 + _short_cluster(word, following, known, result)
    return result


def _short_cluster(word: str, following: str | None, known: Spec, result: Args) -> int:
    """Read ``-abc``; how many of the following words it used (0 or 1)."""
    position = 1
    while position < len(word):
        option = "-" + word[position]
        attached = word[position + 1:]
        if option in known.valued:
            if attached:
                result.options.append((option, attached.removeprefix("=")))
                return 0
            result.options.append((option, following))
            return 1
        if option in known.optional:
            if attached:
                result.options.append((option, attached))
                return 0
            if following is not None and following.isdigit():
                result.options.append((option, following))
                return 1
            result.options.append((option, None))
            return 0
        if option in known.flags:
            result.options.append((option, None))
            position += 1
            continue
        result.uncertain = True
        if attached:
            result.options.append((option, attached))
            return 0
        result.options.append((option, following))
        return 1
    return 0
