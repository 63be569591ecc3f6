"""Benchmarks of ``sphinx-runbook import``: ``python bench/importer.py [--quick] [--json PATH]``.

1. in process: ``import_markdown`` on one document of 100, 200, 400 and 800
   incidents (criterion: linear, the marginal cost of an incident from 400 to
   800 at most MAX_MARGINAL_GROWTH times that from 100 to 200, in CPU time);
2. the CLI, ``sphinx-runbook import FILES -o DIR/``, on 100, 200 and 400 files
   of 10 incidents each (criterion: linear, as 1.);
3. the CLI on one file of 1,000 incidents, end to end (criterion: under
   MAX_BIG_FILE_SECONDS of CPU time; the wall time is shown).

The documents are plain Markdown written by ``bench/plain_runbooks.py``, in
the shapes real runbooks have.  CLI calls are fresh subprocesses, timed from
outside; a figure is the median of 3 of them, or of 5 in-process imports
(``--quick``: 1).  See ``bench/README.md``, "Import".
"""

from __future__ import annotations

import gc
import itertools
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
# run.py and plain_runbooks.py sit beside this file; run as a script, bench/ is not a package.
sys.path.insert(0, str(HERE))
import plain_runbooks  # noqa: E402
from run import (  # noqa: E402
    MAX_MARGINAL_GROWTH,
    Bench,
    Timing,
    attempt,
    cli_program,
    environment,
    median,
    script_main,
    summary,
    verdict,
)

from sphinx_runbook.importer import import_markdown  # noqa: E402

#: 3: a document far longer than real ones (those imported into runbooks/ hold 8-27 runbooks).
MAX_BIG_FILE_SECONDS = 2.0
_SUMMARY = re.compile(r": (\d+) runbooks?, ")


@dataclass(frozen=True)
class Plan:
    #: 1: incidents of the documents imported in process.
    incidents: tuple[int, ...]
    #: 2: how many files the CLI imports at once, and the incidents of each.
    files: tuple[int, ...]
    per_file: int
    #: 3: incidents of the one big file.
    big: int
    repeats: int
    in_process_repeats: int


FULL = Plan(incidents=(100, 200, 400, 800), files=(100, 200, 400), per_file=10, big=1000,
            repeats=3, in_process_repeats=5)
# Sizes are multiples of 50 incidents: the same mix of shapes in each (plain_runbooks.py).
QUICK = Plan(incidents=(50, 100, 200, 400), files=(50, 100, 200), per_file=10, big=1000,
             repeats=1, in_process_repeats=1)


class Sample(NamedTuple):
    """One in-process import: wall and CPU time, and the part of it spent collecting cycles."""

    wall: float
    cpu: float
    collector: float


