"""Reading, checking and writing ``runbook-index.json``."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import fastjsonschema

from ..atomic import write_text_atomically


class InvalidIndexError(ValueError):
    """The file is not a runbook index this version understands."""


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))


def dumps(index: dict[str, Any]) -> str:
    """The canonical text of an index: sorted keys, one runbook or command per line.

    A line per item keeps diffs of the index readable and lets json use its C
    encoder (``indent=`` forces the pure-Python one, several times slower).
    """
    keys = sorted(index)
    lines = ["{"]
    for position, key in enumerate(keys):
        comma = "," if position < len(keys) - 1 else ""
        value = index[key]
        if isinstance(value, list) and value:
            lines.append(f"  {json.dumps(key)}: [")
            lines.extend(f"    {_compact(item)}," for item in value[:-1])
            lines.append(f"    {_compact(value[-1])}")
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {_compact(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_index(index: dict[str, Any], path: Path) -> None:
    """Write atomically: readers never see half a file, a failed write leaves the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = dumps(index)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return  # unchanged: keep the file's timestamp for tools that watch it
    write_text_atomically(text, path, prefix=".runbook-index-")


@cache
def _compiled_validator() -> Callable[[Any], Any]:
    # fastjsonschema compiles the schema to Python: about ten times faster than
    # jsonschema on large indexes (0.2 s for 7,000 commands). Draft-07 semantics
    # cover every keyword the schema uses ($ref into $defs is a plain JSON pointer).
    schema = {**load_schema(), "$schema": "http://json-schema.org/draft-07/schema#"}
    validator: Callable[[Any], Any] = fastjsonschema.compile(schema)
    return validator


@cache
def load_schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("schema/runbook-index.schema.json").read_text(
        encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_index(index: Any) -> None:
    """Raise :class:`InvalidIndexError` with the first problem the schema finds."""
    try:
        _compiled_validator()(index)
    except fastjsonschema.JsonSchemaValueException as error:
        # fastjsonschema names the document "data": the index, to the reader.
        message = error.message.removeprefix("data.").removeprefix("data ")
        raise InvalidIndexError(f"not a valid runbook index: {message}") from None


def load_index(path: Path) -> dict[str, Any]:
    """Read and validate an index file."""
    return load_index_text(path)[0]


def load_index_text(path: Path) -> tuple[dict[str, Any], str]:
    """Read and validate an index file; also return its text."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except OSError as error:
        raise InvalidIndexError(f"cannot read {path}: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidIndexError(f"{path} is not JSON: {error}") from None
    _check_version(data, path)
    try:
        validate_index(data)
    except InvalidIndexError as error:
        raise InvalidIndexError(f"{path}: {error}") from None
    assert isinstance(data, dict)
    return data, text


def _check_version(data: Any, path: Path) -> None:
    """An index of another schema version: say so, rather than which field differs."""
    from .build import SCHEMA_VERSION

    if not isinstance(data, dict) or "schema_version" not in data:
        return
    version = data["schema_version"]
    if version == SCHEMA_VERSION:
        return
    from .. import __version__

    writer = data.get("generator") if isinstance(data.get("generator"), str) else None
    raise InvalidIndexError(
        f"{path}: index schema version {version!r}, but sphinx-runbook {__version__} reads "
        f"version {SCHEMA_VERSION}" + (f" (the index was written by {writer})" if writer else "")
        + ": build the index again with this version, or read it with the one that wrote it")
