"""flag-drift: options and subcommands that installed programs' helps no longer list.

The runbooks are small MyST projects built by Sphinx; the helps come from the
programs installed here (grep, tar, sort, ls, git, ps, curl), asked in the
sandbox with both backends.  The bubblewrap runs skip where bubblewrap does
not work, with the reason, except on CI (``CI`` set), where they must run.

Fake programs (shell scripts in a temporary directory) pin down what the
help provider runs and how it caches; they run with the process backend, as
bubblewrap hides the temporary directory they live in.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sphinx_runbook.checks import CheckContext, Finding, run_checks
from sphinx_runbook.checks.flags import FlagDriftRule, analyse
from sphinx_runbook.checks.help import HelpProvider
from sphinx_runbook.verify.process import run_process
from sphinx_runbook.verify.sandbox import UNPRIVILEGED, Backend, choose

from .helpers import build_project

RULE = FlagDriftRule()

# --------------------------------------------------------------------------- helpers


def need(*programs: str) -> None:
    missing = [program for program in programs if shutil.which(program) is None]
    if missing:
        pytest.skip(f"not installed here: {', '.join(missing)}")


def sandbox(name: str) -> Backend:
    """The backend called ``name``; bwrap skips (fails on CI) where it does not work."""
    backend = choose("auto") if name == "bwrap" else choose("process")
    if backend.name != name:
        message = f"bubblewrap does not work here: {backend.reason}"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set: the bubblewrap tests must run there)")
        pytest.skip(message)
    return backend


@dataclass(frozen=True)
class Refusing(Backend):
    """A backend that starts nothing: whatever it is asked must come from a cache."""

    def command(self, argv: list[str], *, network: bool) -> list[str]:
        raise AssertionError(f"the cache should have answered, not {argv[-2:]}")


REFUSING = Refusing("process", "starts nothing")


def checks(index: dict[str, Any], provider: Any, **context: Any) -> dict[str, list[Finding]]:
    return run_checks(index, CheckContext(path=os.environ["PATH"], help_text=provider,
                                          **context), [RULE])


def messages(found: dict[str, list[Finding]]) -> dict[str, list[str]]:
    return {command: [finding.message for finding in findings]
            for command, findings in found.items()}


def hand_index(*codes: str) -> dict[str, Any]:
    """An index of one runbook, one shell step per code (for fake programs and helps)."""
    commands = [{"id": f"r.s{number}.1", "runbook": "r", "kind": "step", "run": "auto",
                 "language": "shell", "code": code} for number, code in enumerate(codes)]
    return {"runbooks": [{"id": "r"}], "commands": commands}


# --------------------------------------------------------------------------- runbooks

#: Step id -> command.  The ``ok-`` ones must give no finding.
STEPS = {
    "ok-colour": "grep --colour=never -e x data.txt",
    "ok-tar": "tar --create --file x.tar dir",
    "ok-git-status": "git status --porcelain",
    "ok-git-global": "git -C /srv/repo --no-pager status --short --branch",
    "ok-git-stash-push": "git stash push --keep-index --message wip",
    "ok-git-log": "git log --oneline --graph --since=yesterday",
    # "git diff -h" shows a few common diff options only.
    "ok-git-diff": "git diff --cached --ignore-all-space --word-diff",
    # A hidden option: "git fetch --help-all" lists it, "git fetch -h" does not.
    "ok-git-hidden": "git fetch --recurse-submodules-default=yes",
    "ok-sort": "sort --numeric-sort data.txt",
    "ok-sort-abbreviated": "sort --numeric --rev data.txt",
    "ok-negated": "grep --no-ignore-case x data.txt",
    "ok-option-value": "grep -e --not-an-option data.txt",
    "ok-after-dashes": "grep -- --literal data.txt",
    "ok-variable": "grep --$FLAG x data.txt",
    "ok-placeholder": "grep --{{ flag }} x data.txt",
    "ok-wrapped": "timeout 5 ls --color=never -la /tmp",
    "ok-ps-full-help": "ps aux --forest",
    "ok-curl-full-help": "curl --silent --max-time 5 http://localhost:8000/health",
    "ok-operand-first": "find . -name '*.log' -exec grep --bogus-find-owns-it {} \\;",
    "ok-builtin": "kill --signal TERM 1",
    # An undocumented alias: date --help lists --rfc-email; date still takes it.
    "ok-undocumented-alias": "date --rfc-2822",
    "stale-grep": "grep --no-such-flag x data.txt",
    "stale-typo": "grep --no-filenme x data.txt",
    "stale-git-stash": "git stash --no-such-option",
    "stale-git-subcommand": "git stats --short",
    # Maybe a plugin (git-no-such-subcommand) that is only not installed here.
    "ok-git-plugin": "git no-such-subcommand --flag",
    "stale-sudo": "sudo grep --bogus-after-sudo x data.txt",
    "stale-pipeline": "ps aux | grep --bogus-in-pipe x",
    "stale-nested": 'echo "$(sort --bogus-nested data.txt)"',
    "stale-script": "bash -c 'tar --bogus-in-script -f x.tar'",
    "stale-curl": "curl --no-such-curl-option http://localhost:8000/",
}

_STEP = """\
:::{{step}} {title}
:id: {id}
```bash
{code}
```
:::
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    steps = "\n".join(_STEP.format(title=step.replace("-", " ").capitalize(), id=step,
                                   code=code) for step, code in STEPS.items())
    never = _STEP.format(title="Never", id="never", code="grep --never-checked x") \
        .replace(":id: never", ":id: never\n:run: never")
    page = f"# Drift\n\n::::{{runbook}} Drift\n:id: drift\n\n{steps}\n{never}::::\n"
    app = build_project(tmp_path_factory.mktemp("flags"), {"index.md": page},
                        builder="runbook")
    built: dict[str, Any] = json.loads((Path(app.outdir) / "runbook-index.json").read_text())
    return built


