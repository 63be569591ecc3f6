"""One Jupyter kernel per runbook, so Python state carries over between its commands.

A runbook's Python steps are written to be pasted one after the other into the
same interpreter (``client = connect()`` in one step, ``client.status()`` in
the next), so running each in a fresh ``python -c`` would fail for reasons the
documentation is not to blame for.  :class:`KernelSession` keeps one kernel
alive for the whole runbook and turns each execution into an
:class:`~sphinx_runbook.verify.results.Outcome`, the shape every other runner
produces.

jupyter-client is imported inside the methods that need it: importing this
module happens in every verification worker, most runbooks have no Python
steps, and jupyter-client pulls in zmq, tornado and traitlets.

Each session owns its own ``KernelManager``, client and zmq contexts, and
jupyter-client's blocking calls run on an event loop private to the calling
thread, so several sessions can run at once, one per thread.  A single
session must be used from one thread at a time (a lock makes concurrent calls
wait for each other instead of mixing up messages).
"""

from __future__ import annotations

import ast
import contextlib
import os
import queue
import re
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from .results import Outcome

if TYPE_CHECKING:
    from jupyter_client.blocking.client import BlockingKernelClient
    from jupyter_client.manager import KernelManager

__all__ = ["KernelError", "KernelSession"]

#: Building a ``KernelManager`` and launching its process touches state that
#: jupyter-client shares across the process without locking: traitlets
#: singletons (the provisioner factory) and the cache of reserved ports.
#: Launching takes a fraction of a second (the slow part, waiting for the
#: kernel to answer, happens outside the lock), so sessions in other threads
#: hardly wait for it.
_LAUNCH_LOCK = threading.Lock()

#: How often to look up from an empty channel to check the kernel is still
#: alive: a kernel that dies sends nothing, so without this a crash would
#: look like a timeout.
_POLL = 0.5

#: CSI sequences (colours, cursor moves) and OSC sequences (hyperlinks):
#: IPython colours its tracebacks, which nobody reading a report wants.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")

#: Variables ipykernel, IPython and the launcher put into the kernel's
#: ``os.environ`` on their own (colours forced on for a terminal that is not
#: there, ``PAGER=cat``, the inline matplotlib backend, the parent's pid).
#: Commands would pass them on to the programs they start -- ``git`` would
#: print colour codes -- so they are reset to what the caller asked for.
_KERNEL_ADDED_VARIABLES = (
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "FORCE_COLOR",
    "GIT_PAGER",
    "JPY_PARENT_PID",
    "MPLBACKEND",
    "PAGER",
    "PYDEVD_USE_FRAME_EVAL",
    "TERM",
)

#: Evaluated by the kernel after each command (a ``user_expressions`` entry
#: does not show up in the output, the history or the execution count), so a
#: command that changes directory is reported in the directory it ran in.
_CWD_KEY = "sphinx_runbook_cwd"
_CWD_EXPRESSION = "__import__('os').getcwd()"

#: How much of the kernel's own log (its process stdout and stderr) an error
#: message quotes when the kernel dies.
_LOG_TAIL = 2000


class KernelError(RuntimeError):
    """The kernel cannot start: jupyter-client is missing, there is no kernel
    of that name, or the kernel process died (or never answered) at start."""


@dataclass
class _Exchange:
    """What came back for one execute request."""

    msg_id: str
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    #: ``ename``/``evalue`` of the error message, if the code raised.
    error: tuple[str, str] | None = None
    #: The kernel reported ``idle`` for this request: all its output is in.
    idle: bool = False
    reply: dict[str, Any] | None = None
    #: Set once the kernel was interrupted: the ``KeyboardInterrupt`` that
    #: follows is ours, not the command's.
    interrupted: bool = False

    @property
    def done(self) -> bool:
        return self.idle and self.reply is not None


