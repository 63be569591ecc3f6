#!/bin/bash
# A throw-away PostgreSQL for one verification run, loaded with the fixtures.
# Runs inside the sandbox; everything lives in $RUNBOOK_SERVICE_DIR.
set -euo pipefail
# Resolved: Debian's /usr/bin wrappers (or symlinks) are not beside the other programs.
bindir=$(dirname "$(readlink -f "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")")
data="$RUNBOOK_SERVICE_DIR/data"
"$bindir/initdb" -D "$data" -U postgres --auth=trust --no-sync >/dev/null
# The socket goes to the service directory: /var/run/postgresql may not exist
# (or be writable) in the sandbox. pg_stat_statements is what the runbooks'
# slow-query steps read.
"$bindir/pg_ctl" -D "$data" -l "$RUNBOOK_SERVICE_DIR/postgres.log" -w -o \
    "-k $RUNBOOK_SERVICE_DIR -h 127.0.0.1 -p $PGPORT -c shared_preload_libraries=pg_stat_statements -c fsync=off" \
    start >/dev/null
for fixture in "$RUNBOOK_SERVICE_DIR"/*.sql; do
    "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres \
        -d postgres -f "$fixture" >/dev/null
done
