"""The ``syntax`` rule: commands that their own language cannot even parse.

Each language is read by a real parser, never run: ``bash -n`` for shell,
:func:`compile` for Python, sqlglot for SQL, :mod:`json` and PyYAML for data.
Placeholders the reader fills in (``<id>``, ``{{ region }}``) are not syntax
errors: they are replaced by a neutral value first, and when an error could
come from where that value sits (another neutral value parses) there is no
finding.  Parsers that are missing (no ``bash``, no PyYAML) turn their language's
check off instead of failing.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import json
import logging
import os
import re
import shutil
import subprocess
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from .base import CheckContext, Entry, Finding, opted_out

#: Shell lexers whose grammar is bash's (zsh is not: ``bash -n`` would reject it).
_BASH_LEXERS = frozenset({"bash", "sh", "shell", "console", "shell-session", "sh-session",
                          "bash-session", "terminal", "ksh"})
#: The SQL dialect a fence language names; a plain ``sql`` fence uses the context's.
_SQL_DIALECTS = {"postgresql": "postgres", "postgres": "postgres", "psql": "postgres",
                 "plpgsql": "postgres", "mysql": "mysql", "sqlite3": "sqlite",
                 "tsql": "tsql", "plsql": "oracle"}
#: Statements sqlglot parses in full.  Others (``CLUSTER``, ``VACUUM``...) it may
#: only half know: an error in one of them is sqlglot's gap, not the runbook's.
_SQL_STATEMENTS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "VALUES",
                             "CREATE", "DROP", "ALTER", "TRUNCATE", "GRANT", "REVOKE",
                             "BEGIN", "COMMIT", "ROLLBACK", "SET", "SHOW", "(", "MERGE"})
#: psql variables (``:'name'``, ``:"name"``), which sqlglot does not know.
_PSQL_VARIABLE = re.compile(r"(?<!:):(['\"])[A-Za-z_]\w*\1")
#: IPython: a line magic or shell escape, or an assignment from one (``files = !ls``).
_IPYTHON_LINE = re.compile(r"^(\s*)(?:[%!]|[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*[%!])")
_BASH_ERROR = re.compile(r"line (\d+): (.*)")
#: sqlglot names its node classes in messages: ``<class 'sqlglot.expressions.core.And'>``.
_SQLGLOT_CLASS = re.compile(r"<class 'sqlglot\.[\w.]*?(\w+)'>")

#: Seconds ``bash -n`` may take for one command (it never runs anything).
_BASH_TIMEOUT = 10


@dataclass(frozen=True)
class _Error:
    """A parser's complaint: 1-based line within the (substituted) command and message."""

    line: int
    message: str


def _reader_tokens(command: Entry) -> list[str]:
    """Placeholder tokens that are not the language's own syntax, longest first.

    ``$NAME`` placeholders are real shell variables: the shell parses them.
    """
    tokens = {placeholder["token"] for placeholder in command.get("placeholders") or []
              if placeholder.get("syntax") != "variable"}
    return sorted(tokens, key=len, reverse=True)


def _substitute(code: str, tokens: list[str], value: str) -> str:
    for token in tokens:
        code = code.replace(token, value)
    return code


def _first_error(candidates: list[str], parse: Callable[[str], _Error | None]
                 ) -> _Error | None:
    """The first candidate's error, unless some candidate parses.

    Candidates are the command with its placeholders replaced by different
    neutral values: when one of them parses, the error came from a
    placeholder's position, which the reader's value will fill correctly.
    """
    first: _Error | None = None
    for candidate in dict.fromkeys(candidates):
        error = parse(candidate)
        if error is None:
            return None
        first = first or error
    return first


def _clamp(line: int, code: str) -> int:
    """Parsers report an unexpected end one line past the text: keep it in the command."""
    return max(1, min(line, code.count("\n") + 1))


