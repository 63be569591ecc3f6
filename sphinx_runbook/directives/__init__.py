"""The ``runbook``, ``symptom``, ``cause``, ``step`` and ``verify`` directives."""

from __future__ import annotations

from sphinx.application import Sphinx

from .prose import CauseDirective, SymptomDirective
from .runbook import RunbookDirective
from .step import StepDirective, VerifyDirective

DIRECTIVES = {
    "runbook": RunbookDirective,
    "symptom": SymptomDirective,
    "cause": CauseDirective,
    # sphinx-design also has a ``step`` (inside its ``steps``); ours hands those over to it.
    "step": StepDirective,
    "verify": VerifyDirective,
}


def setup_directives(app: Sphinx) -> None:
    for name, directive in DIRECTIVES.items():
        app.add_directive(name, directive, override=True)
