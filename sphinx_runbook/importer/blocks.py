"""A Markdown document as located blocks and sections.

The importer never re-renders Markdown it does not need to change: it copies
source lines. So every block here knows its lines (``start`` inclusive,
``end`` exclusive, 0-based), taken from markdown-it's token maps, and the
few facts the classification needs (inline source, fence language, table
cells...).  Lines that markdown-it turns into no token at all (link reference
definitions) become :class:`Other` blocks, so no line is ever left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token


@dataclass(frozen=True)
class Block:
    start: int
    end: int


@dataclass(frozen=True)
class Paragraph(Block):
    #: The inline Markdown source, lines joined with ``\n``, indentation removed.
    source: str
    #: Fragment links (``#anchor``) it holds, without the ``#``.
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Heading(Block):
    level: int
    #: The inline Markdown source of the title (one line).
    source: str
    #: The title as text (what MyST computes its anchor from).
    plain: str
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fence(Block):
    """A fenced code block (not a MyST directive)."""

    info: str
    markup: str
    content: str
    #: False when the document ends before the closing fence.
    closed: bool

    @property
    def language(self) -> str:
        return self.info.split()[0].lower() if self.info.strip() else ""


@dataclass(frozen=True)
class IndentedCode(Block):
    content: str


@dataclass(frozen=True)
class Directive(Block):
    """A MyST directive (colon or backtick fence with ``{name}``): copied as is."""

    name: str
    #: ``:id:`` given in the directive's options, if any.
    explicit_id: str | None
    argument: str


@dataclass(frozen=True)
class ListItem(Block):
    #: Columns of the item's content: its lines are dedented by this much.
    indent: int
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class ListBlock(Block):
    ordered: bool
    items: tuple[ListItem, ...]
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table(Block):
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target(Block):
    """A MyST target line, ``(name)=``."""

    name: str


@dataclass(frozen=True)
class Other(Block):
    """Anything copied without a second look: rules, HTML, quotes, definitions."""

    kind: str
    links: tuple[str, ...] = ()


@dataclass
class Section:
    """A heading and what follows it up to the next heading of its level or above."""

    heading: Heading | None
    body: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    @property
    def level(self) -> int:
        return self.heading.level if self.heading else 0

    def items(self) -> Iterator[Block]:
        """Its heading, body and subsections' blocks, in document order."""
        if self.heading is not None:
            yield self.heading
        yield from self.body
        for child in self.children:
            yield from child.items()


@dataclass(frozen=True)
class Document:
    lines: tuple[str, ...]
    #: The top-level blocks; the front matter is none of them (it is never touched).
    blocks: tuple[Block, ...]
    #: The text before the first heading, with every section under it.
    root: Section


_TARGET = re.compile(r"^\(([^()\s]+)\)=$")
_COLON_FENCE_OPEN = re.compile(r"^(:{3,})(.*)$")
_DIRECTIVE_INFO = re.compile(r"^\{([\w.:+-]+)\}\s*(.*)$")
_OPTION_ID = re.compile(r"^:id:\s*(\S+)\s*$")
_LIST_MARKER = re.compile(r"^( *)(\d{1,9}[.)]|[-+*])( *)(.*)$")


