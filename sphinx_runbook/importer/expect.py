"""What the code blocks of a step are, and what the step expects.

In a step, every code block becomes a command.  Plain runbooks also show
output, example responses and configuration snippets there, so each code
block gets a role:

- a block in a language verification runs (shell, Python, SQL, HTTP) or
  PowerShell, or a block whose lines start with a ``$ `` prompt (then a
  ``console`` block), is a command;
- a text block right after an "Expected:" lead-in is the expected output of
  the command before it (an ``output`` block);
- anything else (JSON, YAML, logs, examples) is an illustration (the
  ``runbook-example`` class), so the index lists real commands only.

Expectations become options only where the runbook is unambiguous: one
command block in the step, one ``curl`` call in it for ``:expect-status:``,
and a single value stated (``# Expected: 201 Created``, ``# Should return:
{"status": "ok"}``, an "Expected Response" JSON block, ``Expected: `101 ...```).
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Sequence
from typing import Any

from ..commands import language_family
from ..verify.plan import RUNNABLE
from .blocks import Block, Fence, IndentedCode, Paragraph
from .labels import Kind, bold_label, plain_label
from .units import Unit, UnitKind

#: Families whose blocks are commands (PowerShell is not run, but is still a command).
COMMAND_FAMILIES = frozenset({*RUNNABLE, "powershell"})
#: Languages a ``$ ``-prompted block may have before it becomes ``console``.
_PROMPTABLE = frozenset({"", "text", "txt", "none", "bash", "sh", "shell"})
_PROMPT = re.compile(r"^\$(?: |$)")
#: ``# Expected: 201 Created``, ``# Should return {"status": "ok"}``.
_COMMENT_HINT = re.compile(r"^\s*#\s*(?:expected|should return|returns?)\b[^:{\[\d]*:?"
                           r"\s*(?P<value>.+)$", re.IGNORECASE)
_STATUS = re.compile(r"^`?(?P<status>[1-5]\d\d)\b")
_CURL = re.compile(r"(?:^|[\s;|&(])curl\s")


class Role(enum.Enum):
    COMMAND = "command"
    CONSOLE = "console"
    OUTPUT = "output"
    EXAMPLE = "example"


def has_prompt(fence: Fence) -> bool:
    first = next((line for line in fence.content.split("\n") if line.strip()), "")
    return bool(_PROMPT.match(first))


def is_command(block: Block | None) -> bool:
    """Whether a code block is something to run (the planner asks before any role)."""
    if not isinstance(block, Fence):
        return False
    if language_family(block.language) in COMMAND_FAMILIES:
        return True
    return block.language in _PROMPTABLE and has_prompt(block)


def lead_kind(block: Block | None) -> tuple[Kind | None, str]:
    """The kind of lead-in a paragraph is ("Expected:", "Look for:"), and its rest."""
    if not isinstance(block, Paragraph):
        return None, ""
    first = block.source.split("\n", 1)[0]
    found = bold_label(first) or plain_label(first)
    if found is None or found.label.kind not in (Kind.EXPECTED, Kind.EXAMPLE):
        return None, ""
    return found.label.kind, found.rest


def settle(unit: Unit, lines: Sequence[str], rewrites: dict[int, list[str]]) -> None:
    """Give each code block of a step or verify block its role, and the unit its options."""
    assert unit.kind.runs_commands
    command_fences: list[Fence] = []
    other_commands = 0
    json_hints: list[Any] = []
    status_hints: list[int] = []
    previous: Block | None = None
    for block in unit.blocks:
        if isinstance(block, Paragraph):
            kind, rest = lead_kind(block)
            status = _STATUS.match(rest) if kind is Kind.EXPECTED else None
            if status:
                status_hints.append(int(status.group("status")))
        elif isinstance(block, IndentedCode):
            other_commands += 1
        elif isinstance(block, Fence):
            role = _role(block, lead_kind(previous)[0], bool(command_fences))
            if role is Role.EXAMPLE and lead_kind(previous)[0] is Kind.EXPECTED:
                value = _json_object(block.content)
                if value is not None:
                    json_hints.append(value)
            if role in (Role.COMMAND, Role.CONSOLE):
                command_fences.append(block)
                comment_json, comment_status = _comment_hints(block)
                json_hints += comment_json
                status_hints += comment_status
            _rewrite(block, role, lines, rewrites)
        previous = block
    unit.commands = len(command_fences) + other_commands
    if len(command_fences) == 1 and not other_commands:
        _expectations(unit, command_fences[0], json_hints, status_hints)
    if unit.kind is UnitKind.VERIFY and unit.commands == 0:
        unit.options["manual"] = ""


def _role(fence: Fence, lead: Kind | None, after_command: bool) -> Role:
    if language_family(fence.language) in COMMAND_FAMILIES:
        return Role.COMMAND
    if fence.language in _PROMPTABLE and has_prompt(fence):
        return Role.CONSOLE
    if (lead is Kind.EXPECTED and after_command and fence.language in _PROMPTABLE
            and _json_object(fence.content) is None):
        return Role.OUTPUT
    return Role.EXAMPLE


#: Languages of example files that Pygments knows by another name: a
#: ``{code-block}`` with a name it does not know is a build warning.
_HIGHLIGHTABLE = {"env": "ini", "dotenv": "ini"}


def _rewrite(fence: Fence, role: Role, lines: Sequence[str],
             rewrites: dict[int, list[str]]) -> None:
    """Change the opening line of a fence (its content stays as written)."""
    opening = lines[fence.start]
    indent = opening[:len(opening) - len(opening.lstrip())]
    if role is Role.CONSOLE and fence.language in ("bash", "sh", "shell", ""):
        rewrites[fence.start] = [f"{indent}{fence.markup}console"]
    elif role is Role.OUTPUT:
        rewrites[fence.start] = [f"{indent}{fence.markup}output"]
    elif role is Role.EXAMPLE and fence.closed:
        named = _HIGHLIGHTABLE.get(fence.language, fence.language)
        language = f" {named}" if named else ""
        rewrites[fence.start] = [f"{indent}{fence.markup}{{code-block}}{language}",
                                 f"{indent}:class: runbook-example", ""]


def _json_object(text: str) -> Any:
    """The JSON object or array ``text`` holds, or None (a string or a number is not enough)."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, (dict, list)) else None