class KernelSession:
    """A Jupyter kernel that runs one runbook's commands, in order.

    ``env`` is *all* the environment the kernel gets: nothing is inherited
    from this process (its secrets must not reach the commands), and the
    variables ipykernel sets on its own are removed again once it is up
    (``JPY_PARENT_PID`` stays in the process environment of a Python kernel
    only until then).  For a Python kernel, set at least:

    * ``PATH``: programs the commands start (the kernel itself is started
      with this interpreter's ``sys.executable`` when its spec says
      ``python``, as ipykernel's does, so it does not need ``PATH``);
    * ``HOME``: a private directory, so nothing reads the real one;
    * ``LANG`` (``C.UTF-8``): the encoding of the kernel's own I/O;
    * ``IPYTHONDIR``, ``JUPYTER_CONFIG_DIR``, ``JUPYTER_DATA_DIR`` and
      ``JUPYTER_RUNTIME_DIR``: private directories, so the user's IPython
      profile (startup scripts!) and Jupyter configuration stay out;
    * ``PYTHONPATH`` only if the commands need modules that are not
      installed where the interpreter finds them.

    The kernel *spec* is looked up by this process (``sys.prefix`` of this
    interpreter, ``JUPYTER_PATH`` and the data directories of *this*
    environment), so a spec installed in the virtual environment is found
    whatever ``env`` says.

    ``runtime_dir`` receives the connection file (private to the user, it
    holds the key that signs messages) and the kernel's log; both are
    removed by :meth:`close`.
    """

    #: Seconds an interrupted command gets to stop before the kernel is
    #: killed (a command can catch ``KeyboardInterrupt`` or sit in C code
    #: that never checks for signals).
    interrupt_grace: float = 5.0

    def __init__(self, kernel_name: str, *, cwd: str, env: dict[str, str],
                 runtime_dir: str) -> None:
        self.kernel_name = kernel_name
        self.cwd = cwd
        self.env = dict(env)
        self.runtime_dir = runtime_dir
        self._lock = threading.Lock()
        self._km: KernelManager | None = None
        self._kc: BlockingKernelClient | None = None
        self._log: IO[bytes] | None = None
        self._log_path = Path(runtime_dir) / f"kernel-{uuid.uuid4()}.log"
        self._start_timeout = 60.0
        self._started = False
        self._closed = False
        #: Only Python kernels understand the setup code and the cwd query.
        self._python = False
        #: The directory the next command starts in.
        self._current_cwd = cwd
        #: Why the kernel must be replaced before the next command, when it
        #: was killed or exited (``exit()``) after the previous one.
        self._restart_reason: str | None = None

    # -- life cycle ----------------------------------------------------------

    def start(self, timeout: float = 60.0) -> None:
        """Start the kernel and wait (at most ``timeout`` seconds) until it answers.

        Raises :class:`KernelError` when it cannot.  Starting a started
        session does nothing.
        """
        with self._lock:
            if self._closed:
                raise KernelError("the kernel session is closed")
            if self._started:
                return
            self._start_timeout = timeout
            try:
                self._launch(timeout)
            except KernelError:
                # A failed start is often followed by no close() (``with``
                # does not call __exit__ when __enter__ raises): leave nothing.
                self._close_log()
                raise
            self._started = True

    def close(self) -> None:
        """Kill the kernel (and whatever it started in its process group) and clean up."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._shutdown()
            self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
        with contextlib.suppress(OSError):
            self._log_path.unlink()

    def __enter__(self) -> KernelSession:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """The kernel's process id (``None`` when no kernel is running)."""
        provisioner = self._km.provisioner if self._km is not None else None
        pid = getattr(provisioner, "pid", None)
        return pid if isinstance(pid, int) else None

    # -- running commands ----------------------------------------------------

    def run(self, code: str, timeout: float) -> Outcome:
        """Run ``code`` in the kernel and say what happened.

        ``stdout`` holds the ``stdout`` stream and the ``text/plain`` form of
        results and displayed objects, in the order they came; ``stderr`` the
        ``stderr`` stream and, when the code raised, the traceback (without
        colours) ending with ``ename: evalue``.  The exit status is 0, or 1
        when the code raised (``SystemExit`` gives its code, as ``python``
        would).  At ``timeout`` the kernel is interrupted and the outcome is
        ``timed_out``; the kernel and its state stay for the next command --
        unless the command did not stop within :attr:`interrupt_grace`
        seconds, in which case the kernel is killed (``stderr`` says so) and
        the next command gets a new one.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("run() on a closed kernel session")
            if not self._started:
                raise RuntimeError("run() before start()")
            notes: list[str] = []
            if self._restart_reason is None and (self._km is None or not self._km.is_alive()):
                # Killed from outside, or it crashed after its last reply:
                # nothing reported it yet, so this command's output does.
                notes.append("the kernel had died since the previous command: started a new "
                             "one, without the Python state of earlier commands")
                self._restart_reason = "the kernel had died"
            if self._restart_reason is not None:
                try:
                    self._shutdown()
                    self._launch(self._start_timeout)
                except KernelError as exc:
                    # Not run at all; the next command tries again.
                    return Outcome(exit_status=None, error=f"{exc} (restarting it: "
                                   f"{self._restart_reason})", stderr=_lines(notes),
                                   cwd=self._current_cwd)
                self._restart_reason = None
            return self._run(code, timeout, notes)

    def _run(self, code: str, timeout: float, notes: list[str]) -> Outcome:
        kc = self._client()
        cwd = self._current_cwd
        started = time.monotonic()
        exchange = _Exchange(kc.execute(
            code, silent=False, store_history=True, allow_stdin=False,
            # Commands run one at a time, so there is never a queue to abort;
            # with True, ipykernel may drop the *next* request after an error.
            stop_on_error=False,
            user_expressions={_CWD_KEY: _CWD_EXPRESSION} if self._python else {}))
        state = self._collect(exchange, started + timeout)
        timed_out = state == "timeout"
        if timed_out:
            exchange.interrupted = True
            with contextlib.suppress(RuntimeError):  # it died just now: seen below
                self._manager().interrupt_kernel()
            state = self._collect(exchange, time.monotonic() + self.interrupt_grace)
            if state == "timeout":
                self._shutdown()
                self._restart_reason = "the previous command did not stop when interrupted"
                notes.append(f"the command did not stop within {self.interrupt_grace:g} s of an "
                             "interrupt: killed the kernel; the next command gets a new one, "
                             "without the Python state of earlier commands")
        duration = time.monotonic() - started

        outcome = Outcome(exit_status=None, stdout="".join(exchange.stdout), duration=duration,
                          timed_out=timed_out, cwd=cwd)
        stderr = "".join(exchange.stderr)
        if state == "died":
            status = self._exit_code()
            self._shutdown()
            self._restart_reason = "the kernel died"
            outcome.error = (f"the kernel died while running the command (exit status {status})"
                             + self._log_tail())
            notes.append("the kernel died: the next command gets a new one, without the Python "
                         "state of earlier commands")
        elif state == "done" and not timed_out:
            assert exchange.reply is not None
            outcome.exit_status, stderr = self._judge(exchange, stderr)
            if any(payload.get("source") == "ask_exit"
                   for payload in exchange.reply.get("payload", [])):
                # exit()/quit(): the kernel replies, then stops.
                self._restart_reason = "the previous command exited the kernel"
                notes.append("the command exited the kernel: the next command gets a new one, "
                             "without the Python state of earlier commands")
        if self._restart_reason is None and self._python:
            self._current_cwd = self._query_cwd(exchange.reply) or self._current_cwd
        elif self._restart_reason is not None:
            self._current_cwd = self.cwd
        if notes:
            stderr += ("" if not stderr or stderr.endswith("\n") else "\n") + _lines(notes)
        outcome.stderr = stderr
        return outcome

    def _judge(self, exchange: _Exchange, stderr: str) -> tuple[int | None, str]:
        """The exit status of a finished request, and its stderr ending with the error."""
        assert exchange.reply is not None
        status = exchange.reply.get("status")
        if status == "ok":
            return 0, stderr
        if status == "aborted":
            return None, stderr + "the kernel aborted the command\n"
        # The iopub error message is normally there; the reply has the same fields.
        ename, evalue = exchange.error or (str(exchange.reply.get("ename", "Error")),
                                           str(exchange.reply.get("evalue", "")))
        summary = f"{ename}: {evalue}" if evalue else ename
        # Other stderr output can come after the traceback (IPython warns
        # after a SystemExit), so the summary is checked on the whole text.
        last = stderr.rstrip("\n").rsplit("\n", 1)[-1].rstrip()
        if last != summary.rstrip():
            stderr += ("" if not stderr or stderr.endswith("\n") else "\n") + summary + "\n"
        if ename == "SystemExit":
            return _system_exit_status(evalue), stderr
        return 1, stderr

    def _collect(self, exchange: _Exchange, deadline: float) -> str:
        """Read the request's output and reply until it is ``done``, the
        ``timeout`` deadline passes or the kernel ``died``."""
        kc = self._client()
        while not exchange.done:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            # ipykernel sends the reply before going idle, but both travel on
            # separate sockets: read all output first, then the reply.
            get = kc.get_shell_msg if exchange.idle else kc.get_iopub_msg
            try:
                msg: dict[str, Any] = get(timeout=min(remaining, _POLL))
            except queue.Empty:
                if not self._manager().is_alive():
                    return "died"
                continue
            # Anything else is left over from an earlier request (a reply to
            # an interrupted command that came too late, a kernel_info...).
            if msg.get("parent_header", {}).get("msg_id") != exchange.msg_id:
                continue
            if exchange.idle:
                exchange.reply = msg["content"]
            else:
                _take(exchange, msg)
        return "done"

    def _query_cwd(self, reply: dict[str, Any] | None) -> str | None:
        """The kernel's working directory now, or ``None`` if it will not say."""
        expressions = (reply or {}).get("user_expressions") or {}
        if _CWD_KEY not in expressions:
            # ipykernel evaluates user_expressions only after code that ran
            # without an error; ask again, silently (not in history or output).
            exchange = _Exchange(self._client().execute(
                "", silent=True, store_history=False, allow_stdin=False, stop_on_error=False,
                user_expressions={_CWD_KEY: _CWD_EXPRESSION}))
            if self._collect(exchange, time.monotonic() + 5.0) != "done":
                return None
            expressions = (exchange.reply or {}).get("user_expressions") or {}
        result = expressions.get(_CWD_KEY) or {}
        if result.get("status") != "ok":
            return None
        try:
            cwd = ast.literal_eval(result.get("data", {}).get("text/plain", ""))
        except (ValueError, SyntaxError):
            return None
        return cwd if isinstance(cwd, str) else None

    # -- the kernel process --------------------------------------------------

    def _launch(self, timeout: float) -> None:
        """Start a kernel and a client connected to it (or raise KernelError)."""
        try:
            from jupyter_client.kernelspec import NoSuchKernel
            from jupyter_client.manager import KernelManager
        except ImportError as exc:
            raise KernelError("cannot run Python commands in a kernel: jupyter-client is not "
                              f"installed ({exc})") from exc
        runtime = Path(self.runtime_dir)
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self._log is None:
            # The kernel's own stdout and stderr (its start-up warnings, the
            # reason it crashed, what C code writes to the file descriptors):
            # this process's terminal is not the place for them.
            self._log = self._log_path.open("ab")
        with _LAUNCH_LOCK:
            km = KernelManager(kernel_name=self.kernel_name,
                               connection_file=str(runtime / f"kernel-{uuid.uuid4()}.json"))
            try:
                spec = km.kernel_spec
            except NoSuchKernel:
                installed = sorted(km.kernel_spec_manager.find_kernel_specs())
                raise KernelError(f"no Jupyter kernel named {self.kernel_name!r} (installed: "
                                  f"{', '.join(installed) or 'none'})") from None
            self._python = spec is not None and spec.language.lower() == "python"
            try:
                # A copy: jupyter-client adds JPY_PARENT_PID to the dict it gets.
                km.start_kernel(cwd=self.cwd, env=dict(self.env), stdout=self._log,
                                stderr=self._log)
            except Exception as exc:  # OSError from Popen, RuntimeError from the provisioner
                raise KernelError(f"cannot start the kernel {self.kernel_name!r}: {exc}") from exc
            self._km = km
        kc = km.client()
        # Only what run() uses: no stdin (allow_stdin=False makes input()
        # fail at once instead of hanging), no heartbeat thread (the
        # manager watches the process itself), no control channel
        # (interrupts are signals).
        kc.start_channels(shell=True, iopub=True, stdin=False, hb=False, control=False)
        self._kc = kc
        try:
            kc.wait_for_ready(timeout=timeout)
            if self._python:
                self._reset_environment()
        except (RuntimeError, KernelError) as exc:
            tail = self._log_tail()
            self._shutdown()
            raise KernelError(f"the kernel {self.kernel_name!r} did not start: {exc}"
                              + tail) from exc
        self._current_cwd = self.cwd

    def _reset_environment(self) -> None:
        """Put the variables the kernel set on its own back to what the caller asked for."""
        restore = {name: self.env[name] for name in _KERNEL_ADDED_VARIABLES if name in self.env}
        # A name nobody's code uses, deleted again: the namespace stays clean.
        code = ("import os as _runbook_os\n"
                f"for _runbook_name in {_KERNEL_ADDED_VARIABLES!r}:\n"
                "    _runbook_os.environ.pop(_runbook_name, None)\n"
                f"_runbook_os.environ.update({restore!r})\n"
                "del _runbook_os, _runbook_name\n")
        exchange = _Exchange(self._client().execute(
            code, silent=True, store_history=False, allow_stdin=False, stop_on_error=False))
        state = self._collect(exchange, time.monotonic() + 10.0)
        if state != "done" or (exchange.reply or {}).get("status") != "ok":
            raise KernelError(f"could not set up its environment ({state}: "
                              f"{''.join(exchange.stderr).strip()})")

    def _shutdown(self) -> None:
        """Stop the client and kill the kernel's process group; never raises."""
        kc, km = self._kc, self._km
        self._kc = self._km = None
        if kc is not None:
            with contextlib.suppress(Exception):
                kc.stop_channels()
        if km is None:
            return
        # Kept before shutdown_kernel forgets the process.
        process = getattr(km.provisioner, "process", None)
        pgid = getattr(km.provisioner, "pgid", None)
        try:
            # now=True: SIGKILL to the whole process group (the kernel was
            # started in a session of its own, so commands' children go too),
            # then wait for it, remove the connection file, close the sockets.
            km.shutdown_kernel(now=True)
        except Exception:
            # Whatever went wrong in jupyter-client, leave no process behind.
            if isinstance(pgid, int):
                with contextlib.suppress(OSError):
                    os.killpg(pgid, signal.SIGKILL)
            if process is not None:
                with contextlib.suppress(Exception):
                    process.kill()
                    process.wait(5)

    def _exit_code(self) -> int | None:
        process = getattr(self._km.provisioner if self._km else None, "process", None)
        code = process.poll() if process is not None else None
        return code if isinstance(code, int) else None

    def _log_tail(self) -> str:
        if self._log is not None:
            self._log.flush()
        try:
            text = self._log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        # ipykernel's warning that TCP on localhost is not encrypted comes at
        # every start and explains nothing.
        lines = [line for line in text.splitlines() if "without encryption" not in line]
        tail = "\n".join(lines).strip()[-_LOG_TAIL:]
        return f"\nkernel log:\n{tail}" if tail else ""

    def _client(self) -> BlockingKernelClient:
        if self._kc is None:
            raise RuntimeError("no kernel is running")
        return self._kc

    def _manager(self) -> KernelManager:
        if self._km is None:
            raise RuntimeError("no kernel is running")
        return self._km


