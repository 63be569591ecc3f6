"""Typed records of what a runbook contains.

The directives and the command transform put the facts on doctree nodes; the
collector turns those nodes into these records once per document.  Everything
downstream (the index, verification, reports) reads records, never nodes.
All records convert to plain JSON-friendly dicts with :meth:`to_dict`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

#: Where a command sits: in a ``step``, a ``verify``, or (when explicitly
#: marked with the ``runbook-command`` class) in a ``symptom`` or ``cause``.
BlockKind = Literal["step", "verify", "symptom", "cause"]

#: ``auto``: verification may run it; ``static``: only static checks;
#: ``never``: neither.
RunMode = Literal["auto", "never", "static"]


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


class _Record:
    def to_dict(self) -> dict[str, Any]:
        result = _plain(self)
        assert isinstance(result, dict)
        return result


@dataclass
class Placeholder(_Record):
    """A part of a command the reader fills in (or that the runbook sets itself)."""

    name: str
    #: ``angle`` (``<name>``), ``bracket`` (``[name]``), ``mustache`` (``{{name}}``),
    #: ``variable`` (``$NAME``, ``${NAME}``).
    syntax: str
    #: As written in the command.
    token: str
    #: Who provides the value: ``reader``, ``runbook`` (an earlier command sets it),
    #: ``step`` (the step's ``:env:``) or ``environment`` (``$HOME`` and the like).
    supplied_by: str
    #: A default written in the command (``${PORT:-8000}``).
    default: str | None = None


@dataclass
class Safety(_Record):
    #: ``read-only``, ``mutating`` or ``destructive``.
    level: str
    #: The id of the rule that decided the level (``sql.drop``, ``author.destructive``...).
    rule: str
    reason: str


@dataclass
class Command(_Record):
    """One command: a code block, or one prompt of a console/pycon block."""

    #: Stable id: ``<runbook>.<step>.<n>``.
    id: str
    #: 1-based position within its step or verify.
    ordinal: int
    #: The fence language as written (``bash``, ``console``, ``sql``...).
    lexer: str
    #: The language family that decides how the command is handled
    #: (``shell``, ``python``, ``sql``, ``http``, ``json``, ``yaml``, ``text``...).
    language: str
    #: What to run or copy: prompts removed, output lines removed.
    code: str
    #: Output shown after the prompt, or in an ``output`` block right after it.
    expected_output: str | None
    line: int | None
    #: HTML fragment id of the command block.
    anchor: str
    #: Programs a shell command calls (wrappers and the programs they run).
    programs: list[str] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    safety: Safety | None = None
    #: sha256 of what decides the command's outcome (text, language, expectations).
    hash: str = ""


@dataclass
class Step(_Record):
    """A ``step`` or ``verify`` (or a symptom/cause holding marked commands)."""

    id: str
    kind: BlockKind
    #: Position among the runbook's steps (1-based); ``None`` for verify blocks.
    number: int | None
    title: str
    line: int | None
    anchor: str
    #: Cause ids this step addresses (``:for:``).
    for_causes: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    timeout: float | None = None
    expect_exit: int | None = None
    expect_json: Any = None
    expect_status: int | None = None
    destructive: bool = False
    #: An author's safety level (``:safety:``) and why (``:safety-reason:``).
    safety: str | None = None
    safety_reason: str | None = None
    #: Static check rule id -> why it does not apply (``:ignore-checks:``).
    ignore_checks: dict[str, str] = field(default_factory=dict)
    run: RunMode = "auto"
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    #: A verification a person performs (no command expected).
    manual: bool = False
    #: For verify blocks: the id of the step it checks (``None`` when it comes
    #: before any step).
    after: str | None = None
    commands: list[Command] = field(default_factory=list)


@dataclass
class _ProseBlock(_Record):
    #: A cause's :id: or title slug; ``symptom-1``, ``symptom-2``... for symptoms.
    id: str
    #: A cause's title (or its text without one); a symptom's text.
    text: str
    line: int | None
    anchor: str
    #: Code blocks marked ``runbook-command`` in it.
    commands: list[Command] = field(default_factory=list)


@dataclass
class Symptom(_ProseBlock):
    """What the on-call engineer observes."""


@dataclass
class Cause(_ProseBlock):
    """A possible explanation, which steps address with ``:for:``."""


@dataclass
class Runbook(_Record):
    id: str
    title: str
    #: Sphinx document name (``ops/database``).
    docname: str
    #: Source file relative to the source directory (``ops/database.md``).
    source: str
    line: int | None
    anchor: str
    service: str | None = None
    #: As written, normalised: ``P0``..``P4`` or ``critical``/``high``/``medium``/``low``.
    severity: str | None = None
    owner: str | None = None
    tags: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    symptoms: list[Symptom] = field(default_factory=list)
    causes: list[Cause] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    def all_commands(self) -> list[tuple[Step | Symptom | Cause, Command]]:
        """Every command of the runbook with the block that holds it, in document order."""
        blocks: list[Step | Symptom | Cause] = [*self.symptoms, *self.causes, *self.steps]
        pairs = [(block, command) for block in blocks for command in block.commands]
        # Python's sort is stable: commands without a line keep their block order.
        return sorted(pairs, key=lambda pair: pair[1].line or 0)
