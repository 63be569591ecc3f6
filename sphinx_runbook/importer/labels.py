"""What a heading or a bold pseudo-heading announces: a symptom, steps, a check...

Plain Markdown runbooks mark their parts with headings (``### Root Cause``) or
bold labels (``**Symptoms:**``, ``**Cause:** text``, ``**Step 2**: do this``).
This module names the part a label announces; it knows nothing of blocks.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class Kind(enum.Enum):
    SYMPTOM = "symptom"
    CAUSE = "cause"
    #: A part made of steps: diagnosis, resolution, mitigation...
    STEPS = "steps"
    #: A part made of checks: verification, validation.
    VERIFY = "verify"
    #: One step of its own: ``Step 2``, ``1. Restart``, ``Solution 3: ...``.
    STEP = "step"
    #: What a command should print or return.
    EXPECTED = "expected"
    #: An illustration: "Look for errors like", "Example output".
    EXAMPLE = "example"
    #: Prose with a known purpose, kept as it is (prevention, warnings...).
    NOTE = "note"
    UNKNOWN = "unknown"


#: Parts a runbook is made of: a section with one of them is an incident.
PART_KINDS = frozenset({Kind.SYMPTOM, Kind.CAUSE, Kind.STEPS, Kind.VERIFY})

#: Notes that belong to the step they sit in, rather than ending it.
CALLOUTS = frozenset({"note", "important", "warning", "caution", "tip", "danger", "attention"})


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


# Matched against the whole label, lower case, without its colon.  Order matters:
# "Resolution Verification" is a check, not a resolution.
_RULES: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    (Kind.VERIFY, _any(
        r"(?:resolution |post-fix |final )?(?:verification|verify|validation)(?: steps?)?",
        r"how to (?:verify|validate|check)\b.*",
        r"verify (?:the )?(?:fix|resolution|recovery)",
        r"after\b.*\bverify",
    )),
    (Kind.SYMPTOM, _any(
        r"(?:the |common |observed |typical |possible )?(?:symptoms?|signs?|detection)",
        r"meaning|alerts?|error messages?|what you see",
        r".*\bsymptoms",
    )),
    (Kind.CAUSE, _any(
        r"(?:the |root |common |possible |likely |probable )?causes?",
        r"root causes?|reasons?|why",
    )),
    (Kind.STEPS, _any(
        r"(?:resolution|solutions?|fix(?:es)?|remediation|mitigation|recovery|response"
        r"|workaround|repair|diagnosis|diagnostics|investigation|troubleshooting|triage"
        r"|procedure)(?: steps?)?",
        r"(?:how )?to (?:fix|resolve|recover|mitigate)",
        r"(?:quick |common )?fix(?:es)?|(?:diagnostic|recovery|response) steps|steps",
        r"if (?:the )?(?:problem|issue|error)s? persists?",
        r"(?:[\w-]+ )?checklist",
    )),
    (Kind.EXPECTED, _any(
        r"expected(?: [\w/-]+){0,3}",
        r"(?:it |this |you )?should (?:return|show|print|output|see|look like)\b.*",
    )),
    (Kind.EXAMPLE, _any(
        r"(?:an? )?(?:example|sample|typical)(?: [\w-]+){0,3}",
        r"look for\b.*",
        r"output(?: shows?| looks? like| will show)?\b.*",
        r"(?:the )?response (?:will|should|shows?)\b.*",
        r"(?:the )?logs? (?:show|look like)\b.*",
    )),
    (Kind.NOTE, _any(
        "|".join(sorted(CALLOUTS)),
        r"notes|prevention|impact|best practices|tips|background|context|see also",
    )),
)

#: ``Step 2``, ``Step 2: Restart``, ``Step 2 - Restart``.
_STEP_NUMBERED = re.compile(r"^step\s*\d+[a-z]?\b\s*[:.)-]?\s*(?P<title>.*)$", re.IGNORECASE)
#: ``1. Restart``, ``2) Restart``.
_NUMBERED = re.compile(r"^\d{1,3}[.)]\s+(?P<title>\S.*)$")
#: ``Solution 3: Clock skew``, ``Option 2``: alternatives keep their name.
_ALTERNATIVE = re.compile(r"^(?:solution|option|alternative|approach|fix|method|workaround)"
                          r"\s*\d+[a-z]?\b", re.IGNORECASE)
#: ``Issue 3: ...``, ``Incident 2 - ...``, ``3. ...``: numbering before a title.
_TITLE_NUMBER = re.compile(r"^(?:(?:issue|incident|problem|case|scenario|step)\s*#?\d+[a-z]?"
                           r"|#?\d{1,3})\s*[:.)-]\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Label:
    kind: Kind
    #: The text of the label as written (markup kept, colon removed).
    text: str
    #: The title it gives the block it starts (steps: without the number).
    title: str | None = None


_BARE_KINDS = frozenset({"symptom", "symptoms", "cause", "causes", "root cause", "root causes"})


def is_bare(label: Label) -> bool:
    """A label that only names its kind (``Symptoms``): the card's header says it already."""
    return normalise(label.text) in _BARE_KINDS


