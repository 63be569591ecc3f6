-- Workflow Service (runbooks/workflow-service.md).
--
-- The runbook's psql commands need no table: "Test database connectivity"
-- connects to $DATABASE_URL, and "Reset Database (Dev Only)" drops and
-- creates the service's database by name, so the database must exist for its
-- DROP DATABASE. The service's own tables are created by its alembic
-- migrations, which need the service's repository (not available here).
CREATE DATABASE workflow_db;
