"""Benchmarks of the command index: ``python bench/run.py [--quick] [--json PATH]``.

a. ``sphinx-build -b runbook`` against ``-b html`` on the same corpus
   (criterion: runbook/html <= 0.5);
b. every export format on an index of 10,000 commands, in process and
   through the ``sphinx-runbook export`` CLI (criterion: under 1 s);
c. ``-b runbook`` on 100, 200 and 400 pages (criterion: linear cost).

With ``--verify`` (after a.-c.) or ``--verify-only``, also the verification
benchmarks of ``bench/verify.py``, in a process of their own; with
``--import`` or ``--import-only``, those of ``sphinx-runbook import``
(``bench/importer.py``), the same way.

Every timed build or CLI call is a fresh subprocess; a figure is the median
of several runs (3 for builds and CLI calls, 5 for in-process exports).  See
``bench/README.md`` for what the figures mean.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
# corpus.py sits beside this file; run as a script, bench/ is not a package.
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

INDEX_FILENAME = "runbook-index.json"
MAX_RATIO = 0.5  # a: runbook build time / html build time
MAX_EXPORT_SECONDS = 1.0  # b: for 10,000 commands
#: c: the cost of a page in the last interval over that of the first.  Above
#: this the build grows faster than the page count (noise stays well below).
MAX_MARGINAL_GROWTH = 1.25


@dataclass(frozen=True)
class Plan:
    pages: int
    commands: int
    linearity: tuple[int, ...]
    repeats: int
    export_repeats: int


FULL = Plan(pages=500, commands=10_000, linearity=(100, 200, 400), repeats=3, export_repeats=5)
QUICK = Plan(pages=50, commands=1_000, linearity=(25, 50, 100), repeats=1, export_repeats=1)


class Timing(NamedTuple):
    """Wall time of a subprocess, and the CPU time (user + system) it used.

    CPU time barely moves when other work shares the machine; wall time does.
    The criteria use wall time (what a user waits for); CPU time tells whether
    a slow figure was the build or the machine.
    """

    wall: float
    cpu: float


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Bench:
    """Runs the subprocesses, in one scratch directory, with one environment."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.env = dict(os.environ)
        # Bytecode goes to a cache of our own: without one (PYTHONDONTWRITEBYTECODE
        # is common in containers) every process recompiles Sphinx and docutils,
        # about a second that has nothing to do with the builder being measured.
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
        self.runs = 0

    def run(self, command: Sequence[str]) -> tuple[Timing, subprocess.CompletedProcess[str]]:
        """The times of one subprocess, and what it printed."""
        cpu = children_cpu()
        started = time.perf_counter()
        done = subprocess.run(list(command), env=self.env, capture_output=True, text=True,
                              check=False)
        elapsed = Timing(time.perf_counter() - started, children_cpu() - cpu)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}:\n"
                               f"{done.stderr[-3000:]}")
        self.runs += 1
        return elapsed, done

    def corpus(self, pages: int, *, sidebars: bool = True) -> Path:
        source = self.scratch / f"corpus-{pages}{'' if sidebars else '-no-sidebars'}"
        if not source.exists():
            corpus.generate(source, pages, sidebars=sidebars)
        return source

    def build(self, source: Path, builder: str) -> tuple[Timing, Path]:
        """A fresh ``-E`` build into a new output directory; its time and output."""
        output = Path(tempfile.mkdtemp(prefix=f"out-{builder}-", dir=self.scratch))
        seconds, done = self.run([sys.executable, "-m", "sphinx", "-b", builder, "-q", "-E",
                                  str(source), str(output)])
        warnings = [line for line in done.stderr.splitlines() if "WARNING" in line]
        if warnings:
            # The corpus is meant to build cleanly: warnings would mean it no longer
            # looks like a real runbook site, and printing them costs time too.
            print(f"  note: {len(warnings)} warnings, first: {warnings[0]}", file=sys.stderr)
        return seconds, output

    def timed_build(self, source: Path, builder: str) -> Timing:
        seconds, output = self.build(source, builder)
        shutil.rmtree(output)
        return seconds

    def warm_up(self) -> None:
        # Fills the bytecode cache and the OS page cache for both builders, so the
        # first timed run is not the one that pays for them.
        source = self.corpus(5)
        for builder in ("html", "runbook"):
            self.timed_build(source, builder)


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def summary(samples: Sequence[Timing]) -> dict[str, Any]:
    """Medians of wall and CPU time, with the samples kept for the JSON file."""
    return {"seconds": median([t.wall for t in samples]),
            "cpu_seconds": median([t.cpu for t in samples]),
            "samples": [t.wall for t in samples], "cpu_samples": [t.cpu for t in samples]}