def _take(exchange: _Exchange, msg: dict[str, Any]) -> None:
    """Add one iopub message to what the request produced."""
    kind = msg.get("msg_type")
    content: dict[str, Any] = msg.get("content", {})
    if kind == "stream":
        target = exchange.stderr if content.get("name") == "stderr" else exchange.stdout
        target.append(str(content.get("text", "")))
    elif kind in ("execute_result", "display_data"):
        text = content.get("data", {}).get("text/plain")
        if isinstance(text, str):
            # Printed the way the interactive prompt shows it: one per line.
            exchange.stdout.append(text if text.endswith("\n") else text + "\n")
    elif kind == "error" and not exchange.interrupted:
        exchange.error = (str(content.get("ename", "")), str(content.get("evalue", "")))
        traceback = _ANSI.sub("", "\n".join(content.get("traceback", [])))
        exchange.stderr.append(traceback if traceback.endswith("\n") else traceback + "\n")
    elif kind == "status" and content.get("execution_state") == "idle":
        exchange.idle = True


def _system_exit_status(evalue: str) -> int:
    """The status ``python`` exits with after ``raise SystemExit(evalue)``."""
    value = evalue.strip()
    if value in ("", "None"):
        return 0
    try:
        return int(value) & 0xFF
    except ValueError:
        return 1  # a message, which Python prints before exiting with 1


def _lines(notes: list[str]) -> str:
    return "".join(f"sphinx-runbook: {note}\n" for note in notes)
