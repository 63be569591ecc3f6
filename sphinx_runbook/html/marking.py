"""Mark the placeholders up in a highlighted code block.

Pygments cuts code into coloured spans by its own rules: ``<namespace>`` in a
bash block is three tokens, ``{{host}}`` may sit inside one string token.  So
the marks are placed by position in the text, not by pattern in the HTML:
where a placeholder starts, the spans open at that point are closed, the
placeholder is written as one ``<span class="runbook-placeholder">`` holding
its text, and the same spans are opened again where it ends.  The result is
well-formed whatever the lexer did, and each placeholder is one element the
script can rewrite with ``textContent``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from html.parser import HTMLParser
from itertools import pairwise

from .fill import Mark

PLACEHOLDER_CLASS = "runbook-placeholder"


def placeholder_span(name: str, token: str) -> str:
    return (f'<span class="{PLACEHOLDER_CLASS}" data-placeholder="{html.escape(name)}" '
            f'data-token="{html.escape(token)}">{html.escape(token, quote=False)}</span>')


class _CodeText(HTMLParser):
    """The text inside ``<pre>``, as the reader sees it, line numbers left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.depth = 0
        self.line_numbers = 0
        self.pres = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "pre":
            self.pres += 1
        if self.depth:
            self.depth += 1
            if self.line_numbers or _is_line_number(attrs):
                self.line_numbers += 1
        elif tag == "pre":
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1
            if self.line_numbers:
                self.line_numbers -= 1

    def handle_data(self, data: str) -> None:
        if self.depth and not self.line_numbers:
            self.text.append(data)


def _is_line_number(attrs: list[tuple[str, str | None]]) -> bool:
    return any(name == "class" and "linenos" in (value or "").split() for name, value in attrs)


class _Marker(HTMLParser):
    """Copies the HTML, putting each mark (in code-text positions) in a span of its own."""

    def __init__(self, marks: Sequence[Mark], text: str) -> None:
        # Character references arrive on their own: text outside the marks is
        # copied exactly as Pygments wrote it.
        super().__init__(convert_charrefs=False)
        self.marks = list(marks)
        self.code = text
        self.out: list[str] = []
        self.depth = 0
        self.line_numbers = 0
        #: Start tags of the elements open inside <pre>, outermost first.
        self.open: list[tuple[str, str]] = []
        self.position = 0
        #: Where the mark being written ends; input up to there is not copied.
        self.skip_to: int | None = None

    def emit(self, text: str) -> None:
        if self.skip_to is None:
            self.out.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or f"<{tag}>"
        if self.depth:
            self.depth += 1
            self.open.append((tag, raw))
            if self.line_numbers or _is_line_number(attrs):
                self.line_numbers += 1
        elif tag == "pre":
            self.depth = 1
        self.emit(raw)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.emit(self.get_starttag_text() or f"<{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1
            if self.depth:
                self.open.pop()
            if self.line_numbers:
                self.line_numbers -= 1
        self.emit(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.text(data, data)

    def handle_entityref(self, name: str) -> None:
        self.text(html.unescape(f"&{name};"), f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.text(html.unescape(f"&#{name};"), f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.emit(f"<!--{data}-->")

    def text(self, text: str, raw: str) -> None:
        """``raw`` is ``text`` as written: the same string, or one character reference."""
        if not self.depth or self.line_numbers:
            self.emit(raw)
            return
        index = 0
        while index < len(text):
            here = self.position
            if self.skip_to is not None:
                step = min(len(text) - index, self.skip_to - here)
                index += step
                self.position += step
                if self.position == self.skip_to:
                    self.skip_to = None
                    self.out.extend(start for _, start in self.open)
                continue
            mark = self.marks[0] if self.marks else None
            if mark is None or mark.start >= here + len(text) - index:
                self.out.append(raw if index == 0 else raw[index:])
                self.position += len(text) - index
                return
            before = mark.start - here
            self.out.append(raw[index:index + before])
            index += before
            self.position += before
            self.out.extend(f"</{tag}>" for tag, _ in reversed(self.open))
            self.out.append(placeholder_span(mark.name, self.code[mark.start:mark.end]))
            self.skip_to = mark.end
            self.marks.pop(0)


def mark_placeholders(highlighted: str, source: str, marks: Sequence[Mark]) -> str | None:
    """``highlighted`` (the HTML of ``source``) with every mark in a placeholder span.

    Marks are positions in ``source``.  ``None`` when the highlighted text is
    not the source (a filter changed it): the caller keeps the plain HTML.
    """
    reader = _CodeText()
    reader.feed(highlighted)
    reader.close()
    if reader.pres != 1:
        return None
    shown = "".join(reader.text)
    stripped = source.strip("\n")
    found = shown.find(stripped)
    if found == -1 or not stripped:
        return None
    shift = found - (len(source) - len(source.lstrip("\n")))
    placed = sorted((Mark(m.start + shift, m.end + shift, m.name, m.token) for m in marks),
                    key=lambda m: m.start)
    if any(shown[m.start:m.end] != m.token for m in placed) or any(
            a.end > b.start for a, b in pairwise(placed)):
        return None
    marker = _Marker(placed, shown)
    marker.feed(highlighted)
    marker.close()
    if marker.marks or marker.skip_to is not None:
        return None
    return "".join(marker.out)