@pytest.fixture(scope="module", params=["process", "bwrap"])
def backend(request: pytest.FixtureRequest) -> Backend:
    return sandbox(request.param)


@pytest.fixture(scope="module")
def found(index: dict[str, Any], backend: Backend, tmp_path_factory: pytest.TempPathFactory
          ) -> dict[str, list[Finding]]:
    need("grep", "tar", "sort", "ls", "git", "ps", "curl", "date")
    provider = HelpProvider(tmp_path_factory.mktemp("help-cache"), backend)
    return checks(index, provider)


def test_only_the_stale_commands_are_reported(found: dict[str, list[Finding]]) -> None:
    stale = {f"drift.{step}.1" for step in STEPS if step.startswith("stale-")}
    assert set(found) == stale, messages(found)
    assert all(len(findings) == 1 for findings in found.values()), messages(found)
    assert all(f.rule == "flag-drift" and f.stale for fs in found.values() for f in fs)


def test_an_option_grep_no_longer_lists(found: dict[str, list[Finding]]) -> None:
    [finding] = found["drift.stale-grep.1"]
    assert finding.message == ("grep has no option --no-such-flag any more "
                               "(grep --help does not list it)")
    assert finding.hint == "see grep --help"
    [typo] = found["drift.stale-typo.1"]
    assert typo.hint == "did you mean --no-filename?"


def test_git_subcommand_options_and_subcommands(found: dict[str, list[Finding]]) -> None:
    [option] = found["drift.stale-git-stash.1"]
    assert option.message == ("git stash has no option --no-such-option any more "
                              "(neither git stash --help-all nor git --help lists it)")
    [gone] = found["drift.stale-git-subcommand.1"]
    assert gone.message.startswith("git has no subcommand stats any more "
                                   "(git stats --help-all says: ")
    assert "'stats' is not a git command" in gone.message
    assert gone.hint == "did you mean git status?"


def test_options_go_to_the_program_that_gets_them(found: dict[str, list[Finding]]) -> None:
    assert messages(found)["drift.stale-sudo.1"] == [
        "grep has no option --bogus-after-sudo any more (grep --help does not list it)"]
    # ps's "aux" is its own; the pipeline's grep gets the option.
    assert messages(found)["drift.stale-pipeline.1"] == [
        "grep has no option --bogus-in-pipe any more (grep --help does not list it)"]
    assert messages(found)["drift.stale-nested.1"] == [
        "sort has no option --bogus-nested any more (sort --help does not list it)"]
    assert messages(found)["drift.stale-script.1"] == [
        "tar has no option --bogus-in-script any more (tar --help does not list it)"]