def index_counts(path: Path) -> tuple[int, int]:
    index = json.loads(path.read_text(encoding="utf-8"))
    return len(index["runbooks"]), len(index["commands"])


# -- a. html against runbook ---------------------------------------------------------------

def bench_builders(bench: Bench, pages: int, repeats: int) -> dict[str, Any]:
    source = bench.corpus(pages)
    # Informational: the same pages without the theme's sidebars, whose site-wide
    # table of contents makes the HTML build grow with pages squared (see corpus.py).
    bare = bench.corpus(pages, sidebars=False)
    runs = {"html": (source, "html"), "html_no_sidebars": (bare, "html"),
            "runbook": (source, "runbook")}
    samples: dict[str, list[Timing]] = {name: [] for name in runs}
    for _ in range(repeats):
        # Interleaved, so a slow spell of the machine hits every builder alike.
        for name, (where, builder) in runs.items():
            samples[name].append(bench.timed_build(where, builder))
    _, output = bench.build(source, "runbook")  # untimed: only to count what was built
    runbooks, commands = index_counts(output / INDEX_FILENAME)
    shutil.rmtree(output)
    html, bare_html, runbook = (summary(samples[name]) for name in runs)
    ratio = runbook["seconds"] / html["seconds"]
    return {
        "pages": pages, "runbooks": runbooks, "commands": commands, "html": html,
        "html_no_sidebars": bare_html, "runbook": runbook, "ratio": ratio,
        "cpu_ratio": runbook["cpu_seconds"] / html["cpu_seconds"],
        "ratio_no_sidebars": runbook["seconds"] / bare_html["seconds"],
        "cpu_ratio_no_sidebars": runbook["cpu_seconds"] / bare_html["cpu_seconds"],
        "criterion": f"ratio <= {MAX_RATIO}", "passed": ratio <= MAX_RATIO,
    }


# -- b. export -----------------------------------------------------------------------------

def index_of_at_least(bench: Bench, commands: int, pages_hint: int) -> Path:
    """A built index with at least ``commands`` commands, cut down to about that many."""
    pages = pages_hint
    while True:
        _, output = bench.build(bench.corpus(pages), "runbook")
        built = output / INDEX_FILENAME
        _, found = index_counts(built)
        if found >= commands:
            break
        shutil.rmtree(output)
        # Pages are alike on average, so scale by what one page gave, with a margin.
        pages = math.ceil(pages * commands / max(found, 1) * 1.1)
    path = bench.scratch / f"index-{commands}.json"
    path.write_text(json.dumps(cut_index(json.loads(built.read_text(encoding="utf-8")),
                                         commands), indent=2, sort_keys=True,
                               ensure_ascii=False) + "\n", encoding="utf-8")
    shutil.rmtree(output)
    return path


def cut_index(index: dict[str, Any], commands: int) -> dict[str, Any]:
    """Whole runbooks from the start until ``commands`` is reached: still a valid index."""
    kept: set[str] = set()
    count = 0
    for runbook in index["runbooks"]:
        if count >= commands:
            break
        kept.add(runbook["id"])
        count += len(runbook["commands"])
    return {**index, "runbooks": [r for r in index["runbooks"] if r["id"] in kept],
            "commands": [c for c in index["commands"] if c["runbook"] in kept]}


def cli_program() -> list[str]:
    # The console script the user runs, from this interpreter's environment.
    script = Path(sys.executable).with_name("sphinx-runbook")
    found = str(script) if script.is_file() else shutil.which("sphinx-runbook")
    return [found] if found else [sys.executable, "-m", "sphinx_runbook.cli"]


def bench_exports(bench: Bench, commands: int, pages_hint: int, plan: Plan) -> dict[str, Any]:
    path = index_of_at_least(bench, commands, pages_hint)
    _, done = bench.run([sys.executable, str(HERE / "exports.py"), str(path),
                         "--repeats", str(plan.export_repeats)])
    in_process = json.loads(done.stdout)
    cli = cli_program()
    startup = [bench.run([*cli, "--version"])[0].wall for _ in range(plan.repeats)]
    formats: dict[str, Any] = {}
    for name, timing in in_process["formats"].items():
        wall = [bench.run([*cli, "export", str(path), "-f", name, "-o", os.devnull])[0].wall
                for _ in range(plan.repeats)]
        seconds = median(timing["seconds"])
        formats[name] = {
            "in_process_seconds": seconds, "in_process_samples": timing["seconds"],
            "characters": timing["characters"], "cli_seconds": median(wall),
            "cli_samples": wall,
        }
    worst_in_process = max(f["in_process_seconds"] for f in formats.values())
    worst_cli = max(f["cli_seconds"] for f in formats.values())
    return {
        "commands": in_process["commands"], "runbooks": in_process["runbooks"],
        "load_seconds": in_process["load"], "cli_startup_seconds": median(startup),
        "formats": formats,
        "criterion": f"each format under {MAX_EXPORT_SECONDS} s",
        "passed_in_process": worst_in_process < MAX_EXPORT_SECONDS,
        "passed_cli": worst_cli < MAX_EXPORT_SECONDS,
        "passed": worst_in_process < MAX_EXPORT_SECONDS and worst_cli < MAX_EXPORT_SECONDS,
    }


