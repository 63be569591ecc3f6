"""Symptom / cause / fix tables: which column says what, and the units a table gives."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .blocks import Table
from .labels import normalise
from .units import Unit, UnitKind

_SYMPTOM = re.compile(r"symptoms?|failures?|errors?|problems?|issues?|signs?|alerts?"
                      r"|observations?|what you see")
_CAUSE = re.compile(r"(?:root |likely |probable )?causes?|meaning|reasons?|why")
_FIX = re.compile(r"fix(?:es)?|resolution|solutions?|actions?|remed(?:y|ies)|remediation"
                  r"|workarounds?|mitigation|what to do|how to fix|steps?")


@dataclass(frozen=True)
class TableShape:
    """Column indexes; a table is one of these when it has a fix and a symptom or cause."""

    fix: int
    symptom: int | None
    cause: int | None


def table_shape(table: Table) -> TableShape | None:
    columns: dict[str, int] = {}
    for index, header in enumerate(table.header):
        name = normalise(header)
        for kind, pattern in (("symptom", _SYMPTOM), ("cause", _CAUSE), ("fix", _FIX)):
            if kind not in columns and pattern.fullmatch(name):
                columns[kind] = index
                break
    if "fix" not in columns or not ({"symptom", "cause"} & columns.keys()) or not table.rows:
        return None
    return TableShape(columns["fix"], columns.get("symptom"), columns.get("cause"))


def table_units(table: Table, shape: TableShape) -> list[Unit]:
    """A symptom/cause/fix table: a cause (or symptom) per row, then a step per row."""
    firsts: list[Unit] = []
    steps: list[Unit] = []
    for row in table.rows:
        cells = [row[index] if index < len(row) else "" for index in range(len(table.header))]
        named = {index for index in (shape.fix, shape.cause, shape.symptom) if index is not None}
        details = [f"**{table.header[index]}:** {cell}" for index, cell in enumerate(cells)
                   if index not in named and cell]
        step = Unit(UnitKind.STEP)
        if shape.cause is not None:
            cause = Unit(UnitKind.CAUSE, cells[shape.cause] or None, cited=True)
            if shape.symptom is not None and cells[shape.symptom]:
                details.insert(0, f"**{table.header[shape.symptom]}:** {cells[shape.symptom]}")
            firsts.append(cause)
            step.addresses = cause
        else:
            assert shape.symptom is not None
            firsts.append(Unit(UnitKind.SYMPTOM, cells[shape.symptom] or None))
        if details:
            firsts[-1].add_text(_paragraphs(details))
        if cells[shape.fix]:
            step.add_text([cells[shape.fix]])
        steps.append(step)
    return firsts + steps


def _paragraphs(lines: list[str]) -> list[str]:
    result: list[str] = []
    for line in lines:
        result += ["", line] if result else [line]
    return result
