"""How a code block becomes commands: prompts, output lines and language families."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Fence languages of interactive sessions: prompt lines are commands, the
#: other lines are their output.
_SESSION_PROMPTS: dict[str, tuple[re.Pattern[str], re.Pattern[str] | None]] = {}

# ``$ cmd``, ``# cmd`` (root), optionally after ``(venv)`` and ``user@host:~/dir``.
_SHELL_PROMPT = re.compile(r"^(?:\([^()\s]+\)\s*)?(?:[\w.-]+@[\w.-]+(?::\S*)?\s*)?[$#](?: |$)")
_SHELL_CONTINUATION = re.compile(r"^> ?")
_PYTHON_PROMPT = re.compile(r"^>>>(?: |$)")
_PYTHON_CONTINUATION = re.compile(r"^\.\.\.(?: |$)")

for _name in ("console", "shell-session", "sh-session", "bash-session", "terminal"):
    _SESSION_PROMPTS[_name] = (_SHELL_PROMPT, _SHELL_CONTINUATION)
for _name in ("pycon", "python-console"):
    _SESSION_PROMPTS[_name] = (_PYTHON_PROMPT, _PYTHON_CONTINUATION)

#: Fence language -> the family that decides how a command is handled.
_FAMILIES = {
    "shell": ("bash", "sh", "shell", "zsh", "ksh", "console", "shell-session",
              "sh-session", "bash-session", "terminal"),
    "python": ("python", "py", "python3", "py3", "ipython", "ipython3", "pycon",
               "python-console"),
    "sql": ("sql", "postgresql", "postgres", "psql", "plpgsql", "mysql", "sqlite3",
            "tsql", "plsql"),
    "http": ("http",),
    "json": ("json", "jsonc", "json5"),
    "yaml": ("yaml", "yml"),
    "powershell": ("powershell", "ps1", "pwsh"),
    "javascript": ("javascript", "js", "node"),
    "text": ("text", "none", "default", "output", "txt", ""),
}
_FAMILY_OF = {lexer: family for family, lexers in _FAMILIES.items() for lexer in lexers}


def language_family(lexer: str) -> str:
    """``"console"`` -> ``"shell"``; unknown lexers are their own family."""
    return _FAMILY_OF.get(lexer.lower(), lexer.lower())


def is_session(lexer: str) -> bool:
    return lexer.lower() in _SESSION_PROMPTS


@dataclass(frozen=True)
class Interaction:
    """One command of a code block and the output shown for it."""

    code: str
    output: str | None
    #: 0-based line of the command within the block.
    offset: int


def split_session(text: str, lexer: str) -> list[Interaction]:
    """Split a console/pycon block into its prompts and their output.

    A block without any prompt is taken as a plain command (authors often
    write ``console`` for a command without a ``$``).
    """
    prompt, continuation = _SESSION_PROMPTS[lexer.lower()]
    lines = text.splitlines()
    result: list[Interaction] = []
    code: list[str] | None = None
    output: list[str] = []
    start = 0

    def flush() -> None:
        if code is not None:
            shown = "\n".join(output).rstrip("\n")
            result.append(Interaction("\n".join(code), shown or None, start))

    for index, line in enumerate(lines):
        match = prompt.match(line)
        if match:
            flush()
            code, output, start = [line[match.end():]], [], index
            continue
        if code is not None and not output and _continues(code[-1], line, lexer, continuation):
            code.append(continuation.sub("", line, count=1) if continuation else line)
            continue
        if code is not None:
            output.append(line)
    flush()
    if not result:
        return [Interaction(text.strip("\n"), None, 0)]
    return result


def _continues(previous: str, line: str, lexer: str, continuation: re.Pattern[str] | None
               ) -> bool:
    """Does ``line`` continue the command on ``previous``?"""
    if continuation is None:
        return False
    if language_family(lexer) == "python":
        return bool(continuation.match(line))
    # A shell command continues after a trailing backslash (with or without ``> ``).
    return previous.rstrip().endswith("\\")


def split_block(text: str, lexer: str) -> list[Interaction]:
    """The commands of a code block: one per prompt in a session, else the whole block."""
    if is_session(lexer):
        return split_session(text, lexer)
    return [Interaction(text.strip("\n"), None, 0)]