# -- c. linearity --------------------------------------------------------------------------

def bench_linearity(bench: Bench, sizes: Sequence[int], repeats: int) -> dict[str, Any]:
    points: list[dict[str, Any]] = []
    for pages in sizes:
        source = bench.corpus(pages)
        point = summary([bench.timed_build(source, "runbook") for _ in range(repeats)])
        points.append({"pages": pages, **point, "seconds_per_page": point["seconds"] / pages})
    # Seconds per page falls as the fixed start-up cost is spread over more pages;
    # the marginal cost (extra seconds per extra page) is what must stay flat.
    for before, after in itertools.pairwise(points):
        after["marginal_seconds_per_page"] = (
            (after["seconds"] - before["seconds"]) / (after["pages"] - before["pages"]))
    marginal = [p["marginal_seconds_per_page"] for p in points[1:]]
    growth = marginal[-1] / marginal[0] if len(marginal) > 1 and marginal[0] > 0 else None
    # Least squares: seconds = fixed + per_page * pages.
    slope, intercept = statistics.linear_regression([p["pages"] for p in points],
                                                    [p["seconds"] for p in points])
    return {
        "points": points, "fit_seconds_per_page": slope, "fit_fixed_seconds": intercept,
        "marginal_growth": growth,
        "criterion": f"last marginal cost / first <= {MAX_MARGINAL_GROWTH}",
        "passed": growth is not None and growth <= MAX_MARGINAL_GROWTH,
    }


# -- report --------------------------------------------------------------------------------

def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def print_builders(a: dict[str, Any]) -> None:
    print(f"\na. {a['pages']} pages, {a['runbooks']} runbooks, {a['commands']} commands")
    print(f"   {'':<24} {'wall':>9} {'CPU':>9}")
    for name, label in (("html", "-b html"), ("runbook", "-b runbook"),
                        ("html_no_sidebars", "-b html, no sidebars")):
        print(f"   {label:<24} {a[name]['seconds']:7.2f} s {a[name]['cpu_seconds']:7.2f} s")
    print(f"   {'runbook / html':<24} {a['ratio']:9.2f} {a['cpu_ratio']:9.2f}    "
          f"{a['criterion']} (wall): {verdict(a['passed'])}")
    print(f"   {'runbook / no sidebars':<24} {a['ratio_no_sidebars']:9.2f} "
          f"{a['cpu_ratio_no_sidebars']:9.2f}    (informational)")


def print_export(b: dict[str, Any]) -> None:
    load = b["load_seconds"]
    print(f"\nb. export of {b['commands']} commands ({b['runbooks']} runbooks); "
          f"reading the file {load['read_json']:.3f} s, schema validation "
          f"{load['validate']:.3f} s, CLI start-up {b['cli_startup_seconds']:.3f} s")
    print(f"   {'format':<10} {'in process':>11} {'CLI wall':>10} {'output':>12}")
    for name, row in b["formats"].items():
        print(f"   {name:<10} {row['in_process_seconds']:9.3f} s {row['cli_seconds']:8.3f} s "
              f"{row['characters']:>10,} ch")
    print(f"   {b['criterion']}: in process {verdict(b['passed_in_process'])}, "
          f"CLI {verdict(b['passed_cli'])}")


def print_linearity(c: dict[str, Any]) -> None:
    print("\nc. -b runbook by size")
    print(f"   {'pages':>6} {'wall':>9} {'CPU':>9} {'s/page':>8} {'marginal s/page':>16}")
    for point in c["points"]:
        marginal = point.get("marginal_seconds_per_page")
        shown = f"{marginal:16.4f}" if marginal is not None else f"{'':>16}"
        print(f"   {point['pages']:>6} {point['seconds']:7.2f} s {point['cpu_seconds']:7.2f} s "
              f"{point['seconds_per_page']:8.4f} {shown}")
    growth = c["marginal_growth"]
    print(f"   fit: {c['fit_fixed_seconds']:.2f} s + {c['fit_seconds_per_page']:.4f} s/page; "
          f"marginal growth {growth if growth is None else round(growth, 2)}; "
          f"{c['criterion']}: {verdict(c['passed'])}")


