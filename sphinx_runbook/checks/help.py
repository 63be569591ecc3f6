"""``PROGRAM [SUBCOMMAND...] --help``, run in the sandbox and kept between builds.

The flag-drift rule compares the options a runbook uses with the options a
program's help lists.  Asking costs a process per program and subcommand, so
the answers are kept in memory and on disk, one JSON file per program
version: the key is the program's identity (resolved path, size and
modification time, as verification's cache uses), and an upgrade changes it.

Only help is ever asked for: ``--help``, then ``-h`` when ``--help`` printed
nothing useful, then ``PROGRAM help SUB...`` for subcommands.  Git's
subcommands are asked with ``--help-all`` (``-h`` with the hidden options),
then ``-h``: their ``--help`` opens a manual page; at the top git is also asked
``git help -a`` (``git --help`` lists only the common commands).  A help that
says it is a short one (curl's "--help all", ps's "--help <...|all>",
Python's "--help-all") is asked for the full one.  Each run has a clean
environment (``PATH``, ``LANG=C.UTF-8``, an empty ``HOME``, ``PAGER=cat``,
``TERM=dumb``, ``NO_COLOR=1``), stdin closed, no network and ten seconds,
inside the verification sandbox (bubblewrap, as an unprivileged user when the
build runs as root) or as a plain process.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
import re
import shutil
import sys
import tempfile
import threading
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomically
from ..verify.cache import program_identity
from ..verify.process import run_process
from ..verify.sandbox import Backend, worker_environment
from ..verify.settings import FIXED_ENVIRONMENT

#: Bump when what is asked or how it is read changes: old cache files are ignored.
CACHE_FORMAT = 1
#: Seconds one help may take; a program still running then is interactive.
TIMEOUT = 10.0
#: A help longer than this is not a help (a program that printed data instead).
MAX_HELP_BYTES = 512 * 1024

#: Programs never started, whatever they are asked.
NEVER_RUN = frozenset({"shutdown", "reboot", "halt", "poweroff", "telinit", "init"})

#: Starts the program in the sandbox: drop root first (as the worker does),
#: move into an empty directory in the empty home (for git: an empty
#: repository, made by hand, where ``git stash push -h`` answers instead of
#: "not a git repository"), then become the program; exit 127 with a marker
#: when it cannot start.  Arguments: repository (0/1), path, argv[0], argv[1:].
_TRAMPOLINE = """\
import os, sys
sys.path[:0] = {path!r}
from sphinx_runbook.verify.process import drop_privileges
drop_privileges()
for base in (os.environ.get("HOME", "/tmp"), "/var/tmp"):
    work = os.path.join(base, "runbook-help")
    try:
        os.makedirs(work, exist_ok=True)
        if sys.argv[1] == "1":
            for name in ("objects", "refs/heads", "refs/tags"):
                os.makedirs(os.path.join(work, ".git", name), exist_ok=True)
            with open(os.path.join(work, ".git", "HEAD"), "w") as head:
                head.write("ref: refs/heads/main\\n")
        os.chdir(work)
    except OSError:
        continue
    os.environ["HOME"] = base
    break
sys.stderr.write({ready!r})
sys.stderr.flush()
try:
    os.execv(sys.argv[2], sys.argv[3:])
except OSError as error:
    sys.stderr.write({marker!r} + str(error))
    sys.exit(127)
"""
_CANNOT_START = "sphinx-runbook: cannot start the program: "
#: Written just before the program starts: without it, the sandbox failed.
_READY = "sphinx-runbook: help:\n"

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_OVERSTRIKE = re.compile(r".\x08")

#: Lines that say a word was not understood: an option, a command.
UNKNOWN = re.compile(
    r"(?:unrecogni[sz]ed|unknown|invalid|illegal|bad|unsupported)\s+"
    r"(?:option|argument|flag|switch|command|subcommand|object|action|operation)"
    r"|\bis not an? [\w-]+ command\b|\bis unknown\b|\bno such (?:sub)?command\b"
    r"|\bunknown (?:sub)?command\b|\bcommand not found\b|\bnot a valid command\b"
    r"|\bnot an? (?:valid )?(?:option|command)\b|\bhas no (?:sub)?command\b"
    r"|\binvalid choice\b|\bdid you mean\b", re.IGNORECASE)
#: What a help has that an error message has not.
_HELP_LIKE = re.compile(r"\busage\b|\boptions?:|^\s*-{1,2}\w", re.IGNORECASE | re.MULTILINE)
#: Helps that announce a longer one: ``--help all`` (curl, ps), ``--help-all``.
_SHORT_HELP = (
    (re.compile(r"--help[ =]?[\"']?(?:all\b|<[^>\n]*\ball\b)"), ("--help", "all")),
    (re.compile(r"--help-all\b"), ("--help-all",)),
)


def strip_ansi(text: str) -> str:
    """Text without colours, cursor moves and man-page overstrike."""
    return _OVERSTRIKE.sub("", _ANSI.sub("", text))


@dataclass(frozen=True)
class HelpResult:
    """What one help request printed."""

    #: stdout then stderr, colours removed.
    text: str
    #: The exit status; None when it timed out or printed too much.
    status: int | None
    #: The arguments given after the program: ``["stash", "-h"]``.
    arguments: tuple[str, ...]
    #: Whether the text reads as a help (not empty, not only an error).
    useful: bool

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "arguments": list(self.arguments)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HelpResult:
        return cls(text=str(data["text"]), status=data["status"],
                   arguments=tuple(str(a) for a in data["arguments"]),
                   useful=bool(data["useful"]))


def looks_useful(text: str, status: int | None) -> bool:
    """Whether a program's answer to a help request is a help.

    Empty output, a time-out and a short error ("unrecognized option
    '--help'", "'x' is not a git command") are not.
    """
    if status is None or not text.strip():
        return False
    if status == 0:
        return True
    # A failure: a help only if it reads as one ("usage:", an option list),
    # and not a short complaint about a word it does not know.
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) <= 8 and any(UNKNOWN.search(line) for line in lines):
        return False
    return _HELP_LIKE.search(text) is not None


def unknown_word(text: str, word: str) -> str | None:
    """The line of ``text`` saying ``word`` (quoted) is unknown, if any.

    ``git: 'x' is not a git command``, ``unknown subcommand: `x'``,
    ``Object "x" is unknown``; not ``"--help" is unknown, try "ip link help"``.
    """
    mention = re.compile(rf"[\"'`\u2018\u201c]{re.escape(word)}[\"'`\u2019\u201d]")
    for line in text.splitlines():
        if UNKNOWN.search(line) and mention.search(line):
            return line.strip()
    return None


