"""The ``dangling-reference`` rule: commands that refer to what the repository lost.

A runbook's shell commands run one after another in one session that starts
at the project root (``runbook_project_root``).  The rule follows that
session without running anything: the working directory (``cd``,
``pushd``, a step's ``:cwd:``), and what earlier commands create or change
(redirections, ``touch``, ``mkdir``, ``cp``, ``git clone``, ``python -m
venv``, ``npm install``, archives and downloads...).  It reports:

- relative paths a command runs or reads that do not exist: a script
  (``./scripts/rollback.sh``, ``bash scripts/x.sh``, ``python app/main.py``,
  ``source env/bin/activate``), a file read (``cat``, ``cp``'s sources,
  ``< input.sql``, ``psql -f``), a configuration file (``-f compose.yaml``,
  ``--config path``, ``kubectl apply -f``, ``helm -f``), a ``cd`` target;
- ``make TARGET`` (with ``-C`` and ``-f``): the Makefile and the target;
- ``npm run`` / ``yarn`` / ``pnpm`` scripts of ``package.json``;
- ``nox -s SESSION``: the sessions of ``noxfile.py`` (read with :mod:`ast`);
- ``alembic``: its ``alembic.ini`` (or ``-c`` file);
- ``docker compose ... SERVICE``: the services of the compose files.

It stays silent whenever it cannot be sure, which is often on purpose:
words with variables, globs, ``~``, placeholders or URLs; absolute paths;
paths git ignores or that a checkout does not have (logs, build output,
``.venv``, secrets); anything an earlier command may have created; and,
after a command whose effects it does not know (a project script, ``make``,
a program it has no table for), every path that does not exist yet — such a
command may have made it.  A working directory it cannot follow (``cd
$DIR``, ``cd -``, an absolute path, ``ssh host``) silences it until a
``:cwd:`` brings it back.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis.shell import Word, assigned_variables, basename, command_programs
from .base import CheckContext, Entry, Finding, opted_out
from .references_project import MAKEFILE_NAMES, Project
from .references_shell import CLOSE, OPEN, Args, Segment, Spec, parse_args, segments, spec

RULE = "dangling-reference"

#: Where the session is when it is not a known directory of the project.
UNKNOWN = "unknown"  # anywhere, the project included
OUTSIDE = "outside"  # somewhere outside the project (a host, /srv/app)
Place = Path | str

#: Languages whose commands create nothing in the project.
_INERT_LANGUAGES = frozenset({"sql", "http", "json", "yaml", "text", "toml", "ini", "xml",
                              "csv"})

#: Characters that make a word something other than one literal path.
_NOT_LITERAL = re.compile(r"[$`*?\[\]{}~<>|&;()\\'\"%=,:@!^\s]")
#: Placeholder spellings authors use in prose-like paths.
_PLACEHOLDER_WORDS = re.compile(r"path/to|\.\.\.|(?:^|/)[A-Z][A-Z0-9]*_[A-Z0-9_]+(?:/|$)|"
                                r"(?:^|[/_-])(?:your|my)[-_]|xxx|XXX")
#: Characters that make a word something other than a literal name.
_NOT_A_NAME = re.compile(r"[$`*?\[\]{}~<>|&;()\\'\"\s]")
_NOT_A_SESSION = re.compile(r"[$`*?{}~<>|&;\\]")
_MAKE_VARIABLE = re.compile(r"[A-Za-z_][\w.]*\s*[:+?!]?=")
#: ``cd "$(git rev-parse --show-toplevel)"``: the repository's top.
_TOP_LEVEL = "git rev-parse --show-toplevel"
#: Suffixes that make an option's value obviously a file.
_FILE_SUFFIXES = frozenset({
    ".yml", ".yaml", ".json", ".ini", ".toml", ".cfg", ".conf", ".sql", ".sh", ".bash",
    ".py", ".env", ".txt", ".xml", ".properties", ".tf", ".tfvars", ".hcl", ".js", ".mjs",
    ".cjs", ".ts", ".rb", ".pl", ".php", ".lua", ".mk", ".j2", ".jinja", ".tpl", ".csv",
})
_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "ash", "fish"})
_PYTHON = re.compile(r"(?:python|pypy)(?:\d+(?:\.\d+)*)?")
_CONTAINERS = frozenset({"docker", "docker-compose", "podman", "podman-compose", "kubectl"})
#: Unary file tests of ``test`` / ``[`` / ``[[``.
_FILE_TESTS = frozenset({"-e", "-f", "-d", "-x", "-r", "-s", "-w", "-L", "-h", "-p", "-S",
                         "-b", "-c", "-g", "-u", "-k", "-O", "-G", "-N"})
_KEYWORDS_OPEN = frozenset({"if", "while", "until"})
_KEYWORDS_CLOSE = frozenset({"fi", "done"})
_KEYWORDS = frozenset({"then", "else", "elif", "do", "{", "}", "!", "time"}) \
    | _KEYWORDS_OPEN | _KEYWORDS_CLOSE

#: Programs that create nothing in the working tree (besides the outputs
#: their handlers below read from the options) and leave the session where it is.
_INERT = frozenset({
    "echo", "printf", "cat", "tac", "nl", "less", "more", "head", "tail", "wc", "grep",
    "egrep", "fgrep", "zgrep", "rg", "ag", "ack", "ls", "ll", "tree", "stat", "file", "du",
    "df", "realpath", "readlink", "basename", "dirname", "pwd", "diff", "cmp", "comm",
    "md5sum", "sha1sum", "sha256sum", "sha512sum", "cksum", "base64", "column", "cut", "tr",
    "uniq", "fold", "fmt", "rev", "paste", "join", "expand", "od", "hexdump", "strings",
    "jq", "awk", "gawk", "envsubst", "true", "false", "test", "[", "[[", "sleep", "date",
    "cal", "seq", "yes", "expr", "bc", "which", "whereis", "type", "hash", "printenv",
    "id", "whoami", "groups", "hostname", "hostnamectl", "uname", "uptime", "w", "who",
    "last", "ps", "pgrep", "pkill", "kill", "killall", "top", "htop", "free", "vmstat",
    "iostat", "mpstat", "sar", "lscpu", "lsblk", "lsof", "lsmod", "nproc", "findmnt",
    "blkid", "dmesg", "journalctl", "systemctl", "service", "loginctl", "timedatectl",
    "ping", "ping6", "traceroute", "tracepath", "mtr", "dig", "nslookup", "host", "whois",
    "ss", "netstat", "nc", "ncat", "netcat", "telnet", "ip", "ifconfig", "route", "arp",
    "nmap", "iptables", "nft", "ufw", "mysql", "mysqladmin", "redis-cli", "mongosh",
    "mongo", "pg_isready", "gcloud", "az", "doctl", "vault", "consul", "nomad", "etcdctl",
    "rm", "rmdir", "unlink", "export", "set", "unset", "alias", "unalias", "read", "local",
    "declare", "readonly", "typeset", "return", "shift", "trap", "wait", "ulimit", "umask",
    "jobs", "fg", "bg", "disown", "let", "shopt", "break", "continue", ":", "clear",
    "reset", "tput", "stty", "logger", "history", "supervisorctl", "crontab", "chmod",
    "chown", "chgrp", "openssl", "aws", "gsutil", "kubectl", "helm", "psql", "curl",
    "tcpdump", "sort", "pg_dump", "pg_dumpall", "pg_restore", "sed", "yq", "ssh-keygen",
    "watch", "timeout", "nohup", "nice", "ionice", "stdbuf", "xargs", "env", "sudo",
    "doas", "command", "builtin", "exec", "time", "flock", "strace", "caffeinate",
    "unbuffer", "chronic", "open", "xdg-open", "pbcopy", "xclip", "sha224sum", "sha384sum",
})
#: Generators that may rewrite the project's files (Makefiles included).
_REWRITERS = frozenset({"configure", "autogen.sh", "bootstrap", "bootstrap.sh", "autoreconf",
                        "autoconf", "automake", "cmake", "meson", "qmake", "patch",
                        "premake5", "gyp", "copier", "cookiecutter"})
#: Commands that open a session somewhere else: later commands run there.
_REMOTE = frozenset({"ssh", "mosh", "vagrant"})
#: Data readers: every positional is a file.
_READERS: dict[str, Spec] = {
    "cat": spec("-A -b -e -E -n -s -t -T -u -v --show-all --number-nonblank --number "
                "--squeeze-blank --show-tabs --show-nonprinting --show-ends"),
    "tac": spec("-b -r --before --regex", "-s --separator"),
    "nl": spec("-p", "-b -d -f -h -i -l -n -s -v -w"),
    "head": spec("-q -v -z --quiet --silent --verbose --zero-terminated",
                 "-n -c --lines --bytes"),
    "tail": spec("-f -F -q -v -z -r --follow --retry --quiet --silent --verbose "
                 "--zero-terminated", "-n -c -s --lines --bytes --pid --sleep-interval "
                 "--max-unchanged-stats"),
    "less": spec("-N -S -R -r -X -F -i -I -M -m -n -s -e -E -K"),
    "more": spec("-d -l -f -p -c -s -u"),
    "wc": spec("-c -m -l -w -L --bytes --chars --lines --words --max-line-length"),
    "md5sum": spec("-b -c -t -z -w --check --quiet --status --strict --warn --binary --text"),
    "sha1sum": spec("-b -c -t -z -w --check --quiet --status --strict --warn"),
    "sha256sum": spec("-b -c -t -z -w --check --quiet --status --strict --warn"),
    "sha512sum": spec("-b -c -t -z -w --check --quiet --status --strict --warn"),
}
#: touch, mkdir, tee, ln, install: their options.
_CREATORS: dict[str, Spec] = {
    "touch": spec("-a -c -h -m -f --no-create --no-dereference", "-d -t -r --date "
                  "--reference", "--time"),
    "mkdir": spec("-p -v --parents --verbose", "-m --mode", "--context"),
    "tee": spec("-a -i -p --append --ignore-interrupts", "", "--output-error"),
    "ln": spec("-s -f -n -r -v -b -i -L -P -T --symbolic --force --no-dereference "
               "--relative --verbose --no-target-directory --logical --physical",
               "-t -S --target-directory --suffix", "--backup"),
    "install": spec("-d -D -C -p -s -v -c -b -T --directory --compare "
                    "--preserve-timestamps --strip --verbose --no-target-directory",
                    "-m -o -g -t -S --mode --owner --group --target-directory --suffix "
                    "--strip-program", "--backup"),
}
_GREP = spec(
    "-i -v -c -l -L -n -h -H -o -q -r -R -w -x -E -F -G -P -z -Z -a -I -U -b -T "
    "--ignore-case --invert-match --count --files-with-matches --files-without-match "
    "--line-number --no-filename --with-filename --only-matching --quiet --silent "
    "--recursive --dereference-recursive --word-regexp --line-regexp --extended-regexp "
    "--fixed-strings --basic-regexp --perl-regexp --null-data --null --text --byte-offset "
    "--initial-tab --no-ignore-case --line-buffered",
    "-e -f -m -A -B -C -d -D --regexp --file --max-count --after-context --before-context "
    "--context --include --exclude --exclude-dir --exclude-from --label --binary-files "
    "--devices --directories",
    "--color --colour")
_CP = spec(
    "-a -r -R -f -i -n -p -v -u -l -s -P -L -H -d -x -b -T -Z --archive --recursive --force "
    "--interactive --no-clobber --verbose --link --symbolic-link --no-dereference "
    "--dereference --parents --one-file-system --no-target-directory --remove-destination "
    "--strip-trailing-slashes --attributes-only --debug --copy-contents --exchange",
    "-t -S --target-directory --suffix",
    "--preserve --reflink --sparse --backup --no-preserve --update --context")
_MAKE = spec(
    "-B -d -e -i -k -n -p -q -r -R -s -S -t -w -L --always-make --environment-overrides "
    "--ignore-errors --keep-going --just-print --dry-run --recon --print-data-base "
    "--question --no-builtin-rules --no-builtin-variables --silent --quiet --no-silent "
    "--no-keep-going --stop --touch --print-directory --no-print-directory "
    "--warn-undefined-variables --trace --check-symlink-times",
    "-C -f -I -o -W -E --directory --file --makefile --include-dir --old-file --assume-old "
    "--what-if --new-file --assume-new --eval",
    "-j -l -O --jobs --load-average --max-load --output-sync --debug --shuffle")
_NOX = spec(
    "-r -R -x -l -v --reuse-existing-virtualenvs --no-reuse-existing-virtualenvs "
    "--stop-on-first-error --no-stop-on-first-error --list --list-sessions --json "
    "--verbose --add-timestamp --non-interactive --error-on-missing-interpreters "
    "--no-error-on-missing-interpreters --error-on-external-run "
    "--no-error-on-external-run --install-only --no-install --no-venv --forcecolor "
    "--force-color --nocolor --no-color --usage",
    "-f -p -t -k --noxfile --envdir --python --pythons --force-python --force-pythons "
    "--tags --keywords --report -db -fb --default-venv-backend --force-venv-backend "
    "--reuse-venv --download-python --script-mode --script-venv-backend")
_ALEMBIC = spec("--raiseerr -q --quiet", "-c --config -n --name -x")
_COMPOSE_GLOBAL = spec(
    "--compatibility --dry-run --all-resources --verbose --no-ansi --tls --tlsverify "
    "--skip-hostname-check",
    "-f --file -p --project-name --project-directory --env-file --profile --ansi "
    "--progress --parallel -c --context -H --host --log-level --tlscacert --tlscert "
    "--tlskey",
    interspersed=False)
#: docker compose subcommands whose positionals are services: (spec, first only).
_COMPOSE_SUBCOMMANDS: dict[str, tuple[Spec, bool]] = {
    "up": (spec("-d --detach --build --no-build --force-recreate --no-recreate --no-deps "
                "--remove-orphans -V --renew-anon-volumes --abort-on-container-exit "
                "--abort-on-container-failure --no-color --no-log-prefix --no-start "
                "--quiet-pull --always-recreate-deps --wait -y --yes --timestamps -w --watch "
                "--quiet-build",
                "--scale -t --timeout --wait-timeout --exit-code-from --attach --no-attach "
                "--pull", "--menu"), False),
    "start": (spec("--wait"), False),
    "stop": (spec("", "-t --timeout"), False),
    "restart": (spec("--no-deps", "-t --timeout"), False),
    "logs": (spec("-f --follow -t --timestamps --no-color --no-log-prefix",
                  "-n --tail --since --until --index"), False),
    "exec": (spec("-d --detach -T --no-TTY --no-tty --privileged -i --interactive -t --tty",
                  "-e --env -u --user -w --workdir --index"), True),
    "run": (spec("-d --detach --rm -T --no-TTY --no-tty --no-deps --service-ports -P "
                 "--use-aliases --build -i --interactive -t --tty --quiet-pull "
                 "--remove-orphans -q --quiet",
                 "-e --env -u --user -w --workdir -v --volume -p --publish --name "
                 "--entrypoint -l --label --cap-add --cap-drop --pull --env-from-file"),
            True),
    "ps": (spec("-a --all -q --quiet --services --no-trunc --orphans --no-orphans",
                "--format --filter --status"), False),
    "build": (spec("--no-cache --pull -q --quiet --push --with-dependencies --check "
                   "--print", "--build-arg --ssh --progress --builder -m --memory"), False),
    "pull": (spec("-q --quiet --ignore-buildable --ignore-pull-failures --include-deps",
                  "--policy"), False),
    "rm": (spec("-f --force -s --stop -v --volumes"), False),
    "kill": (spec("--remove-orphans", "-s --signal"), False),
    "top": (spec(""), False),
}
#: compose subcommands that may create files in the project (bind mounts).
_COMPOSE_CREATING = frozenset({"up", "run", "create", "start", "restart", "exec", "cp",
                               "watch", "convert", "config"})
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
_COMPOSE_OVERRIDES = ("compose.override.yaml", "compose.override.yml",
                      "docker-compose.override.yml", "docker-compose.override.yaml")
_KUBECTL_GLOBAL = spec(
    "--insecure-skip-tls-verify --match-server-version --warnings-as-errors",
    "-n --namespace --context --cluster --kubeconfig -s --server --user --token --as "
    "--as-group --as-uid --request-timeout --certificate-authority --client-certificate "
    "--client-key --cache-dir -v --v --tls-server-name --password --username --profile "
    "--profile-output --log-file --vmodule", interspersed=False)
_KUBECTL_FILES = frozenset({"apply", "create", "delete", "replace", "diff", "get", "describe",
                            "annotate", "label", "rollout", "scale", "wait", "autoscale",
                            "expose", "patch", "set", "edit", "kustomize"})
_DOCKER_GLOBAL = spec("-D --debug --tls --tlsverify",
                      "--config -c --context -H --host -l --log-level --tlscacert "
                      "--tlscert --tlskey", interspersed=False)
_DOCKER_BUILD = spec(
    "--no-cache --pull -q --quiet --rm --force-rm --load --push --squash --compress "
    "--check",
    "-t --tag -f --file --build-arg --target --platform --label --cache-from --cache-to "
    "--network --secret --ssh --progress -o --output --iidfile --add-host --cpu-shares "
    "--memory -m --shm-size --ulimit --isolation --cgroup-parent --build-context "
    "--annotation --attest --builder --metadata-file --sbom --provenance --call --allow")
_DOCKER_INERT = frozenset({"ps", "logs", "inspect", "images", "pull", "push", "stop", "kill",
                           "rm", "rmi", "restart", "start", "tag", "login", "logout",
                           "network", "volume", "system", "info", "version", "stats", "top",
                           "port", "events", "context", "search", "history", "pause",
                           "unpause", "wait", "diff", "update", "rename", "node", "service",
                           "stack", "swarm", "secret", "plugin", "trust", "manifest"})
_GIT_INERT = frozenset({"fetch", "status", "log", "diff", "show", "branch", "tag", "remote",
                        "config", "add", "commit", "push", "rev-parse", "describe", "blame",
                        "grep", "ls-files", "shortlog", "reflog", "whatchanged", "cat-file",
                        "ls-remote", "rm", "notes", "gc", "fsck", "ls-tree", "rev-list",
                        "show-ref", "for-each-ref", "name-rev", "help", "version",
                        "--version", "count-objects", "verify-commit", "verify-tag",
                        "merge-base", "check-ignore"})
_GIT_CLONE = spec(
    "-q -v -n -l -s --quiet --verbose --bare --mirror --no-checkout --single-branch "
    "--no-single-branch --no-tags --shallow-submodules --no-shallow-submodules "
    "--remote-submodules --sparse --local --shared --dissociate --progress --no-hardlinks "
    "--reject-shallow --no-reject-shallow",
    "-b --branch -o --origin --depth -c --config --reference --reference-if-able "
    "--separate-git-dir -j --jobs --filter --template -u --upload-pack --shallow-since "
    "--shallow-exclude --server-option --bundle-uri --ref-format",
    "--recurse-submodules --recursive")
_PSQL = spec(
    "-a -b -e -E -n -q -s -S -A -H -t -x -X -1 -w -W -0 -z -l -V --echo-all --echo-errors "
    "--echo-queries --echo-hidden --no-readline --quiet --single-step --single-line "
    "--no-align --html --tuples-only --expanded --no-psqlrc --single-transaction "
    "--no-password --password --list --version --csv",
    "-c -d -f -h -p -U -v -o -L -P -F -R -T --command --dbname --file --host --port "
    "--username --set --variable --output --log-file --pset --field-separator "
    "--record-separator --table-attr")
_PIP_INSTALL = spec(
    "-U --upgrade --force-reinstall -I --ignore-installed --no-deps --pre --user "
    "--no-cache-dir -q -v --quiet --verbose --dry-run --no-build-isolation --use-pep517 "
    "--no-use-pep517 --break-system-packages --require-hashes --no-index --prefer-binary "
    "--no-clean --compile --no-compile --no-warn-script-location --no-warn-conflicts "
    "--ignore-requires-python --disable-pip-version-check --isolated --no-input --no-color "
    "--system",
    "-r --requirement -c --constraint -e --editable -t --target --platform "
    "--python-version --implementation --abi --root --prefix --src --upgrade-strategy "
    "-C --config-settings --global-option --no-binary --only-binary --progress-bar "
    "--report -i --index-url --extra-index-url -f --find-links --trusted-host "
    "--cache-dir --proxy --retries --timeout --exists-action --cert --client-cert --log "
    "--python --root-user-action --group -p")
_CURL = spec(
    "-s -S -f -L -k -v -i -I -O -J -N -g -G -j -l -n -q -R -B -Z -0 -1 -2 -3 -4 -6 -M -V "
    "-# -p -a --silent --show-error --fail --location --insecure --verbose --include "
    "--head --remote-name --remote-header-name --compressed --create-dirs --fail-with-body "
    "--globoff --get --http1.0 --http1.1 --http2 --http3 --no-buffer --progress-bar "
    "--remote-name-all --no-progress-meter --location-trusted --raw --no-keepalive "
    "--ssl-reqd --tcp-nodelay --retry-all-errors --retry-connrefused --fail-early "
    "--no-sessionid --path-as-is --disable --ipv4 --ipv6 --append --list-only --netrc "
    "--netrc-optional --junk-session-cookies --parallel --styled-output",
    "-o -D -c -K -d -T -H -X -u -A -e -b -F -m -w -x -E -r -C -Y -y -z -U -Q -t -P "
    "--output --dump-header --cookie-jar --config --data --data-binary --data-ascii "
    "--data-raw --data-urlencode --json --upload-file --header --request --user "
    "--user-agent --referer --cookie --form --max-time --write-out --proxy --cert --range "
    "--continue-at --speed-limit --speed-time --time-cond --quote --ftp-port --output-dir "
    "--trace --trace-ascii --stderr --libcurl --etag-save --etag-compare --hsts --alt-svc "
    "--connect-timeout --retry --retry-delay --retry-max-time --cacert --capath --key "
    "--resolve --connect-to --interface --limit-rate --max-filesize --max-redirs "
    "--oauth2-bearer --url --form-string --variable --proxy-user --aws-sigv4 --cert-type "
    "--key-type --pass --noproxy --dns-servers --unix-socket --abstract-unix-socket")
_CURL_OUTPUTS = ("-o", "--output", "-D", "--dump-header", "-c", "--cookie-jar", "--trace",
                 "--trace-ascii", "--stderr", "--libcurl", "--etag-save", "--hsts",
                 "--alt-svc")
_HELM = spec(
    "--install -i --atomic --wait --dry-run --debug --force --reuse-values --reset-values "
    "--reset-then-reuse-values --create-namespace --devel --dependency-update --skip-crds "
    "--no-hooks --cleanup-on-fail --render-subchart-notes --disable-openapi-validation "
    "--generate-name -g --include-crds --validate --is-upgrade --skip-tests "
    "--insecure-skip-tls-verify --plain-http --verify --enable-dns --hide-notes "
    "--take-ownership --wait-for-jobs --rollback-on-failure --server-side --strict "
    "--with-subcharts --quiet",
    "-f --values --set --set-string --set-file --set-json --set-literal --version "
    "--timeout -n --namespace --description --post-renderer --post-renderer-args --repo "
    "--username --password --ca-file --cert-file --key-file --output-dir -o --output "
    "--kube-version --api-versions -a --history-max --labels -l --kube-context "
    "--kubeconfig --show-only -s --name-template --kube-apiserver --kube-token "
    "--registry-config --repository-cache --repository-config --burst-limit --qps "
    "--kube-as-user --kube-as-group --kube-ca-file --kube-insecure-skip-tls-verify "
    "--kube-tls-server-name")
_HELM_CREATING = frozenset({"pull", "fetch", "package", "create", "dependency", "dep",
                            "template", "plugin", "repo"})
_NODE = spec(
    "--inspect --inspect-brk --trace-warnings --no-warnings --enable-source-maps "
    "--experimental-modules --preserve-symlinks --abort-on-uncaught-exception "
    "--experimental-vm-modules --no-deprecation --throw-deprecation --watch --test",
    "-r --require --import --loader --experimental-loader -C --conditions --input-type",
    interspersed=False)
_PYTHON_SPEC = spec("-b -bb -B -d -E -h -i -I -O -OO -P -q -s -S -u -v -V -x -3 --version "
                    "--help", "-W -X -Q", interspersed=False)
#: Runners that run a command in a prepared environment: (options, changes directory).
_RUNNERS: dict[tuple[str, str], Spec] = {
    ("uv", "run"): spec(
        "--frozen --locked --no-sync --isolated --all-extras --no-dev --dev --only-dev "
        "--active --no-project --no-env-file -q -v --quiet --verbose --offline --no-cache "
        "-s --script -m --module --all-packages --exact --inexact --no-editable --reinstall "
        "--refresh -U --upgrade --native-tls --no-progress --all-groups --preview "
        "--gui-script --no-config --no-python-downloads --compile-bytecode",
        "--with --with-editable --with-requirements -p --python --group --extra "
        "--package --env-file --index --index-url --extra-index-url --default-index "
        "-f --find-links --only-group --no-group --config-file --cache-dir --color",
        interspersed=False),
    ("uv", "tool"): spec("-q -v --quiet --verbose --isolated --offline",
                         "--from --with -p --python --index --index-url "
                         "--extra-index-url --with-requirements", interspersed=False),
    ("uvx", ""): spec("-q -v --quiet --verbose --isolated --offline",
                      "--from --with -p --python --index --index-url --extra-index-url "
                      "--with-requirements", interspersed=False),
    ("pipx", "run"): spec("--no-cache --pypackages -v --verbose -q --quiet",
                          "--spec --python --pip-args --index-url", interspersed=False),
    ("poetry", "run"): spec("-v -vv -vvv -q --quiet --verbose --no-interaction -n "
                            "--no-plugins --no-cache", "-P --project -C --directory",
                            interspersed=False),
    ("pipenv", "run"): spec("-v --verbose -q --quiet", "", interspersed=False),
    ("pdm", "run"): spec("-v -q --verbose --quiet -s --site-packages -g --global",
                         "-p --project", interspersed=False),
    ("npx", ""): spec("-y --yes --no -q --quiet", "-p --package", interspersed=False),
    ("bundle", "exec"): spec("--keep-file-descriptors", "--gemfile", interspersed=False),
}
#: Options of runners that run somewhere else than the working directory.
_RUNNER_ELSEWHERE = frozenset({"--directory", "--project", "-C", "-P", "-p", "--gemfile",
                               "--script"})
#: Long options whose value is a configuration file in almost every program.
_CONFIG_OPTIONS = frozenset({"--config", "--config-file", "--configfile", "--config-path",
                             "--settings-file", "--rcfile"})
_CREATING_WORDS = frozenset({"init", "create", "new", "generate", "gen", "scaffold",
                             "bootstrap", "setup", "install"})
_NPM_INSTALLS = frozenset({"install", "i", "ci", "add", "update", "up", "upgrade", "remove",
                           "rm", "uninstall", "un", "rebuild", "dedupe", "prune", "link",
                           "isntall", "in", "ins", "inst", "insta", "instal", "isnt",
                           "isnta", "isntal", "unlink", "r"})
_NPM_RUN = frozenset({"run", "run-script", "rum", "urn"})
_NPM_INERT = frozenset({"ls", "list", "ll", "la", "view", "info", "show", "v", "outdated",
                        "config", "c", "whoami", "help", "ping", "search", "s", "find",
                        "doctor", "explain", "why", "query", "root", "prefix", "bin",
                        "token", "login", "logout", "owner", "team", "access", "profile",
                        "org", "star", "stars", "fund", "docs", "bugs", "repo", "home",
                        "--version", "-v", "cache", "audit", "sbom"})
#: Options that run scripts elsewhere or make a missing one fine.
_NPM_ELSEWHERE = frozenset({"--if-present", "-w", "--workspace", "-ws", "--workspaces", "-F",
                            "--filter", "-r", "--recursive", "--include-workspace-root"})
_NPM = spec("-s --silent -q --quiet -d --loglevel-silent --if-present --ignore-scripts "
            "-ws --workspaces --include-workspace-root -g --global -y --yes --offline "
            "--prefer-offline --foreground-scripts -D --save-dev -P --save-prod -E "
            "--save-exact -O --save-optional --no-save --legacy-peer-deps --force -f "
            "--production --no-audit --no-fund --verbose",
            "--prefix -w --workspace --userconfig --cache --registry --loglevel "
            "--script-shell --omit --include --tag --otp -C --dir --cwd -F --filter",
            "--color", interspersed=False)
_YARN_BUILTINS = frozenset({
    "add", "install", "remove", "upgrade", "info", "init", "list", "why", "workspace",
    "workspaces", "config", "cache", "global", "bin", "link", "unlink", "pack", "publish",
    "run", "exec", "dlx", "node", "set", "plugin", "version", "versions", "audit",
    "autoclean", "check", "create", "generate-lock-entry", "help", "import", "licenses",
    "login", "logout", "outdated", "owner", "policies", "tag", "team",
    "upgrade-interactive", "constraints", "dedupe", "explain", "npm", "patch",
    "patch-commit", "rebuild", "search", "stage", "unplug", "up", "test", "start",
    "i", "ci", "ls", "rm", "un", "uninstall", "update", "fetch", "store", "prune", "env",
    "setup", "root", "doctor", "deploy", "recursive", "server", "approve-builds",
    "ignored-builds", "self-update", "sbom", "view",
})



def _literal(text: str) -> bool:
    """One plain word: no expansion, pattern, placeholder or odd character."""
    return bool(text) and not _NOT_LITERAL.search(text) and not _PLACEHOLDER_WORDS.search(text)


def _normal(path: Path) -> Path:
    return Path(os.path.normpath(path))


def _close(name: str, names: list[str]) -> str | None:
    """The nearest of ``names``: a close spelling, or one that starts with the other."""
    found = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if found:
        return found[0]
    if len(name) >= 3:
        for other in names:
            if other.startswith(name) or (len(other) >= 3 and name.startswith(other)):
                return other
    return None


def _names_hint(kind: str, name: str, names: list[str]) -> str:
    near = _close(name, names)
    if near is not None:
        return f'did you mean "{near}"?'
    if not names:
        return ""
    shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
    return f"its {kind}: {shown}"


@dataclass
class _Context:
    """What one simple command is judged with."""

    segment: Segment
    #: Variables set for it (``X=1 make``), besides the session's.
    variables: set[str] = field(default_factory=set)
    #: Its words, keywords (``then``) left out.
    words: list[Word] = field(default_factory=list)

    @property
    def soft(self) -> bool:
        """Its failure is handled (``|| echo``): what it refers to may be missing."""
        return self.segment.fallback


class DanglingReferenceRule:
    """Files, make targets, npm scripts, nox sessions, alembic configurations and
    compose services that commands refer to but the repository no longer has."""

    id = RULE
    description = ("A command refers to a file, make target, npm script, nox session, "
                   "alembic configuration or compose service the project no longer has.")
    #: Its findings depend on the project's files, not only on the commands.
    cacheable = False

    def check(self, runbook: Entry, commands: list[Entry], context: CheckContext
              ) -> Iterator[tuple[str, Finding]]:
        if context.project_root is None or not context.project_root.is_dir():
            return  # off; a root that is not there would make everything missing
        session = _Session(Project(context.project_root), context)
        for command in commands:
            for finding in session.command(command):
                yield command["id"], finding


class _Session:
    """One runbook's shell session, followed command by command."""

    def __init__(self, project: Project, context: CheckContext) -> None:
        self.project = project
        self.context = context
        self.root = project.root
        self.cwd: Place = self.root
        self.stack: list[Place] = []
        #: Where ``exit`` goes back to from ``ssh host`` and the like.
        self.remote: list[Place] = []
        #: Paths created or written: they and everything under them may exist.
        self.new: set[Path] = set()
        #: Directories where a command may have made anything (the root: anywhere).
        self.wild: set[Path] = set()
        #: Files written or rewritten: what they define is unknown.
        self.changed: set[Path] = set()
        self.variables: set[str] = set()
        #: A sourced script may have set anything.
        self.any_variable = False
        self.functions: set[str] = set()
        # Per command:
        self.findings: list[Finding] = []
        self.report = True
        self.placeholders: list[str] = []
        self.placeholder_words: set[str] = set()
        self.guards: set[Path] = set()
        self.block_depth = 0
        self.block_moved = False
        self.previous_test = False
        self.reported_cwd: set[str] = set()

    # -- the session --

    def command(self, command: Entry) -> list[Finding]:
        self.findings = []
        if command.get("language") != "shell":
            if command.get("language") not in _INERT_LANGUAGES:
                self.wild.add(self.root)  # a Python command may write files
            return []
        self.report = not opted_out(command)
        self.placeholders = [str(p.get("token")) for p in command.get("placeholders") or []
                             if p.get("token")]
        # ``{{ name }}`` and ``<a b>`` are split into words by the shell: their parts too.
        self.placeholder_words = {part for token in self.placeholders
                                  if not token.startswith("$")
                                  for part in re.findall(r"[\w.-]+", token)}
        self.guards = set()
        step_variables = set((command.get("env") or {}).keys())
        if command.get("cwd"):
            self._step_cwd(str(command["cwd"]), str(command.get("step", "")))
        code = str(command.get("code") or "")
        self._script(code, step_variables)
        self.variables.update(assigned_variables(code))
        unique: dict[str, Finding] = {}
        for finding in self.findings:
            unique.setdefault(finding.message, finding)
        return list(unique.values())

    def _step_cwd(self, cwd: str, step: str) -> None:
        if not _literal(cwd) or self._placeholder(cwd):
            self.cwd = UNKNOWN
            return
        if cwd.startswith("/"):
            self.cwd = self._absolute_place(cwd)
            return
        target = _normal(self.root / cwd)
        if not self.project.inside(target):
            self.cwd = OUTSIDE
        elif self._may_exist(target):
            self.cwd = target
        else:
            if step not in self.reported_cwd and not self.project.not_committed(target):
                self.reported_cwd.add(step)
                self._missing_path(f":cwd: {cwd}", self.root, cwd)
            self.cwd = UNKNOWN

    def _absolute_place(self, path: str) -> Place:
        target = _normal(Path(path))
        return UNKNOWN if self.project.inside(target) or target in self.root.parents \
            else OUTSIDE

    def _script(self, text: str, variables: set[str]) -> None:
        items = segments(text)
        words = [word.value for item in items if isinstance(item, Segment)
                 for word in item.words]
        if any(isinstance(item, Segment) and (
                (item.after == OPEN and item.words) or _first_word(item) in ("case", "function"))
               for item in items):
            self._opaque(items, words)
            return
        saved: list[tuple[Place, list[Place]]] = []
        depth, moved = self.block_depth, self.block_moved
        self.block_depth, self.block_moved = 0, False
        for item in items:
            if item == OPEN:
                saved.append((self.cwd, list(self.stack)))
            elif item == CLOSE:
                if saved:
                    self.cwd, self.stack = saved.pop()
            elif isinstance(item, Segment):
                self._segment(item, variables)
        if self.block_moved:
            self.cwd = UNKNOWN
        self.block_depth, self.block_moved = depth, moved

    def _opaque(self, items: list[Segment | str], words: list[str]) -> None:
        """Functions and ``case``: not followed; they may do anything."""
        for item in items:
            if isinstance(item, Segment) and item.after == OPEN and item.words:
                self.functions.add(item.words[-1].value)
            if isinstance(item, Segment) and len(item.words) > 1 \
                    and item.words[0].value == "function":
                self.functions.add(item.words[1].value)
        self._anything()
        if any(word in ("cd", "pushd", "popd") for word in words):
            self.cwd = UNKNOWN

    def _nested(self, text: str, variables: set[str]) -> None:
        """A script run in a subshell (``$(...)``, ``bash -c``): its cd does not last."""
        cwd, stack, remote = self.cwd, list(self.stack), list(self.remote)
        self._script(text, variables)
        self.cwd, self.stack, self.remote = cwd, stack, remote

    # -- what exists --

    def _may_exist(self, path: Path) -> bool:
        """It exists, or an earlier command made it or may have made it."""
        if self._made(path):
            return True
        return any(candidate in self.wild for candidate in (path, *path.parents))

    def _made(self, path: Path) -> bool:
        """It exists, or an earlier command made it by that name."""
        if self.project.exists(path):
            return True
        return any(candidate in self.new for candidate in (path, *path.parents))

    def _known_content(self, path: Path) -> bool:
        return not any(candidate in self.changed for candidate in (path, *path.parents))

    def _here(self) -> Path | None:
        return self.cwd if isinstance(self.cwd, Path) else None

    def _resolve(self, text: str, base: Path | None = None) -> Path | None:
        """The project path a word names, or None when that is not certain."""
        base = base or self._here()
        if base is None or text in ("", "-", ".", "..") or text.startswith(("/", "-")):
            return None
        if not _literal(text) or self._placeholder(text):
            return None
        target = _normal(base / text)
        return target if self.project.inside(target) and target != self.root else None

    # -- effects --

    def _anything(self) -> None:
        """A command whose effects are unknown: any new path may exist now.

        Not when the session is on another host or outside the project.
        """
        if self.cwd != OUTSIDE:
            self.wild.add(self.root)

    def _rewrite_all(self) -> None:
        """A command that may change any file (git checkout, ./configure)."""
        self.wild.add(self.root)
        self.changed.add(self.root)

    def _made_at(self, text: str, base: Path | None = None) -> Path | None:
        """The project path a command makes; the root when it may be anywhere in the
        project; None when it is certainly outside."""
        place: Place = base or self.cwd
        if text.startswith("/"):
            if _literal(text):
                target = _normal(Path(text))
                return target if self.project.inside(target) else None
            return None if self._outside(text) else self.root
        if not _literal(text):
            return self.root
        if not isinstance(place, Path):
            return None if place == OUTSIDE else self.root
        target = _normal(place / text)
        if self.project.inside(target):
            return target
        return self.root if target in self.root.parents else None

    def _create(self, text: str, base: Path | None = None, changed: bool = True) -> None:
        """``text`` (a file or directory) may exist from now on; ``changed``: and it may
        have been written over."""
        target = self._made_at(text, base)
        if target is None:
            return
        (self.wild if target == self.root else self.new).add(target)
        if changed:
            self.changed.add(target)

    def _wild(self, directory: str | None = None) -> None:
        """Anything may have been unpacked or downloaded into ``directory`` (or here)."""
        target = self._made_at(directory or ".")
        if target is not None:
            self.wild.add(target)

    def _outside(self, absolute: str) -> bool:
        """``/tmp/out.$$``: the literal directory it starts with is not the project's."""
        match = _NOT_LITERAL.search(absolute)
        prefix = absolute[:match.start()] if match else absolute
        directory = _normal(Path(prefix.rsplit("/", 1)[0] or "/"))
        return not self.project.inside(directory) and directory not in self.root.parents

    # -- findings --

    def _finding(self, message: str, hint: str = "") -> None:
        if self.report:
            self.findings.append(Finding(RULE, message, hint))

    def _missing_path(self, shown: str, base: Path, written: str) -> None:
        suggestion = self.project.suggest_path(base, written)
        hint = f"did you mean {suggestion}?" if suggestion else ""
        self._finding(f"{shown} does not exist (looked in {self.project.where(base)})", hint)

    def _check(self, text: str, context: _Context, base: Path | None = None,
               data: bool = False) -> None:
        """A path the command runs or reads must exist (or be made earlier)."""
        if context.soft or (data and context.segment.quiet):
            return
        base = base or self._here()
        target = self._resolve(text, base)
        if target is None or base is None or self._may_exist(target):
            return
        if any(guard == target or guard in target.parents for guard in self.guards):
            return
        if self.project.not_committed(target):
            return
        self._missing_path(text, base, text)

    # -- one simple command --

    def _segment(self, segment: Segment, variables: set[str]) -> None:
        for word in (*segment.words, *segment.writes, *segment.reads, *segment.others):
            for substitution in word.substitutions:
                self._nested(substitution, variables)
        values = [word.value for word in segment.words]
        start = 0
        while start < len(values) and values[start] in _KEYWORDS:
            if values[start] in _KEYWORDS_OPEN:
                self.block_depth += 1
            elif values[start] in _KEYWORDS_CLOSE:
                self.block_depth = max(0, self.block_depth - 1)
                if not self.block_depth and self.block_moved:
                    # cd inside if/while: after it, the place depends on the branch.
                    self.cwd, self.block_moved = UNKNOWN, False
            start += 1
        values = values[start:]
        if values and values[0] in ("for", "select"):
            self.block_depth += 1
            return
        context = _Context(segment, variables | self._assignments(values),
                           segment.words[start:])
        for target in segment.writes:
            self._create(target.value)
        if values:
            self._run(values, context)
        for source in segment.reads:
            self._check(source.value, context, data=True)
        self.previous_test = bool(values) and values[0] in ("test", "[", "[[")

    @staticmethod
    def _assignments(values: list[str]) -> set[str]:
        names = set()
        for value in values:
            match = re.match(r"([A-Za-z_]\w*)\+?=", value)
            if not match:
                break
            names.add(match.group(1))
        return names

    def _locate(self, values: list[str]) -> tuple[int, list[str]] | None:
        """Where the program that runs here starts, and the programs found."""
        programs, _scripts = command_programs(values)
        if not programs:
            return None
        position = -1
        for count, program in enumerate(programs, 1):
            for index in range(position + 1, len(values)):
                if values[index] == program and \
                        command_programs(values[:index + 1])[0] == programs[:count]:
                    position = index
                    break
            else:
                return None
            if basename(program) in _CONTAINERS:
                break
        return position, programs

    def _run(self, values: list[str], context: _Context) -> None:
        if values[0] in ("[", "[[", "test"):
            self._test(values[0], values[1:], context)
            return
        if values[0] in ("command", "type", "hash", "which") and len(values) > 1 \
                and values[1] in ("-v", "-V", "-t", "-a"):
            return  # command -v docker: asks, runs nothing
        located = self._locate(values)
        if located is None:
            return
        index, programs = located
        wrappers = values[:index]
        if any(word in ("-C", "--chdir", "-D") or word.startswith("--chdir=")
               for word in wrappers):
            self._anything()  # env -C dir / sudo -D dir: somewhere else
            return
        program = values[index]
        if any(char.isspace() for char in program) and index == len(values) - 1:
            self._nested(program, context.variables)  # watch 'kubectl get pods'
            return
        inner = programs[len(programs) - 1] if basename(program) in _CONTAINERS \
            and len(programs) > 1 and programs[-2] == program else None
        if inner is not None and basename(inner) in _SHELLS and values[-1] == inner:
            # docker compose exec web bash: later commands run in the container.
            self.remote.append(self.cwd)
            self.cwd = UNKNOWN
            self._anything()
            return
        self._dispatch(program, values[index + 1:], context)

    def _dispatch(self, program: str, args: list[str], context: _Context) -> None:
        name = basename(program)
        if "/" in program.rstrip("/"):
            self._check(program, context)
        if name in self.functions:  # the runbook's own: it may do anything, cd included
            self._anything()
            if self.cwd != OUTSIDE:
                self.cwd = UNKNOWN
            return
        handler = _HANDLERS.get(name)
        if handler is None and _PYTHON.fullmatch(name):
            handler = _Session._python
        if handler is None and name in _READERS:
            handler = _Session._reader
        if handler is not None:
            handler(self, name, args, context)
            return
        if program.startswith("$") or not _literal(name):
            self._anything()
            return
        if name in _REWRITERS:
            self._rewrite_all()
            return
        self._config_options(args, context)
        if name not in _INERT:
            self._anything()

    def _config_options(self, args: list[str], context: _Context) -> None:
        """``--config path``: a file most programs read (not where they create one)."""
        if any(arg in _CREATING_WORDS for arg in args):
            return
        for index, arg in enumerate(args):
            name, equals, value = arg.partition("=")
            if name not in _CONFIG_OPTIONS:
                continue
            if not equals:
                value = args[index + 1] if index + 1 < len(args) else ""
            if "/" in value or Path(value).suffix.lower() in _FILE_SUFFIXES:
                self._check(value, context)

    # -- the directory --

    def _cd(self, name: str, args: list[str], context: _Context) -> None:
        parsed = parse_args(args, spec("-L -P -e -@"))
        if name == "popd":
            self.cwd = self.stack.pop() if self.stack else UNKNOWN
            return
        if context.segment.in_pipeline:
            return  # each part of a pipeline is a subshell
        before = self.cwd
        target = parsed.positionals[0] if parsed.positionals else None
        if name == "pushd":
            self.stack.append(before)
            place = self._directory(target, context) if target is not None else UNKNOWN
        else:
            place = self._directory(target, context)
        conditional = context.segment.before == "||" or (
            context.segment.before == "&&" and self.previous_test)
        if conditional and place != before:
            place = UNKNOWN
        elif self.block_depth:
            self.block_moved = True
        self.cwd = place

    def _directory(self, target: str | None, context: _Context) -> Place:
        if target is None or target == "~" or target.startswith("~/"):
            return OUTSIDE  # home
        if target == "$(...)" and [word.substitutions for word in context.words
                                   if word.value == target] == [[_TOP_LEVEL]]:
            return self.root if self.project.git_top == self.root else UNKNOWN
        if target == "-" or not _literal(target) or self._placeholder(target):
            return UNKNOWN
        if target.startswith("/"):
            return self._absolute_place(target)
        here = self._here()
        if here is None:
            return UNKNOWN
        path = _normal(here / target)
        if not self.project.inside(path):
            return UNKNOWN if path in self.root.parents else OUTSIDE
        if self._may_exist(path):
            return path
        self._check(target, context)
        return UNKNOWN

    def _exit(self, name: str, args: list[str], context: _Context) -> None:
        if self.remote and context.segment.before in ("", "\n", ";"):
            self.cwd = self.remote.pop()

    def _remote(self, name: str, args: list[str], context: _Context) -> None:
        """``ssh host`` alone opens a session there; ``ssh host cmd`` runs cmd there."""
        if name == "vagrant" and args[:1] != ["ssh"]:
            self._anything()
            return
        parsed = parse_args(args, spec(
            "-4 -6 -A -a -C -f -G -g -K -k -M -N -n -q -s -T -t -V -v -X -x -Y -y",
            "-i -p -l -o -F -J -L -R -D -W -b -c -E -e -I -m -O -Q -S -w -B"))
        if name in ("ssh", "mosh") and len(parsed.positionals) > 1 and not parsed.uncertain:
            return
        self.remote.append(self.cwd)
        self.cwd = OUTSIDE

    def _su(self, name: str, args: list[str], context: _Context) -> None:
        """``su -`` and ``sudo -i`` open a login shell: later commands start at its home."""
        if name == "su":
            if any(arg in ("-c", "--command") or arg.startswith("--command=") for arg in args):
                self._anything()
                return
        elif not any(arg in ("-i", "--login") or (
                arg.startswith("-") and not arg.startswith("--") and "i" in arg)
                for arg in args):
            return
        self.remote.append(self.cwd)
        self.cwd = OUTSIDE

    def _eval(self, name: str, args: list[str], context: _Context) -> None:
        self.any_variable = True
        self._anything()

    # -- reading and running files --

    def _source(self, name: str, args: list[str], context: _Context) -> None:
        if args:
            self._script_file(args[0], context, search_path=True)
        if args and args[0].endswith(("bin/activate", "bin/activate.fish")):
            self.variables.update({"VIRTUAL_ENV", "PATH"})
            return
        self.any_variable = True
        self._anything()

    def _script_file(self, script: str, context: _Context, search_path: bool) -> None:
        """A script a shell or interpreter runs; ``search_path``: the shell looks in PATH."""
        if search_path and "/" not in script and (
                not script.endswith((".sh", ".bash"))
                or script in self.context.external_programs
                or shutil.which(script, path=self.context.path or None)):
            return
        self._check(script, context)

    def _shell(self, name: str, args: list[str], context: _Context) -> None:
        parsed = parse_args(args, spec(
            "-c -e -x -u -v -n -i -l -r -s -a -b -f -h -k -m -p -t -C -E -H -P -T --login "
            "--norc --noprofile --posix --restricted --verbose --debugger --noediting",
            "-o +o -O +O --rcfile --init-file", interspersed=False))
        if parsed.has("-c"):
            if parsed.positionals:
                self._nested(parsed.positionals[0], context.variables)
            return
        if parsed.has("-s") or parsed.uncertain:
            self._anything()
        elif parsed.positionals:
            self._script_file(parsed.positionals[0], context, search_path=True)
            self._anything()
        elif context.segment.before in ("|", "|&") or context.segment.reads:
            self._anything()  # curl ... | bash: a script from the input

    def _python(self, name: str, args: list[str], context: _Context) -> None:
        index = 0
        while index < len(args):
            arg = args[index]
            if arg == "--":
                index += 1
                break
            if not arg.startswith("-") or arg == "-":
                break
            if arg.startswith("--"):
                if arg not in _PYTHON_SPEC.flags:
                    self._anything()
                    return
                index += 1
                continue
            for position, letter in enumerate(arg[1:], 1):
                attached = arg[position + 1:]
                if letter == "c":
                    self._anything()
                    return
                if letter == "m":
                    module = attached or (args[index + 1] if index + 1 < len(args) else "")
                    self._module(module, args[index + 1:] if attached else args[index + 2:],
                                 context)
                    return
                if letter in "WXQ":
                    index += 0 if attached else 1
                    break
            index += 1
        if index < len(args) and args[index] != "-":
            self._check(args[index], context)
        self._anything()

    def _module(self, module: str, args: list[str], context: _Context) -> None:
        if module == "venv":
            self._venv(module, args, context)
        elif module in ("py_compile", "compileall"):
            parsed = parse_args(args, spec("-q --quiet -l -b -f -qq",
                                           "-d -x -i -r -j -o -p -s -e "
                                           "--invalidation-mode"))
            for path in parsed.positionals:
                self._check(path, context)
            self._create("__pycache__", changed=False)
        elif module in ("pip", "nox", "alembic", "virtualenv"):
            _HANDLERS[module](self, module, args, context)
        else:
            self._anything()

    def _venv(self, name: str, args: list[str], context: _Context) -> None:
        parsed = parse_args(args, spec(
            "--system-site-packages --symlinks --copies --clear --upgrade --without-pip "
            "--upgrade-deps --without-scm-ignore-files --no-pip --no-setuptools --no-wheel "
            "--seed -q --quiet -v --verbose --no-download --download --no-periodic-update",
            "--prompt -p --python --activators"))
        targets = parsed.positionals + [value for _n, value in parsed.options
                                        if value is not None and parsed.uncertain]
        for target in targets or [".venv" if name == "uv" else "."]:
            self._create(target, changed=False)

    def _interpreter(self, name: str, args: list[str], context: _Context) -> None:
        stop = {"node": ("-e", "--eval", "-p", "--print", "-i", "--interactive", "-c",
                         "--check"),
                "ruby": ("-e", "-C", "-S"), "perl": ("-e", "-E", "-S", "-i", "-x"),
                "php": ("-r", "-S", "-a"), "Rscript": ("-e",)}[name]
        if any(arg in stop or arg.startswith(tuple(s + "=" for s in stop)) for arg in args):
            self._anything()
            return
        parsed = parse_args(args, _NODE if name == "node" else Spec(interspersed=False))
        if not parsed.uncertain and parsed.positionals and parsed.positionals[0] != "-":
            self._check(parsed.positionals[0], context)
        self._anything()

    def _reader(self, name: str, args: list[str], context: _Context) -> None:
        parsed = parse_args(args, _READERS[name])
        for path in parsed.positionals + parsed.rest:
            self._check(path, context, data=True)

    def _grep(self, name: str, args: list[str], context: _Context) -> None:
        parsed = parse_args(args, _GREP)
        if parsed.has("-s", "--no-messages"):
            return
        files = parsed.positionals + parsed.rest
        if not parsed.has("-e", "-f", "--regexp", "--file"):
            files = files[1:]
        for path in files + parsed.values("-f", "--file"):
            self._check(path, context, data=True)

    def _copy(self, name: str, args: list[str], context: _Context) -> None:
        parsed = parse_args(args, _CP)
        target = parsed.values("-t", "--target-directory")
        paths = parsed.positionals + parsed.rest
        if target:
            sources, destinations = paths, target
        else:
            sources, destinations = paths[:-1], paths[-1:]
        for source in sources:
            self._check(source, context, data=True)
        for destination in destinations:
            self._create(destination)
        if parsed.uncertain:
            for _option, value in parsed.options:
                if value is not None:
                    self._create(value)

    def _mode(self, name: str, args: list[str], context: _Context) -> None:
        parsed = parse_args(args, spec(
            "-R -c -f -v -h -H -L -P --recursive --changes --silent --quiet --verbose "
            "--preserve-root --no-preserve-root --dereference --no-dereference",
            "", "--reference --from"))
        if parsed.has("-f", "--silent", "--quiet") or parsed.uncertain:
            return
        files = parsed.positionals if parsed.has("--reference") else parsed.positionals[1:]
        for path in files:
            self._check(path, context, data=True)

    def _creates_all(self, name: str, args: list[str], context: _Context) -> None:
        """touch, mkdir, tee, ln, install: their arguments name what they make."""
        parsed = parse_args(args, _CREATORS[name])
        made = parsed.positionals + parsed.rest + parsed.values("-t", "--target-directory")
        if parsed.uncertain:
            made += [value for _name, value in parsed.options if value is not None]
        for path in made:
            self._create(path, changed=name not in ("touch", "mkdir"))

    def _copies_to_last(self, name: str, args: list[str], context: _Context) -> None:
        """rsync, scp: the last argument is made, when it is local."""
        words = [arg for arg in args if not arg.startswith("-")]
        if words and ":" not in words[-1]:
            self._create(words[-1])

    def _dd(self, name: str, args: list[str], context: _Context) -> None:
        for arg in args:
            if arg.startswith("of="):
                self._create(arg[3:])

    def _archive(self, name: str, args: list[str], context: _Context) -> None:
        """tar, unzip, gunzip...: files appear here or in -C / -d."""
        self._wild()
        for index, arg in enumerate(args):
            if arg in ("-C", "--directory", "-d") and index + 1 < len(args):
                self._wild(args[index + 1])
            elif arg.startswith("--directory="):
                self._wild(arg.partition("=")[2])

    def _in_place(self, name: str, args: list[str], context: _Context) -> None:
        """sed -i / yq -i rewrite their files; otherwise they only read."""
        in_place = any(arg in ("-i", "--in-place", "--inplace") or arg.startswith("--in-place=")
                       or (arg.startswith("-") and not arg.startswith("--") and "i" in arg)
                       for arg in args)
        if in_place:
            for arg in args:
                if not arg.startswith("-"):
                    self._create(arg)
            return
        if name != "sed":
            return
        parsed = parse_args(args, spec(
            "-n -E -r -s -u -z --quiet --silent --regexp-extended --separate --unbuffered "
            "--null-data --posix --debug --sandbox --follow-symlinks",
            "-e -f -l --expression --file --line-length"))
        if parsed.uncertain:
            return
        files = parsed.positionals + parsed.rest
        if not parsed.has("-e", "-f", "--expression", "--file"):
            files = files[1:]
        for path in files + parsed.values("-f", "--file"):
            self._check(path, context, data=True)

    def _find(self, name: str, args: list[str], context: _Context) -> None:
        if any(arg in ("-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint", "-fprint0",
                       "-fprintf", "-fls") for arg in args):
            self._anything()

    def _test(self, name: str, args: list[str], context: _Context) -> None:
        """``[ -f x ] && ./x``: the command itself checks that x is there."""
        for index, arg in enumerate(args[:-1]):
            if arg in _FILE_TESTS:
                target = self._resolve(args[index + 1])
                if target is not None:
                    self.guards.add(target)
        self._last_test = True

    # -- outputs of read-only programs --

    def _cloud(self, name: str, args: list[str], context: _Context) -> None:
        """aws s3 cp, gsutil cp, gcloud storage cp...: any plain word may be a download."""
        for arg in args:
            value = arg.partition("=")[2] if arg.startswith("-") else arg
            if value and _literal(value) and not value.startswith("-"):
                self._create(value, changed=False)

    def _outputs(self, name: str, args: list[str], context: _Context) -> None:
        """Programs that only write where an option says (sort -o, pg_dump -f...)."""
        options = {"sort": ("-o", "--output"), "tcpdump": ("-w",),
                   "openssl": ("-out", "-keyout"), "ssh-keygen": ("-f",),
                   "pg_dump": ("-f", "--file"), "pg_dumpall": ("-f", "--file"),
                   "pg_restore": ("-f", "--file")}[name]
        for value in _option_values(args, options):
            self._create(value)

    def _curl(self, name: str, args: list[str], context: _Context) -> None:
        parsed = parse_args(args, _CURL)
        if parsed.uncertain:
            self._wild()
            for value in _option_values(args, (*_CURL_OUTPUTS, "--output-dir")):
                self._create(value)
            return
        directories = parsed.values("--output-dir")
        for value in parsed.values(*_CURL_OUTPUTS):
            if value != "-":
                self._create(value, base=self._output_base(directories))
        if parsed.has("-O", "--remote-name", "--remote-name-all", "-J",
                      "--remote-header-name"):
            self._wild(directories[0] if directories else None)
        for directory in directories:
            self._wild(directory)
        for value in parsed.values("-d", "--data", "--data-binary", "--data-ascii", "--json"):
            if value.startswith("@") and value != "@-":
                self._check(value[1:], context, data=True)
        for value in parsed.values("-T", "--upload-file", "-K", "--config"):
            if value != "-":
                self._check(value, context, data=True)

    def _output_base(self, directories: list[str]) -> Path | None:
        if not directories:
            return None
        return self._resolve(directories[0])

    def _wget(self, name: str, args: list[str], context: _Context) -> None:
        self._wild()
        for value in _option_values(args, ("-O", "--output-document", "-o", "--output-file",
                                           "-a", "--append-output")):
            if value != "-":
                self._create(value)
        for value in _option_values(args, ("-P", "--directory-prefix")):
            self._wild(value)

    # -- version control --

    def _git(self, name: str, args: list[str], context: _Context) -> None:
        parsed = parse_args(args, spec(
            "--no-pager -p --paginate --bare --no-replace-objects --literal-pathspecs "
            "--no-optional-locks -P",
            "-C -c --git-dir --work-tree --namespace --exec-path --config-env",
            interspersed=False))
        if parsed.uncertain or parsed.has("--git-dir", "--work-tree") or not parsed.positionals:
            if parsed.positionals[:1] and parsed.positionals[0] in _GIT_INERT:
                return
            self._rewrite_all()
            return
        base: Path | None = self._here()
        for directory in parsed.values("-C"):
            base = self._resolve(directory, base) if base is not None else None
        subcommand, rest = parsed.positionals[0], parsed.positionals[1:]
        if subcommand in _GIT_INERT:
            return
        if subcommand == "clone":
            clone = parse_args(rest, _GIT_CLONE)
            if not clone.uncertain and len(clone.positionals) >= 2 and base is not None:
                self._create(clone.positionals[1], base=base)
            else:
                self._create(".", base=base, changed=False) if base else self._anything()
            return
        if subcommand in ("init", "worktree", "mv"):
            words = [word for word in rest if not word.startswith("-")]
            if subcommand == "worktree":
                words = words[1:2]
            for word in words or ["."]:
                self._create(word, base=base, changed=subcommand != "init")
            return
        self._rewrite_all()  # checkout, pull, reset, stash, apply, aliases...

    # -- containers and clusters --

    def _docker(self, name: str, args: list[str], context: _Context) -> None:
        if name in ("docker-compose", "podman-compose"):
            self._compose(args, context)
            return
        parsed = parse_args(args, _DOCKER_GLOBAL)
        if parsed.uncertain or not parsed.positionals:
            self._anything()
            return
        subcommand, rest = parsed.positionals[0], parsed.positionals[1:]
        if subcommand == "compose":
            self._compose(rest, context)
        elif subcommand == "build" or (subcommand in ("buildx", "image") and rest[:1] == [
                "build"]):
            build = parse_args(rest[1:] if subcommand != "build" else rest, _DOCKER_BUILD)
            for dockerfile in build.values("-f", "--file"):
                if dockerfile != "-":
                    self._check(dockerfile, context)
            if not build.uncertain and len(build.positionals) == 1:
                self._check(build.positionals[0], context)
            if build.has("-o", "--output", "--iidfile", "--metadata-file"):
                self._anything()
        elif subcommand not in _DOCKER_INERT:
            self._anything()

    def _compose(self, args: list[str], context: _Context) -> None:
        parsed = parse_args(args, _COMPOSE_GLOBAL)
        if parsed.uncertain or not parsed.positionals:
            self._anything()
            return
        files = parsed.values("-f", "--file")
        for file in files:
            if file != "-":
                self._check(file, context)
        subcommand = parsed.positionals[0]
        self._compose_services(subcommand, parsed, files, context)
        if subcommand in _COMPOSE_CREATING:
            self._anything()

    def _compose_services(self, subcommand: str, parsed: Args, files: list[str],
                          context: _Context) -> None:
        here = self._here()
        if subcommand not in _COMPOSE_SUBCOMMANDS or here is None or context.soft:
            return
        known, first_only = _COMPOSE_SUBCOMMANDS[subcommand]
        sub = parse_args(parsed.positionals[1:], known)
        if first_only and (sub.uncertain or not sub.positionals):
            return
        services = [service for service in (sub.positionals[:1] if first_only
                                            else sub.positionals)
                    if self._name(service)]
        if not services or "COMPOSE_FILE" in (self.variables | context.variables) \
                or self.any_variable or parsed.has("--project-directory"):
            return
        paths = self._compose_files(files, here)
        defined = self.project.compose_services(paths) if paths else None
        if paths is None or defined is None:
            return
        shown = ", ".join(self.project.relative(path) for path in paths)
        for service in services:
            if service not in defined:
                self._finding(f'compose service "{service}" is not in {shown}',
                              _names_hint("services", service, sorted(defined)))

    def _name(self, name: str) -> bool:
        """A name (target, script, service) given literally, not a placeholder."""
        return bool(name) and not _NOT_A_NAME.search(name) and not self._placeholder(name)

    def _placeholder(self, text: str) -> bool:
        return text in self.placeholder_words or any(
            token in text for token in self.placeholders)

    def _compose_files(self, files: list[str], here: Path) -> list[Path] | None:
        """The compose files read, when all are in the project and unchanged."""
        if files:
            paths = [self._resolve(file) for file in files]
            if any(path is None or not path.is_file() for path in paths):
                return None
            found = [path for path in paths if path is not None]
        else:
            found = []
            directory = here
            while not found:
                if (directory / ".env").exists() and "COMPOSE_FILE" in (
                        self.project.text(directory / ".env") or ""):
                    return None
                for candidate in COMPOSE_NAMES:
                    if (directory / candidate).is_file():
                        found = [directory / candidate]
                        break
                if found or directory == self.root:
                    break
                directory = directory.parent
            if not found:
                return None  # compose looks further up, outside the project
            found += [found[0].parent / name for name in _COMPOSE_OVERRIDES
                      if (found[0].parent / name).is_file()]
        if not all(self._known_content(path) for path in found):
            return None
        return found

    def _kubectl(self, name: str, args: list[str], context: _Context) -> None:
        parsed = parse_args(args, _KUBECTL_GLOBAL)
        if not parsed.positionals:
            return
        subcommand, rest = parsed.positionals[0], parsed.positionals[1:]
        if subcommand == "cp":
            local = [word for word in rest if not word.startswith("-")]
            if local and ":" not in local[-1]:
                self._create(local[-1])
            return
        if subcommand not in _KUBECTL_FILES:
            return
        for value in _exact_values(rest, ("-f", "--filename", "-k", "--kustomize")):
            if value != "-" and "://" not in value:
                self._check(value, context)

    def _helm(self, name: str, args: list[str], context: _Context) -> None:
        parsed = parse_args(args, _HELM)
        for value in parsed.values("-f", "--values"):
            if "://" not in value and value != "-":
                self._check(value, context)
        if not parsed.positionals:
            return
        subcommand = parsed.positionals[0]
        if not parsed.uncertain:
            for word in parsed.positionals[1:]:
                if word.startswith(("./", "../")):
                    self._check(word, context)
        if subcommand in _HELM_CREATING or parsed.has("--output-dir"):
            self._anything()

    def _psql(self, name: str, args: list[str], context: _Context) -> None:
        parsed = parse_args(args, _PSQL)
        for value in parsed.values("-o", "--output", "-L", "--log-file"):
            self._create(value)
        for value in parsed.values("-f", "--file"):
            if value != "-":
                self._check(value, context, data=True)

    # -- Python tools --

    def _pip(self, name: str, args: list[str], context: _Context) -> None:
        words = [arg for arg in args if not arg.startswith("-")]
        subcommand = words[0] if words else ""
        position = args.index(subcommand) if subcommand else len(args)
        parsed = parse_args(args[position + 1:], _PIP_INSTALL)
        if subcommand in ("install", "download", "wheel", "sync", "compile"):
            for value in parsed.values("-r", "--requirement", "-c", "--constraint"):
                self._check(value, context, data=True)
            for value in parsed.values("-t", "--target", "-d", "--dest", "-w", "--wheel-dir",
                                       "-o", "--output-file", "--src", "--prefix", "--root"):
                self._create(value)
            if parsed.uncertain or parsed.has("-e", "--editable") or subcommand == "wheel" \
                    or any(p.startswith(".") or "/" in p for p in parsed.positionals):
                self._anything()  # builds in place: *.egg-info, build/

    def _uv(self, name: str, args: list[str], context: _Context) -> None:
        words = [arg for arg in args if not arg.startswith("-")]
        subcommand = words[0] if words else ""
        position = args.index(subcommand) if subcommand else len(args)
        rest = args[position + 1:]
        if subcommand == "pip":
            self._pip("pip", rest, context)
        elif subcommand == "venv":
            self._venv("uv", rest, context)
        elif subcommand in ("run", "tool"):
            self._runner(name, args, context)
        else:
            self._anything()

    def _runner(self, name: str, args: list[str], context: _Context) -> None:
        """uv run, uvx, poetry run, npx...: the command they run is read as any other."""
        self._create(".venv", changed=False)  # they prepare an environment first
        self._runner_command(name, args, context)
        self._anything()  # and may build the project

    def _runner_command(self, name: str, args: list[str], context: _Context) -> None:
        sub = ""
        if (name, "") not in _RUNNERS:
            words = [arg for arg in args if not arg.startswith("-")]
            sub = words[0] if words else ""
            args = args[args.index(sub) + 1:] if sub else []
            if (name, sub) == ("uv", "tool"):
                if args[:1] != ["run"]:
                    return
                args = args[1:]
        known = _RUNNERS.get((name, sub))
        if known is None:
            return
        parsed = parse_args(args, known)
        if parsed.uncertain or parsed.has(*_RUNNER_ELSEWHERE):
            return
        command = parsed.positionals or parsed.rest
        if not command:
            return
        if parsed.has("-m", "--module"):
            self._module(command[0], command[1:], context)
        elif command[0].endswith(".py") and name in ("uv", "uvx", "pipx"):
            self._check(command[0], context)
        else:
            self._dispatch(command[0], command[1:], context)

    def _nox(self, name: str, args: list[str], context: _Context) -> None:
        self._nox_sessions(args, context)
        self._anything()

    def _nox_sessions(self, args: list[str], context: _Context) -> None:
        parsed = parse_args(args, _NOX)
        if self._here() is None or context.soft or parsed.has(
                "-h", "--help", "--version", "--usage"):
            return
        files = parsed.values("-f", "--noxfile")
        written = files[-1] if files else "noxfile.py"
        path = self._resolve(written)
        if path is None or self._guarded(path):
            return
        if not self.project.exists(path):
            self._check(written, context)
            return
        requested = _sessions(args)
        if requested is None or not self._known_content(path):
            return
        info = self.project.noxfile(path)
        if info is None or not info.judgeable:
            return
        for session in requested:
            if not _NOT_A_SESSION.search(session) and not self._placeholder(session) \
                    and not info.has(session):
                self._finding(
                    f'nox session "{session}" is not in {self.project.relative(path)}',
                    _names_hint("sessions", session, info.names()))

    def _alembic(self, name: str, args: list[str], context: _Context) -> None:
        parsed = parse_args(args, _ALEMBIC)
        command = parsed.positionals[:1]
        if command == ["init"]:
            self._create("alembic.ini")
            for directory in parsed.positionals[1:2]:
                self._create(directory)
            return
        if command and command != ["list_templates"] and not parsed.uncertain \
                and not parsed.has("-h", "--help", "--version"):
            self._alembic_config(parsed, context)
        self._anything()

    def _alembic_config(self, parsed: Args, context: _Context) -> None:
        if "ALEMBIC_CONFIG" in (self.variables | context.variables) or self.any_variable:
            return
        here = self._here()
        configs = parsed.values("-c", "--config")
        written = configs[-1] if configs else "alembic.ini"
        path = self._resolve(written)
        if here is None or path is None or context.soft or self._may_exist(path) \
                or self._guarded(path) or self.project.not_committed(path):
            return
        if not configs and "[tool.alembic" in (self.project.text(here / "pyproject.toml") or ""):
            return
        suggestion = self.project.suggest_path(here, written)
        hint = f"did you mean {suggestion}?" if suggestion else ""
        if not suggestion:
            found = [self.project.relative(p) for p in self.project.find_named(path.name)]
            if found:
                hint = f"the project has {', '.join(found)}: pass it with -c, or cd there"
        self._finding(f"{written} does not exist (looked in {self.project.where(here)})",
                      hint)

    # -- make --

    def _make(self, name: str, args: list[str], context: _Context) -> None:
        self._make_targets(args, context)
        self._anything()

    def _make_directory(self, parsed: Args, here: Path, context: _Context) -> Path | None:
        """Where make runs: the working directory, joined with each ``-C``."""
        directory = here
        for value in parsed.values("-C", "--directory"):
            resolved = self._resolve(value, directory)
            if resolved is None:
                return None
            if not self._may_exist(resolved):
                self._check(value, context, base=directory)
                return None
            directory = resolved
        return directory

    def _makefiles(self, parsed: Args, directory: Path, context: _Context
                   ) -> list[Path] | None:
        """The Makefiles make reads, when they can be judged."""
        files = parsed.values("-f", "--file", "--makefile")
        paths: list[Path] = []
        for file in files:
            path = self._resolve(file, directory)
            if path is None:
                return None
            if not self.project.exists(path):
                self._check(file, context, base=directory)
                return None
            paths.append(path)
        if not files:
            found = next((directory / n for n in MAKEFILE_NAMES
                          if (directory / n).is_file()), None)
            if found is None:
                default = directory / "Makefile"
                if not self._may_exist(default) and not self._guarded(default) \
                        and not self.project.not_committed(default):
                    self._finding(f"no Makefile in {self.project.where(directory)} "
                                  f"(make looks for {', '.join(MAKEFILE_NAMES)})")
                return None
            paths = [found]
        if not all(self._known_content(path) and not self._guarded(path) for path in paths):
            return None
        return paths

    def _make_targets(self, args: list[str], context: _Context) -> None:
        parsed = parse_args(args, _MAKE)
        here = self._here()
        if here is None or context.soft or parsed.has("-v", "--version", "-h", "--help"):
            return
        directory = self._make_directory(parsed, here, context)
        if directory is None or parsed.uncertain or parsed.has("-E", "--eval") \
                or "MAKEFILES" in (self.variables | context.variables) or self.any_variable:
            return
        paths = self._makefiles(parsed, directory, context)
        if paths is None:
            return
        infos = [self.project.makefile(path) for path in paths]
        if not all(info.judgeable for info in infos):
            return
        shown = ", ".join(self.project.relative(path) for path in paths)
        targets = [word for word in parsed.positionals + parsed.rest
                   if not _MAKE_VARIABLE.match(word)]
        if not targets:
            if not any(info.default for info in infos):
                self._finding(f"{shown} has no target for a plain make")
            return
        every = [target for info in infos for target in info.targets]
        for target in targets:
            if not self._name(target) or any(info.has(target) for info in infos) \
                    or self._made_anyway(directory, target):
                continue
            self._finding(f'make target "{target}" is not in {shown}',
                          _names_hint("targets", target, every))

    def _made_anyway(self, directory: Path, target: str) -> bool:
        """A file of that name, or one make's built-in rules could make it from."""
        path = _normal(directory / target)
        if self._made(path):
            return True
        stem = path.name.rsplit(".", 1)[0] if "." in path.name else path.name
        try:
            names = [other.name for other in path.parent.iterdir()]
        except OSError:
            return False
        return any(other.startswith(stem + ".") for other in names)

    def _guarded(self, path: Path) -> bool:
        return path in self.guards

    # -- npm, yarn, pnpm --

    def _npm(self, name: str, args: list[str], context: _Context) -> None:
        # Options after the script are the script's: read up to it only.
        head = parse_args(args, _NPM)
        positionals = head.positionals
        subcommand = positionals[0] if positionals else ("install" if name == "yarn" else "")
        explicit = subcommand in _NPM_RUN
        tail = parse_args(positionals[1:], _NPM) if explicit else Args()
        options = head.options + tail.options
        directories = [value for option, value in options if value is not None
                       and option in ("--prefix", "-C", "--dir", "--cwd")]
        package_dir = self._resolve(directories[-1]) if directories else self._here()
        if subcommand in _NPM_INERT or (name == "yarn" and subcommand in ("info", "why")):
            return
        if subcommand in _NPM_INSTALLS or (subcommand in ("init", "create") and name != "yarn"):
            self._npm_install(package_dir)
            return
        script = (tail.positionals[:1] if explicit else positionals[:1]
                  if name != "npm" and subcommand not in _YARN_BUILTINS else [])
        elsewhere = any(arg in _NPM_ELSEWHERE or arg.startswith(("--workspace=", "--filter="))
                        for arg in args)
        if script and package_dir is not None and not context.soft and not elsewhere \
                and not head.uncertain and not tail.uncertain and self._name(script[0]):
            self._npm_script(name, script[0], explicit, package_dir)
        self._anything()

    def _npm_install(self, package_dir: Path | None) -> None:
        if package_dir is None:
            self._anything()
            return
        self._create("node_modules", base=package_dir, changed=False)
        for lock in ("package-lock.json", "yarn.lock", "pnpm-lock.yaml", "package.json"):
            self._create(lock, base=package_dir)
        manifest = self.project.package_json(package_dir / "package.json") or {}
        scripts = manifest.get("scripts")
        if not isinstance(scripts, dict) or any(
                hook in scripts for hook in ("preinstall", "install", "postinstall", "prepare",
                                             "prepublish")):
            self._anything()

    def _npm_script(self, tool: str, script: str, explicit_run: bool, start: Path) -> None:
        directory = start
        while not (directory / "package.json").is_file():
            if directory == self.root:
                return  # npm looks further up, outside the project
            directory = directory.parent
        path = directory / "package.json"
        manifest = self.project.package_json(path)
        if manifest is None or not self._known_content(path) or self._guarded(path):
            return
        scripts = manifest.get("scripts") or {}
        if not isinstance(scripts, dict) or script in scripts:
            return
        if tool == "yarn" or (tool == "pnpm" and not explicit_run):
            # yarn runs the dependencies' programs too: judge only when they are known.
            if (directory / ".pnp.cjs").exists() or (directory / ".yarnrc.yml").exists():
                return
            programs = directory / "node_modules" / ".bin"
            if programs.is_dir():
                if (programs / script).exists():
                    return
            elif self._may_exist(directory / "node_modules") or any(manifest.get(key) for key in (
                    "dependencies", "devDependencies", "optionalDependencies",
                    "peerDependencies", "workspaces")):
                return
        names = sorted(str(key) for key in scripts)
        self._finding(f'{tool} script "{script}" is not in {self.project.relative(path)}',
                      _names_hint("scripts", script, names))


