"""The ``sphinx-runbook`` command line.

Exit statuses: 0 success, 1 the build or check failed, 2 bad input (a missing
file, an invalid index, an unknown format); bad input prints one message on
stderr and writes no output file.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import __version__


class UsageError(Exception):
    """Bad input: printed as one line, exit status 2."""


def _sphinx_build(source: Path, output: Path, builder: str, *, strict: bool = False,
                  jobs: str | None = None, quiet: bool = False,
                  overrides: dict[str, str] | None = None) -> int:
    from sphinx.cmd.build import build_main

    if not (source / "conf.py").is_file():
        raise UsageError(f"{source} has no conf.py; is it a Sphinx source directory?")
    options = ["-b", builder, "--keep-going"]
    if strict:
        options.append("-W")
    if jobs:
        options += ["-j", jobs]
    if quiet:
        options.append("-q")
    for name, value in (overrides or {}).items():
        options += ["-D", f"{name}={value}"]
    return build_main([*options, str(source), str(output)])


def load_index_from(source: str) -> dict[str, Any]:
    """An index from a file, or built from a Sphinx source directory (``-b runbook``)."""
    return _load_index_and_text(source)[0]


def _load_index_and_text(source: str) -> tuple[dict[str, Any], str]:
    from .index import INDEX_FILENAME
    from .index.files import InvalidIndexError, load_index_text

    path = Path(source)
    if path.is_dir():
        with tempfile.TemporaryDirectory(prefix="sphinx-runbook-") as scratch:
            status = _sphinx_build(path, Path(scratch), "runbook", quiet=True)
            index_file = Path(scratch) / INDEX_FILENAME
            if status != 0 or not index_file.is_file():
                raise UsageError(f"building the index of {source} failed (see above)")
            return load_index_text(index_file)
    if not path.exists():
        raise UsageError(f"{source}: no such file or directory")
    try:
        return load_index_text(path)
    except InvalidIndexError as error:
        raise UsageError(str(error)) from None


def _build(args: argparse.Namespace) -> int:
    source = Path(args.source)
    output = Path(args.output) if args.output else source / "_build" / args.builder
    return _sphinx_build(source, output, args.builder, strict=args.strict, jobs=args.jobs)


def _export(args: argparse.Namespace) -> int:
    from .export import ExporterNotFoundError, get_exporter

    try:
        exporter = get_exporter(args.format)
    except ExporterNotFoundError as error:
        raise UsageError(str(error)) from None
    index, original = _load_index_and_text(args.source)
    text = io.StringIO()
    if args.format == "json":
        # The index is already JSON and has just been validated: copy it rather
        # than serialise 10,000 commands again.
        text.write(original)
    else:
        exporter.write(index, text)
    if args.output in (None, "-"):
        sys.stdout.write(text.getvalue())
        return 0
    # Rendered in memory first: a failure above leaves no partial file.
    try:
        Path(args.output).write_text(text.getvalue(), encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {args.output}: {error.strerror}") from None
    return 0


def _shard(value: str) -> str:
    k, _, n = value.partition("/")
    if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise argparse.ArgumentTypeError(f"{value!r} is not K/N with 1 <= K <= N")
    return value


def _verify(args: argparse.Namespace) -> int:
    import shutil

    from .verify.report import REPORT_FILENAME, read_jsonl

    source = Path(args.source)
    output = Path(args.output) if args.output else source / "_build" / args.builder
    overrides = {"runbook_execute": "cache" if args.cache else "force"}
    if args.jobs is not None:
        overrides["runbook_jobs"] = str(args.jobs)
    if args.shard:
        overrides["runbook_shard"] = args.shard
    if args.only:
        overrides["runbook_only"] = ",".join(args.only)
    if args.sandbox:
        overrides["runbook_sandbox"] = args.sandbox
    if args.allow_destructive:
        overrides["runbook_allow_destructive"] = "1"
    report = output / REPORT_FILENAME
    report.unlink(missing_ok=True)
    status = _sphinx_build(source, output, args.builder, strict=args.strict,
                           overrides=overrides)
    if not report.is_file():
        print("sphinx-runbook verify: no report was written (see the messages above)",
              file=sys.stderr)
        return status or 1
    results = read_jsonl(report)
    if args.only:
        seen = {r.id for r in results} | {r.runbook for r in results}
        # A runbook with nothing to run (manual steps only) has no report rows.
        index_file = output / "runbook-index.json"
        if index_file.is_file():
            seen |= {runbook["id"] for runbook in
                     json.loads(index_file.read_text(encoding="utf-8"))["runbooks"]}
        unknown = [item for item in args.only if item not in seen]
        if unknown:
            raise UsageError(f"--only: no runbook or command {', '.join(unknown)}")
    if args.report:
        shutil.copyfile(report, args.report)
    return status


def _check(args: argparse.Namespace) -> int:
    from .verify.report import REPORT_FILENAME

    source = Path(args.source)
    output = Path(args.output) if args.output else source / "_build" / "runbook-check"
    report = output / REPORT_FILENAME
    report.unlink(missing_ok=True)
    overrides = {"runbook_execute": "off", "runbook_check": "on"}
    if args.project_root:
        overrides["runbook_project_root"] = str(Path(args.project_root).resolve())
    status = _sphinx_build(source, output, "runbook", strict=args.strict, quiet=args.quiet,
                           overrides=overrides)
    if not report.is_file():
        print("sphinx-runbook check: no report was written (see the messages above)",
              file=sys.stderr)
        return status or 1
    return status


def _report_merge(args: argparse.Namespace) -> int:
    from .verify import report

    try:
        merged = report.merge([report.read_jsonl(Path(path)) for path in args.reports])
    except report.ReportError as error:
        raise UsageError(str(error)) from None
    report.write_jsonl(merged, Path(args.output))
    if args.junit:
        report.write_junit(merged, Path(args.junit))
    summary = report.summarize(merged)
    print(report.format_summary(summary), file=sys.stderr)
    return 0 if summary.stale == 0 else 1


def _matches(command: dict[str, Any], runbook: dict[str, Any], args: argparse.Namespace) -> bool:
    if args.service and runbook["service"] != args.service:
        return False
    if args.tag and args.tag not in runbook["tags"]:
        return False
    if args.safety and command["safety"]["level"] not in args.safety:
        return False
    return not (args.runbook and runbook["id"] != args.runbook)


def _summary(code: str) -> str:
    """The first line that does something (not a comment), and whether more follow."""
    lines = [line.strip() for line in code.splitlines() if line.strip()]
    doing = [line for line in lines if not line.startswith("#")] or lines or [""]
    return doing[0] + (" ..." if len(lines) > 1 else "")


def _list(args: argparse.Namespace) -> int:
    index = load_index_from(args.source)
    runbooks = {runbook["id"]: runbook for runbook in index["runbooks"]}
    chosen = [c for c in index["commands"] if _matches(c, runbooks[c["runbook"]], args)]
    if args.json:
        sys.stdout.write(json.dumps(chosen, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        return 0
    width = max((len(c["id"]) for c in chosen), default=2)
    for command in chosen:
        print(f"{command['id']:<{width}}  {command['safety']['level']:<11}  "
              f"{_summary(command['code'])}")
    print(f"{len(chosen)} of {len(index['commands'])} commands", file=sys.stderr)
    return 0


def _schema(args: argparse.Namespace) -> int:
    from .index import load_schema

    sys.stdout.write(json.dumps(load_schema(), indent=2) + "\n")
    return 0


def _import_destinations(inputs: list[Path], args: argparse.Namespace) -> list[Path | None]:
    """Where each imported file goes: itself, a file, a directory, or stdout (None)."""
    if args.in_place:
        return list(inputs)
    if args.output in (None, "-"):
        if len(inputs) > 1:
            raise UsageError("several files to import: give -o DIRECTORY or --in-place")
        return [None]
    output = Path(args.output)
    if len(inputs) == 1 and not output.is_dir() and not args.output.endswith(("/", "\\")):
        return [output]
    if output.exists() and not output.is_dir():
        raise UsageError(f"{output} is not a directory; several files need -o DIRECTORY")
    targets = [output / f"{path.stem}.md" for path in inputs]
    clashes = sorted(str(t) for t, n in Counter(targets).items() if n > 1)
    if clashes:
        raise UsageError(f"two inputs would both be written to {clashes[0]}")
    return list(targets)


def _holds(path: Path, text: str) -> bool:
    try:
        return path.read_bytes() == text.encode("utf-8")
    except OSError:
        return False


def _import(args: argparse.Namespace) -> int:
    from .atomic import write_text_atomically
    from .importer import ImportOptions, import_markdown
    from .importer.report import report_lines
    from .importer.source import SourceError, read_markdown
    from .options import OptionError, severity, slug, text

    def checked(option: str, validate: Callable[[str], str], value: str | None) -> str | None:
        try:
            return validate(value) if value else None
        except OptionError as error:
            raise UsageError(f"{option}: {error}") from None

    options = ImportOptions(
        service=checked("--service", text, args.service),
        severity=checked("--severity", severity, args.severity),
        tags=tuple(tag.strip() for tag in (args.tags or "").split(",") if tag.strip()),
        id_prefix=checked("--id-prefix", slug, args.id_prefix) or "")
    inputs = [Path(name) for name in args.files]
    destinations = _import_destinations(inputs, args)
    # Every file is read and converted before anything is written: one bad
    # input leaves every output as it was.
    texts: list[str] = []
    problems: list[str] = []
    for path in inputs:
        try:
            texts.append(read_markdown(path))
        except SourceError as error:
            problems.append(str(error))
    if len(problems) > 1:
        problems.insert(0, f"{len(problems)} files cannot be imported:")
    if problems:
        raise UsageError("\n  ".join(problems))
    results = [import_markdown(text, options) for text in texts]
    for path, destination, result in zip(inputs, destinations, results, strict=True):
        if destination is None:
            sys.stdout.write(result.text)
        elif not _holds(destination, result.text):
            # An unchanged file keeps its date: incremental builds do not redo it.
            try:
                write_text_atomically(result.text, destination, prefix=".sphinx-runbook-import-")
            except OSError as error:
                raise UsageError(f"cannot write {destination}: {error.strerror}") from None
        if not args.quiet:
            for line in report_lines(str(path), result):
                print(line, file=sys.stderr)
    return 0


def _safety_levels(value: str) -> list[str]:
    levels = [level.strip() for level in value.split(",")]
    for level in levels:
        if level not in ("read-only", "mutating", "destructive"):
            raise argparse.ArgumentTypeError(
                f"{level!r} is not read-only, mutating or destructive")
    return levels


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sphinx-runbook",
        description="Operational runbooks as executable documentation.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build = commands.add_parser("build", help="build a runbook site (sphinx-build with defaults)")
    build.add_argument("source", help="Sphinx source directory (holds conf.py)")
    build.add_argument(
        "output", nargs="?", help="output directory (default: SOURCE/_build/BUILDER)"
    )
    build.add_argument("-b", "--builder", default="html", help="Sphinx builder (default: html)")
    build.add_argument("-W", "--strict", action="store_true", help="turn warnings into errors")
    build.add_argument("-j", "--jobs", help="parallel processes, or 'auto'")
    build.set_defaults(handler=_build)

    source_help = "a Sphinx source directory, or a runbook-index.json file"
    export = commands.add_parser("export", help="write the command index in another format")
    export.add_argument("source", help=source_help)
    export.add_argument("-f", "--format", default="json",
                        help="json, jsonl, csv, navi, markdown, or an installed exporter")
    export.add_argument("-o", "--output", help="output file (default: standard output)")
    export.set_defaults(handler=_export)

    listing = commands.add_parser("list", help="list commands, filtered")
    listing.add_argument("source", help=source_help)
    listing.add_argument("--service", help="only runbooks of this :service:")
    listing.add_argument("--tag", help="only runbooks with this tag")
    listing.add_argument("--runbook", help="only this runbook (its id)")
    listing.add_argument("--safety", type=_safety_levels,
                         help="only these levels: read-only, mutating, destructive (comma list)")
    listing.add_argument("--json", action="store_true", help="print the commands as JSON")
    listing.set_defaults(handler=_list)

    verify = commands.add_parser(
        "verify", help="build with verification on: run every command in the sandbox",
        description="Exit status: 0 nothing stale, 1 a command is stale (or the build "
                    "failed), 2 bad input.")
    verify.add_argument("source", help="Sphinx source directory (holds conf.py)")
    verify.add_argument("-o", "--output",
                        help="output directory (default: SOURCE/_build/BUILDER)")
    verify.add_argument("-b", "--builder", default="html",
                        help="html (the site with results, default) or runbook (index and "
                             "reports only, faster)")
    verify.add_argument("--jobs", type=int, help="runbooks verified at once (default: CPUs)")
    verify.add_argument("--shard", type=_shard, help="K/N: only the K-th of N shards")
    verify.add_argument("--only", nargs="+", action="extend", metavar="ID",
                        help="only these runbooks (or the runbooks of these commands)")
    verify.add_argument("--report", help="also copy the JSON Lines report to this file")
    verify.add_argument("--sandbox", choices=("auto", "process", "bwrap"))
    verify.add_argument("--cache", action="store_true",
                        help="reuse results of unchanged runbooks (runbook_execute = 'cache')")
    verify.add_argument("--allow-destructive", action="store_true",
                        help="run destructive commands too")
    verify.add_argument("-W", "--strict", action="store_true", help="turn warnings into errors")
    verify.set_defaults(handler=_verify)

    check = commands.add_parser(
        "check", help="find stale commands without running them (static checks)",
        description="Exit status: 0 no stale command, 1 a finding makes a command stale, "
                    "2 bad input.")
    check.add_argument("source", help="Sphinx source directory (holds conf.py)")
    check.add_argument("-o", "--output",
                       help="output directory for the index and report "
                            "(default: SOURCE/_build/runbook-check)")
    check.add_argument("--project-root",
                       help="the repository the runbooks describe (runbook_project_root)")
    check.add_argument("-q", "--quiet", action="store_true",
                       help="only the findings (Sphinx's warnings), no progress")
    check.add_argument("-W", "--strict", action="store_true", help="turn warnings into errors")
    check.set_defaults(handler=_check)

    report = commands.add_parser("report", help="work with verification reports")
    report_commands = report.add_subparsers(dest="report_command", metavar="ACTION",
                                            required=True)
    merge = report_commands.add_parser("merge", help="join the reports of CI shards")
    merge.add_argument("reports", nargs="+", help="runbook-report.jsonl files")
    merge.add_argument("-o", "--output", required=True, help="merged JSON Lines report")
    merge.add_argument("--junit", help="also write JUnit XML here")
    merge.set_defaults(handler=_report_merge)

    importer = commands.add_parser(
        "import", help="convert plain Markdown runbooks to MyST with runbook directives",
        description="One file is written to standard output, or to -o FILE; several files "
                    "need -o DIRECTORY (FILE.md in it) or --in-place. What was left as prose "
                    "and a summary go to stderr. Exit status: 0 done, 2 bad input (nothing "
                    "is written).")
    importer.add_argument("files", nargs="+", metavar="FILE", help="Markdown runbooks")
    where = importer.add_mutually_exclusive_group()
    where.add_argument("-o", "--output",
                       help="output file (one input) or directory (default: standard output)")
    where.add_argument("--in-place", action="store_true", help="replace each file")
    importer.add_argument("--service", help=":service: of every runbook")
    importer.add_argument("--severity", help=":severity: of every runbook (P0-P4, critical...)")
    importer.add_argument("--tags", help=":tags: of every runbook (comma list)")
    importer.add_argument("--id-prefix", default="",
                          help="put before every runbook id (ids are unique in a project)")
    importer.add_argument("-q", "--quiet", action="store_true",
                          help="no report on stderr")
    importer.set_defaults(handler=_import)

    schema = commands.add_parser("schema", help="print the JSON Schema of runbook-index.json")
    schema.set_defaults(handler=_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        status: int = args.handler(args)
    except UsageError as error:
        print(f"sphinx-runbook {args.command}: {error}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main())