def test_curl_is_checked_against_its_full_help(found: dict[str, list[Finding]]) -> None:
    # curl's --help is a short menu that says so; "--help all" lists --max-time.
    [finding] = found["drift.stale-curl.1"]
    assert finding.message.startswith("curl has no option --no-such-curl-option any more (")


def test_the_disk_cache_answers_the_second_time(index: dict[str, Any], backend: Backend,
                                                tmp_path: Path) -> None:
    need("grep", "git")
    first = HelpProvider(tmp_path, backend)
    grep_help = first("grep")
    assert grep_help is not None and "--ignore-case" in grep_help
    assert first("git", ("stash",)) is not None
    started = first.runs
    assert started >= 2
    assert first("grep") == grep_help and first.runs == started  # memory
    again = HelpProvider(tmp_path, REFUSING)
    assert again("grep") == grep_help
    assert again.result("git", ("stash",)) == first.result("git", ("stash",))
    assert again.runs == 0
    # Each subcommand has its own entry: git status was never asked.
    with pytest.raises(AssertionError, match="the cache should have answered"):
        again("git", ("status",))


def test_the_rule_runs_from_the_cache(index: dict[str, Any], backend: Backend,
                                      found: dict[str, list[Finding]], tmp_path: Path) -> None:
    cold = HelpProvider(tmp_path, backend)
    assert checks(index, cold) == found and cold.runs > 0
    assert checks(index, HelpProvider(tmp_path, REFUSING)) == found


def test_what_git_is_asked(backend: Backend, tmp_path: Path) -> None:
    need("git")
    provider = HelpProvider(tmp_path, backend)
    top = provider.result("git")
    assert top is not None and top.arguments == ("--help",)
    # "git --help" lists the common commands only; "git help -a" adds stash.
    assert "stash" in top.text and "--no-pager" in top.text
    # Not "git status --help": that opens a manual page.
    status = provider.result("git", ("status",))
    assert status is not None and status.arguments == ("status", "--help-all")
    assert status.useful and "--porcelain" in status.text
    # git diff does not know --help-all: then -h.
    diff = provider.result("git", ("diff",))
    assert diff is not None and diff.arguments == ("diff", "-h") and "--stat" in diff.text
    # Outside a repository "git stash push -h" says only "not a git repository".
    push = provider("git", ("stash", "push"))
    assert push is not None and "--keep-index" in push


def test_missing_and_unnamed_programs_have_no_help(backend: Backend, tmp_path: Path) -> None:
    provider = HelpProvider(tmp_path, backend)
    assert provider("definitely-not-installed-xyz") is None
    assert provider("../grep") is None and provider("$GREP") is None
    assert provider.runs == 0


