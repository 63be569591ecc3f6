-- Shared by every runbook's fixture: the statistics the slow-query steps read.
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
