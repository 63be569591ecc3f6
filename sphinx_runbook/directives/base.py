"""What every runbook directive shares: lenient options and the parse context."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from .. import options as opt
from ..slugs import unique
from ..warnings import warn


@dataclass
class RunbookContext:
    """The runbook being parsed, so nested directives know where they are."""

    runbook_id: str
    step_count: int = 0
    symptom_count: int = 0
    cause_count: int = 0
    block_ids: set[str] = field(default_factory=set)
    last_step_id: str | None = None


_CONTEXT_KEY = "runbook_context"


class BaseDirective(SphinxDirective):
    """A directive whose options are validated here, with ``runbook.*`` warnings."""

    #: option name -> validator; subclasses fill it in.
    validators: ClassVar[dict[str, Callable[[str | None], Any]]] = {}
    final_argument_whitespace = True
    has_content = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.option_spec = opt.LenientOptionSpec(sorted(cls.validators))  # type: ignore[assignment]

    def warn(self, message: str, subtype: str) -> None:
        warn(message, subtype, (self.env.docname, self.lineno))

    def checked_options(self) -> dict[str, Any]:
        """The options with valid values; each bad one is warned about and dropped."""
        result: dict[str, Any] = {}
        for name, raw in self.options.items():
            if isinstance(raw, opt.UnknownOption):
                self.warn(self.unknown_option_message(name), "unknown-option")
                continue
            try:
                result[name] = self.validators[name](raw)
            except opt.OptionError as error:
                self.warn(f"invalid :{name}: of {self.name!r} directive: {error}",
                          "invalid-option")
        return result

    def unknown_option_message(self, name: str) -> str:
        message = f"unknown option :{name}: of {self.name!r} directive"
        close = difflib.get_close_matches(name, self.validators, n=1)
        if close:
            return f"{message}; did you mean :{close[0]}:?"
        known = ", ".join(f":{key}:" for key in sorted(self.validators))
        return f"{message} (known options: {known})"

    # -- the runbook being parsed ---------------------------------------------

    def claim_block_id(self, options: dict[str, Any], generated: str) -> str:
        """The block's ``:id:`` (warned about when taken) or ``generated``, made unique."""
        context = self.context
        assert context is not None
        explicit = options.get("id")
        if explicit is not None and explicit in context.block_ids:
            self.warn(f"id {explicit!r} is already used in runbook {context.runbook_id!r}",
                      "duplicate-id")
        block_id = unique(explicit or generated, context.block_ids)
        context.block_ids.add(block_id)
        return block_id

    @property
    def context(self) -> RunbookContext | None:
        stack: list[RunbookContext] = self.env.temp_data.get(_CONTEXT_KEY) or []
        return stack[-1] if stack else None

    @contextmanager
    def entered(self, context: RunbookContext) -> Iterator[None]:
        stack = self.env.temp_data.setdefault(_CONTEXT_KEY, [])
        assert isinstance(stack, list)
        stack.append(context)
        try:
            yield
        finally:
            stack.pop()

    def parse_title(self, text: str) -> list[nodes.Node]:
        title_nodes, messages = self.state.inline_text(text, self.lineno)
        return [*title_nodes, *messages]

    def parse_content_into(self, node: nodes.Element) -> None:
        if self.content:
            self.state.nested_parse(self.content, self.content_offset, node)