class CollectorClock:
    """Time spent in CPython's cyclic garbage collector (``gc.callbacks``).

    The collector's full passes visit every live container object, so they
    grow with the size of what is held while a document is parsed: worth
    telling apart from the importer's own work.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full_passes = 0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds += time.process_time() - self._started
            self.full_passes += info["generation"] == 2

    def __enter__(self) -> CollectorClock:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self)


def count_runbooks(report: str) -> int:
    """Runbooks written, from the summary lines the CLI prints on stderr."""
    return sum(int(match.group(1)) for match in _SUMMARY.finditer(report))


# -- 1. in process -------------------------------------------------------------------------

def import_once(text: str, expected: int) -> tuple[Sample, int]:
    gc.collect()  # what the previous import left is not this one's to collect
    with CollectorClock() as collector:
        cpu, started = time.process_time(), time.perf_counter()
        result = import_markdown(text)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if result.runbooks != expected:
        # The generator's shapes no longer match what the importer recognises:
        # the figures would be about another kind of document.
        raise RuntimeError(f"{expected} incidents gave {result.runbooks} runbooks")
    return Sample(wall, cpu, collector.seconds), collector.full_passes


def marginal_costs(points: list[dict[str, Any]], size: str) -> dict[str, Any]:
    """Marginal CPU cost per unit between sizes, its growth, and a least-squares line.

    Seconds per unit alone would fall with size (the fixed cost is spread over
    more units); the marginal cost is what must stay flat.  CPU time judges it:
    on a machine other work shares, wall time moves with that work, while the
    CPU time of a single-threaded import is what its code costs.
    """
    for before, after in itertools.pairwise(points):
        extra = after[size] - before[size]
        after["marginal_cpu"] = (after["cpu_seconds"] - before["cpu_seconds"]) / extra
        after["marginal_wall"] = (after["seconds"] - before["seconds"]) / extra
    marginal = [point["marginal_cpu"] for point in points[1:]]
    growth = marginal[-1] / marginal[0] if len(marginal) > 1 and marginal[0] > 0 else None
    slope, intercept = statistics.linear_regression([p[size] for p in points],
                                                    [p["cpu_seconds"] for p in points])
    return {"points": points, "fit_cpu_per_unit": slope, "fit_fixed_cpu": intercept,
            "marginal_growth": growth,
            "criterion": f"last marginal CPU cost / first <= {MAX_MARGINAL_GROWTH}",
            "passed": growth is not None and growth <= MAX_MARGINAL_GROWTH}


def bench_in_process(plan: Plan) -> dict[str, Any]:
    texts = {size: plain_runbooks.document(size) for size in plan.incidents}
    import_once(plain_runbooks.document(5), 5)  # compiles the regular expressions, imports
    samples: dict[int, list[Sample]] = {size: [] for size in plan.incidents}
    full_passes: dict[int, int] = {}
    for _ in range(plan.in_process_repeats):
        # Interleaved, so a slow spell of the machine hits every size alike.
        for size, text in texts.items():
            sample, full_passes[size] = import_once(text, size)
            samples[size].append(sample)
    points = []
    for size, text in texts.items():
        runs = samples[size]
        points.append({
            "incidents": size, "lines": text.count("\n"), "characters": len(text),
            **summary([Timing(s.wall, s.cpu) for s in runs]),
            "collector_seconds": median([s.collector for s in runs]),
            "collector_full_passes": full_passes[size],
        })
    return {"repeats": plan.in_process_repeats, **marginal_costs(points, "incidents")}


def print_in_process(part: dict[str, Any]) -> None:
    print(f"\n1. import_markdown() in process, median of {part['repeats']}")
    print(f"   {'incidents':>9} {'lines':>7} {'wall':>9} {'CPU':>9} {'ms/incident':>11} "
          f"{'marginal':>9} {'of it GC':>9} {'full GCs':>8}")
    for point in part["points"]:
        marginal = point.get("marginal_cpu")
        shown = f"{1000 * marginal:9.3f}" if marginal is not None else f"{'':>9}"
        per_incident = 1000 * point["cpu_seconds"] / point["incidents"]
        print(f"   {point['incidents']:>9} {point['lines']:>7} {point['seconds']:7.3f} s "
              f"{point['cpu_seconds']:7.3f} s {per_incident:11.3f} {shown} "
              f"{point['collector_seconds']:7.3f} s {point['collector_full_passes']:>8}")
    print_verdict(part, "incident")


def print_verdict(part: dict[str, Any], unit: str) -> None:
    growth = part["marginal_growth"]
    print(f"   (marginal: CPU ms per extra {unit}) fit: {part['fit_fixed_cpu']:.3f} s + "
          f"{1000 * part['fit_cpu_per_unit']:.3f} ms/{unit}; marginal growth "
          f"{growth if growth is None else round(growth, 2)}; {part['criterion']}: "
          f"{verdict(part['passed'])}")


# -- 2. many files through the CLI ---------------------------------------------------------

def import_command(inputs: Sequence[Path], output: str) -> list[str]:
    return [*cli_program(), "import", *map(str, inputs), "-o", output]


def bench_files(bench: Bench, plan: Plan) -> dict[str, Any]:
    files = plain_runbooks.write_files(bench.scratch / "plain", max(plan.files), plan.per_file)
    # Untimed: fills the bytecode cache, so the first timed run does not pay for it.
    bench.run(import_command(files[:5], str(bench.scratch / "warm-up") + "/"))
    samples: dict[int, list[Timing]] = {count: [] for count in plan.files}
    for _ in range(plan.repeats):
        for count in plan.files:
            output = Path(tempfile.mkdtemp(prefix="imported-", dir=bench.scratch))
            timing, done = bench.run(import_command(files[:count], f"{output}/"))
            written = len(list(output.glob("*.md")))
            runbooks = count_runbooks(done.stderr)
            if written != count or runbooks != count * plan.per_file:
                raise RuntimeError(f"{count} files of {plan.per_file} incidents gave {written} "
                                   f"files, {runbooks} runbooks")
            samples[count].append(timing)
            shutil.rmtree(output)
    points = [{"files": count, "incidents": count * plan.per_file, **summary(samples[count])}
              for count in plan.files]
    startup = [bench.run([*cli_program(), "--version"])[0] for _ in range(plan.repeats)]
    return {"per_file": plan.per_file, "repeats": plan.repeats,
            "cli_startup_seconds": median([t.wall for t in startup]),
            **marginal_costs(points, "files")}


def print_files(part: dict[str, Any]) -> None:
    print(f"\n2. sphinx-runbook import FILES -o DIR/, {part['per_file']} incidents a file, "
          f"median of {part['repeats']}; CLI start-up {part['cli_startup_seconds']:.3f} s")
    print(f"   {'files':>6} {'wall':>9} {'CPU':>9} {'ms/file':>8} {'marginal':>9}")
    for point in part["points"]:
        marginal = point.get("marginal_cpu")
        shown = f"{1000 * marginal:9.2f}" if marginal is not None else f"{'':>9}"
        print(f"   {point['files']:>6} {point['seconds']:7.3f} s {point['cpu_seconds']:7.3f} s "
              f"{1000 * point['cpu_seconds'] / point['files']:8.2f} {shown}")
    print_verdict(part, "file")


# -- 3. one big file -----------------------------------------------------------------------

def bench_big_file(bench: Bench, plan: Plan) -> dict[str, Any]:
    source = bench.scratch / f"runbook-{plan.big}.md"
    text = plain_runbooks.document(plan.big)
    source.write_text(text, encoding="utf-8")
    samples = []
    for run in range(plan.repeats):
        output = bench.scratch / f"imported-{plan.big}-{run}.md"
        timing, done = bench.run(import_command([source], str(output)))
        if count_runbooks(done.stderr) != plan.big or not output.is_file():
            raise RuntimeError(f"{plan.big} incidents: {done.stderr.splitlines()[-1:]}")
        samples.append(timing)
        output.unlink()
    figures = summary(samples)
    # CPU time: on an idle machine the wall time is the same (the import is one
    # thread that barely waits), on a busy one it measures the other work.
    return {"incidents": plan.big, "lines": text.count("\n"), "characters": len(text),
            **figures, "criterion": f"CPU < {MAX_BIG_FILE_SECONDS:g} s",
            "passed": figures["cpu_seconds"] < MAX_BIG_FILE_SECONDS}


def print_big_file(part: dict[str, Any]) -> None:
    print(f"\n3. sphinx-runbook import FILE -o OUT, {part['incidents']} incidents "
          f"({part['lines']:,} lines, {part['characters'] / 1e6:.1f} MB), median of "
          f"{len(part['samples'])}")
    print(f"   wall {part['seconds']:.3f} s, CPU {part['cpu_seconds']:.3f} s; "
          f"{part['criterion']}: {verdict(part['passed'])}")


# -- main ----------------------------------------------------------------------------------

PARTS = ("in_process", "files", "big_file")


def run_all(plan: Plan, scratch: Path) -> dict[str, Any]:
    bench = Bench(scratch)
    started = time.perf_counter()
    results: dict[str, Any] = {**environment(), "load_before": _load()}
    print(f"{results['cpus']} CPUs; load average {results['load_before']:.2f}; "
          f"sphinx-runbook {results['git']}", flush=True)
    measures: tuple[tuple[str, Callable[[], dict[str, Any]],
                          Callable[[dict[str, Any]], None]], ...] = (
        (f"1. import_markdown() on {', '.join(map(str, plan.incidents))} incidents",
         lambda: bench_in_process(plan), print_in_process),
        (f"2. the CLI on {', '.join(map(str, plan.files))} files",
         lambda: bench_files(bench, plan), print_files),
        (f"3. the CLI on {plan.big} incidents", lambda: bench_big_file(bench, plan),
         print_big_file),
    )
    for name, (label, measure, show) in zip(PARTS, measures, strict=True):
        results[name] = attempt(label, measure, show)
        sys.stdout.flush()
    results["passed"] = all(results[name]["passed"] for name in PARTS)
    results["subprocesses"] = bench.runs
    results["total_seconds"] = time.perf_counter() - started
    print(f"\nimport: {verdict(results['passed'])} ({results['total_seconds']:.0f} s, "
          f"load average {_load():.2f} at the end)", flush=True)
    return results


def _load() -> float:
    # Tells a slow wall time from a busy machine (see bench/README.md).
    return os.getloadavg()[0]


def main(argv: list[str] | None = None) -> int:
    return script_main(
        argv, (__doc__ or "").splitlines()[0],
        quick_help="small sizes and one run each: a smoke test, not a measurement",
        prefix="sphinx-runbook-bench-import-",
        run=lambda quick, scratch: run_all(QUICK if quick else FULL, scratch))


if __name__ == "__main__":
    sys.exit(main())
