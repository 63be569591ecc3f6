"""How dangerous a command is: ``read-only``, ``mutating`` or ``destructive``.

Each command gets the highest level of the rules that match it, and the id of
the rule that decided it, so a reader (or a tool) can see *why*.  Built-in
rules cover shell, SQL and HTTP; ``runbook_safety_rules`` in ``conf.py`` adds
more.  A shell command none of whose programs is known to be read-only is
``mutating`` (rule ``shell.unknown-program``): guessing "safe" is the one
mistake this classification must not make.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from . import shell

Level = Literal["read-only", "mutating", "destructive"]
LEVELS: tuple[Level, ...] = ("read-only", "mutating", "destructive")


def rank(level: str) -> int:
    return LEVELS.index(level)  # type: ignore[arg-type,unused-ignore]


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    #: Language family the rule applies to (``shell``, ``sql``, ``http``, ``python``, ``*``).
    language: str
    #: A regular expression searched in the command text (case-insensitive).
    pattern: str
    description: str

    def matches(self, code: str) -> bool:
        return re.search(self.pattern, code, re.IGNORECASE | re.MULTILINE) is not None


@dataclass(frozen=True)
class Verdict:
    level: Level
    rule: str
    reason: str


def _r(rule_id: str, level: Level, language: str, pattern: str, description: str) -> Rule:
    return Rule(rule_id, level, language, pattern, description)


_START = r"(?:^|[;&|(`]|\$\(|\b(?:sudo|exec|xargs|env|nohup|time|timeout\s+\S+)\s+)\s*"
_SQL_CLIENTS = r"\b(?:psql|mysql|mariadb|sqlite3|clickhouse-client|cockroach\s+sql)\b"

BUILTIN_RULES: tuple[Rule, ...] = (
    # -- shell: destructive -------------------------------------------------
    _r("shell.rm", "destructive", "shell", _START + r"rm\s",
       "rm deletes files"),
    _r("shell.kill-9", "destructive", "shell",
       r"\bkill\s+(?:-9|-s\s*(?:SIG)?KILL|-KILL|-SIGKILL)\b|\bpkill\s+-9\b|\bkillall\s+-9\b",
       "kill -9 ends processes without letting them clean up"),
    _r("shell.docker-stop-all", "destructive", "shell",
       r"\bdocker\s+(?:container\s+)?(?:stop|kill|rm)\b[^\n;|&]*\$\(",
       "stops or removes every container a substitution lists"),
    _r("shell.docker-rm", "destructive", "shell",
       r"\bdocker\s+(?:rm|rmi|container\s+rm|image\s+rm|volume\s+(?:rm|prune)|"
       r"system\s+prune|network\s+rm|container\s+prune|image\s+prune)\b",
       "removes containers, images, volumes or networks"),
    _r("shell.compose-down-volumes", "destructive", "shell",
       r"\bdocker[- ]compose\b[^\n;|&]*\bdown\b[^\n;|&]*(?:\s-v\b|--volumes\b)",
       "compose down -v deletes the volumes and their data"),
    _r("shell.kubectl-delete", "destructive", "shell", r"\bkubectl\s+(?:\S+\s+)*?delete\b",
       "kubectl delete removes cluster resources"),
    _r("shell.redis-flush", "destructive", "shell", r"\bredis-cli\b[^\n;|&]*\bflush(?:all|db)\b",
       "FLUSHALL/FLUSHDB erases Redis data"),
    _r("shell.disk-tools", "destructive", "shell",
       _START + r"(?:dd|mkfs(?:\.\w+)?|wipefs|shred|fdisk|parted|sgdisk)\b",
       "writes raw disks or file systems"),
    _r("shell.truncate", "destructive", "shell", _START + r"truncate\s", "truncate empties files"),
    _r("shell.git-destroy", "destructive", "shell",
       r"\bgit\s+(?:reset\s+--hard|clean\s+-\w*f|push\s+(?:\S+\s+)*?(?:--force|-f)\b)",
       "discards commits or files for good"),
    _r("shell.alembic-downgrade", "destructive", "shell", r"\balembic\b[^\n;|&]*\bdowngrade\b",
       "a downgrade migration drops tables or columns"),
    _r("shell.power", "destructive", "shell", _START + r"(?:reboot|shutdown|poweroff|halt)\b",
       "takes the machine down"),
    # -- shell: mutating ----------------------------------------------------
    _r("shell.service-control", "mutating", "shell",
       r"\b(?:systemctl\s+(?:start|stop|restart|reload|enable|disable|kill)|"
       r"service\s+\S+\s+(?:start|stop|restart|reload))\b",
       "starts, stops or restarts a service"),
    _r("shell.container-control", "mutating", "shell",
       r"\b(?:docker|podman)\s+(?:container\s+)?(?:start|stop|restart|kill|pause|unpause|run|"
       r"exec|create|update|compose\s+(?:up|down|restart|stop|start|run|exec|pull|build)|"
       r"pull|build|push)\b|\bdocker-compose\s+(?:up|down|restart|stop|start|run|exec|pull|"
       r"build)\b",
       "changes running containers"),
    _r("shell.kubectl-change", "mutating", "shell",
       r"\bkubectl\s+(?:\S+\s+)*?(?:apply|create|scale|patch|edit|replace|rollout\s+restart|"
       r"rollout\s+undo|set|label|annotate|cordon|uncordon|drain|exec|cp)\b",
       "changes cluster resources"),
    _r("shell.kill", "mutating", "shell", _START + r"(?:kill|pkill|killall)\b",
       "signals processes"),
    _r("shell.package-install", "mutating", "shell",
       r"\b(?:apt(?:-get)?|yum|dnf|apk|brew|pip3?|uv\s+pip|npm|pnpm|yarn|gem|cargo)\s+"
       r"(?:install|remove|uninstall|upgrade|add|purge)\b",
       "installs or removes packages"),
    _r("shell.migrations", "mutating", "shell",
       r"\b(?:alembic\s+(?:upgrade|revision|stamp)|manage\.py\s+migrate|flask\s+db\s+upgrade)\b",
       "changes the database schema"),
    _r("shell.redis-write", "mutating", "shell",
       r"\bredis-cli\b[^\n;|&]*\b(?:set|del|expire|hset|lpush|rpush|config\s+set|incr)\b",
       "writes Redis data"),
    _r("shell.file-changes", "mutating", "shell",
       _START + r"(?:mv|cp|mkdir|touch|chmod|chown|ln|tee|sed\s+-i|install)\b",
       "changes files"),
    _r("shell.git-write", "mutating", "shell",
       r"\bgit\s+(?:clone|commit|push|pull|merge|rebase|checkout|switch|reset|stash|tag)\b",
       "changes a repository"),
    # -- SQL (also inside psql -c "...", sqlite3 db "...") ------------------
    _r("sql.drop", "destructive", "sql", r"\bdrop\s+(?:database|table|schema|index|view|"
       r"user|role|extension|materialized\s+view|function|type|sequence)\b",
       "DROP removes objects and their data"),
    _r("sql.truncate", "destructive", "sql", r"\btruncate\b", "TRUNCATE erases every row"),
    _r("sql.delete-everything", "destructive", "sql",
       r"\bdelete\s+from\s+[\w.\"]+\s*(?:;|$)",
       "DELETE without WHERE erases every row"),
    _r("sql.terminate-backend", "destructive", "sql",
       r"\bpg_terminate_backend\s*\(", "ends database sessions"),
    _r("sql.write", "mutating", "sql",
       r"\b(?:insert\s+into|update\s+[\w.\"]+\s+set|delete\s+from|alter\s+\w+|create\s+\w+|"
       r"grant|revoke|vacuum|reindex|cluster|copy\s+[\w.\"]+\s+from|pg_cancel_backend)\b",
       "writes data or schema"),
    # -- HTTP ---------------------------------------------------------------
    _r("http.write-method", "mutating", "http",
       r"^\s*(?:POST|PUT|PATCH|DELETE)\s", "the request changes server state"),
    _r("http.curl-write", "mutating", "shell",
       r"\b(?:curl|http|https|wget)\b[^\n;|&]*(?:-X\s*|--request[ =])['\"]?"
       r"(?:POST|PUT|PATCH|DELETE)\b|\bcurl\b[^\n;|&]*\s(?:-d|--data(?:-\w+)?|-F|--form|"
       r"--json|-T|--upload-file)\b|\bhttp(?:ie)?\s+(?:POST|PUT|PATCH|DELETE)\b",
       "the request changes server state"),
    # -- Python -------------------------------------------------------------
    # Also "*": the same calls inside ``python -c "..."`` in a shell command.
    _r("python.delete-files", "destructive", "*",
       r"\b(?:shutil\.rmtree|os\.remove|os\.unlink|os\.rmdir)\s*\(|\.unlink\s*\(|"
       r"\.rmdir\s*\(|\bdrop_all\s*\(",
       "deletes files or tables"),
    _r("python.migration-drop", "destructive", "python", r"\bop\.drop_\w+\s*\(",
       "a migration operation that drops a table, column or index"),
    _r("python.migration-change", "mutating", "python",
       r"\bop\.(?:create|add|alter|rename|execute|bulk_insert)\w*\s*\(",
       "a migration operation that changes the schema"),
    _r("python.writes", "mutating", "python",
       r"\bopen\s*\([^)]*['\"][wax]\+?b?['\"]|\.write_(?:text|bytes)\s*\(|\bsubprocess\.|"
       r"\bos\.system\s*\(|\brequests\.(?:post|put|patch|delete)\s*\(|"
       r"\bhttpx\.(?:post|put|patch|delete)\s*\(|\.commit\s*\(",
       "writes files, runs programs or changes remote state"),
)

#: Programs that only read, unless a rule above says otherwise for the way they
#: are called (``docker ps`` reads, ``docker rm`` matches ``shell.docker-rm``).
READ_ONLY_PROGRAMS = frozenset({
    "ls", "cat", "head", "tail", "less", "more", "grep", "egrep", "fgrep", "rg", "ag", "find",
    "wc", "sort", "uniq", "cut", "tr", "awk", "sed", "jq", "yq", "echo", "printf", "date",
    "whoami", "id", "hostname", "uname", "uptime", "df", "du", "free", "ps", "top", "htop",
    "pgrep", "pidof", "lsof", "netstat", "ss", "ip", "ifconfig", "ping", "traceroute", "dig",
    "nslookup", "host", "curl", "wget", "http", "nc", "telnet", "openssl", "env", "printenv",
    "which", "type", "stat", "file", "test", "[", "true", "false", "sleep", "watch", "tee",
    "journalctl", "dmesg", "vmstat", "iostat", "mpstat", "sar", "nproc", "lscpu", "lsblk",
    "mount", "findmnt", "column", "diff", "cmp", "md5sum", "sha256sum", "base64", "xxd",
    "strings", "tree", "realpath", "readlink", "basename", "dirname", "pwd", "timeout",
    "python", "python3", "node", "pg_isready", "psql", "mysql", "sqlite3", "redis-cli",
    "nohup", "time", "sudo", "xargs", "findstr", "git", "docker", "docker-compose",
    "kubectl", "systemctl", "service", "alembic",
})

def _statements_of_shell(code: str) -> list[str]:
    """SQL handed to a client inside a shell command (``psql -c "DROP ..."``)."""
    if not re.search(_SQL_CLIENTS, code):
        return []
    statements: list[str] = []
    for command in shell.parse(code).commands:
        values = [word.value for word in command.words]
        names = {shell.basename(value) for value in values}
        if names & {"psql", "mysql", "mariadb", "sqlite3", "clickhouse-client"}:
            statements.extend(value for value in values if " " in value or ";" in value)
    return statements


def _applies(rule: Rule, language: str) -> bool:
    return rule.language in ("*", language)


def classify(code: str, language: str, rules: Sequence[Rule] = BUILTIN_RULES,
             read_only_programs: Iterable[str] = READ_ONLY_PROGRAMS) -> Verdict:
    """The safety level of one command and the rule that decided it."""
    candidates: list[tuple[Rule, str]] = []
    for rule in rules:
        if _applies(rule, language) and rule.matches(code):
            candidates.append((rule, code))
    if language == "shell":
        for statement in _statements_of_shell(code):
            candidates.extend((rule, statement) for rule in rules
                              if rule.language == "sql" and rule.matches(statement))
    if candidates:
        rule, _ = max(candidates, key=lambda pair: rank(pair[0].level))
        return Verdict(rule.level, rule.id, rule.description)
    return _default(code, language, frozenset(read_only_programs))


def _default(code: str, language: str, read_only: frozenset[str]) -> Verdict:
    if language == "shell":
        unknown = [p for p in shell.programs(code) if shell.basename(p) not in read_only]
        if unknown:
            return Verdict("mutating", "shell.unknown-program",
                           f"{', '.join(unknown)} not known to be read-only")
        if shell.writes(code):
            return Verdict("mutating", "shell.redirect-to-file", "writes a file with >")
        return Verdict("read-only", "shell.read-only-programs", "only reading programs")
    if language == "sql":
        return Verdict("read-only", "sql.read", "no statement that writes")
    if language == "http":
        return Verdict("read-only", "http.read-method", "GET, HEAD or OPTIONS request")
    if language == "python":
        return Verdict("read-only", "python.no-writes-found", "no call that writes was found")
    if language in ("json", "yaml", "text", "toml", "ini"):
        return Verdict("read-only", "data.not-executable", "data, not a program")
    return Verdict("mutating", "unknown-language", f"no rules for {language!r} commands")


def raise_to(verdict: Verdict, level: Level, rule: str, reason: str) -> Verdict:
    """The higher of ``verdict`` and an author's declared level."""
    return verdict if rank(verdict.level) >= rank(level) else Verdict(level, rule, reason)


def rule_from_config(entry: dict[str, str]) -> Rule:
    """A rule from ``runbook_safety_rules``: id, level, language, pattern, description."""
    missing = [key for key in ("id", "level", "pattern") if not entry.get(key)]
    if missing:
        raise ValueError(f"safety rule {entry!r} lacks {', '.join(missing)}")
    if entry["level"] not in LEVELS:
        raise ValueError(f"safety rule {entry['id']!r}: level must be one of {', '.join(LEVELS)}")
    re.compile(entry["pattern"])
    level: Level = entry["level"]
    return Rule(entry["id"], level, entry.get("language", "shell"),
                entry["pattern"], entry.get("description", entry["id"]))
