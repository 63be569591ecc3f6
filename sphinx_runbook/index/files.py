"""Reading, checking and writing ``runbook-index.json``."""

from __future__ import annotations

import json
import os
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema


class InvalidIndexError(ValueError):
    """The file is not a runbook index this version understands."""


def dumps(index: dict[str, Any]) -> str:
    """The canonical text of an index: sorted keys, two-space indent, final newline."""
    return json.dumps(index, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_index(index: dict[str, Any], path: Path) -> None:
    """Write atomically: readers never see half a file, a failed write leaves the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = dumps(index)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return  # unchanged: keep the file's timestamp for tools that watch it
    handle, temporary = tempfile.mkstemp(prefix=".runbook-index-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        # mkstemp creates the file private; the index is as public as the site.
        umask = os.umask(0)
        os.umask(umask)
        Path(temporary).chmod(0o666 & ~umask)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@cache
def load_schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("schema/runbook-index.schema.json").read_text(
        encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_index(index: Any) -> None:
    """Raise :class:`InvalidIndexError` with the first problem the schema finds."""
    validator = jsonschema.Draft202012Validator(load_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(index))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise InvalidIndexError(f"not a valid runbook index at {where}: {error.message}")


def load_index(path: Path) -> dict[str, Any]:
    """Read and validate an index file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidIndexError(f"cannot read {path}: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidIndexError(f"{path} is not JSON: {error}") from None
    validate_index(data)
    assert isinstance(data, dict)
    return data
