"""Run SQL from stdin against a SQLite database, printing rows like ``sqlite3``.

Verification runs SQL blocks with this script when ``$DATABASE_URL`` is a
SQLite file (``sqlite:///path/app.db`` or a plain path), so no ``sqlite3``
program has to be installed.  Rows print as the ``sqlite3`` shell's default
list mode does (``a|b``); an error prints ``Error: ...`` and exits 1.
Standalone on purpose: it runs inside the sandbox with ``python -I``.
"""

from __future__ import annotations

import sqlite3
import sys


def _path_of(url: str) -> str:
    """SQLAlchemy's spelling: ``sqlite:///relative.db``, ``sqlite:////absolute.db``."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    if url.startswith("sqlite://"):
        return url[len("sqlite://"):] or ":memory:"
    return url


def _format(value: object) -> str:
    return "" if value is None else str(value)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1]:
        print("Error: no database: set DATABASE_URL", file=sys.stderr)
        return 2
    connection = sqlite3.connect(_path_of(argv[1]), isolation_level=None)
    statement = ""
    for line in sys.stdin:
        statement += line
        if not sqlite3.complete_statement(statement):
            continue
        try:
            for row in connection.execute(statement):
                print("|".join(_format(value) for value in row))
        except sqlite3.Error as error:
            print(f"Error: {error}", file=sys.stderr)
            return 1
        statement = ""
    if statement.strip():
        print("Error: incomplete SQL statement (missing ';'?)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
