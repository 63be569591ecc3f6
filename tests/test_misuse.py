"""Each misuse gives exactly one located ``runbook.*`` warning, and the build goes on."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import warnings_of

# (file, line, subtype, message) for the reST and the MyST spelling of each case.
CASES = [
    ("unknown_option_rst.rst", 4, "unknown-option",
     "unknown option :sevrity: of 'runbook' directive; did you mean :severity:?"),
    ("unknown_option_md.md", 3, "unknown-option",
     "unknown option :sevrity: of 'runbook' directive; did you mean :severity:?"),
    ("bad_severity_rst.rst", 4, "invalid-option",
     "invalid :severity: of 'runbook' directive: 'urgent' is not a severity: "
     "use P0-P4 or critical, high, medium, low"),
    ("bad_severity_md.md", 3, "invalid-option",
     "invalid :severity: of 'runbook' directive: 'urgent' is not a severity: "
     "use P0-P4 or critical, high, medium, low"),
    ("step_outside_rst.rst", 6, "misplaced", "'step' must be inside a 'runbook' directive"),
    ("step_outside_md.md", 5, "misplaced", "'step' must be inside a 'runbook' directive"),
    ("empty_verify_rst.rst", 13, "empty-verify",
     "verify 'verify-free-space' has nothing to check: add a command (a code block), "
     "or mark it :manual: when a person performs the check"),
    ("empty_verify_md.md", 12, "empty-verify",
     "verify 'verify-free-space' has nothing to check: add a command (a code block), "
     "or mark it :manual: when a person performs the check"),
    ("unknown_need_rst.rst", 7, "unknown-need",
     "step 'free-space' needs 'clean-logs', which is not a step of runbook 'disk-full-need'"),
    ("unknown_need_md.md", 6, "unknown-need",
     "step 'free-space' needs 'clean-logs', which is not a step of runbook 'disk-full-need-md'"),
    ("duplicate_step_rst.rst", 14, "duplicate-id",
     "id 'stats' is already used in runbook 'cache-misses'"),
    ("duplicate_step_md.md", 13, "duplicate-id",
     "id 'stats' is already used in runbook 'cache-misses-md'"),
    # The first runbook with an id keeps it (by document name); the later one is warned.
    ("duplicate_b_md.md", 3, "duplicate-id",
     "runbook id 'queue-backlog' is already used by 'Queue backlog' (duplicate_a_rst.rst:4); "
     "give one of them another :id:"),
]


@pytest.fixture
def misuse(built: Any) -> Any:
    return built("misuse")


@pytest.mark.parametrize(("filename", "line", "subtype", "message"), CASES,
                         ids=[case[0] for case in CASES])
def test_misuse_gives_one_located_warning(misuse: Any, filename: str, line: int, subtype: str,
                                          message: str) -> None:
    found = [w for w in warnings_of(misuse) if f"/{filename}:" in w]
    assert len(found) == 1, found
    location, _, text = found[0].partition(" WARNING: ")
    assert location.endswith(f"/{filename}:{line}:")
    assert text == f"{message} [runbook.{subtype}]"


def test_no_other_warnings(misuse: Any) -> None:
    covered = {case[0] for case in CASES}
    others = [w for w in warnings_of(misuse) if not any(f"/{name}:" in w for name in covered)]
    assert others == []


def test_the_build_goes_on_and_keeps_the_content(misuse: Any) -> None:
    outdir = misuse.outdir
    for page in ("unknown_option_rst", "unknown_option_md", "bad_severity_md", "step_outside_md"):
        html = (outdir / f"{page}.html").read_text(encoding="utf-8")
        assert "Free space" in html
        assert "df" in html


@pytest.mark.parametrize("subtype", ["unknown-option", "duplicate-id"])
def test_suppress_warnings_silences_one_subtype(built: Any, subtype: str) -> None:
    app = built("misuse", confoverrides={"suppress_warnings": [f"runbook.{subtype}"]})
    warnings = warnings_of(app)
    assert not [w for w in warnings if f"[runbook.{subtype}]" in w]
    assert [w for w in warnings if "[runbook.invalid-option]" in w]
