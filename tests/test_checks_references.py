"""The dangling-reference rule against a real project tree and real indexes.

The project (``repo``) has a Makefile, a ``package.json``, a ``noxfile.py``,
an ``alembic.ini`` in ``db/``, a compose file and some scripts.  The runbooks
are MyST documents built by Sphinx into ``runbook-index.json``; each runbook
is a small session with one thing to find, or none.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from sphinx_runbook.checks import CheckContext, Finding, references_project, run_checks
from sphinx_runbook.checks.references import DanglingReferenceRule

from .helpers import build_project

PROJECT = {
    "Makefile": textwrap.dedent("""\
        .PHONY: build test deploy clean
        VERSION := 1.0
        SERVICES = api worker

        build test:
        \t@echo building $(VERSION)

        deploy: build
        \t./scripts/deploy.sh

        lint fmt: ; @echo style

        docs-%:
        \t@echo $*

        db-migrate: ; @echo migrating
        """),
    "services/api/Makefile": "migrate:\n\t@echo migrate\n",
    "tools/Makefile": "APP = tool\n$(APP): main.c\n\tcc -o $@ $<\n",
    "package.json": json.dumps({"name": "repo", "scripts": {
        "build": "vite build", "start:dev": "vite", "lint": "eslint ."}}),
    "noxfile.py": textwrap.dedent("""\
        import nox


        @nox.session
        def tests(session: nox.Session) -> None:
            session.run("pytest")


        @nox.session(name="docs-build")
        def docs(session: nox.Session) -> None:
            session.run("sphinx-build", "docs", "out")


        @nox.session(python=["3.11", "3.12"])
        def lint(session: nox.Session) -> None:
            session.run("ruff", "check")
        """),
    "db/alembic.ini": "[alembic]\nscript_location = migrations\n",
    "compose.yaml": "services:\n  web:\n    image: web\n  db:\n    image: postgres\n"
                    "  worker:\n    image: worker\n",
    "scripts/roll-back.sh": "#!/bin/sh\necho rolling back\n",
    "scripts/deploy.sh": "#!/bin/sh\necho deploying\n",
    "app/main.py": "print('hello')\n",
    "config/settings.yaml": "debug: false\n",
    "input.sql": "select 1;\n",
    ".gitignore": "generated/\n",
}

#: runbook id -> steps: (step id, code, options).
RUNBOOKS: dict[str, list[tuple[str, str, dict[str, str]]]] = {
    # -- stale --
    "files": [
        ("settings", "cat config/setings.yaml", {}),
        ("input", "psql -d app < inptu.sql", {}),
        ("rollback", "./scripts/rollback.sh v1.2.3", {}),
    ],
    "interpreter": [("run", "python app/mian.py --port 8000", {})],
    "compile": [("compile", "python -m py_compile app/mian.py", {})],
    "shell-script": [("run", "bash scripts/gone.sh", {})],
    "make-stale": [
        ("root", "make migrate", {}),
        ("subdir", "make -C services/api migrations", {}),
    ],
    "npm-stale": [
        ("deploy", "npm run deploy", {}),
        ("typo", "npm run-script biuld", {}),
    ],
    "nox-stale": [
        ("docs", "nox -s docs", {}),
        ("python", "nox -s tests lint-3.9", {}),
    ],
    "alembic-stale": [("upgrade", "alembic upgrade head", {})],
    "compose-stale": [
        ("file", "docker compose -f docker-compose.prod.yml up -d", {}),
        ("up", "docker compose up -d web wrker", {}),
        ("exec", "docker compose exec api ./manage.py migrate", {}),
    ],
    "after-heredoc": [
        ("write", "cat <<'EOF' > note.md\nit's done\nEOF\ncat note.md\n./scripts/rollbak.sh", {}),
    ],
    "after-venv": [
        ("venv", "python3 -m venv pyenv", {}),
        ("activate", "source pyenv/bin/activate && pyenv/bin/pip --version", {}),
        ("read", "cat config/setings.yaml", {}),
    ],
    "cd-stale": [("cd", "cd services/web || exit 1\nmake build", {})],
    "cwd-stale": [("look", "ls", {"cwd": "frontend"})],
    # -- known good --
    "existing": [
        ("read", "cat config/settings.yaml && psql -d app < input.sql", {}),
        ("compile", "python -m py_compile app/main.py", {}),
        ("copy", "cp config/settings.yaml /tmp/settings.yaml", {}),
        ("script", "bash scripts/deploy.sh", {}),
        ("make", "make build test && make deploy clean && make fmt", {}),
        ("npm", "npm run build && npm run start:dev -- --port 3000", {}),
        ("nox", "nox -s tests docs-build lint-3.11", {}),
        ("alembic", "alembic -c db/alembic.ini upgrade head", {}),
        ("compose", "docker compose up -d web db\ndocker compose logs -f worker\n"
                    "docker compose exec web ./manage.py migrate", {}),
    ],
    "cd-subdir": [
        ("migrate", "cd services/api && make migrate", {}),
        ("next", "cat Makefile ../../config/settings.yaml", {}),
        ("step-cwd", "python main.py", {"cwd": "app"}),
    ],
    "db-dir": [("upgrade", "cd db\nalembic upgrade head", {})],
    "subshell": [
        ("inside", "(cd services/api && make migrate)", {}),
        ("after", "make db-migrate", {}),
    ],
    "created": [
        ("touch", "touch notes.txt && cat notes.txt", {}),
        ("redirect", "echo done > status.txt", {}),
        ("read", "cat status.txt", {}),
        ("heredoc", "cat <<EOF > report.md\nit's done\nEOF\ncat report.md", {}),
        ("copy", "mkdir -p backup-copy && cp config/settings.yaml backup-copy/settings.yaml\n"
                 "cat backup-copy/settings.yaml", {}),
        ("clone", "git clone https://example.com/ops/tools.git ops-tools", {}),
        ("into", "cd ops-tools && ./install.sh", {}),
        ("back", "cd ..", {}),
        ("venv", "python -m venv pyenv", {}),
        ("activate", "source pyenv/bin/activate && pyenv/bin/pip --version", {}),
    ],
    "clone-default": [
        ("clone", "git clone https://example.com/ops/runner.git", {}),
        ("into", "cd runner && ./bootstrap.sh", {}),
    ],
    "not-literal": [
        ("variable", "cat $CONFIG_FILE \"${DUMP_DIR}/dump.sql\"", {}),
        ("glob", "cat config/*.yml", {}),
        ("home", "cat ~/notes.txt", {}),
        ("angle", "cat <report-file>", {}),
        ("mustache", "cat {{ dump_file }}", {}),
        ("absolute", "cat /etc/hosts", {}),
        ("url", "curl -s https://example.com/health", {}),
        ("runtime", "tail -n 20 logs/app.log && cat generated/report.txt .env", {}),
        ("names", "make $TARGET && npm run <script> && docker compose logs $SERVICE", {}),
    ],
    "handled": [
        ("quiet", "cat optional.conf 2>/dev/null", {}),
        ("fallback", "cat optional.conf || echo 'no optional.conf'", {}),
        ("defensive", "cd services/api || exit 1\ncd ../..", {}),
        ("guard", "[ -f scripts/optional.sh ] && ./scripts/optional.sh", {}),
    ],
    "defaults": [
        ("pattern", "make docs-api", {}),
        ("default", "make", {}),
        ("variables", "make -j4 VERSION=2 build", {}),
        ("ps", "docker compose ps", {}),
        ("nox", "nox", {}),
        ("variable-targets", "make -C tools anything", {}),
    ],
    "unknown-cwd": [
        ("elsewhere", "cd /srv/app && ./scripts/deploy-prod.sh", {}),
        ("still", "make release", {}),
        ("back", "./scripts/gone-too.sh", {"cwd": "."}),
    ],
    "after-unknown": [
        ("build", "./scripts/deploy.sh", {}),
        ("generated", "cat build-output.txt", {}),
        ("target", "make publish", {}),
    ],
    "never-run": [("rollback", "./scripts/rollback.sh", {"run": "never"})],
}


def _markdown() -> str:
    parts = ["# Runbooks\n"]
    for runbook, steps in RUNBOOKS.items():
        parts.append(f"## {runbook}\n\n::::{{runbook}} {runbook}\n:id: {runbook}\n")
        for step, code, options in steps:
            lines = [f":::{{step}} {step}", f":id: {step}"]
            lines += [f":{name}: {value}" for name, value in options.items()]
            parts.append("\n".join(lines) + f"\n\n```bash\n{code}\n```\n:::\n")
        parts.append("::::\n")
    return "\n".join(parts)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    for name, text in PROJECT.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    srcdir = tmp_path_factory.mktemp("runbooks")
    app = build_project(srcdir, {"index.md": _markdown()}, builder="runbook")
    data: dict[str, Any] = json.loads((Path(app.outdir) / "runbook-index.json").read_text())
    return data


@pytest.fixture(scope="module")
def found(index: dict[str, Any], tree: Path) -> dict[str, list[Finding]]:
    return run_checks(index, CheckContext(project_root=tree), [DanglingReferenceRule()])


def _of(found: dict[str, list[Finding]], runbook: str) -> dict[str, list[tuple[str, str]]]:
    """step id -> (message, hint) of the findings of one runbook."""
    result: dict[str, list[tuple[str, str]]] = {}
    for command_id, findings in found.items():
        name, step, _number = command_id.split(".")
        if name == runbook:
            result.setdefault(step, []).extend((f.message, f.hint) for f in findings)
    return result


def test_the_index_has_every_runbook(index: dict[str, Any]) -> None:
    ids = {runbook["id"] for runbook in index["runbooks"]}
    assert ids == set(RUNBOOKS)
    steps = {command["id"].rsplit(".", 1)[0] for command in index["commands"]}
    assert steps == {f"{r}.{step}" for r, s in RUNBOOKS.items() for step, _c, _o in s}


# -- stale references --


def test_missing_files_with_the_nearest_name(found: dict[str, list[Finding]]) -> None:
    assert _of(found, "files") == {
        "settings": [("config/setings.yaml does not exist (looked in the project root)",
                      "did you mean config/settings.yaml?")],
        "input": [("inptu.sql does not exist (looked in the project root)",
                   "did you mean input.sql?")],
        "rollback": [("./scripts/rollback.sh does not exist (looked in the project root)",
                      "did you mean ./scripts/roll-back.sh?")],
    }


def test_scripts_given_to_interpreters(found: dict[str, list[Finding]]) -> None:
    mian = [("app/mian.py does not exist (looked in the project root)",
             "did you mean app/main.py?")]
    assert _of(found, "interpreter") == {"run": mian}
    assert _of(found, "compile") == {"compile": mian}
    assert _of(found, "shell-script") == {
        "run": [("scripts/gone.sh does not exist (looked in the project root)", "")]}


def test_reading_goes_on_after_heredocs_and_venvs(found: dict[str, list[Finding]]) -> None:
    # The apostrophe in the body opens no quote; the venv is all python -m venv made.
    assert _of(found, "after-heredoc") == {
        "write": [("./scripts/rollbak.sh does not exist (looked in the project root)",
                   "did you mean ./scripts/roll-back.sh?")]}
    assert _of(found, "after-venv") == {
        "read": [("config/setings.yaml does not exist (looked in the project root)",
                  "did you mean config/settings.yaml?")]}


def test_removed_make_targets(found: dict[str, list[Finding]]) -> None:
    assert _of(found, "make-stale") == {
        "root": [('make target "migrate" is not in Makefile', 'did you mean "db-migrate"?')],
        "subdir": [('make target "migrations" is not in services/api/Makefile',
                    'did you mean "migrate"?')],
    }


def test_removed_npm_scripts(found: dict[str, list[Finding]]) -> None:
    assert _of(found, "npm-stale") == {
        "deploy": [('npm script "deploy" is not in package.json',
                    "its scripts: build, lint, start:dev")],
        "typo": [('npm script "biuld" is not in package.json', 'did you mean "build"?')],
    }


def test_removed_nox_sessions(found: dict[str, list[Finding]]) -> None:
    assert _of(found, "nox-stale") == {
        "docs": [('nox session "docs" is not in noxfile.py', 'did you mean "docs-build"?')],
        "python": [('nox session "lint-3.9" is not in noxfile.py', 'did you mean "lint"?')],
    }


def test_missing_alembic_ini_points_at_the_one_there_is(
        found: dict[str, list[Finding]]) -> None:
    assert _of(found, "alembic-stale") == {
        "upgrade": [("alembic.ini does not exist (looked in the project root)",
                     "the project has db/alembic.ini: pass it with -c, or cd there")],
    }


def test_unknown_compose_services_and_files(found: dict[str, list[Finding]]) -> None:
    assert _of(found, "compose-stale") == {
        "up": [('compose service "wrker" is not in compose.yaml', 'did you mean "worker"?')],
        "exec": [('compose service "api" is not in compose.yaml',
                  "its services: db, web, worker")],
        "file": [("docker-compose.prod.yml does not exist (looked in the project root)", "")],
    }


def test_a_missing_directory_stops_the_judging_after_it(
        found: dict[str, list[Finding]]) -> None:
    # "|| exit" does not handle a missing directory; make build would be judged in
    # services/web otherwise: the place is unknown now.
    assert _of(found, "cd-stale") == {
        "cd": [("services/web does not exist (looked in the project root)", "")]}
    assert _of(found, "cwd-stale") == {
        "look": [(":cwd: frontend does not exist (looked in the project root)", "")]}


# -- what must stay silent --


def test_existing_references_are_fine(found: dict[str, list[Finding]]) -> None:
    assert _of(found, "existing") == {}


def test_the_working_directory_follows_cd_and_cwd(found: dict[str, list[Finding]]) -> None:
    # At the root, make migrate is stale (see make-stale) and main.py is app/main.py.
    assert _of(found, "cd-subdir") == {}
    assert _of(found, "db-dir") == {}


def test_a_cd_in_a_subshell_does_not_last(found: dict[str, list[Finding]]) -> None:
    # services/api/Makefile has no db-migrate: judged there, it would be stale.
    assert _of(found, "subshell") == {}


def test_paths_made_by_earlier_commands(found: dict[str, list[Finding]]) -> None:
    assert _of(found, "created") == {}
    assert _of(found, "clone-default") == {}


def test_variables_globs_placeholders_and_runtime_files(
        found: dict[str, list[Finding]]) -> None:
    assert _of(found, "not-literal") == {}


def test_failures_the_command_handles(found: dict[str, list[Finding]]) -> None:
    assert _of(found, "handled") == {}


def test_pattern_rules_defaults_and_variable_targets(
        found: dict[str, list[Finding]]) -> None:
    assert _of(found, "defaults") == {}


def test_silent_in_an_unknown_directory_until_a_cwd(found: dict[str, list[Finding]]) -> None:
    assert _of(found, "unknown-cwd") == {
        "back": [("./scripts/gone-too.sh does not exist (looked in the project root)", "")]}


def test_after_an_unknown_command_only_definitions_are_judged(
        found: dict[str, list[Finding]]) -> None:
    # The script may have written build-output.txt; it cannot add make targets.
    assert _of(found, "after-unknown") == {
        "target": [('make target "publish" is not in Makefile',
                    "its targets: build, test, deploy, clean, lint, fmt, db-migrate")]}


def test_steps_that_never_run_are_not_checked(found: dict[str, list[Finding]]) -> None:
    assert _of(found, "never-run") == {}


def test_findings_are_stale_and_name_the_rule(found: dict[str, list[Finding]]) -> None:
    every = [finding for findings in found.values() for finding in findings]
    assert every
    assert {finding.rule for finding in every} == {"dangling-reference"}
    assert all(finding.stale for finding in every)


# -- without Sphinx: the switches --


def _command(code: str, language: str = "shell") -> dict[str, Any]:
    return {"id": "rb.step.1", "runbook": "rb", "step": "step", "kind": "step",
            "language": language, "code": code, "cwd": None, "run": "auto",
            "placeholders": [], "env": {}}


def _run(tree: Path | None, *commands: dict[str, Any]) -> dict[str, list[Finding]]:
    for number, command in enumerate(commands, 1):
        command["id"] = f"rb.step{number}.1"
        command["step"] = f"step{number}"
    index = {"runbooks": [{"id": "rb"}], "commands": list(commands)}
    return run_checks(index, CheckContext(project_root=tree), [DanglingReferenceRule()])


def test_off_without_a_project_root(tree: Path) -> None:
    assert _run(tree, _command("./scripts/rollback.sh"))
    assert _run(None, _command("./scripts/rollback.sh")) == {}
    assert _run(tree / "not-there", _command("./scripts/rollback.sh")) == {}


def test_only_shell_commands_are_read(tree: Path) -> None:
    assert _run(tree, _command("./scripts/rollback.sh"))
    assert _run(tree, _command("./scripts/rollback.sh", language="python")) == {}


def test_a_python_command_may_write_files(tree: Path) -> None:
    assert _run(tree, _command("cat written.txt"))
    assert _run(tree, _command("open('written.txt', 'w').write('x')", language="python"),
                _command("cat written.txt")) == {}


def test_a_rewritten_makefile_is_not_judged(tree: Path) -> None:
    assert _run(tree, _command("make release"))
    assert _run(tree, _command("printf 'release:\\n\\techo\\n' >> Makefile"),
                _command("make release")) == {}


def test_compose_services_need_pyyaml(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(tree, _command("docker compose up nope"))

    def no_yaml(name: str) -> Any:
        raise ImportError(name)

    monkeypatch.setattr(references_project.importlib, "import_module", no_yaml)
    assert _run(tree, _command("docker compose up nope")) == {}


def test_compose_file_from_the_environment(tree: Path) -> None:
    assert _run(tree, _command("docker compose up nope"))
    assert _run(tree, _command("export COMPOSE_FILE=deploy/compose.yaml"),
                _command("docker compose up nope")) == {}


def test_noxfile_that_imports_its_sessions_is_not_judged(tmp_path: Path) -> None:
    (tmp_path / "noxfile.py").write_text("import nox\nfrom sessions import *\n")
    (tmp_path / "sessions.py").write_text("import nox\n\n@nox.session\ndef docs(s): pass\n")
    assert _run(tmp_path, _command("nox -s docs")) == {}
    (tmp_path / "noxfile.py").write_text("import nox\n")
    assert _run(tmp_path, _command("nox -s docs"))


def test_yarn_shorthand_may_run_a_dependency_program(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps(
        {"scripts": {"build": "vite build"}, "devDependencies": {"typescript": "5"}}))
    assert _run(tmp_path, _command("yarn tsc --noEmit")) == {}
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {"build": "vite build"}}))
    assert _run(tmp_path, _command("yarn tsc --noEmit"))