def attempt(label: str, measure: Callable[[], dict[str, Any]],
            show: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """One benchmark, printed as soon as it is done; a failure does not lose the others."""
    print(f"{label}...", file=sys.stderr, flush=True)
    try:
        part = measure()
    except (RuntimeError, OSError, ValueError, KeyError) as error:
        print(f"\n{label}: FAILED to measure: {error}")
        return {"error": str(error), "passed": False}
    show(part)
    return part


def script_main(argv: list[str] | None, description: str, quick_help: str, prefix: str,
                run: Callable[[bool, Path], dict[str, Any]]) -> int:
    """``main`` of a benchmark script: ``--quick``, ``--json``, a scratch directory, the exit."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix=prefix) as scratch:
        results = run(args.quick, Path(scratch))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0 if results["passed"] else 1


def environment() -> dict[str, Any]:
    versions = {name: metadata.version(name)
                for name in ("sphinx", "docutils", "myst-parser", "sphinx-runbook")}
    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "versions": versions, "git": git_state()}


def git_state() -> str | None:
    # Which code was measured: the commit, and whether the work tree differed from it.
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE,
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=HERE,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("-dirty" if dirty else "")


def run_all(plan: Plan, scratch: Path) -> dict[str, Any]:
    bench = Bench(scratch)
    started = time.perf_counter()
    results = {**environment(), "repeats": plan.repeats, "export_repeats": plan.export_repeats}
    print(f"median of {plan.repeats} runs (builds, CLI calls), {plan.export_repeats} "
          f"(in-process exports); {results['cpus']} CPUs; sphinx-runbook {results['git']}")
    bench.warm_up()
    builders = attempt(f"a. html and runbook builds of {plan.pages} pages",
                       lambda: bench_builders(bench, plan.pages, plan.repeats), print_builders)
    # Start the search for a big enough corpus from what the first corpus gave.
    per_page = builders.get("commands", plan.pages) / plan.pages
    hint = math.ceil(plan.commands / max(per_page, 1) * 1.05)
    exports = attempt(f"b. export of {plan.commands} commands",
                      lambda: bench_exports(bench, plan.commands, hint, plan), print_export)
    linearity = attempt(f"c. runbook builds of {', '.join(map(str, plan.linearity))} pages",
                        lambda: bench_linearity(bench, plan.linearity, plan.repeats),
                        print_linearity)
    return {**results, "builders": builders, "export": exports, "linearity": linearity,
            "subprocesses": bench.runs, "total_seconds": time.perf_counter() - started}


def run_script(script: str, title: str, quick: bool, scratch: Path) -> dict[str, Any]:
    """``bench/<script>`` in its own process (it prints its own tables); its results."""
    output = scratch / f"{title}.json"
    command = [sys.executable, str(HERE / script), "--json", str(output)]
    if quick:
        command.append("--quick")
    print(f"\n{title} (bench/{script})", flush=True)
    done = subprocess.run(command, check=False)
    if not output.is_file():
        print(f"\n{title}: FAILED to measure: bench/{script} exited with {done.returncode}")
        return {"error": f"bench/{script} exited with {done.returncode}", "passed": False}
    results: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, help="pages of the html/runbook comparison "
                        f"(default {FULL.pages}, quick {QUICK.pages})")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and one run each: a smoke test, not a measurement")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a criterion fails")
    parser.add_argument("--verify", action="store_true",
                        help="also run the verification benchmarks (bench/verify.py)")
    parser.add_argument("--verify-only", action="store_true",
                        help="run only the verification benchmarks (bench/verify.py)")
    parser.add_argument("--import", dest="import_", action="store_true",
                        help="also run the benchmarks of sphinx-runbook import "
                        "(bench/importer.py)")
    parser.add_argument("--import-only", action="store_true",
                        help="run only the benchmarks of sphinx-runbook import; with "
                        "--verify-only, those and the verification ones")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.pages is not None:
        plan = Plan(args.pages, plan.commands, plan.linearity, plan.repeats,
                    plan.export_repeats)
    with tempfile.TemporaryDirectory(prefix="sphinx-runbook-bench-") as scratch:
        only = args.verify_only or args.import_only
        results = environment() if only else run_all(plan, Path(scratch))
        if args.verify or args.verify_only:
            results["verification"] = run_script("verify.py", "verification", args.quick,
                                                 Path(scratch))
        if args.import_ or args.import_only:
            results["import"] = run_script("importer.py", "import", args.quick, Path(scratch))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    parts = ("builders", "export", "linearity", "verification", "import")
    passed = all(results[part]["passed"] for part in parts if part in results)
    return 1 if args.strict and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
