"""What the dangling-reference rule knows about the repository it checks against.

Files and directories, the names git ignores (and other names of things a
checkout does not have: logs, build output, secrets), and the names defined
by a Makefile, a ``package.json``, a ``noxfile.py`` and compose files.  Every
reader answers "I cannot tell" (``judgeable = False`` or None) rather than
guess: a Makefile with targets made of variables, a noxfile that imports its
sessions, a compose file with ``include:``.
"""

from __future__ import annotations

import ast
import difflib
import importlib
import json
import os
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

#: Larger files are not read (a generated Makefile of megabytes says little).
_MAX_BYTES = 2_000_000

#: Directories whose contents are made at run time or installed, not committed.
_RUNTIME_DIRECTORIES = frozenset({
    "log", "logs", "tmp", "temp", ".tmp", "var", "run", "data", "cache", ".cache", "backup",
    "backups", "dump", "dumps", "out", "output", "outputs", "dist", "build", "_build",
    "target", "node_modules", ".venv", "venv", "env", ".env", "__pycache__", ".nox", ".tox",
    ".terraform", ".pytest_cache", ".mypy_cache", ".ruff_cache", "coverage", "htmlcov",
    "reports", "artifacts", "vendor", ".git", ".next", ".nuxt", ".svelte-kit", ".gradle",
    "site-packages", ".eggs", ".direnv", "secrets", ".secrets", "certs", ".ssh", ".aws",
    ".kube", "downloads",
})
#: Suffixes of files made at run time, built, downloaded, or kept out of git.
_RUNTIME_SUFFIXES = (
    ".log", ".pid", ".sock", ".lock", ".tmp", ".temp", ".bak", ".swp", ".out", ".err",
    ".dump", ".sqlite", ".sqlite3", ".db", ".pem", ".key", ".crt", ".cert", ".csr", ".p12",
    ".pfx", ".jks", ".keystore", ".kubeconfig", ".tfstate", ".tfplan", ".pyc", ".o", ".so",
    ".a", ".class", ".jar", ".war", ".whl", ".tar", ".tgz", ".gz", ".zip", ".bz2", ".xz",
    ".zst", ".7z", ".rar", ".iso", ".img", ".egg-info", ".local", ".override.yml",
    ".override.yaml", ".backup", ".orig", ".rej", ".age", ".gpg", ".asc", ".enc",
)
#: Words in a file name that mark something the operator brings (secrets, local settings).
_PRIVATE_WORDS = ("secret", "credential", "password", "passwd", "token", "kubeconfig",
                  "id_rsa", "id_ed25519", "id_ecdsa", ".netrc", ".pgpass", "htpasswd",
                  "private", ".local.", "-local.", "_local.", ".override.")
#: ``.env.example`` is committed; ``.env`` and ``.env.production`` are not.
_TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".tmpl", ".dist", ".defaults",
                      ".default", ".in")


def _private_or_generated(relative: Path) -> bool:
    """A name a fresh checkout need not have: runtime output, installs, secrets."""
    lowered = [part.lower() for part in relative.parts]
    if any(part in _RUNTIME_DIRECTORIES for part in lowered):
        return True
    name = lowered[-1] if lowered else ""
    if name.endswith(_RUNTIME_SUFFIXES):
        return True
    if name.startswith(".env") and not name.endswith(_TEMPLATE_SUFFIXES):
        return True
    return any(word in name for word in _PRIVATE_WORDS)


@dataclass(frozen=True)
class _IgnorePattern:
    pattern: str
    #: Has a slash: matched against the path from the .gitignore's directory.
    anchored: bool

    def matches(self, parts: tuple[str, ...]) -> bool:
        for end in range(1, len(parts) + 1):
            if self.anchored:
                sub = "/".join(parts[:end])
                if fnmatchcase(sub, self.pattern) or (
                        self.pattern.startswith("**/")
                        and fnmatchcase(sub, self.pattern[3:])):
                    return True
            elif fnmatchcase(parts[end - 1], self.pattern):
                return True
        return False


def _ignore_patterns(text: str) -> list[_IgnorePattern]:
    patterns = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line or line.startswith("#") or line.startswith("!"):
            # A negation only makes fewer things ignored: taking it as ignored
            # anyway is the cautious side.
            continue
        line = line.removeprefix("\\").rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        patterns.append(_IgnorePattern(line.lstrip("/"), anchored))
    return patterns


# -- Makefiles ------------------------------------------------------------------

