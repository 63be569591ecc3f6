"""The ``runbook_*`` settings of ``conf.py``: defaults, validation and help.

Each setting is declared once here; ``docs/`` renders its table from
:data:`SETTINGS`, and :func:`validate` turns bad values into one
``runbook.config`` warning each (the bad value is replaced by the default).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sphinx.application import Sphinx
from sphinx.config import Config

from .analysis.safety import LEVELS, rule_from_config
from .warnings import warn


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    #: What a change invalidates: ``"env"`` re-reads every document.
    rebuild: Literal["", "env", "html"]
    help: str
    #: Raises ValueError with a message for the author.
    check: Callable[[Any], None]


def _check_placeholders(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValueError("must be a dict: name -> {description, default, pattern, secret}")
    allowed = {"description", "default", "pattern", "secret"}
    for name, spec in value.items():
        if not isinstance(spec, dict):
            raise ValueError(f"{name!r} must map to a dict")
        unknown = set(spec) - allowed
        if unknown:
            raise ValueError(f"{name!r} has unknown keys {sorted(unknown)} (allowed: "
                             f"{sorted(allowed)})")
        if "pattern" in spec:
            re.compile(spec["pattern"])
        default, pattern = spec.get("default"), spec.get("pattern")
        if default is not None and pattern and not re.fullmatch(pattern, str(default)):
            raise ValueError(f"{name!r}: default {default!r} does not match {pattern!r}")


def _check_rules(value: Any) -> None:
    if not isinstance(value, list):
        raise ValueError("must be a list of {id, level, language, pattern, description}")
    for entry in value:
        rule_from_config(entry)


def _check_string_list(value: Any) -> None:
    if not isinstance(value, (list, tuple, set)) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of strings")


def _check_string(value: Any) -> None:
    if not isinstance(value, str):
        raise ValueError("must be a string")


SETTINGS: tuple[Setting, ...] = (
    Setting("runbook_placeholders", {}, "env",
            "Declared placeholders: name -> {description, default, pattern, secret}. "
            "Commands that use <name>, [name], {{name}} or $name get these details in the "
            "index; defaults are the values verification uses.",
            _check_placeholders),
    Setting("runbook_safety_rules", [], "env",
            "Extra safety rules, each {id, level, language, pattern, description}: a command "
            "whose text matches the regular expression gets at least that level (" +
            ", ".join(LEVELS) + ").",
            _check_rules),
    Setting("runbook_read_only_programs", [], "env",
            "Programs of yours that only read (added to the built-in list), so shell "
            "commands calling them are not classified as mutating.",
            _check_string_list),
    Setting("runbook_index_base_url", "", "",
            "Absolute URL of the published site; when set, the index's urls are absolute.",
            _check_string),
)


def register(app: Sphinx) -> None:
    for setting in SETTINGS:
        app.add_config_value(setting.name, setting.default, setting.rebuild)
    app.connect("config-inited", validate)


def validate(app: Sphinx, config: Config) -> None:
    for setting in SETTINGS:
        value = getattr(config, setting.name)
        try:
            setting.check(value)
        except (ValueError, TypeError, re.error) as error:
            warn(f"{setting.name}: {error}; using the default instead", "config", None)
            setattr(config, setting.name, setting.default)
