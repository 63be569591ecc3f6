"""What can be known about a runbook's commands without running them.

:func:`analyse` fills in each command's programs, placeholders, safety and
content hash.  It runs once per document at read time, so the results are
pickled with the records and cost nothing on later builds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..model import Command, Placeholder, Runbook, Safety, Step
from ..warnings import warn
from . import placeholders, safety, shell


@dataclass(frozen=True)
class Settings:
    rules: Sequence[safety.Rule] = safety.BUILTIN_RULES
    read_only_programs: frozenset[str] = safety.READ_ONLY_PROGRAMS

    @classmethod
    def from_config(cls, rules: Iterable[dict[str, str]], read_only: Iterable[str]) -> Settings:
        return cls(
            rules=(*safety.BUILTIN_RULES, *(safety.rule_from_config(r) for r in rules)),
            read_only_programs=safety.READ_ONLY_PROGRAMS | frozenset(read_only),
        )


def content_hash(command: Command, block: object) -> str:
    """What decides a command's outcome, hashed: unrelated edits leave it alone."""
    step = block if isinstance(block, Step) else None
    material = {
        "language": command.language,
        "code": command.code,
        "expected_output": command.expected_output,
        "expect": [step.expect_exit, step.expect_json, step.expect_status] if step else None,
        "env": step.env if step else {},
        "cwd": step.cwd if step else None,
    }
    encoded = json.dumps(material, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def _safety(command: Command, block: object, settings: Settings) -> tuple[Safety, str | None]:
    """The command's safety, and a complaint when the author lowers it without a reason."""
    verdict = safety.classify(command.code, command.language, settings.rules,
                              settings.read_only_programs)
    complaint = None
    if isinstance(block, Step):
        if block.destructive:
            verdict = safety.raise_to(verdict, "destructive", "author.destructive",
                                      "the step is marked :destructive:")
        declared = block.safety
        if declared is not None and declared != verdict.level:
            raising = safety.rank(declared) > safety.rank(verdict.level)
            if raising or (block.safety_reason and not block.destructive):
                reason = block.safety_reason or f"the step says :safety: {declared}"
                verdict = safety.Verdict(declared, "author.safety", reason)  # type: ignore[arg-type]
            elif not block.destructive:
                complaint = (
                    f"{block.kind} {block.id!r} lowers the safety of {command.id!r} from "
                    f"{verdict.level} ({verdict.rule}) to {declared}: add :safety-reason: "
                    "to say why")
    return Safety(verdict.level, verdict.rule, verdict.reason), complaint


def _placeholders(command: Command, block: object, assigned: set[str], sets_here: set[str]
                  ) -> list[Placeholder]:
    step_env = block.env if isinstance(block, Step) else {}
    result = []
    for found in placeholders.find(command.code, command.language):
        if found.syntax != "variable":
            supplied_by = "reader"
        elif found.name in assigned or found.name in sets_here:
            supplied_by = "runbook"
        elif found.name in step_env:
            supplied_by = "step"
        elif found.name in placeholders.ENVIRONMENT_VARIABLES:
            supplied_by = "environment"
        else:
            supplied_by = "reader"
        result.append(Placeholder(found.name, found.syntax, found.token, supplied_by,
                                  found.inline_default))
    return result


def analyse(runbook: Runbook, settings: Settings) -> None:
    """Fill in programs, placeholders, safety and hash of every command of ``runbook``."""
    assigned: set[str] = set()
    complained: set[str] = set()
    for block, command in runbook.all_commands():
        is_shell = command.language == "shell"
        sets_here = set(shell.assigned_variables(command.code)) if is_shell else set()
        command.programs = shell.programs(command.code) if is_shell else []
        command.placeholders = _placeholders(command, block, assigned, sets_here)
        assigned |= sets_here
        command.safety, complaint = _safety(command, block, settings)
        if complaint and isinstance(block, Step) and block.id not in complained:
            complained.add(block.id)
            warn(complaint, "safety-override", (runbook.docname, block.line))
        command.hash = content_hash(command, block)
