"""The line under a command block that tells how its last verification went."""

from __future__ import annotations

import html
from typing import Any

_WORST_FIRST = ("failed", "timeout", "blocked", "skipped", "passed")
_LABELS = {"passed": "Verified", "failed": "Stale", "timeout": "Stale (timed out)",
           "skipped": "Not verified", "blocked": "Not verified (blocked)"}
_ICONS = {"passed": "\u2713", "failed": "\u2717", "timeout": "\u2717", "skipped": "\u2013",
          "blocked": "\u2013"}


def verification_badge(results: list[dict[str, Any]]) -> str:
    """The last verification of a block's commands: its worst status, visibly explained."""
    worst = min(results, key=lambda r: _WORST_FIRST.index(r["status"]))
    status = worst["status"]
    date = (worst.get("timestamp") or "")[:10]
    reason = worst.get("reason") or ""
    tooltip = "\n".join(
        f"{r['id']}: {r['status']}{': ' + r['reason'] if r.get('reason') else ''}"
        for r in results)
    parts = [f'<span class="runbook-verification-icon" aria-hidden="true">{_ICONS[status]}'
             "</span>",
             f'<span class="runbook-verification-label">{_LABELS[status]}</span>']
    if date:
        parts.append(f'<time datetime="{html.escape(worst["timestamp"])}">{date}</time>')
    if reason and status != "passed":
        parts.append(f'<span class="runbook-verification-reason">{html.escape(reason)}</span>')
    return (f'<p class="runbook-verification runbook-verification-{status}" '
            f'title="{html.escape(tooltip, quote=True)}">' + " ".join(parts) + "</p>\n")