def _first_word(segment: Segment) -> str:
    """The word a simple command starts with, after ``then``, ``do`` and the like."""
    for word in segment.words:
        if word.value not in _KEYWORDS:
            return word.value
    return ""


def _exact_values(args: list[str], names: tuple[str, ...]) -> list[str]:
    """Values of exactly these options (``-f x``, ``--file=x``): for what is read."""
    values = []
    for index, arg in enumerate(args):
        name, equals, value = arg.partition("=")
        if name in names:
            if equals:
                values.append(value)
            elif index + 1 < len(args):
                values.append(args[index + 1])
    return values


def _option_values(args: list[str], names: tuple[str, ...]) -> list[str]:
    """Every value that may belong to one of ``names`` (generous: for outputs)."""
    values = []
    for index, arg in enumerate(args):
        following = args[index + 1] if index + 1 < len(args) else None
        name, equals, value = arg.partition("=")
        if name in names:
            if equals:
                values.append(value)
            elif following is not None:
                values.append(following)
            continue
        if arg.startswith("-") and not arg.startswith("--"):
            for short in (n for n in names if len(n) == 2 and not n.startswith("--")):
                letter = short[1]
                if letter in arg[1:]:
                    attached = arg[arg.index(letter, 1) + 1:]
                    if attached:
                        values.append(attached)
                    elif following is not None:
                        values.append(following)
    return values