def _colon_fence(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """MyST's ``:::`` fence: raw content up to a line of at least as many colons."""
    begin = state.bMarks[start] + state.tShift[start]
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    opening = _COLON_FENCE_OPEN.match(state.src[begin:state.eMarks[start]])
    if opening is None:
        return False
    if silent:
        return True
    colons = len(opening.group(1))
    line = start + 1
    closed = False
    while line < end:
        first = state.bMarks[line] + state.tShift[line]
        text = state.src[first:state.eMarks[line]]
        if text and state.sCount[line] < state.blkIndent:
            break
        if (state.sCount[line] - state.blkIndent < 4 and text.startswith(":" * colons)
                and not text.strip(":").strip()):
            closed = True
            break
        line += 1
    token = state.push("colon_fence", "div", 0)
    token.info = opening.group(2).strip()
    token.markup = opening.group(1)
    token.content = state.getLines(start + 1, line, state.sCount[start], True)
    token.map = [start, line + 1 if closed else line]
    state.line = line + 1 if closed else line
    return True


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table")
    md.block.ruler.before("fence", "colon_fence", _colon_fence,
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
    return md


_MD = _parser()


def front_matter_end(lines: Sequence[str]) -> int:
    """The number of lines of a YAML front matter block at the top, or 0."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return index + 1
    return 0


def parse(text: str) -> Document:
    """Parse a document (``\\n`` line endings) into blocks and sections."""
    lines = text.split("\n")
    matter = front_matter_end(lines)
    # Blank lines stand in for the front matter, so the token maps stay the
    # document's own line numbers.
    source = "\n".join([""] * matter + lines[matter:])
    tokens = _MD.parse(source)
    blocks, _ = _read_blocks(tokens, 0, lines)
    blocks = _fill_gaps(blocks, lines, matter)
    return Document(tuple(lines), tuple(blocks), _sections(blocks))


def _links(token: Token) -> tuple[str, ...]:
    found: list[str] = []
    for child in token.children or []:
        href = child.attrGet("href") if child.type == "link_open" else None
        if isinstance(href, str) and href.startswith("#") and len(href) > 1:
            found.append(href[1:])
    return tuple(found)


def _plain(token: Token) -> str:
    # MyST computes heading anchors from the text and inline code of the title.
    return "".join(child.content for child in token.children or []
                   if child.type in ("text", "code_inline"))


def _closing(tokens: Sequence[Token], index: int) -> int:
    """The index of the token that closes the one at ``index``."""
    depth = 0
    for position in range(index, len(tokens)):
        depth += tokens[position].nesting
        if depth == 0:
            return position
    return len(tokens) - 1


def _span(token: Token) -> tuple[int, int]:
    assert token.map is not None
    return token.map[0], token.map[1]


def _read_blocks(tokens: Sequence[Token], index: int,
                 lines: Sequence[str], stop: int | None = None) -> tuple[list[Block], int]:
    """Blocks from ``tokens[index:stop]`` (one nesting level), and where it stopped."""
    stop = len(tokens) if stop is None else stop
    blocks: list[Block] = []
    while index < stop:
        token = tokens[index]
        kind = token.type
        if kind == "paragraph_open":
            inline = tokens[index + 1]
            start, end = _span(token)
            target = _TARGET.match(inline.content.strip())
            if target:
                blocks.append(Target(start, end, target.group(1)))
            else:
                blocks.append(Paragraph(start, end, inline.content, _links(inline)))
            index = _closing(tokens, index) + 1
        elif kind == "heading_open":
            inline = tokens[index + 1]
            start, end = _span(token)
            title = " ".join(part.strip() for part in inline.content.split("\n"))
            blocks.append(Heading(start, end, int(token.tag[1:]), title, _plain(inline),
                                  _links(inline)))
            index = _closing(tokens, index) + 1
        elif kind in ("fence", "colon_fence"):
            blocks.append(_fence_block(token, lines))
            index += 1
        elif kind == "code_block":
            start, end = _span(token)
            blocks.append(IndentedCode(start, end, token.content))
            index += 1
        elif kind in ("bullet_list_open", "ordered_list_open"):
            close = _closing(tokens, index)
            blocks.append(_list_block(tokens, index, close, lines))
            index = close + 1
        elif kind == "table_open":
            close = _closing(tokens, index)
            blocks.append(_table_block(tokens, index, close))
            index = close + 1
        elif token.nesting == 1:
            close = _closing(tokens, index)
            start, end = _span(token)
            links = tuple(link for t in tokens[index:close] if t.type == "inline"
                          for link in _links(t))
            blocks.append(Other(start, end, kind.removesuffix("_open"), links))
            index = close + 1
        elif token.map is not None:
            start, end = _span(token)
            blocks.append(Other(start, end, kind))
            index += 1
        else:
            index += 1
    return blocks, index


def _fence_block(token: Token, lines: Sequence[str]) -> Block:
    start, end = _span(token)
    info = token.info.strip()
    directive = _DIRECTIVE_INFO.match(info)
    if directive:
        explicit_id = None
        for line in token.content.split("\n"):
            option = _OPTION_ID.match(line.strip())
            if option:
                explicit_id = option.group(1)
                break
            if not line.strip().startswith(":"):
                break
        return Directive(start, end, directive.group(1), explicit_id, directive.group(2))
    if token.type == "colon_fence":
        return Other(start, end, "colon_fence")
    last = lines[end - 1].strip() if end - 1 > start else ""
    closed = (end - start >= 2 and last.startswith(token.markup)
              and not last.strip(token.markup[0]))
    return Fence(start, end, info, token.markup, token.content, closed)


def _list_block(tokens: Sequence[Token], index: int, close: int,
                lines: Sequence[str]) -> ListBlock:
    opening = tokens[index]
    start, end = _span(opening)
    items: list[ListItem] = []
    position = index + 1
    while position < close:
        token = tokens[position]
        if token.type != "list_item_open":
            position += 1
            continue
        item_close = _closing(tokens, position)
        children, _ = _read_blocks(tokens, position + 1, lines, item_close)
        item_start, item_end = _span(token)
        items.append(ListItem(item_start, item_end, _item_indent(lines[item_start]),
                              tuple(children)))
        position = item_close + 1
    links = tuple(link for t in tokens[index:close] if t.type == "inline" for link in _links(t))
    return ListBlock(start, end, opening.type == "ordered_list_open", tuple(items), links)


def _item_indent(line: str) -> int:
    """The column where a list item's content starts (CommonMark's rule)."""
    marker = _LIST_MARKER.match(line.expandtabs(4))
    if marker is None:
        return 0
    lead, sign, spaces, rest = marker.groups()
    width = len(spaces)
    if not rest or width == 0 or width > 4:
        width = 1
    return len(lead) + len(sign) + width


def _table_block(tokens: Sequence[Token], index: int, close: int) -> Table:
    start, end = _span(tokens[index])
    rows: list[tuple[str, ...]] = []
    header: tuple[str, ...] = ()
    cells: list[str] = []
    links: list[str] = []
    for token in tokens[index:close]:
        if token.type == "tr_open":
            cells = []
        elif token.type == "inline":
            cells.append(token.content.strip())
            links.extend(_links(token))
        elif token.type == "tr_close":
            if not header:
                header = tuple(cells)
            else:
                rows.append(tuple(cells))
    return Table(start, end, header, tuple(rows), tuple(links))


def _fill_gaps(blocks: list[Block], lines: Sequence[str], matter: int) -> list[Block]:
    """Blocks for the non-blank lines no token covers (link reference definitions)."""
    result: list[Block] = []
    covered = matter
    for block in [*blocks, Block(len(lines), len(lines))]:
        line = covered
        while line < block.start:
            if lines[line].strip():
                first = line
                while line < block.start and lines[line].strip():
                    line += 1
                result.append(Other(first, line, "definition"))
            else:
                line += 1
        if block.end > block.start:
            result.append(block)
        covered = max(covered, block.end)
    return result


def _sections(blocks: Sequence[Block]) -> Section:
    root = Section(None)
    stack = [root]
    for block in blocks:
        if isinstance(block, Heading):
            while stack[-1].heading is not None and stack[-1].level >= block.level:
                stack.pop()
            section = Section(block)
            stack[-1].children.append(section)
            stack.append(section)
        else:
            stack[-1].body.append(block)
    return root


def walk_blocks(blocks: Sequence[Block]) -> Iterator[Block]:
    """Every block, list items' blocks included, in document order."""
    for block in blocks:
        yield block
        if isinstance(block, ListBlock):
            for item in block.items:
                yield from walk_blocks(item.blocks)
