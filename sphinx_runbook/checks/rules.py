"""Every built-in rule, in the order their findings are reported."""

from __future__ import annotations

from .base import Rule


def all_rules() -> list[Rule]:
    # Imported here: the rules pull in parsers (sqlglot) that a build with
    # the checks off never needs.
    from .deprecated import DeprecatedRule
    from .flags import FlagDriftRule
    from .masked import MaskedFailureRule
    from .placeholders import UnresolvedPlaceholderRule
    from .programs import MissingProgramRule
    from .references import DanglingReferenceRule
    from .syntax import SyntaxRule

    return [SyntaxRule(), DeprecatedRule(), MissingProgramRule(), DanglingReferenceRule(),
            FlagDriftRule(), MaskedFailureRule(), UnresolvedPlaceholderRule()]


#: Rule id -> what it finds (for the documentation and the warning subtypes).
RULE_IDS = ("syntax", "deprecated", "missing-program", "dangling-reference", "flag-drift",
            "masked-failure", "unresolved-placeholder")
