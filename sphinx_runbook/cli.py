"""The ``sphinx-runbook`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__


def _build(args: argparse.Namespace) -> int:
    from sphinx.cmd.build import build_main

    source = Path(args.source)
    if not (source / "conf.py").is_file():
        print(f"sphinx-runbook: {source} has no conf.py; is it a Sphinx source directory?",
              file=sys.stderr)
        return 2
    output = args.output or str(source / "_build" / args.builder)
    options = ["-b", args.builder, "--keep-going"]
    if args.strict:
        options.append("-W")
    if args.jobs:
        options += ["-j", args.jobs]
    return build_main([*options, str(source), output])


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    status: int = args.handler(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
