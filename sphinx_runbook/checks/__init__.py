"""Static checks: find stale commands without running them.

Each rule has an id, a message and a hint for the author.  Rules read index
entries (the same data ``runbook-index.json`` holds), a runbook at a time so
they can follow state across its commands (a ``cd``, a file an earlier
command writes), and never run a command; the flag-drift rule only runs
``PROGRAM --help`` inside the sandbox.  See :func:`run_checks`.
"""

from .base import CheckContext, Finding, Rule, run_checks

__all__ = ["CheckContext", "Finding", "Rule", "run_checks"]