def _sessions(args: list[str]) -> list[str] | None:
    """The sessions ``nox -s a b --session c`` asks for; None: all of them."""
    found: list[str] = []
    index = 0
    asked = False
    while index < len(args):
        arg = args[index]
        if arg == "--":
            break
        name, equals, value = arg.partition("=")
        if name in ("-s", "-e", "--session", "--sessions"):
            asked = True
            if equals:
                found.append(value)
                index += 1
                continue
            index += 1
            while index < len(args) and not args[index].startswith("-"):
                found.append(args[index])
                index += 1
            continue
        if arg.startswith("-s") and not arg.startswith("--") and len(arg) > 2:
            asked = True
            found.append(arg[2:])
        index += 1
    return found if asked else None


_HANDLERS = {
    "cd": _Session._cd, "pushd": _Session._cd, "popd": _Session._cd,
    "exit": _Session._exit, "logout": _Session._exit,
    "source": _Session._source, ".": _Session._source,
    **dict.fromkeys(_SHELLS, _Session._shell),
    **dict.fromkeys(("node", "ruby", "perl", "php", "Rscript"), _Session._interpreter),
    **dict.fromkeys(("grep", "egrep", "fgrep"), _Session._grep),
    "cp": _Session._copy, "mv": _Session._copy,
    "chmod": _Session._mode, "chown": _Session._mode,
    **dict.fromkeys(("touch", "mkdir", "tee", "ln", "install"), _Session._creates_all),
    "rsync": _Session._copies_to_last, "scp": _Session._copies_to_last, "dd": _Session._dd,
    **dict.fromkeys(("tar", "unzip", "gunzip", "gzip", "bzip2", "bunzip2", "xz", "unxz",
                     "zstd", "unzstd", "7z", "7za", "unrar", "zip", "jar"),
                    _Session._archive),
    "sed": _Session._in_place, "yq": _Session._in_place, "eval": _Session._eval,
    "find": _Session._find,
    "test": _Session._test, "[": _Session._test, "[[": _Session._test,
    **dict.fromkeys(("sort", "tcpdump", "openssl", "ssh-keygen", "pg_dump", "pg_dumpall",
                     "pg_restore"), _Session._outputs),
    "curl": _Session._curl, "wget": _Session._wget,
    **dict.fromkeys(("aws", "gsutil", "gcloud", "az", "doctl", "s3cmd", "rclone", "mc",
                     "azcopy", "vault", "gh"), _Session._cloud),
    "git": _Session._git,
    **dict.fromkeys(("docker", "podman", "docker-compose", "podman-compose"),
                    _Session._docker),
    "kubectl": _Session._kubectl, "helm": _Session._helm, "psql": _Session._psql,
    "pip": _Session._pip, "pip3": _Session._pip, "uv": _Session._uv,
    "virtualenv": _Session._venv,
    **dict.fromkeys(("uvx", "pipx", "poetry", "pipenv", "pdm", "npx", "bundle"),
                    _Session._runner),
    "nox": _Session._nox, "alembic": _Session._alembic,
    "make": _Session._make, "gmake": _Session._make,
    "npm": _Session._npm, "yarn": _Session._npm, "pnpm": _Session._npm,
    **dict.fromkeys(_REMOTE, _Session._remote),
    "su": _Session._su, "sudo": _Session._su, "doas": _Session._su,
}
