"""Reading the Markdown files to import, with a clear message for what is not one."""

from __future__ import annotations

from pathlib import Path


class SourceError(Exception):
    """A file that cannot be imported; the message names it."""


def read_markdown(path: Path) -> str:
    """The text of ``path``, or a :class:`SourceError` saying why it is not Markdown."""
    if path.is_dir():
        raise SourceError(f"{path}: is a directory, not a Markdown file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except OSError as error:
        raise SourceError(f"{path}: cannot read it ({error.strerror})") from None
    if b"\0" in data:
        raise SourceError(f"{path}: not a text file (it holds NUL bytes); expected Markdown")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SourceError(
            f"{path}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
            f"{error.start}); expected Markdown") from None
    if not text.strip():
        raise SourceError(f"{path}: the file is empty")
    return text