def _statements(code: str) -> list[str]:
    """Lines that do something: not blank, not comments, not continuations."""
    found: list[str] = []
    continued = False
    for line in code.split("\n"):
        stripped = line.strip()
        if not continued and stripped and not stripped.startswith("#"):
            found.append(stripped)
        continued = stripped.endswith("\\")
    return found


def _comment_hints(fence: Fence) -> tuple[list[Any], list[int]]:
    if language_family(fence.language) != "shell":
        return [], []
    json_hints: list[Any] = []
    status_hints: list[int] = []
    for line in fence.content.split("\n"):
        hint = _COMMENT_HINT.match(line)
        if hint is None:
            continue
        value = hint.group("value").strip()
        parsed = _json_object(value)
        if parsed is not None:
            json_hints.append(parsed)
        elif status := _STATUS.match(value):
            status_hints.append(int(status.group("status")))
    return json_hints, status_hints


def _expectations(unit: Unit, fence: Fence, json_hints: list[Any],
                  status_hints: list[int]) -> None:
    statements = _statements(fence.content)
    curls = sum(len(_CURL.findall(f" {statement}")) for statement in statements)
    distinct_json = {json.dumps(value, sort_keys=True) for value in json_hints}
    if len(set(status_hints)) == 1 and curls == 1:
        unit.options["expect-status"] = str(status_hints[0])
    if len(distinct_json) == 1 and (curls == 1 or len(statements) == 1):
        unit.options["expect-json"] = json.dumps(json_hints[0], ensure_ascii=False)
