"""Static checks: syntax, masked failures, deprecated programs, placeholders, programs.

The commands come from a real index, built by Sphinx from small MyST runbooks.
Each rule has stale commands it must find and known-good commands it must
leave alone.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from sphinx_runbook.checks import CheckContext, Finding, Rule, run_checks
from sphinx_runbook.checks.deprecated import BUILTIN_DEPRECATIONS, DeprecatedRule, deprecations
from sphinx_runbook.checks.masked import MaskedFailureRule, masking_constructs
from sphinx_runbook.checks.placeholders import UnresolvedPlaceholderRule
from sphinx_runbook.checks.programs import MissingProgramRule
from sphinx_runbook.checks.syntax import SyntaxRule

from .helpers import build_project


def _block(kind: str, block_id: str, lexer: str, code: str, options: str = "") -> str:
    return f":::{{{kind}}} {block_id}\n:id: {block_id}\n{options}\n```{lexer}\n{code}\n```\n:::\n\n"


def _runbook(runbook_id: str, *blocks: str) -> str:
    return f"# {runbook_id}\n\n::::{{runbook}} {runbook_id}\n:id: {runbook_id}\n\n" \
           + "".join(blocks) + "::::\n"


SYNTAX = _runbook(
    "syn",
    _block("step", "bash-no-fi", "bash", "if [ -f /etc/app.conf ]; then\n  echo yes"),
    _block("step", "bash-quote", "bash", 'echo "unclosed\nls'),
    _block("step", "bash-good", "bash",
           "cat <<EOF > /tmp/app.conf\nit's ( not shell\nEOF\n"
           "printf '%s\\n' \"$x\"\npsql -c '\\dt'\nkubectl -n <namespace> get pods"),
    _block("step", "console-good", "console", "$ echo <name> {{ region }}\n<name> eu"),
    _block("step", "bash-placeholder", "bash", "kubectl logs <pod>\nkubectl get pods"),
    _block("step", "bash-extglob", "bash", "shopt -s extglob\nrm -- /tmp/app/!(keep).log"),
    _block("step", "bash-cell-magic", "ipython", "%%bash\nif true; then"),
    _block("step", "python-bad", "python", "import os\nprint(os.getcwd()\n"),
    _block("step", "python-good", "ipython",
           "%timeit sum(range(10))\n!ls\nfiles = !ls\nuser = get_user(<user_id>)\n"
           "await asyncio.sleep(0)"),
    _block("step", "pycon-good", "pycon",
           ">>> for i in range(2):\n...     print(i)\n0\n1\n>>> %time len('x')"),
    _block("step", "sql-bad", "sql", "SELECT *\nFROM users\nWHERE id = <id> AND;"),
    _block("step", "sql-typo", "sql", "SELECT * FORM users;"),
    _block("step", "sql-good", "sql",
           "\\x\nSELECT * FROM users WHERE id = <id>;\nSELECT * FROM <table> LIMIT 1;\n"
           "SELECT * FROM users WHERE name = '<name>' AND id = :'user_id';\n"
           "CLUSTER users USING users_pkey;\nVACUUM ANALYZE users;"),
    _block("step", "sql-psql", "sql", "SELECT count(*) FROM users\n\\gx"),
    _block("step", "sql-psql-variable", "sql",
           "SELECT * FROM users WHERE name = :'user_name';"),
    _block("step", "json-bad", "json", '{"name": "app",\n "replicas": }'),
    _block("step", "json-good", "json",
           '{"name": "<name>", "count": <count>, "port": 80{{ digit }},\n'
           ' "tags": ["a", "b"], "note": "say \\"hi\\""}'),
    _block("step", "json-key", "json", '{"name": "<name>", <key>: 1}'),
    _block("step", "json-elided", "json", '{"items": [...]}'),
    _block("step", "json-lines", "json", '{"a": 1}\n{"b": 2}'),
    _block("step", "yaml-bad", "yaml", "name: app\nports: [80, 443\nimage: x"),
    _block("step", "yaml-alias", "yaml", "base: &base {a: 1}\ncopy: *missing"),
    _block("step", "yaml-good", "yaml",
           "image: <image>\nports:\n  - \"80:80\"\n---\nResources:\n  Bucket: !Ref Name"),
    _block("step", "never-run", "bash", "if true; then", ":run: never"),
)

MASKED = _runbook(
    "mask",
    _block("step", "step-true", "bash", "rm -f /tmp/app.lock || true"),
    _block("verify", "v-true", "bash", "curl -fsS http://localhost:8000/health || true"),
    _block("verify", "v-colon", "bash", "pg_isready -h localhost || :"),
    _block("verify", "v-echo", "bash", 'systemctl is-active app 2>/dev/null || echo "inactive"'),
    _block("verify", "v-exit-zero", "bash", "grep -q ready /var/log/app.log || exit 0"),
    _block("verify", "v-semicolon-exit", "bash", "grep -q ready /var/log/app.log; exit 0"),
    _block("verify", "v-set-e", "bash", "set +e\ncurl -f http://localhost:8000/health\n"
                                        "grep -q ready /var/log/app.log"),
    _block("verify", "v-group", "bash", "curl -f http://localhost:8000/ || { echo down; }"),
    _block("verify", "v-quoted", "bash", 'echo "|| true" && echo \'; exit 0\'  # || true'),
    _block("verify", "v-fails-anyway", "bash",
           'curl -f http://localhost:8000/ || { echo "down" >&2; exit 1; }\n'
           "pg_isready || (echo down; exit 1)\n"
           "redis-cli ping || echo down && exit 1"),
    _block("verify", "v-explicit", "bash",
           "set +e\ncurl -f http://localhost:8000/\nstatus=$?\nset -e\ntest $status -eq 0"),
    _block("verify", "v-printf", "bash", "printf '%s\\n' \"$x\""),
    _block("verify", "v-never", "bash", "curl -f http://localhost:8000/ || true", ":run: never"),
    _block("verify", "v-heredoc", "bash", "cat <<EOF | grep -q ok\nall good || true\nEOF\n"
                                          "cat <<'EOF' | grep -q ok\nit's ok || true\nEOF"),
)

DEPRECATED = _runbook(
    "dep",
    _block("step", "compose", "bash", "docker-compose ps"),
    _block("step", "netstat", "bash", "sudo netstat -tlnp | grep 8080"),
    _block("step", "service", "bash", "sudo service nginx restart"),
    _block("step", "egrep", "bash", "egrep 'error|warning' /var/log/app.log"),
    _block("step", "apt-key", "bash",
           "curl -fsSL https://example.com/key.gpg | sudo apt-key add -"),
    _block("step", "generator", "bash",
           "kubectl run tmp --generator=run-pod/v1 --image=busybox"),
    _block("step", "pip-resolver", "bash",
           "python3 -m pip install --use-feature=2020-resolver requests"),
    _block("step", "nested", "console", "$ echo \"address: $(ifconfig eth0)\""),
    _block("step", "good", "bash",
           "docker compose ps\nip addr\nip route\nss -tlnp\ngrep -E 'a|b' f\n"
           "systemctl restart nginx\necho \"run ifconfig or netstat\"\n# ifconfig, apt-key\n"
           "nslookup example.com\nsudo iptables -L\nwhich curl\n"
           "kubectl run tmp --image=busybox\npip install requests\n"
           "docker compose exec web route-helper"),
    _block("step", "never", "bash", "ifconfig", ":run: never"),
    _block("step", "nslookup", "bash", "nslookup example.com"),
    _block("step", "heredoc", "bash",
           "cat > /tmp/notes <<EOF\nrun ifconfig here\nEOF\nip addr"),
    _block("step", "after-heredoc", "bash",
           "cat > /tmp/notes <<EOF\nit's a note\nEOF\nifconfig eth0"),
    _block("step", "helm-fetch", "bash", "helm fetch stable/app"),
    _block("step", "helm-good", "bash", "helm install fetch ./chart\nhelm pull stable/app"),
)

PLACEHOLDERS = _runbook(
    "ph",
    _block("step", "needs-values", "bash", "kubectl -n <namespace> get pods -l app={{ app }}"),
    _block("step", "variable", "bash", 'curl -H "Authorization: $API_TOKEN" https://x/'),
    _block("step", "defaults", "bash", 'echo "${PORT:-8000}" <tier>'),
    _block("step", "set-here", "bash", "NAME=web\necho \"$NAME\" \"$HOME\""),
    _block("step", "service-env", "bash", 'curl "$WEB_URL/health" <path>', ":requires: web"),
    _block("step", "static", "bash", "kubectl -n <namespace> get pods", ":run: static"),
    _block("step", "data", "yaml", "namespace: <namespace>"),
    _block("verify", "sql", "sql", "SELECT * FROM users WHERE id = <user_id>;"),
)

PROGRAMS = _runbook(
    "prog",
    _block("step", "missing", "bash", "definitely-not-installed-xyz --version"),
    _block("step", "present", "bash", "present-tool --version && echo ok"),
    _block("step", "declared", "bash", "another-missing-xyz --check",
           ":requires: another-missing-xyz"),
    _block("step", "external", "bash", "prod-only-tool-xyz status"),
    _block("step", "path", "bash", "./scripts/missing-xyz.sh && /opt/missing-xyz/bin/run"),
    _block("step", "define", "bash", "greet() { echo hi; }\nfunction hello { echo hello; }"),
    _block("step", "use", "bash", "greet && hello"),
    _block("step", "container", "bash", "docker compose exec db psql-inside-xyz -c 'select 1'"),
    # Builtins that are programs too, and command -v, which only asks.
    _block("step", "builtins", "bash",
           "command -v probe-only-xyz || echo none; printf '%s' \"${PIPESTATUS[0]}\"; "
           "test -f a && [ -d b ]"),
    # A script the container runs is the container's too.
    _block("step", "container-script", "bash",
           'docker compose exec app bash -c "alembic-inside-xyz current && jq-inside-xyz ."'),
    _block("step", "quoted", "bash", 'echo "definitely-not-installed-xyz"'),
    _block("step", "wrapped", "bash", "sudo -u app wrapped-missing-xyz --flag"),
    _block("step", "heredoc", "bash",
           "cat > /tmp/motd <<'EOF'\nit's body-missing-xyz text\nEOF\nafter-heredoc-xyz --run"),
    # Verification sends a plain curl call with httpx; a piped one needs curl.
    _block("step", "plain-curl", "bash", "curl -sS https://api.example.com/health"),
    _block("step", "piped-curl", "bash", "curl -sS https://api.example.com/health | present-tool"),
    # The static checks skip what the author says is never run.
    _block("step", "never", "bash", "never-run-xyz --now", ":run: never"),
)

FILES = {"syntax.md": SYNTAX, "masked.md": MASKED, "deprecated.md": DEPRECATED,
         "placeholders.md": PLACEHOLDERS, "programs.md": PROGRAMS}
CONF = ('extensions = ["myst_parser", "sphinx_runbook"]\n'
        'runbook_placeholders = {"tier": {"default": "gold"}}\n')


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    srcdir = tmp_path_factory.mktemp("checks")
    files = dict(FILES)
    files["index.md"] = "# Checks\n\n```{toctree}\n" + "\n".join(
        name[:-3] for name in FILES) + "\n```\n"
    app = build_project(srcdir, files, builder="runbook", conf=CONF)
    index: dict[str, Any] = json.loads((Path(app.outdir) / "runbook-index.json").read_text())
    return index


def _found(index: dict[str, Any], rule: Rule, runbook: str,
           context: CheckContext | None = None) -> dict[str, list[Finding]]:
    """The rule's findings for one runbook's commands, by command id."""
    found = run_checks(index, context or CheckContext(), [rule])
    return {key: value for key, value in found.items() if key.startswith(f"{runbook}.")}


def _messages(found: dict[str, list[Finding]]) -> dict[str, str]:
    return {key: " | ".join(f.message for f in value) for key, value in found.items()}


def test_the_index_has_the_commands(index: dict[str, Any]) -> None:
    # The tests below name commands by id: make sure they exist as written.
    ids = {command["id"] for command in index["commands"]}
    assert {"syn.bash-no-fi.1", "syn.pycon-good.2", "mask.v-true.1", "dep.good.1",
            "ph.needs-values.1", "prog.use.1"} <= ids
    pycon = next(c for c in index["commands"] if c["id"] == "syn.pycon-good.2")
    assert pycon["code"] == "%time len('x')"


# -- syntax ---------------------------------------------------------------------

def test_syntax_finds_what_parsers_reject(index: dict[str, Any]) -> None:
    messages = _messages(_found(index, SyntaxRule(), "syn"))
    assert set(messages) == {"syn.bash-no-fi.1", "syn.bash-quote.1", "syn.python-bad.1",
                             "syn.sql-bad.1", "syn.sql-typo.1", "syn.json-bad.1",
                             "syn.yaml-bad.1", "syn.yaml-alias.1"}, messages
    assert messages["syn.bash-no-fi.1"].startswith("shell syntax error on line 2 of the command:")
    assert "unexpected end of file" in messages["syn.bash-no-fi.1"]
    assert "unexpected EOF" in messages["syn.bash-quote.1"]
    assert messages["syn.python-bad.1"] == (
        "Python syntax error on line 2 of the command: '(' was never closed")
    assert messages["syn.sql-bad.1"].startswith(
        "SQL (postgres) syntax error on line 3 of the command:")
    assert messages["syn.sql-bad.1"].endswith(
        "Required keyword: 'expression' missing for And (near 'AND')")
    assert messages["syn.sql-typo.1"] == ("SQL (postgres) syntax error on line 1 of the "
                                          "command: Invalid expression / Unexpected token "
                                          "(near 'users')")
    assert messages["syn.json-bad.1"] == (
        "JSON syntax error on line 2 of the command: Expecting value")
    assert messages["syn.yaml-bad.1"].startswith("YAML syntax error on line 3 of the command")
    assert messages["syn.yaml-alias.1"] == (
        "YAML syntax error on line 2 of the command: found undefined alias 'missing'")


def test_syntax_findings_are_stale_and_say_how_to_fix(index: dict[str, Any]) -> None:
    found = _found(index, SyntaxRule(), "syn")
    finding = found["syn.bash-no-fi.1"][0]
    assert (finding.rule, finding.stale) == ("syntax", True)
    assert "bash -n" in finding.hint


def test_syntax_uses_the_configured_sql_dialect(index: dict[str, Any]) -> None:
    found = _found(index, SyntaxRule(), "syn", CheckContext(sql_dialect="mysql"))
    assert found["syn.sql-bad.1"][0].message.startswith("SQL (mysql) syntax error")


def test_syntax_runs_no_command(index: dict[str, Any], tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    command = dict(next(c for c in index["commands"] if c["id"] == "syn.bash-good.1"))
    command["code"] = f"touch {marker}"
    runbook = {"id": "syn"}
    assert list(SyntaxRule().check(runbook, [command], CheckContext())) == []
    assert not marker.exists()


# -- masked-failure -------------------------------------------------------------

def test_masked_failures_in_verify_blocks(index: dict[str, Any]) -> None:
    messages = _messages(_found(index, MaskedFailureRule(), "mask"))
    assert messages == {
        "mask.v-true.1": "`|| true` hides a failure: the verification succeeds whatever "
                         "happens",
        "mask.v-colon.1": "`|| :` hides a failure: the verification succeeds whatever happens",
        "mask.v-echo.1": "`2>/dev/null || echo …` hides a failure: the verification succeeds "
                         "whatever happens",
        "mask.v-exit-zero.1": "`|| exit 0` hides a failure: the verification succeeds "
                              "whatever happens",
        "mask.v-semicolon-exit.1": "`; exit 0` hides a failure: the verification succeeds "
                                   "whatever happens",
        "mask.v-set-e.1": "`set +e` hides a failure: the verification succeeds whatever "
                          "happens",
        "mask.v-group.1": "`|| { echo …; }` hides a failure: the verification succeeds "
                          "whatever happens",
    }


def test_masked_failure_hint() -> None:
    finding = next(iter(MaskedFailureRule().check({"id": "r"}, [{
        "id": "r.v.1", "kind": "verify", "run": "auto", "language": "shell",
        "code": "curl -f x || true"}], CheckContext())))[1]
    assert finding.hint == ("a verification that cannot fail proves nothing: remove it, "
                            "or check the condition explicitly")
    assert finding.stale


@pytest.mark.parametrize(("code", "constructs"), [
    ("curl x >/dev/null 2>&1 || echo down", ["2>/dev/null || echo …"]),
    ("(curl x; grep y z) || true", ["|| true"]),
    ("curl x | tee out || true", ["|| true"]),
    ("curl x || printf 'down\\n'", ["|| printf …"]),
    ("case $x in a) echo hi;; esac || true", ["|| true"]),
    ("set -euo pipefail\ncurl x", []),
    ("X=$(curl x || echo down)\ntest \"$X\" = ok", []),
    ("if curl x; then exit 0; else exit 1; fi", []),
    ("if ! curl x; then exit 1; fi\nexit 0", []),
    ("curl a || curl b", []),
    ("curl x || exit", []),
    ("curl x || echo down | tee out", []),
    ("grep -q ok f && exit 0", []),
    ("set +e\ncurl -f x\nrc=$?\ntest $rc -eq 0", []),
    ("if grep -q ok f; then echo fine; exit 0; fi\ncurl -f x", []),
])
def test_masking_constructs(code: str, constructs: list[str]) -> None:
    assert masking_constructs(code) == constructs


# -- deprecated -----------------------------------------------------------------

def test_deprecated_programs(index: dict[str, Any]) -> None:
    messages = _messages(_found(index, DeprecatedRule(), "dep"))
    assert set(messages) == {"dep.compose.1", "dep.netstat.1", "dep.service.1", "dep.egrep.1",
                             "dep.apt-key.1", "dep.generator.1", "dep.pip-resolver.1",
                             "dep.nested.1", "dep.after-heredoc.1"}, messages
    assert messages["dep.compose.1"].startswith("`docker-compose` is deprecated: Compose V1")
    assert messages["dep.netstat.1"].startswith("`netstat` is deprecated")
    assert messages["dep.service.1"].startswith("`service` is deprecated")
    assert messages["dep.egrep.1"].startswith("`egrep` is deprecated")
    assert messages["dep.apt-key.1"].startswith("`apt-key` is deprecated")
    assert messages["dep.generator.1"].startswith("`kubectl run --generator` is deprecated")
    assert messages["dep.pip-resolver.1"].startswith(
        "`pip install --use-feature=2020-resolver` is deprecated")
    assert messages["dep.nested.1"].startswith("`ifconfig` is deprecated")
    assert messages["dep.after-heredoc.1"].startswith("`ifconfig` is deprecated")


def test_deprecated_hints_name_the_replacement(index: dict[str, Any]) -> None:
    found = _found(index, DeprecatedRule(), "dep")
    assert "`docker compose`" in found["dep.compose.1"][0].hint
    assert "`ss" in found["dep.netstat.1"][0].hint
    assert "systemctl" in found["dep.service.1"][0].hint
    assert "`grep -E`" in found["dep.egrep.1"][0].hint
    assert "/etc/apt/keyrings" in found["dep.apt-key.1"][0].hint
    assert all(f.stale and f.rule == "deprecated" for fs in found.values() for f in fs)


def test_deprecated_entries_from_the_configuration(index: dict[str, Any]) -> None:
    context = CheckContext(deprecated=[
        {"program": "nslookup", "replacement": "`dig`", "reason": "our hosts have dig only"},
        {"program": "service", "disabled": True},  # type: ignore[dict-item]
        {"program": "docker-compose", "replacement": "`podman-compose`",
         "reason": "we moved to podman"},
        {"program": "egrep", "disabled": "true"},
        {"program": "helm", "subcommand": "fetch", "replacement": "`helm pull`",
         "reason": "Helm 3 renamed it"},
    ])
    found = _found(index, DeprecatedRule(), context=context, runbook="dep")
    assert "dep.service.1" not in found
    assert "dep.egrep.1" not in found
    assert found["dep.nslookup.1"][0].message == (
        "`nslookup` is deprecated: our hosts have dig only")
    assert found["dep.nslookup.1"][0].hint == "use `dig`"
    # The good block calls nslookup too: a project's own entry applies everywhere.
    assert "dep.good.1" in found
    assert found["dep.compose.1"][0].message == "`docker-compose` is deprecated: we moved to podman"
    assert "dep.netstat.1" in found  # the others stay
    # A subcommand is the first argument that is not an option.
    assert found["dep.helm-fetch.1"][0].message == "`helm fetch` is deprecated: Helm 3 renamed it"
    assert "dep.helm-good.1" not in found


def test_disabling_a_program_without_subcommand_disables_all_its_entries() -> None:
    programs = {entry.call for entry in deprecations([{"program": "pip", "disabled": True}])}
    assert "pip install --use-feature=2020-resolver" not in programs
    assert "pip3 install --use-feature=2020-resolver" in programs


def test_builtin_table_cites_sources_and_has_no_false_alarms() -> None:
    assert all(entry.source and entry.reason and entry.replacement
               for entry in BUILTIN_DEPRECATIONS)
    programs = {entry.program for entry in BUILTIN_DEPRECATIONS}
    assert {"docker-compose", "ntpdate", "ifconfig", "netstat", "route", "arp", "apt-key",
            "service", "egrep", "fgrep"} <= programs
    assert not programs & {"nslookup", "iptables", "which", "dig", "ip", "ss", "grep"}
    keys = [entry.key for entry in BUILTIN_DEPRECATIONS]
    assert len(keys) == len(set(keys)), "each (program, subcommand) once: overrides need it"


# -- unresolved-placeholder -----------------------------------------------------

def test_unresolved_placeholders(index: dict[str, Any]) -> None:
    found = _found(index, UnresolvedPlaceholderRule(), "ph")
    assert _messages(found) == {
        "ph.needs-values.1": "no value for <namespace>, {{ app }}: verification cannot run "
                             "the command",
        "ph.variable.1": "no value for $API_TOKEN: verification cannot run the command",
        "ph.sql.1": "no value for <user_id>: verification cannot run the command",
        # $WEB_URL may come from the web service's environment; <path> cannot.
        "ph.service-env.1": "no value for <path>: verification cannot run the command",
    }
    finding = found["ph.needs-values.1"][0]
    assert not finding.stale
    assert finding.hint == ("give values in runbook_profile['values'] or defaults in "
                            "runbook_placeholders")


def test_profile_values_resolve_placeholders(index: dict[str, Any]) -> None:
    context = CheckContext(values={"NAMESPACE": "staging", "api_token": "t", "user_id": "1",
                                   "path": "/"})
    assert _messages(_found(index, UnresolvedPlaceholderRule(), "ph", context)) == {
        "ph.needs-values.1": "no value for {{ app }}: verification cannot run the command"}


# -- missing-program ------------------------------------------------------------

@pytest.fixture
def sandbox_path(tmp_path: Path) -> str:
    """A PATH with only the programs these tests expect to find."""
    for name in ("present-tool", "echo", "docker", "sudo", "cat"):
        program = tmp_path / name
        program.write_text("#!/bin/sh\n", encoding="utf-8")
        program.chmod(0o755)
    return str(tmp_path)


def test_missing_programs(index: dict[str, Any], sandbox_path: str) -> None:
    found = _found(index, MissingProgramRule(), "prog", CheckContext(path=sandbox_path))
    assert _messages(found) == {
        "prog.missing.1": "`definitely-not-installed-xyz` is not installed where "
                          "verification runs",
        "prog.external.1": "`prod-only-tool-xyz` is not installed where verification runs",
        "prog.wrapped.1": "`wrapped-missing-xyz` is not installed where verification runs",
        "prog.piped-curl.1": "`curl` is not installed where verification runs",
        # The body of a here-document is data; what follows it is a command.
        "prog.heredoc.1": "`after-heredoc-xyz` is not installed where verification runs",
    }
    finding = found["prog.missing.1"][0]
    assert finding.stale
    assert finding.hint == ("install it where verification runs, or declare it with "
                            ":requires: or runbook_external_programs")


def test_external_programs_are_never_missing(index: dict[str, Any], sandbox_path: str) -> None:
    context = CheckContext(path=sandbox_path,
                           external_programs=frozenset({"prod-only-tool-xyz"}))
    assert set(_found(index, MissingProgramRule(), "prog", context)) == {
        "prog.missing.1", "prog.wrapped.1", "prog.heredoc.1", "prog.piped-curl.1"}


def test_missing_program_looks_on_the_given_path(index: dict[str, Any], tmp_path: Path,
                                                  sandbox_path: str) -> None:
    # present-tool is only on the sandbox PATH: elsewhere it is missing.
    empty = tmp_path / "empty"
    empty.mkdir()
    found = _found(index, MissingProgramRule(), "prog", CheckContext(path=str(empty)))
    assert "prog.present.1" in found
    assert "present-tool" in found["prog.present.1"][0].message
    assert os.pathsep not in sandbox_path
