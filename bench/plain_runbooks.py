"""Plain Markdown runbooks, as teams write them, for the import benchmark (``bench/importer.py``).

``python bench/plain_runbooks.py OUTFILE --incidents 800`` writes one document;
``--files 200 --incidents 10`` writes a directory of 200 documents instead
(each of its own seed, numbered from 1: one file in five is ``## Issue``
sections).

A document is a title, an introduction and a table of contents, then parts of
ten incidents.  Most parts are a ``## Part N: ...`` heading over ``###``
incidents of four shapes, in turn:

- numbered (``### 12. Title``): ``**Detection:**`` bullets, ``**Response
  Steps:**`` a numbered list whose items hold fenced code (bash, SQL),
  ``**Resolution Verification:**`` bullets;
- labelled: ``**Symptom:**`` and an error in a fence, ``**Root Causes:**`` a
  numbered list, ``**Resolution Steps:**`` numbered items with code,
  ``**Prevention:**`` bullets;
- a table: the error in a fence, then a Symptom | Cause | Fix table;
- ``**Cause:** ... **Fix:** ...`` paragraphs after the error, sometimes with
  a numbered fix list, and a link to the incident before.

One part in five is ``## Issue N: Title`` sections instead, with ``###
Symptoms``, ``Root Cause``, ``Diagnosis`` (``**Step 1**:`` labels, a *Look
for* example), ``Solution`` (numbered steps), ``Verification`` and
``Prevention`` sub-headings.

Incident *n* depends only on the seed and *n*, never on the document's size:
the first 100 incidents of an 800-incident document are the 100-incident
document (but for its table of contents), so documents of different sizes
differ in size only.  No network, no clock, no environment.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SEED = 20261123
#: Incidents under one ``## Part`` heading (or ``## Issue`` sections in a row).
PART_SIZE = 10
#: One part in ISSUE_EVERY is made of ``## Issue N:`` sections.
ISSUE_EVERY = 5

SERVICES = ("checkout", "payments", "inventory", "search", "auth", "notifications", "orders",
            "billing", "ledger", "gateway", "scheduler", "reporting", "catalog", "shipping")
AREAS = ("Startup and containers", "Database and migrations", "API", "Background jobs",
         "Caching", "Networking", "Authentication", "Performance", "Deployment")

#: (title, error line, cause) of the incidents; {svc} is the service, {n} a number.
SCENARIOS = (
    ("Database connection errors",
     'psycopg2.OperationalError: connection to server at "db-{n}" port 5432 failed: '
     "Connection refused", "The connection pool is exhausted or the database restarted"),
    ("Migration version mismatch",
     "alembic.util.exc.CommandError: Can't locate revision identified by '4e1{n}a'",
     "The deployed code is older than the database schema"),
    ("Container exits at startup", "{svc}-api exited with code 1: Variable DATABASE_URL not set",
     "A required environment variable is missing from the deployment"),
    ("High p99 latency", "WARN [{svc}] GET /api/v1/items took 4812ms (budget 800ms)",
     "A slow query holds connections while it scans a table"),
    ("Pods in CrashLoopBackOff", "{svc}-7d9f8c6b5-x2x9q   0/1   CrashLoopBackOff   14   37m",
     "The new image fails its readiness probe"),
    ("Disk almost full", "/dev/nvme1n1   200G  196G  4.0G  98% /var/lib/{svc}",
     "Old logs and temporary exports are never rotated"),
    ("Redis memory exhausted", "OOM command not allowed when used memory > 'maxmemory'",
     "Keys are written without an expiry"),
    ("Expired TLS certificate", "x509: certificate has expired or is not yet valid",
     "The renewal job failed silently"),
    ("Queue backlog growing", "consumer lag for topic {svc}-events is 182734 messages",
     "Consumers crash on a malformed message and restart in a loop"),
    ("HTTP 503 from the gateway", "upstream connect error or disconnect/reset before headers",
     "Every upstream instance failed its health check"),
    ("Login fails with 401", "401 Unauthorized: token signature verification failed",
     "The signing secret differs between the services"),
    ("Rate limiting rejects users", "429 Too Many Requests: limit 100/min exceeded for {svc}",
     "The limit is shared by every worker behind one address"),
    ("Port already in use",
     "listen tcp4 0.0.0.0:80{n}: bind: address already in use",
     "Another process still holds the port after a crash"),
    ("Cron job did not run", "job {svc}-nightly last succeeded 3 days ago",
     "The schedule uses the wrong time zone"),
    ("WebSocket connections drop", "WebSocket connection to 'wss://{svc}/ws' failed: 1006",
     "The load balancer closes idle connections after 60 s"),
    ("Email delivery failures", "SMTP 421 4.7.0 Try again later, closing connection",
     "The provider throttles the sending domain"),
    ("Stale data after deploy", "cache hit ratio 99.8%, but prices differ from the database",
     "The cache was not invalidated when the schema changed"),
    ("Out of memory kills", "Memory cgroup out of memory: Killed process 4121 ({svc})",
     "A memory leak in the worker grows with every request"),
)

SYMPTOM_BULLETS = (
    "The {svc} dashboard shows the error rate above 5%",
    "Users report that pages load forever",
    "Alert `{svc}-errors-high` fires in the on-call channel",
    "Health checks fail on some instances",
    "Requests time out after 30 seconds",
    "Logs repeat the same error every few seconds",
)
VERIFY_BULLETS = (
    "The error rate is back under 1% on the dashboard",
    "A test request from the runbook host succeeds",
    "No new errors in the logs for ten minutes",
    "The alert resolves by itself",
)
MANUAL_STEPS = (
    "Open the {svc} dashboard and note when the errors started",
    "Tell the incident channel what you found so far",
    "Check the deploy history of {svc} for a release in the last hour",
    "Page the database team if the primary is involved",
)
OTHER_CAUSES = (
    "The configuration differs between environments",
    "A dependency was upgraded without a test",
    "A feature flag was turned on for every user at once",
    "The node ran out of file descriptors",
    "DNS resolution of the database host fails intermittently",
)
PREVENTION_BULLETS = (
    "Add an alert before the limit is reached",
    "Run the migration in staging first",
    "Rotate logs daily",
    "Document the change in the service's README",
    "Load-test the service before the release",
)
PROSE = (
    "This document collects the incidents the on-call engineer meets most often, with the "
    "commands to diagnose and fix each of them.",
    "Work through the steps in order; escalate to the owning team when an incident is not "
    "resolved after thirty minutes.",
    "Commands assume a shell on the bastion host with access to the cluster and the "
    "database; values in angle brackets are yours to fill in.",
)


@dataclass(frozen=True)
class Incident:
    number: int
    service: str
    title: str
    error: str
    cause: str
    #: An ``## Issue N:`` section (with sub-headings) rather than a ``###`` incident.
    issue: bool
    #: Which ``###`` shape, in turn: numbered, labelled, table, cause/fix.
    shape: int


#: A command: (what the step says, fence language, code).
Command = tuple[str, str, str]


def _commands(svc: str, n: int) -> tuple[Command, ...]:
    table = ("orders", "payments", "sessions", "events", "jobs")[n % 5]
    return (
        ("Check the pods", "bash", f"kubectl -n <namespace> get pods -l app={svc} -o wide"),
        ("Read the recent logs", "bash",
         f"kubectl -n <namespace> logs deploy/{svc} --since=15m \\\n"
         "  | grep -iE 'error|timeout' | tail -n 50"),
        ("Check the containers", "bash", f"docker compose ps {svc}\ndocker compose logs {svc} "
                                         "--tail=100"),
        ("Look for long-running queries", "sql",
         "SELECT pid, now() - query_start AS duration, state, query\n"
         "FROM pg_stat_activity\n"
         f"WHERE datname = '{svc}' AND state <> 'idle'\n"
         "ORDER BY duration DESC;"),
        ("Find blocking locks", "sql",
         "SELECT pid, relation::regclass, mode, granted\n"
         f"FROM pg_locks JOIN pg_stat_activity USING (pid)\nWHERE relation::regclass::text "
         f"LIKE '{table}%';"),
        ("Check the connection string", "bash",
         f"docker compose exec {svc} env | grep DATABASE_URL\n"
         f"# Should be: postgresql://{svc}:<password>@db:5432/{svc}"),
        ("Check the cache memory", "bash",
         'redis-cli -u "$REDIS_URL" INFO memory | grep -E "used_memory_human|maxmemory"'),
        ("Check the certificate", "bash",
         f"echo | openssl s_client -connect {svc}.example.internal:443 2>/dev/null \\\n"
         "  | openssl x509 -noout -enddate"),
        ("Check free disk space", "bash", f"df -h /var/lib/{svc}\ndu -sh /var/lib/{svc}/* "
                                          "| sort -h | tail"),
        ("Check the health endpoint", "bash",
         f"curl -fsS http://localhost:8000/{svc}/health/ready\n# Expected: 200 OK"),
        ("Apply the pending migrations", "bash",
         f"docker compose exec {svc} alembic current\n"
         f"docker compose exec {svc} alembic upgrade head"),
        ("Restart the service", "bash", f"kubectl -n <namespace> rollout restart deploy/{svc}"),
        ("Scale out", "bash", f"kubectl -n <namespace> scale deploy/{svc} --replicas={4 + n % 6}"),
        ("Kill the idle connections", "sql",
         "SELECT pg_terminate_backend(pid)\nFROM pg_stat_activity\n"
         "WHERE state = 'idle' AND query_start < now() - interval '10 minutes';"),
        ("Clear the cache", "bash", 'redis-cli -u "$REDIS_URL" FLUSHALL'),
        ("Read the service journal", "bash",
         f'sudo journalctl -u {svc} --since "1 hour ago" --no-pager | tail -n 200'),
    )


def incident(seed: int, number: int) -> Incident:
    # One generator per incident: its text does not depend on the document's size.
    rng = random.Random(seed * 1_000_003 + number)
    service = rng.choice(SERVICES)
    title, error, cause = rng.choice(SCENARIOS)
    return Incident(number, service, f"{service.title()}: {title}",
                    error.format(svc=service, n=number % 97), cause,
                    is_issue_part(seed, part_of(number)), (seed + number) % 4)


def part_of(number: int) -> int:
    return (number - 1) // PART_SIZE


def is_issue_part(seed: int, part: int) -> bool:
    """One part in ISSUE_EVERY is ``## Issue N:`` sections.

    The shapes come in turn rather than at random: any hundred incidents then
    hold the same mix, so that the marginal cost of the benchmark compares
    like with like (their lengths differ by a factor of three).
    """
    return (seed + part) % ISSUE_EVERY == ISSUE_EVERY - 1


def anchor(title: str) -> str:
    """The anchor MyST gives a heading by default (GitHub's rule), for the links."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def _fence(language: str, code: str, indent: str = "") -> str:
    lines = [f"```{language}", *code.split("\n"), "```"]
    return "".join(f"{indent}{line}\n" if line else "\n" for line in lines)


def _first_line(code: str) -> str:
    return code.split("\n")[0].removesuffix("\\").rstrip()


def _bullets(rng: random.Random, pool: tuple[str, ...], count: int, svc: str) -> str:
    return "".join(f"- {item.format(svc=svc)}\n" for item in rng.sample(pool, count))


def _numbered_steps(rng: random.Random, inc: Incident, count: int) -> str:
    """A numbered list: most items a sentence and an indented fence, some a sentence only."""
    items = []
    for position, (text, language, code) in enumerate(
            rng.sample(_commands(inc.service, inc.number), count), start=1):
        if rng.random() < 0.2:
            manual = rng.choice(MANUAL_STEPS).format(svc=inc.service)
            items.append(f"{position}. {manual}\n")
        else:
            items.append(f"{position}. {text}:\n{_fence(language, code, '   ')}")
    return "\n".join(items)


def numbered_incident(rng: random.Random, inc: Incident, heading: str) -> str:
    return (f"### {heading}\n\n**Detection:**\n{_bullets(rng, SYMPTOM_BULLETS, 3, inc.service)}"
            f"- Error logs: \"{inc.error}\"\n\n"
            f"**Response Steps:**\n{_numbered_steps(rng, inc, rng.randint(3, 6))}\n"
            f"**Resolution Verification:**\n{_bullets(rng, VERIFY_BULLETS, 2, inc.service)}")


def labelled_incident(rng: random.Random, inc: Incident, heading: str) -> str:
    causes = [inc.cause, *rng.sample(OTHER_CAUSES, rng.randint(1, 3))]
    cause_list = "".join(f"{n}. {cause}\n" for n, cause in enumerate(causes, start=1))
    return (f"### {heading}\n\n**Symptom:**\n{_fence('', inc.error)}\n"
            f"**Root Causes:**\n{cause_list}\n"
            f"**Resolution Steps:**\n{_numbered_steps(rng, inc, rng.randint(2, 5))}\n"
            f"**Prevention:**\n{_bullets(rng, PREVENTION_BULLETS, 2, inc.service)}")


def table_incident(rng: random.Random, inc: Incident, heading: str) -> str:
    count = rng.randint(2, 4)
    symptoms = [inc.error, *rng.sample(SYMPTOM_BULLETS, count - 1)]
    causes = [inc.cause, *rng.sample(OTHER_CAUSES, count - 1)]
    fixes = rng.sample(_commands(inc.service, inc.number), count)
    # A pipe in a cell, even in code, ends the cell unless escaped.
    rows = [f"| {symptom.format(svc=inc.service)} | {cause} | "
            f"{text}: `{_first_line(code).replace('|', chr(92) + '|')}` |"
            for symptom, cause, (text, _, code) in zip(symptoms, causes, fixes, strict=True)]
    return (f"### {heading}\n\n{_fence('', inc.error)}\n**Common causes:**\n\n"
            "| Symptom | Cause | Fix |\n|---------|-------|-----|\n" + "\n".join(rows) + "\n")


def cause_fix_incident(rng: random.Random, inc: Incident, heading: str,
                       previous: Incident | None) -> str:
    text, language, code = rng.choice(_commands(inc.service, inc.number))
    see = ""
    if previous is not None and rng.random() < 0.5:
        see = f" See [{previous.title}](#{anchor(heading_of(previous))}) too."
    if rng.random() < 0.5:
        fix = f"**Fix:** {text} with `{_first_line(code)}` and retry.{see}\n"
    else:
        fix = (f"**Fix:**\n1. {text}:\n{_fence(language, code, '   ')}"
               f"2. Restart the {inc.service} service and watch the logs.{see}\n")
    return (f"### {heading}\n\n{_fence('', inc.error)}\n"
            f"**Cause:** {inc.cause}.  \n{fix}")


def issue_incident(rng: random.Random, inc: Incident, heading: str) -> str:
    diagnosis = rng.sample(_commands(inc.service, inc.number), 2)
    steps = "".join(f"**Step {n}**: {text}:\n{_fence(language, code)}\n"
                    for n, (text, language, code) in enumerate(diagnosis, start=1))
    return (f"## {heading}\n\n### Symptoms\n\n{_bullets(rng, SYMPTOM_BULLETS, 3, inc.service)}\n"
            f"### Root Cause\n\n{inc.cause}.\n\n### Diagnosis\n\n{steps}"
            f"Look for errors like:\n{_fence('', inc.error)}\n"
            f"### Solution\n\n{_numbered_steps(rng, inc, rng.randint(2, 4))}\n"
            "### Verification\n\n"
            f"{_fence('bash', f'curl -fsS http://localhost:8000/{inc.service}/health/ready')}\n"
            f"### Prevention\n\n{_bullets(rng, PREVENTION_BULLETS, 2, inc.service)}")


def heading_of(inc: Incident) -> str:
    """The heading text of an incident (what links to it point at)."""
    if inc.issue:
        return f"Issue {inc.number}: {inc.title}"
    # Numbered incidents carry their number; the others their title only.
    return f"{inc.number}. {inc.title}" if inc.shape == 0 else inc.title


Shape = Callable[[random.Random, Incident, str], str]


def incident_text(seed: int, number: int) -> str:
    inc = incident(seed, number)
    rng = random.Random(seed * 2_000_003 + number)
    heading = heading_of(inc)
    if inc.issue:
        return issue_incident(rng, inc, heading)
    if inc.shape == 3:
        previous = incident(seed, number - 1) if number > 1 else None
        return cause_fix_incident(rng, inc, heading, previous)
    shapes: tuple[Shape, ...] = (numbered_incident, labelled_incident, table_incident)
    return shapes[inc.shape](rng, inc, heading)


def part_heading(part: int) -> str:
    return f"Part {part + 1}: {AREAS[part % len(AREAS)]}"


def contents_line(seed: int, part: int) -> str:
    if not is_issue_part(seed, part):
        return f"- [{part_heading(part)}](#{anchor(part_heading(part))})\n"
    first = part * PART_SIZE + 1
    return (f"- [Issues {first}-{first + PART_SIZE - 1}]"
            f"(#{anchor(heading_of(incident(seed, first)))})\n")


def document(incidents: int, *, seed: int = DEFAULT_SEED, name: str = "Operations") -> str:
    """A runbook document of ``incidents`` incidents."""
    parts = range(part_of(incidents) + 1)
    contents = "".join(contents_line(seed, part) for part in parts)
    text = [f"# {name} runbook\n\n{PROSE[seed % len(PROSE)]}\n\n## Table of Contents\n\n"
            f"{contents}\n---\n"]
    for number in range(1, incidents + 1):
        if number > 1:
            text.append("\n---\n")  # between incidents: a document may not end with one
        part = part_of(number)
        if (number - 1) % PART_SIZE == 0 and not is_issue_part(seed, part):
            text.append(f"\n## {part_heading(part)}\n\n{PROSE[part % len(PROSE)]}\n")
        text.append(f"\n{incident_text(seed, number)}")
    return "".join(text)


def write_files(outdir: Path, files: int, incidents: int, seed: int = DEFAULT_SEED) -> list[Path]:
    """``files`` documents of ``incidents`` each; file *i* is the document of seed + *i*."""
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(files):
        path = outdir / f"runbook-{index + 1:04d}.md"
        service = SERVICES[index % len(SERVICES)]
        path.write_text(document(incidents, seed=seed + index,
                                 name=f"{service.title()} {index + 1}"), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("output", type=Path, help="file to write (a directory with --files)")
    parser.add_argument("--incidents", type=int, default=100, help="incidents per document")
    parser.add_argument("--files", type=int, help="write this many documents into OUTPUT/")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)
    if args.incidents < 1:
        parser.error("--incidents must be at least 1")
    if args.files is not None:
        write_files(args.output, args.files, args.incidents, args.seed)
        print(f"{args.files} files of {args.incidents} incidents in {args.output}")
    else:
        args.output.write_text(document(args.incidents, seed=args.seed), encoding="utf-8")
        print(f"{args.incidents} incidents in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
