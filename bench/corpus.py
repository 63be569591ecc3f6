"""A synthetic Sphinx project of runbook pages, for the benchmarks in ``bench/run.py``.

``python bench/corpus.py OUTDIR --pages 500`` writes ``conf.py``, ``index.md``
(a glob toctree) and ``pages/page-NNNN.md``.  Every page is shaped like the
real runbooks in ``runbooks/``: a title, prose and a list, then 1-3 runbooks
in MyST (``::::{runbook}`` with a symptom, 2-4 causes, 3-8 steps, 1-2 verify
blocks) whose code blocks are bash, console sessions with ``$`` prompts and
output, SQL and curl, with placeholders and some destructive commands.

The output depends only on the seed and the page number, never on the page
count: the first 100 pages of a 400-page corpus are the 100-page corpus, so
corpora of different sizes differ in size only, which the linearity
benchmark relies on.  No network, no clock, no environment.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PAGES = 500
DEFAULT_SEED = 20261123

SERVICES = (
    "checkout", "payments", "inventory", "search", "auth", "notifications", "orders",
    "billing", "ledger", "gateway", "scheduler", "reporting", "catalog", "shipping",
)
TABLES = ("orders", "payments", "sessions", "events", "invoices", "jobs", "audit_log")
SEVERITIES = ("critical", "high", "medium", "low", "P1", "P2")
TAGS = ("database", "postgres", "redis", "kubernetes", "network", "tls", "deploy", "memory",
        "disk", "latency", "queue", "cache", "dns", "migrations", "auth")

#: (title, symptom log line) of the incident scenarios; {svc} is the service.
SCENARIOS = (
    ("Database connection errors",
     "psycopg2.OperationalError: connection to server at \"db-{n}\" (10.0.{n}.12), "
     "port 5432 failed: Connection refused"),
    ("High p99 latency", "WARN [{svc}] request took 4812ms (p99 budget 800ms) path=/api/v1/items"),
    ("Pods in CrashLoopBackOff", "{svc}-7d9f8c6b5-x2x9q   0/1   CrashLoopBackOff   14   37m"),
    ("Disk almost full", "/dev/nvme1n1   200G  196G  4.0G  98% /var/lib/{svc}"),
    ("Redis memory exhausted", "OOM command not allowed when used memory > 'maxmemory'."),
    ("Expired TLS certificate", "x509: certificate has expired or is not yet valid"),
    ("Queue backlog growing", "consumer lag for topic {svc}-events is 182734 messages"),
    ("HTTP 503 from the gateway", "upstream connect error or disconnect/reset before headers. "
     "reset reason: overflow"),
    ("Stuck database migration", "alembic.util.exc.CommandError: Can't locate revision "
     "identified by '3f2a{n}c1'"),
    ("Authentication failures", "401 Unauthorized: token signature verification failed"),
)

#: (cause title, cause id) pool; a runbook draws 2-4 of them.
CAUSES = (
    ("Connection pool exhausted", "pool-exhausted"), ("Database is down", "database-down"),
    ("A bad deploy", "bad-deploy"), ("The disk is full", "disk-full"),
    ("Cache stampede after a flush", "cache-stampede"),
    ("Certificate not renewed", "cert-expired"), ("DNS resolution failing", "dns"),
    ("Memory leak in the worker", "memory-leak"), ("Feature flag misconfigured", "feature-flag"),
    ("Network policy blocks traffic", "network-policy"), ("Noisy neighbour on the node", "noisy"),
    ("Migration lock never released", "migration-lock"), ("Secrets rotated", "secrets-rotated"),
)

PROSE = (
    "This runbook is for the on-call engineer; read the symptom first and work through "
    "the steps in order unless a cause is already known.",
    "Most incidents of this kind resolve after the first two steps; escalate to the owning "
    "team if the verify block still fails after fifteen minutes.",
    "Commands assume a shell with access to the cluster and the production database through "
    "the bastion host.",
    "Keep the incident channel updated after each step, with the output you saw.",
    "The dashboards linked from the alert show the same data, but the commands below are "
    "faster when the monitoring stack itself is degraded.",
    "Placeholders in angle brackets are values you fill in; variables such as "
    "`$DATABASE_URL` come from the service's environment file.",
)
BULLETS = (
    "Check the deploy history before restarting anything.",
    "Never run destructive steps without a second pair of eyes.",
    "Capture logs before deleting pods: they are gone afterwards.",
    "Prefer scaling out over restarting during peak hours.",
    "Record the time of each action in the incident timeline.",
    "If the primary database is involved, page the database team.",
)


@dataclass
class Snippet:
    """One code block of a step: its fence language, text and what it implies."""

    lexer: str
    code: str
    #: Text of an ``output`` block shown right after it (its expected output).
    output: str | None = None
    destructive: bool = False
    requires: list[str] = field(default_factory=list)


@dataclass
class Context:
    """What a runbook's commands talk about, so its blocks are consistent."""

    service: str
    table: str
    number: int


