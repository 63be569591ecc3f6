"""KernelSession against a real ipykernel.

Starting a kernel takes about a second, so tests whose state does not matter
share one session; only tests that need a fresh environment, or that kill the
kernel, start their own.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("jupyter_client", reason="jupyter-client is needed to run Python kernels")
pytest.importorskip("ipykernel", reason="ipykernel is needed to run Python kernels")

from sphinx_runbook.verify.kernel import KernelError, KernelSession

KERNEL = "python3"

Factory = Callable[..., KernelSession]


def minimal_env(base: Path) -> dict[str, str]:
    """Only what a sandbox would give the kernel: nothing of this process's environment."""
    home = base / "home"
    home.mkdir(exist_ok=True)
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "IPYTHONDIR": str(base / ".ipython"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "JUPYTER_DATA_DIR": str(base / "data"),
        "JUPYTER_CONFIG_DIR": str(base / "config"),
    }


def make_session(base: Path, **kwargs: object) -> KernelSession:
    work = base / "work"
    work.mkdir(exist_ok=True)
    session = KernelSession(KERNEL, cwd=str(work), env=minimal_env(base),
                            runtime_dir=str(base / "runtime"))
    for name, value in kwargs.items():
        setattr(session, name, value)
    return session


def gone(pid: int) -> bool:
    """No such process, or only a zombie (dead; in a container, init may never reap it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


@pytest.fixture
def new_session(tmp_path: Path) -> Iterator[Factory]:
    """Sessions started (and always closed) inside one test."""
    sessions: list[KernelSession] = []

    def factory(**kwargs: object) -> KernelSession:
        base = tmp_path / f"s{len(sessions)}"
        base.mkdir()
        session = make_session(base, **kwargs)
        sessions.append(session)
        session.start()
        return session

    yield factory
    for session in sessions:
        session.close()


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KernelSession]:
    """One kernel for the tests that do not care what ran before them."""
    with make_session(tmp_path_factory.mktemp("kernel")) as shared:
        yield shared


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KernelSession]:
    """A kernel the tests kill; each leaves it for the next one to replace."""
    with make_session(tmp_path_factory.mktemp("scratch"), interrupt_grace=1.0) as disposable:
        yield disposable


def test_state_carries_over_between_runs(session: KernelSession) -> None:
    first = session.run("x = 41", timeout=10)
    second = session.run("print(x + 1)", timeout=10)

    assert (first.exit_status, first.stdout, first.stderr) == (0, "", "")
    assert (second.exit_status, second.stdout, second.stderr) == (0, "42\n", "")
    assert second.error is None
    assert not second.timed_out
    assert 0 < second.duration < 10


def test_an_expression_result_is_output(session: KernelSession) -> None:
    outcome = session.run("1+1", timeout=10)

    assert (outcome.exit_status, outcome.stdout) == (0, "2\n")


def test_results_displays_and_prints_come_in_order(session: KernelSession) -> None:
    outcome = session.run("from IPython.display import display\n"
                          "print('a'); display(3); print('b')\n'c'", timeout=10)

    assert outcome.stdout == "a\n3\nb\n'c'\n"


def test_stderr_is_kept_apart(session: KernelSession) -> None:
    outcome = session.run("import sys; print('out'); print('oops', file=sys.stderr)", timeout=10)

    assert (outcome.exit_status, outcome.stdout, outcome.stderr) == (0, "out\n", "oops\n")


def test_an_exception_is_exit_status_1_with_its_traceback(session: KernelSession) -> None:
    outcome = session.run("print('before')\n1/0", timeout=10)

    assert outcome.exit_status == 1
    assert outcome.error is None  # it ran: the exception is the command's
    assert outcome.stdout == "before\n"
    assert "ZeroDivisionError" in outcome.stderr
    assert "Traceback" in outcome.stderr
    assert "\x1b" not in outcome.stderr
    assert outcome.stderr.splitlines()[-1] == "ZeroDivisionError: division by zero"


def test_the_session_goes_on_after_an_exception(session: KernelSession) -> None:
    session.run("kept = 'yes'", timeout=10)
    session.run("raise ValueError('no')", timeout=10)

    assert session.run("print(kept)", timeout=10).stdout == "yes\n"


@pytest.mark.parametrize(("code", "status"), [
    ("sys.exit(3)", 3), ("sys.exit(0)", 0), ("sys.exit()", 0), ("sys.exit('bye')", 1),
])
def test_system_exit_gives_its_status(session: KernelSession, code: str, status: int) -> None:
    outcome = session.run(f"import sys; {code}", timeout=10)

    assert outcome.exit_status == status
    assert outcome.stderr.splitlines()[-1].startswith("SystemExit")


def test_input_fails_instead_of_waiting(session: KernelSession) -> None:
    outcome = session.run("input('password: ')", timeout=10)

    assert outcome.exit_status == 1
    assert not outcome.timed_out


def test_commands_run_in_the_given_directory(session: KernelSession) -> None:
    outcome = session.run("import os; print(os.getcwd())", timeout=10)

    assert outcome.cwd == session.cwd
    assert outcome.stdout == f"{session.cwd}\n"


def test_a_change_of_directory_shows_in_the_next_command(session: KernelSession) -> None:
    sub = Path(session.cwd) / "sub"
    sub.mkdir()
    try:
        moved = session.run(f"import os; os.chdir({str(sub)!r})", timeout=10)
        after = session.run("print(os.getcwd())", timeout=10)
        # Also after a command that failed (the kernel says nothing about it then).
        session.run(f"os.chdir({session.cwd!r}); 1/0", timeout=10)
        back = session.run("pass", timeout=10)
    finally:
        session.run(f"os.chdir({session.cwd!r})", timeout=10)

    assert moved.cwd == session.cwd
    assert (after.cwd, after.stdout) == (str(sub), f"{sub}\n")
    assert back.cwd == session.cwd


def test_a_timeout_interrupts_the_command_and_keeps_the_state(session: KernelSession) -> None:
    session.run("survivor = 7", timeout=10)
    pid = session.pid

    outcome = session.run("print('started', flush=True); import time; time.sleep(30)", timeout=1)
    after = session.run("print(survivor)", timeout=10)

    assert outcome.timed_out
    assert outcome.exit_status is None
    assert outcome.error is None
    assert outcome.stdout == "started\n"
    assert "KeyboardInterrupt" not in outcome.stderr  # our interrupt, not the command's error
    assert 1 <= outcome.duration < 6
    assert (after.exit_status, after.stdout) == (0, "7\n")
    assert session.pid == pid


def test_the_kernel_gets_exactly_the_given_environment(
        new_session: Factory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNBOOK_TEST_SECRET", "hunter2")
    kernel = new_session()

    secret = kernel.run('import os; print(os.environ.get("RUNBOOK_TEST_SECRET"))', timeout=10)
    names = kernel.run("import json; print(json.dumps(sorted(os.environ)))", timeout=10)

    assert secret.stdout == "None\n"
    # Not even what ipykernel adds (TERM, CLICOLOR, JPY_PARENT_PID...).
    assert json.loads(names.stdout) == sorted(kernel.env)


def test_close_leaves_no_process_behind(new_session: Factory) -> None:
    kernel = new_session()
    pid = kernel.pid
    assert pid is not None
    # A child of the kernel, in its process group, must go too.
    child = kernel.run("import subprocess; p = subprocess.Popen(['sleep', '60']); print(p.pid)",
                       timeout=10)
    child_pid = int(child.stdout)
    runtime = Path(kernel.runtime_dir)
    assert list(runtime.glob("kernel-*.json"))

    kernel.close()
    kernel.close()  # idempotent

    assert gone(pid)
    deadline = time.monotonic() + 5
    while not gone(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)  # killed, but reaped by init: not at once
    assert gone(child_pid)
    assert kernel.pid is None
    assert list(runtime.iterdir()) == []  # no connection file, no log
    with pytest.raises(RuntimeError, match="closed"):
        kernel.run("1", timeout=1)


def test_two_sessions_in_two_threads(tmp_path: Path) -> None:
    barrier = threading.Barrier(2)
    results: dict[int, tuple[str, float, float]] = {}
    errors: list[BaseException] = []

    def work(number: int) -> None:
        try:
            base = tmp_path / f"t{number}"
            base.mkdir()
            with make_session(base) as kernel:
                kernel.run(f"n = {number}", timeout=10)
                barrier.wait(timeout=60)
                started = time.monotonic()
                outcome = kernel.run("import time; time.sleep(1); print(n)", timeout=10)
                results[number] = (outcome.stdout, started, time.monotonic())
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(number,)) for number in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    assert results[1][0] == "1\n"
    assert results[2][0] == "2\n"
    # The two one-second sleeps overlapped.
    assert max(end for _, _, end in results.values()) - min(
        start for _, start, _ in results.values()) < 1.9


def test_a_command_that_ignores_the_interrupt_gets_the_kernel_killed(
        scratch: KernelSession) -> None:
    scratch.run("doomed = 1", timeout=10)
    pid = scratch.pid
    assert pid is not None

    outcome = scratch.run("import signal, time\n"
                          "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                          "time.sleep(60)", timeout=1)
    after = scratch.run("print('alive')", timeout=10)
    lost = scratch.run("doomed", timeout=10)

    assert outcome.timed_out
    assert outcome.exit_status is None
    assert "did not stop" in outcome.stderr
    assert "killed the kernel" in outcome.stderr
    assert gone(pid)
    assert (after.exit_status, after.stdout, after.stderr) == (0, "alive\n", "")
    assert after.cwd == scratch.cwd
    assert lost.exit_status == 1
    assert "NameError" in lost.stderr


def test_a_kernel_that_dies_is_replaced(scratch: KernelSession) -> None:
    scratch.run("import os; os.chdir('/')", timeout=10)

    outcome = scratch.run("import os; print('bye', flush=True); os._exit(4)", timeout=10)
    after = scratch.run("import os; print(os.getcwd())", timeout=10)

    assert outcome.exit_status is None
    assert outcome.error is not None
    assert "died" in outcome.error
    assert "exit status 4" in outcome.error
    assert (after.exit_status, after.stdout) == (0, f"{scratch.cwd}\n")


def test_exit_replaces_the_kernel_for_the_next_command(scratch: KernelSession) -> None:
    outcome = scratch.run("exit()", timeout=10)
    after = scratch.run("print('again')", timeout=10)

    assert outcome.exit_status == 0
    assert "exited the kernel" in outcome.stderr
    assert (after.exit_status, after.stdout) == (0, "again\n")


def test_a_kernel_killed_from_outside_is_replaced(scratch: KernelSession) -> None:
    scratch.run("pass", timeout=10)
    pid = scratch.pid
    assert pid is not None
    os.kill(pid, 9)
    deadline = time.monotonic() + 5
    while scratch._km is not None and scratch._km.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)

    after = scratch.run("print('again')", timeout=10)

    assert (after.exit_status, after.stdout) == (0, "again\n")
    assert "had died" in after.stderr


def test_an_unknown_kernel_is_named(tmp_path: Path) -> None:
    kernel = KernelSession("no-such-kernel", cwd=str(tmp_path), env=minimal_env(tmp_path),
                           runtime_dir=str(tmp_path / "runtime"))

    with pytest.raises(KernelError, match="no-such-kernel") as caught:
        kernel.start()

    assert KERNEL in str(caught.value)  # the kernels that are installed
    assert list((tmp_path / "runtime").iterdir()) == []


def test_a_kernel_that_dies_at_start_is_an_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "jupyter" / "kernels" / "broken"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", "import sys; print('no luck'); sys.exit(5)",
                 "{connection_file}"],
        "display_name": "Broken", "language": "python",
    }))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    kernel = KernelSession("broken", cwd=str(tmp_path), env=minimal_env(tmp_path),
                           runtime_dir=str(tmp_path / "runtime"))

    with pytest.raises(KernelError, match="did not start") as caught:
        kernel.start(timeout=10)

    assert "no luck" in str(caught.value)  # the kernel's own output says why
    assert kernel.pid is None


def test_without_jupyter_client_starting_is_an_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jupyter_client.manager", None)
    kernel = KernelSession(KERNEL, cwd=str(tmp_path), env=minimal_env(tmp_path),
                           runtime_dir=str(tmp_path / "runtime"))

    with pytest.raises(KernelError, match="jupyter-client"):
        kernel.start()


def test_run_needs_a_started_session(tmp_path: Path) -> None:
    kernel = KernelSession(KERNEL, cwd=str(tmp_path), env=minimal_env(tmp_path),
                           runtime_dir=str(tmp_path / "runtime"))

    with pytest.raises(RuntimeError, match="start"):
        kernel.run("1", timeout=1)
    kernel.close()  # closing a session that never started is fine


def test_importing_the_module_does_not_import_jupyter_client() -> None:
    import subprocess

    code = ("import sys, sphinx_runbook.verify.kernel; "
            "print('jupyter_client' in sys.modules, 'zmq' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)

    assert result.stdout == "False False\n"
