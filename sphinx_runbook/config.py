"""The ``runbook_*`` settings of ``conf.py``: defaults, validation and help.

Each setting is declared once here; ``docs/`` renders its table from
:data:`SETTINGS`, and :func:`validate` turns bad values into one
``runbook.config`` warning each (the bad value is replaced by the default).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sphinx.application import Sphinx
from sphinx.config import Config

from .analysis.safety import LEVELS, rule_from_config
from .checks.rules import RULE_IDS
from .verify.results import STATUSES
from .verify.settings import EXECUTE_MODES, SANDBOX_CHOICES, Profile, Service
from .verify.shell import Limits
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
    #: Types Sphinx accepts besides the default's (else it warns about the type).
    types: tuple[type, ...] = ()


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


def _one_of(*choices: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(map(repr, choices))}, not {value!r}")
    return check


def _check_statuses(value: Any) -> None:
    _check_string_list(value)
    unknown = [status for status in value if status not in STATUSES]
    if unknown:
        raise ValueError(f"unknown statuses {unknown} (known: {', '.join(STATUSES)})")


def _check_count(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("must be a whole number, 0 or more")


def _check_positive(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("must be a positive whole number")


def _check_seconds(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError("must be a positive number of seconds")


#: Spellings of a three-way switch (``-D`` on the command line gives strings).
SWITCH = {"auto": None, "on": True, "true": True, "1": True, "yes": True,
          "off": False, "false": False, "0": False, "no": False}


def _check_switch(value: Any) -> None:
    if not isinstance(value, bool) and str(value).lower() not in SWITCH:
        raise ValueError("must be True, False or 'auto'")


def _check_deprecated(value: Any) -> None:
    allowed = {"program", "subcommand", "option", "replacement", "reason", "source", "disabled"}
    if not isinstance(value, list):
        raise ValueError("must be a list of {program, subcommand, option, replacement, "
                         "reason, source, disabled}")
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("program"), str):
            raise ValueError(f"{entry!r} needs a 'program'")
        unknown = set(entry) - allowed
        if unknown:
            raise ValueError(f"{entry['program']!r} has unknown keys {sorted(unknown)}")


def _check_rule_ids(value: Any) -> None:
    _check_string_list(value)
    unknown = [rule for rule in value if rule not in RULE_IDS]
    if unknown:
        raise ValueError(f"unknown check rules {unknown} (rules: {', '.join(RULE_IDS)})")


def _check_bool(value: Any) -> None:
    if not isinstance(value, bool):
        raise ValueError("must be True or False")


def _check_services(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValueError("must be a dict: name -> {start, ready, stop, env, disposable, timeout}")
    for name, spec in value.items():
        if not isinstance(spec, dict):
            raise ValueError(f"service {name!r} must map to a dict")
        Service.from_config(name, spec)


def _check_profile(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValueError("must be a dict: {'values': {...}, 'urls': {...}}")
    Profile.from_config(value)


def _check_kernels(value: Any) -> None:
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValueError("must map a language (python) to a Jupyter kernel name")


def _check_limits(value: Any) -> None:
    fields = {field.name for field in dataclasses.fields(Limits)}
    if not isinstance(value, dict) or set(value) - fields:
        raise ValueError(f"must be a dict with keys among {sorted(fields)}")
    for key, limit in value.items():
        if limit is None and key == "processes":
            continue  # the default: limited only when the build does not run as root
        if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
            raise ValueError(f"{key!r} must be a positive whole number")


def _check_shard(value: Any) -> None:
    if value == "":
        return
    match = re.fullmatch(r"(\d+)/(\d+)", str(value))
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ValueError("must be 'K/N' with 1 <= K <= N (the K-th of N shards)")


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
    Setting("runbook_execute", "off", "",
            "Run the commands during the build: 'off'; 'auto' (runbooks whose commands or "
            "profile changed since their last run); 'cache' (also when the programs they "
            "call, their services, limits or sandbox changed); 'force' (every runbook).",
            _one_of(*EXECUTE_MODES)),
    Setting("runbook_fail_on", ["failed", "timeout"], "",
            "Statuses that make the build exit with status 1, with or without -W.",
            _check_statuses),
    Setting("runbook_sandbox", "auto", "",
            "Where commands run: 'bwrap' (bubblewrap: read-only system, private network), "
            "'process' (plain processes with a clean environment) or 'auto' (bwrap when it "
            "works here, else process; the build log says which and why).",
            _one_of(*SANDBOX_CHOICES)),
    Setting("runbook_jobs", 0, "",
            "Runbooks verified at the same time; 0 means one per CPU.", _check_count),
    Setting("runbook_timeout", 60, "",
            "Seconds a command may run unless its step sets :timeout:.", _check_seconds),
    Setting("runbook_env", [], "",
            "Names of your environment variables that commands may see; no other variable "
            "of yours reaches them.", _check_string_list),
    Setting("runbook_profile", {}, "",
            "What makes runbooks runnable here: {'values': {placeholder: value}, 'urls': "
            "{'https://api.example.com': 'http://127.0.0.1:8080'}}.", _check_profile),
    Setting("runbook_allow_destructive", False, "",
            "Run destructive commands too. Without it they run only when every service they "
            "require is disposable.", _check_bool),
    Setting("runbook_services", {}, "",
            "Services verification starts once per run: name -> {start, ready, stop, env, "
            "disposable, timeout}. Commands get them with :requires: name.", _check_services),
    Setting("runbook_kernels", {}, "",
            "Jupyter kernel per language (default {'python': 'python3'}).", _check_kernels),
    Setting("runbook_network", [], "",
            "Runbook ids whose commands may use the network beyond the machine (bwrap "
            "isolates the others). They run in a sandbox of their own, with their own "
            "copies of the services they require.",
            _check_string_list),
    Setting("runbook_limits", {}, "",
            "Resource limits of each command: cpu_seconds, memory_bytes, file_size_bytes, "
            "open_files, processes.", _check_limits),
    Setting("runbook_output_cap", 1024 * 1024, "",
            "Bytes of each stream (stdout, stderr) of a command that are kept; the rest is "
            "dropped and the cut noted in the output.", _check_positive),
    Setting("runbook_cache_path", "", "",
            "Where 'auto' and 'cache' keep results (relative to conf.py); default: "
            "runbook-cache beside the doctrees.", _check_string),
    Setting("runbook_check", "auto", "",
            "Run the static checks: True, False, or 'auto' (the default: when "
            "runbook_execute is on). sphinx-runbook check runs them alone.", _check_switch,
            (str, bool)),
    Setting("runbook_checks_disabled", [], "",
            "Ids of static check rules to turn off for the whole project.",
            _check_rule_ids),
    Setting("runbook_project_root", "", "",
            "The repository the runbooks describe, relative to conf.py: the "
            "dangling-reference check looks for scripts, make targets, npm scripts, nox "
            "sessions and compose services there. Empty: that check is off.", _check_string),
    Setting("runbook_external_programs", [], "",
            "Programs that exist only where the runbooks are used (production hosts): "
            "never reported as missing.", _check_string_list),
    Setting("runbook_sql_dialect", "postgres", "",
            "The SQL dialect of the syntax check (sqlglot's names: postgres, mysql, "
            "sqlite...).", _check_string),
    Setting("runbook_deprecated_commands", [], "",
            "More deprecated commands, or changes to the built-in ones: a list of {program, "
            "subcommand, option, replacement, reason, source, disabled}.", _check_deprecated),
    Setting("runbook_only", [], "",
            "Verify only these runbooks (ids, or command ids for their runbooks).",
            _check_string_list),
    Setting("runbook_shard", "", "",
            "'K/N': verify only the K-th of N shards of the runbooks (a CI matrix).",
            _check_shard),
)


def register(app: Sphinx) -> None:
    for setting in SETTINGS:
        if setting.types:
            app.add_config_value(setting.name, setting.default, setting.rebuild,
                                 types=setting.types)
        else:
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