SnippetMaker = Callable[[random.Random, Context], Snippet]


def _kubectl_pods(rng: random.Random, ctx: Context) -> Snippet:
    return Snippet("bash", f"kubectl -n <namespace> get pods -l app={ctx.service} -o wide",
                   requires=["kubectl"])


def _kubectl_logs(rng: random.Random, ctx: Context) -> Snippet:
    since = rng.choice(("5m", "15m", "1h"))
    code = (f"kubectl -n <namespace> logs deploy/{ctx.service} --since={since} \\\n"
            f"  | grep -iE 'error|timeout' | tail -n {rng.choice((20, 50, 100))}")
    return Snippet("bash", code, requires=["kubectl"])


def _console_rollout(rng: random.Random, ctx: Context) -> Snippet:
    # A session: two prompts, each with output lines, so one block gives two commands.
    ready = rng.randint(1, 3)
    code = (f"$ kubectl -n <namespace> get deploy {ctx.service}\n"
            "NAME          READY   UP-TO-DATE   AVAILABLE   AGE\n"
            f"{ctx.service:<13} {ready}/3     3            {ready}           12d\n"
            f"$ kubectl -n <namespace> rollout status deploy/{ctx.service} --timeout=60s\n"
            f'deployment "{ctx.service}" successfully rolled out')
    return Snippet("console", code, requires=["kubectl"])


def _console_df(rng: random.Random, ctx: Context) -> Snippet:
    used = rng.randint(70, 99)
    code = (f"$ df -h /var/lib/{ctx.service}\n"
            "Filesystem      Size  Used Avail Use% Mounted on\n"
            f"/dev/nvme1n1    200G  {used * 2}G  {200 - used * 2}G  {used}% /var/lib/{ctx.service}")
    return Snippet("console", code)


def _psql(rng: random.Random, ctx: Context) -> Snippet:
    code = (f'psql "$DATABASE_URL" -c "SELECT state, count(*) FROM pg_stat_activity '
            f"WHERE datname = '{ctx.service}' GROUP BY state;\"")
    return Snippet("bash", code, requires=["psql"])


def _sql_locks(rng: random.Random, ctx: Context) -> Snippet:
    code = ("SELECT pid, relation::regclass, mode, granted, query_start\n"
            "FROM pg_locks JOIN pg_stat_activity USING (pid)\n"
            f"WHERE relation::regclass::text LIKE '{ctx.table}%'\n"
            "ORDER BY query_start\n"
            f"LIMIT {rng.choice((10, 20, 50))};")
    return Snippet("sql", code, requires=["psql"])


def _curl_health(rng: random.Random, ctx: Context) -> Snippet:
    code = (f'curl -fsS -H "Authorization: Bearer $API_TOKEN" \\\n'
            f"  https://{ctx.service}.<environment>.example.internal/healthz")
    return Snippet("bash", code, output='{"status": "ok"}', requires=["curl"])


def _redis_info(rng: random.Random, ctx: Context) -> Snippet:
    code = 'redis-cli -u "$REDIS_URL" INFO memory | grep -E "used_memory_human|maxmemory"'
    return Snippet("bash", code, requires=["redis-cli"])


def _pod_exec(rng: random.Random, ctx: Context) -> Snippet:
    # Sets a variable that the next line reads: "supplied by the runbook", not the reader.
    code = (f"POD=$(kubectl -n <namespace> get pods -l app={ctx.service} -o name | head -n 1)\n"
            f'kubectl -n <namespace> exec "$POD" -- df -h /data')
    return Snippet("bash", code, requires=["kubectl"])


def _journal(rng: random.Random, ctx: Context) -> Snippet:
    return Snippet("bash", f'sudo journalctl -u {ctx.service} --since "1 hour ago" --no-pager '
                           f"| tail -n 200")


def _openssl(rng: random.Random, ctx: Context) -> Snippet:
    code = (f"echo | openssl s_client -connect {ctx.service}.<environment>.example.internal:443 "
            "2>/dev/null | openssl x509 -noout -enddate")
    return Snippet("bash", code, output="notAfter=Dec 31 23:59:59 2026 GMT", requires=["openssl"])


def _restart(rng: random.Random, ctx: Context) -> Snippet:
    return Snippet("bash", f"kubectl -n <namespace> rollout restart deploy/{ctx.service}",
                   requires=["kubectl"])


def _scale(rng: random.Random, ctx: Context) -> Snippet:
    replicas = rng.randint(4, 12)
    return Snippet("bash", f"kubectl -n <namespace> scale deploy/{ctx.service} "
                           f"--replicas={replicas}", requires=["kubectl"])


