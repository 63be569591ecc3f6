"""The ``deprecated`` rule: commands that call deprecated, renamed or removed programs.

A command is matched on the programs it actually calls, as the shell reads
it (after ``sudo``, ``env``, ``xargs``; inside ``$(...)`` and ``bash -c``), never
on text in quotes or comments: ``echo "use ifconfig"`` calls ``echo``.  The
built-in table (:data:`BUILTIN_DEPRECATIONS`) only lists replacements their
own projects or distributions announced; ``runbook_deprecated_commands``
adds entries, replaces one (same program and subcommand) or turns one off
(``"disabled": True``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..analysis.shell import basename, walk, without_heredoc_bodies
from .base import CheckContext, Entry, Finding, opted_out

_PYTHON = re.compile(r"^python[\d.]*$")


@dataclass(frozen=True)
class Deprecation:
    """One deprecated call and what replaces it."""

    #: The program as called (its base name): ``docker-compose``, ``ifconfig``.
    program: str
    #: What to use instead, for the hint (empty: no hint).
    replacement: str
    #: Why, for the message: who deprecated it and when.
    reason: str
    #: Only this subcommand (the first argument that is not an option): ``run``.
    subcommand: str | None = None
    #: Only with this option (``--generator``, ``--use-feature=2020-resolver``).
    option: str | None = None
    #: Where the deprecation is announced (for the documentation).
    source: str = ""

    @property
    def key(self) -> tuple[str, str | None]:
        """Configuration entries with the same key replace or disable this one."""
        return self.program, self.subcommand

    @property
    def call(self) -> str:
        return " ".join(part for part in (self.program, self.subcommand, self.option) if part)

    def matches(self, program: str, arguments: list[str]) -> bool:
        if basename(program) != self.program:
            return False
        if self.subcommand is not None:
            first = next((a for a in arguments if not a.startswith("-")), None)
            if first != self.subcommand:
                return False
        return self.option is None or _has_option(arguments, self.option)


def _has_option(arguments: list[str], option: str) -> bool:
    """``--opt``, ``--opt=value``; for ``--opt=value``, also ``--opt value``."""
    name, _, value = option.partition("=")
    for position, argument in enumerate(arguments):
        if argument == "--":
            break
        if value:
            if argument == option or (argument == name
                                      and arguments[position + 1:position + 2] == [value]):
                return True
        elif argument == name or argument.startswith(f"{name}="):
            return True
    return False


_NET_TOOLS = ("net-tools is unmaintained and superseded by iproute2; Debian no longer "
              "installs it by default")
_NET_TOOLS_SOURCE = "Debian 9 release notes, 'Deprecated networking tools'"

#: The built-in deprecations (the documentation lists them).  Each one is
#: announced by the program's own project or a major distribution; programs
#: that are merely old (nslookup, iptables, which) are not here.
BUILTIN_DEPRECATIONS: tuple[Deprecation, ...] = (
    # Docker Compose V1 reached end of life in July 2023; V2 is the `docker compose`
    # CLI plugin (docs.docker.com/compose/releases/migrate/).
    Deprecation("docker-compose", "`docker compose` (a space: the Compose V2 plugin)",
                "Compose V1 reached end of life in July 2023",
                source="https://docs.docker.com/compose/releases/migrate/"),
    # The NTP project retired ntpdate in favour of `ntpd -q` (ntpdate(8) page of the
    # NTP 4.2.8 documentation); RHEL 8 ships chrony only and no ntpdate ("Using the
    # Chrony suite to configure NTP", RHEL 8 documentation).
    Deprecation("ntpdate", "`chronyc makestep` (chrony) or `timedatectl` "
                           "(systemd-timesyncd)",
                "the NTP project retired ntpdate and RHEL 8 no longer ships it",
                source="https://www.ntp.org/documentation/4.2.8-series/ntpdate/"),
    # net-tools: "The net-tools package is no longer part of new installations"
    # (Debian 9 "stretch" release notes, section "Deprecated networking tools");
    # RHEL 7 release notes deprecate it in favour of iproute2's ip and ss.
    Deprecation("ifconfig", "`ip addr` / `ip link` (iproute2)", _NET_TOOLS,
                source=_NET_TOOLS_SOURCE),
    Deprecation("netstat", "`ss` (e.g. `ss -tulpn`; iproute2)", _NET_TOOLS,
                source=_NET_TOOLS_SOURCE),
    Deprecation("route", "`ip route` (iproute2)", _NET_TOOLS, source=_NET_TOOLS_SOURCE),
    Deprecation("arp", "`ip neigh` (iproute2)", _NET_TOOLS, source=_NET_TOOLS_SOURCE),
    Deprecation("iptunnel", "`ip tunnel` (iproute2)", _NET_TOOLS, source=_NET_TOOLS_SOURCE),
    Deprecation("ipmaddr", "`ip maddr` (iproute2)", _NET_TOOLS, source=_NET_TOOLS_SOURCE),
    # Wireless Extensions (iwconfig) are deprecated; iw is the nl80211 tool ("The old
    # tool iwconfig, which uses Wireless Extensions interface, is deprecated",
    # wireless.wiki.kernel.org/en/users/documentation/iw).
    Deprecation("iwconfig", "`iw` (e.g. `iw dev`)",
                "Wireless Extensions and iwconfig are deprecated in favour of nl80211 and iw",
                source="https://wireless.wiki.kernel.org/en/users/documentation/iw"),
    # RHEL 8 removed bridge-utils; bridges are managed with iproute2 (`ip link`, `bridge`)
    # ("Considerations in adopting RHEL 8", networking: "bridge-utils removed").
    Deprecation("brctl", "`ip link` / `bridge` (iproute2)",
                "bridge-utils is deprecated and removed from RHEL 8",
                source="Considerations in adopting RHEL 8 (networking)"),
    # apt-key(8), DEPRECATION: "Except for using apt-key del in maintainer scripts, the use
    # of apt-key is deprecated"; "apt-key(8) will last be available in Debian 11 and
    # Ubuntu 22.04".
    Deprecation("apt-key", "a keyring file in /etc/apt/keyrings and `signed-by=` in the "
                           "source entry (see apt-key(8), DEPRECATION)",
                "apt-key is deprecated and gone after Debian 11 and Ubuntu 22.04",
                source="apt-key(8), section DEPRECATION"),
    # On systemd hosts service(8) only forwards to systemctl, kept for compatibility
    # ("Managing services with systemd", RHEL 7 System Administrator's Guide, table
    # "Comparison of the service utility with systemctl").
    Deprecation("service", "`systemctl ACTION UNIT` (e.g. `systemctl restart nginx`)",
                "service is a compatibility wrapper: systemctl is the systemd interface",
                source="RHEL 7 System Administrator's Guide, 'Managing services with "
                       "systemd'"),
    # GNU grep 3.8 NEWS (2022): "The egrep and fgrep commands, which have been deprecated
    # since release 2.5.3 (2007), now warn that they are obsolescent and should be
    # replaced by grep -E and grep -F."
    Deprecation("egrep", "`grep -E`", "GNU grep 3.8 warns that egrep is obsolescent",
                source="GNU grep 3.8 NEWS"),
    Deprecation("fgrep", "`grep -F`", "GNU grep 3.8 warns that fgrep is obsolescent",
                source="GNU grep 3.8 NEWS"),
    # Kubernetes 1.18 removed the generators of `kubectl run` (it only creates pods) and
    # 1.21 removed the --generator flag (CHANGELOG-1.18, CHANGELOG-1.21 "Deprecation").
    Deprecation("kubectl", "`kubectl run` without --generator (it creates a pod), or "
                           "`kubectl create deployment|job`",
                "kubectl 1.21 removed --generator", subcommand="run", option="--generator",
                source="Kubernetes CHANGELOG-1.18 and CHANGELOG-1.21"),
    # pip 22.3 NEWS: "Remove --use-feature=2020-resolver opt-in flag" (the resolver is the
    # default since pip 20.3); newer pips reject the option.
    Deprecation("pip", "plain `pip install` (the 2020 resolver is the default)",
                "pip 22.3 removed --use-feature=2020-resolver", subcommand="install",
                option="--use-feature=2020-resolver", source="pip 22.3 release notes"),
    Deprecation("pip3", "plain `pip3 install` (the 2020 resolver is the default)",
                "pip 22.3 removed --use-feature=2020-resolver", subcommand="install",
                option="--use-feature=2020-resolver", source="pip 22.3 release notes"),
    # setuptools 52.0.0 changelog: "Removed easy_install" (#2544).
    Deprecation("easy_install", "`pip install`", "setuptools 52 removed easy_install",
                source="setuptools v52.0.0 changelog"),
    # EFF: certbot-auto is deprecated and no longer supported on any system (2020);
    # install certbot with snap or the distribution's package (certbot.eff.org).
    Deprecation("certbot-auto", "`certbot` (from snap or the distribution's package)",
                "the Certbot project no longer supports certbot-auto",
                source="https://certbot.eff.org/"),
)


def _disabled(entry: Mapping[str, Any]) -> bool:
    # conf.py gives True; -D on the command line gives a string.
    return str(entry.get("disabled", "")).lower() in {"true", "1", "yes", "on"}


def deprecations(configured: Iterable[Mapping[str, Any]] = ()) -> list[Deprecation]:
    """The built-in table with the project's entries applied, in table order.

    An entry with the same program and subcommand as a built-in one replaces
    it; ``"disabled": True`` removes it (without a subcommand: every entry of
    that program).  Other entries are added.
    """
    table: dict[tuple[str, str | None], Deprecation] = {
        entry.key: entry for entry in BUILTIN_DEPRECATIONS}
    for entry in configured:
        program = str(entry["program"])
        subcommand = entry.get("subcommand") or None
        key = (program, None if subcommand is None else str(subcommand))
        if _disabled(entry):
            for known in list(table):
                if known == key or (subcommand is None and known[0] == program):
                    del table[known]
            continue
        option = entry.get("option") or None
        table[key] = Deprecation(
            program, str(entry.get("replacement") or ""),
            str(entry.get("reason") or "deprecated in this project"),
            key[1], None if option is None else str(option), "runbook_deprecated_commands")
    return list(table.values())


def calls(text: str) -> Iterator[tuple[str, list[str]]]:
    """Each program a shell command calls, with its arguments.

    Wrappers count as calls too (``sudo``), and so does what they run; scripts in
    ``$(...)``, backticks and ``bash -c`` are read as well.
    """
    for command, programs in walk(without_heredoc_bodies(text)):
        words = [word.value for word in command.words]
        start = 0
        for program in programs:
            # command_programs returns words of the command, in order.
            try:
                position = words.index(program, start)
            except ValueError:
                break
            start = position + 1
            arguments = words[start:]
            if _PYTHON.match(basename(program)) and arguments[:1] == ["-m"] \
                    and len(arguments) > 1:
                # python -m pip: the module is the program.
                yield program, []
                yield arguments[1], arguments[2:]
                continue
            yield program, arguments



class DeprecatedRule:
    """Shell commands that call a deprecated, renamed or removed program."""

    id = "deprecated"
    description = ("Deprecated or removed programs and options (docker-compose, ifconfig, "
                   "apt-key, egrep...); extend with runbook_deprecated_commands.")

    def check(self, runbook: Entry, commands: list[Entry], context: CheckContext
              ) -> Iterator[tuple[str, Finding]]:
        table = deprecations(context.deprecated)
        if not table:
            return
        for command in commands:
            if command["language"] != "shell" or opted_out(command):
                continue
            reported: set[tuple[str, str | None]] = set()
            for program, arguments in calls(command["code"]):
                for entry in table:
                    if entry.key in reported or not entry.matches(program, arguments):
                        continue
                    reported.add(entry.key)
                    hint = f"use {entry.replacement}" if entry.replacement else ""
                    yield command["id"], Finding(
                        self.id, f"`{entry.call}` is deprecated: {entry.reason}", hint)
