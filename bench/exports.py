"""Time every exporter in process: ``python bench/exports.py INDEX --repeats 5``.

``bench/run.py`` runs this in a fresh interpreter and reads the JSON it
prints.  The index is read once; then each exporter writes it into an
``io.StringIO`` ``--repeats`` times, so what is timed is the exporter alone,
not the file system or the interpreter's start.  Reading and schema
validation are timed too, once each, because the CLI does both before it
exports: they explain the difference between these figures and the CLI's
wall time.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

from sphinx_runbook.export import exporter_names, get_exporter
from sphinx_runbook.index.files import validate_index


def _timed_load(path: Path) -> tuple[dict[str, Any], dict[str, float]]:
    started = time.perf_counter()
    index: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    parsed = time.perf_counter()
    validate_index(index)
    validated = time.perf_counter()
    return index, {"read_json": parsed - started, "validate": validated - parsed}


def _time_writes(index: dict[str, Any], repeats: int) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for name in exporter_names():
        exporter = get_exporter(name)
        samples = []
        size = 0
        for _ in range(repeats):
            stream = io.StringIO()
            started = time.perf_counter()
            exporter.write(index, stream)
            samples.append(time.perf_counter() - started)
            size = len(stream.getvalue())
        results[name] = {"seconds": samples, "characters": size}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path, help="a runbook-index.json")
    parser.add_argument("--repeats", type=int, default=5, help="writes per format")
    args = parser.parse_args(argv)
    index, load = _timed_load(args.index)
    result = {
        "commands": len(index["commands"]),
        "runbooks": len(index["runbooks"]),
        "load": load,
        "formats": _time_writes(index, args.repeats),
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