def _rm_cache(rng: random.Random, ctx: Context) -> Snippet:
    return Snippet("bash", f"rm -rf /var/lib/{ctx.service}/cache/*", destructive=True)


def _flushall(rng: random.Random, ctx: Context) -> Snippet:
    return Snippet("bash", 'redis-cli -u "$REDIS_URL" FLUSHALL', destructive=True,
                   requires=["redis-cli"])


def _drop_table(rng: random.Random, ctx: Context) -> Snippet:
    return Snippet("sql", f"DROP TABLE IF EXISTS {ctx.table}_staging_{ctx.number};",
                   destructive=True, requires=["psql"])


def _delete_pods(rng: random.Random, ctx: Context) -> Snippet:
    return Snippet("bash", f"kubectl -n <namespace> delete pod -l app={ctx.service} "
                           "--grace-period=0 --force", destructive=True, requires=["kubectl"])


#: (step title, snippet makers to draw from); destructive makers are rarer on purpose.
STEP_KINDS: tuple[tuple[str, tuple[SnippetMaker, ...]], ...] = (
    ("Check the pods", (_kubectl_pods, _console_rollout)),
    ("Read the recent logs", (_kubectl_logs, _journal)),
    ("Look at the database connections", (_psql, _sql_locks)),
    ("Check free disk space", (_console_df, _pod_exec)),
    ("Check the cache", (_redis_info,)),
    ("Check the certificate", (_openssl,)),
    ("Restart the deployment", (_restart,)),
    ("Scale out", (_scale,)),
    ("Check the health endpoint", (_curl_health,)),
    ("Find blocking locks", (_sql_locks,)),
)
DESTRUCTIVE_KINDS: tuple[tuple[str, SnippetMaker], ...] = (
    ("Clear the local cache", _rm_cache),
    ("Flush Redis", _flushall),
    ("Drop the staging table", _drop_table),
    ("Force-delete the pods", _delete_pods),
)


def fenced(snippet: Snippet) -> str:
    """The code block (and its ``output`` block) in MyST."""
    text = f"```{snippet.lexer}\n{snippet.code}\n```\n"
    if snippet.output is not None:
        text += f"```output\n{snippet.output}\n```\n"
    return text


SEEN = ("Alerts fire on the dashboard.", "Users report errors.", "The error rate exceeds 5%.")


def symptom_block(rng: random.Random, log_line: str) -> str:
    # A log excerpt in an unlabelled fence: in a symptom it is not a command.
    return f":::{{symptom}}\n```\n{log_line}\n```\n{rng.choice(SEEN)}\n:::\n"


def cause_blocks(rng: random.Random) -> tuple[str, list[str]]:
    chosen = rng.sample(CAUSES, rng.randint(2, 4))
    text = "".join(f":::{{cause}} {title}\n:id: {cause_id}\n:::\n\n" for title, cause_id in chosen)
    return text, [cause_id for _, cause_id in chosen]


def step_block(rng: random.Random, ctx: Context, cause_ids: list[str]) -> str:
    # About one step in eight is destructive, as in real runbooks.
    if rng.random() < 0.125:
        title, maker = rng.choice(DESTRUCTIVE_KINDS)
        snippets = [maker(rng, ctx)]
    else:
        title, makers = rng.choice(STEP_KINDS)
        snippets = [rng.choice(makers)(rng, ctx) for _ in range(rng.choice((1, 1, 1, 2)))]
    options = [f":for: {', '.join(rng.sample(cause_ids, rng.randint(1, min(2, len(cause_ids)))))}"]
    requires = sorted({program for snippet in snippets for program in snippet.requires})
    if requires:
        options.append(f":requires: {', '.join(requires)}")
    if any(snippet.destructive for snippet in snippets):
        options.append(":destructive:")
        if rng.random() < 0.5:
            options.append(":run: never")
    elif rng.random() < 0.2:
        options.append(f":timeout: {rng.choice(('30s', '2m', '90s'))}")
    body = rng.choice(PROSE) + "\n\n" if rng.random() < 0.4 else ""
    if rng.random() < 0.2:
        body += "".join(f"- {bullet}\n" for bullet in rng.sample(BULLETS, 2)) + "\n"
    code = "\n".join(fenced(snippet) for snippet in snippets)
    return f":::{{step}} {title}\n" + "\n".join(options) + "\n\n" + body + code + ":::\n"


def verify_block(rng: random.Random, ctx: Context) -> str:
    if rng.random() < 0.5:
        snippet = _curl_health(rng, ctx)
        options = ":expect-status: 200\n"
        title = "The service answers health checks"
    else:
        snippet = rng.choice((_console_rollout, _kubectl_pods))(rng, ctx)
        options = ":expect-exit: 0\n"
        title = "The pods are ready"
    return f":::{{verify}} {title}\n{options}\n{fenced(snippet)}:::\n"


