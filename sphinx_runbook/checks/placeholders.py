"""The ``unresolved-placeholder`` rule: commands verification cannot run for want of a value.

``kubectl -n <namespace> get pods`` runs only once ``namespace`` has a value
(``runbook_profile['values']``) or a default (``runbook_placeholders``).
Without one, verification skips the command; this rule says so before
anything runs.  It is not a stale command: the finding does not fail the
build (``stale=False``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .base import CheckContext, Entry, Finding

#: Languages verification runs (the others are never missing a value).
_RUNNABLE = frozenset({"shell", "python", "sql", "http"})


def _has_value(placeholder: dict[str, Any], values: dict[str, str]) -> bool:
    """A value from the profile (as written, upper or lower case) or a default."""
    name = placeholder["name"]
    if any(spelling in values for spelling in (name, name.upper(), name.lower())):
        return True
    return placeholder.get("default_value") is not None or \
        placeholder.get("default") is not None


def unresolved(command: Entry, values: dict[str, str]) -> list[str]:
    """Tokens of the reader's placeholders that nothing gives a value, each once."""
    tokens = []
    for placeholder in command.get("placeholders") or []:
        # Placeholders set by the runbook, the step's :env: or the environment
        # ($HOME) have their values where the command runs.
        if placeholder["supplied_by"] != "reader" or _has_value(placeholder, values):
            continue
        # A variable may come from the environment of a service the command
        # requires (runbook_services' env), which the checks do not see.
        if placeholder["syntax"] == "variable" and command.get("requires"):
            continue
        tokens.append(placeholder["token"])
    return list(dict.fromkeys(tokens))


class UnresolvedPlaceholderRule:
    """Commands meant to run whose placeholders have no value and no default."""

    id = "unresolved-placeholder"
    description = ("Commands verification would run whose placeholders have no value "
                   "in the profile and no default (not stale: they are skipped).")

    def check(self, runbook: Entry, commands: list[Entry], context: CheckContext
              ) -> Iterator[tuple[str, Finding]]:
        for command in commands:
            # Only commands verification would run: examples (:run: static or
            # never, symptoms, data blocks) need no values.
            if command["run"] != "auto" or command["kind"] not in ("step", "verify") \
                    or command["language"] not in _RUNNABLE:
                continue
            tokens = unresolved(command, context.values)
            if tokens:
                yield command["id"], Finding(
                    self.id, f"no value for {', '.join(tokens)}: verification cannot run "
                             "the command",
                    "give values in runbook_profile['values'] or defaults in "
                    "runbook_placeholders", stale=False)