def test_in_bwrap_help_runs_unprivileged_and_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the help request runs as: its program swapped for a look around."""
    backend = sandbox("bwrap")
    need("grep")
    grep = shutil.which("grep")
    assert grep is not None

    def look_around(argv: list[str], **options: Any) -> Any:
        at = argv.index(grep)
        script = "id -u; cut -d: -f1 /proc/net/dev | tail -n +3; echo HOME=$HOME; pwd"
        return run_process([*argv[:at], "/bin/sh", "sh", "-c", script], **options)

    monkeypatch.setattr("sphinx_runbook.checks.help.run_process", look_around)
    result = HelpProvider(None, backend).result("grep")
    assert result is not None, "the sandbox did not start"
    uid, *rest = [line.strip() for line in result.text.splitlines()]
    assert uid == str(UNPRIVILEGED if os.geteuid() == 0 else os.geteuid())
    assert rest == ["lo", "HOME=/tmp", "/tmp/runbook-help"]  # loopback only, empty home


# --------------------------------------------------------------------------- fake programs


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "bin"
    directory.mkdir()
    return directory


def install(bin_dir: Path, name: str, script: str) -> Path:
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + textwrap.dedent(script), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def fake_provider(tmp_path: Path, bin_dir: Path, backend: Backend | None = None,
                  **options: Any) -> HelpProvider:
    path = f"{bin_dir}:{os.environ['PATH']}"
    return HelpProvider(tmp_path / "cache", backend or choose("process"), path, **options)


def test_a_changed_program_misses_the_cache(tmp_path: Path, bin_dir: Path) -> None:
    tool = install(bin_dir, "tool", 'echo "Usage: tool [--alpha]"\n')
    running = fake_provider(tmp_path, bin_dir)
    assert running("tool") == "Usage: tool [--alpha]\n"
    assert fake_provider(tmp_path, bin_dir, REFUSING)("tool") == "Usage: tool [--alpha]\n"
    # An upgrade: other bytes.
    install(bin_dir, "tool", 'echo "Usage: tool [--beta]"\n')
    with pytest.raises(AssertionError, match="the cache should have answered"):
        fake_provider(tmp_path, bin_dir, REFUSING)("tool")
    assert running("tool") == "Usage: tool [--beta]\n"  # its memory is keyed the same way
    assert running.runs == 2
    # Same size, newer modification time: a new identity too.
    later = tool.stat().st_mtime_ns + 5_000_000_000
    os.utime(tool, ns=(later, later))
    with pytest.raises(AssertionError, match="the cache should have answered"):
        fake_provider(tmp_path, bin_dir, REFUSING)("tool")


def test_help_runs_clean_and_only_asks_for_help(tmp_path: Path, bin_dir: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "calls.log"
    install(bin_dir, "tool", f"""\
        echo "$*" >> {log}
        if [ "$1" = "-h" ]; then
            echo "STDIN=$(readlink /proc/$$/fd/0)"
            printf 'Usage: tool [--alpha]\\n\\033[1m--bold\\033[0m\\n'
            echo "HOME=$HOME PAGER=$PAGER TERM=$TERM NO_COLOR=$NO_COLOR LANG=$LANG"
            echo "SECRET=${{SECRET_TOKEN:-unset}} PWD=$PWD"
        fi
        """)
    monkeypatch.setenv("SECRET_TOKEN", "hunter2")
    provider = fake_provider(tmp_path, bin_dir)
    result = provider.result("tool")
    assert result is not None
    # "--help" printed nothing: "-h" was asked next.
    assert result.arguments == ("-h",) and result.status == 0 and result.useful
    assert "\x1b" not in result.text and "\n--bold\n" in result.text
    env = dict(item.split("=", 1) for item in result.text.split() if "=" in item)
    assert env["PAGER"] == "cat" and env["TERM"] == "dumb" and env["NO_COLOR"] == "1"
    assert env["LANG"] == "C.UTF-8" and env["SECRET"] == "unset"
    assert env["STDIN"] == "/dev/null"  # nothing to read, nothing to wait for
    assert env["HOME"] != os.environ.get("HOME") and env["PWD"].startswith(env["HOME"])
    assert not Path(env["HOME"]).exists()  # a temporary home, removed afterwards
    # A subcommand without help: --help, -h, then "help SUB"; never anything else.
    assert provider.result("tool", ("start",)) is not None
    calls = log.read_text().splitlines()
    assert calls == ["--help", "-h", "start --help", "start -h", "help start"]


def test_a_program_that_does_not_answer_has_no_help(tmp_path: Path, bin_dir: Path) -> None:
    install(bin_dir, "server", "sleep 30\n")
    started = time.monotonic()
    result = fake_provider(tmp_path, bin_dir, timeout=0.5).result("server")
    assert time.monotonic() - started < 10
    assert result is not None and result.status is None and not result.useful


def test_a_short_help_is_completed(tmp_path: Path, bin_dir: Path) -> None:
    install(bin_dir, "menu", """\
        if [ "$2" = "all" ]; then
            echo "Usage: menu [options]"; echo " --alpha  a"; echo " --beta   b"
        else
            echo "Usage: menu [options]"; echo " --alpha  a"
            echo 'This is not the full help, use "menu --help all".'
        fi
        """)
    provider = fake_provider(tmp_path, bin_dir)
    result = provider.result("menu")
    assert result is not None and result.arguments == ("--help", "all")
    assert "--beta" in result.text
    assert messages(checks(hand_index("menu --beta", "menu --gamma"), provider)) == {
        "r.s1.1": ["menu has no option --gamma any more (menu --help all does not list it)"]}


def test_an_unlisted_name_the_program_holds_is_an_alias(tmp_path: Path,
                                                         bin_dir: Path) -> None:
    install(bin_dir, "tool", """\
        case "$1" in
            --help) echo "Usage: tool [--alpha]";;
            --hidden-alias) echo "same as --alpha";;
        esac
        """)
    provider = fake_provider(tmp_path, bin_dir)
    assert provider.mentions("tool", "hidden-alias")
    assert not provider.mentions("tool", "gone-option")
    assert messages(checks(hand_index("tool --hidden-alias", "tool --gone-option"),
                           provider)) == {
        "r.s1.1": ["tool has no option --gone-option any more (tool --help does not list it)"]}


_TOOL_HELP = """\
Usage: tool [--verbose] <command> [<args>]