def normalise(text: str) -> str:
    """Lower case, no emphasis markers, single spaces, no final colon."""
    text = re.sub(r"[*_`]", "", text).strip().rstrip(":").strip()
    return " ".join(text.lower().split())


def strip_colon(text: str) -> str:
    return text.strip().removesuffix(":").rstrip()


def unwrap_bold(text: str) -> str:
    """``**Check this:**`` -> ``Check this:``; other text unchanged."""
    text = text.strip()
    for marker in ("**", "__"):
        inner = text[2:-2]
        if (text.startswith(marker) and text.endswith(marker) and len(text) > 4
                and marker not in inner):
            return inner.strip()
    return text


def classify(text: str) -> Label:
    """What the label ``text`` (a heading, or the bold part of a pseudo-heading) announces."""
    written = strip_colon(unwrap_bold(text))
    step = _STEP_NUMBERED.match(written)
    if step:
        return Label(Kind.STEP, written, strip_colon(step.group("title")) or None)
    if _ALTERNATIVE.match(written):
        return Label(Kind.STEP, written, written)
    numbered = _NUMBERED.match(written)
    if numbered:
        return Label(Kind.STEP, written, strip_colon(unwrap_bold(numbered.group("title"))))
    name, separator, rest = written.partition(":")
    for kind, pattern in _RULES:
        if pattern.fullmatch(normalise(written)):
            return Label(kind, written)
        # "Cause: disk full" -> a cause titled "disk full".
        if separator and rest.strip() and kind in PART_KINDS and pattern.fullmatch(
                normalise(name)):
            return Label(kind, written, rest.strip())
    return Label(Kind.UNKNOWN, written)


def without_number(title: str) -> str:
    """``Issue 3: Disk full`` -> ``Disk full`` (for ids, which should not renumber)."""
    return _TITLE_NUMBER.sub("", title.strip(), count=1) or title


#: ``**Label:** rest``, ``**Label**: rest``, ``**Label**`` alone.
_BOLD_LABEL = re.compile(r"^(?:\*\*(?P<star>[^*\n]+?)\*\*|__(?P<under>[^_\n]+?)__)"
                         r"(?P<colon>\s*:)?(?P<rest>.*)$")


@dataclass(frozen=True)
class LineLabel:
    label: Label
    #: What follows the label on its line.
    rest: str


def bold_label(line: str) -> LineLabel | None:
    """The pseudo-heading a paragraph line starts with, if it starts with one.

    A bold span counts as a label when it ends with a colon (inside or right
    after it) or is the whole line: ``**Fix:** do this``, ``**Step 1**: do``,
    ``**Solution 2: Restart**``; not ``**Redis** is optional``.
    """
    match = _BOLD_LABEL.match(line.strip())
    if match is None:
        return None
    label = match.group("star") or match.group("under")
    colon, rest = match.group("colon"), match.group("rest")
    if not (label.rstrip().endswith(":") or colon or not rest.strip()):
        return None
    return LineLabel(classify(label), rest.strip())


#: Plain lead-ins that announce output: "Expected:", "Look for errors like:".
_PLAIN_LEAD = re.compile(r"^(?P<label>(?:expected|should return|look for|output|example|"
                         r"response will|the response)[^:`]{0,60}):\s*(?P<rest>.*)$",
                         re.IGNORECASE)


def plain_label(line: str) -> LineLabel | None:
    """An ``Expected:`` or ``Look for ...:`` lead-in written without bold."""
    match = _PLAIN_LEAD.match(line.strip())
    if match is None:
        return None
    label = classify(match.group("label"))
    if label.kind not in (Kind.EXPECTED, Kind.EXAMPLE):
        return None
    return LineLabel(label, match.group("rest").strip())


_KNOWN_PROSE_SECTIONS = re.compile(
    r"(?:table of )?contents|toc|overview|introduction|about(?: this [\w ]+)?"
    r"|related(?: [\w ]+)?|(?:additional |further |other )?(?:resources|reading|references)"
    r"|see also|glossary|changelog|(?:revision|document|version) history|license"
    r"|(?:support )?contacts?(?: [\w ]+)?|escalation(?: [\w ]+)?|support|owners?|authors?"
)


def is_known_prose_section(title: str) -> bool:
    """Navigation and reference sections: prose by nature, not worth reporting."""
    return bool(_KNOWN_PROSE_SECTIONS.fullmatch(normalise(without_number(title))))