_MAKE_SPECIAL = frozenset({
    ".PHONY", ".SUFFIXES", ".DEFAULT", ".PRECIOUS", ".INTERMEDIATE", ".NOTINTERMEDIATE",
    ".SECONDARY", ".SECONDEXPANSION", ".DELETE_ON_ERROR", ".IGNORE", ".LOW_RESOLUTION_TIME",
    ".SILENT", ".EXPORT_ALL_VARIABLES", ".NOTPARALLEL", ".ONESHELL", ".POSIX", ".WAIT",
})
_MAKE_CONDITIONALS = frozenset({"ifeq", "ifneq", "ifdef", "ifndef", "else", "endif"})
_MAKE_DIRECTIVES = frozenset({"export", "unexport", "override", "private", "vpath",
                              "undefine", "load", "-load"})
_SUFFIX_RULE = re.compile(r"\.[\w+-]+(\.[\w+-]+)")
_COMMENT = re.compile(r"(?<!\\)#.*")
#: ``NAME = value`` (``:=``, ``::=``, ``?=``, ``+=``, ``!=``), not a rule.
_ASSIGNMENT = re.compile(r"([^\s:#=$()]+)\s*(?::{1,3}=|[?+!]?=)(.*)")
#: Names make looks for without ``-f``, in its order.
MAKEFILE_NAMES = ("GNUmakefile", "makefile", "Makefile")


@dataclass
class MakeInfo:
    """The targets of a Makefile and the files it includes."""

    path: Path
    targets: list[str] = field(default_factory=list)
    patterns: list[re.Pattern[str]] = field(default_factory=list)
    default: str | None = None
    #: False: targets may come from variables, ``$(eval)``, ``.DEFAULT`` or an
    #: include that cannot be read; a missing target says nothing then.
    judgeable: bool = True
    files: list[Path] = field(default_factory=list)
    _missing_includes: list[str] = field(default_factory=list)

    def has(self, target: str) -> bool:
        return target in self.targets or any(p.fullmatch(target) for p in self.patterns)


def _make_pattern(target: str) -> re.Pattern[str]:
    return re.compile(".+".join(re.escape(part) for part in target.split("%", 1)))


def _top_level_colon(line: str) -> int:
    """The first ``:`` outside ``$(...)`` / ``${...}``, or -1."""
    depth = 0
    for index, char in enumerate(line):
        if char in "({" and (depth or (index and line[index - 1] == "$")):
            depth += 1
        elif char in ")}" and depth:
            depth -= 1
        elif char == ":" and not depth:
            return index
    return -1


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    pending = ""
    for line in text.splitlines():
        if line.endswith("\\") and (len(line) - len(line.rstrip("\\"))) % 2:
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


# -- noxfiles -----------------------------------------------------------------


@dataclass
class NoxInfo:
    path: Path
    #: Session names, and for each the python versions it is parametrized over
    #: (None: not a literal, any ``name-...`` is accepted).
    sessions: dict[str, list[str] | None] = field(default_factory=dict)
    judgeable: bool = True

    def has(self, requested: str) -> bool:
        for name, versions in self.sessions.items():
            if requested == name or requested.startswith(name + "("):
                return True
            if requested.startswith(name + "-"):
                rest = requested[len(name) + 1:]
                if versions is None or any(rest == v or rest.startswith(v + "(")
                                           for v in versions):
                    return True
        return False

    def names(self) -> list[str]:
        return list(self.sessions)


_STDLIB_HINT = frozenset({
    "os", "sys", "pathlib", "shutil", "subprocess", "json", "re", "glob", "typing",
    "__future__", "collections", "functools", "itertools", "tempfile", "platform",
    "contextlib", "dataclasses", "textwrap", "argparse", "datetime", "time", "urllib",
    "tomllib", "configparser", "enum", "hashlib", "io", "logging", "fnmatch", "sysconfig",
    "importlib", "runpy", "string", "warnings", "nox", "nox_poetry", "nox_uv", "math",
})


def _literal_strings(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple)):
        values = []
        for element in node.elts:
            if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
                return None
            values.append(element.value)
        return values
    return None