Commands:
  start     Start the service
  stop      Stop the service
  restart   Restart it (see also: reload)
"""


def test_a_subcommand_is_gone_only_when_the_program_says_so(tmp_path: Path,
                                                             bin_dir: Path) -> None:
    for name, unknown in (("tool", "echo \"tool: unknown command '$1'\" >&2; exit 1"),
                          ("lenient", "exit 0"),  # no complaint, no failure
                          ("quiet", "exit 1")):  # a failure without saying why
        helped = tmp_path / f"{name}.txt"
        helped.write_text(_TOOL_HELP.replace("tool", name), encoding="utf-8")
        install(bin_dir, name, f"""\
            case "$1" in
                --help) cat {helped};;
                start|stop|restart) echo "Usage: {name} $1 [--force]";;
                *) {unknown};;
            esac
            """)
    provider = fake_provider(tmp_path, bin_dir)
    found = checks(hand_index(
        "tool strat --force", "tool reload", "tool start --force", "tool start --farce",
        "lenient strat", "quiet strat", "tool --verbose stop",
        "tool -Z strat"), provider)  # -Z is not tool's: "strat" may be its value
    assert messages(found) == {
        "r.s0.1": ["tool has no subcommand strat any more (tool strat --help says: "
                   "tool: unknown command 'strat')"],
        # "reload" (r.s1) is in tool's help, though not as a command: left alone.
        "r.s3.1": ["tool start has no option --farce any more "
                   "(neither tool start --help nor tool --help lists it)"],
    }
    assert [f.hint for f in found["r.s0.1"] + found["r.s3.1"]] == [
        "did you mean tool start?", "did you mean --force?"]
    # A program with plugins: an unknown word may be one not installed here.
    helped = tmp_path / "tool.txt"
    helped.write_text(_TOOL_HELP + "\nMore commands come from plugins.\n", encoding="utf-8")
    assert messages(checks(hand_index("tool strat", "tool zebra"),
                           fake_provider(tmp_path / "again", bin_dir))) == {
        "r.s0.1": ["tool has no subcommand strat any more (tool strat --help says: "
                   "tool: unknown command 'strat')"]}


# --------------------------------------------------------------------------- help texts

#: Helps for a provider that is only a function (no exit statuses, no cache).
HELPS: dict[tuple[str, tuple[str, ...]], str] = {
    ("fmt", ()): """\
Usage: fmt [OPTION]... [FILE]...
  -c, --color[=WHEN]        colour the output
  -k, --[no-]keep-index     keep the index
      --no-wrap             do not wrap
  -o, --output=FILE         write to FILE
  -v, --verbose             say more
""",
    ("short", ()): """\
Usage: short [options]
  --alpha     a
For more options, see the manual.
""",
    ("single", ()): """\
Usage: single [-flags]
  -json        print JSON
  -chdir=DIR   change directory first
  --help       this help
""",
    ("go", ()): """\
Usage: go [-flags] file
  -verbose     say more
  --json       print JSON
""",
    ("npm", ()): """\
Usage: npm <command>
  --json       print JSON