# -- shell ----------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _bash_error(code: str) -> _Error | None:
    """``bash -n`` on one command: parsed, not run.  Cached by the text."""
    try:
        # -n: read commands without executing them.  extglob on: a runbook may
        # turn it on with shopt, which -n does not execute.  A fixed, small
        # environment: no BASH_ENV to source, messages in English.
        completed = subprocess.run(
            ["bash", "-O", "extglob", "-n", "-c", code], capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=_BASH_TIMEOUT, check=False,
            env={"PATH": os.environ.get("PATH", os.defpath), "LC_ALL": "C"})
    except (OSError, subprocess.TimeoutExpired):
        return None  # no verdict is not a finding
    if completed.returncode == 0:
        return None
    for line in completed.stderr.splitlines():
        match = _BASH_ERROR.search(line)
        if match:
            return _Error(_clamp(int(match.group(1)), code), match.group(2))
    message = completed.stderr.strip().splitlines()
    return _Error(1, message[0] if message else f"bash -n exited {completed.returncode}")


_UNKNOWN: Any = object()


class _BashVerdicts:
    """``bash -n`` verdicts by command text, in a JSON file per bash binary."""

    _open: ClassVar[dict[Path, _BashVerdicts]] = {}

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.verdicts: dict[str, list[Any] | None] = {}
        if path is not None:
            try:
                self.verdicts = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.verdicts = {}

    @classmethod
    def of(cls, cache_dir: Path | None, bash: str) -> _BashVerdicts:
        if cache_dir is None:
            return cls(None)
        try:
            stat = Path(bash).resolve().stat()
        except OSError:
            return cls(None)
        identity = hashlib.sha256(
            f"{Path(bash).resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
        path = cache_dir / f"bash-syntax-{identity[:16]}.json"
        if path not in cls._open:
            cls._open[path] = cls(path)
        return cls._open[path]

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    def get(self, text: str) -> _Error | None:
        key = self._key(text)
        if key not in self.verdicts:
            return _UNKNOWN  # type: ignore[no-any-return]
        verdict = self.verdicts[key]
        return None if verdict is None else _Error(int(verdict[0]), str(verdict[1]))

    def update(self, found: dict[str, _Error | None]) -> None:
        if not found:
            return
        for text, error in found.items():
            self.verdicts[self._key(text)] = None if error is None else [error.line,
                                                                         error.message]
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
                temporary.write_text(json.dumps(self.verdicts), encoding="utf-8")
                temporary.replace(self.path)
            except OSError:
                pass  # a cache that cannot be written is only slower


# -- python ---------------------------------------------------------------------

def _without_ipython(code: str) -> str | None:
    """Python code with IPython's own lines made ``pass`` (line numbers kept).

    None for a cell magic (``%%bash``): the rest of the cell is not Python.
    """
    if code.lstrip().startswith("%%"):
        return None
    lines = []
    for line in code.split("\n"):
        match = _IPYTHON_LINE.match(line)
        lines.append(f"{match.group(1)}pass" if match else line)
    return "\n".join(lines)


def _python_error(code: str) -> _Error | None:
    try:
        with warnings.catch_warnings():
            # Invalid escapes and the like are warnings, not syntax errors.
            warnings.simplefilter("ignore")
            # Top-level await: IPython and the kernel that runs these accept it.
            compile(code, "<runbook>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
                    dont_inherit=True)
    except SyntaxError as error:
        return _Error(_clamp(error.lineno or 1, code), error.msg)
    except ValueError:
        return None  # null bytes: not a syntax question
    return None


# -- SQL ------------------------------------------------------------------------

@contextmanager
def _quiet_sqlglot() -> Iterator[None]:
    """sqlglot logs a warning for each statement it falls back on; the build has no use."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _statement_keyword(sql: str, dialect: str, line: int, column: int) -> str:
    """The first word of the statement holding ``line:column`` (upper case)."""
    from sqlglot import tokenize

    keyword = ""
    after_semicolon = True
    for token in tokenize(sql, read=dialect):
        if (token.line, token.col) > (line, column):
            break
        if token.token_type.name == "SEMICOLON":
            after_semicolon = True
            continue
        if after_semicolon:
            keyword, after_semicolon = token.text.upper(), False
    return keyword


def _sql_error(dialect: str) -> Callable[[str], _Error | None]:
    def parse(sql: str) -> _Error | None:
        import sqlglot
        from sqlglot.errors import ParseError, SqlglotError

        try:
            with _quiet_sqlglot():
                sqlglot.parse(sql, read=dialect)
        except ParseError as error:
            detail = error.errors[0] if error.errors else {}
            line, column = int(detail.get("line") or 1), int(detail.get("col") or 0)
            try:
                keyword = _statement_keyword(sql, dialect, line, column)
            except SqlglotError:
                return None
            if keyword not in _SQL_STATEMENTS:
                return None
            message = str(detail.get("description") or error).split(". Line ")[0]
            message = _SQLGLOT_CLASS.sub(r"\1", message)
            near = detail.get("highlight")
            return _Error(_clamp(line, sql), f"{message} (near {near!r})" if near else message)
        except Exception:  # a tokenizer error, or a bug of sqlglot: no verdict
            return None
        return None

    return parse


def _without_meta_commands(sql: str) -> str:
    """psql meta-commands (``\\dt``, ``\\gx``) blanked; the line numbers stay."""
    return "\n".join("" if line.lstrip().startswith("\\") else line
                     for line in sql.split("\n"))


# -- JSON and YAML --------------------------------------------------------------

def _json_candidates(code: str, tokens: list[str]) -> list[str] | None:
    """The JSON with placeholders made valid values: ``x`` inside a string, else
    ``"x"`` or ``1``.  None when the text elides something (``...``): an example,
    not a document."""
    with_string, with_number = [], []
    in_string = False
    index = 0
    while index < len(code):
        token = next((t for t in tokens if code.startswith(t, index)), None)
        if token is not None:
            with_string.append("x" if in_string else '"x"')
            with_number.append("x" if in_string else "1")
            index += len(token)
            continue
        char = code[index]
        if in_string and char == "\\":
            piece = code[index:index + 2]
            index += 2
        else:
            if char == '"':
                in_string = not in_string
            elif not in_string and (code.startswith("...", index) or char == "\u2026"):
                return None
            piece = char
            index += 1
        with_string.append(piece)
        with_number.append(piece)
    return ["".join(with_string), "".join(with_number)]


def _json_error(text: str) -> _Error | None:
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data" and _json_lines(text):
            return None
        return _Error(_clamp(error.lineno, text), error.msg)
    return None


def _json_lines(text: str) -> bool:
    """JSON Lines: one document per line."""
    try:
        for line in text.splitlines():
            if line.strip():
                json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


def _yaml_module() -> Any:
    try:
        return importlib.import_module("yaml")
    except ImportError:
        return None


def _yaml_error(yaml: Any) -> Callable[[str], _Error | None]:
    def parse(text: str) -> _Error | None:
        try:
            # Composing reads every document's structure without building
            # objects: tags such as CloudFormation's !Ref belong to the tool
            # that reads the file, they are not syntax errors.
            for _node in yaml.compose_all(text, Loader=yaml.SafeLoader):
                pass
        except yaml.MarkedYAMLError as error:
            # Scanner, parser and composer errors (an undefined alias): each
            # marks where the text goes wrong.
            mark = error.problem_mark
            line = mark.line + 1 if mark is not None else 1
            return _Error(_clamp(line, text), str(error.problem or error.context))
        except yaml.YAMLError:
            return None  # an encoding problem: not the command's syntax
        return None

    return parse


# -- the rule -------------------------------------------------------------------


class SyntaxRule:
    """Commands their own language's parser rejects."""

    id = "syntax"
    description = ("Shell, Python, SQL, JSON and YAML commands that do not parse "
                   "(bash -n, compile, sqlglot, json, PyYAML).")

    def check(self, runbook: Entry, commands: list[Entry], context: CheckContext
              ) -> Iterator[tuple[str, Finding]]:
        checked = [command for command in commands if not opted_out(command)]
        shell_errors = self._shell_errors(checked, context.cache_dir)
        for command in checked:
            language = command["language"]
            if language == "shell":
                error = shell_errors.get(command["id"])
                finding = self._finding("shell", error, "fix the command so `bash -n` "
                                        "accepts it: a missing quote, `fi`, `done` or bracket")
            elif language == "python":
                finding = self._finding("Python", self._python(command),
                                        "fix the code so Python can compile it")
            elif language == "sql":
                dialect = _SQL_DIALECTS.get(command["lexer"].lower(), context.sql_dialect)
                finding = self._finding(f"SQL ({dialect})", self._sql(command, dialect),
                                        "fix the statement; use the fence language "
                                        "(mysql, sqlite3...) for another dialect")
            elif language == "json" and command["lexer"].lower() == "json":
                finding = self._finding("JSON", self._json(command),
                                        "fix the JSON (a missing comma or quote, a trailing "
                                        "comma); use a jsonc or json5 fence for comments")
            elif language == "yaml":
                finding = self._finding("YAML", self._yaml(command),
                                        "fix the YAML (indentation, a missing space after "
                                        "`:`, an unclosed quote or bracket)")
            else:
                continue
            if finding is not None:
                yield command["id"], finding

    def _finding(self, language: str, error: _Error | None, hint: str) -> Finding | None:
        if error is None:
            return None
        return Finding(self.id, f"{language} syntax error on line {error.line} of the "
                                f"command: {error.message}", hint)

    def _shell_errors(self, commands: list[Entry], cache_dir: Path | None
                      ) -> dict[str, _Error | None]:
        """``bash -n`` on each shell command, several at a time (each is a process).

        Verdicts are kept on disk per bash binary: a build that re-verifies
        an unchanged site must not start a process per command again.
        """
        bash = shutil.which("bash")
        if bash is None:
            return {}
        texts = {command["id"]: _substitute(command["code"], _reader_tokens(command), "x")
                 for command in commands
                 if command["language"] == "shell" and command["lexer"].lower() in _BASH_LEXERS
                 and command["code"].strip()}
        known = _BashVerdicts.of(cache_dir, bash)
        errors = {text: known.get(text) for text in dict.fromkeys(texts.values())}
        unknown = [text for text, verdict in errors.items() if verdict is _UNKNOWN]
        if len(unknown) > 1:
            with ThreadPoolExecutor(max_workers=min(8, len(unknown))) as pool:
                errors.update(zip(unknown, pool.map(_bash_error, unknown), strict=True))
        else:
            errors.update((text, _bash_error(text)) for text in unknown)
        known.update({text: errors[text] for text in unknown})
        return {command_id: errors[text]
                for command_id, text in texts.items()}

    def _python(self, command: Entry) -> _Error | None:
        code = _without_ipython(command["code"])
        if code is None:
            return None
        # A name fits wherever a placeholder stands for a value or a name.
        return _python_error(_substitute(code, _reader_tokens(command), "x"))

    def _sql(self, command: Entry, dialect: str) -> _Error | None:
        try:
            importlib.import_module("sqlglot")
        except ImportError:
            return None
        sql = _PSQL_VARIABLE.sub("'x'", _without_meta_commands(command["code"]))
        if not sql.strip():
            return None
        tokens = _reader_tokens(command)
        # A literal fits a value (id = <id>), a name fits a table (FROM <table>).
        candidates = [_substitute(sql, tokens, value) for value in ("1", "x")]
        return _first_error(candidates, _sql_error(dialect))

    def _json(self, command: Entry) -> _Error | None:
        if not command["code"].strip():
            return None
        candidates = _json_candidates(command["code"], _reader_tokens(command))
        return None if candidates is None else _first_error(candidates, _json_error)

    def _yaml(self, command: Entry) -> _Error | None:
        yaml = _yaml_module()
        text = _substitute(command["code"], _reader_tokens(command), "x")
        if yaml is None or "{{" in text or "{%" in text:
            return None  # no PyYAML, or a template (Helm, Jinja): not YAML yet
        return _yaml_error(yaml)(text)