def _read_noxfile(path: Path, text: str) -> NoxInfo:
    info = NoxInfo(path)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        info.judgeable = False
        return info
    modules = {"nox"}
    decorators = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "nox":
                    modules.add(alias.asname or "nox")
                elif _local_module(path.parent, alias.name):
                    info.judgeable = False
        elif isinstance(node, ast.ImportFrom):
            if node.level or node.module is None:
                info.judgeable = False
            elif node.module == "nox":
                for alias in node.names:
                    if alias.name in ("session", "*"):
                        decorators.add(alias.asname or "session")
            elif any(alias.name == "*" for alias in node.names) \
                    or _local_module(path.parent, node.module):
                info.judgeable = False
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("exec", "eval", "__import__"):
            info.judgeable = False

    def is_session(node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in decorators
        return isinstance(node, ast.Attribute) and node.attr == "session" \
            and isinstance(node.value, ast.Name) and node.value.id in modules

    allowed: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            if not is_session(target):
                continue
            allowed.update({id(decorator), id(target)})
            name: str | None = node.name
            versions: list[str] | None = []
            if call:
                if call.args:
                    info.judgeable = False
                for keyword in call.keywords:
                    if keyword.arg == "name":
                        literal = _literal_strings(keyword.value)
                        name = literal[0] if literal and len(literal) == 1 else None
                    elif keyword.arg in ("python", "py"):
                        value = keyword.value
                        if isinstance(value, ast.Constant) and value.value in (
                                None, True, False):
                            continue
                        versions = _literal_strings(value)
                    elif keyword.arg is None:
                        name = None  # **kwargs may hold name=
            if name is None:
                info.judgeable = False
                continue
            info.sessions[name] = versions
    # nox.session used otherwise (a call, an alias): sessions made some other way.
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute)) and is_session(node) \
                and id(node) not in allowed:
            info.judgeable = False
    return info


def _local_module(directory: Path, module: str) -> bool:
    top = module.split(".", 1)[0]
    if top in _STDLIB_HINT:
        return False
    return (directory / f"{top}.py").exists() or (directory / top).is_dir()


# -- the project ----------------------------------------------------------------