""",
}


def function_provider(program: str, subcommands: tuple[str, ...] = ()) -> str | None:
    return HELPS.get((program, tuple(subcommands)))


@pytest.mark.parametrize(("code", "stale"), [
    ("fmt --color=never", None),
    ("fmt --colorize", "--colorize"),  # --color is listed, not --colorize
    ("fmt --no-color", None),
    ("fmt --keep-index --no-keep-index", None),
    ("fmt --wrap", None),  # --no-wrap is listed
    ("fmt --verb --out=x", None),  # abbreviations
    ("fmt --verbosity", "--verbosity"),
    ("fmt --output FILE --bogus", "--bogus"),  # FILE is --output's value
    ("fmt -o --bogus", None),  # -o takes a value: "--bogus" is it
    ("fmt -vo x --bogus", "--bogus"),
    ("fmt -Z x --bogus", None),  # -Z is unknown: x may be its value, or the operand
    ("fmt FILE --bogus", None),  # after the first operand: maybe another program's
    ("fmt -- --bogus", None),
    ("fmt --bo${X}gus", None),
    ("short --bogus", None),  # "for more options, see the manual"
    ("single --bogus", None),  # no long option listed: single-dash style
    ("go --verbose", None),  # -verbose listed: Go's flags take --verbose too
    ("go --bogus", "--bogus"),
    ("npm --registry=https://x install", None),  # npm takes any --key=value
    ("missing --bogus", None),  # not installed
])
def test_which_options_count_as_listed(code: str, stale: str | None) -> None:
    found = messages(checks(hand_index(code), function_provider))
    expected = {} if stale is None else {"r.s0.1": [
        f"{code.split()[0]} has no option {stale} any more "
        f"({code.split()[0]} --help does not list it)"]}
    assert found == expected


def test_only_stale_lines_of_other_subcommands_are_ignored() -> None:
    text = textwrap.dedent("""\
        usage: vcs stash list [<log-options>]
           or: vcs stash show [<diff-options>] [<stash>]
           or: vcs stash [push [-k | --[no-]keep-index] [-q | --quiet]]
    """)
    stash = analyse(text, "vcs", ("stash",))
    assert stash.commands == {"list", "show", "push"}
    assert not stash.incomplete  # the markers belong to "list" and "show"
    assert analyse(text, "vcs", ("stash", "list")).incomplete
    assert {"keep-index", "no-keep-index", "quiet"} <= stash.long


def test_off_without_a_provider_and_for_external_programs(index: dict[str, Any],
                                                          tmp_path: Path) -> None:
    assert checks(index, None) == {}
    # Programs that exist only elsewhere: the local one's help says nothing about them.
    everything = frozenset({"grep", "git", "sort", "tar", "curl", "ls", "ps", "find", "date"})
    assert checks(index, HelpProvider(tmp_path, REFUSING), external_programs=everything) == {}


def test_run_never_steps_are_not_checked(index: dict[str, Any]) -> None:
    never = [command for command in index["commands"] if command["id"] == "drift.never.1"]
    assert [command["run"] for command in never] == ["never"]
    runbooks = [runbook for runbook in index["runbooks"] if runbook["id"] == "drift"]
    alone = {"runbooks": runbooks, "commands": never}
    assert checks(alone, function_provider_with_grep) == {}
    alone["commands"] = [{**never[0], "run": "auto"}]
    assert messages(checks(alone, function_provider_with_grep)) == {"drift.never.1": [
        "grep has no option --never-checked any more (grep --help does not list it)"]}


def function_provider_with_grep(program: str, subcommands: tuple[str, ...] = ()
                                ) -> str | None:
    return HELPS["fmt", ()].replace("fmt", "grep") if program == "grep" else None


def test_measured_cost_per_program(backend: Backend, tmp_path: Path,
                                   record_property: Callable[[str, object], None]) -> None:
    """Ask a few programs' helps cold, then warm from the disk cache (reported, bounded)."""
    need("grep", "sort", "tar")
    programs = ("grep", "sort", "tar")
    started = time.perf_counter()
    provider = HelpProvider(tmp_path, backend)
    assert all(provider(program) for program in programs)
    cold = (time.perf_counter() - started) / len(programs)
    started = time.perf_counter()
    warm_provider = HelpProvider(tmp_path, REFUSING)
    assert all(warm_provider(program) for program in programs)
    warm = (time.perf_counter() - started) / len(programs)
    record_property(f"help_cold_seconds_{backend.name}", round(cold, 4))
    record_property(f"help_warm_seconds_{backend.name}", round(warm, 4))
    assert provider.runs == len(programs) and warm < cold
    assert cold < 5  # generous: one process (in bwrap) per help
