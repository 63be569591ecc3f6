"""What ``sphinx-runbook import`` tells on stderr: what it left as prose, and what it found."""

from __future__ import annotations

import re

from .convert import ImportResult

_WORDS = 8


def first_words(text: str) -> str:
    words = re.sub(r"[*_`]", "", text).split()
    return " ".join(words[:_WORDS]) + (" ..." if len(words) > _WORDS else "")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def report_lines(name: str, result: ImportResult) -> list[str]:
    """``name:line: kept as prose: ...`` lines, then a one-line summary."""
    lines = [f"{name}:{kept.line}: kept as prose: {first_words(kept.text)}"
             for kept in result.kept]
    summary = (f"{name}: {_count(result.runbooks, 'runbook')}, {_count(result.steps, 'step')}, "
               f"{_count(result.checks, 'check')}, {_count(result.commands, 'command')}; "
               f"{len(result.kept)} kept as prose")
    if result.existing:
        summary += f"; {_count(result.existing, 'runbook')} already there, left as they were"
    return [*lines, summary]