class HelpProvider:
    """``PROGRAM [SUB...] --help`` text, from the sandbox or the cache.

    ``HelpProvider(cache_dir, backend)(program, subcommands)`` is the help text
    or None when the program is not installed (on ``path``, the caller's PATH
    by default) or gives no help.  :meth:`result` also says how it exited,
    which tells a removed subcommand from one without help.
    """

    def __init__(self, cache_dir: Path | None, backend: Backend, path: str | None = None,
                 *, timeout: float = TIMEOUT) -> None:
        self.cache_dir = cache_dir
        self.backend = backend
        self.path = path if path is not None else _search_path()
        self.timeout = timeout
        self._memory: dict[tuple[str, tuple[str, ...]], HelpResult | None] = {}
        self._mentioned: dict[tuple[str, str], bool] = {}
        self._lock = threading.RLock()
        #: Processes started (not answered from a cache): for tests and reports.
        self.runs = 0

    def __call__(self, program: str, subcommands: tuple[str, ...] = ()) -> str | None:
        result = self.result(program, subcommands)
        return result.text if result is not None and result.useful else None

    def result(self, program: str, subcommands: tuple[str, ...] = ()) -> HelpResult | None:
        """The help request's outcome; None when the program cannot be started."""
        subcommands = tuple(subcommands)
        if not _plain_program(program) or program in NEVER_RUN:
            return None
        identity = program_identity(program, self.path)
        if identity == "missing":
            return None
        key = (identity, subcommands)
        with self._lock:
            if key in self._memory:
                return self._memory[key]
            stored = self._read(identity, subcommands)
            if stored is not None:
                self._memory[key] = stored
                return stored
            result = self._ask(program, subcommands)
            self._memory[key] = result
            if result is not None:
                self._write(identity, program, subcommands, result)
            return result

    def mentions(self, program: str, word: str) -> bool:
        """Whether the program's file holds ``word``: read, never run.

        Helps leave out undocumented aliases (``date --rfc-2822`` beside the
        listed ``--rfc-email``) that the program still takes; their names stay
        in its option table.  A file that cannot be read counts as holding it.
        """
        found = shutil.which(program, path=self.path) if _plain_program(program) else None
        if found is None:
            return False
        identity = program_identity(program, self.path)
        key = (identity, word)
        with self._lock:
            if key not in self._mentioned:
                self._mentioned[key] = _file_holds(Path(found).resolve(), word.encode())
            return self._mentioned[key]

    # -- asking -------------------------------------------------------------

    def _attempts(self, program: str, subcommands: tuple[str, ...]) -> list[tuple[str, ...]]:
        if program == "git":
            # "git SUB --help" opens a manual page; "--help-all" is "-h" with the
            # hidden options (commands without parse-options reject it: then "-h").
            if not subcommands:
                return [("--help",)]
            return [(*subcommands, "--help-all"), (*subcommands, "-h")]
        attempts = [(*subcommands, "--help"), (*subcommands, "-h")]
        if subcommands:
            attempts.append(("help", *subcommands))
        return attempts

    def _ask(self, program: str, subcommands: tuple[str, ...]) -> HelpResult | None:
        found = shutil.which(program, path=self.path)
        if found is None:
            return None
        first: HelpResult | None = None
        for arguments in self._attempts(program, subcommands):
            result = self._run(found, program, arguments)
            if result is None:
                return None
            first = first or result
            if subcommands and unknown_word(result.text, subcommands[-1]):
                return result  # "'x' is not a git command": no other way to ask helps
            if result.useful:
                return self._complete(found, program, subcommands, result)
        return first

    def _complete(self, found: str, program: str, subcommands: tuple[str, ...],
                  result: HelpResult) -> HelpResult:
        """The full help where the short one says there is one."""
        if program == "git" and not subcommands:
            every = self._run(found, program, ("help", "-a"))
            if every is not None and every.useful:
                return HelpResult(result.text + "\n" + every.text, result.status,
                                  result.arguments, True)
            return result
        for pattern, extra in _SHORT_HELP:
            if pattern.search(result.text) and extra != result.arguments[-len(extra):]:
                longer = self._run(found, program, (*subcommands, *extra))
                if longer is not None and longer.useful and \
                        _option_count(longer.text) > _option_count(result.text):
                    return longer
                break
        return result

    def _run(self, found: str, program: str, arguments: tuple[str, ...]) -> HelpResult | None:
        """One help request; None when the program could not be started at all."""
        self.runs += 1
        trampoline = _TRAMPOLINE.format(path=[p for p in sys.path if p], marker=_CANNOT_START,
                                        ready=_READY)
        argv = self.backend.command(
            [sys.executable, "-c", trampoline, "1" if program == "git" else "0", found, program,
             *arguments], network=False)
        with tempfile.TemporaryDirectory(prefix="runbook-help-") as scratch:
            home = Path(scratch) / "home"
            home.mkdir()
            sandboxed = self.backend.name == "bwrap"
            env = {**FIXED_ENVIRONMENT, "PATH": self.path, "MANPAGER": "cat",
                   "COLUMNS": "200", "HOME": "/tmp" if sandboxed else str(home)}
            if sandboxed:
                env.update(worker_environment())
            outcome = run_process(argv, env=env, cwd=str(home), timeout=self.timeout,
                                  token=f"help-{uuid.uuid4().hex}",
                                  capture=Path(scratch) / "output",
                                  output_cap=MAX_HELP_BYTES)
        if outcome.error is not None or not outcome.stderr.startswith(_READY) or (
                outcome.exit_status == 127 and _CANNOT_START in outcome.stderr):
            return None  # the sandbox, or the program, could not start
        text = strip_ansi(outcome.stdout + outcome.stderr[len(_READY):])
        status = outcome.exit_status
        if outcome.timed_out or outcome.stdout_dropped or outcome.stderr_dropped:
            status = None
        return HelpResult(text, status, arguments, looks_useful(text, status))

    # -- the disk cache -----------------------------------------------------

    def _file(self, identity: str, program: str) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256(f"{CACHE_FORMAT}\0{identity}".encode()).hexdigest()[:32]
        name = re.sub(r"[^\w.+-]", "_", program)[:64]
        return self.cache_dir / f"{name}-{digest}.json"

    def _load(self, identity: str, program: str) -> dict[str, Any]:
        target = self._file(identity, program)
        if target is None:
            return {}
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("identity") != identity or \
                data.get("format") != CACHE_FORMAT or not isinstance(data.get("helps"), dict):
            return {}
        return data

    def _read(self, identity: str, subcommands: tuple[str, ...]) -> HelpResult | None:
        program = _program_of(identity)
        entry = self._load(identity, program).get("helps", {}).get(_key(subcommands))
        if entry is None:
            return None
        try:
            return HelpResult.from_dict(entry)
        except (KeyError, TypeError, ValueError):
            return None

    def _write(self, identity: str, program: str, subcommands: tuple[str, ...],
               result: HelpResult) -> None:
        target = self._file(identity, _program_of(identity))
        if target is None:
            return
        data = self._load(identity, _program_of(identity)) or {
            "format": CACHE_FORMAT, "identity": identity, "program": program, "helps": {}}
        data["helps"][_key(subcommands)] = result.to_dict()
        with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
            write_text_atomically(json.dumps(data, ensure_ascii=False, sort_keys=True),
                                  target, prefix=".help-")


def _search_path() -> str:
    return os.environ.get("PATH", os.defpath)


def _file_holds(path: Path, data: bytes) -> bool:
    try:
        with path.open("rb") as stream:
            if os.fstat(stream.fileno()).st_size == 0:
                return False
            with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                return mapped.find(data) != -1
    except (OSError, ValueError):
        return True


def _option_count(text: str) -> int:
    """How many different long options a help names (``--help`` aside: short helps name it)."""
    return len(set(re.findall(r"(?<![\w-])--[A-Za-z0-9][\w-]*", text)) - {"--help"})


def _plain_program(program: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9_][\w.+-]*", program))


def _program_of(identity: str) -> str:
    """The file name part of an identity (``/usr/bin/grep:1234:5678`` -> ``grep``)."""
    return Path(identity.rsplit(":", 2)[0]).name


def _key(subcommands: tuple[str, ...]) -> str:
    return json.dumps(list(subcommands))