class Project:
    """The repository under ``project_root``: files, ignores, and what defines names."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.normpath(root.absolute()))
        self._texts: dict[Path, str | None] = {}
        self._ignores: dict[Path, list[_IgnorePattern]] = {}
        self._makefiles: dict[Path, MakeInfo] = {}
        self._noxfiles: dict[Path, NoxInfo] = {}
        self.git_top = self._find_git_top()

    # -- files --

    def exists(self, path: Path) -> bool:
        return os.path.lexists(path)

    def inside(self, path: Path) -> bool:
        return path == self.root or self.root in path.parents

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix() if self.inside(path) else str(path)

    def where(self, directory: Path) -> str:
        """``the project root`` or ``services/api/``, for messages."""
        if directory == self.root:
            return "the project root"
        return self.relative(directory) + "/"

    def text(self, path: Path) -> str | None:
        if path not in self._texts:
            try:
                self._texts[path] = path.read_text(encoding="utf-8", errors="replace") \
                    if path.is_file() and path.stat().st_size <= _MAX_BYTES else None
            except OSError:
                self._texts[path] = None
        return self._texts[path]

    # -- names a checkout does not have --

    def _find_git_top(self) -> Path:
        directory = self.root
        for _ in range(30):
            if (directory / ".git").exists():
                return directory
            if directory.parent == directory:
                break
            directory = directory.parent
        return self.root

    def _patterns(self, directory: Path) -> list[_IgnorePattern]:
        if directory not in self._ignores:
            patterns = _ignore_patterns(self.text(directory / ".gitignore") or "")
            if directory == self.git_top:
                patterns += _ignore_patterns(
                    self.text(directory / ".git" / "info" / "exclude") or "")
            self._ignores[directory] = patterns
        return self._ignores[directory]

    def not_committed(self, path: Path) -> bool:
        """Git ignores it, or its name says it is made at run time or kept private."""
        if _private_or_generated(path.relative_to(self.root)):
            return True
        directory = path.parent
        chain = []
        while True:
            chain.append(directory)
            if directory == self.git_top or directory.parent == directory:
                break
            directory = directory.parent
        for directory in chain:
            parts = path.relative_to(directory).parts
            if any(pattern.matches(parts) for pattern in self._patterns(directory)):
                return True
        return False

    # -- suggestions --

    def suggest_path(self, base: Path, written: str) -> str | None:
        """The path as written with misspelt parts replaced by existing near names."""
        current = base
        parts: list[str] = []
        changed = False
        for part in written.split("/"):
            if part in ("", "."):
                parts.append(part)
                continue
            if part == "..":
                current = current.parent
                parts.append(part)
                continue
            candidate = current / part
            if not self.exists(candidate):
                try:
                    names = sorted(entry.name for entry in current.iterdir())
                except OSError:
                    return None
                close = difflib.get_close_matches(part, names, n=1, cutoff=0.75)
                if not close:
                    return None
                part, candidate, changed = close[0], current / close[0], True
            current = candidate
            parts.append(part)
        return "/".join(parts) if changed and self.exists(current) else None

    def find_named(self, name: str, limit: int = 5) -> list[Path]:
        """Files called ``name`` in the project (not in ignored or installed trees)."""
        found: list[Path] = []
        for visited, (directory, subdirectories, files) in enumerate(os.walk(self.root)):
            if visited > 2000:
                break
            here = Path(directory)
            subdirectories[:] = sorted(
                d for d in subdirectories
                if not d.startswith(".") and not self.not_committed(here / d))
            if name in files:
                found.append(here / name)
                if len(found) >= limit:
                    break
        return found

    # -- definitions --

    def makefile(self, path: Path) -> MakeInfo:
        if path not in self._makefiles:
            info = MakeInfo(path)
            self._read_makefile(path, info, set(), path.parent)
            for name in info._missing_includes:
                if info.has(name):  # make could build it, and read more targets
                    info.judgeable = False
            self._makefiles[path] = info
        return self._makefiles[path]

    def _read_makefile(self, path: Path, info: MakeInfo, seen: set[Path],
                       directory: Path) -> None:
        text = self.text(path)
        if text is None or path in seen or len(seen) > 20:
            info.judgeable = False
            return
        seen.add(path)
        info.files.append(path)
        in_define = False
        for line in _logical_lines(text):
            if in_define:
                if line.strip().startswith("endef"):
                    in_define = False
                continue
            if line.startswith("\t"):
                continue  # a recipe
            if ".RECIPEPREFIX" in line or "$(eval" in line or "${eval" in line:
                info.judgeable = False
            stripped = _COMMENT.sub("", line).strip()
            if not stripped:
                continue
            words = stripped.split()
            if "define" in words[:3] and words[0] in ("define", "override", "export",
                                                      "private"):
                in_define = True
                continue
            if words[0] in _MAKE_CONDITIONALS:
                continue
            if words[0] in ("include", "-include", "sinclude"):
                self._include(words, info, seen, directory)
                continue
            if words[0] in _MAKE_DIRECTIVES:
                continue
            self._rule_line(stripped, info)

    def _include(self, words: list[str], info: MakeInfo, seen: set[Path],
                 directory: Path) -> None:
        optional = words[0] != "include"
        for name in words[1:]:
            if "$" in name:
                info.judgeable = False
                continue
            if any(char in name for char in "*?["):
                for match in sorted(directory.glob(name)):
                    self._read_makefile(match, info, seen, directory)
                continue
            path = Path(os.path.normpath(directory / name))
            if path.is_file():
                self._read_makefile(path, info, seen, directory)
            elif optional:
                info._missing_includes.append(name)
            else:
                info.judgeable = False

    def _rule_line(self, line: str, info: MakeInfo) -> None:
        assignment = _ASSIGNMENT.match(line)
        if assignment:
            if assignment.group(1) == ".DEFAULT_GOAL" and assignment.group(2).strip():
                info.default = assignment.group(2).strip()
            return
        colon = _top_level_colon(line)
        if colon < 0:
            return
        before, after = line[:colon], line[colon + 1:]
        if "=" in before:
            return  # an assignment whose value has a colon
        for target in before.replace("&", " ").split():
            if "$" in target:
                info.judgeable = False
            elif target == ".PHONY":
                for name in after.split(";", 1)[0].split():
                    if "$" in name:
                        info.judgeable = False
                    elif name not in info.targets:
                        info.targets.append(name)
            elif target == ".DEFAULT":
                info.judgeable = False
            elif target in _MAKE_SPECIAL:
                continue
            elif "%" in target:
                info.patterns.append(_make_pattern(target))
            else:
                suffix_rule = _SUFFIX_RULE.fullmatch(target)
                if suffix_rule:  # .c.o: an old-style pattern rule
                    info.patterns.append(_make_pattern("%" + suffix_rule.group(1)))
                if target not in info.targets:
                    info.targets.append(target)
                if info.default is None and (not target.startswith(".") or "/" in target):
                    info.default = target

    def noxfile(self, path: Path) -> NoxInfo | None:
        text = self.text(path)
        if text is None:
            return None
        if path not in self._noxfiles:
            self._noxfiles[path] = _read_noxfile(path, text)
        return self._noxfiles[path]

    def package_json(self, path: Path) -> dict[str, Any] | None:
        text = self.text(path)
        if text is None:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def compose_services(self, paths: list[Path]) -> set[str] | None:
        """The services of compose files together; None: unknown (no PyYAML, include:...)."""
        try:
            yaml: Any = importlib.import_module("yaml")
        except ImportError:
            return None
        services: set[str] = set()
        for path in paths:
            text = self.text(path)
            if text is None:
                return None
            try:
                data = yaml.safe_load(text)
            except Exception:  # any YAML error: cannot tell
                return None
            if not isinstance(data, dict) or "include" in data or "services" not in data:
                return None  # version 1 files have services at the top
            found = data["services"] or {}
            if not isinstance(found, dict):
                return None
            services.update(str(name) for name in found)
        return services