def runbook_text(rng: random.Random, service: str, page: int, position: int) -> str:
    title, log_line = rng.choice(SCENARIOS)
    ctx = Context(service, rng.choice(TABLES), page)
    # Page and position make the id unique in the project, whatever the title.
    runbook_id = f"{service}-p{page:05d}-{position}"
    causes, cause_ids = cause_blocks(rng)
    steps = "\n".join(step_block(rng, ctx, cause_ids) for _ in range(rng.randint(3, 8)))
    verifies = "\n".join(verify_block(rng, ctx) for _ in range(rng.randint(1, 2)))
    header = (f"::::{{runbook}} {title} ({service})\n:id: {runbook_id}\n:service: {service}\n"
              f":severity: {rng.choice(SEVERITIES)}\n:tags: {', '.join(rng.sample(TAGS, 3))}\n")
    symptom = symptom_block(rng, log_line.format(svc=service, n=page % 250))
    return f"{header}\n{symptom}\n{causes}{steps}\n{verifies}::::\n"


def page_text(seed: int, page: int) -> str:
    # One generator per page: a page's text does not depend on how many pages there are.
    rng = random.Random(seed * 1_000_003 + page)
    service = rng.choice(SERVICES)
    bullets = "".join(f"- {bullet}\n" for bullet in rng.sample(BULLETS, 3))
    runbooks = "\n".join(runbook_text(rng, service, page, position)
                         for position in range(1, rng.randint(1, 3) + 1))
    return (f"# {service.title()} operations {page}\n\n{rng.choice(PROSE)}\n\n{bullets}\n"
            f"## Incidents\n\n{rng.choice(PROSE)}\n\n{runbooks}")


CONF = '''\
"""A synthetic runbook site {marker} (seed {seed}, {pages} pages)."""

project = "bench-corpus"
extensions = ["myst_parser", "sphinx_runbook"]
myst_enable_extensions = ["colon_fence"]
exclude_patterns = ["_build"]
highlight_language = "none"
runbook_placeholders = {{
    "namespace": {{"description": "Kubernetes namespace", "default": "production"}},
    "environment": {{"description": "Deployment environment", "default": "prod"}},
    "DATABASE_URL": {{"description": "Connection string of the database", "secret": True}},
}}
'''

INDEX = """\
# Benchmark runbooks

Generated by `bench/corpus.py`: {pages} pages of synthetic runbooks.

```{{toctree}}
:glob:
:maxdepth: 1

pages/*
```
"""


#: First line of every generated conf.py: how generate() knows a directory is its own.
MARKER = "generated by bench/corpus.py"


class NotACorpusError(Exception):
    """The output directory holds something else: refuse to delete it."""


#: With ``sidebars=False``: the theme's sidebars hold the whole site's table of
#: contents, rendered into every page, so HTML time grows with pages squared;
#: without them the HTML build's own per-page cost shows.
NO_SIDEBARS = 'html_sidebars = {"**": []}\n'


def generate(outdir: Path, pages: int = DEFAULT_PAGES, seed: int = DEFAULT_SEED, *,
             sidebars: bool = True) -> None:
    """Write the project into ``outdir``.

    An earlier corpus there is replaced (no page of a bigger one stays behind),
    but any other non-empty directory is left alone: a typo must not delete work.
    """
    if outdir.exists() and any(outdir.iterdir()):
        conf = outdir / "conf.py"
        if not conf.is_file() or MARKER not in conf.read_text(encoding="utf-8").split("\n")[0]:
            raise NotACorpusError(f"{outdir} is not empty and is not a generated corpus")
        shutil.rmtree(outdir)
    (outdir / "pages").mkdir(parents=True)
    conf_text = CONF.format(marker=MARKER, seed=seed, pages=pages)
    if not sidebars:
        conf_text += NO_SIDEBARS
    (outdir / "conf.py").write_text(conf_text, encoding="utf-8")
    (outdir / "index.md").write_text(INDEX.format(pages=pages), encoding="utf-8")
    for page in range(1, pages + 1):
        path = outdir / "pages" / f"page-{page:05d}.md"
        path.write_text(page_text(seed, page), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path, help="directory to write (replaced if it exists)")
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES, help="number of pages")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument("--no-sidebars", action="store_true",
                        help="turn off the HTML theme's sidebars (see NO_SIDEBARS)")
    args = parser.parse_args(argv)
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    try:
        generate(args.outdir, args.pages, args.seed, sidebars=not args.no_sidebars)
    except NotACorpusError as error:
        parser.error(str(error))
    print(f"{args.pages} pages in {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
